/* vd_web.c — web upgrade outcomes per era. The async web server hands the file part over in
 * VD_WEB_ITEM_SIZE pieces; each piece goes through the era's upload handler exactly as the
 * firmware runs it, and the response is built at the end of the request from what the
 * handler decided or, failing that, from the (shared) Updater's error. */
#include "vd_web.h"

#include <stdio.h>
#include <string.h>

#include "espurna-ota/layout.h"
#include "vd_image_check.h"

static uint32_t web_begin_size(const struct vd_updater *up)
{
    return eo_layout_max_new_image_web(&up->layout, up->running.size);
}

/* ---- <= 1.14.0: _onUpgradeData ---------------------------------------------------------- */

/* Begins on the first piece (a running update makes begin fail without an error, and the
 * pieces then go into that update), writes while no error is pending, ends on the last. */
static void legacy_piece(struct vd_web_upload *web, const uint8_t *data, uint32_t len, bool final)
{
    struct vd_updater *up = web->updater;
    if (web->index == 0)
        web->owner = vd_updater_begin(up, web_begin_size(up), VD_UPDATE_FLASH);
    if (up->error == VD_UPDATE_OK)
        vd_updater_write(up, data, len); /* a short write leaves its error for the answer */
    if (final)
        web->finalized = vd_updater_end(up, true);
}

/* _onUpgrade: 200 and "OK" (then a reboot) or "ERROR <n>", from the Updater's error now. */
static void legacy_answer(const struct vd_updater *up, struct vd_web_result *out)
{
    memset(out, 0, sizeof *out);
    out->status = 200;
    if (up->error != VD_UPDATE_OK)
        snprintf(out->body, sizeof out->body, "ERROR %d", up->error);
    else
        snprintf(out->body, sizeof out->body, "OK");
    out->reboot = up->error == VD_UPDATE_OK;
}

/* ---- 1.14.1 and dev: _onUpgradeFile / ota::web::onFile -------------------------------- */

static void decide(struct vd_web_upload *web, unsigned status, const char *body)
{
    web->decided = true;
    web->result.status = status;
    snprintf(web->result.body, sizeof web->result.body, "%s", body);
}

static void decide_updater_error(struct vd_web_upload *web, unsigned status)
{
    char text[sizeof web->result.body];
    vd_updater_print_error(web->updater, text, sizeof text);
    decide(web, status, text);
}

/* The checks on the first piece, before anything is written; false when one refused. */
static bool first_piece(struct vd_web_upload *web, const uint8_t *data, uint32_t len, bool final)
{
    struct vd_updater *up = web->updater;
    if (up->active) {
        decide(web, 400, "ERROR: Upgrade in progress");
        return false;
    }
    if (final || len == 0) {
        decide(web, 400, "ERROR: Invalid request");
        return false;
    }
    if (vd_image_check_start(data, len, up->flash->size, up->core) != VD_UPDATE_OK) {
        decide(web, 400, "ERROR: No magic byte / invalid flash config");
        return false;
    }
    if (!vd_updater_begin(up, web_begin_size(up), VD_UPDATE_FLASH)) {
        decide_updater_error(web, 500);
        return false;
    }
    web->owner = true;
    return true;
}

static void status_piece(struct vd_web_upload *web, const uint8_t *data, uint32_t len, bool final)
{
    struct vd_updater *up = web->updater;
    if (web->decided || (web->index == 0 && !first_piece(web, data, len, final)))
        return;
    if (!up->active)
        return; /* an error ended the update; the request may still be alive */
    if (vd_updater_write(up, data, len) != len) {
        decide_updater_error(web, 500);
        vd_updater_abort(up); /* Update.end() with the error pending */
        return;
    }
    if (final)
        web->finalized = vd_updater_end(up, true); /* otaFinalize(..., true) */
}

/* onUpgrade: what the handler decided, else 200 with "OK" or the printError text. */
static void status_answer(const struct vd_updater *up, struct vd_web_result *out)
{
    memset(out, 0, sizeof *out);
    out->status = 200;
    if (up->error != VD_UPDATE_OK)
        vd_updater_print_error(up, out->body, sizeof out->body);
    else
        snprintf(out->body, sizeof out->body, "OK");
}

/* ---- the async server's side ------------------------------------------------------------ */

static void hand_over(struct vd_web_upload *web, bool final)
{
    if (web->era == VD_ERA_1_14_0)
        legacy_piece(web, web->item, web->item_len, final);
    else
        status_piece(web, web->item, web->item_len, final);
    web->index += web->item_len;
    web->item_len = 0;
}

void vd_web_upload_start(struct vd_web_upload *web, struct vd_updater *updater, enum vd_era era)
{
    memset(web, 0, sizeof *web);
    web->updater = updater;
    web->era = era;
}

void vd_web_upload_data(struct vd_web_upload *web, const uint8_t *data, size_t len)
{
    web->received += (uint32_t)len;
    while (len > 0) {
        size_t take = VD_WEB_ITEM_SIZE - web->item_len;
        take = take < len ? take : len;
        memcpy(web->item + web->item_len, data, take);
        web->item_len += (uint32_t)take;
        data += take;
        len -= take;
        if (web->item_len == VD_WEB_ITEM_SIZE)
            hand_over(web, false);
    }
}

void vd_web_upload_finish(struct vd_web_upload *web, struct vd_web_result *out)
{
    hand_over(web, true);
    if (web->era == VD_ERA_1_14_0) {
        legacy_answer(web->updater, out);
        return;
    }
    if (web->decided)
        *out = web->result;
    else
        status_answer(web->updater, out);
    out->reboot = web->finalized;
}

void vd_web_no_file(const struct vd_updater *updater, enum vd_era era, struct vd_web_result *out)
{
    if (era == VD_ERA_1_14_0)
        legacy_answer(updater, out);
    else
        status_answer(updater, out);
}

unsigned vd_web_reboot_delay_ms(enum vd_era era)
{
    return era == VD_ERA_1_14_0 ? 100u : 500u;
}
