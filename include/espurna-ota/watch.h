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
    struct eo_device device; /* everything learned; unknown fields empty / UNKNOWN */
    unsigned sources;        /* enum eo_identified_by bits */
    bool answered;           /* something answered (a record, a port), even when it said
                              * nothing: a 1.12-1.14 core build's silent terminal */
    char firmware_md5[33];   /* dev `info` prints "md5: <32 hex>"; "" when not learned */
    char missing[160];       /* what could not be learned, one line ("free space: no mDNS
                              * record and /discover does not say"), "" when nothing */
};

struct eo_identify_options {
    const char *password; /* for the terminal (NULL: none) */
    bool use_mdns;        /* false: skip mDNS (no daemon, or --no-mdns) */
    bool want_md5;        /* also read terminal `info` for the firmware MD5 on dev era */
    unsigned timeout_ms;  /* bound of the whole identification (0: 8 s) */
    const struct eo_cancel *cancel;
};

/* Learns what the device at `target` runs. `name` is the user's name for it (host name, or the
 * address). EO_OK when at least the version is known; EO_ERR_UNREACHABLE when nothing answers,
 * or when something answered without saying its version (out->sources says what answered:
 * a 1.12–1.14 core build prints nothing on its terminal); EO_ERR_INTERRUPTED. A known record
 * (from discovery) may be passed in `out->device` with sources = EO_IDENTIFIED_MDNS to skip
 * the lookup. */
enum eo_status eo_identify(const struct eo_target *target, const char *name,
                           const struct eo_identify_options *options, struct eo_identity *out,
                           struct eo_error *err);

/* An mDNS record without _http._tcp reads as a core build; right after a reboot that service may
 * simply not be announced yet. Unless the board names a core build, a web port that accepts a
 * connection settles it: a full build (kind FULL, web offered). */
void eo_identify_settle_kind(const struct eo_target *target, struct eo_device *device);

struct eo_reboot_options {
    struct eo_identify_options identify; /* how to identify it once back */
    unsigned timeout_ms;    /* the whole wait, from the call until identified (--reboot-timeout) */
    bool version_is_enough; /* the version settles it (a last step): once back, ask http
                             * and the terminal at once instead of waiting for the new mDNS
                             * record (which is still waited for when they cannot tell) */
    unsigned go_timeout_ms; /* how long it may take to go at all before the wait concludes it
                             * did not reboot (0: 10 s); seeing it back with another version
                             * or kind also counts as having gone */
    const char *device_label;       /* for events and messages */
    unsigned step, steps;           /* for events */
    const struct eo_events *events; /* a NOTE when it goes ("went away") and when it is back
                                     * ("is back after N s", "is back running <version>") */
};

struct eo_reboot_seen {
    double gone_s;  /* when it was seen to go (-1: never seen going) */
    double back_s;  /* when it answered again (-1: not back) */
    double total_s; /* until identified */
};

/* Waits for the device to reboot after a push, then identifies it (before = what it ran).
 * EO_OK with `after` filled once it answered again (after->device.version may still be empty
 * when it answered without saying it: a silent core build); EO_ERR_UNREACHABLE "<device> did not
 * come back within N s" (hint CHECK_VERSION) or "<device> did not reboot" (still answering the same
 * version and kind after go_timeout_ms); EO_ERR_INTERRUPTED. */
enum eo_status eo_watch_reboot(const struct eo_target *target, const char *name,
                               const struct eo_identity *before,
                               const struct eo_reboot_options *options, struct eo_identity *after,
                               struct eo_reboot_seen *seen, struct eo_error *err);

/* Watches a device that was just verified for `seconds`: EO_OK when it stays up, EO_ERR_VERIFY
 * "<device> rebooted again N s after the upgrade" when it goes away (ports refusing, mDNS
 * goodbye) in that time; EO_ERR_INTERRUPTED. */
enum eo_status eo_watch_soak(const struct eo_target *target, const char *name, unsigned seconds,
                             const struct eo_cancel *cancel, struct eo_error *err);

/* ---- pure parts (unit-tested) -------------------------------------------------------- */

/* What the terminal's `info` said. 1.12–1.14 print "[MAIN] ESPURNA 1.14.1", "[MAIN] CPU chip
 * ID: 0x1A2B3C", "[MAIN] Board: ...", "[MAIN] Support: ...", "[MAIN] Firmware MD5: <hex>";
 * dev prints "ESPURNA <version> built <date>", "device: ...", "mcu: esp8266 chipid: 1A2B3C
 * ...", "md5: <hex>", "support: ...", "system: UNSTABLE ...". */
struct eo_info_facts {
    char app[32];
    char version[64];
    char build_date[32];
    char board[64];
    char chip_id[7];
    char md5[33];
    uint8_t kind;    /* enum eo_image_kind from the module list: WEB → FULL, else CORE */
    bool dev_format; /* the dev era's one-fact-per-line format */
    bool safe_mode;  /* "Device is in SAFE MODE" / "system: UNSTABLE" */
    /* 1.14's memory layout lines, in bytes (0: not printed) */
    uint32_t flash_chip;    /* "Flash size (CHIP)" */
    uint32_t flash_sdk;     /* "Flash size (SDK)" */
    uint32_t firmware_size; /* "Firmware size" */
    uint32_t max_ota;       /* "Max OTA size": the free space less one sector, sector-rounded */
};

void eo_info_facts_init(struct eo_info_facts *facts);
/* Takes one line of `info` output, cleaned by eo_terminal_clean_line (no "[NNNNNN] "). */
void eo_info_parse_line(struct eo_info_facts *facts, const char *clean_line);

/* The reboot wait's view of the device, fed one round of signals at a time. */
enum eo_reboot_stage { EO_REBOOT_UP = 0, EO_REBOOT_GONE, EO_REBOOT_BACK };

struct eo_reboot_signals {
    bool goodbye;   /* mDNS: one of its services was withdrawn */
    bool refused;   /* every port probed refused or did not answer */
    bool answered;  /* a port probed accepted a connection */
    bool announced; /* mDNS: its _arduino._tcp was announced again after a goodbye */
    bool changed;   /* it showed another version or kind than before (mDNS TXT, a check) */
};

struct eo_reboot_tracker {
    enum eo_reboot_stage stage;
    double gone_s; /* -1 until seen going */
    double back_s; /* -1 until back */
};

void eo_reboot_tracker_init(struct eo_reboot_tracker *tracker);
/* UP → GONE on a goodbye or refusal; GONE → BACK on an answer or an announcement; another
 * version or kind is BACK from any stage (gone_s then stays -1 when the going was missed).
 * Returns the new stage. */
enum eo_reboot_stage eo_reboot_track(struct eo_reboot_tracker *tracker,
                                     const struct eo_reboot_signals *signals, double now_s);

#endif
