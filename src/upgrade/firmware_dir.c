/* firmware_dir.c — where release images are kept and how the core image for step 1 of a
 * two-step update is found there: by release file name only (espurna-<version>-<env>.bin), a
 * core build for the flash size the device's firmware is built for, the target's version first,
 * else the newest. */
#include "espurna-ota/plan.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "espurna-ota/image.h"
#include "espurna-ota/user_dirs.h"

#define FIRMWARE_SUBDIR "espurna-ota/firmware"

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Appends path to dirs when it is an existing folder and there is room. */
static size_t add_existing(char dirs[][PATH_MAX], size_t count, size_t cap, const char *path)
{
    if (count >= cap || !is_directory(path))
        return count;
    snprintf(dirs[count], PATH_MAX, "%s", path);
    return count + 1;
}

/* $XDG_DATA_HOME/espurna-ota/firmware, or ~/.local/share/... when XDG_DATA_HOME is unset or
 * not absolute (the XDG rule). Returns false when neither variable helps. */
static bool user_data_dir(char out[PATH_MAX])
{
    return eo_user_path("XDG_DATA_HOME", ".local/share", getenv("HOME"), "firmware", out, PATH_MAX);
}

/* An explicit folder is kept even when missing, so that the message about it names it. */
size_t eo_firmware_search_path(const char *explicit_dir, char dirs[][PATH_MAX], size_t cap)
{
    char path[PATH_MAX];
    size_t count = 0;
    if (cap == 0)
        return 0;
    if (explicit_dir && explicit_dir[0]) {
        snprintf(dirs[0], PATH_MAX, "%s", explicit_dir);
        return 1;
    }
    count = add_existing(dirs, count, cap, "./firmware");
    if (user_data_dir(path))
        count = add_existing(dirs, count, cap, path);
#ifdef EO_INSTALL_DATADIR
    snprintf(path, sizeof path, "%s/%s", EO_INSTALL_DATADIR, FIRMWARE_SUBDIR);
    count = add_existing(dirs, count, cap, path);
#endif
    return count;
}

/* ---- choosing the core ------------------------------------------------------------------ */

/* Every ESPurna core build (1.12–1.14 espurna-core-*, dev minimal-arduino-ota-*) offers
 * ArduinoOTA and the telnet terminal, and none a web server. */
static unsigned core_methods(void)
{
    return (1u << EO_METHOD_ESPOTA) | (1u << EO_METHOD_TERMINAL);
}

struct candidate {
    char path[PATH_MAX];
    struct eo_release_name release;
    bool found;
};

static bool is_gzip_name(const char *name)
{
    size_t len = strlen(name);
    return len > 3 && strcmp(name + len - 3, ".gz") == 0;
}

/* A plain core image for this flash size whose methods step 2 can use. Gzip cores are left
 * out: step 1 may go to a device that does not take gzip. */
static bool is_usable_core(const char *name, uint32_t flash_size, unsigned step2_methods,
                           struct eo_release_name *release)
{
    if (is_gzip_name(name) || !eo_release_name_parse(name, release))
        return false;
    if (release->kind != EO_KIND_CORE || release->flash_size != flash_size)
        return false;
    return step2_methods == 0 || (core_methods() & step2_methods) != 0;
}

/* Whether `release` (named `name`) is a better choice than the best so far. */
static bool is_better(const struct candidate *best, const struct eo_release_name *release,
                      const char *path, const char *prefer_version)
{
    if (!best->found)
        return true;
    bool new_same =
        prefer_version && eo_version_compare(release->version, prefer_version) == EO_VERSION_SAME;
    bool old_same = prefer_version &&
                    eo_version_compare(best->release.version, prefer_version) == EO_VERSION_SAME;
    if (new_same != old_same)
        return new_same;
    enum eo_version_order order = eo_version_compare(release->version, best->release.version);
    if (order == EO_VERSION_NEWER || order == EO_VERSION_OLDER)
        return order == EO_VERSION_NEWER;
    return strcmp(path, best->path) < 0; /* same or unordered: a stable choice */
}

static void consider_dir(const char *dir, uint32_t flash_size, unsigned step2_methods,
                         const char *prefer_version, struct candidate *best)
{
    DIR *handle = opendir(dir);
    if (!handle)
        return;
    struct dirent *entry;
    while ((entry = readdir(handle)) != NULL) {
        struct eo_release_name release;
        char path[PATH_MAX];
        if (!is_usable_core(entry->d_name, flash_size, step2_methods, &release))
            continue;
        int n = snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        if (n < 0 || n >= (int)sizeof path || !is_better(best, &release, path, prefer_version))
            continue;
        snprintf(best->path, sizeof best->path, "%s", path);
        best->release = release;
        best->found = true;
    }
    closedir(handle);
}

/* "1m" / "1MB" style suffixes of the two core eras' environment names. */
static void flash_suffixes(uint32_t flash_size, char dev[8], char old[8])
{
    unsigned mib = (unsigned)(flash_size >> 20);
    snprintf(dev, 8, "%um", mib);
    snprintf(old, 8, "%uMB", mib);
}

static void join_dirs(char dirs[][PATH_MAX], size_t count, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count && used < cap; i++) {
        int n = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", dirs[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (count == 0)
        snprintf(out, cap, "no release folder");
}

static enum eo_status no_core(char dirs[][PATH_MAX], size_t dir_count, uint32_t flash_size,
                              unsigned step2_methods, struct eo_error *err)
{
    char dev[8], old[8], where[384];
    if (step2_methods && !(core_methods() & step2_methods))
        return eo_error_hinted(err, EO_ERR_FILE, EO_HINT_CORE_IMAGE,
                               "no core image offers a method step 2 could use (a core image "
                               "has espota and the terminal, no web)");
    flash_suffixes(flash_size, dev, old);
    join_dirs(dirs, dir_count, where, sizeof where);
    return eo_error_hinted(err, EO_ERR_FILE, EO_HINT_CORE_IMAGE,
                           "no core image for a %u MB flash: espurna-<version>-espurna-minimal-"
                           "arduino-ota-%s.bin or espurna-<version>-espurna-core-%s.bin in %s",
                           (unsigned)(flash_size >> 20), dev, old, where);
}

static void describe_choice(const struct candidate *best, uint32_t flash_size,
                            const char *prefer_version, struct eo_core_choice *out)
{
    snprintf(out->path, sizeof out->path, "%s", best->path);
    bool same = prefer_version &&
                eo_version_compare(best->release.version, prefer_version) == EO_VERSION_SAME;
    if (same)
        snprintf(out->reason, sizeof out->reason,
                 "%.96s for a %u MB flash, same version as the target", best->release.environment,
                 (unsigned)(flash_size >> 20));
    else
        snprintf(out->reason, sizeof out->reason, "%.96s for a %u MB flash, newest found (%.64s)",
                 best->release.environment, (unsigned)(flash_size >> 20), best->release.version);
}

enum eo_status eo_firmware_find_core(char dirs[][PATH_MAX], size_t dir_count, uint32_t flash_size,
                                     unsigned step2_methods, const char *prefer_version,
                                     struct eo_core_choice *out, struct eo_error *err)
{
    struct candidate best;
    memset(&best, 0, sizeof best);
    memset(out, 0, sizeof *out);
    if (flash_size < (1u << 20))
        return eo_error_hinted(err, EO_ERR_FILE, EO_HINT_CORE_IMAGE,
                               "the flash size the device's firmware is built for is unknown: "
                               "no core image can be chosen");
    for (size_t i = 0; i < dir_count; i++)
        consider_dir(dirs[i], flash_size, step2_methods, prefer_version, &best);
    if (!best.found)
        return no_core(dirs, dir_count, flash_size, step2_methods, err);
    describe_choice(&best, flash_size, prefer_version, out);
    return EO_OK;
}
