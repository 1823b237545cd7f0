/* espota.h — the host side of the ArduinoOTA ("espota") protocol: invite the device over UDP,
 * answer its challenge, accept its TCP connection back and stream the image to it, pipelined
 * (several chunks in flight, paced by the device's acks and TCP flow control), then read the
 * device's verdict. The pure parts (challenge responses, the ack/result stream parser) are
 * declared here too so that unit tests can reach them. */
#ifndef ESPURNA_OTA_ESPOTA_H
#define ESPURNA_OTA_ESPOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/image_file.h"
#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"

/* Chunks in flight. A device counts once per read burst, so the sender waits one round trip
 * per window: tests/bench/espota-throughput against the per-sector device (33 ms a sector,
 * 5840-byte window) gives 32 chunks 93–94 % of the flash limit at a 20 ms round trip (16:
 * 89 %). */
#define EO_ESPOTA_DEFAULT_WINDOW 32u
#define EO_ESPOTA_MAX_WINDOW 256u
#define EO_ESPOTA_DEFAULT_CHUNK 1460u     /* one Ethernet-sized TCP segment, as the reference */
#define EO_ESPOTA_DEFAULT_INVITE_MS 2000u /* wait for an answer to one invitation datagram */
#define EO_ESPOTA_DEFAULT_INVITE_TRIES 5u
#define EO_ESPOTA_DEFAULT_CONNECT_MS 10000u
#define EO_ESPOTA_DEFAULT_STALL_MS 10000u
#define EO_ESPOTA_DEFAULT_RESULT_MS 60000u

enum eo_espota_chip { EO_ESPOTA_AUTO = 0, EO_ESPOTA_ESP8266, EO_ESPOTA_ESP32 };

struct eo_espota_options {
    const char *password;        /* used only when the device asks; NULL or "" = none */
    uint16_t host_port;          /* local TCP port the device connects back to; 0 = ephemeral */
    unsigned window;             /* chunks in flight; 1 = stop-and-wait like espota.py */
    unsigned chunk_size;         /* bytes per send */
    unsigned invite_timeout_ms;  /* silence after one invitation before it is sent again */
    unsigned invite_tries;       /* invitations sent at most (also bounds the auth reply) */
    unsigned connect_timeout_ms; /* wait for the device to connect back */
    unsigned stall_timeout_ms;   /* no progress at all during the transfer */
    unsigned result_timeout_ms;  /* wait for OK / ERROR after the last byte */
    enum eo_espota_chip chip;    /* AUTO: the nonce length tells the auth scheme */
    uint32_t device_flash_size;  /* bytes, 0 = unknown (refuse images built for more) */
    uint32_t device_free_space;  /* bytes, 0 = unknown (named in "not enough space") */
    eo_progress_fn progress;     /* may be NULL */
    void *progress_ctx;
    const struct eo_cancel *cancel; /* may be NULL; checked at least every 100 ms */
};

/* Defaults above; no password, no progress. */
void eo_espota_options_init(struct eo_espota_options *options);

/* Pushes one image to one device (target->address, target->espota_port). Fills result in every
 * case. Errors: EO_ERR_NOFIT (flash size, Not Enough Space), EO_ERR_UNREACHABLE (no answer, no
 * connect-back), EO_ERR_AUTH, EO_ERR_REFUSED, EO_ERR_TRANSFER, EO_ERR_INTERNAL. Every message
 * names the device and says what to do. Progress is reported from this thread. */
enum eo_status eo_espota_push(const struct eo_target *target, const struct eo_image *image,
                              const struct eo_espota_options *options,
                              struct eo_push_result *result, struct eo_error *err);

/* ---- authentication (espota_auth.c) ------------------------------------------------------
 * MD5 scheme (every ESP8266 core, ESP32 up to 3.3.0), nonce of 32 hex characters:
 *   cnonce   = md5hex(file_name + decimal(size) + md5hex(file) + device_address)
 *   response = md5hex(md5hex(password) + ":" + nonce + ":" + cnonce)
 * PBKDF2 scheme (ESP32 core >= 3.3.1), nonce of 64 hex characters:
 *   cnonce   = sha256hex(file_name + decimal(size) + md5hex(file) + device_address)
 *   key      = hex(PBKDF2-HMAC-SHA256(password = sha256hex(password),
 *                                     salt = nonce + ":" + cnonce, 10000 iterations, 32 bytes))
 *   response = sha256hex(key + ":" + nonce + ":" + cnonce)
 * Both end in "200 <cnonce> <response>\n". */
#define EO_ESPOTA_AUTH_HEX_MAX 65u

enum eo_espota_auth_scheme { EO_ESPOTA_AUTH_NONE = 0, EO_ESPOTA_AUTH_MD5, EO_ESPOTA_AUTH_PBKDF2 };

/* The scheme a nonce asks for: 32 lower/upper hex → MD5, 64 → PBKDF2, else NONE. */
enum eo_espota_auth_scheme eo_espota_auth_scheme_for(const char *nonce);

/* Computes cnonce and response (lower-case hex) for the scheme the nonce asks for.
 * EO_ERR_REFUSED for a malformed nonce, EO_ERR_INTERNAL when OpenSSL fails. */
enum eo_status eo_espota_auth_compute(const char *password, const char *nonce,
                                      const char *file_name, uint64_t size, const char *file_md5,
                                      const char *device_address,
                                      char cnonce[EO_ESPOTA_AUTH_HEX_MAX],
                                      char response[EO_ESPOTA_AUTH_HEX_MAX], struct eo_error *err);

/* ---- the device's TCP replies (espota_reply.c) ---------------------------------------------
 * During the data phase the device sends decimal byte counts with no separator; after the last
 * byte it sends its verdict: "OK" (possibly glued to a count: "392OK"), "ERROR[n]: text\n"
 * (ESP8266) or a plain error line (ESP32). Input may arrive split or glued in any way. */
#define EO_ESPOTA_REPLY_TEXT_MAX 256u
#define EO_ESPOTA_DIGITS_MAX 96u

enum eo_espota_verdict {
    EO_ESPOTA_VERDICT_NONE = 0,      /* only counts so far */
    EO_ESPOTA_VERDICT_OK,            /* "OK" seen and no 'E' */
    EO_ESPOTA_VERDICT_ERROR_PARTIAL, /* an error has started; its line is not complete yet */
    EO_ESPOTA_VERDICT_ERROR,         /* an error line is complete (newline or connection closed) */
};

struct eo_espota_reply {
    uint64_t digit_chars;              /* count digits seen so far (counts cannot be told apart) */
    uint64_t feed_value;               /* value of the digits the last feed brought, as one number
                                        * (saturating); 0 when it brought none */
    char digits[EO_ESPOTA_DIGITS_MAX]; /* the counts the last feed brought, as sent: digit runs,
                                        * a space where the device put a separator; NUL-terminated
                                        * and cut short (a prefix) when longer */
    bool text_started;  /* a non-digit arrived: everything after is the verdict text */
    bool text_complete; /* newline seen, or eo_espota_reply_close() */
    char text[EO_ESPOTA_REPLY_TEXT_MAX];
    size_t text_len;
};

void eo_espota_reply_init(struct eo_espota_reply *reply);
/* Feeds received bytes. Returns the number of digits this feed brought (0 when none). */
size_t eo_espota_reply_feed(struct eo_espota_reply *reply, const char *data, size_t len);
/* The connection was closed: a partial error line is complete now. */
void eo_espota_reply_close(struct eo_espota_reply *reply);
/* Bytes a run of counts confirms, at most `limit` (the bytes sent and not yet confirmed when
 * they arrived). `digits` as in eo_espota_reply.digits: groups split by spaces; within a group
 * the counts may be glued ("14601460"). A group that fits the limit as one number is one count
 * (where the device separates its counts, a group that does not fit confirms nothing);
 * one that does not is read as the fewest glued counts that fit (each at least 1, no leading
 * zero; the devices' counts are few and alike), the smallest total among those; a group no
 * split fits confirms nothing. */
uint64_t eo_espota_counts_credit(const char *digits, uint64_t limit);
/* The same reading, knowing the image size, and whether the counts claim more than was sent
 * (*overclaim): a group that no reading fits within the limit, or one that must be a single
 * count — separated, or at most image_size (no count is larger than the image, so only a
 * larger group has to be glued counts) — and is above the limit. Such a group confirms
 * nothing. A device that counts what it read never does that. */
uint64_t eo_espota_counts_read(const char *digits, uint64_t limit, uint64_t image_size,
                               bool *overclaim);
/* 'E' before 'O': "ERROR" contains an O. */
enum eo_espota_verdict eo_espota_reply_verdict(const struct eo_espota_reply *reply);
/* The verdict text without trailing newline/spaces ("OK", "ERROR[7]: MD5 verification failed"). */
const char *eo_espota_reply_text(const struct eo_espota_reply *reply);

#endif
