/* roster_entry.c — one device of a device list checked field by field, the same for the text
 * and the JSON format: what the device field names (host, chip id, MAC, address) and its one
 * spelling, and each key's value (see device_list_file.h for the rules). */
#include "roster_build.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "espurna-ota/text.h"
#include "espurna-ota/transport.h"

#define HOST_NAME_MAX_LEN 253
#define HOST_LABEL_MAX 63
#define CHIP_PREFIX "ESPURNA-"

enum eo_status roster_fail(const struct roster_place *place, const char *format, ...)
{
    char what[EO_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    return eo_error_set(place->err, EO_ERR_INPUT, "%s:%u: %s", place->name, place->line, what);
}

struct roster_shown roster_show(const char *text)
{
    struct roster_shown shown;
    if (!eo_text_printable(shown.text, 61, text, strlen(text)))
        strcat(shown.text, "...");
    return shown;
}

static bool has_control_character(const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return true;
    return false;
}

/* Letters, digits, '.', '_', '-': environments and secret names. */
static bool is_simple_name(const char *text, size_t max_len)
{
    size_t len = strlen(text);
    if (len == 0 || len > max_len)
        return false;
    return strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

static bool all_hex(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)text[i]))
            return false;
    return text[len] == '\0';
}

static void copy_upper(char *out, const char *text)
{
    while ((*out++ = (char)toupper((unsigned char)*text++)))
        ;
}

/* "aa:bb:cc:dd:ee:ff" → "AA:BB:CC:DD:EE:FF". */
static bool read_mac(const char *text, char *identity)
{
    if (strlen(text) != 17)
        return false;
    for (size_t i = 0; i < 17; i++) {
        bool colon = i % 3 == 2;
        if (colon ? text[i] != ':' : !isxdigit((unsigned char)text[i]))
            return false;
    }
    copy_upper(identity, text);
    return true;
}

/* An IPv4 or IPv6 address (IPv6 with an optional %scope) in inet_ntop's spelling. */
static bool read_address(const char *text, char *identity, size_t cap)
{
    unsigned char binary[16];
    char address[INET6_ADDRSTRLEN + 1];
    if (inet_pton(AF_INET, text, binary) == 1)
        return inet_ntop(AF_INET, binary, identity, (socklen_t)cap) != NULL;
    const char *percent = strchr(text, '%');
    size_t address_len = percent ? (size_t)(percent - text) : strlen(text);
    if (address_len >= sizeof address)
        return false;
    memcpy(address, text, address_len);
    address[address_len] = '\0';
    if (percent && !is_simple_name(percent + 1, 64))
        return false;
    if (inet_pton(AF_INET6, address, binary) != 1)
        return false;
    if (!inet_ntop(AF_INET6, binary, identity, (socklen_t)cap))
        return false;
    if (percent)
        strncat(identity, percent, cap - strlen(identity) - 1);
    return true;
}

/* Lower case, without a final dot and without ".local". */
static void host_identity(const char *text, char *identity)
{
    size_t len = strlen(text);
    if (len > 0 && text[len - 1] == '.')
        len--;
    if (len >= 6 && strncasecmp(text + len - 6, ".local", 6) == 0)
        len -= 6;
    for (size_t i = 0; i < len; i++)
        identity[i] = (char)tolower((unsigned char)text[i]);
    identity[len] = '\0';
}

/* "espurna-1a2b3c" or "1a2b3c" (a host identity) → "1A2B3C". */
static bool read_chip_id(const char *host, char *identity)
{
    size_t prefix = strlen(CHIP_PREFIX);
    if (strncasecmp(host, CHIP_PREFIX, prefix) == 0)
        host += prefix;
    if (!all_hex(host, 6))
        return false;
    copy_upper(identity, host);
    return true;
}

/* Labels of letters, digits, '-' and '_', 1 to 63 long, joined by dots. */
static bool valid_host_name(const char *host)
{
    size_t len = strlen(host), label = 0;
    if (len == 0 || len > HOST_NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (host[i] == '.' || host[i] == '\0') {
            if (label == 0 || label > HOST_LABEL_MAX)
                return false;
            label = 0;
        } else if (isalnum((unsigned char)host[i]) || host[i] == '-' || host[i] == '_') {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

static bool only_digits_and_dots(const char *text)
{
    return strspn(text, "0123456789.") == strlen(text);
}

static bool classify_device(const char *text, struct eo_listed_device *device)
{
    char *identity = device->identity;
    size_t cap = sizeof device->identity;
    if (read_mac(text, identity)) {
        device->kind = EO_LISTED_MAC;
        return true;
    }
    if (read_address(text, identity, cap)) {
        device->kind = EO_LISTED_ADDRESS;
        return true;
    }
    if (only_digits_and_dots(text)) {
        /* 192.168.1.300 is a typo, not a host name; six digits are a chip id (one in sixteen
         * chip ids has no letter) */
        if (!read_chip_id(text, identity))
            return false;
        device->kind = EO_LISTED_CHIP_ID;
        return true;
    }
    host_identity(text, identity);
    if (!valid_host_name(identity))
        return false;
    device->kind = read_chip_id(identity, identity) ? EO_LISTED_CHIP_ID : EO_LISTED_HOST;
    return true;
}

enum eo_status roster_entry_start(const struct roster_place *place, struct roster_entry *entry,
                                  const char *device)
{
    memset(entry, 0, sizeof *entry);
    entry->device.method = -1;
    entry->device.line = place->line;
    if (!device[0])
        return roster_fail(place, "empty device");
    if (has_control_character(device))
        return roster_fail(place, "control character in the device '%s'", roster_show(device).text);
    if (strlen(device) >= sizeof entry->device.device || !classify_device(device, &entry->device))
        return roster_fail(place, "'%s' is not a host name, IP address, chip id or MAC",
                           roster_show(device).text);
    strcpy(entry->device.device, device);
    return EO_OK;
}

static enum eo_status set_image(const struct roster_place *place, struct roster_entry *entry,
                                const char *value)
{
    if (entry->given & (1u << ROSTER_ENV))
        return roster_fail(place, "both image and env given: an image file or an environment");
    if (strlen(value) >= PATH_MAX)
        return roster_fail(place, "image path longer than %d bytes", PATH_MAX - 1);
    entry->device.image = strdup(value);
    if (!entry->device.image)
        return eo_error_set(place->err, EO_ERR_INTERNAL, "out of memory");
    return EO_OK;
}

static enum eo_status set_env(const struct roster_place *place, struct roster_entry *entry,
                              const char *value)
{
    if (entry->given & (1u << ROSTER_IMAGE))
        return roster_fail(place, "both image and env given: an image file or an environment");
    if (!is_simple_name(value, EO_ROSTER_ENV_MAX - 1))
        return roster_fail(place,
                           "bad environment '%s': letters, digits, '.', '_' and '-', "
                           "up to %d",
                           roster_show(value).text, EO_ROSTER_ENV_MAX - 1);
    strcpy(entry->device.env, value);
    return EO_OK;
}

/* The value is never echoed: it may be a password written by mistake. */
static enum eo_status add_password(const struct roster_place *place, struct roster_entry *entry,
                                   const char *key, const char *value)
{
    struct eo_listed_device *device = &entry->device;
    if (!is_simple_name(value, EO_ROSTER_PASSWORD_NAME_MAX - 1))
        return roster_fail(place,
                           "'%s' takes the name of a secret (letters, digits, '.', '_' "
                           "and '-', up to %d), not a password",
                           key, EO_ROSTER_PASSWORD_NAME_MAX - 1);
    for (unsigned i = 0; i < device->password_count; i++)
        if (strcmp(device->passwords[i], value) == 0)
            return roster_fail(place, "the same password name given twice");
    if (device->password_count == EO_ROSTER_PASSWORDS_MAX)
        return roster_fail(place, "more than %d passwords: rotation tries up to %d",
                           EO_ROSTER_PASSWORDS_MAX, EO_ROSTER_PASSWORDS_MAX);
    strcpy(device->passwords[device->password_count++], value);
    return EO_OK;
}

static enum eo_status set_method(const struct roster_place *place, struct roster_entry *entry,
                                 const char *value)
{
    enum eo_method method;
    if (!eo_method_parse(value, &method))
        return roster_fail(place, "unknown method '%s' (espota, web, terminal)",
                           roster_show(value).text);
    entry->device.method = (int)method;
    return EO_OK;
}

static enum eo_status set_field_value(const struct roster_place *place, struct roster_entry *entry,
                                      enum roster_field field, const char *key, const char *value)
{
    switch (field) {
    case ROSTER_IMAGE: return set_image(place, entry, value);
    case ROSTER_ENV: return set_env(place, entry, value);
    case ROSTER_PASSWORD: return add_password(place, entry, key, value);
    case ROSTER_METHOD: return set_method(place, entry, value);
    default: return eo_error_set(place->err, EO_ERR_INTERNAL, "%s: not a text field", key);
    }
}

enum eo_status roster_entry_set_text(const struct roster_place *place, struct roster_entry *entry,
                                     enum roster_field field, const char *key, const char *value)
{
    if (field != ROSTER_PASSWORD && (entry->given & (1u << field)))
        return roster_fail(place, "'%s' given twice", key);
    if (!value[0])
        return roster_fail(place, "empty value for '%s'", key);
    if (has_control_character(value))
        return roster_fail(place, "control character in the value of '%s'", key);
    enum eo_status status = set_field_value(place, entry, field, key, value);
    if (status == EO_OK)
        entry->given |= 1u << field;
    return status;
}

static uint16_t *port_of(struct eo_listed_device *device, enum roster_field field)
{
    if (field == ROSTER_WEB_PORT)
        return &device->web_port;
    if (field == ROSTER_TELNET_PORT)
        return &device->telnet_port;
    return &device->port;
}

enum eo_status roster_entry_set_port(const struct roster_place *place, struct roster_entry *entry,
                                     enum roster_field field, const char *key, long long number,
                                     const char *shown)
{
    if (entry->given & (1u << field))
        return roster_fail(place, "'%s' given twice", key);
    if (number < 1 || number > 65535)
        return roster_fail(place, "bad %s '%s': a number from 1 to 65535", key,
                           roster_show(shown).text);
    *port_of(&entry->device, field) = (uint16_t)number;
    entry->given |= 1u << field;
    return EO_OK;
}

void roster_entry_discard(struct roster_entry *entry)
{
    free(entry->device.image);
    entry->device.image = NULL;
}
