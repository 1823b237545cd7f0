/* fuzz_manifest.c — libFuzzer target for release manifests (firmware_match.h:
 * eo_release_manifest_parse). The manifest is read as if it lay in a private temporary folder
 * that holds two small release files, so that a manifest naming them right gets through every
 * check; a parsed catalogue finds each of its environments again. */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "espurna-ota/firmware_match.h"

#include "fuzz_input.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static char folder[] = "/tmp/eo-fuzz-manifest.XXXXXX";
static char manifest_path[PATH_MAX];

static const char *const release_files[][2] = {
    {"espurna-1.15.0-itead-sonoff-basic.bin", "hello"},
    {"espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin", "core image"},
};

static void write_release_file(const char *name, const char *content)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen(path, "w");
    FUZZ_CHECK(file != NULL);
    fputs(content, file);
    fclose(file);
}

static void remove_folder(void)
{
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof release_files / sizeof release_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", folder, release_files[i][0]);
        unlink(path);
    }
    rmdir(folder);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    FUZZ_CHECK(mkdtemp(folder) != NULL);
    atexit(remove_folder);
    for (size_t i = 0; i < sizeof release_files / sizeof release_files[0]; i++)
        write_release_file(release_files[i][0], release_files[i][1]);
    snprintf(manifest_path, sizeof manifest_path, "%s/manifest.json", folder);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    if (eo_release_manifest_parse(manifest_path, (const char *)data, size, &catalog, &err) !=
        EO_OK) {
        FUZZ_CHECK(catalog.count == 0 && catalog.entries == NULL);
        FUZZ_CHECK(FUZZ_TERMINATED(err.message));
        return 0;
    }
    FUZZ_CHECK(catalog.count >= 1);
    for (size_t i = 0; i < catalog.count; i++) {
        const struct eo_firmware_entry *entry = &catalog.entries[i];
        FUZZ_CHECK(eo_firmware_catalog_find(&catalog, entry->environment) == entry);
        FUZZ_CHECK(strlen(entry->md5) == 32 && entry->size >= 1);
    }
    eo_firmware_catalog_release(&catalog);
    return 0;
}
