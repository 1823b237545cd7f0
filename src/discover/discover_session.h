/* discover_session.h — private to the discover module: one avahi-client connection on a
 * simple poll driven by the calling thread, shared by browsing (discover.c), single-name
 * lookups (discover_lookup.c), the search for one device (discover_device.c) and the watch on
 * one device (discover_watch.c). */
#ifndef ESPURNA_OTA_DISCOVER_SESSION_H
#define ESPURNA_OTA_DISCOVER_SESSION_H

#include <stdbool.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/simple-watch.h>

#include "espurna-ota/cancel.h"
#include "espurna-ota/discover.h"

/* An instance set aside by the focus rule (discover_focus.c). */
struct discover_aside {
    AvahiIfIndex interface;
    AvahiProtocol protocol;
    int service;
    char *name, *domain;
};

struct discover_session {
    AvahiSimplePoll *poll;
    AvahiClient *client;
    struct eo_error *err;
    bool failed; /* the client failed; err says why */
    double start_s;
    double settle_s;
    struct eo_settle settle;
    /* browsing */
    AvahiServiceBrowser *browsers[EO_SERVICE_COUNT];
    bool browsing[EO_SERVICE_COUNT]; /* waiting for this browser's "all for now" */
    struct eo_device_list *list;
    double last_change_s;
    unsigned resolved, failures;
    /* lookups */
    unsigned lookups_pending;
    bool found;
    struct eo_target *target;
    /* one device (discover_device.c) */
    const char *want_name;    /* user's name for it, NULL: none */
    const char *want_address; /* its numeric address, NULL or "": none */
    double matched_s;         /* when its _arduino._tcp record was first complete, 0: not */
    /* resolving only what may be the wanted device (discover_focus.c) */
    struct eo_discover_focus focus;
    struct discover_aside *aside; /* instances set aside meanwhile */
    size_t aside_count, aside_cap;
    /* loop control */
    const struct eo_cancel *cancel; /* NULL: never; the loop then ends as soon as it is set */
    unsigned max_wait_ms;           /* longest single wait of the loop, 0: no cap */
};

double discover_now(void);
/* Connects to avahi-daemon. EO_ERR_DISCOVERY with the "needs avahi-daemon" message when it
 * is not reachable. */
enum eo_status discover_session_open(struct discover_session *session, struct eo_error *err);
void discover_session_close(struct discover_session *session);
/* Iterates until done() returns true (true), the client fails (true, session->failed),
 * session->cancel is set (true) or the deadline passes (false). */
bool discover_session_loop(struct discover_session *session, double deadline_s, double settle_s,
                           bool (*done)(struct discover_session *session, double now_s));
/* Starts the three service browsers whose results go to session->list. */
enum eo_status discover_session_browse(struct discover_session *session, struct eo_error *err);
/* The service of an mDNS type ("_arduino._tcp" ...), -1 for another type. */
int discover_service_of_type(const char *type);
/* The type text of a service. */
const char *discover_service_type(enum eo_service service);
/* Merges one resolved service into `list`. Returns the device it went to (NULL: not added). */
struct eo_device *discover_add_resolved(struct eo_device_list *list, int service, const char *name,
                                        const char *host_name, const AvahiAddress *address,
                                        uint16_t port, AvahiStringList *txt);
/* The device of `list` that is `name` (host name, instance, address) or has `address`. */
struct eo_device *discover_find_target(const struct eo_device_list *list, const char *name,
                                       const char *address);

/* ---- instances set aside by the focus rule (discover_focus.c) ---- */
typedef void (*discover_resolve_fn)(void *ctx, AvahiIfIndex interface, AvahiProtocol protocol,
                                    int service, const char *name, const char *domain);
/* Keeps a new instance for later; false when out of memory (it is then left unresolved). */
bool discover_aside_keep(struct discover_session *session, AvahiIfIndex interface,
                         AvahiProtocol protocol, int service, const char *name, const char *domain);
/* Forgets one that was withdrawn meanwhile. */
void discover_aside_drop(struct discover_session *session, int service, const char *name);
/* Hands every instance of `service` set aside to resolve(), and forgets them. */
void discover_aside_release(struct discover_session *session, int service,
                            discover_resolve_fn resolve, void *ctx);
void discover_aside_free(struct discover_session *session);

#endif
