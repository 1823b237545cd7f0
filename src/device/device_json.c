/* device_json.c — a device record as a JSON object (jansson) with stable keys: every key is
 * always present, null when unknown, sizes always in bytes with where each figure came from.
 * The keys are documented in man/espurna-ota.1 (discover) and README.md. */
#include "espurna-ota/device.h"

static json_t *text_or_null(const char *text)
{
    return text[0] ? json_string(text) : json_null();
}

static json_t *figure_json(const struct eo_figure *figure)
{
    json_t *bytes =
        figure->source == EO_FIGURE_UNKNOWN ? json_null() : json_integer((json_int_t)figure->bytes);
    return json_pack("{s:o,s:s}", "bytes", bytes, "source", eo_figure_source_name(figure->source));
}

static json_t *port_or_null(const struct eo_device *device, enum eo_service service)
{
    return device->service_instance[service][0] ? json_integer(device->ports[service])
                                                : json_null();
}

static json_t *addresses_json(const struct eo_device *device)
{
    json_t *array = json_array();
    for (unsigned i = 0; array && i < device->address_count; i++)
        json_array_append_new(array, json_string(device->addresses[i]));
    return array;
}

static json_t *methods_json(const struct eo_device *device)
{
    static const enum eo_method order[] = {EO_METHOD_WEB, EO_METHOD_ESPOTA, EO_METHOD_TERMINAL};
    json_t *array = json_array();
    for (size_t i = 0; array && i < sizeof order / sizeof order[0]; i++)
        if (device->methods & (1u << order[i]))
            json_array_append_new(array, json_string(eo_method_name(order[i])));
    return array;
}

static json_t *notes_json(const struct eo_device *device)
{
    json_t *array = json_array();
    for (unsigned i = 0; array && i < device->note_count; i++)
        json_array_append_new(array, json_string(device->notes[i]));
    return array;
}

static json_t *auth_json(enum eo_auth auth)
{
    return auth == EO_AUTH_UNKNOWN ? json_null() : json_boolean(auth == EO_AUTH_REQUIRED);
}

json_t *eo_device_to_json(const struct eo_device *device)
{
    json_t *ports = json_pack("{s:o,s:o,s:o}", "espota", port_or_null(device, EO_SERVICE_ARDUINO),
                              "web", port_or_null(device, EO_SERVICE_HTTP), "telnet",
                              port_or_null(device, EO_SERVICE_TELNET));
    return json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "hostname",
        text_or_null(device->hostname), "instance", text_or_null(device->instance), "addresses",
        addresses_json(device), "ports", ports, "app", text_or_null(device->app), "version",
        text_or_null(device->version), "build_date", text_or_null(device->build_date), "mac",
        text_or_null(device->mac), "chip_id", text_or_null(device->chip_id), "board",
        text_or_null(device->board), "kind", eo_device_kind_name(device), "flash_real",
        figure_json(&device->flash_real), "flash_built", figure_json(&device->flash_built),
        "free_space", figure_json(&device->free_space), "methods", methods_json(device), "auth",
        auth_json(device->auth), "notes", notes_json(device));
}
