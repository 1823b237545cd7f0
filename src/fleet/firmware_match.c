/* firmware_match.c — the catalogue of one release folder (names only: newest version per
 * environment) and the choice, per device of a fleet, of its full image and of the core image
 * a two-step upgrade would use. The release manifest fills the same catalogue
 * (release_manifest.c). */
#include "espurna-ota/firmware_match.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "espurna-ota/image.h"

#define MIB (1u << 20)

/* ---- the catalogue ------------------------------------------------------------------------ */

void eo_firmware_catalog_init(struct eo_firmware_catalog *catalog)
{
    memset(catalog, 0, sizeof *catalog);
}

void eo_firmware_catalog_release(struct eo_firmware_catalog *catalog)
{
    free(catalog->entries);
    eo_firmware_catalog_init(catalog);
}

/* Whether `candidate` should replace `current` (same environment): the newer version; at the
 * same version a plain image over a gzip one; versions nothing orders by their text. */
static bool replaces(const struct eo_firmware_entry *candidate,
                     const struct eo_firmware_entry *current)
{
    switch (eo_version_compare(candidate->version, current->version)) {
    case EO_VERSION_NEWER: return true;
    case EO_VERSION_OLDER: return false;
    case EO_VERSION_SAME:
        if (candidate->gzip != current->gzip)
            return !candidate->gzip;
        return strcmp(candidate->path, current->path) < 0;
    case EO_VERSION_UNORDERED:
    default: return strcmp(candidate->version, current->version) > 0;
    }
}

/* Index of the first entry whose environment is not below `environment`. */
static size_t lower_bound(const struct eo_firmware_catalog *catalog, const char *environment)
{
    size_t low = 0, high = catalog->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (strcmp(catalog->entries[middle].environment, environment) < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static bool grow(struct eo_firmware_catalog *catalog)
{
    if (catalog->count < catalog->capacity)
        return true;
    size_t capacity = catalog->capacity ? catalog->capacity * 2 : 16;
    struct eo_firmware_entry *entries = realloc(catalog->entries, capacity * sizeof *entries);
    if (!entries)
        return false;
    catalog->entries = entries;
    catalog->capacity = capacity;
    return true;
}

enum eo_status eo_firmware_catalog_put(struct eo_firmware_catalog *catalog,
                                       const struct eo_firmware_entry *entry, struct eo_error *err)
{
    size_t at = lower_bound(catalog, entry->environment);
    struct eo_firmware_entry *existing = at < catalog->count ? &catalog->entries[at] : NULL;
    if (existing && strcmp(existing->environment, entry->environment) == 0) {
        if (replaces(entry, existing))
            *existing = *entry;
        return EO_OK;
    }
    if (!grow(catalog))
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory for the firmware catalogue");
    memmove(&catalog->entries[at + 1], &catalog->entries[at],
            (catalog->count - at) * sizeof *catalog->entries);
    catalog->entries[at] = *entry;
    catalog->count++;
    return EO_OK;
}

const struct eo_firmware_entry *eo_firmware_catalog_find(const struct eo_firmware_catalog *catalog,
                                                         const char *environment)
{
    size_t at = lower_bound(catalog, environment);
    if (at < catalog->count && strcmp(catalog->entries[at].environment, environment) == 0)
        return &catalog->entries[at];
    return NULL;
}

/* ---- loading a folder ----------------------------------------------------------------------- */

static bool has_gzip_suffix(const char *name)
{
    size_t len = strlen(name);
    return len > 3 && strcasecmp(name + len - 3, ".gz") == 0;
}

/* The catalogue's folder without trailing slashes, so paths read "dir/name". */
static void set_folder(struct eo_firmware_catalog *catalog, const char *dir)
{
    snprintf(catalog->dir, sizeof catalog->dir, "%s", dir);
    size_t len = strlen(catalog->dir);
    while (len > 1 && catalog->dir[len - 1] == '/')
        catalog->dir[--len] = '\0';
}

/* Fills entry from a release file name in `dir`. False when it is not a release file. */
static bool entry_from_name(const char *dir, const char *name, struct eo_firmware_entry *entry)
{
    struct eo_release_name release;
    memset(entry, 0, sizeof *entry);
    if (!eo_release_name_parse(name, &release))
        return false;
    int n = snprintf(entry->path, sizeof entry->path, "%s/%s", dir, name);
    if (n < 0 || n >= (int)sizeof entry->path)
        return false;
    snprintf(entry->environment, sizeof entry->environment, "%s", release.environment);
    snprintf(entry->version, sizeof entry->version, "%s", release.version);
    entry->kind = release.kind;
    entry->flash_size = release.flash_size;
    entry->gzip = has_gzip_suffix(name);
    return true;
}

static enum eo_status add_listing(DIR *handle, struct eo_firmware_catalog *out,
                                  struct eo_error *err)
{
    struct dirent *item;
    while ((item = readdir(handle)) != NULL) {
        struct eo_firmware_entry entry;
        if (!entry_from_name(out->dir, item->d_name, &entry))
            continue;
        enum eo_status status = eo_firmware_catalog_put(out, &entry, err);
        if (status != EO_OK)
            return status;
    }
    return EO_OK;
}

enum eo_status eo_firmware_catalog_load(const char *dir, struct eo_firmware_catalog *out,
                                        struct eo_error *err)
{
    eo_firmware_catalog_init(out);
    DIR *handle = opendir(dir);
    if (!handle)
        return eo_error_set(err, EO_ERR_FILE, "%s: cannot list: %s", dir, strerror(errno));
    set_folder(out, dir);
    enum eo_status status = add_listing(handle, out, err);
    closedir(handle);
    if (status == EO_OK && out->count == 0)
        status =
            eo_error_set(err, EO_ERR_INPUT,
                         "%s: no release file (espurna-<version>-<environment>.bin[.gz])", dir);
    if (status != EO_OK)
        eo_firmware_catalog_release(out);
    return status;
}

/* ---- the device's side ---------------------------------------------------------------------- */

bool eo_firmware_environment_of_board(const char *board, char *out, size_t cap)
{
    size_t len = board ? strlen(board) : 0;
    if (cap == 0)
        return false;
    out[0] = '\0';
    if (len == 0 || len >= cap)
        return false;
    for (size_t i = 0; i < len; i++)
        out[i] = board[i] == '_' ? '-' : (char)tolower((unsigned char)board[i]);
    out[len] = '\0';
    return true;
}

bool eo_firmware_device_runs_core(const struct eo_device *device)
{
    return device->kind == EO_KIND_CORE || strcasecmp(device->board, "ESPURNA_CORE") == 0 ||
           strcasecmp(device->board, "ESPURNA_MINIMAL_ARDUINO_OTA") == 0;
}

/* The flash size the device's firmware is built for, else its chip's; 0 when neither is known
 * or it does not fit 32 bits. */
static uint32_t device_flash_size(const struct eo_device *device)
{
    const struct eo_figure *figure = &device->flash_built;
    if (figure->source == EO_FIGURE_UNKNOWN || figure->bytes == 0)
        figure = &device->flash_real;
    if (figure->source == EO_FIGURE_UNKNOWN || figure->bytes > UINT32_MAX)
        return 0;
    return (uint32_t)figure->bytes;
}

/* "1 MB", "512 KB" */
static const char *flash_text(uint32_t bytes, char buf[24])
{
    if (bytes % MIB == 0)
        snprintf(buf, 24, "%u MB", (unsigned)(bytes / MIB));
    else
        snprintf(buf, 24, "%u KB", (unsigned)(bytes / 1024u));
    return buf;
}

/* Where the catalogue came from, for messages: the manifest, else the folder. */
static const char *catalog_source(const struct eo_firmware_catalog *catalog)
{
    return catalog->manifest[0] ? catalog->manifest : catalog->dir;
}

/* Whether a full image built for `image_flash` (0: not named) may go to a device of
 * `device_flash` (0: unknown). */
static bool flash_compatible(uint32_t image_flash, uint32_t device_flash)
{
    return image_flash == 0 || device_flash == 0 || image_flash == device_flash;
}

/* "a, b, c" of the full environments whose flash size suits `flash` (every one when `all`),
 * "none" when there is none; returns how many. */
static size_t full_environments(const struct eo_firmware_catalog *catalog, uint32_t flash, bool all,
                                char *buf, size_t cap)
{
    size_t count = 0, used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < catalog->count; i++) {
        const struct eo_firmware_entry *entry = &catalog->entries[i];
        if (entry->kind != EO_KIND_FULL || (!all && !flash_compatible(entry->flash_size, flash)))
            continue;
        if (used < cap) {
            int n = snprintf(buf + used, cap - used, "%s%s", count ? ", " : "", entry->environment);
            used += n > 0 ? (size_t)n : 0;
        }
        count++;
    }
    if (count == 0)
        snprintf(buf, cap, "none");
    return count;
}

/* ---- the choice ------------------------------------------------------------------------------ */

static void no_match(struct eo_firmware_choice *out, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static void no_match(struct eo_firmware_choice *out, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(out->reason, sizeof out->reason, format, args);
    va_end(args);
    out->matched = false;
}

/* The entry of a named environment, or NULL with the reason. */
static const struct eo_firmware_entry *named_entry(const struct eo_firmware_catalog *catalog,
                                                   const char *environment,
                                                   struct eo_firmware_choice *out)
{
    const struct eo_firmware_entry *entry = eo_firmware_catalog_find(catalog, environment);
    char list[256];
    if (!entry) {
        full_environments(catalog, 0, true, list, sizeof list);
        no_match(out, "no %.96s build in %.200s; environments there: %s", environment,
                 catalog_source(catalog), list);
        return NULL;
    }
    if (entry->kind != EO_KIND_FULL) {
        no_match(out, "%.96s in %.200s is a %s build, not a full image", environment,
                 catalog_source(catalog), entry->kind == EO_KIND_CORE ? "core" : "webui");
        return NULL;
    }
    return entry;
}

/* For a core build without a listed environment: the only full build for its flash size. */
static const struct eo_firmware_entry *only_full_entry(const struct eo_firmware_catalog *catalog,
                                                       const struct eo_device *device,
                                                       struct eo_firmware_choice *out)
{
    char list[256], size[24];
    const char *board = device->board[0] ? device->board : "none";
    if (out->flash_size == 0) {
        no_match(out,
                 "runs a core build (target_board %.64s) and its flash size is unknown: "
                 "give its environment in the device list",
                 board);
        return NULL;
    }
    size_t count = full_environments(catalog, out->flash_size, false, list, sizeof list);
    flash_text(out->flash_size, size);
    if (count != 1) {
        no_match(out,
                 "runs a core build (target_board %.64s), and %.200s has %zu full builds "
                 "for %s (%s): give its environment in the device list",
                 board, catalog_source(catalog), count, size, list);
        return NULL;
    }
    snprintf(out->how, sizeof out->how, "the only full build for %s", size);
    return eo_firmware_catalog_find(catalog, list);
}

/* The entry the device's own identity points at, or NULL with the reason. */
static const struct eo_firmware_entry *device_entry(const struct eo_firmware_catalog *catalog,
                                                    const struct eo_device *device,
                                                    struct eo_firmware_choice *out)
{
    char environment[96];
    if (eo_firmware_device_runs_core(device))
        return only_full_entry(catalog, device, out);
    if (!eo_firmware_environment_of_board(device->board, environment, sizeof environment)) {
        no_match(out, "the device announces no usable target_board: give its environment in "
                      "the device list");
        return NULL;
    }
    snprintf(out->how, sizeof out->how, "target_board %.64s", device->board);
    return named_entry(catalog, environment, out);
}

/* False with the reason when the image names a flash size the device does not have. */
static bool flash_fits(const struct eo_firmware_catalog *catalog,
                       const struct eo_firmware_entry *entry, struct eo_firmware_choice *out)
{
    char image_size[24], device_size[24];
    if (flash_compatible(entry->flash_size, out->flash_size))
        return true;
    no_match(out, "%.96s in %.200s is built for %s, the device's firmware for %s",
             entry->environment, catalog_source(catalog), flash_text(entry->flash_size, image_size),
             flash_text(out->flash_size, device_size));
    return false;
}

static bool listed_in(const struct eo_firmware_catalog *catalog, const char *path)
{
    for (size_t i = 0; i < catalog->count; i++)
        if (strcmp(catalog->entries[i].path, path) == 0)
            return true;
    return false;
}

/* The core image of step 1, from the catalogue's folder; its absence is no failure. */
static void choose_core(const struct eo_firmware_catalog *catalog, struct eo_firmware_choice *out)
{
    char dirs[1][PATH_MAX];
    struct eo_error err;
    eo_error_clear(&err);
    snprintf(dirs[0], PATH_MAX, "%s", catalog->dir);
    if (eo_firmware_find_core(dirs, 1, out->flash_size, 0, out->version, &out->core, &err) !=
        EO_OK) {
        snprintf(out->core_reason, sizeof out->core_reason, "%s", err.message);
        return;
    }
    out->core_found = true;
    if (catalog->manifest[0] && !listed_in(catalog, out->core.path)) {
        size_t len = strlen(out->core.reason);
        snprintf(out->core.reason + len, sizeof out->core.reason - len, " (not in the manifest)");
    }
}

static void take_entry(const struct eo_firmware_entry *entry, struct eo_firmware_choice *out)
{
    out->matched = true;
    snprintf(out->path, sizeof out->path, "%s", entry->path);
    snprintf(out->version, sizeof out->version, "%s", entry->version);
    snprintf(out->environment, sizeof out->environment, "%s", entry->environment);
    snprintf(out->md5, sizeof out->md5, "%s", entry->md5);
}

enum eo_status eo_firmware_match(const struct eo_firmware_catalog *catalog,
                                 const struct eo_device *device, const char *listed_env,
                                 struct eo_firmware_choice *out, struct eo_error *err)
{
    if (!catalog || !device || !out)
        return eo_error_set(err, EO_ERR_INTERNAL, "eo_firmware_match: missing argument");
    memset(out, 0, sizeof *out);
    out->flash_size = device_flash_size(device);
    const struct eo_firmware_entry *entry;
    if (listed_env && listed_env[0]) {
        snprintf(out->how, sizeof out->how, "environment from the device list");
        entry = named_entry(catalog, listed_env, out);
    } else {
        entry = device_entry(catalog, device, out);
    }
    if (!entry || !flash_fits(catalog, entry, out)) {
        out->how[0] = '\0';
        return EO_OK;
    }
    take_entry(entry, out);
    choose_core(catalog, out);
    return EO_OK;
}
