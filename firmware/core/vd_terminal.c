/* vd_terminal.c — terminal dialogue and commands per era. Prompts and the password verdicts
 * are written raw (the telnet module writes them itself); everything else goes out as debug
 * messages (vd_terminal_send), which carry the 1.14 prefix and vanish on silent builds. */
#include "vd_terminal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "espurna-ota/image.h"
#include "espurna-ota/layout.h"
#include "vd_ota_client.h"
#include "vd_stability.h"

/* ---- output ---------------------------------------------------------------------------- */

static void put(struct vd_terminal *term, const char *text)
{
    if (!term->config.silent)
        term->io.write(term->io.ctx, text, strlen(text));
}

void vd_terminal_raw(struct vd_terminal *term, const char *text)
{
    put(term, text);
}

/* debugSend(): "[NNNNNN] " (uptime ms mod 10^6) before a message when the previous one ended
 * with a line end; the message itself unchanged. */
static void vsend(struct vd_terminal *term, const char *format, va_list ap)
{
    char text[VD_TERM_LINE_MAX + 128];
    size_t n = 0;
    if (vd_era_is_1_14(term->config.era) && term->line_start)
        n = (size_t)snprintf(text, sizeof text, "[%06llu] ",
                             (unsigned long long)(term->io.uptime_ms(term->io.ctx) % 1000000u));
    vsnprintf(text + n, sizeof text - n, format, ap);
    size_t len = strlen(text);
    if (len > n)
        term->line_start = text[len - 1] == '\n' || text[len - 1] == '\r';
    put(term, text);
}

void vd_terminal_send(struct vd_terminal *term, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsend(term, format, ap);
    va_end(ap);
}

static void ok(struct vd_terminal *term)
{
    vd_terminal_send(term, "+OK\n");
}

static void error(struct vd_terminal *term, const char *text)
{
    vd_terminal_send(term, "-ERROR: %s\n", text);
}

/* ---- password ---------------------------------------------------------------------------- */

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
    term->line_start = true;
    term->state = needs_password(config) ? VD_TERM_PASSWORD : VD_TERM_READY;
    if (term->state != VD_TERM_PASSWORD)
        return;
    put(term, vd_era_is_1_14(config->era) ? "Password: "
                                          : "Password (disconnects after 1 failed attempt): ");
}

static int on_password(struct vd_terminal *term, const char *line)
{
    bool right = strcmp(line, term->config.password) == 0;
    if (!vd_era_is_1_14(term->config.era)) {
        put(term, right ? "+OK\n" : "-ERROR: Invalid password\n");
        term->state = right ? VD_TERM_READY : VD_TERM_CLOSED;
        return right ? VD_TERM_NONE : VD_TERM_CLOSE;
    }
    put(term, right ? "Password correct, welcome!\n" : "Password (try again): ");
    if (right)
        term->state = VD_TERM_READY;
    return VD_TERM_NONE;
}

/* ---- info ------------------------------------------------------------------------------ */

/* _info_print_memory_layout_line(): name, bytes, sectors and their range from *index. */
static void layout_line(struct vd_terminal *term, const char *name, uint32_t bytes, bool reset,
                        uint32_t *index)
{
    if (reset)
        *index = 0;
    if (bytes == 0)
        return;
    uint32_t sectors = eo_sectors(bytes);
    vd_terminal_send(term, "[MAIN] %-20s: %8u bytes / %4u sectors (%4u to %4u)\n", name,
                     (unsigned)bytes, (unsigned)sectors, (unsigned)*index,
                     (unsigned)(*index + sectors - 1));
    *index += sectors;
}

static void info_1_14_layout(struct vd_terminal *term, const struct vd_identity *id)
{
    uint32_t index = 0, free = id->free_space;
    uint32_t ota = free > EO_SECTOR_SIZE ? (free - EO_SECTOR_SIZE) & ~(EO_SECTOR_SIZE - 1u) : 0;
    layout_line(term, "Flash size (CHIP)", id->flash_size, true, &index);
    layout_line(term, "Flash size (SDK)", id->built_for ? id->built_for : id->flash_size, true,
                &index);
    layout_line(term, "Reserved", EO_SECTOR_SIZE, true, &index);
    layout_line(term, "Firmware size", id->image_size, false, &index);
    layout_line(term, "Max OTA size", ota, false, &index);
    layout_line(term, "EEPROM size", EO_LAYOUT_EEPROM_SECTORS * EO_SECTOR_SIZE, false, &index);
    layout_line(term, "Reserved", EO_LAYOUT_RESERVED_SECTORS * EO_SECTOR_SIZE, false, &index);
}

/* 1.14's info(): a block of "[MAIN] ..." debug messages (the lines that matter to a host). */
static void info_1_14(struct vd_terminal *term)
{
    const struct vd_identity *id = term->config.identity;
    char support[256];
    vd_identity_support(id, support, sizeof support);
    vd_terminal_send(term, "\n\n---8<-------\n\n");
    vd_terminal_send(term, "[MAIN] %s %s\n", id->desc.app, id->desc.version);
    vd_terminal_send(term, "[MAIN] xose.perez@gmail.com\n");
    vd_terminal_send(term, "[MAIN] http://tinkerman.cat\n\n");
    vd_terminal_send(term, "[MAIN] CPU chip ID: 0x%06X\n", (unsigned)term->config.chip_id);
    vd_terminal_send(term, "[MAIN] CPU frequency: 80 MHz\n");
    vd_terminal_send(term, "[MAIN] SDK version: 1.5.3(aec24ac9)\n");
    vd_terminal_send(term, "[MAIN] Core version: %s\n",
                     vd_core_name(vd_era_core(term->config.era)));
    vd_terminal_send(term, "\n");
    info_1_14_layout(term, id);
    vd_terminal_send(term, "\n");
    vd_terminal_send(term, "[MAIN] Board: %s\n", id->board_name);
    vd_terminal_send(term, "[MAIN] Support: %s\n", support);
    vd_terminal_send(term, "\n");
    vd_terminal_send(term, "[MAIN] Firmware MD5: %s\n", id->sketch_md5);
    if (term->config.safe_mode) {
        vd_terminal_send(term, "\n");
        vd_terminal_send(term, "[MAIN] Device is in SAFE MODE\n");
    }
    vd_terminal_send(term, "\n\n---8<-------\n\n");
}

/* dev's INFO command: one line per fact, md5 of the running firmware included. */
static void info_dev(struct vd_terminal *term)
{
    const struct vd_identity *id = term->config.identity;
    char support[256];
    vd_identity_support(id, support, sizeof support);
    vd_terminal_send(term, "%s %s built %s\n", id->desc.app, id->desc.version, id->desc.build_date);
    vd_terminal_send(term, "device: %s\n", id->desc.board);
    vd_terminal_send(term, "mcu: esp8266 chipid: %06X freq: 80mhz\n",
                     (unsigned)term->config.chip_id);
    vd_terminal_send(term, "sdk: 2.2.2-dev(38a443e) core: %s\n", vd_core_name(VD_CORE_2_7_4));
    vd_terminal_send(term, "md5: %s\n", id->sketch_md5);
    vd_terminal_send(term, "support: %s\n", support);
    vd_terminal_send(term, "system: %s boot counter: %u\n",
                     term->config.safe_mode ? "UNSTABLE" : "OK", term->config.boot_counter);
}

/* ---- commands ---------------------------------------------------------------------------- */

/* `ota <url>`: 1.14 needs at least one argument, dev exactly one. */
static int cmd_ota(struct vd_terminal *term, const char *args, unsigned argc)
{
    bool dev = !vd_era_is_1_14(term->config.era);
    if (argc < 1 || (dev && argc != 1)) {
        error(term, dev ? "OTA <URL>" : "OTA <url>");
        return VD_TERM_NONE;
    }
    size_t len = strcspn(args, " ");
    snprintf(term->ota_url, sizeof term->ota_url, "%.*s", (int)len, args);
    struct vd_url url;
    bool usable = vd_url_parse(term->ota_url, &url) && vd_url_supported(&url);
    if (!usable)
        vd_terminal_send(term,
                         dev ? "[OTA] Unsupported protocol\n" : "[OTA] Incorrect URL specified\n");
    else if (dev)
        vd_terminal_send(term, "[OTA] Connecting to %s:%u\n", url.host, url.port);
    ok(term);
    return usable ? VD_TERM_OTA : VD_TERM_NONE;
}

static bool same_word(const char *a, const char *b, size_t len)
{
    if (strlen(b) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((a[i] | 0x20) != (b[i] | 0x20))
            return false;
    return true;
}

/* Splits off the command word; *args points past the blanks after it, *argc counts the words
 * that follow. */
static size_t command_word(const char *line, const char **args, unsigned *argc)
{
    size_t word = strcspn(line, " ");
    const char *p = line + word;
    *argc = 0;
    while (*p == ' ')
        p++;
    *args = p;
    for (const char *q = p; *q;) {
        (*argc)++;
        q += strcspn(q, " ");
        while (*q == ' ')
            q++;
    }
    return word;
}

static int run_command(struct vd_terminal *term, const char *line)
{
    const char *args;
    unsigned argc;
    size_t word = command_word(line, &args, &argc);
    if (same_word(line, "info", word)) {
        if (vd_era_is_1_14(term->config.era))
            info_1_14(term);
        else
            info_dev(term);
        ok(term);
        return VD_TERM_NONE;
    }
    if (same_word(line, "reset", word) || same_word(line, "reboot", word)) {
        ok(term);
        return VD_TERM_REBOOT;
    }
    if (same_word(line, "reset.safe", word)) {
        ok(term);
        return VD_TERM_REBOOT_SAFE;
    }
    if (same_word(line, "ota", word))
        return cmd_ota(term, args, argc);
    if (same_word(line, "help", word)) {
        vd_terminal_send(term, "Available commands:\n");
        vd_terminal_send(term, "> help\n> info\n> ota <url>\n> reset\n> reset.safe\n");
        ok(term);
        return VD_TERM_NONE;
    }
    error(term, "Command not found");
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
        error(term, "Line too long");
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
