/* fuzz_txt.c — libFuzzer target for the decoding of ESPurna's mDNS announcements into a device
 * record (device.h: eo_device_apply_txt through eo_device_list_add_service, both TXT dialects,
 * unit guessing, names cleaned), and for everything that reads the record afterwards: JSON,
 * methods, flash arithmetic, matching, a withdrawn service. */
#include <jansson.h>

#include "espurna-ota/device.h"

#include "fuzz_device_record.h"
#include "fuzz_input.h"

static void check_record(const struct eo_device *device)
{
    FUZZ_CHECK(FUZZ_TERMINATED(device->hostname) && FUZZ_TERMINATED(device->instance));
    FUZZ_CHECK(FUZZ_TERMINATED(device->app) && FUZZ_TERMINATED(device->version));
    FUZZ_CHECK(FUZZ_TERMINATED(device->build_date) && FUZZ_TERMINATED(device->board));
    FUZZ_CHECK(FUZZ_TERMINATED(device->arduino_board) && FUZZ_TERMINATED(device->mac));
    FUZZ_CHECK(FUZZ_TERMINATED(device->chip_id));
    FUZZ_CHECK(device->address_count <= EO_DEVICE_MAX_ADDRESSES);
    FUZZ_CHECK(device->note_count <= EO_DEVICE_MAX_NOTES);
    for (unsigned i = 0; i < device->note_count; i++)
        FUZZ_CHECK(FUZZ_TERMINATED(device->notes[i]));
    FUZZ_CHECK(device->mac[0] == '\0' || strlen(device->mac) == 17);
}

static void read_record(const struct eo_device *device)
{
    char methods[64];
    struct eo_target target;
    json_t *json = eo_device_to_json(device);
    FUZZ_CHECK(json != NULL);
    char *text = json_dumps(json, 0);
    FUZZ_CHECK(text != NULL); /* a string that is not UTF-8 would make jansson refuse */
    free(text);
    json_decref(json);
    eo_device_methods_text(device, methods, sizeof methods);
    (void)eo_device_image_steps(device, 614400, 1024u * 1024u);
    (void)eo_device_image_steps(device, 296960, 0);
    eo_target_from_device(&target, device->hostname, device);
    FUZZ_CHECK(eo_device_matches(device, device->hostname));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    struct fuzz_record record;
    struct eo_device_list list;
    fuzz_record_read(&in, &record);
    eo_device_list_init(&list);
    struct eo_device *device = fuzz_record_add(&list, &record);
    if (device) {
        FUZZ_CHECK(list.count == 1);
        check_record(device);
        read_record(device);
        eo_device_apply_txt(device, record.txt, record.txt_count); /* announced again */
        check_record(device);
        eo_device_list_remove_service(&list, EO_SERVICE_ARDUINO, record.instance);
    }
    eo_device_list_release(&list);
    fuzz_record_free(&record);
    return 0;
}
