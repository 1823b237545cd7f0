/* discover_device.c — the mDNS record of one device, for identification: browses like a
 * discovery run but resolves only what may be that device (discover_focus.c), and ends as soon
 * as its _arduino._tcp service is resolved with its TXT and its other services had a short
 * moment to follow, or as soon as the network went quiet without it. Cancellable within
 * 100 ms. */
#include <stdio.h>
#include <string.h>

#include "discover_session.h"
#include "espurna-ota/discover.h"

static bool has_address(const struct eo_device *device, const char *address)
{
    for (unsigned i = 0; i < device->address_count; i++)
        if (strcmp(device->addresses[i], address) == 0)
            return true;
    return false;
}

struct eo_device *discover_find_target(const struct eo_device_list *list, const char *name,
                                       const char *address)
{
    for (size_t i = 0; i < list->count; i++) {
        struct eo_device *device = &list->items[i];
        if ((name && name[0] && eo_device_matches(device, name)) ||
            (address && address[0] && has_address(device, address)))
            return device;
    }
    return NULL;
}

static bool all_services_resolved(const struct discover_session *session)
{
    return session->settle.browsers_waiting == 0 && session->settle.resolves_pending == 0;
}

static bool every_service_in(const struct eo_device *device)
{
    for (unsigned service = 0; service < EO_SERVICE_COUNT; service++)
        if (device->ports[service] == 0)
            return false;
    return true;
}

/* Done: the device's _arduino._tcp record is complete and its other services are in (all three,
 * or whatever came while the browsers finished or in EO_DISCOVER_DEVICE_SETTLE_MS), or the whole
 * network went quiet without it. */
static bool device_complete(struct discover_session *session, double now_s)
{
    const struct eo_device *device =
        discover_find_target(session->list, session->want_name, session->want_address);
    if (device && device->ports[EO_SERVICE_ARDUINO] != 0) {
        if (session->matched_s == 0)
            session->matched_s = now_s;
        return every_service_in(device) || all_services_resolved(session) ||
               now_s - session->matched_s >= EO_DISCOVER_DEVICE_SETTLE_MS / 1000.0;
    }
    return eo_discover_settled(&session->settle, now_s, session->settle_s);
}

static enum eo_status search(struct discover_session *session, unsigned timeout_ms,
                             struct eo_error *err)
{
    enum eo_status status = discover_session_browse(session, err);
    if (status != EO_OK)
        return status;
    double deadline =
        session->start_s + (timeout_ms ? timeout_ms : EO_DISCOVER_LOOKUP_TIMEOUT_MS) / 1000.0;
    discover_session_loop(session, deadline, session->settle_s, device_complete);
    return session->failed ? EO_ERR_DISCOVERY : EO_OK;
}

static const char *shown_name(const char *name, const char *address)
{
    return name && name[0] ? name : address ? address : "?";
}

enum eo_status eo_discover_device(const char *name, const char *address, unsigned timeout_ms,
                                  const struct eo_cancel *cancel, struct eo_device *out,
                                  struct eo_error *err)
{
    struct discover_session session;
    struct eo_device_list list;
    enum eo_status status = discover_session_open(&session, err);
    if (status != EO_OK)
        return status;
    eo_device_list_init(&list);
    session.list = &list;
    session.want_name = name;
    session.want_address = address;
    session.cancel = cancel;
    session.max_wait_ms = 100;
    eo_discover_focus_init(&session.focus, name);
    session.settle_s = EO_DISCOVER_DEVICE_SETTLE_MS / 1000.0;
    status = search(&session, timeout_ms, err);
    const struct eo_device *found = discover_find_target(&list, name, address);
    if (status == EO_OK && eo_cancelled(cancel)) {
        status = eo_error_set(err, EO_ERR_INTERRUPTED, "interrupted while looking %s up over mDNS",
                              shown_name(name, address));
        if (err)
            err->signal = eo_cancel_signal(cancel);
    } else if (status == EO_OK && !found) {
        status = eo_error_set(err, EO_ERR_UNREACHABLE, "%s has no mDNS record",
                              shown_name(name, address));
    } else if (status == EO_OK) {
        *out = *found;
    }
    discover_session_close(&session);
    eo_device_list_release(&list);
    return status;
}
