/* serve.h — the one-shot image server (libmicrohttpd): serves one image under an unguessable
 * one-time path (/<32 hex chars>), on a given local address and an ephemeral or given port, to
 * one allowed client address (403 for any other address, 404 for any other path, 405 for any
 * method but GET/HEAD, 410 once the image was delivered). It counts the bytes handed to each
 * request and knows whether one complete transfer happened; the owner waits for that (or a
 * timeout) and stops it. Used by the terminal method (`ota <url>`) and by `espurna-ota serve`.
 * Thread-safe: the server runs in libmicrohttpd's thread, status queries take a lock. */
#ifndef ESPURNA_OTA_SERVE_H
#define ESPURNA_OTA_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/status.h"

#define EO_SERVE_TOKEN_LEN 32 /* hex chars: 128 random bits from OpenSSL RAND_bytes */

struct eo_serve_options {
    const char *bind_address;  /* numeric IPv4/IPv6 local address to listen on (required) */
    uint16_t port;             /* 0: an ephemeral port */
    const char *allow_address; /* numeric address of the only client served; NULL: any */
    unsigned idle_timeout_s;   /* drop a connection idle this long (0: 30 s) */
};

/* What the server has seen so far. `generation` grows with every change, so a waiter can tell
 * whether something happened. */
struct eo_serve_status {
    uint64_t generation;
    uint64_t size;          /* bytes of the image */
    uint64_t best_bytes;    /* most bytes handed to one request for the image */
    unsigned requests;      /* GET requests for the image (from the allowed address) */
    unsigned active;        /* of those, still transferring */
    unsigned rejected;      /* answered 403 / 404 / 405 / 410 */
    bool complete;          /* one request received the whole image */
    char client[64];        /* address of the last client that asked for the image */
};

struct eo_serve;

/* Starts serving `size` bytes at `data` (the caller keeps them alive until eo_serve_stop).
 * Errors: EO_ERR_USAGE (bad address), EO_ERR_UNREACHABLE (cannot bind: address not local,
 * port in use), EO_ERR_INTERNAL (no randomness, libmicrohttpd failure). */
enum eo_status eo_serve_start(const struct eo_serve_options *options, const uint8_t *data,
                              size_t size, struct eo_serve **out, struct eo_error *err);

/* The full URL, token included: http://<address>:<port>/<token> (IPv6 in brackets). */
const char *eo_serve_url(const struct eo_serve *server);
/* The URL without the token (for messages): http://<address>:<port>/ */
const char *eo_serve_base_url(const struct eo_serve *server);
uint16_t eo_serve_port(const struct eo_serve *server);

void eo_serve_get_status(struct eo_serve *server, struct eo_serve_status *out);

/* Waits until the status' generation differs from `seen_generation` or `timeout_ms` passes,
 * then fills `out`. Returns true when something changed. */
bool eo_serve_wait_change(struct eo_serve *server, uint64_t seen_generation, unsigned timeout_ms,
                          struct eo_serve_status *out);

/* Waits until one complete transfer happened or `timeout_ms` passed (0: forever); fills out.
 * Returns true when the image was delivered. */
bool eo_serve_wait_complete(struct eo_serve *server, unsigned timeout_ms,
                            struct eo_serve_status *out);

/* Percentage (0–100, rounded down) of the image handed to the best request. */
unsigned eo_serve_percent(const struct eo_serve_status *status);

/* Stops the server, closes every connection, frees it. NULL is fine. */
void eo_serve_stop(struct eo_serve *server);

/* Pure helpers (unit-tested): whether `url_path` is exactly "/<token>"; a constant-time
 * comparison of the token part. */
bool eo_serve_path_matches(const char *url_path, const char *token);

#endif
