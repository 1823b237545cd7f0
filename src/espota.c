/* espota.c — pushes one image to one device over ArduinoOTA ("espota"):
 *   1. check the image against what is known of the device (flash size);
 *   2. listen on TCP on the local address that faces the device (route lookup);
 *   3. invite the device from one UDP socket ("0 <port> <size> <md5>\n"), re-sending on
 *      silence, and answer its AUTH challenge from the same socket;
 *   4. accept the device's connection back and stream the image, several chunks in flight
 *      (a window in bytes, retired by the device's byte counts; window 1 = stop-and-wait, one
 *      chunk per reply like the reference espota.py), paced by TCP flow control;
 *   5. read the verdict ("OK" / "ERROR[n]: text").
 * Outcomes are values: every failure fills eo_error with a message naming the device. */
#include "espurna-ota/espota.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "espurna-ota/net.h"

#define RESYNC_MS 1000        /* window full and the device silent this long: assume it caught up */
#define ERROR_LINE_GRACE_MS 2000 /* wait for the rest of an error line */
#define DEVICE_LABEL_MAX 340

struct session {
    const struct eo_target *target;
    const struct eo_image *image;
    const struct eo_espota_options *opt;
    struct eo_push_result *result;
    char label[DEVICE_LABEL_MAX]; /* "name (address)" for messages */
    char local[EO_NET_ADDRESS_MAX];
    uint16_t port;
    int listen_fd, udp_fd, data_fd;
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

/* ---- 1. image against device ------------------------------------------------------------ */

static enum eo_status check_image(const struct session *s, struct eo_error *err)
{
    const struct eo_image *image = s->image;
    if (!image->data || image->size == 0)
        return eo_error_set(err, EO_ERR_IMAGE, "%s: not a firmware image", image->path);
    const struct eo_image_header *header = eo_image_flash_header(image);
    uint32_t built_for = header ? eo_flash_size_bytes(header->flash_size_code) : 0;
    uint32_t device = s->opt->device_flash_size;
    if (device && built_for > device)
        return eo_error_set(err, EO_ERR_NOFIT, "%s is built for %u KiB of flash but device %s "
                            "has %u KiB; it would not boot there; use the build for the device's "
                            "flash size", base_name(image->path), built_for / 1024, s->label,
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
    s->listen_fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s->listen_fd, (struct sockaddr *)&addr, len) != 0 || listen(s->listen_fd, 1) != 0)
        return eo_error_set(err, s->opt->host_port ? EO_ERR_USAGE : EO_ERR_INTERNAL,
                            "cannot listen on %s:%u for device %s: %s%s", s->local,
                            (unsigned)s->opt->host_port, s->label, strerror(errno),
                            s->opt->host_port ? "; choose another --host-port" : "");
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
        status = eo_net_sockaddr(s->target->address, s->target->espota_port, &device,
                                 &device_len, err);
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

/* ---- 3. invitation and authentication ------------------------------------------------- */

enum udp_event { UDP_ANSWER, UDP_SILENCE, UDP_CONNECTED, UDP_REFUSED, UDP_FAILED };

static enum udp_event send_and_wait(struct session *s, const char *datagram, char *answer,
                                    size_t cap)
{
    if (send(s->udp_fd, datagram, strlen(datagram), 0) < 0)
        return errno == ECONNREFUSED ? UDP_REFUSED : UDP_FAILED;
    struct pollfd fds[2] = {{.fd = s->udp_fd, .events = POLLIN},
                            {.fd = s->listen_fd, .events = POLLIN}};
    double deadline = eo_net_now() + s->opt->invite_timeout_ms / 1000.0;
    for (;;) {
        int rc = poll(fds, 2, eo_net_ms_left(deadline));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return rc == 0 ? UDP_SILENCE : UDP_FAILED;
        if (fds[1].revents & POLLIN)
            return UDP_CONNECTED; /* its answer got lost, but it is here */
        ssize_t n = recv(s->udp_fd, answer, cap - 1, 0);
        if (n < 0)
            return errno == ECONNREFUSED ? UDP_REFUSED : UDP_FAILED;
        answer[n] = '\0';
        answer[strcspn(answer, "\r\n")] = '\0';
        return UDP_ANSWER;
    }
}

static enum eo_status not_enough_space(struct session *s, const char *text, struct eo_error *err)
{
    const struct eo_image *image = s->image;
    uint32_t sectors = (uint32_t)((image->size + EO_SECTOR_SIZE - 1) / EO_SECTOR_SIZE);
    char free_text[96] = "";
    if (s->opt->device_free_space)
        snprintf(free_text, sizeof free_text, " and the device has %u bytes (%u KiB) free",
                 s->opt->device_free_space, s->opt->device_free_space / 1024);
    return eo_error_set(err, EO_ERR_NOFIT, "device %s has not enough space for %s (%s): the "
                        "image needs %zu bytes (%u sectors)%s; flash a core image first, then "
                        "this one (two-step upgrade: 'espurna-ota upgrade' does it)", s->label,
                        base_name(image->path), text, image->size, sectors, free_text);
}

/* "ERR: ERROR[n]: text" answered to the invitation: the device's Update.begin failed. */
static enum eo_status refused(struct session *s, const char *answer, struct eo_error *err)
{
    const char *text = strncmp(answer, "ERR: ", 5) == 0 ? answer + 5 : answer;
    snprintf(s->result->device_reply, sizeof s->result->device_reply, "%s", text);
    int code = eo_updater_error_code(text);
    if (code == 4)
        return not_enough_space(s, text, err);
    if (code == 15)
        return eo_error_set(err, EO_ERR_REFUSED, "device %s is busy with another update (%s); "
                            "wait for it to finish and reboot, then try again", s->label, text);
    if (code == 8)
        return eo_error_set(err, EO_ERR_REFUSED, "device %s refused the update: %s (the running "
                            "firmware's flash configuration does not match the chip; it needs a "
                            "serial flash)", s->label, text);
    return eo_error_set(err, EO_ERR_REFUSED, "device %s refused the update: %s", s->label, text);
}

static enum eo_status auth_reply(struct session *s, const char *nonce, char *datagram, size_t cap,
                                 struct eo_error *err)
{
    const char *password = s->opt->password;
    char cnonce[EO_ESPOTA_AUTH_HEX_MAX], response[EO_ESPOTA_AUTH_HEX_MAX];
    if (!password || !password[0])
        return eo_error_set(err, EO_ERR_AUTH, "device %s asks for a password; give it with "
                            "--password-file FILE, ESPURNA_OTA_PASSWORD or the password store",
                            s->label);
    enum eo_status status = eo_espota_auth_compute(password, nonce, base_name(s->image->path),
                                                   s->image->size, s->image->md5,
                                                   s->target->address, cnonce, response, err);
    if (status != EO_OK)
        return status;
    snprintf(datagram, cap, "200 %s %s\n", cnonce, response);
    return EO_OK;
}

/* Reacts to one answer. Returns EO_OK with *accepted when the device will connect back, EO_OK
 * with a new datagram to send (auth reply), or the failure. */
static enum eo_status on_answer(struct session *s, const char *answer, char *datagram,
                                size_t cap, bool *accepted, struct eo_error *err)
{
    if (strcmp(answer, "OK") == 0) {
        *accepted = true;
        return EO_OK;
    }
    if (strncmp(answer, "AUTH ", 5) == 0)
        return auth_reply(s, answer + 5, datagram, cap, err);
    snprintf(s->result->device_reply, sizeof s->result->device_reply, "%s", answer);
    if (strstr(answer, "Authentication Failed"))
        return eo_error_set(err, EO_ERR_AUTH, "device %s rejected the password; check "
                            "--password-file, ESPURNA_OTA_PASSWORD or the password store",
                            s->label);
    if (strncmp(answer, "ERR", 3) == 0)
        return refused(s, answer, err);
    return eo_error_set(err, EO_ERR_REFUSED, "device %s answered the invitation with '%.80s'; "
                        "is it an ArduinoOTA device?", s->label, answer);
}

static enum eo_status no_answer(struct session *s, enum udp_event event, unsigned tries,
                                struct eo_error *err)
{
    if (event == UDP_REFUSED)
        return eo_error_set(err, EO_ERR_UNREACHABLE, "nothing listens for espota on device %s "
                            "port %u (connection refused); is ArduinoOTA in its firmware "
                            "(minimal-webui builds have none), or is the device rebooting?",
                            s->label, (unsigned)s->target->espota_port);
    if (event == UDP_FAILED)
        return eo_error_set(err, EO_ERR_UNREACHABLE, "cannot talk to device %s: %s", s->label,
                            strerror(errno));
    return eo_error_set(err, EO_ERR_UNREACHABLE, "device %s did not answer %u invitations on UDP "
                        "port %u within %.1f s; is it on and reachable, and not busy with "
                        "another update?", s->label, tries, (unsigned)s->target->espota_port,
                        tries * s->opt->invite_timeout_ms / 1000.0);
}

static enum eo_status handshake(struct session *s, struct eo_error *err)
{
    char invitation[128], datagram[160], answer[256];
    unsigned tries = s->opt->invite_tries ? s->opt->invite_tries : 1;
    snprintf(invitation, sizeof invitation, "0 %u %zu %s\n", (unsigned)s->port, s->image->size,
             s->image->md5);
    snprintf(datagram, sizeof datagram, "%s", invitation);
    for (unsigned sent = 1;; sent++) {
        enum udp_event event = send_and_wait(s, datagram, answer, sizeof answer);
        if (event == UDP_CONNECTED)
            return EO_OK;
        if (event == UDP_ANSWER) {
            bool accepted = false;
            enum eo_status status = on_answer(s, answer, datagram, sizeof datagram, &accepted,
                                              err);
            if (status != EO_OK || accepted)
                return status;
        } else if (event != UDP_SILENCE || sent >= tries) {
            return no_answer(s, event, sent, err);
        } else {
            /* silence: start over with an invitation (a device that lost our auth reply went
             * back to idle when it sees one, and then answers with a fresh challenge) */
            snprintf(datagram, sizeof datagram, "%s", invitation);
        }
    }
}

/* ---- 4. connection back ---------------------------------------------------------------- */

static enum eo_status accept_device(struct session *s, struct eo_error *err)
{
    int rc = eo_net_wait(s->listen_fd, POLLIN, (int)s->opt->connect_timeout_ms);
    if (rc > 0)
        s->data_fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (rc <= 0 || s->data_fd < 0)
        return eo_error_set(err, EO_ERR_UNREACHABLE, "device %s accepted the invitation but never "
                            "connected back to %s:%u within %.1f s; a firewall on this host may "
                            "block incoming TCP, or the device cannot route to %s; allow the port "
                            "or choose one that is open with --host-port", s->label, s->local,
                            (unsigned)s->port, s->opt->connect_timeout_ms / 1000.0, s->local);
    int one = 1;
    setsockopt(s->data_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    close_fd(&s->listen_fd);
    return EO_OK;
}

/* ---- 5. streaming and verdict ------------------------------------------------------------ */

struct transfer {
    size_t sent;          /* bytes written to the socket */
    size_t acked;         /* bytes the device is believed to have consumed */
    size_t window_bytes;  /* max sent - acked */
    size_t chunk;
    bool stop_and_wait;
    double last_activity; /* last send or receive */
    struct eo_espota_reply reply;
    bool closed;
};

static void report_progress(struct session *s, const struct transfer *t)
{
    if (!s->opt->progress)
        return;
    struct eo_progress progress = {.done = t->acked, .total = s->image->size,
                                   .elapsed_s = eo_net_now() - s->data_started};
    s->opt->progress(s->opt->progress_ctx, &progress);
}

static unsigned percent(const struct session *s, size_t bytes)
{
    return (unsigned)(s->image->size ? bytes * 100 / s->image->size : 0);
}

static bool may_send(const struct transfer *t, size_t size)
{
    if (t->sent >= size)
        return false;
    if (t->stop_and_wait)
        return t->acked >= t->sent;
    return t->sent - t->acked < t->window_bytes;
}

/* Sends as much as the window and the socket take. false on a broken connection. */
static bool send_some(struct session *s, struct transfer *t)
{
    size_t size = s->image->size;
    while (may_send(t, size)) {
        size_t len = size - t->sent < t->chunk ? size - t->sent : t->chunk;
        ssize_t n = send(s->data_fd, s->image->data + t->sent, len, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        t->sent += (size_t)n;
        t->last_activity = eo_net_now();
        if (t->stop_and_wait)
            break;
    }
    return true;
}

/* Digits arrived: the device consumed that many bytes. Counts glued together or split make
 * the number meaningless; then assume it caught up (TCP flow control still bounds what is in
 * flight, and the next unambiguous count corrects nothing we rely on). */
static void on_counts(struct transfer *t, uint64_t value)
{
    size_t outstanding = t->sent - t->acked;
    if (t->stop_and_wait || value == 0 || value > outstanding)
        t->acked = t->sent;
    else
        t->acked += (size_t)value;
}

/* Reads what is there. false on a broken connection (closed counts as broken only when no
 * verdict is pending). */
static bool receive_some(struct session *s, struct transfer *t)
{
    char buf[512];
    for (;;) {
        ssize_t n = recv(s->data_fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (eo_espota_reply_feed(&t->reply, buf, (size_t)n) > 0)
                on_counts(t, t->reply.feed_value);
            else if (t->stop_and_wait)
                t->acked = t->sent; /* any reply lets the reference send the next chunk */
            t->last_activity = eo_net_now();
            report_progress(s, t);
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            t->closed = true;
            eo_espota_reply_close(&t->reply);
            return false;
        }
        return true;
    }
}

static enum eo_status verdict_error(struct session *s, const struct transfer *t,
                                    struct eo_error *err)
{
    const char *text = eo_espota_reply_text(&t->reply);
    const char *hint = "";
    switch (eo_updater_error_code(text)) {
    case 6: hint = "; the device timed out waiting for data, try again"; break;
    case 7: hint = "; the image was corrupted on the way or in flash, try again"; break;
    case 9: hint = "; the image is built for a larger flash than the device has"; break;
    case 10: hint = "; the file is not a firmware image the device can boot"; break;
    case 4: hint = "; flash a core image first (two-step upgrade)"; break;
    default: break;
    }
    int code = eo_updater_error_code(text);
    enum eo_status status = code >= 0 ? eo_updater_error_status(code) : EO_ERR_TRANSFER;
    if (t->sent < s->image->size)
        return eo_error_set(err, status, "device %s aborted the transfer at %u%%: %s%s",
                            s->label, percent(s, t->acked), text, hint);
    return eo_error_set(err, status, "device %s rejected the image after the transfer: %s%s",
                        s->label, text, hint);
}

static enum eo_status judge(struct session *s, const struct transfer *t,
                            enum eo_espota_verdict verdict, struct eo_error *err)
{
    snprintf(s->result->device_reply, sizeof s->result->device_reply, "%s",
             eo_espota_reply_text(&t->reply));
    if (verdict != EO_ESPOTA_VERDICT_OK)
        return verdict_error(s, t, err);
    if (t->sent >= s->image->size && t->acked < t->sent) {
        struct transfer done = *t;
        done.acked = done.sent;
        report_progress(s, &done);
    }
    if (t->sent < s->image->size)
        return eo_error_set(err, EO_ERR_TRANSFER, "device %s said OK after %zu of %zu bytes; "
                            "the transfer is not trustworthy, try again", s->label, t->sent,
                            s->image->size);
    return EO_OK;
}

static enum eo_status dropped(struct session *s, const struct transfer *t, struct eo_error *err)
{
    if (t->sent < s->image->size)
        return eo_error_set(err, EO_ERR_TRANSFER, "connection to device %s dropped at %u%% (the "
                            "device took about %zu of %zu bytes); it may have rebooted or lost "
                            "its network; try again", s->label, percent(s, t->acked), t->acked,
                            s->image->size);
    return eo_error_set(err, EO_ERR_TRANSFER, "device %s closed the connection after the whole "
                        "image without a result; check its version once it is back, or try "
                        "again", s->label);
}

static enum eo_status timed_out(struct session *s, const struct transfer *t, struct eo_error *err)
{
    if (t->sent < s->image->size)
        return eo_error_set(err, EO_ERR_TRANSFER, "transfer to device %s stalled at %u%% (the "
                            "device took about %zu of %zu bytes): nothing moved for %.1f s; try "
                            "again (some devices need --window 1)", s->label,
                            percent(s, t->acked), t->acked, s->image->size,
                            s->opt->stall_timeout_ms / 1000.0);
    return eo_error_set(err, EO_ERR_TRANSFER, "device %s sent no result within %.1f s after the "
                        "last byte; check its version once it is back, or try again", s->label,
                        s->opt->result_timeout_ms / 1000.0);
}

/* Checks the clocks: true when an unfinished error line has waited long enough; *expired when
 * the stall or result timeout passed. Also resyncs a full window after silence. */
static bool check_deadlines(struct session *s, struct transfer *t, double all_sent_at,
                            double error_at, bool *expired)
{
    double now = eo_net_now();
    size_t size = s->image->size;
    *expired = false;
    if (error_at > 0 && now - error_at > ERROR_LINE_GRACE_MS / 1000.0)
        return true; /* take the error line as it is */
    if (t->sent < size && now - t->last_activity > s->opt->stall_timeout_ms / 1000.0)
        *expired = true;
    if (t->sent >= size && now - all_sent_at > s->opt->result_timeout_ms / 1000.0)
        *expired = true;
    if (!t->stop_and_wait && t->sent < size && !may_send(t, size) &&
        now - t->last_activity > RESYNC_MS / 1000.0)
        t->acked = t->sent;
    return false;
}

static void transfer_init(struct session *s, struct transfer *t)
{
    unsigned window = s->opt->window ? s->opt->window : EO_ESPOTA_DEFAULT_WINDOW;
    memset(t, 0, sizeof *t);
    t->chunk = s->opt->chunk_size ? s->opt->chunk_size : EO_ESPOTA_DEFAULT_CHUNK;
    t->stop_and_wait = window == 1;
    t->window_bytes = (size_t)window * t->chunk;
    t->last_activity = eo_net_now();
    eo_espota_reply_init(&t->reply);
    if (!t->stop_and_wait) {
        /* a hard bound on what the kernel queues, whatever the counts say */
        int bytes = (int)t->window_bytes;
        setsockopt(s->data_fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
    }
}

static enum eo_status stream(struct session *s, struct transfer *t, struct eo_error *err)
{
    double all_sent_at = 0, error_at = 0;
    for (;;) {
        enum eo_espota_verdict verdict = eo_espota_reply_verdict(&t->reply);
        bool expired;
        if (verdict == EO_ESPOTA_VERDICT_OK || verdict == EO_ESPOTA_VERDICT_ERROR)
            return judge(s, t, verdict, err);
        if (verdict == EO_ESPOTA_VERDICT_ERROR_PARTIAL && error_at == 0)
            error_at = eo_net_now();
        if (check_deadlines(s, t, all_sent_at, error_at, &expired))
            return judge(s, t, EO_ESPOTA_VERDICT_ERROR, err);
        if (t->closed)
            return dropped(s, t, err);
        if (expired)
            return timed_out(s, t, err);
        short events = POLLIN | (may_send(t, s->image->size) ? POLLOUT : 0);
        int rc = eo_net_wait(s->data_fd, events, 100);
        if (rc < 0)
            return eo_error_set(err, EO_ERR_INTERNAL, "poll: %s", strerror(errno));
        if (rc & (POLLIN | POLLHUP | POLLERR))
            receive_some(s, t);
        if ((rc & POLLOUT) && !send_some(s, t)) {
            receive_some(s, t); /* the device may have said why */
            t->closed = true;
            eo_espota_reply_close(&t->reply);
        }
        if (t->sent >= s->image->size && all_sent_at == 0)
            all_sent_at = eo_net_now();
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
    close_fd(&s->udp_fd);
    if (status == EO_OK)
        status = accept_device(s, err);
    if (status != EO_OK)
        return status;
    struct transfer t;
    s->data_started = eo_net_now();
    transfer_init(s, &t);
    status = stream(s, &t, err);
    s->result->bytes_confirmed = t.acked;
    s->result->seconds = eo_net_now() - s->data_started;
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
    struct session s = {.target = target, .image = image, .opt = options, .result = result,
                        .listen_fd = -1, .udp_fd = -1, .data_fd = -1};
    memset(result, 0, sizeof *result);
    make_label(&s);
    enum eo_status status = run(&s, err);
    close_fd(&s.udp_fd);
    close_fd(&s.listen_fd);
    close_fd(&s.data_fd);
    result->status = status;
    return status;
}
