/* discover.h — finding ESPurna devices over mDNS through avahi-daemon (avahi-client): browse
 * _arduino._tcp, _http._tcp and _telnet._tcp, resolve every service, merge them by host into
 * device records (device.h), and stop as soon as the network has gone quiet — every browser
 * said "all for now", no resolve is pending and nothing happened for the settle time — or at
 * the timeout. Also looks one name up (host name or instance name) for --device, finds one
 * device's record without waiting for the whole network, and watches one device go and come
 * back (its services withdrawn and announced again) while it reboots. */
#ifndef ESPURNA_OTA_DISCOVER_H
#define ESPURNA_OTA_DISCOVER_H

#include <stdbool.h>

#include "espurna-ota/cancel.h"
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
    double elapsed_s;     /* until the run returned */
    double last_change_s; /* last time a device was added, changed or removed */
    unsigned resolved;    /* services resolved */
    unsigned failed;      /* services that did not resolve (timed out, vanished) */
    bool timed_out;       /* stopped by the timeout rather than by quiet */
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

#define EO_DISCOVER_DEVICE_SETTLE_MS 300u

/* Finds the record of one device: the one `name` designates (host name with or without
 * ".local", instance name, address) or that has `address` (either may be NULL). Browses like
 * eo_discover_run and resolves what may be that device (eo_discover_focus_wants), and returns as
 * soon as that device's _arduino._tcp service is resolved (with its TXT) and either its other
 * services are resolved too or EO_DISCOVER_DEVICE_SETTLE_MS passed; or, not found, as soon as the
 * network has gone quiet. EO_ERR_DISCOVERY when avahi-daemon is not reachable; EO_ERR_UNREACHABLE
 * when the device has no record (within timeout_ms, 0 = EO_DISCOVER_LOOKUP_TIMEOUT_MS);
 * EO_ERR_INTERRUPTED when `cancel` (may be NULL) is set, noticed within 100 ms. */
enum eo_status eo_discover_device(const char *name, const char *address, unsigned timeout_ms,
                                  const struct eo_cancel *cancel, struct eo_device *out,
                                  struct eo_error *err);

/* ---- watching one device ------------------------------------------------------------------
 * Browses like eo_discover_run, resolves once the instances that may be the device's and keeps
 * the resolvers of its own services running, so that their withdrawal (goodbye) and
 * announcement, a TXT change included, show as counters the caller compares between calls.
 * Other devices' instances cost nothing once known. Driven by the caller's thread. */
struct eo_discover_watch;

struct eo_discover_watch_state {
    unsigned goodbyes;        /* services of the device withdrawn since the start */
    unsigned announcements;   /* resolutions of its _arduino._tcp service (first one included) */
    unsigned reannouncements; /* of those, the ones that came after a goodbye of that service */
    bool present;             /* its _arduino._tcp service is announced now */
    unsigned resolving;       /* resolves in flight that may still add to its record */
    struct eo_device device;  /* its latest record (valid once announcements > 0) */
};

/* Starts watching the device `name` / `address` (as for eo_discover_device). EO_ERR_DISCOVERY
 * when avahi-daemon is not reachable; *out NULL then. */
enum eo_status eo_discover_watch_start(const char *name, const char *address,
                                       struct eo_discover_watch **out, struct eo_error *err);

/* Handles what avahi-daemon reports within wait_ms (returns earlier after an event).
 * EO_ERR_DISCOVERY when the connection to the daemon was lost. */
enum eo_status eo_discover_watch_run(struct eo_discover_watch *watch, unsigned wait_ms,
                                     struct eo_error *err);

const struct eo_discover_watch_state *
eo_discover_watch_state(const struct eo_discover_watch *watch);

void eo_discover_watch_stop(struct eo_discover_watch *watch);

/* ---- the quiet rule, pure (unit-tested) ------------------------------------------------ */

struct eo_settle {
    unsigned browsers_waiting; /* browsers that have not yet said "all for now" */
    unsigned resolves_pending;
    double last_event_s; /* last browse or resolve event */
};

/* True when every browser has reported, no resolve is pending and nothing happened for
 * settle_s seconds. */
bool eo_discover_settled(const struct eo_settle *settle, double now_s, double settle_s);

/* Milliseconds the event loop may sleep before the rule or the deadline must be looked at
 * again (never negative; at least 1 while waiting). */
int eo_discover_wait_ms(const struct eo_settle *settle, double now_s, double settle_s,
                        double deadline_s);

/* ---- resolving only what may be the wanted device, pure (unit-tested) --------------------
 * When one device is looked up or watched by name, an instance named like it (ESPurna names
 * every service after its host) is resolved at once and the others are set aside: they are
 * resolved only once the browser of their service has listed all it knows and none was named
 * like the device (a device known by another name). Without a name, or with an address as the
 * name, everything is resolved. */
struct eo_discover_focus {
    const char *name;              /* NULL: no focus, resolve everything */
    bool named[EO_SERVICE_COUNT];  /* an instance of this service is named like the device */
    bool listed[EO_SERVICE_COUNT]; /* its browser has listed all it knows */
};

void eo_discover_focus_init(struct eo_discover_focus *focus, const char *name);

/* Whether instance `instance` is named like `name`: equal, ignoring case and a ".local" or
 * ".local." after the name. */
bool eo_discover_named_like(const char *instance, const char *name);

/* A new instance of `service`: true to resolve it now, false to set it aside. */
bool eo_discover_focus_wants(struct eo_discover_focus *focus, int service, const char *instance);

/* The browser of `service` has listed all it knows: true when the instances set aside must be
 * resolved now (none was named like the device); true only once per service. */
bool eo_discover_focus_listed(struct eo_discover_focus *focus, int service);

#endif
