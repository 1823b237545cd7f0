/* tcp_watch.h — what the peer of a TCP connection we send on has really taken, from the kernel's
 * own records (TCP_INFO, SIOCOUTQ), not from what our send() calls returned: bytes the peer
 * acknowledged, bytes still queued here, the window it advertises, whether it closed or reset.
 * And the stall rule built on it: a transfer has stalled only when neither the application
 * (byte counts, a reply) nor the peer's TCP (acks, window updates, our queue draining) showed
 * life for longer than the stall bound plus the time a slow device needs to drain what its
 * receive buffer may hold (../shared/notes/verdicts.md). */
#ifndef ESPURNA_OTA_TCP_WATCH_H
#define ESPURNA_OTA_TCP_WATCH_H

#include <stdbool.h>
#include <stdint.h>

/* The slowest rate a device takes data at that is still not a stall: one 4096-byte sector a
 * second covers a 400 ms sector erase (within datasheet limits), a slow write and the network. */
#define EO_SLOWEST_DEVICE_BYTES_PER_S 4096u
#define EO_SECTOR_ERASE_ALLOWANCE_MS 1000u

/* One reading of a connection. */
struct eo_tcp_sample {
    bool valid;           /* the kernel answered */
    uint64_t acked;       /* payload bytes the peer acknowledged since the connection opened */
    uint64_t queued;      /* bytes handed to the kernel and not yet acknowledged */
    uint32_t peer_window; /* the receive window the peer last advertised, bytes */
    bool closed;          /* the connection is gone (reset, or closed both ways) */
};

/* Reads TCP_INFO and SIOCOUTQ of a connected TCP socket. */
void eo_tcp_sample(int fd, struct eo_tcp_sample *out);

/* Whether the peer closed its side: 1 closed normally (EOF), -1 reset, 0 still open (or
 * unknown). Peeks; consumes nothing. */
int eo_tcp_peer_closed(int fd);

/* The stall rule. Feed it samples and application-level confirmations; ask it whether the
 * silence has gone on too long. */
struct eo_tcp_watch {
    double last_life;       /* eo_net_now() of the last sign of life */
    uint64_t acked, queued; /* from the previous sample */
    uint32_t peer_window, peer_window_max;
    uint64_t confirmed;  /* bytes the application confirmed (counts, 0 when it never does) */
    bool counts_confirm; /* the application confirms bytes (espota): the peer may hold at
                          * most acked - confirmed unread */
};

void eo_tcp_watch_start(struct eo_tcp_watch *watch, double now);
/* A sample: returns true when it shows life (more acknowledged, our queue shrank, the window
 * changed). */
bool eo_tcp_watch_feed(struct eo_tcp_watch *watch, const struct eo_tcp_sample *sample, double now);
/* The application confirmed progress (a byte count, a log line, a reply). */
void eo_tcp_watch_confirmed(struct eo_tcp_watch *watch, uint64_t confirmed, double now);
/* Bytes the peer may hold unread: what it acknowledged beyond what it confirmed, bounded by
 * twice the largest window it advertised (its buffer). */
uint64_t eo_tcp_watch_unread_bound(const struct eo_tcp_watch *watch);
/* Seconds of silence allowed: stall_ms, plus draining the unread bound at the slowest device
 * rate, plus a sector erase. */
double eo_tcp_watch_allowance(const struct eo_tcp_watch *watch, unsigned stall_ms);
/* Whether the silence since the last sign of life is longer than the allowance. */
bool eo_tcp_watch_stalled(const struct eo_tcp_watch *watch, double now, unsigned stall_ms);

#endif
