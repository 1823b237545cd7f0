/* device_list.c — a set of device records merged by host name: each resolved mDNS service
 * (_arduino._tcp, _http._tcp, _telnet._tcp) of a host adds to the same record, a withdrawn
 * one is taken away; plus sorting and the --filter KEY=PATTERN matcher. Pure, no I/O. */
#include "espurna-ota/device.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "espurna-ota/text.h"

void eo_device_list_init(struct eo_device_list *list)
{
    memset(list, 0, sizeof *list);
}

void eo_device_list_release(struct eo_device_list *list)
{
    free(list->items);
    eo_device_list_init(list);
}

/* "ESPURNA-1A2B3C.local" → "ESPURNA-1A2B3C", printable only. */
static void host_from_fqdn(const char *host_name, char *out, size_t cap)
{
    size_t len = strlen(host_name);
    if (len > 0 && host_name[len - 1] == '.')
        len--;
    if (len >= 6 && strncasecmp(host_name + len - 6, ".local", 6) == 0)
        len -= 6;
    eo_text_printable(out, cap, host_name, len);
}

static struct eo_device *find_host(const struct eo_device_list *list, const char *hostname)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcasecmp(list->items[i].hostname, hostname) == 0)
            return &list->items[i];
    return NULL;
}

static struct eo_device *append(struct eo_device_list *list, const char *hostname)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 16;
        struct eo_device *items = realloc(list->items, capacity * sizeof *items);
        if (!items)
            return NULL;
        list->items = items;
        list->capacity = capacity;
    }
    struct eo_device *device = &list->items[list->count++];
    eo_device_init(device);
    snprintf(device->hostname, sizeof device->hostname, "%s", hostname);
    return device;
}

static void add_address(struct eo_device *device, const char *address)
{
    if (!address || !address[0])
        return;
    for (unsigned i = 0; i < device->address_count; i++)
        if (strcmp(device->addresses[i], address) == 0)
            return;
    if (device->address_count < EO_DEVICE_MAX_ADDRESSES)
        snprintf(device->addresses[device->address_count++], sizeof device->addresses[0], "%s",
                 address);
}

static void copy_printable(char *out, size_t cap, const char *text)
{
    host_from_fqdn(text, out, cap); /* same cleaning; instance names never end in .local */
}

struct eo_device *eo_device_list_add_service(struct eo_device_list *list,
                                             const struct eo_service_record *record)
{
    char hostname[EO_DEVICE_TEXT_MAX];
    if (!record->host_name || (unsigned)record->service >= EO_SERVICE_COUNT)
        return NULL;
    host_from_fqdn(record->host_name, hostname, sizeof hostname);
    if (!hostname[0])
        return NULL;
    struct eo_device *device = find_host(list, hostname);
    if (!device && !(device = append(list, hostname)))
        return NULL;
    const char *instance = record->instance && record->instance[0] ? record->instance : hostname;
    copy_printable(device->service_instance[record->service], EO_DEVICE_TEXT_MAX, instance);
    if (record->service == EO_SERVICE_ARDUINO || !device->instance[0])
        copy_printable(device->instance, sizeof device->instance, instance);
    device->ports[record->service] = record->port;
    add_address(device, record->address);
    if (record->service == EO_SERVICE_ARDUINO)
        eo_device_apply_txt(device, record->txt, record->txt_count);
    else
        eo_device_update_derived(device);
    return device;
}

static bool has_any_service(const struct eo_device *device)
{
    for (int s = 0; s < EO_SERVICE_COUNT; s++)
        if (device->service_instance[s][0])
            return true;
    return false;
}

bool eo_device_list_remove_service(struct eo_device_list *list, enum eo_service service,
                                   const char *instance)
{
    char clean[EO_DEVICE_TEXT_MAX];
    if ((unsigned)service >= EO_SERVICE_COUNT || !instance)
        return false;
    copy_printable(clean, sizeof clean, instance);
    for (size_t i = 0; i < list->count; i++) {
        struct eo_device *device = &list->items[i];
        if (strcmp(device->service_instance[service], clean) != 0)
            continue;
        device->service_instance[service][0] = '\0';
        device->ports[service] = 0;
        eo_device_update_derived(device);
        if (!has_any_service(device)) {
            memmove(device, device + 1, (list->count - i - 1) * sizeof *device);
            list->count--;
        }
        return true;
    }
    return false;
}

struct eo_device *eo_device_list_find(const struct eo_device_list *list, const char *name)
{
    for (size_t i = 0; i < list->count; i++)
        if (eo_device_matches(&list->items[i], name))
            return &list->items[i];
    return NULL;
}

static int compare_devices(const void *a, const void *b)
{
    const struct eo_device *left = a, *right = b;
    int order = strcasecmp(left->hostname, right->hostname);
    return order ? order : strcmp(left->instance, right->instance);
}

void eo_device_list_sort(struct eo_device_list *list)
{
    if (list->count > 1)
        qsort(list->items, list->count, sizeof *list->items, compare_devices);
}

/* ---- --filter ------------------------------------------------------------------------- */

static const char *const filter_keys[] = {"hostname", "instance", "address", "app",
                                          "version",  "board",    "kind",    "mac",
                                          "chip_id",  "method",   "auth"};

const char *eo_device_filter_key(size_t index)
{
    return index < sizeof filter_keys / sizeof filter_keys[0] ? filter_keys[index] : NULL;
}

enum eo_status eo_device_filter_parse(const char *text, struct eo_device_filter *out,
                                      struct eo_error *err)
{
    const char *equals = strchr(text, '=');
    size_t key_len = equals ? (size_t)(equals - text) : 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; equals && i < sizeof filter_keys / sizeof filter_keys[0]; i++) {
        if (strlen(filter_keys[i]) != key_len || strncmp(filter_keys[i], text, key_len) != 0)
            continue;
        if (strlen(equals + 1) >= sizeof out->pattern)
            return eo_error_set(err, EO_ERR_USAGE, "'%.40s...': value too long", text);
        snprintf(out->key, sizeof out->key, "%s", filter_keys[i]);
        snprintf(out->pattern, sizeof out->pattern, "%s", equals + 1);
        return EO_OK;
    }
    return eo_error_set(err, EO_ERR_USAGE,
                        "'%.60s' is not KEY=VALUE with KEY one of hostname, instance, "
                        "address, app, version, board, kind, mac, chip_id, method, auth",
                        text);
}

static bool glob(const char *pattern, const char *text)
{
    return fnmatch(pattern, text, FNM_CASEFOLD) == 0;
}

static bool match_lists(const struct eo_device *device, const struct eo_device_filter *filter)
{
    if (strcmp(filter->key, "address") == 0) {
        for (unsigned i = 0; i < device->address_count; i++)
            if (glob(filter->pattern, device->addresses[i]))
                return true;
        return false;
    }
    for (int m = 0; m < EO_METHOD_COUNT; m++)
        if ((device->methods & (1u << m)) && glob(filter->pattern, eo_method_name(m)))
            return true;
    return false;
}

bool eo_device_filter_match(const struct eo_device *device, const struct eo_device_filter *filter)
{
    const char *key = filter->key;
    const char *text = strcmp(key, "hostname") == 0   ? device->hostname
                       : strcmp(key, "instance") == 0 ? device->instance
                       : strcmp(key, "app") == 0      ? device->app
                       : strcmp(key, "version") == 0  ? device->version
                       : strcmp(key, "board") == 0    ? device->board
                       : strcmp(key, "kind") == 0     ? eo_device_kind_name(device)
                       : strcmp(key, "mac") == 0      ? device->mac
                       : strcmp(key, "chip_id") == 0  ? device->chip_id
                       : strcmp(key, "auth") == 0     ? eo_auth_name(device->auth)
                                                      : NULL;
    return text ? glob(filter->pattern, text) : match_lists(device, filter);
}
