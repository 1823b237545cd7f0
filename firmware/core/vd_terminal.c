/* vd_terminal.c — terminal dialogue and commands. Prompts and the password verdicts are
 * written raw (no prefix); command output and log lines are lines with the 1.14 prefix. */
#include "vd_terminal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "espurna-ota/image.h"

static void put(struct vd_terminal *term, const char *text)
{
    term->io.write(term->io.ctx, text, strlen(text));
}

static void vlog(struct vd_terminal *term, const char *format, va_list ap)
{
    char line[VD_TERM_LINE_MAX + 64];
    size_t n = 0;
    if (term->config.dialect == VD_DIALECT_1_14)
        n = (size_t)snprintf(line, sizeof line, "[%06llu] ",
                             (unsigned long long)(term->io.uptime_ms(term->io.ctx) % 1000000u));
    vsnprintf(line + n, sizeof line - n - 1, format, ap);
    strcat(line, "\n");
    put(term, line);
}

void vd_terminal_log(struct vd_terminal *term, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vlog(term, format, ap);
    va_end(ap);
}

static bool needs_password(const struct vd_terminal_config *config)
{
    return config->password && config->password[0];
}

void vd_terminal_open(struct vd_terminal *term, const struct vd_terminal_config *config,
                      const struct vd_terminal_io *io)
{
    memset(term, 0, sizeof *term);
    term->config = *config;
    term->io = *io;
    term->state = needs_password(config) ? VD_TERM_PASSWORD : VD_TERM_READY;
    if (term->state != VD_TERM_PASSWORD)
        return;
    put(term, config->dialect == VD_DIALECT_DEV ? "Password (disconnects after 1 failed attempt): "
                                                : "Password: ");
}

static int on_password(struct vd_terminal *term, const char *line)
{
    bool right = strcmp(line, term->config.password) == 0;
    if (term->config.dialect == VD_DIALECT_DEV) {
        put(term, right ? "+OK\n" : "-ERROR: Invalid password\n");
        term->state = right ? VD_TERM_READY : VD_TERM_CLOSED;
        return right ? VD_TERM_NONE : VD_TERM_CLOSE;
    }
    put(term, right ? "Password correct, welcome!\n" : "Password (try again): ");
    if (right)
        term->state = VD_TERM_READY;
    return VD_TERM_NONE;
}

static void cmd_info(struct vd_terminal *term)
{
    const struct vd_identity *id = term->config.identity;
    char support[256], mac[18];
    vd_identity_support(id, support, sizeof support);
    vd_format_mac(term->config.mac, term->config.dialect, mac);
    vd_terminal_log(term, "ESPURNA %s built %s", id->desc.version, id->desc.build_date);
    vd_terminal_log(term, "device: %s", id->desc.board);
    vd_terminal_log(term, "hostname: %s", term->config.hostname);
    vd_terminal_log(term, "chip id: %06X", (unsigned)term->config.chip_id);
    vd_terminal_log(term, "mac: %s", mac);
    vd_terminal_log(term, "flash size: %u bytes, built for %u bytes", (unsigned)id->flash_size,
                    (unsigned)id->built_for);
    vd_terminal_log(term, "sketch size: %u bytes, free space: %u bytes",
                    (unsigned)id->image_size, (unsigned)id->free_space);
    vd_terminal_log(term, "support: %s", support);
    vd_terminal_log(term, "+OK");
}

static int cmd_ota(struct vd_terminal *term, const char *args)
{
    while (*args == ' ')
        args++;
    if (!*args) {
        vd_terminal_log(term, "-ERROR: Missing URL");
        return VD_TERM_NONE;
    }
    snprintf(term->ota_url, sizeof term->ota_url, "%s", args);
    vd_terminal_log(term, "+OK");
    return VD_TERM_OTA;
}

static int run_command(struct vd_terminal *term, const char *line)
{
    size_t word = strcspn(line, " ");
    if (word == 4 && strncmp(line, "info", 4) == 0 && !line[4]) {
        cmd_info(term);
        return VD_TERM_NONE;
    }
    if (strcmp(line, "reset") == 0 || strcmp(line, "reboot") == 0) {
        vd_terminal_log(term, "+OK");
        return VD_TERM_REBOOT;
    }
    if (word == 3 && strncmp(line, "ota", 3) == 0)
        return cmd_ota(term, line + 3);
    if (strcmp(line, "help") == 0) {
        vd_terminal_log(term, "Available commands:");
        vd_terminal_log(term, "> help\n> info\n> ota <url>\n> reset");
        vd_terminal_log(term, "+OK");
        return VD_TERM_NONE;
    }
    vd_terminal_log(term, "-ERROR: Command not found");
    return VD_TERM_NONE;
}

static int on_line(struct vd_terminal *term)
{
    term->line[term->line_len] = '\0';
    bool overflow = term->line_overflow;
    term->line_len = 0;
    term->line_overflow = false;
    if (term->state == VD_TERM_PASSWORD)
        return on_password(term, overflow ? "" : term->line);
    if (term->line[0] == '\0')
        return VD_TERM_NONE;
    if (overflow) {
        vd_terminal_log(term, "-ERROR: Line too long");
        return VD_TERM_NONE;
    }
    return run_command(term, term->line);
}

int vd_terminal_input(struct vd_terminal *term, const char *data, size_t len)
{
    int actions = VD_TERM_NONE;
    for (size_t i = 0; i < len && term->state != VD_TERM_CLOSED; i++) {
        unsigned char ch = (unsigned char)data[i];
        if (ch == '\n') {
            actions |= on_line(term);
        } else if (ch >= 0x20 && ch < 0x7F) {
            if (term->line_len + 1 < sizeof term->line)
                term->line[term->line_len++] = (char)ch;
            else
                term->line_overflow = true;
        } /* '\r', telnet negotiation bytes and other controls are dropped */
    }
    return actions;
}
