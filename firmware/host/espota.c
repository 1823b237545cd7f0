/* espota.c — the espota transport of the device: UDP invitations into the core state machine,
 * then the blocking data phase over a TCP connection back to the host (as ArduinoOTA runs it):
 * an lwIP-sized receive window that fills while the Updater erases and writes a sector (the
 * device reads nothing meanwhile), one cumulative count per read burst, acks delayed by the
 * emulated network latency (they still leave while the flash is busy), the transfer faults. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vdh.h"

#define CONNECT_TIMEOUT_MS 5000
#define IDLE_TIMEOUT_MS 30000 /* the data phase gives up after this long without bytes */
#define READ_MAX 4096u
/* ack-flood: the counts after the data end by then at the latest */
#define LIE_FLOOD_MAX_MS 120000

static bool wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {fd, events, 0};
    uint64_t end = vdh_now_ms() + (uint64_t)timeout_ms;
    while (!vdh_stop) {
        uint64_t now = vdh_now_ms();
        if (now >= end)
            return false;
        int step = end - now > 200 ? 200 : (int)(end - now);
        int r = poll(&p, 1, step);
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
    return false;
}

/* Connects back from the device's address, with lwIP's MSS and receive window. */
static int connect_back(struct vdh_device *dev, struct in_addr host, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    vdh_lwip_socket(fd, dev->opts.rcvbuf);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr = dev->address};
    struct sockaddr_in remote = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = host};
    int err = 0;
    socklen_t len = sizeof err;
    if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0 ||
        (connect(fd, (struct sockaddr *)&remote, sizeof remote) != 0 && errno != EINPROGRESS) ||
        !wait_fd(fd, POLLOUT, CONNECT_TIMEOUT_MS) ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_text(int fd, const char *text)
{
    (void)!send(fd, text, strlen(text), MSG_NOSIGNAL);
}

/* Acks in flight: --ack-latency-ms is network delay, so an ack is queued with the time it is
 * due and goes out then, while the device keeps reading and writing, and while its flash is
 * busy (the sector time stays a real delay of the device). A host that waits for every ack
 * still pays one latency per chunk. Times in µs of wall time. */
#define ACKS_MAX 64u

struct ack_queue {
    int fd;
    uint64_t latency_us;
    const struct vdh_lies *lies; /* ack-over, ack-flood */
    uint32_t image_size;
    unsigned counts; /* counts queued so far in this transfer */
    unsigned head, count;
    uint64_t due[ACKS_MAX];
    char text[ACKS_MAX][16];
};

/* Sends every ack whose time has come; with force, the oldest one even when it is not due. */
static void acks_send_due(struct ack_queue *q, bool force)
{
    uint64_t now = vdh_now_us();
    while (q->count > 0 && (force || q->due[q->head] <= now)) {
        send_text(q->fd, q->text[q->head]);
        q->head = (q->head + 1) % ACKS_MAX;
        q->count--;
        force = false;
    }
}

/* Microseconds until the oldest ack is due (0: now), or -1 when none waits. */
static int64_t acks_next_us(const struct ack_queue *q)
{
    if (q->count == 0)
        return -1;
    uint64_t now = vdh_now_us(), due = q->due[q->head];
    return due > now ? (int64_t)(due - now) : 0;
}

/* Milliseconds, rounded up, for poll(). */
static int acks_next_ms(const struct ack_queue *q)
{
    int64_t us = acks_next_us(q);
    return us < 0 ? -1 : (int)((us + 999) / 1000);
}

/* While the flash is busy: the acks in flight go on arriving. */
static int64_t acks_while_busy(void *ctx)
{
    struct ack_queue *q = ctx;
    acks_send_due(q, false);
    return acks_next_us(q);
}

/* Queues an ack for now + latency; a full queue first waits for its oldest ack to be due. */
static void acks_push(struct ack_queue *q, const char *ack)
{
    if (q->count == ACKS_MAX) {
        vdh_sleep_us((uint64_t)acks_next_us(q));
        acks_send_due(q, true);
    }
    unsigned tail = (q->head + q->count) % ACKS_MAX;
    q->due[tail] = vdh_now_us() + q->latency_us;
    snprintf(q->text[tail], sizeof q->text[tail], "%s", ack);
    q->count++;
    acks_send_due(q, false);
}

/* Lets every queued ack arrive (each at its time) before the connection says anything else. */
static void acks_flush(struct ack_queue *q)
{
    while (q->count > 0 && !vdh_stop) {
        vdh_sleep_us((uint64_t)acks_next_us(q));
        acks_send_due(q, false);
    }
}

/* Waits for data, sending acks as they fall due. 1 readable, 0 idle timeout, -1 stop/error. */
static int wait_data(struct ack_queue *q, uint64_t idle_end)
{
    struct pollfd p = {q->fd, POLLIN, 0};
    while (!vdh_stop) {
        acks_send_due(q, false);
        uint64_t now = vdh_now_ms();
        if (now >= idle_end)
            return 0;
        int step = idle_end - now > 200 ? 200 : (int)(idle_end - now);
        int ack = acks_next_ms(q);
        if (ack >= 0 && ack < step)
            step = ack;
        int r = poll(&p, 1, step);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
    return -1;
}

/* Bytes to read next: up to the drop point when drop-at is set. */
static uint32_t next_read_size(struct vdh_device *dev, uint32_t *drop_left)
{
    uint32_t want = vd_espota_remaining(&dev->espota);
    if (want > READ_MAX)
        want = READ_MAX;
    if (*drop_left < want)
        want = *drop_left;
    return want;
}

static uint32_t drop_point(struct vdh_device *dev)
{
    if (dev->opts.faults.drop_at < 0)
        return UINT32_MAX;
    return (uint32_t)((uint64_t)dev->espota.size * (unsigned)dev->opts.faults.drop_at / 100u);
}

/* Whether data is there within ms (the Updater's delay(1) before it looks again). */
static bool more_within(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) > 0 && (p.revents & POLLIN);
}

/* Queues the count of one read burst, as ArduinoOTA prints what one Update.write(client) took:
 * that call reads whatever is available, writing each full sector, and returns only when the
 * receive buffer stays empty for a moment — one count per burst, not per read. */
static void ack_burst(struct ack_queue *q, uint32_t *burst)
{
    char ack[16];
    if (*burst == 0)
        return;
    vdh_lies_count_text(q->lies, *burst, q->counts++, q->image_size, ack, sizeof ack);
    acks_push(q, ack);
    if (q->lies->ack_flood)
        vdh_lies_flood_burst(q->fd);
    *burst = 0;
}

/* Reads, writes and queues acks until the image is complete. false: dropped, failed or timed
 * out. Acks still in flight are sent (each when due) before it returns. */
static bool receive_image(struct vdh_device *dev, struct ack_queue *q, bool *write_failed)
{
    struct vd_espota *ota = &dev->espota;
    uint32_t drop_left = drop_point(dev), burst = 0;
    uint8_t buf[READ_MAX];
    *write_failed = false;
    dev->flash.while_busy = (struct vdh_busy_work){acks_while_busy, q};
    while (vd_espota_remaining(ota) > 0) {
        uint32_t want = next_read_size(dev, &drop_left);
        if (want == 0) {
            ack_burst(q, &burst);
            vdh_log("espota: fault drop-at: closing the connection after %u bytes",
                    (unsigned)ota->updater->progress);
            break;
        }
        if (burst > 0 && !more_within(q->fd, 1))
            ack_burst(q, &burst);
        if (burst == 0 && wait_data(q, vdh_now_ms() + IDLE_TIMEOUT_MS) <= 0)
            break;
        ssize_t n = recv(q->fd, buf, want, 0);
        if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
            break;
        if (n <= 0)
            continue;
        char ack[16];
        burst += vd_espota_receive(ota, buf, (uint32_t)n, ack, sizeof ack, write_failed);
        if (*write_failed)
            break;
        drop_left -= drop_left == UINT32_MAX ? 0 : (uint32_t)n;
    }
    ack_burst(q, &burst);
    dev->flash.while_busy = (struct vdh_busy_work){NULL, NULL};
    acks_flush(q);
    return vd_espota_remaining(ota) == 0 && !*write_failed;
}

/* The verdict as the core sends it: pause, text, pause, close (the fault delay comes first). */
static void send_verdict(struct vdh_device *dev, int fd, const struct vd_espota_verdict *v)
{
    char line[sizeof v->text];
    snprintf(line, sizeof line, "%s", v->text);
    line[strcspn(line, "\r\n")] = '\0';
    /* the core's pauses are device time (scaled); the fault's delay is not */
    vdh_sleep_us(vdh_wall_us(dev, v->pause_before_ms) +
                 (uint64_t)dev->opts.faults.verdict_delay_ms * 1000u);
    if (dev->opts.faults.no_verdict) {
        vdh_log("espota: fault no-verdict: result %s not sent", line);
        return;
    }
    send_text(fd, v->text);
    vdh_log("espota: result %s", line);
    vdh_sleep_us(vdh_wall_us(dev, v->pause_after_ms));
}

/* After the data: verify and answer (on success every service closes at once), or drop. */
static bool conclude(struct vdh_device *dev, int fd, bool complete, bool write_failed)
{
    struct vd_espota *ota = &dev->espota;
    if (!complete && !write_failed) {
        vdh_log("espota: transfer ended after %u of %u bytes; update dropped",
                (unsigned)ota->updater->progress, (unsigned)ota->size);
        vd_espota_abort(ota);
        return false;
    }
    struct vd_espota_verdict verdict;
    vd_espota_finish(ota, &verdict);
    /* from here on the device is restarting: nothing else answers (unless it never will) */
    if (verdict.reboot && !dev->opts.faults.no_reboot)
        vdh_stop_services(dev);
    send_verdict(dev, fd, &verdict);
    return verdict.reboot;
}

/* The data phase after "OK": connect back, stream, verify, answer, reboot on success. */
static void run_update(struct vdh_device *dev, struct in_addr host)
{
    struct vd_espota *ota = &dev->espota;
    char addr[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &host, addr, sizeof addr);
    if (dev->opts.faults.no_connect_back) {
        vdh_log("espota: fault no-connect-back: not connecting to %s:%u", addr, ota->port);
        vd_espota_abort(ota);
        return;
    }
    int fd = connect_back(dev, host, ota->port);
    if (fd < 0) {
        vdh_log("espota: cannot connect back to %s:%u: %s", addr, ota->port, strerror(errno));
        vd_espota_abort(ota);
        return;
    }
    vdh_log("espota: connected to %s:%u, receiving %u bytes", addr, ota->port, (unsigned)ota->size);
    dev->flash.corrupt_next = dev->opts.faults.corrupt_sector;
    bool write_failed;
    struct ack_queue acks = {.fd = fd,
                             .latency_us = vdh_wall_us(dev, dev->opts.ack_latency_ms),
                             .lies = &dev->opts.lies,
                             .image_size = ota->size};
    uint32_t sectors = dev->flash.sector_writes;
    uint64_t start = vdh_now_us();
    bool complete = receive_image(dev, &acks, &write_failed);
    vdh_log("espota: received %u bytes in %u ms, %u sectors written",
            (unsigned)ota->updater->progress, (unsigned)((vdh_now_us() - start) / 1000u),
            dev->flash.sector_writes - sectors);
    if (dev->opts.lies.ack_flood)
        vdh_lies_flood_until_closed(fd, LIE_FLOOD_MAX_MS);
    bool reboot = conclude(dev, fd, complete, write_failed);
    dev->flash.corrupt_next = false;
    close(fd);
    if (reboot)
        vdh_schedule_update_reboot(dev, 0);
}

/* Core 2.3.0 said "OK" before Update.begin(); a failing begin just never connects back. */
static void log_silent_begin_failure(struct vdh_device *dev)
{
    char text[128];
    vd_updater_print_error(&dev->updater, text, sizeof text);
    text[strcspn(text, "\r\n")] = '\0';
    vdh_log("espota: begin failed (%s) after \"OK\" (core 2.3.0): no connection back", text);
}

static void log_datagram(const char *data, size_t len, const char *from, int action,
                         const char *reply)
{
    char text[128];
    size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    for (size_t i = 0; i < n; i++)
        text[i] = data[i] >= 0x20 && data[i] < 0x7F ? data[i] : '.';
    text[n] = '\0';
    if (strncmp(text, "200 ", 4) == 0)
        snprintf(text, sizeof text, "200 <auth reply>");
    char answer[128];
    snprintf(answer, sizeof answer, "%s", reply);
    answer[strcspn(answer, "\r\n")] = '\0';
    vdh_log("espota: from %s: '%s' -> %s%s%s", from, text, action ? "'" : "ignored",
            action ? answer : "", action ? "'" : "");
}

void vdh_espota_readable(struct vdh_device *dev)
{
    char data[512], reply[128];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(dev->udp_fd, data, sizeof data, 0, (struct sockaddr *)&from, &flen);
    if (n < 0)
        return;
    char addr[INET_ADDRSTRLEN + 8];
    inet_ntop(AF_INET, &from.sin_addr, addr, INET_ADDRSTRLEN);
    if (dev->udp_seen++ < dev->opts.faults.lose_udp) {
        vdh_log("espota: fault lose-udp: dropped datagram %u from %s", dev->udp_seen, addr);
        return;
    }
    if (dev->opts.faults.lose_auth_reply && n >= 4 && memcmp(data, "200 ", 4) == 0) {
        vdh_log("espota: fault lose-auth-reply: dropped the auth reply from %s", addr);
        return;
    }
    int action = vd_espota_datagram(&dev->espota, data, (size_t)n, reply, sizeof reply);
    if (action & VD_ESPOTA_REPLY)
        sendto(dev->udp_fd, reply, strlen(reply), 0, (struct sockaddr *)&from, flen);
    log_datagram(data, (size_t)n, addr, action, reply);
    if ((action & VD_ESPOTA_BEGIN_FAILED) && strcmp(reply, "OK") == 0)
        log_silent_begin_failure(dev);
    if (action & VD_ESPOTA_CONNECT)
        run_update(dev, from.sin_addr);
}
