/* watch.h — learning what a device runs, and waiting for it to reboot. Identification reads the
 * device's mDNS record when avahi-daemon is there (everything: version, kind, flash, free space,
 * methods), else GET /discover over http (app, version, hostname), else the terminal's `info`
 * (version, and on dev firmware the firmware MD5), and says what could not be learned. The
 * reboot wait is event-driven: it notices the device go (mDNS goodbye, its ports refusing) and
 * come back (a re-announcement, or its ports answering again), then identifies it again;
 * bounded by a timeout and ended by a cancellation within 100 ms. */
#ifndef ESPURNA_OTA_WATCH_H
#define ESPURNA_OTA_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "espurna-ota/cancel.h"
#include "espurna-ota/device.h"
#include "espurna-ota/events.h"
#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"

/* Where an identification came from (bits: several may have contributed). */
enum eo_identified_by {
    EO_IDENTIFIED_MDNS = 1u << 0,
    EO_IDENTIFIED_HTTP = 1u << 1,     /* GET /discover */
    EO_IDENTIFIED_TERMINAL = 1u << 2, /* telnet `info` */
};

struct eo_identity {
    struct eo_device device;    /* everything learned; unknown fields empty / UNKNOWN */
    unsigned sources;           /* enum eo_identified_by bits */
    char firmware_md5[33];      /* dev `info` prints "md5: <32 hex>"; "" when not learned */
    char missing[160];          /* what could not be learned, one line ("free space: no mDNS
                                 * record and /discover does not say"), "" when nothing */
};

struct eo_identify_options {
    const char *password;       /* for the terminal (NULL: none) */
    bool use_mdns;              /* false: skip mDNS (no daemon, or --no-mdns) */
    bool want_md5;              /* also read terminal `info` for the firmware MD5 on dev era */
    unsigned timeout_ms;        /* bound of the whole identification (0: 8 s) */
    const struct eo_cancel *cancel;
};

/* Learns what the device at `target` runs. `name` is the user's name for it (host name, or the
 * address). EO_OK when at least the version is known; EO_ERR_UNREACHABLE when nothing answers;
 * EO_ERR_INTERRUPTED. A known record (from discovery) may be passed in `out->device` with
 * sources = EO_IDENTIFIED_MDNS to skip the lookup. */
enum eo_status eo_identify(const struct eo_target *target, const char *name,
                           const struct eo_identify_options *options, struct eo_identity *out,
                           struct eo_error *err);

struct eo_reboot_options {
    struct eo_identify_options identify; /* how to identify it once back */
    unsigned timeout_ms;        /* the whole wait, from the call until identified (--reboot-timeout) */
    unsigned go_timeout_ms;     /* how long it may take to go at all before the wait concludes it
                                 * did not reboot (0: 10 s); seeing it back with another version
                                 * or kind also counts as having gone */
    const char *device_label;   /* for events and messages */
    unsigned step, steps;       /* for events */
    const struct eo_events *events; /* a PHASE note when it goes and when it is back */
};

struct eo_reboot_seen {
    double gone_s;    /* when it was seen to go (-1: never seen going) */
    double back_s;    /* when it answered again (-1: not back) */
    double total_s;   /* until identified */
};

/* Waits for the device to reboot after a push, then identifies it (before = what it ran).
 * EO_OK with `after` filled; EO_ERR_UNREACHABLE "<device> did not come back within N s" (hint
 * CHECK_VERSION) or "<device> did not reboot" (still answering the same version and kind after
 * go_timeout_ms); EO_ERR_INTERRUPTED. */
enum eo_status eo_watch_reboot(const struct eo_target *target, const char *name,
                               const struct eo_identity *before,
                               const struct eo_reboot_options *options, struct eo_identity *after,
                               struct eo_reboot_seen *seen, struct eo_error *err);

/* Watches a device that was just verified for `seconds`: EO_OK when it stays up, EO_ERR_VERIFY
 * "<device> rebooted again N s after the upgrade" when it goes away (ports refusing, mDNS
 * goodbye) in that time; EO_ERR_INTERRUPTED. */
enum eo_status eo_watch_soak(const struct eo_target *target, const char *name, unsigned seconds,
                             const struct eo_cancel *cancel, struct eo_error *err);

#endif
