/* web.h — the web method (libcurl): reads GET /discover to confirm which device answers, asks
 * GET / which auth the device wants (401 and its challenge, or none), then POSTs the image to
 * /upgrade once, as one multipart file part, with exactly that auth as "admin" (Digest, Basic
 * or none), and judges the device's reply: only a body of exactly "OK" is success, whatever
 * the status. Progress and the stall rule follow what the device's TCP acknowledged, not what
 * this host queued (tcp_watch.h); once the device took the whole body its answer has a bound of
 * its own, and a run that ends without one is "unknown", never "failed". The reply classifier
 * is pure and covers every firmware generation's bodies (1.12–1.14.0 "ERROR <n>", 1.14.1+
 * 400/500 texts, 401). */
#ifndef ESPURNA_OTA_WEB_H
#define ESPURNA_OTA_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/image_file.h"
#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"

#define EO_WEB_USER "admin"

struct eo_web_options {
    const char *password;        /* admin password, or NULL / "" when none was given */
    const char *expect_hostname; /* refuse when /discover names another device; NULL: any */
    bool skip_discover;          /* don't read /discover first */
    bool https;                  /* speak https (devices built with TLS); implied by the next two */
    const char *ca_file;         /* PEM bundle to verify the device's certificate */
    const char *pinned_key;      /* "sha256//<base64>" (or a PEM/DER public key file): with it
                                    and no ca_file, only the pin is checked */
    unsigned connect_timeout_ms; /* 0: 10 s */
    unsigned stall_timeout_ms;   /* the upload stalled when the device's TCP showed no sign of
                                    life this long, plus what a slow device needs to drain its
                                    receive buffer (tcp_watch.h); GET requests get connect +
                                    stall in all (0: 30 s) */
    unsigned result_timeout_ms;  /* once the device's TCP acknowledged the whole body, wait this
                                    long for its answer; then the outcome is unknown (0: 60 s) */
    uint32_t free_space;         /* the device's free OTA space in bytes when known, else 0:
                                    an image that cannot fit the web path is refused early */
    uint32_t device_flash_size;  /* the device's real flash size in bytes when known (mDNS
                                    mem_size), else 0: tells a two-step case from an image
                                    built for a larger flash */
    eo_progress_fn progress;
    void *progress_ctx;
    const struct eo_cancel *cancel; /* may be NULL; checked whenever libcurl reports, at least
                                       once a second and at once when a signal interrupts it */
};

/* What GET /discover said. */
struct eo_web_identity {
    bool known; /* /discover answered with ESPurna JSON */
    char app[32];
    char version[64];
    char hostname[64];
    char device[64];
};

/* What the reply was about, for messages. */
struct eo_web_reply_context {
    const char *device; /* name or address */
    uint64_t image_size;
    bool password_given;        /* a 401 then means a wrong password, not a missing one */
    const char *via;            /* for messages: "web upload" (default) or "terminal ota" */
    uint32_t image_flash_size;  /* flash size the image is built for (its header), 0: unknown */
    uint32_t device_flash_size; /* the device's real flash size, 0: unknown */
};

/* ---- pure parts (unit-tested) -------------------------------------------------------- */

/* Classifies the device's answer to POST /upgrade. EO_OK only for a body of exactly "OK".
 * 401 → EO_ERR_AUTH (hint PASSWORD_MISSING or PASSWORD_WRONG); "ERROR[4]" / "ERROR 4" (not
 * enough space) → EO_ERR_NOFIT with sizes, hint TWO_STEP only when the image would fit beside
 * the smallest core image on the flash it is built for and nothing says the device has less
 * (FLASH_SIZE when it is built for more than the device has, or for more than 1 MB on a device
 * of unknown size; none when no core image can make room); invalid image / magic / flash config
 * → EO_ERR_REFUSED (FLASH_SIZE when the image's own header is known good, i.e. it is the flash
 * configuration the device refuses), error 9 → EO_ERR_NOFIT (FLASH_SIZE); upgrade in progress →
 * EO_ERR_REFUSED (BUSY); 404 → EO_ERR_REFUSED (NO_WEB); anything else (incl. 200 with another
 * body) → EO_ERR_TRANSFER quoting the device. Sets err->http_status and err->updater_code. */
enum eo_status eo_web_classify(long http_status, const char *body,
                               const struct eo_web_reply_context *context, struct eo_error *err);

/* Parses a /discover body. Returns false when it is not ESPurna's JSON object. */
bool eo_web_parse_discover(const char *body, struct eo_web_identity *out);

/* Whether `discovered` is the device the user meant by `expected` (case-insensitive, a
 * ".local" suffix on either side ignored). */
bool eo_web_hostname_matches(const char *expected, const char *discovered);

/* Largest image (bytes) the web path accepts beside `free_space` bytes of free OTA space: it
 * reserves (free − 4096) rounded down to a sector. */
uint32_t eo_web_max_image(uint32_t free_space);

/* Refuses (EO_ERR_NOFIT, with the same hints as a "Not Enough Space" answer) an image larger
 * than the web path takes beside `free_space` bytes; EO_OK when it fits or free_space is 0. */
enum eo_status eo_web_check_fit(const struct eo_web_reply_context *context, uint32_t free_space,
                                struct eo_error *err);

/* The printable part of a device's text, trimmed and shortened to a message-sized quote. */
void eo_web_quote(const char *text, char *out, size_t cap);

/* Image bytes the device's TCP acknowledged, from what libcurl sent of the multipart form
 * (form_sent of form_total bytes) and what this host's kernel still holds unacknowledged on the
 * connection (queued: SIOCOUTQ). The request headers went first, so everything acknowledged
 * beyond them is form; the form's envelope is counted as if it all came first, so the result
 * never exceeds what the device took, and reaches image_size only when the whole request was
 * acknowledged. 0 when form_total is smaller than the image (a request without the body). */
uint64_t eo_web_body_taken(uint64_t form_sent, uint64_t form_total, uint64_t queued,
                           uint64_t image_size);

/* ---- network --------------------------------------------------------------------------- */

/* GET /discover (no auth). EO_OK with identity->known false when the device has none (404,
 * not JSON: minimal-webui builds). Errors: EO_ERR_UNREACHABLE (hint NO_WEB only when port 80
 * refused while the device's telnet port answers; RETRY when it refused and nothing answers,
 * or timed out), EO_ERR_INTERRUPTED. */
enum eo_status eo_web_discover(const struct eo_target *target, const struct eo_web_options *options,
                               struct eo_web_identity *identity, struct eo_error *err);

/* eo_web_discover, then refuses (EO_ERR_UNREACHABLE) when options->expect_hostname is set and
 * /discover names another device. */
enum eo_status eo_web_confirm(const struct eo_target *target, const struct eo_web_options *options,
                              struct eo_web_identity *identity, struct eo_error *err);

/* Confirms the device (unless skipped), asks GET / for the auth it wants, then uploads the
 * image once. `identity` (may be NULL) receives what /discover said. Without a password and a
 * 401 from GET /: EO_ERR_AUTH before any of the image is sent. Failures before the device's TCP
 * took the whole body: EO_ERR_TRANSFER saying how much it took (it drops the update); after it:
 * EO_ERR_UNKNOWN (hint CHECK_VERSION) when no answer came within result_timeout_ms or the
 * connection ended without one; cancellation: EO_ERR_INTERRUPTED (eo_push_interrupted).
 * result->bytes_confirmed is what the device's TCP acknowledged (the image size on success). */
enum eo_status eo_web_push(const struct eo_target *target, const struct eo_image *image,
                           const struct eo_web_options *options, struct eo_push_result *result,
                           struct eo_web_identity *identity, struct eo_error *err);

#endif
