/* discover_session.h — private to the discover module: one avahi-client connection on a
 * simple poll driven by the calling thread, shared by browsing (discover.c) and single-name
 * lookups (discover_lookup.c). */
#ifndef ESPURNA_OTA_DISCOVER_SESSION_H
#define ESPURNA_OTA_DISCOVER_SESSION_H

#include <stdbool.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/simple-watch.h>

#include "espurna-ota/discover.h"

struct discover_session {
    AvahiSimplePoll *poll;
    AvahiClient *client;
    struct eo_error *err;
    bool failed;                  /* the client failed; err says why */
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
};

double discover_now(void);
/* Connects to avahi-daemon. EO_ERR_DISCOVERY with the "needs avahi-daemon" message when it
 * is not reachable. */
enum eo_status discover_session_open(struct discover_session *session, struct eo_error *err);
void discover_session_close(struct discover_session *session);
/* Iterates until done() returns true (true), the client fails (true, session->failed) or the
 * deadline passes (false). */
bool discover_session_loop(struct discover_session *session, double deadline_s, double settle_s,
                           bool (*done)(struct discover_session *session, double now_s));

#endif
