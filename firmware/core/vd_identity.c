/* vd_identity.c — identity from the image at offset 0, and the values derived from it (TXT
 * records and mDNS services, board names, support line, MAC text) per era. */
#include "vd_identity.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "espurna-ota/image.h"
#include "espurna-ota/layout.h"
#include "espurna-ota/vocabulary.h"
#include "vd_updater.h"

/* Copies src, cut to cap - 1 characters. */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    n = n < cap - 1 ? n : cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void identity_from_desc(struct vd_identity *out, const struct eo_image_layout *img)
{
    out->has_desc = img->has_desc;
    if (!img->has_desc) {
        out->desc.kind = EO_KIND_FULL;
        out->desc.features = eo_kind_default_features(EO_KIND_FULL);
        copy_str(out->desc.app, sizeof out->desc.app, "ESPURNA");
        copy_str(out->desc.version, sizeof out->desc.version, "unknown");
        copy_str(out->desc.board, sizeof out->desc.board, "UNKNOWN");
        return;
    }
    out->desc = img->desc;
}

bool vd_identity_read(const uint8_t *buf, size_t len, uint32_t recorded_size, uint32_t flash_size,
                      const struct vd_md5 *md5, struct vd_identity *out)
{
    memset(out, 0, sizeof *out);
    out->flash_size = flash_size;
    out->desc.kind = EO_KIND_UNKNOWN;
    if (eo_image_is_gzip(buf, len)) {
        copy_str(out->why, sizeof out->why,
                 "a gzip image at offset 0 (only the boot copy of an update inflates)");
        return false;
    }
    struct eo_image_layout img;
    struct eo_error err;
    if (eo_image_parse(buf, len, &img, &err) != EO_OK) {
        copy_str(out->why, sizeof out->why, err.message);
        return false;
    }
    identity_from_desc(out, &img);
    out->built_for = eo_flash_size_bytes(img.boot.flash_size_code);
    out->image_size = recorded_size ? recorded_size : img.app.end;
    struct eo_layout layout = eo_layout_standard(vd_sketch_flash_size(out->built_for, flash_size));
    out->free_space = eo_layout_free_space(&layout, out->image_size);
    if (md5)
        vd_md5_hex(md5, buf, out->image_size < len ? out->image_size : len, out->sketch_md5);
    copy_str(out->board_name, sizeof out->board_name, out->desc.board);
    out->bootable = true;
    return true;
}

bool vd_identity_settle_board(struct vd_identity *id, enum vd_era era, struct vd_settings *settings)
{
    if (id->desc.kind == EO_KIND_FULL) {
        copy_str(id->board_name, sizeof id->board_name, id->desc.board);
        if (strcmp(settings->board, id->desc.board) == 0)
            return false;
        copy_str(settings->board, sizeof settings->board, id->desc.board);
        return true;
    }
    bool reads_stored = id->desc.kind == EO_KIND_CORE && vd_era_is_1_14(era) && settings->board[0];
    copy_str(id->board_name, sizeof id->board_name,
             reads_stored ? settings->board : id->desc.board);
    return false;
}

const char *vd_arduino_board(const struct vd_identity *id)
{
    uint32_t size = id->built_for ? id->built_for : id->flash_size;
    if (size <= (1u << 20))
        return "PLATFORMIO_ESP01_1M";
    return size == (2u << 20) ? "PLATFORMIO_ESP_WROOM_02" : "PLATFORMIO_ESP12E";
}

void vd_mdns_plan(const struct vd_identity *id, enum vd_era era, bool safe_mode,
                  struct vd_mdns_plan *out)
{
    memset(out, 0, sizeof *out);
    if (safe_mode) {
        out->arduino = vd_era_is_1_14(era) && vd_identity_has(id, EO_FEATURE_ESPOTA);
        return;
    }
    if (!vd_identity_has(id, EO_FEATURE_MDNS))
        return;
    out->arduino = vd_identity_has(id, EO_FEATURE_ESPOTA);
    out->http = vd_identity_has(id, EO_FEATURE_WEB);
    out->telnet = vd_identity_has(id, EO_FEATURE_TELNET);
    out->espurna_keys = true;
}

bool vd_identity_has(const struct vd_identity *id, uint16_t feature)
{
    return id->bootable && (id->desc.features & feature) != 0;
}

void vd_identity_support(const struct vd_identity *id, char *out, size_t cap)
{
    if (id->desc.kind == EO_KIND_FULL)
        copy_str(out, cap,
                 "ALEXA API BUTTON DEBUG_SERIAL DEBUG_TELNET DEBUG_WEB DOMOTICZ "
                 "HOMEASSISTANT LED MDNS_SERVER MQTT NTP OTA RELAY SCHEDULER TELNET "
                 "TERMINAL WEB ARDUINO_OTA");
    else if (id->desc.kind == EO_KIND_WEBUI)
        copy_str(out, cap, "OTA WEB");
    else
        copy_str(out, cap, "MDNS ARDUINO_OTA TELNET TERMINAL");
}

void vd_format_mac(const uint8_t mac[6], enum vd_era era, char out[18])
{
    const char *fmt =
        vd_era_is_1_14(era) ? "%02X:%02X:%02X:%02X:%02X:%02X" : "%02X%02X%02X%02X%02X%02X";
    snprintf(out, 18, fmt, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

__attribute__((format(printf, 2, 3))) static void add(struct vd_txt *txt, const char *fmt, ...)
{
    if (txt->count >= VD_TXT_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(txt->item[txt->count++], VD_TXT_ITEM_MAX, fmt, ap);
    va_end(ap);
}

static void add_espurna_keys(const struct vd_identity *id, const struct vd_txt_facts *f,
                             struct vd_txt *txt)
{
    char mac[18];
    vd_format_mac(f->mac, f->era, mac);
    bool kib = !vd_era_is_1_14(f->era);
    add(txt, EO_TXT_APP_NAME "=%s", id->desc.app);
    add(txt, EO_TXT_APP_VERSION "=%s", id->desc.version);
    add(txt, EO_TXT_BUILD_DATE "=%s", id->desc.build_date);
    add(txt, EO_TXT_MAC "=%s", mac);
    add(txt, EO_TXT_TARGET_BOARD "=%s", id->board_name);
    add(txt, EO_TXT_MEM_SIZE "=%u", (unsigned)(id->flash_size / 1024));
    add(txt, EO_TXT_SDK_SIZE "=%u", (unsigned)(id->built_for / 1024));
    add(txt, EO_TXT_FREE_SPACE "=%u", (unsigned)(kib ? id->free_space / 1024 : id->free_space));
}

static void add_malformed_keys(const struct vd_identity *id, struct vd_txt *txt)
{
    char longval[241];
    memset(longval, 'x', sizeof longval - 1);
    longval[sizeof longval - 1] = '\0';
    add(txt, EO_TXT_APP_NAME "=%s", id->desc.app);
    add(txt, EO_TXT_APP_VERSION "=%s", longval);
    add(txt, EO_TXT_MAC "=ZZ:ZZ");
    add(txt, EO_TXT_MEM_SIZE "=12abc");
    add(txt, EO_TXT_SDK_SIZE "=-4");
    add(txt, EO_TXT_FREE_SPACE "=99999999999999999999");
    add(txt, EO_TXT_BUILD_DATE "=%s", longval);
    add(txt, "junk");
}

void vd_txt_build(const struct vd_identity *id, const struct vd_txt_facts *facts,
                  struct vd_txt *out)
{
    memset(out, 0, sizeof *out);
    add(out, EO_TXT_TCP_CHECK "=no");
    add(out, EO_TXT_SSH_UPLOAD "=no");
    add(out, EO_TXT_BOARD "=%s", vd_arduino_board(id));
    add(out, EO_TXT_AUTH_UPLOAD "=%s", facts->auth ? "yes" : "no");
    if (!facts->espurna_keys)
        return;
    if (facts->mode == VD_TXT_FULL)
        add_espurna_keys(id, facts, out);
    else if (facts->mode == VD_TXT_MALFORMED)
        add_malformed_keys(id, out);
}
