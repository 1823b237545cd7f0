/* device.c — the device record and the decoding of ESPurna's _arduino._tcp TXT records in
 * both dialects (1.14: free_space in bytes, colon MAC; 1.15-dev: free_space in KiB, bare hex
 * MAC) into one set of units. Pure: the bytes come from the network and are trusted for
 * nothing — numbers are checked, long values cut, control characters replaced. */
#include "espurna-ota/device.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "espurna-ota/image.h"
#include "espurna-ota/layout.h"
#include "espurna-ota/text.h"
#include "espurna-ota/vocabulary.h"

#define RAW_NUMBER_MAX 24 /* longest number text kept for decoding */
#define MAX_FLASH_BYTES (16ull * 1024 * 1024)
#define MIN_FLASH_KIB 256u

/* The raw TXT values decoding needs after all keys have been seen. */
struct txt_raw {
    char mem_size[RAW_NUMBER_MAX];
    char sdk_size[RAW_NUMBER_MAX];
    char free_space[RAW_NUMBER_MAX];
    bool has_mem_size, has_sdk_size, has_free_space;
    unsigned seen; /* bit per key index, so a repeated key counts once (RFC 6763 6.4) */
};

void eo_device_init(struct eo_device *device)
{
    memset(device, 0, sizeof *device);
    device->kind = EO_KIND_UNKNOWN;
}

static void add_note(struct eo_device *device, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void add_note(struct eo_device *device, const char *format, ...)
{
    if (device->note_count >= EO_DEVICE_MAX_NOTES)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(device->notes[device->note_count++], sizeof device->notes[0], format, args);
    va_end(args);
}

/* Parses a whole decimal number with optional surrounding blanks. */
static bool parse_number(const char *text, uint64_t *out)
{
    while (*text == ' ')
        text++;
    if (!isdigit((unsigned char)*text))
        return false;
    uint64_t value = 0;
    size_t digits = 0;
    for (; isdigit((unsigned char)*text); text++, digits++) {
        if (digits >= 12)
            return false; /* no flash figure has 12 digits */
        value = value * 10 + (uint64_t)(*text - '0');
    }
    while (*text == ' ')
        text++;
    if (*text != '\0')
        return false;
    *out = value;
    return true;
}

bool eo_device_version_parse(const char *version, unsigned *major, unsigned *minor)
{
    unsigned a = 0, b = 0;
    int used = 0;
    if (!isdigit((unsigned char)version[0]))
        return false;
    if (sscanf(version, "%3u.%3u%n", &a, &b, &used) != 2 || used == 0)
        return false;
    *major = a;
    *minor = b;
    return true;
}

bool eo_device_normalize_mac(const char *text, char out[18])
{
    unsigned char bytes[6];
    size_t count = 0;
    for (const char *p = text; *p;) {
        if (count == 6 || !isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
            return false;
        char pair[3] = {p[0], p[1], '\0'};
        bytes[count++] = (unsigned char)strtoul(pair, NULL, 16);
        p += 2;
        if ((*p == ':' || *p == '-') && count < 6 && p[1] != '\0')
            p++;
    }
    if (count != 6)
        return false;
    snprintf(out, 18, "%02X:%02X:%02X:%02X:%02X:%02X", bytes[0], bytes[1], bytes[2], bytes[3],
             bytes[4], bytes[5]);
    return true;
}

/* ---- TXT keys ------------------------------------------------------------------------ */

enum txt_key {
    KEY_APP_NAME,
    KEY_APP_VERSION,
    KEY_BUILD_DATE,
    KEY_MAC,
    KEY_TARGET_BOARD,
    KEY_MEM_SIZE,
    KEY_SDK_SIZE,
    KEY_FREE_SPACE,
    KEY_BOARD,
    KEY_AUTH_UPLOAD,
    KEY_COUNT
};

static const char *const key_names[KEY_COUNT] = {
    [KEY_APP_NAME] = EO_TXT_APP_NAME,
    [KEY_APP_VERSION] = EO_TXT_APP_VERSION,
    [KEY_BUILD_DATE] = EO_TXT_BUILD_DATE,
    [KEY_MAC] = EO_TXT_MAC,
    [KEY_TARGET_BOARD] = EO_TXT_TARGET_BOARD,
    [KEY_MEM_SIZE] = EO_TXT_MEM_SIZE,
    [KEY_SDK_SIZE] = EO_TXT_SDK_SIZE,
    [KEY_FREE_SPACE] = EO_TXT_FREE_SPACE,
    [KEY_BOARD] = EO_TXT_BOARD,
    [KEY_AUTH_UPLOAD] = EO_TXT_AUTH_UPLOAD,
};

static bool is_espurna_key(enum txt_key key)
{
    return key <= KEY_FREE_SPACE;
}

static int find_key(const uint8_t *data, size_t key_len)
{
    for (int i = 0; i < KEY_COUNT; i++)
        if (strlen(key_names[i]) == key_len &&
            strncasecmp(key_names[i], (const char *)data, key_len) == 0)
            return i;
    return -1;
}

/* Text fields: where each text key lands in the record. */
static char *text_field(struct eo_device *device, enum txt_key key)
{
    switch (key) {
    case KEY_APP_NAME: return device->app;
    case KEY_APP_VERSION: return device->version;
    case KEY_BUILD_DATE: return device->build_date;
    case KEY_TARGET_BOARD: return device->board;
    case KEY_BOARD: return device->arduino_board;
    default: return NULL;
    }
}

static char *number_field(struct txt_raw *raw, enum txt_key key, bool **present)
{
    switch (key) {
    case KEY_MEM_SIZE: *present = &raw->has_mem_size; return raw->mem_size;
    case KEY_SDK_SIZE: *present = &raw->has_sdk_size; return raw->sdk_size;
    case KEY_FREE_SPACE: *present = &raw->has_free_space; return raw->free_space;
    default: return NULL;
    }
}

static void store_mac(struct eo_device *device, const uint8_t *value, size_t len)
{
    char text[EO_DEVICE_TEXT_MAX];
    bool whole = eo_text_printable(text, sizeof text, value, len);
    if (!whole || !eo_device_normalize_mac(text, device->mac))
        add_note(device, "mac '%.24s' is not a MAC address", text);
}

static void store_auth(struct eo_device *device, const uint8_t *value, size_t len)
{
    if (len == 3 && strncasecmp((const char *)value, "yes", 3) == 0)
        device->auth = EO_AUTH_REQUIRED;
    else if (len == 2 && strncasecmp((const char *)value, "no", 2) == 0)
        device->auth = EO_AUTH_NONE;
}

static void store_value(struct eo_device *device, struct txt_raw *raw, enum txt_key key,
                        const uint8_t *value, size_t len)
{
    char *text = text_field(device, key);
    bool *present = NULL;
    char *number = number_field(raw, key, &present);
    if (text) {
        if (!eo_text_printable(text, EO_DEVICE_TEXT_MAX, value, len))
            add_note(device, "%s cut to %d characters (announced %zu)", key_names[key],
                     EO_DEVICE_TEXT_MAX - 1, len);
    } else if (number) {
        *present = true;
        eo_text_printable(number, RAW_NUMBER_MAX, value, len); /* a cut number fails to parse */
    } else if (key == KEY_MAC) {
        store_mac(device, value, len);
    } else if (key == KEY_AUTH_UPLOAD) {
        store_auth(device, value, len);
    }
}

/* One "key=value" string. Strings without '=' or with an unknown key are ignored. */
static void apply_entry(struct eo_device *device, struct txt_raw *raw,
                        const struct eo_txt_entry *entry)
{
    const uint8_t *equals = entry->data ? memchr(entry->data, '=', entry->len) : NULL;
    if (!equals || equals == entry->data)
        return;
    size_t key_len = (size_t)(equals - entry->data);
    int key = find_key(entry->data, key_len);
    if (key < 0 || (raw->seen & (1u << key)))
        return;
    raw->seen |= 1u << key;
    if (is_espurna_key((enum txt_key)key))
        device->espurna_txt = true;
    store_value(device, raw, (enum txt_key)key, equals + 1, entry->len - key_len - 1);
}

/* ---- units --------------------------------------------------------------------------- */

/* mem_size / sdk_size: KiB by definition; a value that only makes sense in bytes is taken as
 * bytes and marked guessed. */
static void decode_flash(struct eo_device *device, const char *name, bool present, const char *raw,
                         struct eo_figure *out)
{
    uint64_t value;
    out->source = EO_FIGURE_UNKNOWN;
    out->bytes = 0;
    if (!present)
        return;
    if (!parse_number(raw, &value)) {
        add_note(device, "%s '%.24s' is not a number", name, raw);
    } else if (value >= MIN_FLASH_KIB && value * 1024 <= MAX_FLASH_BYTES) {
        out->bytes = value * 1024;
        out->source = EO_FIGURE_CONVERTED;
    } else if (value >= MIN_FLASH_KIB * 1024 && value <= MAX_FLASH_BYTES && value % 1024 == 0) {
        out->bytes = value;
        out->source = EO_FIGURE_GUESSED;
        add_note(device, "%s %llu read as bytes: too large for KiB", name,
                 (unsigned long long)value);
    } else {
        add_note(device, "%s %llu is not a flash size", name, (unsigned long long)value);
    }
}

/* The unit a version documents for free_space: 1 (bytes, up to 1.14), 1024 (KiB, 1.15 on),
 * 0 when the version says nothing. */
static unsigned documented_free_unit(const struct eo_device *device)
{
    unsigned major, minor;
    if (!eo_device_version_parse(device->version, &major, &minor))
        return 0;
    if (major == 1 && minor <= 14)
        return 1;
    return (major == 1 && minor >= 15) || major > 1 ? 1024 : 0;
}

/* Largest free space a device can have: its flash, or the largest ESP8266 flash. */
static uint64_t free_space_limit(const struct eo_device *device)
{
    if (device->flash_real.source != EO_FIGURE_UNKNOWN)
        return device->flash_real.bytes;
    if (device->flash_built.source != EO_FIGURE_UNKNOWN)
        return device->flash_built.bytes;
    return MAX_FLASH_BYTES;
}

/* Picks the unit of a free_space value: which readings fit the flash, then the version. */
static unsigned pick_free_unit(struct eo_device *device, uint64_t value, bool *guessed)
{
    uint64_t limit = free_space_limit(device);
    bool as_bytes = value <= limit && (value == 0 || value >= EO_SECTOR_SIZE);
    bool as_kib = value * 1024 <= limit;
    unsigned documented = documented_free_unit(device);
    *guessed = false;
    if (as_bytes && as_kib) {
        if (value == 0 || documented)
            return value == 0 ? 1 : documented;
        *guessed = true; /* no version to tell: sector-aligned values are bytes */
        return value % EO_SECTOR_SIZE == 0 ? 1 : 1024;
    }
    unsigned unit = as_bytes ? 1 : as_kib ? 1024 : 0;
    if (unit && documented && unit != documented)
        *guessed = true;
    return unit;
}

static void decode_free_space(struct eo_device *device, const struct txt_raw *raw)
{
    uint64_t value;
    bool guessed;
    struct eo_figure *out = &device->free_space;
    out->source = EO_FIGURE_UNKNOWN;
    out->bytes = 0;
    if (!raw->has_free_space)
        return;
    if (!parse_number(raw->free_space, &value)) {
        add_note(device, "free_space '%.24s' is not a number", raw->free_space);
        return;
    }
    unsigned unit = pick_free_unit(device, value, &guessed);
    if (unit == 0) {
        add_note(device, "free_space %llu is larger than the flash in bytes and in KiB",
                 (unsigned long long)value);
        return;
    }
    out->bytes = value * unit;
    out->source = guessed     ? EO_FIGURE_GUESSED
                  : unit == 1 ? EO_FIGURE_REPORTED
                              : EO_FIGURE_CONVERTED;
    if (guessed)
        add_note(device, "free_space %llu: unit guessed as %s from the flash size",
                 (unsigned long long)value, unit == 1 ? "bytes" : "KiB");
}

/* The ESP8266 chip id is the low 3 bytes of the station MAC; ESPurna's default hostname
 * carries it too. */
static void derive_chip_id(struct eo_device *device)
{
    const char *tail = device->hostname + 8;
    if (device->mac[0]) {
        snprintf(device->chip_id, sizeof device->chip_id, "%.2s%.2s%.2s", device->mac + 9,
                 device->mac + 12, device->mac + 15);
    } else if (strncasecmp(device->hostname, "ESPURNA-", 8) == 0 && strlen(tail) == 6 &&
               strspn(tail, "0123456789abcdefABCDEF") == 6) {
        for (int i = 0; i < 6; i++)
            device->chip_id[i] = (char)toupper((unsigned char)tail[i]);
        device->chip_id[6] = '\0';
    }
}

static void clear_txt_fields(struct eo_device *device)
{
    device->espurna_txt = false;
    device->app[0] = device->version[0] = device->build_date[0] = '\0';
    device->mac[0] = device->chip_id[0] = device->board[0] = device->arduino_board[0] = '\0';
    device->auth = EO_AUTH_UNKNOWN;
    device->note_count = 0;
}

void eo_device_apply_txt(struct eo_device *device, const struct eo_txt_entry *entries, size_t count)
{
    struct txt_raw raw;
    memset(&raw, 0, sizeof raw);
    clear_txt_fields(device);
    for (size_t i = 0; i < count; i++)
        apply_entry(device, &raw, &entries[i]);
    decode_flash(device, "mem_size", raw.has_mem_size, raw.mem_size, &device->flash_real);
    decode_flash(device, "sdk_size", raw.has_sdk_size, raw.sdk_size, &device->flash_built);
    decode_free_space(device, &raw);
    derive_chip_id(device);
    eo_device_update_derived(device);
}

/* ---- derived fields and names -------------------------------------------------------- */

static bool has_service(const struct eo_device *device, enum eo_service service)
{
    return device->service_instance[service][0] != '\0';
}

/* Core builds announce ESPURNA_CORE / ESPURNA_MINIMAL_ARDUINO_OTA (since 1.15), and none of
 * them runs a web server, so an ESPurna device without _http._tcp is a core build too (1.12–
 * 1.14 core builds keep the full build's board name; 1.13 ones announce no ESPurna keys). */
void eo_device_update_derived(struct eo_device *device)
{
    device->methods = 0;
    if (has_service(device, EO_SERVICE_ARDUINO))
        device->methods |= 1u << EO_METHOD_ESPOTA;
    if (has_service(device, EO_SERVICE_HTTP))
        device->methods |= 1u << EO_METHOD_WEB;
    if (has_service(device, EO_SERVICE_TELNET))
        device->methods |= 1u << EO_METHOD_TERMINAL;
    if (strcasecmp(device->board, "ESPURNA_CORE") == 0 ||
        strcasecmp(device->board, "ESPURNA_MINIMAL_ARDUINO_OTA") == 0)
        device->kind = EO_KIND_CORE;
    else if (has_service(device, EO_SERVICE_HTTP))
        device->kind = EO_KIND_FULL;
    else if (has_service(device, EO_SERVICE_ARDUINO))
        device->kind = EO_KIND_CORE;
    else
        device->kind = EO_KIND_UNKNOWN;
}

static bool hostname_matches(const char *hostname, const char *name)
{
    size_t len = strlen(hostname);
    if (len == 0 || strncasecmp(hostname, name, len) != 0)
        return false;
    return name[len] == '\0' || strcasecmp(name + len, ".local") == 0 ||
           strcasecmp(name + len, ".local.") == 0;
}

bool eo_device_matches(const struct eo_device *device, const char *name)
{
    if (hostname_matches(device->hostname, name))
        return true;
    if (device->instance[0] && strcasecmp(device->instance, name) == 0)
        return true;
    for (unsigned i = 0; i < device->address_count; i++)
        if (strcmp(device->addresses[i], name) == 0)
            return true;
    return false;
}

const char *eo_figure_source_name(enum eo_figure_source source)
{
    switch (source) {
    case EO_FIGURE_REPORTED: return "reported";
    case EO_FIGURE_CONVERTED: return "converted";
    case EO_FIGURE_GUESSED: return "guessed";
    case EO_FIGURE_UNKNOWN: break;
    }
    return "unknown";
}

const char *eo_device_kind_name(const struct eo_device *device)
{
    return device->kind == EO_KIND_FULL   ? "full"
           : device->kind == EO_KIND_CORE ? "core"
                                          : "unknown";
}

const char *eo_auth_name(enum eo_auth auth)
{
    return auth == EO_AUTH_REQUIRED ? "yes" : auth == EO_AUTH_NONE ? "no" : "unknown";
}

const char *eo_device_methods_text(const struct eo_device *device, char *buf, size_t cap)
{
    static const enum eo_method order[] = {EO_METHOD_WEB, EO_METHOD_ESPOTA, EO_METHOD_TERMINAL};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(device->methods & (1u << order[i])))
            continue;
        int n = snprintf(buf + used, cap - used, "%s%s", used ? "," : "", eo_method_name(order[i]));
        if (n < 0 || (size_t)n >= cap - used)
            break;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(buf, cap, "-");
    return buf;
}

/* ---- what fits ------------------------------------------------------------------------ */

/* A known figure's bytes, else the other's, else 0. */
static uint64_t first_known(const struct eo_figure *a, const struct eo_figure *b)
{
    if (a->source != EO_FIGURE_UNKNOWN)
        return a->bytes;
    return b->source != EO_FIGURE_UNKNOWN ? b->bytes : 0;
}

int eo_device_image_steps(const struct eo_device *device, uint32_t image_size, uint32_t image_flash)
{
    /* the running build's layout decides the sketch area (the Updater uses its linker
     * layout), the chip decides what flash configuration a new image may have */
    uint64_t chip = first_known(&device->flash_real, &device->flash_built);
    uint64_t built = first_known(&device->flash_built, &device->flash_real);
    if (chip == 0 || device->free_space.source == EO_FIGURE_UNKNOWN)
        return -1;
    if (image_flash && image_flash > chip)
        return 0;
    struct eo_layout now = eo_layout_standard((uint32_t)(built < chip ? built : chip));
    uint64_t sketch = eo_layout_sketch_end(&now);
    if (device->free_space.bytes > sketch)
        return -1; /* the figures contradict each other */
    uint32_t running = (uint32_t)(sketch - device->free_space.bytes);
    if (eo_layout_fits(&now, running, image_size))
        return 1;
    /* step 1 stages a core image built like the new one; step 2 runs beside that core */
    struct eo_layout after_core = eo_layout_standard(image_flash ? image_flash : now.flash_size);
    return eo_layout_fits(&now, running, EO_DEVICE_CORE_IMAGE_BYTES) &&
                   eo_layout_fits(&after_core, EO_DEVICE_CORE_IMAGE_BYTES, image_size)
               ? 2
               : 0;
}

void eo_target_from_device(struct eo_target *target, const char *name,
                           const struct eo_device *device)
{
    eo_target_init(target, name, device->address_count ? device->addresses[0] : "");
    if (device->ports[EO_SERVICE_ARDUINO])
        target->espota_port = device->ports[EO_SERVICE_ARDUINO];
    if (device->ports[EO_SERVICE_HTTP])
        target->web_port = device->ports[EO_SERVICE_HTTP];
    if (device->ports[EO_SERVICE_TELNET])
        target->telnet_port = device->ports[EO_SERVICE_TELNET];
}
