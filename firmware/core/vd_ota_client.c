/* vd_ota_client.c — the `ota <url>` client's side of a download, per era (see the header):
 *   <= 1.14.0  no header check; begin on the first data; the Updater's errors go to the serial
 *              port only; "[OTA] Success: %u bytes".
 *   1.14.1     otaVerifyHeader on the first data ("[OTA] ERROR: No magic byte / invalid flash
 *              config" without a line end: the disconnect's "\n" ends it); errors printed raw
 *              on the terminal stream by otaPrintError; "[OTA] Success: %7u bytes".
 *   dev        as 1.14.1, but the header line ends itself and otaPrintError logs
 *              "[OTA] " + printError + "\n".
 * Every era then prints "\n" at the disconnect and "[OTA] Disconnected". */
#include "vd_ota_client.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "espurna-ota/layout.h"
#include "vd_image_check.h"

static void copy_part(char *dst, size_t cap, const char *src, size_t len)
{
    len = len < cap - 1 ? len : cap - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static unsigned parse_port(const char *text, size_t len)
{
    unsigned port = 0;
    for (size_t i = 0; i < len && text[i] >= '0' && text[i] <= '9' && port < 100000u; i++)
        port = port * 10u + (unsigned)(text[i] - '0');
    return port;
}

bool vd_url_parse(const char *url, struct vd_url *out)
{
    memset(out, 0, sizeof *out);
    const char *sep = strstr(url, "://");
    const char *rest = url;
    if (sep) {
        copy_part(out->protocol, sizeof out->protocol, url, (size_t)(sep - url));
        rest = sep + 3;
    }
    out->port = strcmp(out->protocol, "https") == 0 ? 443u : 80u;
    size_t host_len = strcspn(rest, "/");
    copy_part(out->path, sizeof out->path, rest[host_len] ? rest + host_len : "/",
              rest[host_len] ? strlen(rest + host_len) : 1);
    const char *colon = memchr(rest, ':', host_len);
    if (colon) {
        out->port = parse_port(colon + 1, host_len - (size_t)(colon + 1 - rest));
        host_len = (size_t)(colon - rest);
    }
    copy_part(out->host, sizeof out->host, rest, host_len);
    return out->host[0] != '\0';
}

bool vd_url_supported(const struct vd_url *url)
{
    return strcmp(url->protocol, "http") == 0 || strcmp(url->protocol, "https") == 0;
}

void vd_ota_client_start(struct vd_ota_client *c, struct vd_terminal *term,
                         const struct vd_ota_client_echo *echo, struct vd_updater *updater,
                         enum vd_era era)
{
    memset(c, 0, sizeof *c);
    c->term = term;
    if (echo)
        c->echo = *echo;
    c->updater = updater;
    c->era = era;
}

__attribute__((format(printf, 2, 3))) static void say(struct vd_ota_client *c, const char *format,
                                                      ...)
{
    char text[VD_TERM_LINE_MAX + 64];
    va_list ap;
    va_start(ap, format);
    vsnprintf(text, sizeof text, format, ap);
    va_end(ap);
    if (c->echo.text)
        c->echo.text(c->echo.ctx, text);
    if (c->term)
        vd_terminal_send(c->term, "%s", text);
}

/* otaPrintError(): where the Updater's text goes in each era. */
static void print_updater_error(struct vd_ota_client *c)
{
    char text[128], serial[140];
    if (c->updater->error == VD_UPDATE_OK)
        return;
    vd_updater_print_error(c->updater, text, sizeof text);
    if (c->era == VD_ERA_DEV) {
        say(c, "[OTA] %s\n", text);
        return;
    }
    if (c->era == VD_ERA_1_14_0) { /* Update.printError(DEBUG_PORT): the serial port only */
        snprintf(serial, sizeof serial, "serial: %s", text);
        if (c->echo.text)
            c->echo.text(c->echo.ctx, serial);
        return;
    }
    if (c->echo.text)
        c->echo.text(c->echo.ctx, text);
    if (c->term)
        vd_terminal_raw(c->term, text);
}

void vd_ota_client_connected(struct vd_ota_client *c, const struct vd_url *url)
{
    say(c, "[OTA] Downloading %s\n", url->path);
}

void vd_ota_client_connect_failed(struct vd_ota_client *c)
{
    say(c, "[OTA] Connection failed\n");
}

/* The first data: the header check (1.14.1+) and Update.begin(). */
static bool first_data(struct vd_ota_client *c, const uint8_t *data, size_t len)
{
    struct vd_updater *up = c->updater;
    c->data_started = true;
    if (c->era != VD_ERA_1_14_0 &&
        vd_image_check_start(data, len, up->flash->size, up->core) != VD_UPDATE_OK) {
        say(c, c->era == VD_ERA_DEV ? "[OTA] ERROR: No magic byte / invalid flash config\n"
                                    : "[OTA] ERROR: No magic byte / invalid flash config");
        return false;
    }
    if (!vd_updater_begin(up, eo_layout_max_new_image_web(&up->layout, up->running.size),
                          VD_UPDATE_FLASH)) {
        print_updater_error(c);
        return false;
    }
    return true;
}

bool vd_ota_client_data(struct vd_ota_client *c, const uint8_t *data, size_t len)
{
    if (c->ended || len == 0)
        return !c->ended;
    if (!c->data_started && !first_data(c, data, len))
        return !(c->ended = true);
    if (!c->updater->active)
        return true;
    if (vd_updater_write(c->updater, data, (uint32_t)len) != len) {
        print_updater_error(c);
        vd_updater_abort(c->updater);
        return !(c->ended = true);
    }
    c->size += (uint32_t)len;
    return true;
}

bool vd_ota_client_disconnected(struct vd_ota_client *c)
{
    say(c, "\n");
    bool done = vd_updater_end(c->updater, true);
    if (done && c->era == VD_ERA_1_14_0)
        say(c, "[OTA] Success: %u bytes\n", (unsigned)c->size);
    else if (done)
        say(c, "[OTA] Success: %7u bytes\n", (unsigned)c->size);
    else
        print_updater_error(c);
    say(c, "[OTA] Disconnected\n");
    return done;
}

unsigned vd_ota_client_reboot_delay_ms(enum vd_era era)
{
    switch (era) {
    case VD_ERA_1_14_0: return 100u;
    case VD_ERA_1_14_1: return 500u;
    case VD_ERA_DEV: break;
    }
    return 0u;
}

void vd_ota_client_reset(struct vd_ota_client *c)
{
    if (c->era != VD_ERA_1_14_0)
        say(c, "[OTA] ERROR: Connection reset\n");
    vd_updater_abort(c->updater);
}

unsigned vd_ota_client_rx_timeout_s(enum vd_era era)
{
    return era == VD_ERA_1_14_0 ? 0u : 5u;
}
