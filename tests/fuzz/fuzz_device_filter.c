/* fuzz_device_filter.c — libFuzzer target for `--filter KEY=VALUE` (device.h): the filter text
 * (the input's first line) parsed, then matched against a device decoded from the rest of the
 * input as an mDNS announcement (fuzz_device_record.h). */
#include "espurna-ota/device.h"

#include "fuzz_device_record.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    const uint8_t *line = NULL;
    size_t line_len = 0;
    fuzz_line(&in, &line, &line_len);
    char *text = fuzz_text(line, line_len);
    struct eo_device_filter filter;
    struct eo_error err;
    enum eo_status status = eo_device_filter_parse(text, &filter, &err);
    free(text);
    if (status != EO_OK)
        return 0;
    FUZZ_CHECK(FUZZ_TERMINATED(filter.key) && FUZZ_TERMINATED(filter.pattern));
    struct fuzz_record record;
    struct eo_device_list list;
    fuzz_record_read(&in, &record);
    eo_device_list_init(&list);
    struct eo_device *device = fuzz_record_add(&list, &record);
    if (device)
        (void)eo_device_filter_match(device, &filter);
    eo_device_list_release(&list);
    fuzz_record_free(&record);
    return 0;
}
