/* discover_watch.c — watching one device over mDNS while it reboots: three service browsers,
 * and one resolver per service that stays running (so a re-announcement with a new TXT is seen
 * even when the goodbye and the announcement come too close for the browser to report them);
 * the device's withdrawals and announcements become counters in a state the caller polls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avahi-client/lookup.h>
#include <avahi-common/error.h>

#include "discover_session.h"
#include "espurna-ota/discover.h"

#define MAX_RESOLVERS 64

struct kept_resolver {
    AvahiServiceResolver *resolver; /* NULL: free slot */
    int service;
    char instance[EO_DEVICE_TEXT_MAX];
};

struct eo_discover_watch {
    struct discover_session session;
    struct eo_device_list list;
    char name[256];
    char address[64];
    AvahiServiceBrowser *browsers[EO_SERVICE_COUNT];
    struct kept_resolver resolvers[MAX_RESOLVERS];
    struct eo_error error; /* the session's own: the client may fail between calls */
    bool said_goodbye;    /* its _arduino._tcp service was withdrawn and not yet announced again */
    struct eo_discover_watch_state state;
};

/* ---- resolvers kept by service and instance ------------------------------------------- */

static struct kept_resolver *kept_find(struct eo_discover_watch *watch, int service,
                                       const char *instance)
{
    for (size_t i = 0; i < MAX_RESOLVERS; i++) {
        struct kept_resolver *kept = &watch->resolvers[i];
        if (kept->resolver && kept->service == service && strcmp(kept->instance, instance) == 0)
            return kept;
    }
    return NULL;
}

static void kept_drop(struct kept_resolver *kept)
{
    if (kept && kept->resolver) {
        avahi_service_resolver_free(kept->resolver);
        kept->resolver = NULL;
    }
}

static struct kept_resolver *kept_slot(struct eo_discover_watch *watch)
{
    for (size_t i = 0; i < MAX_RESOLVERS; i++)
        if (!watch->resolvers[i].resolver)
            return &watch->resolvers[i];
    return NULL;
}

/* ---- the device's record ---------------------------------------------------------------- */

static struct eo_device *target(struct eo_discover_watch *watch)
{
    return discover_find_target(&watch->list, watch->name, watch->address);
}

static void resolved(struct eo_discover_watch *watch, int service, struct eo_device *device)
{
    if (!device || device != target(watch))
        return;
    watch->state.device = *device;
    if (service != EO_SERVICE_ARDUINO)
        return;
    watch->state.announcements++;
    if (watch->said_goodbye)
        watch->state.reannouncements++;
    watch->said_goodbye = false;
    watch->state.present = true;
}

static void resolve_callback(AvahiServiceResolver *resolver, AvahiIfIndex interface,
                             AvahiProtocol protocol, AvahiResolverEvent event, const char *name,
                             const char *type, const char *domain, const char *host_name,
                             const AvahiAddress *address, uint16_t port, AvahiStringList *txt,
                             AvahiLookupResultFlags flags, void *userdata)
{
    struct eo_discover_watch *watch = userdata;
    (void)interface, (void)protocol, (void)domain, (void)flags;
    int service = discover_service_of_type(type);
    if (event != AVAHI_RESOLVER_FOUND || service < 0) {
        for (size_t i = 0; i < MAX_RESOLVERS; i++)
            if (watch->resolvers[i].resolver == resolver)
                kept_drop(&watch->resolvers[i]);
        return;
    }
    resolved(watch, service,
             discover_add_resolved(&watch->list, service, name, host_name, address, port, txt));
}

static void start_resolver(struct eo_discover_watch *watch, AvahiIfIndex interface,
                           AvahiProtocol protocol, int service, const char *name,
                           const char *domain)
{
    kept_drop(kept_find(watch, service, name));
    struct kept_resolver *kept = kept_slot(watch);
    if (!kept)
        return;
    kept->resolver = avahi_service_resolver_new(watch->session.client, interface, protocol, name,
                                                discover_service_type((enum eo_service)service),
                                                domain, AVAHI_PROTO_INET, 0, resolve_callback,
                                                watch);
    kept->service = service;
    snprintf(kept->instance, sizeof kept->instance, "%s", name);
}

/* A withdrawn service: a goodbye when it was one of the device's. */
static void withdrawn(struct eo_discover_watch *watch, int service, const char *name)
{
    const struct eo_device *device = target(watch);
    kept_drop(kept_find(watch, service, name));
    if (device && strcmp(device->service_instance[service], name) == 0) {
        watch->state.goodbyes++;
        if (service == EO_SERVICE_ARDUINO) {
            watch->state.present = false;
            watch->said_goodbye = true;
        }
    }
    eo_device_list_remove_service(&watch->list, (enum eo_service)service, name);
}

static void browse_callback(AvahiServiceBrowser *browser, AvahiIfIndex interface,
                            AvahiProtocol protocol, AvahiBrowserEvent event, const char *name,
                            const char *type, const char *domain, AvahiLookupResultFlags flags,
                            void *userdata)
{
    struct eo_discover_watch *watch = userdata;
    (void)browser, (void)flags;
    int service = discover_service_of_type(type);
    if (service < 0)
        return; /* ALL_FOR_NOW, CACHE_EXHAUSTED, FAILURE: nothing to track */
    if (event == AVAHI_BROWSER_NEW)
        start_resolver(watch, interface, protocol, service, name, domain);
    else if (event == AVAHI_BROWSER_REMOVE)
        withdrawn(watch, service, name);
}

/* ---- the watch ---------------------------------------------------------------------------- */

static enum eo_status start_browsers(struct eo_discover_watch *watch, struct eo_error *err)
{
    for (int s = 0; s < EO_SERVICE_COUNT; s++) {
        watch->browsers[s] = avahi_service_browser_new(
            watch->session.client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
            discover_service_type((enum eo_service)s), NULL, 0, browse_callback, watch);
        if (!watch->browsers[s])
            return eo_error_set(err, EO_ERR_DISCOVERY, "cannot browse %s through avahi-daemon: %s",
                                discover_service_type((enum eo_service)s),
                                avahi_strerror(avahi_client_errno(watch->session.client)));
    }
    return EO_OK;
}

enum eo_status eo_discover_watch_start(const char *name, const char *address,
                                       struct eo_discover_watch **out, struct eo_error *err)
{
    *out = NULL;
    struct eo_discover_watch *watch = calloc(1, sizeof *watch);
    if (!watch)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot watch over mDNS: out of memory");
    snprintf(watch->name, sizeof watch->name, "%s", name ? name : "");
    snprintf(watch->address, sizeof watch->address, "%s", address ? address : "");
    eo_device_list_init(&watch->list);
    eo_device_init(&watch->state.device);
    enum eo_status status = discover_session_open(&watch->session, &watch->error);
    if (status == EO_OK)
        status = start_browsers(watch, &watch->error);
    if (status != EO_OK) {
        if (err)
            *err = watch->error;
        eo_discover_watch_stop(watch);
        return status;
    }
    *out = watch;
    return EO_OK;
}

enum eo_status eo_discover_watch_run(struct eo_discover_watch *watch, unsigned wait_ms,
                                     struct eo_error *err)
{
    if (!watch->session.failed)
        avahi_simple_poll_iterate(watch->session.poll, (int)wait_ms);
    if (watch->session.failed)
        return eo_error_set(err, EO_ERR_DISCOVERY, "%s", watch->error.message);
    return EO_OK;
}

const struct eo_discover_watch_state *eo_discover_watch_state(const struct eo_discover_watch *watch)
{
    return &watch->state;
}

void eo_discover_watch_stop(struct eo_discover_watch *watch)
{
    if (!watch)
        return;
    discover_session_close(&watch->session); /* frees browsers and resolvers with the client */
    eo_device_list_release(&watch->list);
    free(watch);
}
