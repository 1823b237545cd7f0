/* tcp_watch.c — the kernel's record of what a TCP peer took (TCP_INFO, SIOCOUTQ) and the stall
 * rule on top of it: progress is what the peer confirmed, silence is a stall only when it lasts
 * longer than a slow device needs to drain what it may still hold. */
#include "espurna-ota/tcp_watch.h"

#include <errno.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* TCP_CLOSE of the kernel's tcp_states.h (netinet/tcp.h has it too, but its struct tcp_info is
 * older than linux/tcp.h's and the two cannot be included together) */
#define TCP_STATE_CLOSE 7

void eo_tcp_sample(int fd, struct eo_tcp_sample *out)
{
    struct tcp_info info;
    socklen_t len = sizeof info;
    memset(out, 0, sizeof *out);
    memset(&info, 0, sizeof info);
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
        return;
    out->valid = true;
    if (len >= offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
        out->acked = info.tcpi_bytes_acked;
    if (len >= offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof info.tcpi_snd_wnd)
        out->peer_window = info.tcpi_snd_wnd;
    out->closed = info.tcpi_state == TCP_STATE_CLOSE;
    int queued = 0;
    if (ioctl(fd, SIOCOUTQ, &queued) == 0 && queued > 0)
        out->queued = (uint64_t)queued;
}

int eo_tcp_peer_closed(int fd)
{
    char byte;
    ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0)
        return 1;
    if (n < 0 && (errno == ECONNRESET || errno == EPIPE || errno == ETIMEDOUT))
        return -1;
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 &&
        (error == ECONNRESET || error == EPIPE))
        return -1;
    return 0;
}

void eo_tcp_watch_start(struct eo_tcp_watch *watch, double now)
{
    memset(watch, 0, sizeof *watch);
    watch->last_life = now;
}

bool eo_tcp_watch_feed(struct eo_tcp_watch *watch, const struct eo_tcp_sample *sample, double now)
{
    if (!sample->valid)
        return false;
    bool life = sample->acked > watch->acked || sample->queued < watch->queued ||
                sample->peer_window != watch->peer_window;
    watch->acked = sample->acked > watch->acked ? sample->acked : watch->acked;
    watch->queued = sample->queued;
    watch->peer_window = sample->peer_window;
    if (sample->peer_window > watch->peer_window_max)
        watch->peer_window_max = sample->peer_window;
    if (life)
        watch->last_life = now;
    return life;
}

void eo_tcp_watch_confirmed(struct eo_tcp_watch *watch, uint64_t confirmed, double now)
{
    watch->counts_confirm = true;
    if (confirmed > watch->confirmed)
        watch->confirmed = confirmed;
    watch->last_life = now;
}

uint64_t eo_tcp_watch_unread_bound(const struct eo_tcp_watch *watch)
{
    uint64_t buffer = 2u * (uint64_t)watch->peer_window_max;
    if (!watch->counts_confirm)
        return buffer;
    uint64_t unconfirmed = watch->acked > watch->confirmed ? watch->acked - watch->confirmed : 0;
    return unconfirmed < buffer ? unconfirmed : buffer;
}

double eo_tcp_watch_allowance(const struct eo_tcp_watch *watch, unsigned stall_ms)
{
    return stall_ms / 1000.0 + EO_SECTOR_ERASE_ALLOWANCE_MS / 1000.0 +
           (double)eo_tcp_watch_unread_bound(watch) / EO_SLOWEST_DEVICE_BYTES_PER_S;
}

bool eo_tcp_watch_stalled(const struct eo_tcp_watch *watch, double now, unsigned stall_ms)
{
    return now - watch->last_life > eo_tcp_watch_allowance(watch, stall_ms);
}
