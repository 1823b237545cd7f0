/* discover_watch.c — watching one device over mDNS while it reboots: three service browsers;
 * the device's own instances (named like it, or already in its record) keep one resolver each
 * running, so a re-announcement with a new TXT is seen even when the goodbye and the
 * announcement come too close for the browser to report them. Other instances are set aside
 * (discover_focus.c); one that may still be the device's is resolved once to learn whose it
 * is. A watch thus holds a few avahi objects however many devices the network has. The
 * device's withdrawals and announcements become counters in a state the caller polls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avahi-client/lookup.h>
#include <avahi-common/error.h>

#include "discover_session.h"
#include "espurna-ota/discover.h"

#define MAX_KEPT 16 /* the device's own instances: one per service, a few spare */

struct kept_resolver {
    AvahiServiceResolver *resolver; /* NULL: free slot */
    int service;
    char instance[EO_DEVICE_TEXT_MAX];
    bool answered; /* it has resolved at least once */
};

struct eo_discover_watch {
    struct discover_session session;
    struct eo_device_list list;
    char name[256];
    char address[64];
    AvahiServiceBrowser *browsers[EO_SERVICE_COUNT];
    struct kept_resolver kept[MAX_KEPT];
    unsigned asking;       /* one-shot resolves in flight: whose is this instance? */
    struct eo_error error; /* the session's own: the client may fail between calls */
    bool said_goodbye;     /* its _arduino._tcp service was withdrawn and not yet announced again */
    struct eo_discover_watch_state state;
};

/* ---- resolvers kept on the device's own instances ----------------------------------------- */

static struct kept_resolver *kept_find(struct eo_discover_watch *watch, int service,
                                       const char *instance)
{
    for (size_t i = 0; i < MAX_KEPT; i++) {
        struct kept_resolver *kept = &watch->kept[i];
        if (kept->resolver && kept->service == service && strcmp(kept->instance, instance) == 0)
            return kept;
    }
    return NULL;
}

static struct kept_resolver *kept_of(struct eo_discover_watch *watch,
                                     const AvahiServiceResolver *resolver)
{
    for (size_t i = 0; i < MAX_KEPT; i++)
        if (watch->kept[i].resolver == resolver)
            return &watch->kept[i];
    return NULL;
}

static void kept_drop(struct kept_resolver *kept)
{
    if (kept && kept->resolver) {
        avahi_service_resolver_free(kept->resolver);
        kept->resolver = NULL;
    }
}

/* A free slot, filled with this resolver. NULL when every slot is taken. */
static struct kept_resolver *kept_add(struct eo_discover_watch *watch,
                                      AvahiServiceResolver *resolver, int service,
                                      const char *instance, bool answered)
{
    for (size_t i = 0; i < MAX_KEPT; i++) {
        struct kept_resolver *kept = &watch->kept[i];
        if (kept->resolver)
            continue;
        *kept =
            (struct kept_resolver){.resolver = resolver, .service = service, .answered = answered};
        snprintf(kept->instance, sizeof kept->instance, "%s", instance);
        return kept;
    }
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

/* Whether an instance of `service` named `instance` is the device's without asking: it has
 * the device's name (ESPurna names every service after its host), or it is the one its
 * record already holds. */
static bool known_as_target(struct eo_discover_watch *watch, int service, const char *instance)
{
    if (watch->name[0] && eo_discover_named_like(instance, watch->name))
        return true;
    const struct eo_device *device = target(watch);
    return device && strcmp(device->service_instance[service], instance) == 0;
}

/* Whether an instance must be asked about: the device's record has no instance of that
 * service yet (a device announces one of each), so this one may be it. */
static bool may_be_target(struct eo_discover_watch *watch, int service)
{
    const struct eo_device *device = target(watch);
    return !device || !device->service_instance[service][0];
}

static struct eo_device *add_resolved(struct eo_discover_watch *watch, int service,
                                      const char *name, const char *host_name,
                                      const AvahiAddress *address, uint16_t port,
                                      AvahiStringList *txt)
{
    return discover_add_resolved(&watch->list, service, name, host_name, address, port, txt);
}

/* The answer of a one-shot resolve: the resolver is kept when the instance is the device's. */
static void asked(struct eo_discover_watch *watch, AvahiServiceResolver *resolver, int service,
                  struct eo_device *device, const char *name)
{
    watch->asking--;
    bool mine = device && device == target(watch) && !kept_find(watch, service, name);
    if (!mine || !kept_add(watch, resolver, service, name, true))
        avahi_service_resolver_free(resolver);
    resolved(watch, service, device);
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
    struct kept_resolver *kept = kept_of(watch, resolver);
    bool found = event == AVAHI_RESOLVER_FOUND && service >= 0;
    struct eo_device *device =
        found ? add_resolved(watch, service, name, host_name, address, port, txt) : NULL;
    if (!kept) {
        asked(watch, resolver, service, device, name);
        return;
    }
    if (!found) {
        kept_drop(kept);
        return;
    }
    kept->answered = true;
    resolved(watch, service, device);
}

static AvahiServiceResolver *new_resolver(struct eo_discover_watch *watch, AvahiIfIndex interface,
                                          AvahiProtocol protocol, int service, const char *name,
                                          const char *domain)
{
    return avahi_service_resolver_new(watch->session.client, interface, protocol, name,
                                      discover_service_type((enum eo_service)service), domain,
                                      AVAHI_PROTO_INET, 0, resolve_callback, watch);
}

/* A new instance: the device's own get a resolver that keeps running; one that may be the
 * device's is asked once; the others (the device has that service already) are left alone. */
static void start_resolver(struct eo_discover_watch *watch, AvahiIfIndex interface,
                           AvahiProtocol protocol, int service, const char *name,
                           const char *domain)
{
    bool mine = known_as_target(watch, service, name);
    if (!mine && !may_be_target(watch, service))
        return;
    kept_drop(kept_find(watch, service, name));
    AvahiServiceResolver *resolver =
        new_resolver(watch, interface, protocol, service, name, domain);
    if (!resolver)
        return; /* avahi-daemon's limit of objects per client: this instance stays unknown */
    if (mine && kept_add(watch, resolver, service, name, false))
        return;
    watch->asking++;
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

static void resolve_aside(void *ctx, AvahiIfIndex interface, AvahiProtocol protocol, int service,
                          const char *name, const char *domain)
{
    start_resolver(ctx, interface, protocol, service, name, domain);
}

static int browser_service(const struct eo_discover_watch *watch,
                           const AvahiServiceBrowser *browser)
{
    for (int s = 0; s < EO_SERVICE_COUNT; s++)
        if (watch->browsers[s] == browser)
            return s;
    return -1;
}

/* A new instance is resolved when it may be the device's, else set aside until the browser
 * has listed all it knows (discover_focus.c); CACHE_EXHAUSTED: nothing to do. */
static void browse_callback(AvahiServiceBrowser *browser, AvahiIfIndex interface,
                            AvahiProtocol protocol, AvahiBrowserEvent event, const char *name,
                            const char *type, const char *domain, AvahiLookupResultFlags flags,
                            void *userdata)
{
    struct eo_discover_watch *watch = userdata;
    struct discover_session *session = &watch->session;
    int service = browser_service(watch, browser); /* type is NULL for ALL_FOR_NOW */
    (void)type, (void)flags;
    if (service < 0)
        return;
    if (event == AVAHI_BROWSER_NEW && eo_discover_focus_wants(&session->focus, service, name)) {
        start_resolver(watch, interface, protocol, service, name, domain);
    } else if (event == AVAHI_BROWSER_NEW) {
        discover_aside_keep(session, interface, protocol, service, name, domain);
    } else if (event == AVAHI_BROWSER_REMOVE) {
        discover_aside_drop(session, service, name);
        withdrawn(watch, service, name);
    } else if ((event == AVAHI_BROWSER_ALL_FOR_NOW || event == AVAHI_BROWSER_FAILURE) &&
               eo_discover_focus_listed(&session->focus, service)) {
        discover_aside_release(session, service, resolve_aside, watch);
    }
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
    eo_discover_focus_init(&watch->session.focus, watch->name);
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

/* Resolves in flight that may still add to the device's record. */
static void count_resolving(struct eo_discover_watch *watch)
{
    unsigned count = watch->asking;
    for (size_t i = 0; i < MAX_KEPT; i++)
        count += watch->kept[i].resolver && !watch->kept[i].answered;
    watch->state.resolving = count;
}

enum eo_status eo_discover_watch_run(struct eo_discover_watch *watch, unsigned wait_ms,
                                     struct eo_error *err)
{
    if (!watch->session.failed)
        avahi_simple_poll_iterate(watch->session.poll, (int)wait_ms);
    count_resolving(watch);
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
