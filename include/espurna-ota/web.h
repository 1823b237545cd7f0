/* web.h — the web method (libcurl): reads GET /discover to confirm which device answers, then
 * POSTs the image to /upgrade as one multipart file part, with Digest (or Basic, when offered)
 * auth as "admin", and judges the device's reply: only a body of exactly "OK" is success,
 * whatever the status. The reply classifier is pure and covers every firmware generation's
 * bodies (1.12–1.14.0 "ERROR <n>", 1.14.1+ 400/500 texts, 401). */
#ifndef ESPURNA_OTA_WEB_H
#define ESPURNA_OTA_WEB_H

#include <stdbool.h>
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
    unsigned stall_timeout_ms;   /* give up when nothing moved for this long (0: 30 s; whole
                                    seconds, rounded up) */
    uint32_t free_space;         /* the device's free OTA space in bytes when known, else 0:
                                    an image that cannot fit the web path is refused early */
    eo_progress_fn progress;
    void *progress_ctx;
    const struct eo_cancel *cancel; /* may be NULL; checked at least every 100 ms */
};

/* What GET /discover said. */
struct eo_web_identity {
    bool known;            /* /discover answered with ESPurna JSON */
    char app[32];
    char version[64];
    char hostname[64];
    char device[64];
};

/* What the reply was about, for messages. */
struct eo_web_reply_context {
    const char *device;    /* name or address */
    uint64_t image_size;
    bool password_given;   /* a 401 then means a wrong password, not a missing one */
    const char *via;       /* for messages: "web upload" (default) or "terminal ota" */
};

/* ---- pure parts (unit-tested) -------------------------------------------------------- */

/* Classifies the device's answer to POST /upgrade. EO_OK only for a body of exactly "OK".
 * 401 → EO_ERR_AUTH; "ERROR[4]" / "ERROR 4" (not enough space) → EO_ERR_NOFIT with sizes and
 * the two-step hint; invalid image / magic / flash config → EO_ERR_REFUSED; upgrade in
 * progress → EO_ERR_REFUSED (busy, try again); 404 → EO_ERR_REFUSED (no web upgrade);
 * anything else (incl. 200 with another body) → EO_ERR_TRANSFER quoting the device. */
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

/* ---- network --------------------------------------------------------------------------- */

/* GET /discover (no auth). EO_OK with identity->known false when the device has none (404,
 * not JSON: minimal-webui builds). Errors: EO_ERR_UNREACHABLE. */
enum eo_status eo_web_discover(const struct eo_target *target, const struct eo_web_options *options,
                               struct eo_web_identity *identity, struct eo_error *err);

/* eo_web_discover, then refuses (EO_ERR_UNREACHABLE) when options->expect_hostname is set and
 * /discover names another device. */
enum eo_status eo_web_confirm(const struct eo_target *target, const struct eo_web_options *options,
                              struct eo_web_identity *identity, struct eo_error *err);

/* Confirms the device (unless skipped), then uploads the image. `identity` (may be NULL)
 * receives what /discover said. */
enum eo_status eo_web_push(const struct eo_target *target, const struct eo_image *image,
                           const struct eo_web_options *options, struct eo_push_result *result,
                           struct eo_web_identity *identity, struct eo_error *err);

#endif
