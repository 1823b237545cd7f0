/* device_list_file.c — the device list of `batch --devices FILE`: reading the file, telling
 * JSON from text by its first character, and the text format line by line (the format is
 * described in device_list_file.h; JSON is roster_json.c's). */
#include "espurna-ota/device_list_file.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "espurna-ota/file_open.h"
#include "roster_build.h"

#define BYTE_ORDER_MARK "\xEF\xBB\xBF"

struct text_key {
    const char *name;
    enum roster_field field;
};

static const struct text_key text_keys[] = {
    {"image", ROSTER_IMAGE},
    {"env", ROSTER_ENV},
    {"password", ROSTER_PASSWORD},
    {"method", ROSTER_METHOD},
    {"port", ROSTER_PORT},
    {"web-port", ROSTER_WEB_PORT},
    {"telnet-port", ROSTER_TELNET_PORT},
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static enum eo_status check_line(const struct roster_place *place, const char *line, size_t len)
{
    if (len > EO_ROSTER_LINE_MAX)
        return roster_fail(place, "line longer than %d bytes", EO_ROSTER_LINE_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == '\0')
            return roster_fail(place, "NUL byte in the line");
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return roster_fail(place, "control character 0x%02X in the line", c);
    }
    return EO_OK;
}

/* '#' starts a comment at the start of the line or after a blank. */
static void cut_comment(char *line)
{
    for (size_t i = 0; line[i]; i++) {
        if (line[i] == '#' && (i == 0 || is_blank(line[i - 1]))) {
            line[i] = '\0';
            return;
        }
    }
}

/* The next blank-separated field, NUL-terminated in place; NULL at the end of the line. */
static char *next_field(char **cursor)
{
    char *start = *cursor;
    while (is_blank(*start))
        start++;
    if (!*start)
        return NULL;
    char *end = start;
    while (*end && !is_blank(*end))
        end++;
    *cursor = *end ? end + 1 : end;
    *end = '\0';
    return start;
}

static const struct text_key *find_key(const char *name)
{
    for (size_t i = 0; i < sizeof text_keys / sizeof text_keys[0]; i++)
        if (strcmp(text_keys[i].name, name) == 0)
            return &text_keys[i];
    return NULL;
}

/* Decimal digits only; anything else (or too many digits) is -1, which the range check refuses. */
static long long port_number(const char *value)
{
    size_t len = strlen(value);
    if (len == 0 || len > 6 || strspn(value, "0123456789") != len)
        return -1;
    return strtoll(value, NULL, 10);
}

static enum eo_status read_field(const struct roster_place *place, struct roster_entry *entry,
                                 char *field)
{
    char *equals = strchr(field, '=');
    if (!equals || equals == field)
        return roster_fail(place, "'%s' is not key=value (one device per line)",
                           roster_show(field).text);
    *equals = '\0';
    const char *value = equals + 1;
    const struct text_key *key = find_key(field);
    if (!key)
        return roster_fail(place,
                           "unknown key '%s' (image, env, password, method, port, "
                           "web-port, telnet-port)",
                           roster_show(field).text);
    bool is_port = key->field == ROSTER_PORT || key->field == ROSTER_WEB_PORT ||
                   key->field == ROSTER_TELNET_PORT;
    if (is_port && value[0])
        return roster_entry_set_port(place, entry, key->field, key->name, port_number(value),
                                     value);
    return roster_entry_set_text(place, entry, key->field, key->name, value);
}

static enum eo_status read_fields(const struct roster_place *place, struct roster_entry *entry,
                                  char **cursor)
{
    for (char *field = next_field(cursor); field; field = next_field(cursor)) {
        enum eo_status status = read_field(place, entry, field);
        if (status != EO_OK)
            return status;
    }
    return EO_OK;
}

/* One line without its line end, checked and NUL-terminated. */
static enum eo_status read_line(const struct roster_place *place, struct roster_builder *builder,
                                char *line)
{
    cut_comment(line);
    char *cursor = line;
    const char *device = next_field(&cursor);
    if (!device)
        return EO_OK;
    if (strchr(device, '='))
        return roster_fail(place, "'%s' before the device: the device is the first field",
                           roster_show(device).text);
    struct roster_entry entry;
    enum eo_status status = roster_entry_start(place, &entry, device);
    if (status == EO_OK)
        status = read_fields(place, &entry, &cursor);
    if (status != EO_OK) {
        roster_entry_discard(&entry);
        return status;
    }
    return roster_builder_add(place, builder, &entry);
}

static enum eo_status read_text(const char *name, const char *text, size_t len,
                                struct roster_builder *builder, struct eo_error *err)
{
    struct roster_place place = {name, 0, err};
    char line[EO_ROSTER_LINE_MAX + 1];
    size_t pos = 0;
    while (pos < len) {
        const char *newline = memchr(text + pos, '\n', len - pos);
        size_t line_len = newline ? (size_t)(newline - (text + pos)) : len - pos;
        size_t next = pos + line_len + (newline ? 1 : 0);
        if (line_len > 0 && text[pos + line_len - 1] == '\r')
            line_len--;
        place.line++;
        enum eo_status status = check_line(&place, text + pos, line_len);
        if (status != EO_OK)
            return status;
        memcpy(line, text + pos, line_len);
        line[line_len] = '\0';
        status = read_line(&place, builder, line);
        if (status != EO_OK)
            return status;
        pos = next;
    }
    return EO_OK;
}

/* Where the first character that is not a space, tab, CR or LF is (len when none). */
static size_t first_visible(const char *text, size_t len)
{
    size_t pos = 0;
    while (pos < len && (is_blank(text[pos]) || text[pos] == '\r' || text[pos] == '\n'))
        pos++;
    return pos;
}

enum eo_status eo_roster_parse(const char *name, const char *text, size_t len,
                               struct eo_device_roster *out, struct eo_error *err)
{
    out->items = NULL;
    out->count = 0;
    size_t bom = strlen(BYTE_ORDER_MARK);
    if (len >= bom && memcmp(text, BYTE_ORDER_MARK, bom) == 0) {
        text += bom;
        len -= bom;
    }
    struct roster_builder builder;
    roster_builder_init(&builder);
    size_t first = first_visible(text, len);
    bool json = first < len && (text[first] == '[' || text[first] == '{');
    enum eo_status status = json ? roster_read_json(name, text, len, first, &builder, err)
                                 : read_text(name, text, len, &builder, err);
    return roster_builder_finish(&builder, status, name, out, err);
}

static enum eo_status read_list_file(const char *path, char **out, size_t *out_len,
                                     struct eo_error *err)
{
    int fd;
    size_t size;
    enum eo_status status = eo_file_open_regular("device list", path, &fd, &size, err);
    if (status != EO_OK)
        return status;
    if (size > EO_ROSTER_FILE_MAX) {
        close(fd);
        return eo_error_set(err, EO_ERR_FILE, "device list %s: larger than %u MiB", path,
                            EO_ROSTER_FILE_MAX / (1024u * 1024u));
    }
    char *buffer = malloc(size ? size : 1);
    bool read_ok = buffer && eo_file_read_exactly(fd, buffer, size);
    int saved = errno;
    close(fd);
    if (!buffer)
        return eo_error_set(err, EO_ERR_INTERNAL, "device list %s: out of memory", path);
    if (!read_ok) {
        free(buffer);
        return eo_error_set(err, EO_ERR_FILE, "device list %s: read failed: %s", path,
                            saved ? strerror(saved) : "it shrank while reading");
    }
    *out = buffer;
    *out_len = size;
    return EO_OK;
}

/* "fleet/devices.txt" + "a.bin" → "fleet/a.bin"; `folder_len` counts the final '/'. */
static enum eo_status resolve_image(const char *path, size_t folder_len,
                                    struct eo_listed_device *device, struct eo_error *err)
{
    if (!device->image || device->image[0] == '/' || folder_len == 0)
        return EO_OK;
    size_t image_len = strlen(device->image);
    if (folder_len + image_len >= PATH_MAX) {
        struct roster_place place = {path, device->line, err};
        return roster_fail(&place, "image path longer than %d bytes", PATH_MAX - 1);
    }
    char *resolved = malloc(folder_len + image_len + 1);
    if (!resolved)
        return eo_error_set(err, EO_ERR_INTERNAL, "device list %s: out of memory", path);
    memcpy(resolved, path, folder_len);
    memcpy(resolved + folder_len, device->image, image_len + 1);
    free(device->image);
    device->image = resolved;
    return EO_OK;
}

static enum eo_status resolve_images(const char *path, struct eo_device_roster *roster,
                                     struct eo_error *err)
{
    const char *slash = strrchr(path, '/');
    size_t folder_len = slash ? (size_t)(slash - path) + 1 : 0;
    for (size_t i = 0; i < roster->count; i++) {
        enum eo_status status = resolve_image(path, folder_len, &roster->items[i], err);
        if (status != EO_OK)
            return status;
    }
    return EO_OK;
}

enum eo_status eo_roster_load(const char *path, struct eo_device_roster *out, struct eo_error *err)
{
    out->items = NULL;
    out->count = 0;
    char *text = NULL;
    size_t len = 0;
    enum eo_status status = read_list_file(path, &text, &len, err);
    if (status != EO_OK)
        return status;
    status = eo_roster_parse(path, text, len, out, err);
    free(text);
    if (status == EO_OK)
        status = resolve_images(path, out, err);
    if (status != EO_OK)
        eo_roster_release(out);
    return status;
}
