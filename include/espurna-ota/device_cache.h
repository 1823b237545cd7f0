/* device_cache.h — the small cache of the devices seen lately, for shell completion: discover,
 * batch (its discovery) and upgrade (the device it identified) remember each device's host
 * name, address, board and version in $XDG_CACHE_HOME/espurna-ota/devices.tsv (default
 * ~/.cache/espurna-ota/devices.tsv), so that `--device <TAB>` offers them without any network
 * call. The file is written whole to a temporary file beside it and renamed over it (a reader
 * sees the old cache or the new one, never half of one); it holds at most EO_DEVICE_CACHE_MAX
 * devices, the most recently seen, and nothing but what devices announced and the addresses
 * they answered at — never a password — with host names and addresses reduced to the characters
 * that are safe on a command line. A missing, unreadable, foreign or corrupt cache reads as the
 * lines of it that can be trusted (possibly none): it is a cache, and the commands go on without
 * it. */
#ifndef ESPURNA_OTA_DEVICE_CACHE_H
#define ESPURNA_OTA_DEVICE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/device.h"
#include "espurna-ota/status.h"

#define EO_DEVICE_CACHE_MAX 128                /* devices kept: the most recently seen */
#define EO_DEVICE_CACHE_READ_MAX (64u * 1024u) /* bytes of the file read at most */
#define EO_DEVICE_CACHE_FIELD_MAX 64

/* First line of the file; a file that does not start with it is not read. */
#define EO_DEVICE_CACHE_HEADER "# espurna-ota device cache 1"

struct eo_device_cache_entry {
    char hostname[EO_DEVICE_CACHE_FIELD_MAX]; /* letters, digits, '-', '_', '.'; "" unknown */
    char address[EO_DEVICE_CACHE_FIELD_MAX];  /* a numeric IPv4 or IPv6 address; "" unknown */
    char board[EO_DEVICE_CACHE_FIELD_MAX];    /* printable ASCII, no tab; "" unknown */
    char version[EO_DEVICE_CACHE_FIELD_MAX];  /* printable ASCII, no tab; "" unknown */
    int64_t seen;                             /* Unix time it was last seen */
};

/* Entries most recently seen first. */
struct eo_device_cache {
    struct eo_device_cache_entry entries[EO_DEVICE_CACHE_MAX];
    size_t count;
};

/* $XDG_CACHE_HOME/espurna-ota/devices.tsv when XDG_CACHE_HOME is an absolute path, else
 * ~/.cache/espurna-ota/devices.tsv. false when no home is known or it does not fit in cap. */
bool eo_device_cache_default_path(char *out, size_t cap);

/* Reads the cache at `path` into `cache` (emptied first). Never fails: a missing file, one that
 * is not a regular file, a foreign header or a read error give an empty cache; lines that are
 * malformed, hold unsafe characters or come after EO_DEVICE_CACHE_MAX good ones are skipped, as
 * is anything past EO_DEVICE_CACHE_READ_MAX bytes. Never blocks on a FIFO. */
void eo_device_cache_load(const char *path, struct eo_device_cache *cache);

/* Adds or refreshes one device, seen at `now` (Unix time) at `address` (NULL or "": its first
 * address): the entry of the same host name (any case), else of the same address when neither
 * has a host name. Another entry holding that address loses it (the address moved). A host name
 * or address with unsafe characters is left out; false (nothing changed) when neither remains.
 * When the cache is full the entry seen longest ago goes. */
bool eo_device_cache_note(struct eo_device_cache *cache, const struct eo_device *device,
                          const char *address, int64_t now);

/* Writes the cache to `path`: folders created (mode 0700) as needed, a temporary file (mode
 * 0600) in the same folder, synced, renamed over `path`. EO_ERR_FILE with the reason; `path` is
 * unchanged then. */
enum eo_status eo_device_cache_save(const char *path, const struct eo_device_cache *cache,
                                    struct eo_error *err);

/* What the commands call: load the default cache, note the devices (now), save it. EO_OK, or
 * EO_ERR_FILE when there is no home or it cannot be written (callers go on either way). */
enum eo_status eo_device_cache_remember_list(const struct eo_device_list *list,
                                             struct eo_error *err);
enum eo_status eo_device_cache_remember_one(const struct eo_device *device, const char *address,
                                            struct eo_error *err);

#endif
