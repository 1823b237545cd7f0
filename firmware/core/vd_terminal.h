/* vd_terminal.h — the telnet terminal's logic per era: the password dialogue, line assembly,
 * the commands (help, info, reset, reset.safe, ota <url>) and their "+OK" / "-ERROR: ..."
 * replies. Output goes out as the firmware's debug messages do: 1.14 puts a "[NNNNNN] "
 * uptime prefix before a message that starts a line, dev none, and a 1.14 core build
 * (DEBUG_TELNET_SUPPORT 0) prints nothing at all while its commands still run. */
#ifndef VD_TERMINAL_H
#define VD_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vd_era.h"
#include "vd_identity.h"
#include "vd_ports.h"

struct vd_terminal_io {
    void *ctx;
    void (*write)(void *ctx, const char *data, size_t len);
    uint64_t (*uptime_ms)(void *ctx);
};

struct vd_terminal_config {
    enum vd_era era;
    bool silent;          /* nothing reaches telnet (1.14 core builds) */
    const char *password; /* NULL or "" = no prompt */
    const struct vd_identity *identity;
    const char *hostname;
    uint32_t chip_id;
    uint8_t mac[6];
    bool safe_mode;        /* this boot is unstable (info says so) */
    unsigned boot_counter; /* the stability counter (dev info) */
};

enum vd_terminal_state { VD_TERM_PASSWORD = 0, VD_TERM_READY, VD_TERM_CLOSED };

/* What the port must do after input (bits). */
enum vd_terminal_action {
    VD_TERM_NONE = 0,
    VD_TERM_CLOSE = 1,       /* disconnect the client */
    VD_TERM_REBOOT = 2,      /* `reset` */
    VD_TERM_OTA = 4,         /* `ota <url>`: fetch ota_url (its answer was written) */
    VD_TERM_REBOOT_SAFE = 8, /* `reset.safe`: stability counter to the maximum, then reboot */
};

#define VD_TERM_LINE_MAX 512

struct vd_terminal {
    struct vd_terminal_config config;
    struct vd_terminal_io io;
    enum vd_terminal_state state;
    bool line_start; /* the last message ended a line: the next one gets the prefix */
    char line[VD_TERM_LINE_MAX];
    size_t line_len;
    bool line_overflow;
    char ota_url[VD_TERM_LINE_MAX];
};

/* A client connected: writes the password prompt (or nothing). */
void vd_terminal_open(struct vd_terminal *term, const struct vd_terminal_config *config,
                      const struct vd_terminal_io *io);
/* Bytes from the client; returns vd_terminal_action bits (several lines may be in data). */
int vd_terminal_input(struct vd_terminal *term, const char *data, size_t len);
/* One debug message (DEBUG_MSG_P): the text as given (its own line ends), with the 1.14
 * prefix when it starts a line; nothing on a silent build. */
void vd_terminal_send(struct vd_terminal *term, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* Text written to the terminal's stream directly (no prefix, line state untouched). */
void vd_terminal_raw(struct vd_terminal *term, const char *text);

#endif
