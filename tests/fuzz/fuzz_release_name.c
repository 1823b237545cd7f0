/* fuzz_release_name.c — libFuzzer target for ESPurna release file names (image.h:
 * eo_release_name_parse), as a folder listing or a manifest hands them over. A name that parses
 * gives a version and an environment that make the same release name again. */
#include "espurna-ota/image.h"

#include "fuzz_input.h"

static void check_round_trip(const struct eo_release_name *release)
{
    char name[256];
    struct eo_release_name again;
    snprintf(name, sizeof name, "espurna-%s-%s.bin", release->version, release->environment);
    FUZZ_CHECK(eo_release_name_parse(name, &again));
    FUZZ_CHECK(strcmp(again.version, release->version) == 0);
    FUZZ_CHECK(strcmp(again.environment, release->environment) == 0);
    FUZZ_CHECK(again.kind == release->kind && again.flash_size == release->flash_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = fuzz_text(data, size);
    struct eo_release_name release;
    if (eo_release_name_parse(path, &release)) {
        FUZZ_CHECK(release.version[0] != '\0' && FUZZ_TERMINATED(release.version));
        FUZZ_CHECK(release.environment[0] != '\0' && FUZZ_TERMINATED(release.environment));
        FUZZ_CHECK(eo_kind_name(release.kind) != NULL);
        check_round_trip(&release);
    }
    free(path);
    return 0;
}
