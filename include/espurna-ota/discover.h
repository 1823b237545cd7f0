/* discover.h — finding ESPurna devices over mDNS through avahi-daemon (avahi-client): browse
 * _arduino._tcp, _http._tcp and _telnet._tcp, resolve every service, merge them by host into
 * device records (device.h), and stop as soon as the network has gone quiet — every browser
 * said "all for now", no resolve is pending and nothing happened for the settle time — or at
 * the timeout. Also looks one name up (host name or instance name) for --device. */
#ifndef ESPURNA_OTA_DISCOVER_H
#define ESPURNA_OTA_DISCOVER_H

#include <stdbool.h>

#include "espurna-ota/device.h"
#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"

#define EO_DISCOVER_DEFAULT_TIMEOUT_MS 5000u
#define EO_DISCOVER_DEFAULT_SETTLE_MS 400u
#define EO_DISCOVER_LOOKUP_TIMEOUT_MS 5000u

/* The one message for "no avahi-daemon" (status EO_ERR_DISCOVERY). */
#define EO_DISCOVER_NO_DAEMON_HINT "use --device <ip> or a device list"

struct eo_discover_options {
    unsigned timeout_ms; /* upper bound of the whole run; 0 = EO_DISCOVER_DEFAULT_TIMEOUT_MS */
    unsigned settle_ms;  /* quiet time after the last event; 0 = EO_DISCOVER_DEFAULT_SETTLE_MS */
};

/* What a run saw, for --verbose style messages and the benchmark. Times since the start. */
struct eo_discover_stats {
    double elapsed_s;      /* until the run returned */
    double last_change_s;  /* last time a device was added, changed or removed */
    unsigned resolved;     /* services resolved */
    unsigned failed;       /* services that did not resolve (timed out, vanished) */
    bool timed_out;        /* stopped by the timeout rather than by quiet */
};

/* Discovers the devices on the network into `out` (initialised by the caller, sorted by
 * hostname on return). EO_ERR_DISCOVERY when avahi-daemon is not reachable or fails; finding
 * nothing is EO_OK with an empty list. stats may be NULL. */
enum eo_status eo_discover_run(const struct eo_discover_options *options,
                               struct eo_device_list *out, struct eo_discover_stats *stats,
                               struct eo_error *err);


/* Looks one name up over mDNS, without browsing: "x.local" as a host name; a name without dots
 * both as x.local and as an _arduino._tcp instance name (first answer wins); anything else as
 * an instance name. Fills out (name = `name`, numeric IPv4 address, espota port from the
 * service when found through it). EO_ERR_DISCOVERY when avahi-daemon is not reachable,
 * EO_ERR_UNREACHABLE when nobody answers within timeout_ms (0 = default). */
enum eo_status eo_discover_lookup(const char *name, unsigned timeout_ms, struct eo_target *out,
                                  struct eo_error *err);

/* ---- the quiet rule, pure (unit-tested) ------------------------------------------------ */

struct eo_settle {
    unsigned browsers_waiting; /* browsers that have not yet said "all for now" */
    unsigned resolves_pending;
    double last_event_s;       /* last browse or resolve event */
};

/* True when every browser has reported, no resolve is pending and nothing happened for
 * settle_s seconds. */
bool eo_discover_settled(const struct eo_settle *settle, double now_s, double settle_s);

/* Milliseconds the event loop may sleep before the rule or the deadline must be looked at
 * again (never negative; at least 1 while waiting). */
int eo_discover_wait_ms(const struct eo_settle *settle, double now_s, double settle_s,
                        double deadline_s);

#endif
