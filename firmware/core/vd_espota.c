/* vd_espota.c — the espota device state machine. Parsing mirrors ArduinoOTA's use of Arduino
 * Stream calls: parseInt() skips any non-digit characters and yields 0 when none are left, the
 * md5 is the rest of the line trimmed, the auth reply's fields are split at ' ' and '\n'. */
#include "vd_espota.h"

#include <stdio.h>
#include <string.h>

struct cursor {
    const char *p;
    const char *end;
};

/* Arduino Stream::parseInt(): skip up to the first digit, read digits; 0 when none. */
static unsigned long parse_int(struct cursor *c)
{
    while (c->p < c->end && (*c->p < '0' || *c->p > '9'))
        c->p++;
    unsigned long value = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (value < 0xFFFFFFFFul)
            value = value * 10 + (unsigned long)(*c->p - '0');
        c->p++;
    }
    return value > 0xFFFFFFFFul ? 0xFFFFFFFFul : value;
}

static void skip_one(struct cursor *c)
{
    if (c->p < c->end)
        c->p++;
}

/* Stream::readStringUntil(stop): the characters up to stop (consumed, not kept). Returns the
 * length, which may exceed cap - 1 (the copy is then cut). */
static size_t read_until(struct cursor *c, char stop, char *out, size_t cap)
{
    size_t n = 0;
    while (c->p < c->end && *c->p != stop) {
        if (n + 1 < cap)
            out[n] = *c->p;
        n++;
        c->p++;
    }
    skip_one(c);
    out[n < cap ? n : cap - 1] = '\0';
    return n;
}

static size_t trim(char *s)
{
    size_t n = strlen(s), start = 0;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        s[--n] = '\0';
    while (s[start] == ' ' || s[start] == '\t' || s[start] == '\r' || s[start] == '\n')
        start++;
    memmove(s, s + start, n - start + 1);
    return n - start;
}

void vd_espota_init(struct vd_espota *ota, const struct vd_espota_config *config,
                    struct vd_updater *updater)
{
    memset(ota, 0, sizeof *ota);
    ota->config = *config;
    ota->updater = updater;
}

static void new_nonce(struct vd_espota *ota)
{
    uint8_t raw[16];
    ota->config.random(raw, sizeof raw);
    vd_md5_hex(ota->config.md5, raw, sizeof raw, ota->nonce);
}

/* Update.begin() for the invitation, as ArduinoOTA runs it. Core 2.3.0 has answered "OK"
 * already (before _runUpdate) and a failing begin is silent: no connection back, no error on
 * the wire. Core 2.7.4 begins first, then answers "OK" or "ERR: " + printError. */
static int begin_update(struct vd_espota *ota, char *reply, size_t cap)
{
    struct vd_updater *up = ota->updater;
    enum vd_update_command command =
        ota->command == VD_ESPOTA_CMD_FS ? VD_UPDATE_FS : VD_UPDATE_FLASH;
    bool begun = vd_updater_begin(up, ota->size, command);
    bool early_ok = ota->config.core == VD_CORE_2_3_0;
    ota->state = begun ? VD_ESPOTA_UPDATE : VD_ESPOTA_IDLE;
    if (begun) {
        vd_updater_set_md5(up, ota->md5);
        snprintf(reply, cap, "OK");
        return VD_ESPOTA_REPLY | VD_ESPOTA_CONNECT;
    }
    if (early_ok) {
        snprintf(reply, cap, "OK");
        return VD_ESPOTA_REPLY | VD_ESPOTA_BEGIN_FAILED;
    }
    char text[96];
    vd_updater_print_error(up, text, sizeof text);
    snprintf(reply, cap, "ERR: %s", text);
    return VD_ESPOTA_REPLY | VD_ESPOTA_BEGIN_FAILED;
}

static int on_invitation(struct vd_espota *ota, struct cursor *c, char *reply, size_t cap)
{
    unsigned long command = parse_int(c);
    if (command != VD_ESPOTA_CMD_FLASH && command != VD_ESPOTA_CMD_FS)
        return VD_ESPOTA_IGNORE;
    unsigned long port = parse_int(c);
    unsigned long size = parse_int(c);
    skip_one(c);
    char md5[40];
    size_t md5_len = read_until(c, '\n', md5, sizeof md5);
    if (md5_len >= sizeof md5 || trim(md5) != 32 || port > 65535)
        return VD_ESPOTA_IGNORE;
    ota->command = (int)command;
    ota->port = (uint16_t)port;
    ota->size = (uint32_t)size;
    memcpy(ota->md5, md5, 33);
    if (!ota->config.password_md5[0])
        return begin_update(ota, reply, cap);
    new_nonce(ota);
    snprintf(reply, cap, "AUTH %s", ota->nonce);
    ota->state = VD_ESPOTA_WAIT_AUTH;
    return VD_ESPOTA_REPLY;
}

static int on_auth(struct vd_espota *ota, struct cursor *c, char *reply, size_t cap)
{
    ota->state = VD_ESPOTA_IDLE;
    if (parse_int(c) != VD_ESPOTA_CMD_AUTH)
        return VD_ESPOTA_IGNORE;
    skip_one(c);
    char cnonce[40], response[40];
    size_t cn = read_until(c, ' ', cnonce, sizeof cnonce);
    size_t rn = read_until(c, '\n', response, sizeof response);
    if (cn != 32 || rn != 32)
        return VD_ESPOTA_IGNORE;
    char challenge[sizeof ota->config.password_md5 + sizeof ota->nonce + sizeof cnonce + 2];
    char expected[33];
    snprintf(challenge, sizeof challenge, "%s:%s:%s", ota->config.password_md5, ota->nonce, cnonce);
    vd_md5_hex(ota->config.md5, challenge, strlen(challenge), expected);
    if (strcmp(expected, response) != 0) {
        snprintf(reply, cap, "Authentication Failed");
        return VD_ESPOTA_REPLY;
    }
    return begin_update(ota, reply, cap);
}

int vd_espota_datagram(struct vd_espota *ota, const char *data, size_t len, char *reply, size_t cap)
{
    struct cursor c = {data, data + len};
    reply[0] = '\0';
    if (ota->state == VD_ESPOTA_IDLE)
        return on_invitation(ota, &c, reply, cap);
    if (ota->state == VD_ESPOTA_WAIT_AUTH)
        return on_auth(ota, &c, reply, cap);
    return VD_ESPOTA_IGNORE; /* busy updating */
}

uint32_t vd_espota_receive(struct vd_espota *ota, const uint8_t *data, uint32_t len, char *ack,
                           size_t ack_cap, bool *failed)
{
    uint32_t written = vd_updater_write(ota->updater, data, len);
    *failed = written < len;
    snprintf(ack, ack_cap, "%u", (unsigned)written);
    return written;
}

uint32_t vd_espota_remaining(const struct vd_espota *ota)
{
    const struct vd_updater *up = ota->updater;
    return up->active ? up->size - up->progress : 0;
}

void vd_espota_finish(struct vd_espota *ota, struct vd_espota_verdict *out)
{
    memset(out, 0, sizeof *out);
    ota->state = VD_ESPOTA_IDLE;
    out->reboot = vd_updater_end(ota->updater, false);
    if (!out->reboot) {
        vd_updater_print_error(ota->updater, out->text, sizeof out->text);
        return;
    }
    snprintf(out->text, sizeof out->text, "OK");
    if (ota->config.core == VD_CORE_2_7_4) /* flush, delay(1000), "OK", flush, delay(1000) */
        out->pause_before_ms = out->pause_after_ms = VD_ESPOTA_OK_PAUSE_MS;
}

void vd_espota_abort(struct vd_espota *ota)
{
    vd_updater_abort(ota->updater);
    ota->state = VD_ESPOTA_IDLE;
}
