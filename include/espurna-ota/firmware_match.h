/* firmware_match.h — which firmware each device of a fleet gets (`batch --firmware-dir` and
 * `--manifest`): a catalogue of the release images of one folder or of one release manifest,
 * newest version per environment, and the match of one device against it: the full image whose
 * environment is the device's (from the device list, else its target_board), plus the core image
 * a two-step upgrade would go through. Pure library: reads folder listings and, for a manifest,
 * the files it names; never prints, never talks to a device. */
#ifndef ESPURNA_OTA_FIRMWARE_MATCH_H
#define ESPURNA_OTA_FIRMWARE_MATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/device.h"
#include "espurna-ota/plan.h"
#include "espurna-ota/status.h"

/* One environment of the catalogue: its newest release image. */
struct eo_firmware_entry {
    char environment[96]; /* "itead-sonoff-basic", "espurna-minimal-arduino-ota-1m" */
    char version[64];     /* "1.15.0" */
    char path[PATH_MAX];  /* "<folder>/espurna-<version>-<environment>.bin[.gz]" */
    uint8_t kind;         /* enum eo_image_kind from the environment: FULL, CORE or WEBUI */
    uint32_t flash_size;  /* bytes, from a -1m/-4m/-1MB suffix of the environment; 0 not named */
    bool gzip;            /* the file is .bin.gz */
    uint64_t size;        /* manifest only: the checked file size (0 from a folder) */
    char md5[33];         /* manifest only: the checked MD5, lower-case ("" from a folder) */
};

struct eo_firmware_catalog {
    char dir[PATH_MAX];                /* the folder the images are in (the manifest's folder) */
    char manifest[PATH_MAX];           /* the manifest it came from, "" for a folder */
    char version[64];                  /* the manifest's version, "" for a folder */
    struct eo_firmware_entry *entries; /* sorted by environment, one per environment */
    size_t count;
    size_t capacity;
};

void eo_firmware_catalog_init(struct eo_firmware_catalog *catalog);
void eo_firmware_catalog_release(struct eo_firmware_catalog *catalog);

/* The entry of an environment (exact, case-sensitive), or NULL. */
const struct eo_firmware_entry *eo_firmware_catalog_find(const struct eo_firmware_catalog *catalog,
                                                         const char *environment);

/* Puts one release image in the catalogue, keeping it sorted by environment: a new environment
 * is added; for one already there the newer version replaces the entry (the rule of
 * eo_firmware_catalog_load). EO_ERR_INTERNAL when out of memory. */
enum eo_status eo_firmware_catalog_put(struct eo_firmware_catalog *catalog,
                                       const struct eo_firmware_entry *entry, struct eo_error *err);

/* Lists `dir` (names only, no file is read): every release file (eo_release_name_parse) is a
 * candidate; per environment the newest version wins (eo_version_compare), a plain .bin before
 * a .bin.gz of the same version, and versions nothing orders by their text, so the choice does
 * not depend on the listing order. Errors: EO_ERR_FILE "DIR: cannot list: <reason>" when the
 * folder is missing or unreadable; EO_ERR_INPUT "DIR: no release file (espurna-<version>-
 * <environment>.bin[.gz])" when it holds none. On error the catalogue is left empty. */
enum eo_status eo_firmware_catalog_load(const char *dir, struct eo_firmware_catalog *out,
                                        struct eo_error *err);

/* ---- release manifest --------------------------------------------------------------------
 * A JSON file a CI pipeline publishes beside the images of one release:
 *
 *   {
 *     "version": "1.15.0",
 *     "images": {
 *       "itead-sonoff-basic": {
 *         "file": "espurna-1.15.0-itead-sonoff-basic.bin",
 *         "size": 655360,
 *         "md5": "0123456789abcdef0123456789abcdef"
 *       },
 *       "espurna-minimal-arduino-ota-1m": { "file": "...", "size": ..., "md5": "..." }
 *     }
 *   }
 *
 * Exactly these keys, no others (duplicate keys refused):
 *   version  string, an ESPurna version ("1.15.0", "1.15.0-dev.gitb409dc27+github230330"): what
 *            the devices report once they run these images.
 *   images   object, at least one entry; each key is a release environment, each value:
 *     file   string, the file name in the manifest's folder, exactly
 *            "espurna-<version>-<environment>.bin" or "….bin.gz" (no folder part), so that names
 *            and manifest never disagree and the core image search sees the same files.
 *     size   integer, the file's size in bytes (≥ 1).
 *     md5    string, 32 hex digits, the MD5 of the file (either case).
 * Full images and core images (espurna-minimal-arduino-ota-1m, espurna-core-1MB ...) may both
 * be listed. Every file is read and checked against its size and md5.
 *
 * Errors: EO_ERR_FILE "MANIFEST: cannot open: <reason>" (or "not a regular file", "larger
 * than N bytes") when the manifest itself cannot be read; EO_ERR_INPUT for everything else,
 * every message starting with the manifest path and the JSON path of what is wrong:
 *   "MANIFEST:LINE:COLUMN: <jansson's text>"                          not JSON
 *   "MANIFEST: not a JSON object"
 *   "MANIFEST: version: missing" / ": not a string" / ": not an ESPurna version (\"x\")"
 *   "MANIFEST: images: missing" / ": not an object" / ": no image"
 *   "MANIFEST: images.ENV: not an object" / ": unknown key \"k\"" /
 *       ": not a release environment"
 *   "MANIFEST: images.ENV.file: missing" / ": not a string" /
 *       ": expected espurna-V-ENV.bin or espurna-V-ENV.bin.gz (not \"x\")" /
 *       ": DIR/FILE: cannot open: <reason>" (or ": DIR/FILE: not a regular file (...)")
 *   "MANIFEST: images.ENV.size: not a positive integer" /
 *       ": does not match the file (expected N, file has M)"
 *   "MANIFEST: images.ENV.md5: not 32 hex digits" /
 *       ": does not match the file (expected X, file has Y)"
 *   "MANIFEST: unknown key \"k\""
 * On error the catalogue is left empty. */
enum eo_status eo_release_manifest_load(const char *path, struct eo_firmware_catalog *out,
                                        struct eo_error *err);
/* The same for the manifest's `len` bytes already in memory, as if read from `path`: its folder
 * is where the images it names are read and checked. */
enum eo_status eo_release_manifest_parse(const char *path, const char *text, size_t len,
                                         struct eo_firmware_catalog *out, struct eo_error *err);

/* ---- matching one device -------------------------------------------------------------- */

struct eo_firmware_choice {
    bool matched;        /* false: the device is skipped, `reason` says why */
    char path[PATH_MAX]; /* the full image */
    char version[64];
    char environment[96];
    char how[160];              /* "target_board ITEAD_SONOFF_BASIC", "environment from the
                                 * device list", "the only full build for 1 MB" */
    char md5[33];               /* the manifest's MD5 of the image, "" from a folder */
    char reason[512];           /* when !matched: "no itead-sonoff-basic build in DIR;
                                 * environments there: a, b, c" */
    uint32_t flash_size;        /* the device's flash size used (sdk_size, else the chip's), 0
                                 * when unknown */
    bool core_found;            /* the core image a two-step upgrade would use */
    struct eo_core_choice core; /* when core_found (eo_firmware_find_core over the folder) */
    char core_reason[EO_ERROR_MESSAGE_MAX]; /* when !core_found: why none */
};

/* The release environment a target_board names: lower case, '_' → '-' (ITEAD_SONOFF_BASIC →
 * itead-sonoff-basic). Returns false (out "") for an empty board or one that does not fit. */
bool eo_firmware_environment_of_board(const char *board, char *out, size_t cap);

/* Whether the device runs a core build, whose target_board names no full build: board
 * ESPURNA_CORE / ESPURNA_MINIMAL_ARDUINO_OTA, or kind CORE (1.12–1.14 core builds may keep the
 * previous board name, which is then not trusted). */
bool eo_firmware_device_runs_core(const struct eo_device *device);

/* Picks the full image for `device` from the catalogue:
 *   1. `listed_env` (the device list's environment, NULL or "" when none) wins;
 *   2. else the environment of its target_board, unless it runs a core build;
 *   3. else, for a core build, the catalogue's only full environment for the device's flash
 *      size (flash size named and equal, or not named), when there is exactly one.
 * The device's flash size is its sdk_size (flash_built), else its chip size (flash_real). A full
 * image whose environment names a flash size other than the device's is no match (one that
 * names none, or a device whose size is unknown, is not refused here: the plan checks the
 * image's header). A core or webui environment is never the full image.
 * When matched, the core image is looked for with eo_firmware_find_core in the catalogue's
 * folder for that flash size, preferring the full image's version (any step-2 method); not
 * finding one is no failure (core_found false, core_reason), one that a manifest does not list
 * says so in its reason.
 * Returns EO_OK, matched or not (a device without a match is skipped, not failed);
 * EO_ERR_INTERNAL only for NULL arguments. */
enum eo_status eo_firmware_match(const struct eo_firmware_catalog *catalog,
                                 const struct eo_device *device, const char *listed_env,
                                 struct eo_firmware_choice *out, struct eo_error *err);

#endif
