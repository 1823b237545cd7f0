/* serve.h — the one-shot image server (libmicrohttpd): serves one image under an unguessable
 * one-time path (/<32 hex chars>), on a given local address and an ephemeral or given port, to
 * one allowed client address (any other address is refused when it connects; 404 for any other
 * path, 405 for any method but GET/HEAD, 410 once the image was delivered). A connection whose
 * request headers do not arrive within EO_SERVE_HEADER_TIMEOUT_S is closed.
 *
 * What a client received is judged from the kernel's record of the connection (tcp_watch.h),
 * not from what was written into local socket buffers: progress is the body bytes the client's
 * TCP acknowledged; a transfer is complete only when every byte was acknowledged and the client
 * then closed the connection normally (it reads until we close, and a client that closes with
 * unread data resets the connection instead); it stalls only by the stall rule of tcp_watch.h,
 * and a stalled or abandoned transfer is reset, never closed normally (a device that reads
 * until the server closes would take a normal close for the end of the image).
 *
 * Used by the terminal method (`ota <url>`) and by `espurna-ota serve`. Thread-safe: the server
 * runs in libmicrohttpd's thread and a watcher thread; status queries take a lock. */
#ifndef ESPURNA_OTA_SERVE_H
#define ESPURNA_OTA_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/status.h"

#define EO_SERVE_TOKEN_LEN 32         /* hex chars: 128 random bits from OpenSSL RAND_bytes */
#define EO_SERVE_HEADER_TIMEOUT_S 10u /* a request's headers must be complete this soon */
#define EO_SERVE_DEFAULT_STALL_MS 30000u

struct eo_serve_options {
    const char *bind_address;  /* numeric IPv4/IPv6 local address to listen on and to put in the
                                * URL (required; not an unspecified address like 0.0.0.0) */
    uint16_t port;             /* 0: an ephemeral port */
    const char *allow_address; /* numeric address of the only client served; NULL: any */
    unsigned idle_timeout_s;   /* drop a connection idle this long before it asks for the image
                                * (0: 30 s); the image transfer itself follows the stall rule */
    unsigned stall_timeout_ms; /* the stall rule's bound (0: EO_SERVE_DEFAULT_STALL_MS) */
};

/* How a transfer of the image ended. */
enum eo_serve_end {
    EO_SERVE_END_NONE = 0, /* none has ended yet */
    EO_SERVE_END_COMPLETE, /* every byte acknowledged, then the client closed normally */
    EO_SERVE_END_UNKNOWN,  /* every byte acknowledged, but the client neither closed nor reset
                            * the connection within the stall rule's bound */
    EO_SERVE_END_BROKEN,   /* the connection ended before every byte was acknowledged */
    EO_SERVE_END_RESET,    /* every byte acknowledged, then the client reset the connection:
                            * it dropped what it had not read */
    EO_SERVE_END_STALLED,  /* no progress and no sign of life: we reset it */
};

/* What the server has seen so far. `generation` grows with every change, so a waiter can tell
 * whether something happened. */
struct eo_serve_status {
    uint64_t generation;
    uint64_t size;              /* bytes of the image */
    uint64_t best_confirmed;    /* most body bytes one client acknowledged (its TCP took them) */
    unsigned requests;          /* GET requests for the image (from an allowed address) */
    unsigned active;            /* of those, not ended yet */
    unsigned rejected;          /* refused: another address, path or method, 410, slow headers */
    bool complete;              /* one transfer ended EO_SERVE_END_COMPLETE */
    bool unknown;               /* one transfer ended EO_SERVE_END_UNKNOWN */
    enum eo_serve_end last_end; /* how the last transfer that ended did */
    char client[64];            /* address of the last client that asked for the image */
};

struct eo_serve;

/* Starts serving `size` bytes at `data` (the caller keeps them alive until eo_serve_stop).
 * Errors: EO_ERR_USAGE (not a numeric address, or an unspecified one: hint SERVE_ADDRESS),
 * EO_ERR_UNREACHABLE (cannot bind: address not local, port in use), EO_ERR_INTERNAL (no
 * randomness, libmicrohttpd failure). */
enum eo_status eo_serve_start(const struct eo_serve_options *options, const uint8_t *data,
                              size_t size, struct eo_serve **out, struct eo_error *err);

/* The full URL, token included: http://<address>:<port>/<token> (IPv6 in brackets). */
const char *eo_serve_url(const struct eo_serve *server);
/* The URL without the token (for messages): http://<address>:<port>/ */
const char *eo_serve_base_url(const struct eo_serve *server);
uint16_t eo_serve_port(const struct eo_serve *server);

/* The status as of now: every connection is looked at first (what its client acknowledged). */
void eo_serve_get_status(struct eo_serve *server, struct eo_serve_status *out);

/* Waits until the status' generation differs from `seen_generation` or `timeout_ms` passes,
 * then fills `out`. Returns true when something changed. */
bool eo_serve_wait_change(struct eo_serve *server, uint64_t seen_generation, unsigned timeout_ms,
                          struct eo_serve_status *out);

/* Waits until one transfer was settled for good (complete, or unknown) or `timeout_ms` passed
 * (0: forever); fills out. Returns true when one was complete. */
bool eo_serve_wait_complete(struct eo_serve *server, unsigned timeout_ms,
                            struct eo_serve_status *out);

/* Whether the image went out for good: complete, or every byte acknowledged (unknown). */
bool eo_serve_delivered(const struct eo_serve_status *status);

/* Percentage (0–100, rounded down) of the image the best client acknowledged. */
unsigned eo_serve_percent(const struct eo_serve_status *status);

/* Stops the server and frees it. A transfer not fully acknowledged is reset, so the client
 * cannot take the end of the connection for the end of the image. NULL is fine. */
void eo_serve_stop(struct eo_serve *server);

/* Pure helpers (unit-tested): whether `url_path` is exactly "/<token>"; a constant-time
 * comparison of the token part. Body bytes a client acknowledged, from what its TCP
 * acknowledged on the connection (`acked`, response headers included) and what is still
 * queued, knowing how much of the body was written: never more than acknowledged. */
bool eo_serve_path_matches(const char *url_path, const char *token);
uint64_t eo_serve_body_confirmed(uint64_t acked, uint64_t queued, uint64_t handed, uint64_t size,
                                 bool all_written);

/* What the kernel and libmicrohttpd say about one image transfer at one moment. */
struct eo_serve_reading {
    bool all_written;  /* libmicrohttpd wrote the whole response into the socket */
    bool write_failed; /* libmicrohttpd ended the request with an error */
    uint64_t unacked;  /* response bytes not acknowledged yet (our FIN not counted) */
    int peer_closed;   /* the client closed (1) or reset (-1) its side, 0 neither */
    bool closed_early; /* it closed before it had acknowledged every byte */
    bool gone;         /* the connection is closed both ways */
    bool stalled;      /* the stall rule (tcp_watch.h) says so */
};
/* How the transfer ended so far (EO_SERVE_END_NONE: not yet). Complete only when the whole
 * response was written, every byte acknowledged and the client then closed normally. */
enum eo_serve_end eo_serve_judge_transfer(const struct eo_serve_reading *reading);
/* Whether a numeric address is unspecified (0.0.0.0, ::, ::ffff:0.0.0.0): it listens on every
 * interface but cannot be put in a URL. */
bool eo_serve_address_unspecified(const char *address);

#endif
