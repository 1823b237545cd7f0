/* espota.c — pushes one image to one device over ArduinoOTA ("espota"):
 *   1. check the image against what is known of the device (flash size);
 *   2. listen on TCP on the local address that faces the device (route lookup);
 *   3. invite the device from one UDP socket ("0 <port> <size> <md5>\n"), re-sending on
 *      silence, and answer its AUTH challenge from the same socket; a device left waiting for
 *      an answer we cannot give is put back to idle;
 *   4. accept the connection back from the device's own address only, and stream the image:
 *      at most a window of bytes not yet confirmed in flight (window 1 = stop-and-wait like the
 *      reference espota.py), the kernel's send buffer kept about the window's size;
 *   5. read the verdict ("OK" / "ERROR[n]: text").
 * Progress, rate and every percentage are the bytes the device's counts confirmed; the verdict
 * timer starts when it has confirmed the last byte; silence is a stall only when neither its
 * counts nor its TCP (tcp_watch) showed life for longer than a slow device needs. Outcomes are
 * values: every failure fills eo_error with a message naming the device and a hint. */
#include "espurna-ota/espota.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "espurna-ota/net.h"
#include "espurna-ota/tcp_watch.h"

#define RESYNC_MS 1000           /* window full, device silent: pace on without its count */
#define ERROR_LINE_GRACE_MS 2000 /* wait for the rest of an error line */
#define TICK_MS 100              /* the stream wakes this often to check the clocks and cancel */
#define SAMPLE_MS 50             /* TCP_INFO at most this often */
#define DEVICE_LABEL_MAX 340
#define IDLE_DATAGRAM "1\n"
#define RECEIVE_READS_MAX                                                                          \
    16 /* reads per wake-up: a device that never stops talking still lets
                              * the stream send and look at its clocks */ /* first number neither 0, 100 nor 200: back to idle, no answer */

struct session {
    const struct eo_target *target;
    const struct eo_image *image;
    const struct eo_espota_options *opt;
    struct eo_push_result *result;
    char label[DEVICE_LABEL_MAX]; /* "name (address)" for messages */
    char local[EO_NET_ADDRESS_MAX];
    uint16_t port;
    int listen_fd, udp_fd, data_fd;
    bool awaiting_auth; /* the device challenged us and waits for "200 ..." */
    unsigned strangers; /* connections refused because they came from another address */
    double data_started;
};

void eo_espota_options_init(struct eo_espota_options *options)
{
    memset(options, 0, sizeof *options);
    options->window = EO_ESPOTA_DEFAULT_WINDOW;
    options->chunk_size = EO_ESPOTA_DEFAULT_CHUNK;
    options->invite_timeout_ms = EO_ESPOTA_DEFAULT_INVITE_MS;
    options->invite_tries = EO_ESPOTA_DEFAULT_INVITE_TRIES;
    options->connect_timeout_ms = EO_ESPOTA_DEFAULT_CONNECT_MS;
    options->stall_timeout_ms = EO_ESPOTA_DEFAULT_STALL_MS;
    options->result_timeout_ms = EO_ESPOTA_DEFAULT_RESULT_MS;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void make_label(struct session *s)
{
    const struct eo_target *t = s->target;
    if (t->name[0] && strcmp(t->name, t->address) != 0)
        snprintf(s->label, sizeof s->label, "%s (%s)", t->name, t->address);
    else
        snprintf(s->label, sizeof s->label, "%s", t->address);
}

static bool cancelled(const struct session *s)
{
    return eo_cancelled(s->opt->cancel);
}

/* ---- 1. image against device ------------------------------------------------------------ */

static uint32_t built_for(const struct eo_image *image)
{
    const struct eo_image_header *header = eo_image_flash_header(image);
    return header ? eo_flash_size_bytes(header->flash_size_code) : 0;
}

static enum eo_status check_image(const struct session *s, struct eo_error *err)
{
    const struct eo_image *image = s->image;
    if (!image->data || image->size == 0)
        return eo_error_set(err, EO_ERR_IMAGE, "%s: not a firmware image", image->path);
    uint32_t device = s->opt->device_flash_size;
    if (device && built_for(image) > device)
        return eo_error_hinted(err, EO_ERR_NOFIT, EO_HINT_FLASH_SIZE,
                               "%s is built for %u KiB "
                               "of flash but device %s has %u KiB; it would not boot there",
                               base_name(image->path), built_for(image) / 1024, s->label,
                               device / 1024);
    return EO_OK;
}

/* ---- 2. sockets ------------------------------------------------------------------------- */

static enum eo_status open_listener(struct session *s, struct eo_error *err)
{
    struct sockaddr_storage addr;
    socklen_t len;
    enum eo_status status = eo_net_local_address_for(s->target->address, s->local, err);
    if (status == EO_OK)
        status = eo_net_sockaddr(s->local, s->opt->host_port, &addr, &len, err);
    if (status != EO_OK)
        return status;
    int one = 1;
    s->listen_fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s->listen_fd, (struct sockaddr *)&addr, len) != 0 || listen(s->listen_fd, 4) != 0)
        return eo_error_set(err, s->opt->host_port ? EO_ERR_USAGE : EO_ERR_INTERNAL,
                            "cannot listen on %s:%u for device %s: %s", s->local,
                            (unsigned)s->opt->host_port, s->label, strerror(errno));
    s->port = eo_net_bound_port(s->listen_fd);
    return EO_OK;
}

/* A UDP socket bound to the local address (the device answers to its source) and connected to
 * the device, so only its answers arrive and "port unreachable" shows as ECONNREFUSED. */
static enum eo_status open_udp(struct session *s, struct eo_error *err)
{
    struct sockaddr_storage local, device;
    socklen_t local_len, device_len;
    enum eo_status status = eo_net_sockaddr(s->local, 0, &local, &local_len, err);
    if (status == EO_OK)
        status =
            eo_net_sockaddr(s->target->address, s->target->espota_port, &device, &device_len, err);
    if (status != EO_OK)
        return status;
    s->udp_fd = socket(device.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s->udp_fd < 0 || bind(s->udp_fd, (struct sockaddr *)&local, local_len) != 0 ||
        connect(s->udp_fd, (struct sockaddr *)&device, device_len) != 0)
        return eo_error_set(err, EO_ERR_UNREACHABLE, "cannot send to device %s port %u: %s",
                            s->label, (unsigned)s->target->espota_port, strerror(errno));
    return EO_OK;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Closes with a reset: what still waits in our send buffer is thrown away instead of being
 * delivered after we gave up, so a device that did not get everything cannot finish later. */
static void abort_connection(int *fd)
{
    struct linger reset = {.l_onoff = 1, .l_linger = 0};
    if (*fd >= 0)
        setsockopt(*fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close_fd(fd);
}

static int wait_events(const struct session *s, struct pollfd *fds, nfds_t count, int ms)
{
    return eo_net_poll_cancellable(fds, count, ms, s->opt->cancel);
}

/* ---- 3. invitation and authentication ------------------------------------------------- */

enum udp_event { UDP_ANSWER, UDP_SILENCE, UDP_CONNECTED, UDP_REFUSED, UDP_FAILED };

static bool take_connection(struct session *s);

/* Sends one datagram and waits for the device's answer. A connection arriving meanwhile is
 * taken when it is the device's (its answer got lost, but it is here); another host's is
 * refused and the wait goes on. */
static enum udp_event send_and_wait(struct session *s, const char *datagram, char *answer,
                                    size_t cap)
{
    if (send(s->udp_fd, datagram, strlen(datagram), 0) < 0)
        return errno == ECONNREFUSED ? UDP_REFUSED : UDP_FAILED;
    double deadline = eo_net_now() + s->opt->invite_timeout_ms / 1000.0;
    for (;;) {
        struct pollfd fds[2] = {{.fd = s->udp_fd, .events = POLLIN},
                                {.fd = s->listen_fd, .events = POLLIN}};
        int rc = wait_events(s, fds, 2, eo_net_ms_left(deadline));
        if (rc <= 0)
            return rc == 0 ? UDP_SILENCE : UDP_FAILED;
        if ((fds[1].revents & POLLIN) && take_connection(s))
            return UDP_CONNECTED;
        if (!(fds[0].revents & (POLLIN | POLLERR)))
            continue;
        ssize_t n = recv(s->udp_fd, answer, cap - 1, 0);
        if (n < 0)
            return errno == ECONNREFUSED ? UDP_REFUSED : UDP_FAILED;
        answer[n] = '\0';
        answer[strcspn(answer, "\r\n")] = '\0';
        return UDP_ANSWER;
    }
}

/* A device waiting for our auth answer takes the next datagram as that answer; one whose first
 * number is not 200 puts it back to idle, silently (an idle device ignores it). */
static void release_device(struct session *s)
{
    if (s->awaiting_auth && s->udp_fd >= 0)
        (void)send(s->udp_fd, IDLE_DATAGRAM, strlen(IDLE_DATAGRAM), 0);
    s->awaiting_auth = false;
}

static enum eo_status not_enough_space(struct session *s, const char *text, struct eo_error *err)
{
    const struct eo_image *image = s->image;
    uint32_t sectors = (uint32_t)((image->size + EO_SECTOR_SIZE - 1) / EO_SECTOR_SIZE);
    char free_text[96] = "";
    if (s->opt->device_free_space)
        snprintf(free_text, sizeof free_text, " and the device has %u bytes (%u KiB) free",
                 s->opt->device_free_space, s->opt->device_free_space / 1024);
    if (built_for(image) > 1024u * 1024u && !s->opt->device_flash_size)
        return eo_error_hinted(err, EO_ERR_NOFIT, EO_HINT_NONE,
                               "device %s has not enough space "
                               "for %s (%s): the image needs %zu bytes (%u sectors)%s and is "
                               "built for %u MB of flash; a device with less flash can never "
                               "boot it (use the build for its flash size), one with %u MB "
                               "needs a core image built for %u MB first",
                               s->label, base_name(image->path), text, image->size, sectors,
                               free_text, built_for(image) >> 20, built_for(image) >> 20,
                               built_for(image) >> 20);
    return eo_error_hinted(err, EO_ERR_NOFIT, EO_HINT_TWO_STEP,
                           "device %s has not enough space "
                           "for %s (%s): the image needs %zu bytes (%u sectors)%s",
                           s->label, base_name(image->path), text, image->size, sectors, free_text);
}

/* "ERR: ERROR[n]: text" answered to the invitation: the device's Update.begin failed. */
static enum eo_status refused(struct session *s, const char *answer, struct eo_error *err)
{
    const char *text = strncmp(answer, "ERR: ", 5) == 0 ? answer + 5 : answer;
    int code = eo_updater_error_code(text);
    enum eo_status status;
    snprintf(s->result->device_reply, sizeof s->result->device_reply, "%s", text);
    if (code == 4)
        status = not_enough_space(s, text, err);
    else if (code == 15)
        status = eo_error_hinted(err, EO_ERR_REFUSED, EO_HINT_BUSY,
                                 "device %s is busy with "
                                 "another update (%s)",
                                 s->label, text);
    else if (code == 8)
        status = eo_error_set(err, EO_ERR_REFUSED,
                              "device %s refused the update: %s (the "
                              "running firmware's flash configuration does not match the chip; "
                              "it needs a serial flash)",
                              s->label, text);
    else
        status =
            eo_error_set(err, EO_ERR_REFUSED, "device %s refused the update: %s", s->label, text);
    if (err)
        err->updater_code = code;
    return status;
}

static enum eo_status auth_reply(struct session *s, const char *nonce, char *datagram, size_t cap,
                                 struct eo_error *err)
{
    const char *password = s->opt->password;
    char cnonce[EO_ESPOTA_AUTH_HEX_MAX], response[EO_ESPOTA_AUTH_HEX_MAX];
    s->awaiting_auth = true;
    if (!password || !password[0])
        return eo_error_hinted(err, EO_ERR_AUTH, EO_HINT_PASSWORD_MISSING,
                               "device %s asks for "
                               "a password and none was given",
                               s->label);
    enum eo_status status =
        eo_espota_auth_compute(password, nonce, base_name(s->image->path), s->image->size,
                               s->image->md5, s->target->address, cnonce, response, err);
    if (status != EO_OK)
        return status;
    snprintf(datagram, cap, "200 %s %s\n", cnonce, response);
    return EO_OK;
}

/* Reacts to one answer. Returns EO_OK with *accepted when the device will connect back, EO_OK
 * with a new datagram to send (auth reply), or the failure. */
static enum eo_status on_answer(struct session *s, const char *answer, char *datagram, size_t cap,
                                bool *accepted, struct eo_error *err)
{
    s->awaiting_auth = false; /* any answer ends a wait for our auth reply */
    if (strcmp(answer, "OK") == 0) {
        *accepted = true;
        return EO_OK;
    }
    if (strncmp(answer, "AUTH ", 5) == 0)
        return auth_reply(s, answer + 5, datagram, cap, err);
    snprintf(s->result->device_reply, sizeof s->result->device_reply, "%s", answer);
    if (strstr(answer, "Authentication Failed"))
        return eo_error_hinted(err, EO_ERR_AUTH, EO_HINT_PASSWORD_WRONG,
                               "device %s rejected "
                               "the password",
                               s->label);
    if (strncmp(answer, "ERR", 3) == 0)
        return refused(s, answer, err);
    return eo_error_set(err, EO_ERR_REFUSED,
                        "device %s answered the invitation with '%.80s'; "
                        "is it an ArduinoOTA device?",
                        s->label, answer);
}

static enum eo_status no_answer(struct session *s, enum udp_event event, unsigned invitations,
                                unsigned challenges, struct eo_error *err)
{
    if (event == UDP_REFUSED)
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_NO_ESPOTA,
                               "nothing listens "
                               "for espota on device %s port %u (connection refused): its "
                               "firmware has no ArduinoOTA (minimal-webui builds), or it is "
                               "rebooting",
                               s->label, (unsigned)s->target->espota_port);
    if (event == UDP_FAILED)
        return eo_error_set(err, EO_ERR_UNREACHABLE, "cannot talk to device %s: %s", s->label,
                            strerror(errno));
    if (challenges > 0)
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_RETRY,
                               "device %s asked for the "
                               "password %u time%s but never answered our reply to its "
                               "challenge (%u invitation%s on UDP port %u, %.1f s each); the "
                               "reply may be lost on the way",
                               s->label, challenges, challenges == 1 ? "" : "s", invitations,
                               invitations == 1 ? "" : "s", (unsigned)s->target->espota_port,
                               s->opt->invite_timeout_ms / 1000.0);
    return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_RETRY,
                           "device %s did not answer "
                           "%u invitation%s on UDP port %u (%.1f s each); is it on, reachable "
                           "and not busy with another update?",
                           s->label, invitations, invitations == 1 ? "" : "s",
                           (unsigned)s->target->espota_port, s->opt->invite_timeout_ms / 1000.0);
}

static enum eo_status handshake(struct session *s, struct eo_error *err)
{
    char invitation[128], datagram[160], answer[256];
    unsigned tries = s->opt->invite_tries ? s->opt->invite_tries : 1;
    unsigned invitations = 0, challenges = 0;
    snprintf(invitation, sizeof invitation, "0 %u %zu %s\n", (unsigned)s->port, s->image->size,
             s->image->md5);
    snprintf(datagram, sizeof datagram, "%s", invitation);
    for (;;) {
        if (strcmp(datagram, invitation) == 0)
            invitations++; /* an auth reply is not an invitation */
        enum udp_event event = send_and_wait(s, datagram, answer, sizeof answer);
        if (cancelled(s))
            return eo_push_interrupted(s->opt->cancel, s->label, 0, s->image->size, false, err);
        if (event == UDP_CONNECTED)
            return EO_OK;
        if (event == UDP_ANSWER) {
            bool accepted = false;
            challenges += strncmp(answer, "AUTH ", 5) == 0;
            enum eo_status status = on_answer(s, answer, datagram, sizeof datagram, &accepted, err);
            if (status != EO_OK || accepted)
                return status;
        } else if (event != UDP_SILENCE || invitations >= tries) {
            return no_answer(s, event, invitations, challenges, err);
        } else {
            /* silence: start over with an invitation (a device that lost our auth reply goes
             * back to idle when it sees one; the next one gets a fresh challenge) */
            s->awaiting_auth = false;
            snprintf(datagram, sizeof datagram, "%s", invitation);
        }
    }
}

/* ---- 4. connection back ---------------------------------------------------------------- */

/* Whether a connection comes from the device's own address. */
static bool from_device(const struct session *s, const struct sockaddr_storage *peer)
{
    char seen[INET6_ADDRSTRLEN], expected[INET6_ADDRSTRLEN];
    eo_net_address_text((const struct sockaddr *)peer, seen, sizeof seen);
    return seen[0] && eo_net_canonical_address(s->target->address, expected, sizeof expected) &&
           strcmp(seen, expected) == 0;
}

/* Takes one pending connection: true when it is the device's (kept in data_fd); another
 * host's is closed and counted. */
static bool take_connection(struct session *s)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    int fd = accept4(s->listen_fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return false;
    if (!from_device(s, &peer)) {
        abort_connection(&fd);
        s->strangers++;
        return false;
    }
    s->data_fd = fd;
    return true;
}

static enum eo_status never_connected(const struct session *s, struct eo_error *err)
{
    char strangers[96] = "";
    if (s->strangers)
        snprintf(strangers, sizeof strangers, " (%u connection%s from other hosts refused)",
                 s->strangers, s->strangers == 1 ? "" : "s");
    return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_CONNECT_BACK,
                           "device %s accepted "
                           "the invitation but never connected back to %s:%u within %.1f s%s; "
                           "a firewall on this host may block incoming TCP, or the device "
                           "cannot route to %s; or it could not begin the update and said "
                           "nothing, as firmware built with Arduino core 2.3.0 (ESPurna 1.14) "
                           "does when %zu bytes do not fit beside its running image",
                           s->label, s->local, (unsigned)s->port,
                           s->opt->connect_timeout_ms / 1000.0, strangers, s->local,
                           s->image->size);
}

static enum eo_status accept_device(struct session *s, struct eo_error *err)
{
    double deadline = eo_net_now() + s->opt->connect_timeout_ms / 1000.0;
    while (s->data_fd < 0) {
        struct pollfd fd = {.fd = s->listen_fd, .events = POLLIN};
        int rc = wait_events(s, &fd, 1, eo_net_ms_left(deadline));
        if (cancelled(s))
            return eo_push_interrupted(s->opt->cancel, s->label, 0, s->image->size, false, err);
        if (rc <= 0)
            return never_connected(s, err);
        take_connection(s);
    }
    int one = 1;
    setsockopt(s->data_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    close_fd(&s->listen_fd);
    return EO_OK;
}

/* ---- 5. streaming and verdict ------------------------------------------------------------ */

struct transfer {
    size_t sent;             /* bytes written to the socket (some may still be queued here) */
    size_t retired;          /* bytes the window no longer holds: confirmed, or paced past */
    uint64_t confirmed;      /* bytes the device's counts confirmed */
    double confirmed_at;     /* when the last count (or the verdict) arrived */
    double all_confirmed_at; /* when the counts reached the image size: the verdict timer */
    size_t window_bytes;     /* at most this many bytes sent and not retired */
    size_t chunk;
    bool stop_and_wait;
    double last_send, last_sample;
    struct eo_tcp_sample tcp;  /* the latest reading of the connection */
    struct eo_tcp_watch watch; /* the stall rule */
    struct eo_espota_reply reply;
    bool closed;
    bool overclaimed;          /* its counts claimed more than was sent: no count is taken since */
    char overclaim_digits[28]; /* what the first such feed said (its digits, cut) */
    size_t overclaim_sent;     /* bytes sent then */
};

static double since_start(const struct session *s, double when)
{
    return when > s->data_started ? when - s->data_started : 0.0;
}

static void report_progress(struct session *s, const struct transfer *t)
{
    if (!s->opt->progress)
        return;
    struct eo_progress progress = {.done = t->confirmed,
                                   .total = s->image->size,
                                   .elapsed_s = since_start(s, t->confirmed_at)};
    s->opt->progress(s->opt->progress_ctx, &progress);
}

static unsigned percent(const struct session *s, uint64_t bytes)
{
    return (unsigned)(s->image->size ? bytes * 100 / s->image->size : 0);
}

/* What the device's TCP acknowledged, never less than what its counts confirmed. */
static uint64_t received(const struct transfer *t)
{
    return t->tcp.acked > t->confirmed ? t->tcp.acked : t->confirmed;
}

static bool took_everything(const struct session *s, const struct transfer *t)
{
    return received(t) >= s->image->size;
}

static bool may_send(const struct transfer *t, size_t size)
{
    if (t->sent >= size)
        return false;
    if (t->stop_and_wait)
        return t->retired >= t->sent;
    return t->sent - t->retired < t->window_bytes;
}

/* Sends as much as the window and the socket take. false on a broken connection. */
static bool send_some(struct session *s, struct transfer *t)
{
    size_t size = s->image->size;
    while (may_send(t, size)) {
        size_t room = t->stop_and_wait ? t->chunk : t->window_bytes - (t->sent - t->retired);
        size_t len = size - t->sent < room ? size - t->sent : room;
        if (len > t->chunk)
            len = t->chunk;
        ssize_t n = send(s->data_fd, s->image->data + t->sent, len, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        t->sent += (size_t)n;
        t->last_send = eo_net_now();
        if (t->stop_and_wait)
            break;
    }
    return true;
}

/* The counts ran ahead of the data: from now on they confirm nothing, and the verdict timer
 * starts once the device's TCP took every byte (see verdict_clock). */
static void on_overclaim(struct transfer *t)
{
    t->overclaimed = true;
    size_t len = strlen(t->reply.digits);
    snprintf(t->overclaim_digits, sizeof t->overclaim_digits, "%.20s%s", t->reply.digits,
             len > 20 ? "..." : "");
    t->overclaim_sent = t->sent;
}

/* The device confirmed bytes: progress, the window, and the verdict timer once all are in. */
static void on_counts(struct session *s, struct transfer *t, const char *digits)
{
    double now = eo_net_now();
    bool over = false;
    if (t->stop_and_wait)
        t->retired = t->sent; /* any reply lets the reference send the next chunk */
    if (t->overclaimed)
        return;
    uint64_t credit = eo_espota_counts_read(digits, t->sent - t->confirmed, s->image->size, &over);
    if (over)
        on_overclaim(t);
    if (credit == 0)
        return;
    t->confirmed += credit;
    t->confirmed_at = now;
    if (t->retired < t->confirmed)
        t->retired = (size_t)t->confirmed;
    if (t->confirmed >= s->image->size && t->all_confirmed_at == 0)
        t->all_confirmed_at = now;
    eo_tcp_watch_confirmed(&t->watch, t->confirmed, now);
    report_progress(s, t);
}

static void sample(struct session *s, struct transfer *t, bool now_anyway)
{
    double now = eo_net_now();
    if (!now_anyway && now - t->last_sample < SAMPLE_MS / 1000.0)
        return;
    t->last_sample = now;
    eo_tcp_sample(s->data_fd, &t->tcp);
    eo_tcp_watch_feed(&t->watch, &t->tcp, now);
}

/* Reads what is there. Marks the connection closed on EOF or error. */
static void receive_some(struct session *s, struct transfer *t)
{
    char buf[4096];
    for (int reads = 0; reads < RECEIVE_READS_MAX; reads++) {
        ssize_t n = recv(s->data_fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (eo_espota_reply_feed(&t->reply, buf, (size_t)n) > 0)
                on_counts(s, t, t->reply.digits);
            if (eo_espota_reply_verdict(&t->reply) != EO_ESPOTA_VERDICT_NONE)
                eo_tcp_watch_confirmed(&t->watch, t->confirmed, eo_net_now());
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            sample(s, t, true);
            t->closed = true;
            eo_espota_reply_close(&t->reply);
        }
        return;
    }
}

static enum eo_status verdict_error(struct session *s, const struct transfer *t,
                                    struct eo_error *err)
{
    const char *text = eo_espota_reply_text(&t->reply);
    const char *why = "";
    enum eo_hint hint = EO_HINT_NONE;
    int code = eo_updater_error_code(text);
    switch (code) {
    case 6:
        why = "; the device timed out waiting for data";
        hint = EO_HINT_RETRY;
        break;
    case 7:
        why = "; the image was corrupted on the way or in flash";
        hint = EO_HINT_RETRY;
        break;
    case 9:
        why = "; the image is built for more flash than the device has";
        hint = EO_HINT_FLASH_SIZE;
        break;
    case 10: why = "; the file is not a firmware image the device can boot"; break;
    case 4: hint = EO_HINT_TWO_STEP; break;
    default: break;
    }
    enum eo_status status = code >= 0 ? eo_updater_error_status(code) : EO_ERR_TRANSFER;
    if (t->sent < s->image->size)
        eo_error_hinted(err, status, hint,
                        "device %s aborted the transfer at %u%% (it confirmed "
                        "%llu of %zu bytes): %s%s",
                        s->label, percent(s, t->confirmed), (unsigned long long)t->confirmed,
                        s->image->size, text, why);
    else
        eo_error_hinted(err, status, hint,
                        "device %s rejected the image after the transfer: "
                        "%s%s",
                        s->label, text, why);
    if (err)
        err->updater_code = code;
    return status;
}

/* "" or what the device's counts claimed beyond the data, for the messages. */
static const char *overclaim_note(const struct transfer *t, char *out, size_t cap)
{
    if (!t->overclaimed)
        return "";
    snprintf(out, cap,
             "; the device acknowledged more bytes than were sent (its counts said "
             "'%s' when %zu bytes had been sent), so its counts were not taken as progress "
             "from then on",
             t->overclaim_digits, t->overclaim_sent);
    return out;
}

/* "OK" from a device whose counts claimed bytes it was never sent: not a confirmation. */
static enum eo_status untrusted_ok(struct session *s, const struct transfer *t,
                                   struct eo_error *err)
{
    char note[256];
    return eo_error_hinted(err, EO_ERR_UNKNOWN, EO_HINT_CHECK_VERSION,
                           "device %s said OK after "
                           "all %zu bytes%s; a verdict from a device that counts what it was "
                           "never sent is not a confirmation: it may or may not install the "
                           "image",
                           s->label, s->image->size, overclaim_note(t, note, sizeof note));
}

static enum eo_status judge(struct session *s, struct transfer *t, enum eo_espota_verdict verdict,
                            struct eo_error *err)
{
    snprintf(s->result->device_reply, sizeof s->result->device_reply, "%s",
             eo_espota_reply_text(&t->reply));
    if (verdict != EO_ESPOTA_VERDICT_OK)
        return verdict_error(s, t, err);
    if (t->sent < s->image->size)
        return eo_error_hinted(err, EO_ERR_TRANSFER, EO_HINT_RETRY,
                               "device %s said OK after "
                               "%zu of %zu bytes; the transfer is not trustworthy",
                               s->label, t->sent, s->image->size);
    if (t->overclaimed)
        return untrusted_ok(s, t, err);
    /* "OK" comes after the device verified every byte: it confirms them all */
    if (t->confirmed < s->image->size) {
        t->confirmed = s->image->size;
        t->confirmed_at = eo_net_now();
        report_progress(s, t);
    }
    return EO_OK;
}

/* The device has everything in its network stack but never said how it ended. */
static enum eo_status outcome_unknown(struct session *s, const struct transfer *t, const char *what,
                                      struct eo_error *err)
{
    char note[256];
    return eo_error_hinted(err, EO_ERR_UNKNOWN, EO_HINT_CHECK_VERSION,
                           "device %s took all %zu "
                           "bytes (it confirmed %llu) but %s%s; it may install the image and "
                           "reboot",
                           s->label, s->image->size, (unsigned long long)t->confirmed, what,
                           overclaim_note(t, note, sizeof note));
}

static enum eo_status dropped(struct session *s, const struct transfer *t, struct eo_error *err)
{
    char note[256];
    if (took_everything(s, t))
        return outcome_unknown(s, t, "closed the connection without a verdict", err);
    return eo_error_hinted(err, EO_ERR_TRANSFER, EO_HINT_RETRY,
                           "connection to device %s "
                           "dropped at %u%% (it confirmed %llu of %zu bytes%s); it drops the "
                           "update and keeps its firmware; it may have rebooted or lost its "
                           "network",
                           s->label, percent(s, t->confirmed), (unsigned long long)t->confirmed,
                           s->image->size, overclaim_note(t, note, sizeof note));
}

static enum eo_status stalled(struct session *s, const struct transfer *t, double now,
                              struct eo_error *err)
{
    char what[160], note[256];
    double silent = now - t->watch.last_life;
    if (took_everything(s, t)) {
        snprintf(what, sizeof what, "showed no sign of life for %.1f s", silent);
        return outcome_unknown(s, t, what, err);
    }
    return eo_error_hinted(err, EO_ERR_TRANSFER, EO_HINT_STALL,
                           "transfer to device %s stalled "
                           "at %u%% (it confirmed %llu of %zu bytes; its network stack took "
                           "%llu): no sign of life for %.1f s%s; it drops the update and keeps "
                           "its firmware",
                           s->label, percent(s, t->confirmed), (unsigned long long)t->confirmed,
                           s->image->size, (unsigned long long)received(t), silent,
                           overclaim_note(t, note, sizeof note));
}

static enum eo_status no_verdict(struct session *s, const struct transfer *t, struct eo_error *err)
{
    char what[160];
    snprintf(what, sizeof what, "gave no verdict within %.1f s of %s the last byte",
             s->opt->result_timeout_ms / 1000.0, t->overclaimed ? "taking" : "confirming");
    return outcome_unknown(s, t, what, err);
}

/* Paces on when the window is full and the device silent (its counts may come once per read
 * burst, or only at the end): TCP flow control and the small send buffer still bound what is
 * in flight. */
static void resync(struct transfer *t, size_t size, double now)
{
    double quiet_since = t->last_send > t->confirmed_at ? t->last_send : t->confirmed_at;
    if (!t->stop_and_wait && t->sent < size && !may_send(t, size) &&
        now - quiet_since > RESYNC_MS / 1000.0)
        t->retired = t->sent;
}

/* One look at the clocks: returns true with *status set once the transfer is over. */
static bool check_clocks(struct session *s, struct transfer *t, double *error_at,
                         enum eo_status *status, struct eo_error *err)
{
    double now = eo_net_now();
    enum eo_espota_verdict verdict = eo_espota_reply_verdict(&t->reply);
    if (cancelled(s))
        sample(s, t, true);                          /* where the device stands, as of now */
    if (t->overclaimed && t->retired < t->tcp.acked) /* its counts say nothing: its TCP does */
        t->retired = t->tcp.acked < t->sent ? (size_t)t->tcp.acked : t->sent;
    if (t->overclaimed && t->all_confirmed_at == 0 && took_everything(s, t))
        t->all_confirmed_at = now; /* ... and the verdict timer starts when it took the last byte */
    if (verdict == EO_ESPOTA_VERDICT_OK || verdict == EO_ESPOTA_VERDICT_ERROR)
        *status = judge(s, t, verdict, err);
    else if (verdict == EO_ESPOTA_VERDICT_ERROR_PARTIAL && *error_at > 0 &&
             now - *error_at > ERROR_LINE_GRACE_MS / 1000.0)
        *status = judge(s, t, EO_ESPOTA_VERDICT_ERROR, err); /* take the line as it is */
    else if (cancelled(s))
        *status =
            eo_push_interrupted(s->opt->cancel, s->label, received(t), s->image->size, true, err);
    else if (t->closed)
        *status = dropped(s, t, err);
    else if (t->all_confirmed_at > 0 &&
             now - t->all_confirmed_at > s->opt->result_timeout_ms / 1000.0)
        *status = no_verdict(s, t, err);
    else if (t->all_confirmed_at == 0 &&
             eo_tcp_watch_stalled(&t->watch, now, s->opt->stall_timeout_ms))
        *status = stalled(s, t, now, err);
    else {
        if (verdict == EO_ESPOTA_VERDICT_ERROR_PARTIAL && *error_at == 0)
            *error_at = now;
        resync(t, s->image->size, now);
        return false;
    }
    return true;
}

static void transfer_init(struct session *s, struct transfer *t)
{
    unsigned window = s->opt->window ? s->opt->window : EO_ESPOTA_DEFAULT_WINDOW;
    memset(t, 0, sizeof *t);
    t->chunk = s->opt->chunk_size ? s->opt->chunk_size : EO_ESPOTA_DEFAULT_CHUNK;
    t->stop_and_wait = window == 1;
    t->window_bytes = (size_t)window * t->chunk;
    t->last_send = t->confirmed_at = s->data_started;
    eo_tcp_watch_start(&t->watch, s->data_started);
    eo_espota_reply_init(&t->reply);
    /* Linux doubles SO_SNDBUF: half the window keeps what the kernel holds near the window */
    int bytes = (int)(t->window_bytes / 2);
    setsockopt(s->data_fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
}

static enum eo_status stream(struct session *s, struct transfer *t, struct eo_error *err)
{
    double error_at = 0;
    enum eo_status status;
    for (;;) {
        sample(s, t, false);
        if (check_clocks(s, t, &error_at, &status, err))
            return status;
        struct pollfd fd = {.fd = s->data_fd,
                            .events = POLLIN | (may_send(t, s->image->size) ? POLLOUT : 0)};
        int rc = poll(&fd, 1, TICK_MS);
        if (rc < 0 && errno != EINTR)
            return eo_error_set(err, EO_ERR_INTERNAL, "poll: %s", strerror(errno));
        if (rc > 0 && (fd.revents & (POLLIN | POLLHUP | POLLERR)))
            receive_some(s, t);
        if (rc > 0 && (fd.revents & POLLOUT) && !t->closed && !send_some(s, t)) {
            receive_some(s, t); /* the device may have said why */
            sample(s, t, true);
            t->closed = true;
            eo_espota_reply_close(&t->reply);
        }
    }
}

static enum eo_status run(struct session *s, struct eo_error *err)
{
    enum eo_status status = check_image(s, err);
    if (status == EO_OK)
        status = open_listener(s, err);
    if (status == EO_OK)
        status = open_udp(s, err);
    if (status == EO_OK)
        status = handshake(s, err);
    release_device(s);
    close_fd(&s->udp_fd);
    if (status == EO_OK)
        status = accept_device(s, err);
    if (status != EO_OK)
        return status;
    struct transfer t;
    s->data_started = eo_net_now();
    transfer_init(s, &t);
    status = stream(s, &t, err);
    if (status != EO_OK && !took_everything(s, &t))
        abort_connection(&s->data_fd);
    s->result->bytes_confirmed = t.confirmed;
    s->result->seconds = since_start(s, t.confirmed_at);
    return status;
}

enum eo_status eo_espota_push(const struct eo_target *target, const struct eo_image *image,
                              const struct eo_espota_options *options,
                              struct eo_push_result *result, struct eo_error *err)
{
    struct eo_espota_options defaults;
    if (!options) {
        eo_espota_options_init(&defaults);
        options = &defaults;
    }
    struct session s = {.target = target,
                        .image = image,
                        .opt = options,
                        .result = result,
                        .listen_fd = -1,
                        .udp_fd = -1,
                        .data_fd = -1};
    memset(result, 0, sizeof *result);
    make_label(&s);
    enum eo_status status = run(&s, err);
    close_fd(&s.udp_fd);
    close_fd(&s.listen_fd);
    close_fd(&s.data_fd);
    result->status = status;
    return status;
}
