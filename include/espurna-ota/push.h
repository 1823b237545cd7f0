/* push.h — the transport interface: one table of methods {espota, web, terminal}, one push
 * request (target, image, password, timeouts, each method's own options, events, cancellation)
 * and one result. `flash` and `upgrade` push through it and know no method's API; each method's
 * module (espota.h, web.h, terminal.h) stays usable on its own. */
#ifndef ESPURNA_OTA_PUSH_H
#define ESPURNA_OTA_PUSH_H

#include <stdbool.h>
#include <stdint.h>

#include "espurna-ota/cancel.h"
#include "espurna-ota/espota.h"
#include "espurna-ota/events.h"
#include "espurna-ota/image_file.h"
#include "espurna-ota/status.h"
#include "espurna-ota/terminal.h"
#include "espurna-ota/transport.h"
#include "espurna-ota/web.h"

struct eo_push_request {
    const struct eo_target *target;
    const struct eo_image *image;
    const char *password; /* NULL or "": none */
    /* common bounds, 0: the method's default */
    unsigned connect_timeout_ms;
    unsigned stall_timeout_ms;
    unsigned result_timeout_ms; /* espota, web */
    /* what is known of the device, 0: unknown (lets a method refuse early and name figures) */
    uint32_t device_flash_size;
    uint32_t device_free_space;
    /* each method's own options, NULL: its defaults. The password, bounds, progress and cancel
     * above replace the ones in these. */
    const struct eo_espota_options *espota;
    const struct eo_web_options *web;
    const struct eo_terminal_options *terminal;
    /* reporting */
    const char *device_label;       /* the device as the user names it, for events */
    unsigned step, steps;           /* for events, 0 outside an upgrade */
    const struct eo_events *events; /* PROGRESS (confirmed bytes) and NOTE events */
    const struct eo_cancel *cancel;
};

struct eo_transport {
    enum eo_method method;
    const char *name;
    enum eo_status (*push)(const struct eo_push_request *request, struct eo_push_result *result,
                           struct eo_error *err);
};

/* The table row of a method (never NULL for a valid method). */
const struct eo_transport *eo_transport_for(enum eo_method method);

/* Pushes by one method; fills result in every case. Errors as the method's own push. */
enum eo_status eo_push(enum eo_method method, const struct eo_push_request *request,
                       struct eo_push_result *result, struct eo_error *err);

/* Whether a failure happened before any byte of the image reached the device, so that another
 * method may be tried without doubt (port refused, no answer to an invitation, no connect-back,
 * no fetch, no web server): never after a password or image refusal, never after bytes flowed. */
bool eo_push_failed_before_start(const struct eo_push_result *result, const struct eo_error *err);

#endif
