/* fuzz_roster.c — libFuzzer target for batch's device list (device_list_file.h: eo_roster_parse),
 * text and JSON formats. A list that parses holds 1..EO_ROSTER_DEVICES_MAX devices whose fields
 * keep the promises of the header. */
#include "espurna-ota/device_list_file.h"

#include "fuzz_input.h"

static void check_device(const struct eo_listed_device *device)
{
    FUZZ_CHECK(FUZZ_TERMINATED(device->device) && device->device[0] != '\0');
    FUZZ_CHECK(FUZZ_TERMINATED(device->identity) && device->identity[0] != '\0');
    FUZZ_CHECK(FUZZ_TERMINATED(device->env));
    FUZZ_CHECK(device->password_count <= EO_ROSTER_PASSWORDS_MAX);
    for (unsigned i = 0; i < device->password_count; i++)
        FUZZ_CHECK(FUZZ_TERMINATED(device->passwords[i]) && device->passwords[i][0] != '\0');
    FUZZ_CHECK(!(device->image && device->env[0]));
    FUZZ_CHECK(device->line >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eo_device_roster roster;
    struct eo_error err;
    if (eo_roster_parse("devices.txt", (const char *)data, size, &roster, &err) != EO_OK) {
        FUZZ_CHECK(roster.count == 0 && roster.items == NULL);
        FUZZ_CHECK(FUZZ_TERMINATED(err.message));
        return 0;
    }
    FUZZ_CHECK(roster.count >= 1 && roster.count <= EO_ROSTER_DEVICES_MAX);
    for (size_t i = 0; i < roster.count; i++)
        check_device(&roster.items[i]);
    eo_roster_release(&roster);
    return 0;
}
