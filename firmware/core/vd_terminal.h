/* vd_terminal.h — the telnet terminal's logic: the password dialogue of each dialect, line
 * assembly, the commands (help, info, reset, ota <url>) and the "+OK" / "-ERROR: ..." replies,
 * with the 1.14 "[NNNNNN] " uptime prefix. Output goes through the port's write callback. */
#ifndef VD_TERMINAL_H
#define VD_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vd_identity.h"
#include "vd_ports.h"

struct vd_terminal_io {
    void *ctx;
    void (*write)(void *ctx, const char *data, size_t len);
    uint64_t (*uptime_ms)(void *ctx);
};

struct vd_terminal_config {
    enum vd_dialect dialect;
    const char *password;             /* NULL or "" = no prompt */
    const struct vd_identity *identity;
    const char *hostname;
    uint32_t chip_id;
    uint8_t mac[6];
};

enum vd_terminal_state { VD_TERM_PASSWORD = 0, VD_TERM_READY, VD_TERM_CLOSED };

/* What the port must do after input (bits). */
enum vd_terminal_action {
    VD_TERM_NONE = 0,
    VD_TERM_CLOSE = 1,   /* disconnect the client */
    VD_TERM_REBOOT = 2,  /* `reset` */
    VD_TERM_OTA = 4,     /* `ota <url>`: fetch ota_url (after "+OK" was written) */
};

#define VD_TERM_LINE_MAX 512

struct vd_terminal {
    struct vd_terminal_config config;
    struct vd_terminal_io io;
    enum vd_terminal_state state;
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
/* One log line to the client, with the dialect's prefix ("[OTA] Success: ..."). */
void vd_terminal_log(struct vd_terminal *term, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
