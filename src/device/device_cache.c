/* device_cache.c — the cache of devices seen lately that shell completion reads (see
 * device_cache.h): one tab-separated line per device under a header line, read tolerantly and
 * bounded, written whole to a temporary file that is renamed over the old one. */
#include "espurna-ota/device_cache.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "espurna-ota/file_open.h"
#include "espurna-ota/text.h"
#include "espurna-ota/user_dirs.h"

#define FIELDS 5 /* hostname, address, board, version, seen */
/* The longest file written: the header and EO_DEVICE_CACHE_MAX lines of full fields. */
#define TEXT_MAX (256 + EO_DEVICE_CACHE_MAX * (4 * EO_DEVICE_CACHE_FIELD_MAX + 24))
_Static_assert(TEXT_MAX <= EO_DEVICE_CACHE_READ_MAX, "a cache written is always read whole");

/* ---- what may be kept ---------------------------------------------------------------------- */

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

/* A host name that is one word on any shell's command line: it starts with a letter or digit. */
static bool safe_hostname(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= EO_DEVICE_CACHE_FIELD_MAX || !is_name_char(name[0]) || name[0] == '-' ||
        name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_name_char(name[i]))
            return false;
    return true;
}

/* A numeric IPv4 address, or IPv6 with an optional %scope made of name characters. */
static bool safe_address(const char *address)
{
    unsigned char binary[16];
    char host[EO_DEVICE_CACHE_FIELD_MAX];
    size_t len = strlen(address);
    if (len == 0 || len >= sizeof host)
        return false;
    if (inet_pton(AF_INET, address, binary) == 1)
        return true;
    memcpy(host, address, len + 1);
    char *scope = strchr(host, '%');
    if (scope) {
        *scope++ = '\0';
        if (*scope == '\0')
            return false;
        for (const char *c = scope; *c; c++)
            if (!is_name_char(*c))
                return false;
    }
    return inet_pton(AF_INET6, host, binary) == 1;
}

/* Printable ASCII without tabs (a tab or newline becomes '?'). */
static void copy_text(char out[EO_DEVICE_CACHE_FIELD_MAX], const char *text)
{
    eo_text_printable(out, EO_DEVICE_CACHE_FIELD_MAX, text, strlen(text));
}

static bool entry_is_safe(const struct eo_device_cache_entry *entry)
{
    bool has_name = entry->hostname[0] != '\0', has_address = entry->address[0] != '\0';
    return (has_name || has_address) && (!has_name || safe_hostname(entry->hostname)) &&
           (!has_address || safe_address(entry->address));
}

/* ---- the set of entries ------------------------------------------------------------------- */

static void remove_at(struct eo_device_cache *cache, size_t index)
{
    memmove(&cache->entries[index], &cache->entries[index + 1],
            (cache->count - index - 1) * sizeof cache->entries[0]);
    cache->count--;
}

/* The entry `entry` refreshes: same host name (any case), or same address when neither has a
 * host name. -1 when none. */
static long find_entry(const struct eo_device_cache *cache,
                       const struct eo_device_cache_entry *entry)
{
    for (size_t i = 0; i < cache->count; i++) {
        const struct eo_device_cache_entry *old = &cache->entries[i];
        if (entry->hostname[0] ? strcasecmp(old->hostname, entry->hostname) == 0
                               : !old->hostname[0] && strcmp(old->address, entry->address) == 0)
            return (long)i;
    }
    return -1;
}

/* An address belongs to one device: any other entry that held it loses it, and goes when it
 * is left with nothing. */
static void release_address(struct eo_device_cache *cache, const char *address, long keep)
{
    for (size_t i = cache->count; address[0] && i-- > 0;) {
        struct eo_device_cache_entry *old = &cache->entries[i];
        if ((long)i == keep || strcmp(old->address, address) != 0)
            continue;
        old->address[0] = '\0';
        if (!old->hostname[0])
            remove_at(cache, i);
    }
}

static size_t oldest(const struct eo_device_cache *cache)
{
    size_t found = 0;
    for (size_t i = 1; i < cache->count; i++)
        if (cache->entries[i].seen < cache->entries[found].seen)
            found = i;
    return found;
}

static int newest_first(const void *a, const void *b)
{
    const struct eo_device_cache_entry *x = a, *y = b;
    if (x->seen != y->seen)
        return x->seen > y->seen ? -1 : 1;
    int by_name = strcasecmp(x->hostname, y->hostname);
    return by_name ? by_name : strcmp(x->address, y->address);
}

static void keep_known(char *field, const char *old)
{
    if (!field[0])
        memcpy(field, old, strlen(old) + 1);
}

/* Puts a safe entry in: it replaces the one it refreshes (keeping what that one knew and this
 * one does not) unless that one was seen later, else it takes a free slot or the oldest one's
 * when it is newer. */
static void put_entry(struct eo_device_cache *cache, const struct eo_device_cache_entry *new_entry)
{
    struct eo_device_cache_entry merged = *new_entry, *entry = &merged;
    long index = find_entry(cache, entry);
    if (index >= 0 && cache->entries[index].seen > entry->seen)
        return;
    if (index >= 0) {
        keep_known(entry->address, cache->entries[index].address);
        keep_known(entry->board, cache->entries[index].board);
        keep_known(entry->version, cache->entries[index].version);
    }
    if (index < 0 && cache->count < EO_DEVICE_CACHE_MAX)
        index = (long)cache->count++;
    if (index < 0) {
        index = (long)oldest(cache);
        if (cache->entries[index].seen > entry->seen)
            return;
    }
    cache->entries[index] = *entry;
    release_address(cache, entry->address, index);
    qsort(cache->entries, cache->count, sizeof cache->entries[0], newest_first);
}

/* ---- reading -------------------------------------------------------------------------------- */

/* Splits a line (no newline) at tabs into exactly FIELDS fields, in place. */
static bool split_fields(char *line, char *fields[FIELDS])
{
    size_t n = 0;
    fields[n++] = line;
    for (char *c = line; *c; c++) {
        if (*c != '\t')
            continue;
        if (n == FIELDS)
            return false;
        *c = '\0';
        fields[n++] = c + 1;
    }
    return n == FIELDS;
}

static bool parse_seen(const char *text, int64_t *seen)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *seen = value;
    return true;
}

static bool fits(const char *text)
{
    return strlen(text) < EO_DEVICE_CACHE_FIELD_MAX;
}

static bool parse_line(char *line, struct eo_device_cache_entry *entry)
{
    char *fields[FIELDS];
    memset(entry, 0, sizeof *entry);
    if (!split_fields(line, fields) || !fits(fields[0]) || !fits(fields[1]) || !fits(fields[2]) ||
        !fits(fields[3]) || !parse_seen(fields[4], &entry->seen))
        return false;
    memcpy(entry->hostname, fields[0], strlen(fields[0]) + 1);
    memcpy(entry->address, fields[1], strlen(fields[1]) + 1);
    copy_text(entry->board, fields[2]);
    copy_text(entry->version, fields[3]);
    return entry_is_safe(entry);
}

/* Every complete line after the header; the last line counts only when it ends. */
static void parse_text(char *text, size_t len, struct eo_device_cache *cache)
{
    char *end = text + len, *line = text;
    size_t header_len = strlen(EO_DEVICE_CACHE_HEADER);
    if (len <= header_len || memcmp(text, EO_DEVICE_CACHE_HEADER, header_len) != 0 ||
        (text[header_len] != '\n' && text[header_len] != ' '))
        return;
    line = memchr(text, '\n', len);
    while (line && ++line < end) {
        char *newline = memchr(line, '\n', (size_t)(end - line));
        struct eo_device_cache_entry entry;
        if (!newline)
            break;
        *newline = '\0';
        if (memchr(line, '\0', (size_t)(newline - line)) == NULL && parse_line(line, &entry))
            put_entry(cache, &entry);
        line = newline;
    }
}

void eo_device_cache_load(const char *path, struct eo_device_cache *cache)
{
    int fd = -1;
    size_t size = 0;
    cache->count = 0;
    if (eo_file_open_regular(NULL, path, &fd, &size, NULL) != EO_OK)
        return;
    if (size > EO_DEVICE_CACHE_READ_MAX)
        size = EO_DEVICE_CACHE_READ_MAX;
    char *text = malloc(size + 1);
    if (text && eo_file_read_exactly(fd, text, size)) {
        text[size] = '\0';
        parse_text(text, size, cache);
    }
    free(text);
    close(fd);
}

bool eo_device_cache_note(struct eo_device_cache *cache, const struct eo_device *device,
                          const char *address, int64_t now)
{
    struct eo_device_cache_entry entry;
    memset(&entry, 0, sizeof entry);
    if (safe_hostname(device->hostname))
        memcpy(entry.hostname, device->hostname, strlen(device->hostname) + 1);
    if (!address || !address[0])
        address = device->address_count ? device->addresses[0] : "";
    if (safe_address(address))
        memcpy(entry.address, address, strlen(address) + 1);
    if (!entry.hostname[0] && !entry.address[0])
        return false;
    copy_text(entry.board, device->board);
    copy_text(entry.version, device->version);
    entry.seen = now;
    put_entry(cache, &entry);
    return true;
}

/* ---- writing ------------------------------------------------------------------------------ */

/* mkdir -p of the folders above `path`, each new one with mode 0700. */
static enum eo_status make_parents(const char *path, struct eo_error *err)
{
    char folder[PATH_MAX];
    if (snprintf(folder, sizeof folder, "%s", path) >= (int)sizeof folder)
        return eo_error_set(err, EO_ERR_FILE, "device cache %s: path too long", path);
    for (char *slash = strchr(folder + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(folder, 0700) != 0 && errno != EEXIST)
            return eo_error_set(err, EO_ERR_FILE, "device cache %s: cannot create folder %s: %s",
                                path, folder, strerror(errno));
        *slash = '/';
    }
    return EO_OK;
}

/* The whole file in one buffer (at most EO_DEVICE_CACHE_MAX short lines); its length. */
static size_t format_cache(const struct eo_device_cache *cache, char *out, size_t cap)
{
    size_t len = (size_t)snprintf(out, cap,
                                  "%s (host, address, board, version, last seen; written by "
                                  "espurna-ota, safe to delete)\n",
                                  EO_DEVICE_CACHE_HEADER);
    for (size_t i = 0; i < cache->count && len < cap; i++) {
        const struct eo_device_cache_entry *entry = &cache->entries[i];
        len +=
            (size_t)snprintf(out + len, cap - len, "%s\t%s\t%s\t%s\t%" PRId64 "\n", entry->hostname,
                             entry->address, entry->board, entry->version, entry->seen);
    }
    return len < cap ? len : cap - 1;
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

enum eo_status eo_device_cache_save(const char *path, const struct eo_device_cache *cache,
                                    struct eo_error *err)
{
    char temporary[PATH_MAX];
    if (snprintf(temporary, sizeof temporary, "%s.XXXXXX", path) >= (int)sizeof temporary)
        return eo_error_set(err, EO_ERR_FILE, "device cache %s: path too long", path);
    enum eo_status status = make_parents(path, err);
    if (status != EO_OK)
        return status;
    size_t cap = TEXT_MAX;
    char *text = malloc(cap);
    if (!text)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    size_t len = format_cache(cache, text, cap);
    int fd = mkostemp(temporary, O_CLOEXEC); /* mode 0600 */
    if (fd < 0) {
        free(text);
        return eo_error_set(err, EO_ERR_FILE, "device cache %s: cannot create %s: %s", path,
                            temporary, strerror(errno));
    }
    bool written = write_all(fd, text, len) && fsync(fd) == 0;
    int saved = errno;
    free(text);
    if (close(fd) != 0 && written) {
        written = false;
        saved = errno;
    }
    if (written && rename(temporary, path) == 0)
        return EO_OK;
    saved = written ? errno : saved;
    unlink(temporary);
    return eo_error_set(err, EO_ERR_FILE, "device cache %s: cannot write: %s", path,
                        strerror(saved));
}

/* ---- the default place -------------------------------------------------------------------- */

bool eo_device_cache_default_path(char *out, size_t cap)
{
    return eo_user_path("XDG_CACHE_HOME", ".cache", eo_user_home(), "devices.tsv", out, cap);
}

/* Loads the default cache, lets `note` add to it, saves it when something changed. */
static enum eo_status remember(const struct eo_device *devices, size_t count, const char *address,
                               struct eo_error *err)
{
    char path[PATH_MAX];
    bool changed = false;
    if (!eo_device_cache_default_path(path, sizeof path))
        return eo_error_set(err, EO_ERR_FILE, "device cache: no home folder");
    struct eo_device_cache *cache = malloc(sizeof *cache); /* ~40 KiB */
    if (!cache)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    eo_device_cache_load(path, cache);
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < count; i++)
        changed |= eo_device_cache_note(cache, &devices[i], address, now);
    enum eo_status status = changed ? eo_device_cache_save(path, cache, err) : EO_OK;
    free(cache);
    return status;
}

enum eo_status eo_device_cache_remember_list(const struct eo_device_list *list,
                                             struct eo_error *err)
{
    return remember(list->items, list->count, NULL, err);
}

enum eo_status eo_device_cache_remember_one(const struct eo_device *device, const char *address,
                                            struct eo_error *err)
{
    return remember(device, 1, address, err);
}
