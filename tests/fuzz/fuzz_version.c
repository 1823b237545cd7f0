/* fuzz_version.c — libFuzzer target for the order of ESPurna versions (plan.h:
 * eo_version_compare), as devices announce them and images carry them. The input is three
 * versions, one per line; the order must be an order: a text equals itself, swapping the two
 * sides reverses the answer, and OLDER and SAME are transitive. */
#include "espurna-ota/device.h"
#include "espurna-ota/plan.h"

#include "fuzz_input.h"

static enum eo_version_order reversed(enum eo_version_order order)
{
    return order == EO_VERSION_UNORDERED ? order : (enum eo_version_order) - order;
}

static void check_pair(const char *a, const char *b)
{
    FUZZ_CHECK(eo_version_compare(b, a) == reversed(eo_version_compare(a, b)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    char *v[3];
    for (int i = 0; i < 3; i++) {
        const uint8_t *line = NULL;
        size_t len = 0;
        fuzz_line(&in, &line, &len);
        v[i] = fuzz_text(line, len);
    }
    for (int i = 0; i < 3; i++) {
        unsigned major, minor;
        enum eo_version_order self = eo_version_compare(v[i], v[i]);
        FUZZ_CHECK(self == EO_VERSION_SAME || self == EO_VERSION_UNORDERED);
        (void)eo_device_version_parse(v[i], &major, &minor);
        check_pair(v[i], v[(i + 1) % 3]);
    }
    for (enum eo_version_order order = EO_VERSION_OLDER; order <= EO_VERSION_SAME; order++)
        if (eo_version_compare(v[0], v[1]) == order && eo_version_compare(v[1], v[2]) == order)
            FUZZ_CHECK(eo_version_compare(v[0], v[2]) == order);
    for (int i = 0; i < 3; i++)
        free(v[i]);
    return 0;
}
