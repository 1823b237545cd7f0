/* terminal.c — the terminal method: serve the image on the local address facing
 * the device, ask the device over telnet to fetch it (`ota <url>`), then judge the outcome from
 * what the device's TCP acknowledged to the server (never fetched / stopped at N% / every byte
 * taken and the connection closed / every byte taken and no close: unknown) and from the
 * device's "+OK" / "-ERROR" and "[OTA] ..." lines when it prints them. Nothing waits for "+OK":
 * a 1.12–1.14 core build runs the command and prints nothing at all on its terminal. */
#include <stdio.h>
#include <string.h>

#include "espurna-ota/net.h"
#include "espurna-ota/serve.h"
#include "espurna-ota/terminal.h"
#include "espurna-ota/web.h"

#define DRAIN_LINES_MAX 1000u /* lines read per look at the terminal */

#define DEFAULT_CONNECT_MS 10000u
#define DEFAULT_FETCH_MS 30000u
#define DEFAULT_STALL_MS 30000u
#define DEFAULT_LINGER_MS 3000u
#define PROMPT_WAIT_MS 1500u
#define SETTLE_MS 2000u /* after a fetch ended short: time for the device's error line */
#define TICK_MS 100u
#define LOGIN_TRIES 4u /* connections closed at once before the terminal takes one */
#define LOGIN_RETRY_MS 500

/* Everything the watch loop knows. */
struct watch {
    struct eo_serve *server;
    struct eo_telnet *session;
    const struct eo_terminal_options *options;
    const struct eo_target *target;
    struct eo_serve_status status;
    double started;
    double ended_at;       /* when the last fetch ended with none running, 0 while one runs */
    uint64_t shown;        /* acknowledged bytes last reported as progress */
    char device_line[256]; /* the last "[OTA] ..." line */
    enum eo_term_line device_kind; /* its kind, EO_TERM_TEXT when none */
    char answer[256];              /* the device's answer to `ota <url>`: "+OK", "-ERROR: ..." */
    enum eo_term_line answer_kind; /* EO_TERM_TEXT while it said nothing */
    bool printed;                  /* the device printed anything at all since the command */
};

static unsigned or_default(unsigned value, unsigned fallback)
{
    return value ? value : fallback;
}

static enum eo_status local_address(const struct eo_target *target,
                                    const struct eo_terminal_options *options,
                                    char out[EO_NET_ADDRESS_MAX], struct eo_error *err)
{
    if (options->serve_address) {
        snprintf(out, EO_NET_ADDRESS_MAX, "%s", options->serve_address);
        return EO_OK;
    }
    return eo_net_local_address_for(target->address, out, err);
}

static enum eo_status start_server(const struct eo_target *target, const struct eo_image *image,
                                   const struct eo_terminal_options *options,
                                   struct eo_serve **server, struct eo_error *err)
{
    char address[EO_NET_ADDRESS_MAX];
    enum eo_status status = local_address(target, options, address, err);
    if (status != EO_OK)
        return status;
    struct eo_serve_options serve = {
        .bind_address = address,
        .port = options->serve_port,
        .allow_address = options->serve_allow_any ? NULL : target->address,
        .stall_timeout_ms = or_default(options->stall_timeout_ms, DEFAULT_STALL_MS),
    };
    return eo_serve_start(&serve, image->data, image->size, server, err);
}

/* Reads whatever log lines the device printed meanwhile; keeps the last "[OTA] ..." one. */
static void drain_terminal(struct watch *watch)
{
    char line[256];
    unsigned lines = 0; /* a device that never stops printing still lets the watch go on */
    while (lines++ < DRAIN_LINES_MAX && !watch->session->closed &&
           eo_telnet_read_line(watch->session, 0, line, sizeof line) == 1) {
        enum eo_term_line kind = eo_terminal_classify(line);
        watch->printed = true;
        if (kind == EO_TERM_OTA_SUCCESS || kind == EO_TERM_OTA_ERROR) {
            watch->device_kind = kind;
            snprintf(watch->device_line, sizeof watch->device_line, "%s", line);
        } else if (watch->answer_kind == EO_TERM_TEXT &&
                   (kind == EO_TERM_OK || kind == EO_TERM_ERROR || kind == EO_TERM_AUTH_FAILED ||
                    kind == EO_TERM_PROMPT || kind == EO_TERM_PROMPT_RETRY ||
                    kind == EO_TERM_PROMPT_ONE_TRY)) {
            watch->answer_kind = kind;
            snprintf(watch->answer, sizeof watch->answer, "%s", line);
        }
    }
}

static void report_progress(struct watch *watch)
{
    if (!watch->options->progress || watch->status.best_confirmed == watch->shown)
        return;
    watch->shown = watch->status.best_confirmed;
    struct eo_progress progress = {.done = watch->shown,
                                   .total = watch->status.size,
                                   .elapsed_s = eo_net_now() - watch->started};
    watch->options->progress(watch->options->progress_ctx, &progress);
}

/* One tick: waits for the server to change (or TICK_MS), then reads the terminal. */
static void tick(struct watch *watch)
{
    eo_serve_wait_change(watch->server, watch->status.generation, TICK_MS, &watch->status);
    report_progress(watch);
    if (watch->status.requests == 0 || watch->status.active > 0)
        watch->ended_at = 0;
    else if (watch->ended_at == 0)
        watch->ended_at = eo_net_now();
    drain_terminal(watch);
}

static enum eo_status interrupted(struct watch *watch, struct eo_error *err)
{
    eo_serve_get_status(watch->server, &watch->status); /* where the device stands, now */
    return eo_push_interrupted(watch->options->cancel, watch->target->name,
                               watch->status.best_confirmed, watch->status.size,
                               watch->status.requests > 0, err);
}

/* The device printed "[OTA] <error>": judge it as the web path's replies are judged. */
static enum eo_status device_error(struct watch *watch, struct eo_error *err)
{
    const char *text = watch->device_line;
    if (strncmp(text, "[OTA]", 5) == 0)
        text += 5;
    while (*text == ' ')
        text++;
    if (watch->status.requests == 0 && eo_updater_error_code(text) < 0)
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_FETCH_BACK,
                               "device never fetched the image from %s (it says '%s': firewall "
                               "or routing)",
                               eo_serve_base_url(watch->server),
                               eo_terminal_error_text(watch->device_line));
    struct eo_web_reply_context ctx = {.device = watch->target->name,
                                       .image_size = watch->status.size,
                                       .password_given = true,
                                       .via = "terminal ota"};
    enum eo_status status = eo_web_classify(200, text, &ctx, err);
    if (status != EO_ERR_TRANSFER)
        return status;
    return eo_error_hinted(err, EO_ERR_TRANSFER, EO_HINT_RETRY,
                           "%s: fetch stopped at %u%% (it says '%s')", watch->target->name,
                           eo_serve_percent(&watch->status),
                           eo_terminal_error_text(watch->device_line));
}

/* After a complete delivery: gives the device a moment to say how it went. */
static enum eo_status after_delivery(struct watch *watch, struct eo_error *err)
{
    double until = eo_net_now() + or_default(watch->options->linger_ms, DEFAULT_LINGER_MS) / 1000.0;
    while (watch->device_kind == EO_TERM_TEXT && !watch->session->closed &&
           !eo_cancelled(watch->options->cancel) && eo_net_now() < until)
        tick(watch);
    if (watch->device_kind == EO_TERM_OTA_ERROR)
        return device_error(watch, err);
    if (eo_cancelled(watch->options->cancel))
        return interrupted(watch, err);
    return EO_OK;
}

static enum eo_status never_fetched(struct watch *watch, struct eo_error *err)
{
    if (!watch->printed)
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_FETCH_BACK,
                               "device never fetched the image from %s, and its terminal printed "
                               "nothing (1.12-1.14 core builds never do): it cannot reach this "
                               "host (firewall or routing), or it did not take the command (busy "
                               "with another update or another terminal client)",
                               eo_serve_base_url(watch->server));
    return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_FETCH_BACK,
                           "device never fetched the image from %s (it cannot reach this host: "
                           "firewall or routing)",
                           eo_serve_base_url(watch->server));
}

/* The device answered the command itself with a refusal or a password prompt. */
static enum eo_status command_refused(struct watch *watch, struct eo_error *err)
{
    const char *name = watch->target->name;
    switch (watch->answer_kind) {
    case EO_TERM_AUTH_FAILED:
    case EO_TERM_PROMPT:
    case EO_TERM_PROMPT_RETRY:
    case EO_TERM_PROMPT_ONE_TRY:
        return eo_error_hinted(err, EO_ERR_AUTH, EO_HINT_PASSWORD_MISSING,
                               "the terminal of %s asks for a password", name);
    default:
        return eo_error_set(err, EO_ERR_REFUSED, "%s refused 'ota': %s", name,
                            eo_terminal_error_text(watch->answer));
    }
}

/* Every byte acknowledged, and the device neither closed the connection nor said anything. */
static enum eo_status outcome_unknown(struct watch *watch, struct eo_error *err)
{
    return eo_error_hinted(err, EO_ERR_UNKNOWN, EO_HINT_CHECK_VERSION,
                           "%s acknowledged all %llu bytes of the image but did not close the "
                           "connection: it may install the image and reboot",
                           watch->target->name, (unsigned long long)watch->status.size);
}

/* The last fetch ended short of a complete delivery. */
static enum eo_status stopped(struct watch *watch, struct eo_error *err)
{
    const struct eo_serve_status *st = &watch->status;
    if (st->last_end == EO_SERVE_END_RESET)
        return eo_error_hinted(err, EO_ERR_TRANSFER, EO_HINT_RETRY,
                               "%s: fetch broken off: the device acknowledged all %llu bytes, "
                               "then reset the connection (it dropped what it had not read)",
                               watch->target->name, (unsigned long long)st->size);
    return eo_error_hinted(
        err, EO_ERR_TRANSFER, EO_HINT_RETRY,
        "%s: fetch %s at %u%% (%llu of %llu bytes acknowledged)", watch->target->name,
        st->last_end == EO_SERVE_END_STALLED ? "stalled" : "stopped", eo_serve_percent(st),
        (unsigned long long)st->best_confirmed, (unsigned long long)st->size);
}

/* Returns true with *status set once the outcome is known. */
static bool judge(struct watch *watch, enum eo_status *status, struct eo_error *err)
{
    double now = eo_net_now();
    const struct eo_serve_status *st = &watch->status;
    if (eo_cancelled(watch->options->cancel))
        *status = interrupted(watch, err);
    else if (st->complete)
        *status = after_delivery(watch, err);
    else if (st->unknown && st->active == 0)
        *status = watch->device_kind == EO_TERM_OTA_SUCCESS ? EO_OK : outcome_unknown(watch, err);
    else if (watch->device_kind == EO_TERM_OTA_ERROR && st->active == 0)
        *status = device_error(watch, err);
    else if (watch->answer_kind != EO_TERM_TEXT && watch->answer_kind != EO_TERM_OK &&
             st->requests == 0)
        *status = command_refused(watch, err);
    else if (st->requests == 0 &&
             now - watch->started >
                 or_default(watch->options->fetch_timeout_ms, DEFAULT_FETCH_MS) / 1000.0)
        *status = never_fetched(watch, err);
    else if (watch->ended_at > 0 && now - watch->ended_at > SETTLE_MS / 1000.0)
        *status = stopped(watch, err);
    else
        return false;
    return true;
}

static enum eo_status watch_fetch(struct watch *watch, struct eo_error *err)
{
    enum eo_status status;
    watch->started = eo_net_now();
    for (;;) {
        tick(watch);
        if (judge(watch, &status, err))
            return status;
    }
}

/* Connects and logs in. The terminal takes one client at a time and closes the others at once:
 * a session that just ended (identifying the device after its reboot) may hold it a moment
 * longer, so a connection closed before any prompt is tried again, LOGIN_TRIES times at most. */
static enum eo_status open_session(struct eo_telnet *session, const struct eo_target *target,
                                   const struct eo_terminal_options *options, struct eo_error *err)
{
    enum eo_status status = EO_OK;
    for (unsigned tries = 0; tries < LOGIN_TRIES; tries++) {
        if (tries > 0) {
            eo_telnet_close(session);
            eo_net_poll_cancellable(NULL, 0, LOGIN_RETRY_MS, options->cancel);
        }
        status = eo_telnet_connect(session, target->name, target->address, target->telnet_port,
                                   or_default(options->connect_timeout_ms, DEFAULT_CONNECT_MS),
                                   options->cancel, err);
        if (status == EO_OK)
            status = eo_telnet_login(session, options->password, PROMPT_WAIT_MS, err);
        bool closed_at_once =
            status == EO_ERR_UNREACHABLE && session->closed && !session->authenticated;
        if (!closed_at_once || eo_cancelled(options->cancel))
            return status;
    }
    return status;
}

/* Logs in and sends `ota <url>`; the answer, if any, is read while the fetch is watched. */
static enum eo_status request_fetch(struct eo_telnet *session, const struct eo_target *target,
                                    const struct eo_terminal_options *options,
                                    struct eo_serve *server, struct eo_error *err)
{
    char command[256];
    enum eo_status status = open_session(session, target, options, err);
    if (status != EO_OK)
        return status;
    snprintf(command, sizeof command, "ota %s", eo_serve_url(server));
    status = eo_telnet_send(session, command, err);
    explicit_bzero(command, sizeof command);
    return status;
}

/* Interrupted while talking to the terminal: the server knows whether the device had started
 * fetching already. */
static enum eo_status interrupted_early(const struct eo_target *target,
                                        const struct eo_terminal_options *options,
                                        struct eo_serve *server, struct eo_error *err)
{
    struct eo_serve_status st;
    eo_serve_get_status(server, &st);
    return eo_push_interrupted(options->cancel, target->name, st.best_confirmed, st.size,
                               st.requests > 0, err);
}

enum eo_status eo_terminal_push(const struct eo_target *target, const struct eo_image *image,
                                const struct eo_terminal_options *options,
                                struct eo_push_result *result, struct eo_error *err)
{
    struct eo_serve *server = NULL;
    struct eo_telnet session = {.fd = -1};
    double started = eo_net_now();
    memset(result, 0, sizeof *result);
    enum eo_status status = start_server(target, image, options, &server, err);
    if (status == EO_OK)
        status = request_fetch(&session, target, options, server, err);
    if (status == EO_ERR_INTERRUPTED)
        status = interrupted_early(target, options, server, err);
    if (status == EO_OK) {
        struct watch watch = {.server = server,
                              .session = &session,
                              .options = options,
                              .target = target,
                              .device_kind = EO_TERM_TEXT};
        status = watch_fetch(&watch, err);
        result->bytes_confirmed = watch.status.best_confirmed;
        snprintf(result->device_reply, sizeof result->device_reply, "%s",
                 watch.device_line[0] ? watch.device_line : watch.answer);
    }
    eo_telnet_close(&session);
    eo_serve_stop(server);
    result->status = status;
    result->seconds = eo_net_now() - started;
    return status;
}
