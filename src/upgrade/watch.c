/* watch.c — waiting for a device to reboot after a push, and watching it stay up afterwards.
 * Event-driven: an mDNS watch (its services withdrawn, announced again, a new TXT) and
 * non-blocking TCP probes of its web and terminal ports (refused or silent: gone; accepted:
 * back), looked at every 50 ms, so a cancellation ends every wait within 100 ms. Once it is
 * back it is identified again, from its fresh mDNS record when there is one. */
#include "espurna-ota/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "espurna-ota/discover.h"
#include "espurna-ota/image.h"
#include "espurna-ota/net.h"

#define TICK_MS 50u           /* longest single wait of every loop */
#define PROBE_INTERVAL_S 0.15 /* between two rounds of port probes */
#define PROBE_TIMEOUT_S 1.0   /* a connection not made by then: not answering */
/* how long a device back on its ports may take to announce its new mDNS record */
#define RECORD_AFTER_BACK_S 3.0
#define RECORD_SETTLE_S 0.3    /* a record unchanged this long is complete */
#define RETRY_IDENTIFY_MS 200u /* between identifications of a device booting */
/* how long a device that answers without saying its version is asked again */
#define SILENT_GRACE_S 3.0
#define DEFAULT_GO_TIMEOUT_MS 10000u
#define DEFAULT_REBOOT_TIMEOUT_MS 120000u

/* ---- the stage, pure ---------------------------------------------------------------------- */

void eo_reboot_tracker_init(struct eo_reboot_tracker *tracker)
{
    tracker->stage = EO_REBOOT_UP;
    tracker->gone_s = -1;
    tracker->back_s = -1;
}

enum eo_reboot_stage eo_reboot_track(struct eo_reboot_tracker *tracker,
                                     const struct eo_reboot_signals *signals, double now_s)
{
    if (tracker->stage == EO_REBOOT_BACK)
        return tracker->stage;
    if (signals->changed) {
        tracker->stage = EO_REBOOT_BACK;
        tracker->back_s = now_s;
    } else if (tracker->stage == EO_REBOOT_UP && (signals->goodbye || signals->refused)) {
        tracker->stage = EO_REBOOT_GONE;
        tracker->gone_s = now_s;
    } else if (tracker->stage == EO_REBOOT_GONE && (signals->answered || signals->announced)) {
        tracker->stage = EO_REBOOT_BACK;
        tracker->back_s = now_s;
    }
    return tracker->stage;
}

/* ---- port probes -------------------------------------------------------------------------- */

enum probe_verdict { PROBE_PENDING = 0, PROBE_ANSWERED, PROBE_SILENT };

struct probe {
    uint16_t port;
    int fd; /* -1: no connection in flight */
    enum probe_verdict verdict;
};

struct prober {
    const char *address;
    struct probe probes[2];
    unsigned count;
    double round_started_s;
    bool round_open;
};

static void probe_start(struct probe *probe, const char *address)
{
    struct sockaddr_storage addr;
    socklen_t len;
    probe->verdict = PROBE_SILENT;
    probe->fd = -1;
    if (eo_net_sockaddr(address, probe->port, &addr, &len, NULL) != EO_OK)
        return;
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    int rc = connect(fd, (const struct sockaddr *)&addr, len);
    if (rc == 0 || errno == EINPROGRESS) {
        probe->fd = fd;
        probe->verdict = PROBE_PENDING;
        return;
    }
    close(fd);
}

static void probe_finish(struct probe *probe, enum probe_verdict verdict)
{
    if (probe->fd >= 0)
        close(probe->fd);
    probe->fd = -1;
    probe->verdict = verdict;
}

/* Looks at a connection in flight without waiting. */
static void probe_check(struct probe *probe, bool timed_out)
{
    if (probe->verdict != PROBE_PENDING)
        return;
    struct pollfd pfd = {.fd = probe->fd, .events = POLLOUT};
    if (poll(&pfd, 1, 0) > 0) {
        int soerr = 0;
        socklen_t soerr_len = sizeof soerr;
        getsockopt(probe->fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len);
        probe_finish(probe, soerr == 0 ? PROBE_ANSWERED : PROBE_SILENT);
    } else if (timed_out) {
        probe_finish(probe, PROBE_SILENT);
    }
}

/* Probes the web and terminal ports of target (those that are set). */
static void prober_init(struct prober *prober, const struct eo_target *target)
{
    memset(prober, 0, sizeof *prober);
    prober->address = target->address;
    uint16_t ports[2] = {target->web_port, target->telnet_port};
    for (unsigned i = 0; i < 2; i++)
        if (ports[i])
            prober->probes[prober->count++] = (struct probe){.port = ports[i], .fd = -1};
}

static void prober_close(struct prober *prober)
{
    for (unsigned i = 0; i < prober->count; i++)
        if (prober->probes[i].fd >= 0)
            probe_finish(&prober->probes[i], PROBE_SILENT);
}

/* One step: starts a round when due, looks at the one in flight. Returns the verdict of a
 * round that just ended: ANSWERED when any port accepted, SILENT when none did; PENDING
 * while a round runs or none is due. */
static enum probe_verdict prober_step(struct prober *prober, double now_s)
{
    if (prober->count == 0)
        return PROBE_PENDING;
    if (!prober->round_open) {
        if (now_s - prober->round_started_s < PROBE_INTERVAL_S)
            return PROBE_PENDING;
        for (unsigned i = 0; i < prober->count; i++)
            probe_start(&prober->probes[i], prober->address);
        prober->round_started_s = now_s;
        prober->round_open = true;
    }
    bool timed_out = now_s - prober->round_started_s >= PROBE_TIMEOUT_S;
    bool pending = false, answered = false;
    for (unsigned i = 0; i < prober->count; i++) {
        probe_check(&prober->probes[i], timed_out);
        pending |= prober->probes[i].verdict == PROBE_PENDING;
        answered |= prober->probes[i].verdict == PROBE_ANSWERED;
    }
    if (pending && !answered)
        return PROBE_PENDING;
    prober_close(prober);
    prober->round_open = false;
    return answered ? PROBE_ANSWERED : PROBE_SILENT;
}

/* Waits up to timeout_ms for a connection in flight to conclude (the loop's pause when there
 * is no mDNS watch to wait on). */
static void prober_wait(struct prober *prober, unsigned timeout_ms)
{
    struct pollfd fds[2];
    nfds_t count = 0;
    for (unsigned i = 0; i < prober->count; i++)
        if (prober->probes[i].fd >= 0)
            fds[count++] = (struct pollfd){.fd = prober->probes[i].fd, .events = POLLOUT};
    poll(count ? fds : NULL, count, (int)timeout_ms);
}

/* ---- what is seen of the device ------------------------------------------------------------ */

struct sight {
    const struct eo_target *target;
    const char *label;
    const struct eo_cancel *cancel;
    const struct eo_events *events;
    unsigned step, steps;
    struct eo_discover_watch *mdns;      /* NULL: no avahi-daemon, or not asked */
    struct eo_discover_watch_state seen; /* the counters and record at the last look */
    double record_since_s;               /* when that record last changed */
    struct prober prober;
    struct eo_device baseline; /* what it ran: another version or kind means rebooted */
    bool has_baseline;
    double start_s;
    struct eo_reboot_tracker tracker;
};

static bool differs(const struct eo_device *before, const struct eo_device *now)
{
    bool version = before->version[0] && now->version[0] && strcmp(before->version, now->version);
    bool kind = before->kind != EO_KIND_UNKNOWN && now->kind != EO_KIND_UNKNOWN &&
                before->kind != now->kind;
    return version || kind;
}

/* Another version in its mDNS record. A kind told by the services alone (no _http._tcp: a core
 * build) is no sign of a new build while the record is being torn down, service by service:
 * a new kind shows with the re-announcement. */
static bool record_version_differs(const struct eo_device *before, const struct eo_device *now)
{
    return before->version[0] && now->version[0] && strcmp(before->version, now->version);
}

static void sight_open(struct sight *sight, const struct eo_target *target, const char *name,
                       bool use_mdns)
{
    memset(sight, 0, sizeof *sight);
    sight->target = target;
    sight->label = name && name[0] ? name : target->address;
    prober_init(&sight->prober, target);
    if (use_mdns && eo_discover_watch_start(name, target->address, &sight->mdns, NULL) != EO_OK)
        sight->mdns = NULL;
    if (sight->mdns)
        sight->seen = *eo_discover_watch_state(sight->mdns);
    sight->start_s = eo_net_now();
    eo_reboot_tracker_init(&sight->tracker);
}

static void sight_close(struct sight *sight)
{
    prober_close(&sight->prober);
    eo_discover_watch_stop(sight->mdns);
    sight->mdns = NULL;
}

/* Whether its record is complete: no resolve in flight may still add to it, and it has not
 * changed for RECORD_SETTLE_S. The services of a host resolve one by one, and its kind (no
 * _http._tcp: a core build) holds only once they all did. */
static bool record_settled(const struct sight *sight, double now_s)
{
    return sight->seen.announcements > 0 && sight->seen.resolving == 0 &&
           now_s - sight->record_since_s >= RECORD_SETTLE_S;
}

/* The mDNS part of one look: waits up to TICK_MS for avahi-daemon's news. */
static void look_mdns(struct sight *sight, struct eo_reboot_signals *signals)
{
    if (eo_discover_watch_run(sight->mdns, TICK_MS, NULL) != EO_OK) {
        eo_discover_watch_stop(sight->mdns); /* the daemon went away: ports only from now */
        sight->mdns = NULL;
        return;
    }
    const struct eo_discover_watch_state *state = eo_discover_watch_state(sight->mdns);
    double now = eo_net_now();
    signals->goodbye = state->goodbyes > sight->seen.goodbyes;
    signals->announced = state->reannouncements > sight->seen.reannouncements;
    if (memcmp(&state->device, &sight->seen.device, sizeof state->device) != 0)
        sight->record_since_s = now;
    sight->seen = *state;
    if (!record_settled(sight, now))
        return;
    if (!sight->has_baseline) {
        sight->baseline = state->device; /* soak: the first complete record is the one to keep */
        sight->has_baseline = true;
    }
    signals->changed = state->present && record_version_differs(&sight->baseline, &state->device);
}

/* One look (at most TICK_MS): feeds the tracker. Returns the stage. */
static enum eo_reboot_stage look(struct sight *sight)
{
    struct eo_reboot_signals signals = {0};
    if (sight->mdns)
        look_mdns(sight, &signals);
    else
        prober_wait(&sight->prober, TICK_MS);
    enum probe_verdict verdict = prober_step(&sight->prober, eo_net_now());
    signals.refused = verdict == PROBE_SILENT;
    signals.answered = verdict == PROBE_ANSWERED;
    return eo_reboot_track(&sight->tracker, &signals, eo_net_now() - sight->start_s);
}

static void note(const struct sight *sight, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void note(const struct sight *sight, const char *format, ...)
{
    char text[256];
    va_list args;
    if (!sight->events || !sight->events->emit)
        return;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    struct eo_event event = {
        .kind = EO_EVENT_NOTE,
        .device = sight->label,
        .step = sight->step,
        .steps = sight->steps,
        .phase = EO_PHASE_REBOOT,
        .elapsed_s = eo_net_now() - sight->start_s,
        .text = text,
    };
    sight->events->emit(sight->events->ctx, &event);
}

static enum eo_status interrupted(const struct sight *sight, struct eo_error *err,
                                  const char *format, ...) __attribute__((format(printf, 3, 4)));

static enum eo_status interrupted(const struct sight *sight, struct eo_error *err,
                                  const char *format, ...)
{
    va_list args;
    va_start(args, format);
    eo_error_setv(err, EO_ERR_INTERRUPTED, format, args);
    va_end(args);
    if (err)
        err->signal = eo_cancel_signal(sight->cancel);
    return EO_ERR_INTERRUPTED;
}

/* ---- the reboot wait ---------------------------------------------------------------------- */

struct reboot_wait {
    struct sight sight;
    const struct eo_reboot_options *options;
    const char *name;
    const struct eo_identity *before;
    double deadline_s; /* absolute, eo_net_now() */
    double go_deadline_s;
    struct eo_identity *after;
    bool identified; /* `after` already holds what it runs (from the go check) */
};

static enum eo_status interrupted_in_stage(const struct reboot_wait *wait, struct eo_error *err)
{
    const struct sight *sight = &wait->sight;
    switch (sight->tracker.stage) {
    case EO_REBOOT_UP:
        return interrupted(sight, err,
                           "interrupted while waiting for %s to reboot; it may still "
                           "install the new image",
                           sight->label);
    case EO_REBOOT_GONE:
        return interrupted(sight, err,
                           "interrupted while waiting for %s to come back; it may "
                           "still be copying the new image",
                           sight->label);
    default:
        return interrupted(sight, err, "interrupted while identifying %s after its reboot",
                           sight->label);
    }
}

static enum eo_status not_back(const struct reboot_wait *wait, struct eo_error *err)
{
    return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_CHECK_VERSION,
                           "%s did not come back within %.0f s: it may still be copying the new "
                           "image; if it never answers again, the copy was cut (a power loss "
                           "during it leaves a broken image) and only serial flashing recovers "
                           "it",
                           wait->sight.label,
                           wait->options->timeout_ms ? wait->options->timeout_ms / 1000.0
                                                     : DEFAULT_REBOOT_TIMEOUT_MS / 1000.0);
}

static unsigned ms_until(double deadline_s, unsigned cap)
{
    unsigned left = (unsigned)eo_net_ms_left(deadline_s);
    if (cap && left > cap)
        left = cap;
    return left ? left : 1;
}

static enum eo_status identify_now(struct reboot_wait *wait, bool use_mdns, struct eo_identity *out,
                                   struct eo_error *err)
{
    struct eo_identify_options options = wait->options->identify;
    options.use_mdns = use_mdns;
    options.timeout_ms = ms_until(wait->deadline_s, options.timeout_ms);
    return eo_identify(wait->sight.target, wait->name, &options, out, err);
}

/* It had go_timeout to go and was never seen going: whatever answers now decides. */
static enum eo_status check_went(struct reboot_wait *wait, struct eo_error *err)
{
    struct eo_identity now;
    struct eo_error local;
    eo_error_clear(&local);
    now.sources = 0;
    now.answered = false;
    bool use_mdns = wait->options->identify.use_mdns && !wait->sight.mdns; /* else: watched */
    enum eo_status status = identify_now(wait, use_mdns, &now, &local);
    if (status == EO_ERR_INTERRUPTED)
        return interrupted_in_stage(wait, err);
    if (!now.answered && status == EO_ERR_UNREACHABLE) {
        wait->sight.tracker.stage = EO_REBOOT_GONE; /* nothing answers any more: it is going */
        wait->sight.tracker.gone_s = eo_net_now() - wait->sight.start_s;
        note(&wait->sight, "went away after %.1f s", wait->sight.tracker.gone_s);
        return EO_OK;
    }
    if (status == EO_OK && differs(&wait->before->device, &now.device)) {
        wait->sight.tracker.stage = EO_REBOOT_BACK;
        wait->sight.tracker.back_s = eo_net_now() - wait->sight.start_s;
        *wait->after = now;
        wait->identified = true;
        return EO_OK;
    }
    const struct eo_device *device = &now.device;
    if (device->version[0])
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_RESTART,
                               "%s did not reboot: it still runs %s (%s) %.0f s after the push; "
                               "it may install what it was sent at its next restart",
                               wait->sight.label, device->version, eo_device_kind_name(device),
                               eo_net_now() - wait->sight.start_s);
    return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_RESTART,
                           "%s did not reboot: it still answers %.0f s after the push; it may "
                           "install what it was sent at its next restart",
                           wait->sight.label, eo_net_now() - wait->sight.start_s);
}

/* Until it is back (EO_OK), or the timeouts, or a cancellation. */
static enum eo_status wait_back(struct reboot_wait *wait, struct eo_error *err)
{
    struct sight *sight = &wait->sight;
    while (sight->tracker.stage != EO_REBOOT_BACK) {
        if (eo_cancelled(sight->cancel))
            return interrupted_in_stage(wait, err);
        double now = eo_net_now();
        if (now >= wait->deadline_s)
            return not_back(wait, err);
        if (sight->tracker.stage == EO_REBOOT_UP && now >= wait->go_deadline_s) {
            enum eo_status status = check_went(wait, err);
            if (status != EO_OK)
                return status;
            wait->go_deadline_s = wait->deadline_s; /* checked once */
            continue;
        }
        enum eo_reboot_stage before = sight->tracker.stage;
        if (look(sight) == EO_REBOOT_GONE && before == EO_REBOOT_UP)
            note(sight, "went away after %.1f s", sight->tracker.gone_s);
    }
    return EO_OK;
}

/* A live record announced after it went (or that shows the new version) is fresh. */
static bool fresh_record(const struct sight *sight, unsigned reannouncements_at_start)
{
    return sight->mdns && sight->seen.present && record_settled(sight, eo_net_now()) &&
           (sight->seen.reannouncements > reannouncements_at_start ||
            record_version_differs(&sight->baseline, &sight->seen.device));
}

/* Back on its ports: its new mDNS record usually follows within a moment. */
static void wait_record(struct reboot_wait *wait, unsigned reannouncements_at_start)
{
    struct sight *sight = &wait->sight;
    double until = eo_net_now() + RECORD_AFTER_BACK_S;
    if (until > wait->deadline_s)
        until = wait->deadline_s;
    bool had_record = (wait->before->sources & EO_IDENTIFIED_MDNS) != 0;
    while (sight->mdns && had_record && !fresh_record(sight, reannouncements_at_start) &&
           !eo_cancelled(sight->cancel) && eo_net_now() < until)
        look(sight);
}

/* http and the terminal answer as soon as the device is back, its new mDNS record a second
 * later: when the version is all that is needed, they settle it. */
static bool quick_identify(struct reboot_wait *wait)
{
    struct eo_identity quick;
    struct eo_error local;
    memset(&quick, 0, sizeof quick);
    eo_error_clear(&local);
    if (identify_now(wait, false, &quick, &local) != EO_OK || !quick.device.version[0])
        return false;
    *wait->after = quick;
    return true;
}

static enum eo_status pause_cancellable(const struct sight *sight, unsigned ms)
{
    eo_net_poll_cancellable(NULL, 0, (int)ms, sight->cancel);
    return eo_cancelled(sight->cancel) ? EO_ERR_INTERRUPTED : EO_OK;
}

/* Identifies it once back; a device still booting is asked again until the deadline. */
static enum eo_status identify_back(struct reboot_wait *wait, unsigned reannouncements_at_start,
                                    struct eo_error *err)
{
    struct sight *sight = &wait->sight;
    double silent_since = -1; /* when it first answered without saying its version */
    if (wait->options->version_is_enough && quick_identify(wait))
        return EO_OK;
    wait_record(wait, reannouncements_at_start);
    for (;;) {
        if (eo_cancelled(sight->cancel))
            return interrupted_in_stage(wait, err);
        wait->after->sources = 0;
        if (fresh_record(sight, reannouncements_at_start)) {
            wait->after->device = sight->seen.device;
            wait->after->sources = EO_IDENTIFIED_MDNS;
        }
        enum eo_status status =
            identify_now(wait, wait->options->identify.use_mdns, wait->after, err);
        if (status == EO_ERR_INTERRUPTED)
            return interrupted_in_stage(wait, err);
        if (status == EO_OK)
            return EO_OK;
        /* answering without a version: a device still booting (or crashing again) says more
         * in a moment; a silent 1.14 core without mDNS never does */
        if (wait->after->answered && silent_since < 0)
            silent_since = eo_net_now();
        if (wait->after->answered && eo_net_now() - silent_since >= SILENT_GRACE_S)
            return EO_OK;
        if (eo_net_now() + RETRY_IDENTIFY_MS / 1000.0 >= wait->deadline_s)
            return not_back(wait, err);
        if (pause_cancellable(sight, RETRY_IDENTIFY_MS) != EO_OK)
            return interrupted_in_stage(wait, err);
    }
}

static void fill_seen(const struct reboot_wait *wait, struct eo_reboot_seen *seen)
{
    if (!seen)
        return;
    seen->gone_s = wait->sight.tracker.gone_s;
    seen->back_s = wait->sight.tracker.back_s;
    seen->total_s = eo_net_now() - wait->sight.start_s;
}

static void reboot_wait_open(struct reboot_wait *wait, const struct eo_target *target,
                             const char *name, const struct eo_identity *before,
                             const struct eo_reboot_options *options, struct eo_identity *after)
{
    memset(wait, 0, sizeof *wait);
    wait->options = options;
    wait->name = name && name[0] ? name : target->address;
    wait->before = before;
    wait->after = after;
    sight_open(&wait->sight, target, wait->name, options->identify.use_mdns);
    struct sight *sight = &wait->sight;
    if (options->device_label && options->device_label[0])
        sight->label = options->device_label;
    sight->cancel = options->identify.cancel;
    sight->events = options->events;
    sight->step = options->step;
    sight->steps = options->steps;
    sight->baseline = before->device;
    sight->has_baseline = true;
    unsigned timeout = options->timeout_ms ? options->timeout_ms : DEFAULT_REBOOT_TIMEOUT_MS;
    unsigned go = options->go_timeout_ms ? options->go_timeout_ms : DEFAULT_GO_TIMEOUT_MS;
    wait->deadline_s = sight->start_s + timeout / 1000.0;
    wait->go_deadline_s = sight->start_s + go / 1000.0;
}

enum eo_status eo_watch_reboot(const struct eo_target *target, const char *name,
                               const struct eo_identity *before,
                               const struct eo_reboot_options *options, struct eo_identity *after,
                               struct eo_reboot_seen *seen, struct eo_error *err)
{
    struct reboot_wait wait;
    reboot_wait_open(&wait, target, name, before, options, after);
    unsigned reannouncements_at_start = wait.sight.seen.reannouncements;
    enum eo_status status = wait_back(&wait, err);
    if (status == EO_OK)
        note(&wait.sight, "is back after %.1f s", wait.sight.tracker.back_s);
    if (status == EO_OK && !wait.identified)
        status = identify_back(&wait, reannouncements_at_start, err);
    if (status == EO_OK)
        note(&wait.sight, "is back running %s",
             after->device.version[0] ? after->device.version : "an unknown version");
    fill_seen(&wait, seen);
    sight_close(&wait.sight);
    return status;
}

/* ---- the soak ------------------------------------------------------------------------------ */

enum eo_status eo_watch_soak(const struct eo_target *target, const char *name, unsigned seconds,
                             const struct eo_cancel *cancel, struct eo_error *err)
{
    struct sight sight;
    sight_open(&sight, target, name, true);
    sight.cancel = cancel;
    enum eo_status status = EO_OK;
    double end = sight.start_s + seconds;
    while (status == EO_OK && eo_net_now() < end) {
        if (eo_cancelled(cancel))
            status = interrupted(&sight, err,
                                 "interrupted while watching %s stay up after the "
                                 "upgrade",
                                 sight.label);
        else if (look(&sight) != EO_REBOOT_UP)
            status = eo_error_set(err, EO_ERR_VERIFY, "%s rebooted again %.0f s after the upgrade",
                                  sight.label, eo_net_now() - sight.start_s);
    }
    sight_close(&sight);
    return status;
}
