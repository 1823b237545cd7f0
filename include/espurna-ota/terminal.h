/* terminal.h — the terminal method: a small telnet session with an ESPurna device (each firmware
 * dialect's password prompt and replies, "[NNNNNN] " log prefixes, one command per line, read
 * until "+OK" / "-ERROR: ...") and the push that serves the image with the one-shot server
 * (serve.h), sends `ota http://<local address>:<port>/<token>` and then judges the outcome from
 * the server side — the device's "+OK" comes before it downloads anything and means nothing. */
#ifndef ESPURNA_OTA_TERMINAL_H
#define ESPURNA_OTA_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/image_file.h"
#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"

/* ---- pure parsing (unit-tested) ------------------------------------------------------- */

/* What one line (or, for prompts, the unfinished text after the last newline) from the device
 * means. */
enum eo_term_line {
    EO_TERM_TEXT = 0,       /* anything else (log output, command output) */
    EO_TERM_PROMPT,         /* "Password: " (first prompt, 1.13.3+) */
    EO_TERM_PROMPT_RETRY,   /* "Password (try again): " (1.14.1: the previous one was wrong) */
    EO_TERM_PROMPT_ONE_TRY, /* "Password (disconnects after 1 failed attempt): " (1.15-dev) */
    EO_TERM_WELCOME,        /* "Welcome!" / "Password correct, welcome!" */
    EO_TERM_OK,             /* "+OK" */
    EO_TERM_AUTH_FAILED,    /* "-ERROR: Invalid password" */
    EO_TERM_ERROR,          /* "-ERROR: <message>" */
    EO_TERM_OTA_SUCCESS,    /* "[OTA] Success: N bytes" */
    EO_TERM_OTA_ERROR,      /* "[OTA] ERROR..." (also "[OTA] Error ...", and the Updater's raw
                             * "ERROR[n]: text" that 1.14.1 prints during `ota`) */
};

/* The line without a leading "[NNNNNN] " timestamp (1.12–1.14) and without trailing CR/LF
 * and spaces (a prompt keeps nothing after its colon). Writes into out (always terminated). */
void eo_terminal_clean_line(const char *line, char *out, size_t cap);

/* Classifies one cleaned line. */
enum eo_term_line eo_terminal_classify(const char *clean_line);

/* Whether an unfinished line (no newline yet) is a password prompt; returns its kind, or
 * EO_TERM_TEXT when it is not (yet) one. */
enum eo_term_line eo_terminal_prompt_kind(const char *partial);

/* The message part of "-ERROR: <message>" / "[OTA] ERROR...: <message>", or the line. */
const char *eo_terminal_error_text(const char *clean_line);

/* ---- telnet session -------------------------------------------------------------------- */

#define EO_TELNET_BUFFER 4096

struct eo_telnet {
    int fd;
    char device[256];    /* for messages: name or address */
    unsigned timeout_ms; /* for each read */
    char buf[EO_TELNET_BUFFER];
    size_t len;
    bool closed;                    /* the device closed the connection */
    bool authenticated;             /* a password was asked for and accepted */
    const struct eo_cancel *cancel; /* may be NULL; every wait checks it every 100 ms */
};

/* Connects to address:port (numeric). `device` names the device in messages; `cancel` (may be
 * NULL) is kept for every later wait of the session. Errors: EO_ERR_UNREACHABLE (refused,
 * timeout: the message says the device may have no terminal), EO_ERR_INTERRUPTED.
 * Every call below also ends with EO_ERR_INTERRUPTED (err->signal set) once `cancel` is set. */
enum eo_status eo_telnet_connect(struct eo_telnet *session, const char *device, const char *address,
                                 uint16_t port, unsigned timeout_ms, const struct eo_cancel *cancel,
                                 struct eo_error *err);

/* Answers the password prompt if the device shows one within prompt_wait_ms (devices without a
 * password show none). Errors: EO_ERR_AUTH (rejected: hint PASSWORD_WRONG; a prompt and no
 * password given: hint PASSWORD_MISSING), EO_ERR_UNREACHABLE (closed). The password is never
 * copied into a message. */
enum eo_status eo_telnet_login(struct eo_telnet *session, const char *password,
                               unsigned prompt_wait_ms, struct eo_error *err);

/* Sends one command line (as one "cmd\r\n" write) and reads lines until "+OK" (EO_OK) or
 * "-ERROR: ..." (EO_ERR_REFUSED with the device's text); the device's final text goes to reply.
 * Errors: EO_ERR_UNREACHABLE (closed, timeout), EO_ERR_AUTH (asked for a password). */
enum eo_status eo_telnet_command(struct eo_telnet *session, const char *command, char *reply,
                                 size_t reply_cap, struct eo_error *err);

/* Sends one line ("text\r\n" in one write) without waiting for an answer (for devices that may
 * never print one). Errors: EO_ERR_UNREACHABLE (closed). */
enum eo_status eo_telnet_send(struct eo_telnet *session, const char *text, struct eo_error *err);

/* Reads one complete line (cleaned) within timeout_ms. Returns 1 with a line, 0 on timeout (or
 * as soon as the session's cancellation is set), -1 when the connection closed. */
int eo_telnet_read_line(struct eo_telnet *session, unsigned timeout_ms, char *line, size_t cap);

void eo_telnet_close(struct eo_telnet *session);

/* ---- the push --------------------------------------------------------------------------- */

struct eo_terminal_options {
    const char *password;        /* admin password, or NULL / "" when none */
    const char *serve_address;   /* local address to serve on; NULL: the one facing the device */
    uint16_t serve_port;         /* 0: ephemeral */
    bool serve_allow_any;        /* answer every client, not only the device's address */
    unsigned connect_timeout_ms; /* telnet connect and each reply (0: 10 s) */
    unsigned fetch_timeout_ms;   /* how long the device may take to start fetching (0: 30 s) */
    unsigned stall_timeout_ms;   /* the stall rule's bound for the fetch (0: 30 s), see serve.h */
    unsigned linger_ms;          /* after delivery, watch the terminal for "[OTA] ..." (0: 3 s) */
    eo_progress_fn progress;
    void *progress_ctx;
    const struct eo_cancel *cancel; /* may be NULL; checked at least every 100 ms */
};

/* Serves the image, asks the device to fetch it and waits for the outcome, judged by what the
 * device's TCP acknowledged (serve.h):
 * EO_OK "image delivered; waiting for reboot": every byte acknowledged and the device closed
 * the connection (result->device_reply holds the device's last "[OTA] ..." line when it printed
 * one); EO_ERR_UNKNOWN (every byte acknowledged, the device neither closed the connection nor
 * said how it went: hint CHECK_VERSION); EO_ERR_UNREACHABLE (no terminal, or the device never
 * fetched the image: hint FETCH_BACK); EO_ERR_TRANSFER (fetch stopped or stalled at N% of what
 * it acknowledged); EO_ERR_AUTH, EO_ERR_REFUSED / EO_ERR_NOFIT (the device said no);
 * EO_ERR_INTERRUPTED (options->cancel: the message says where the device stands). */
enum eo_status eo_terminal_push(const struct eo_target *target, const struct eo_image *image,
                                const struct eo_terminal_options *options,
                                struct eo_push_result *result, struct eo_error *err);

#endif
