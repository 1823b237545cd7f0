/* test_firmware_match.c — which firmware each device of a fleet gets: the catalogue of a release
 * folder (empty files: only names count), the match of devices of every kind against it, and
 * the release manifest (small real files: sizes and MD5s are checked) with its exact messages. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "espurna-ota/firmware_match.h"

#define MIB (1024u * 1024u)
#define HELLO_MD5 "5d41402abc4b2a76b9719d911017c592" /* "hello" */
#define CORE_MD5 "aba877053c219055f676e01e4f5236de"  /* "core image" */

/* ---- fixtures -------------------------------------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *content)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    if (content[0])
        assert_int_equal(fwrite(content, strlen(content), 1, file), 1);
    assert_int_equal(fclose(file), 0);
}

static void remove_dir(const char *dir)
{
    char command[PATH_MAX + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
}

/* A release folder of a mixed fleet: two versions and a gzip of one board, a pre-release, a
 * 4 MB-only environment, cores of both eras, and a file that is no release. */
static void make_release_dir(char *dir)
{
    static const char *const names[] = {
        "espurna-1.14.1-itead-sonoff-basic.bin",
        "espurna-1.15.0-itead-sonoff-basic.bin.gz",
        "espurna-1.15.0-itead-sonoff-basic.bin",
        "espurna-1.15.0-dev.gitb409dc27+github230330-itead-sonoff-basic.bin",
        "espurna-1.15.0-nodemcu-lolin.bin.gz",
        "espurna-1.15.0-generic-esp8266-4m.bin",
        "espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin",
        "espurna-1.14.1-espurna-core-1MB.bin",
        "espurna-1.15.0-espurna-minimal-webui-1m.bin",
        "README.md",
    };
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        write_file(dir, names[i], "");
}

/* A device as discovery records it; flash sizes in MiB, 0 unknown. */
static struct eo_device make_device(const char *board, uint8_t kind, unsigned built_mib,
                                    unsigned real_mib)
{
    struct eo_device d;
    eo_device_init(&d);
    snprintf(d.hostname, sizeof d.hostname, "ESPURNA-1A2B3C");
    snprintf(d.board, sizeof d.board, "%s", board);
    snprintf(d.version, sizeof d.version, "1.14.1");
    d.kind = kind;
    if (built_mib)
        d.flash_built = (struct eo_figure){built_mib * (uint64_t)MIB, EO_FIGURE_CONVERTED};
    if (real_mib)
        d.flash_real = (struct eo_figure){real_mib * (uint64_t)MIB, EO_FIGURE_CONVERTED};
    return d;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static struct eo_firmware_choice match(const struct eo_firmware_catalog *catalog,
                                       const struct eo_device *device, const char *listed)
{
    struct eo_firmware_choice choice;
    struct eo_error err;
    assert_int_equal(eo_firmware_match(catalog, device, listed, &choice, &err), EO_OK);
    return choice;
}

static void expect_matched(const struct eo_firmware_choice *choice, const char *file,
                           const char *how)
{
    if (!choice->matched)
        fail_msg("%s expected, no match: %s", file, choice->reason);
    assert_string_equal(base_name(choice->path), file);
    assert_string_equal(choice->how, how);
}

static void expect_unmatched(const struct eo_firmware_choice *choice, const char *reason)
{
    if (choice->matched)
        fail_msg("no match expected, got %s", choice->path);
    assert_string_equal(choice->reason, reason);
    assert_string_equal(choice->path, "");
}

/* ---- the catalogue of a folder ------------------------------------------------------------- */

static void test_catalog_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_fwmatch.XXXXXX";
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    make_release_dir(dir);
    assert_int_equal(eo_firmware_catalog_load(dir, &catalog, &err), EO_OK);
    assert_int_equal(catalog.count, 6);
    static const char *const sorted[] = {
        "espurna-core-1MB",         "espurna-minimal-arduino-ota-1m",
        "espurna-minimal-webui-1m", "generic-esp8266-4m",
        "itead-sonoff-basic",       "nodemcu-lolin",
    };
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(catalog.entries[i].environment, sorted[i]);
    const struct eo_firmware_entry *basic =
        eo_firmware_catalog_find(&catalog, "itead-sonoff-basic");
    assert_non_null(basic);
    assert_string_equal(basic->version, "1.15.0");
    assert_string_equal(base_name(basic->path), "espurna-1.15.0-itead-sonoff-basic.bin");
    assert_false(basic->gzip);
    assert_int_equal(basic->kind, EO_KIND_FULL);
    assert_int_equal(basic->flash_size, 0);
    const struct eo_firmware_entry *generic =
        eo_firmware_catalog_find(&catalog, "generic-esp8266-4m");
    assert_int_equal(generic->flash_size, 4 * MIB);
    assert_true(eo_firmware_catalog_find(&catalog, "nodemcu-lolin")->gzip);
    assert_int_equal(eo_firmware_catalog_find(&catalog, "espurna-core-1MB")->kind, EO_KIND_CORE);
    assert_int_equal(eo_firmware_catalog_find(&catalog, "espurna-minimal-webui-1m")->kind,
                     EO_KIND_WEBUI);
    assert_null(eo_firmware_catalog_find(&catalog, "itead-sonoff"));
    assert_string_equal(catalog.dir, dir);
    assert_string_equal(catalog.manifest, "");
    eo_firmware_catalog_release(&catalog);
    assert_null(catalog.entries);
    remove_dir(dir);
}

static void test_catalog_errors(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_fwmatch.XXXXXX", missing[PATH_MAX], expected[2 * PATH_MAX];
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "README.md", "");
    write_file(dir, "espurna-latest.bin", "");
    assert_int_equal(eo_firmware_catalog_load(dir, &catalog, &err), EO_ERR_INPUT);
    snprintf(expected, sizeof expected,
             "%s: no release file (espurna-<version>-<environment>.bin[.gz])", dir);
    assert_string_equal(err.message, expected);
    assert_int_equal(catalog.count, 0);
    assert_null(catalog.entries);
    snprintf(missing, sizeof missing, "%s/missing", dir);
    assert_int_equal(eo_firmware_catalog_load(missing, &catalog, &err), EO_ERR_FILE);
    snprintf(expected, sizeof expected, "%s: cannot list: No such file or directory", missing);
    assert_string_equal(err.message, expected);
    remove_dir(dir);
}

/* ---- matching ----------------------------------------------------------------------------------
 */

static void test_environment_of_board(void **state)
{
    (void)state;
    char env[32];
    assert_true(eo_firmware_environment_of_board("ITEAD_SONOFF_BASIC", env, sizeof env));
    assert_string_equal(env, "itead-sonoff-basic");
    assert_true(eo_firmware_environment_of_board("NODEMCU_LOLIN", env, sizeof env));
    assert_string_equal(env, "nodemcu-lolin");
    assert_false(eo_firmware_environment_of_board("", env, sizeof env));
    assert_string_equal(env, "");
    assert_false(
        eo_firmware_environment_of_board("A_BOARD_NAME_LONGER_THAN_THE_BUFFER", env, sizeof env));
}

static void test_board_match(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_fwmatch.XXXXXX";
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    make_release_dir(dir);
    assert_int_equal(eo_firmware_catalog_load(dir, &catalog, &err), EO_OK);

    struct eo_device basic = make_device("ITEAD_SONOFF_BASIC", EO_KIND_FULL, 1, 1);
    struct eo_firmware_choice choice = match(&catalog, &basic, NULL);
    expect_matched(&choice, "espurna-1.15.0-itead-sonoff-basic.bin",
                   "target_board ITEAD_SONOFF_BASIC");
    assert_string_equal(choice.version, "1.15.0");
    assert_string_equal(choice.environment, "itead-sonoff-basic");
    assert_string_equal(choice.md5, "");
    assert_int_equal(choice.flash_size, MIB);
    assert_true(choice.core_found);
    assert_string_equal(base_name(choice.core.path),
                        "espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin");
    assert_non_null(strstr(choice.core.reason, "same version as the target"));

    /* no 4 MB core in the folder: matched all the same, the core's absence said */
    struct eo_device lolin = make_device("NODEMCU_LOLIN", EO_KIND_FULL, 4, 4);
    choice = match(&catalog, &lolin, NULL);
    expect_matched(&choice, "espurna-1.15.0-nodemcu-lolin.bin.gz", "target_board NODEMCU_LOLIN");
    assert_false(choice.core_found);
    assert_non_null(strstr(choice.core_reason, "no core image for a 4 MB flash"));

    /* sdk_size unknown: the chip's size decides */
    struct eo_device generic = make_device("GENERIC_ESP8266_4M", EO_KIND_FULL, 0, 4);
    choice = match(&catalog, &generic, NULL);
    expect_matched(&choice, "espurna-1.15.0-generic-esp8266-4m.bin",
                   "target_board GENERIC_ESP8266_4M");
    assert_int_equal(choice.flash_size, 4 * MIB);

    eo_firmware_catalog_release(&catalog);
    remove_dir(dir);
}

static void test_listed_env_wins(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_fwmatch.XXXXXX", expected[2 * PATH_MAX];
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    make_release_dir(dir);
    assert_int_equal(eo_firmware_catalog_load(dir, &catalog, &err), EO_OK);
    struct eo_device basic = make_device("ITEAD_SONOFF_BASIC", EO_KIND_FULL, 1, 1);

    struct eo_firmware_choice choice = match(&catalog, &basic, "nodemcu-lolin");
    expect_matched(&choice, "espurna-1.15.0-nodemcu-lolin.bin.gz",
                   "environment from the device list");

    /* a listed environment that is not there: no fallback to the board */
    choice = match(&catalog, &basic, "itead-sonoff-pow");
    snprintf(expected, sizeof expected,
             "no itead-sonoff-pow build in %s; environments there: generic-esp8266-4m, "
             "itead-sonoff-basic, nodemcu-lolin",
             dir);
    expect_unmatched(&choice, expected);
    assert_false(choice.core_found);

    choice = match(&catalog, &basic, "espurna-minimal-arduino-ota-1m");
    snprintf(expected, sizeof expected,
             "espurna-minimal-arduino-ota-1m in %s is a core build, not a full image", dir);
    expect_unmatched(&choice, expected);

    /* "" is no listed environment */
    choice = match(&catalog, &basic, "");
    expect_matched(&choice, "espurna-1.15.0-itead-sonoff-basic.bin",
                   "target_board ITEAD_SONOFF_BASIC");

    eo_firmware_catalog_release(&catalog);
    remove_dir(dir);
}

static void test_no_board_match(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_fwmatch.XXXXXX", expected[2 * PATH_MAX];
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    make_release_dir(dir);
    assert_int_equal(eo_firmware_catalog_load(dir, &catalog, &err), EO_OK);

    struct eo_device pow = make_device("ITEAD_SONOFF_POW_R2", EO_KIND_FULL, 1, 1);
    struct eo_firmware_choice choice = match(&catalog, &pow, NULL);
    snprintf(expected, sizeof expected,
             "no itead-sonoff-pow-r2 build in %s; environments there: generic-esp8266-4m, "
             "itead-sonoff-basic, nodemcu-lolin",
             dir);
    expect_unmatched(&choice, expected);
    assert_string_equal(choice.how, "");

    struct eo_device silent = make_device("", EO_KIND_FULL, 1, 1);
    choice = match(&catalog, &silent, NULL);
    expect_unmatched(&choice, "the device announces no usable target_board: give its environment "
                              "in the device list");

    eo_firmware_catalog_release(&catalog);
    remove_dir(dir);
}

static void test_wrong_flash_size(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_fwmatch.XXXXXX", expected[2 * PATH_MAX];
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    make_release_dir(dir);
    assert_int_equal(eo_firmware_catalog_load(dir, &catalog, &err), EO_OK);

    /* a 1 MB build on a 4 MB chip: the build's size counts */
    struct eo_device small = make_device("GENERIC_ESP8266_4M", EO_KIND_FULL, 1, 4);
    struct eo_firmware_choice choice = match(&catalog, &small, NULL);
    snprintf(expected, sizeof expected,
             "generic-esp8266-4m in %s is built for 4 MB, the device's firmware for 1 MB", dir);
    expect_unmatched(&choice, expected);
    choice = match(&catalog, &small, "generic-esp8266-4m");
    expect_unmatched(&choice, expected);

    /* unknown flash size: the name cannot refuse it (the plan reads the header) */
    struct eo_device unknown = make_device("GENERIC_ESP8266_4M", EO_KIND_FULL, 0, 0);
    choice = match(&catalog, &unknown, NULL);
    expect_matched(&choice, "espurna-1.15.0-generic-esp8266-4m.bin",
                   "target_board GENERIC_ESP8266_4M");
    assert_int_equal(choice.flash_size, 0);
    assert_false(choice.core_found);

    eo_firmware_catalog_release(&catalog);
    remove_dir(dir);
}

static void test_core_device(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_fwmatch.XXXXXX", expected[2 * PATH_MAX];
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    make_release_dir(dir);
    assert_int_equal(eo_firmware_catalog_load(dir, &catalog, &err), EO_OK);

    struct eo_device core = make_device("ESPURNA_MINIMAL_ARDUINO_OTA", EO_KIND_CORE, 1, 1);
    assert_true(eo_firmware_device_runs_core(&core));
    struct eo_firmware_choice choice = match(&catalog, &core, NULL);
    snprintf(expected, sizeof expected,
             "runs a core build (target_board ESPURNA_MINIMAL_ARDUINO_OTA), and %s has 2 full "
             "builds for 1 MB (itead-sonoff-basic, nodemcu-lolin): give its environment in the "
             "device list",
             dir);
    expect_unmatched(&choice, expected);

    choice = match(&catalog, &core, "itead-sonoff-basic");
    expect_matched(&choice, "espurna-1.15.0-itead-sonoff-basic.bin",
                   "environment from the device list");
    assert_true(choice.core_found);

    /* a 1.13 core keeps the full build's board name: not trusted */
    struct eo_device old_core = make_device("ITEAD_SONOFF_BASIC", EO_KIND_CORE, 1, 1);
    assert_true(eo_firmware_device_runs_core(&old_core));
    choice = match(&catalog, &old_core, NULL);
    snprintf(expected, sizeof expected,
             "runs a core build (target_board ITEAD_SONOFF_BASIC), and %s has 2 full builds for "
             "1 MB (itead-sonoff-basic, nodemcu-lolin): give its environment in the device list",
             dir);
    expect_unmatched(&choice, expected);

    /* board says core although kind is not known */
    struct eo_device named_core = make_device("ESPURNA_CORE", EO_KIND_UNKNOWN, 0, 0);
    assert_true(eo_firmware_device_runs_core(&named_core));
    choice = match(&catalog, &named_core, NULL);
    expect_unmatched(&choice, "runs a core build (target_board ESPURNA_CORE) and its flash size "
                              "is unknown: give its environment in the device list");

    eo_firmware_catalog_release(&catalog);
    remove_dir(dir);
}

static void test_core_device_only_full_build(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_fwmatch.XXXXXX";
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "espurna-1.15.0-itead-sonoff-basic.bin", "");
    write_file(dir, "espurna-1.15.0-generic-esp8266-4m.bin", ""); /* not for 1 MB */
    write_file(dir, "espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin", "");
    assert_int_equal(eo_firmware_catalog_load(dir, &catalog, &err), EO_OK);

    struct eo_device core = make_device("ESPURNA_MINIMAL_ARDUINO_OTA", EO_KIND_CORE, 1, 1);
    struct eo_firmware_choice choice = match(&catalog, &core, NULL);
    expect_matched(&choice, "espurna-1.15.0-itead-sonoff-basic.bin",
                   "the only full build for 1 MB");
    assert_true(choice.core_found);

    struct eo_device core4 = make_device("ESPURNA_MINIMAL_ARDUINO_OTA", EO_KIND_CORE, 4, 4);
    choice = match(&catalog, &core4, NULL);
    assert_false(choice.matched);
    assert_non_null(strstr(choice.reason, "has 2 full builds for 4 MB (generic-esp8266-4m, "
                                          "itead-sonoff-basic)"));

    eo_firmware_catalog_release(&catalog);
    remove_dir(dir);
}

/* ---- the release manifest ------------------------------------------------------------------ */

struct manifest_fixture {
    char dir[32];
    char path[PATH_MAX];
};

/* A release folder with two real images ("hello", "core image") and one core the manifest does
 * not list. */
static void make_manifest_dir(struct manifest_fixture *fixture)
{
    snprintf(fixture->dir, sizeof fixture->dir, "/tmp/test_fwmanifest.XXXXXX");
    assert_non_null(mkdtemp(fixture->dir));
    snprintf(fixture->path, sizeof fixture->path, "%s/manifest.json", fixture->dir);
    write_file(fixture->dir, "espurna-1.15.0-itead-sonoff-basic.bin", "hello");
    write_file(fixture->dir, "espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin", "core image");
    write_file(fixture->dir, "espurna-1.14.1-espurna-core-1MB.bin", "");
}

/* Writes `json` as the manifest and loads it, expecting `status`; with an error, the message
 * must be the manifest path followed by `message`. */
static void load_manifest(const struct manifest_fixture *fixture, const char *json,
                          enum eo_status status, const char *message)
{
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    char expected[2 * PATH_MAX];
    write_file(fixture->dir, "manifest.json", json);
    enum eo_status got = eo_release_manifest_load(fixture->path, &catalog, &err);
    if (got != status)
        fail_msg("status %d, expected %d: %s", (int)got, (int)status, got ? err.message : "");
    if (status == EO_OK) {
        eo_firmware_catalog_release(&catalog);
        return;
    }
    snprintf(expected, sizeof expected, "%s%s", fixture->path, message);
    assert_string_equal(err.message, expected);
    assert_int_equal(catalog.count, 0);
    assert_null(catalog.entries);
}

#define GOOD_BASIC                                                                                 \
    "\"itead-sonoff-basic\": {\"file\": \"espurna-1.15.0-itead-sonoff-basic.bin\", \"size\": 5, "  \
    "\"md5\": \"" HELLO_MD5 "\"}"
#define GOOD_CORE                                                                                  \
    "\"espurna-minimal-arduino-ota-1m\": {\"file\": "                                              \
    "\"espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin\", \"size\": 10, \"md5\": \"" CORE_MD5    \
    "\"}"

static void test_manifest_good(void **state)
{
    (void)state;
    struct manifest_fixture fixture;
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    make_manifest_dir(&fixture);
    write_file(fixture.dir, "manifest.json",
               "{\"version\": \"1.15.0\", \"images\": {" GOOD_BASIC ", " GOOD_CORE "}}");
    assert_int_equal(eo_release_manifest_load(fixture.path, &catalog, &err), EO_OK);
    assert_int_equal(catalog.count, 2); /* the unlisted 1.14.1 core is not in it */
    assert_string_equal(catalog.version, "1.15.0");
    assert_string_equal(catalog.dir, fixture.dir);
    assert_string_equal(catalog.manifest, fixture.path);
    const struct eo_firmware_entry *basic =
        eo_firmware_catalog_find(&catalog, "itead-sonoff-basic");
    assert_non_null(basic);
    assert_int_equal(basic->size, 5);
    assert_string_equal(basic->md5, HELLO_MD5);
    assert_int_equal(eo_firmware_catalog_find(&catalog, "espurna-minimal-arduino-ota-1m")->kind,
                     EO_KIND_CORE);

    struct eo_device device = make_device("ITEAD_SONOFF_BASIC", EO_KIND_FULL, 1, 1);
    struct eo_firmware_choice choice = match(&catalog, &device, NULL);
    expect_matched(&choice, "espurna-1.15.0-itead-sonoff-basic.bin",
                   "target_board ITEAD_SONOFF_BASIC");
    assert_string_equal(choice.md5, HELLO_MD5);
    assert_true(choice.core_found);
    assert_string_equal(base_name(choice.core.path),
                        "espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin");
    assert_null(strstr(choice.core.reason, "not in the manifest"));
    eo_firmware_catalog_release(&catalog);

    /* a manifest without the core: the folder's core is found, and said to be unlisted */
    write_file(fixture.dir, "manifest.json",
               "{\"version\": \"1.15.0\", \"images\": {" GOOD_BASIC "}}");
    assert_int_equal(eo_release_manifest_load(fixture.path, &catalog, &err), EO_OK);
    device.kind = EO_KIND_CORE; /* the only full build for 1 MB */
    choice = match(&catalog, &device, NULL);
    expect_matched(&choice, "espurna-1.15.0-itead-sonoff-basic.bin",
                   "the only full build for 1 MB");
    assert_true(choice.core_found);
    assert_non_null(strstr(choice.core.reason, "same version as the target (not in the manifest)"));
    char expected[2 * PATH_MAX];
    snprintf(expected, sizeof expected,
             "no itead-sonoff-pow build in %s; environments there: itead-sonoff-basic",
             fixture.path);
    struct eo_firmware_choice missing = match(&catalog, &device, "itead-sonoff-pow");
    expect_unmatched(&missing, expected);
    eo_firmware_catalog_release(&catalog);
    remove_dir(fixture.dir);
}

static void test_manifest_checks(void **state)
{
    (void)state;
    struct manifest_fixture fixture;
    char expected[2 * PATH_MAX];
    make_manifest_dir(&fixture);
    load_manifest(&fixture,
                  "{\"version\": \"1.15.0\", \"images\": {\"itead-sonoff-basic\": {\"file\": "
                  "\"espurna-1.15.0-itead-sonoff-basic.bin\", \"size\": 5, \"md5\": "
                  "\"00000000000000000000000000000000\"}}}",
                  EO_ERR_INPUT,
                  ": images.itead-sonoff-basic.md5: does not match the file (expected "
                  "00000000000000000000000000000000, file has " HELLO_MD5 ")");
    load_manifest(&fixture,
                  "{\"version\": \"1.15.0\", \"images\": {\"itead-sonoff-basic\": {\"file\": "
                  "\"espurna-1.15.0-itead-sonoff-basic.bin\", \"size\": 6, \"md5\": \"" HELLO_MD5
                  "\"}}}",
                  EO_ERR_INPUT,
                  ": images.itead-sonoff-basic.size: does not match the file (expected 6, file "
                  "has 5)");
    snprintf(expected, sizeof expected,
             ": images.nodemcu-lolin.file: %s/espurna-1.15.0-nodemcu-lolin.bin: cannot open: No "
             "such file or directory",
             fixture.dir);
    load_manifest(
        &fixture,
        "{\"version\": \"1.15.0\", \"images\": {" GOOD_BASIC ", \"nodemcu-lolin\": "
        "{\"file\": \"espurna-1.15.0-nodemcu-lolin.bin\", \"size\": 5, \"md5\": \"" HELLO_MD5
        "\"}}}",
        EO_ERR_INPUT, expected);
    load_manifest(&fixture, "{\"version\": \"1.15.0\",}", EO_ERR_INPUT,
                  ":1:22: string or '}' expected near '}'");
    load_manifest(&fixture, "", EO_ERR_INPUT, ":1:0: '[' or '{' expected near end of file");
    /* upper-case MD5 digits are the same digest */
    load_manifest(&fixture,
                  "{\"version\": \"1.15.0\", \"images\": {\"itead-sonoff-basic\": {\"file\": "
                  "\"espurna-1.15.0-itead-sonoff-basic.bin\", \"size\": 5, \"md5\": "
                  "\"5D41402ABC4B2A76B9719D911017C592\"}}}",
                  EO_OK, NULL);
    remove_dir(fixture.dir);
}

static void test_manifest_shape(void **state)
{
    (void)state;
    struct manifest_fixture fixture;
    make_manifest_dir(&fixture);
    load_manifest(&fixture, "[]", EO_ERR_INPUT, ": not a JSON object");
    load_manifest(&fixture, "{\"images\": {" GOOD_BASIC "}}", EO_ERR_INPUT, ": version: missing");
    load_manifest(&fixture, "{\"version\": 115, \"images\": {}}", EO_ERR_INPUT,
                  ": version: not a string");
    load_manifest(&fixture, "{\"version\": \"latest\", \"images\": {}}", EO_ERR_INPUT,
                  ": version: not an ESPurna version (\"latest\")");
    load_manifest(&fixture, "{\"version\": \"1.15.0\"}", EO_ERR_INPUT, ": images: missing");
    load_manifest(&fixture, "{\"version\": \"1.15.0\", \"images\": []}", EO_ERR_INPUT,
                  ": images: not an object");
    load_manifest(&fixture, "{\"version\": \"1.15.0\", \"images\": {}}", EO_ERR_INPUT,
                  ": images: no image");
    load_manifest(&fixture, "{\"version\": \"1.15.0\", \"images\": {" GOOD_BASIC "}, \"x\": 1}",
                  EO_ERR_INPUT, ": unknown key \"x\"");
    load_manifest(&fixture, "{\"version\": \"1.15.0\", \"images\": {\"a\": 1}}", EO_ERR_INPUT,
                  ": images.a: not an object");
    load_manifest(&fixture,
                  "{\"version\": \"1.15.0\", \"images\": {\"itead-sonoff-basic\": {\"file\": "
                  "\"espurna-1.15.0-itead-sonoff-basic.bin\", \"size\": 5, \"md5\": \"" HELLO_MD5
                  "\", \"sha256\": \"\"}}}",
                  EO_ERR_INPUT, ": images.itead-sonoff-basic: unknown key \"sha256\"");
    load_manifest(&fixture,
                  "{\"version\": \"1.15.0\", \"images\": {\"itead-sonoff-basic\": {\"size\": 5, "
                  "\"md5\": \"" HELLO_MD5 "\"}}}",
                  EO_ERR_INPUT, ": images.itead-sonoff-basic.file: missing");
    load_manifest(&fixture,
                  "{\"version\": \"1.15.0\", \"images\": {\"itead-sonoff-basic\": {\"file\": "
                  "\"basic.bin\", \"size\": 5, \"md5\": \"" HELLO_MD5 "\"}}}",
                  EO_ERR_INPUT,
                  ": images.itead-sonoff-basic.file: expected "
                  "espurna-1.15.0-itead-sonoff-basic.bin or "
                  "espurna-1.15.0-itead-sonoff-basic.bin.gz (not \"basic.bin\")");
    load_manifest(
        &fixture,
        "{\"version\": \"1.15.0\", \"images\": {\"itead-sonoff-basic\": {\"file\": "
        "\"espurna-1.15.0-itead-sonoff-basic.bin\", \"size\": \"5\", \"md5\": \"" HELLO_MD5 "\"}}}",
        EO_ERR_INPUT, ": images.itead-sonoff-basic.size: not a positive integer");
    load_manifest(&fixture,
                  "{\"version\": \"1.15.0\", \"images\": {\"itead-sonoff-basic\": {\"file\": "
                  "\"espurna-1.15.0-itead-sonoff-basic.bin\", \"size\": 5, \"md5\": \"xyz\"}}}",
                  EO_ERR_INPUT, ": images.itead-sonoff-basic.md5: not 32 hex digits");
    load_manifest(&fixture,
                  "{\"version\": \"1.15.0\", \"images\": {" GOOD_BASIC ", " GOOD_BASIC "}}",
                  EO_ERR_INPUT, ":1:180: duplicate object key near '\"itead-sonoff-basic\"'");
    remove_dir(fixture.dir);
}

/* A manifest held in memory (eo_release_manifest_parse) is read as if from its path: the images
 * it names are checked in that path's folder. */
static void test_manifest_parse(void **state)
{
    (void)state;
    static const char text[] = "{\"version\": \"1.15.0\", \"images\": {" GOOD_BASIC "}}";
    struct manifest_fixture fixture;
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    make_manifest_dir(&fixture);
    assert_int_equal(eo_release_manifest_parse(fixture.path, text, sizeof text - 1, &catalog, &err),
                     EO_OK);
    assert_int_equal(catalog.count, 1);
    assert_string_equal(catalog.dir, fixture.dir);
    assert_string_equal(catalog.manifest, fixture.path);
    eo_firmware_catalog_release(&catalog);

    assert_int_equal(
        eo_release_manifest_parse("elsewhere/manifest.json", text, sizeof text - 1, &catalog, &err),
        EO_ERR_INPUT);
    assert_non_null(strstr(err.message, "elsewhere/manifest.json: images.itead-sonoff-basic.file: "
                                        "elsewhere/espurna-1.15.0-itead-sonoff-basic.bin: "));
    assert_int_equal(catalog.count, 0);
    remove_dir(fixture.dir);
}

static void test_manifest_missing(void **state)
{
    (void)state;
    struct eo_firmware_catalog catalog;
    struct eo_error err;
    assert_int_equal(eo_release_manifest_load("/nonexistent/manifest.json", &catalog, &err),
                     EO_ERR_FILE);
    assert_string_equal(err.message,
                        "/nonexistent/manifest.json: cannot open: No such file or directory");
    assert_int_equal(catalog.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_load),
        cmocka_unit_test(test_catalog_errors),
        cmocka_unit_test(test_environment_of_board),
        cmocka_unit_test(test_board_match),
        cmocka_unit_test(test_listed_env_wins),
        cmocka_unit_test(test_no_board_match),
        cmocka_unit_test(test_wrong_flash_size),
        cmocka_unit_test(test_core_device),
        cmocka_unit_test(test_core_device_only_full_build),
        cmocka_unit_test(test_manifest_good),
        cmocka_unit_test(test_manifest_checks),
        cmocka_unit_test(test_manifest_shape),
        cmocka_unit_test(test_manifest_parse),
        cmocka_unit_test(test_manifest_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
