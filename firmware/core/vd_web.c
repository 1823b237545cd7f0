/* vd_web.c — web upgrade outcomes per dialect. dev (1.14.1+): 200 "OK"; 400 for a busy
 * updater, a bad request or a bad header; 500 with the Updater's text when begin/write fail;
 * 200 with the error text when the end fails. 1.14: always 200, "OK" or "ERROR <n>". */
#include "vd_web.h"

#include <stdio.h>
#include <string.h>

#include "espurna-ota/layout.h"
#include "vd_image_check.h"

static void decide(struct vd_web_upload *web, unsigned status, const char *body)
{
    web->decided = true;
    web->result.status = status;
    snprintf(web->result.body, sizeof web->result.body, "%s", body);
}

/* An Updater failure: dev shows "ERROR[n]: text" with dev_status, 1.14 "ERROR n" with 200. */
static void decide_error(struct vd_web_upload *web, int error, unsigned dev_status)
{
    char text[64];
    if (web->dialect == VD_DIALECT_DEV)
        snprintf(text, sizeof text, "ERROR[%d]: %s", error, vd_update_error_text(error));
    else
        snprintf(text, sizeof text, "ERROR %d", error);
    decide(web, web->dialect == VD_DIALECT_DEV ? dev_status : 200, text);
}

static void decide_updater_error(struct vd_web_upload *web, unsigned dev_status)
{
    decide_error(web, web->updater->error, dev_status);
}

void vd_web_upload_start(struct vd_web_upload *web, struct vd_updater *updater,
                         enum vd_dialect dialect, bool fault_no_space)
{
    memset(web, 0, sizeof *web);
    web->updater = updater;
    web->dialect = dialect;
    if (updater->active) { /* another upload (or espota) owns the Updater: leave it alone */
        if (dialect == VD_DIALECT_DEV)
            decide(web, 400, "ERROR: Upgrade in progress");
        else
            decide_error(web, VD_UPDATE_ERROR_RUNNING_ALREADY, 200);
        return;
    }
    uint32_t size = eo_layout_max_new_image_web(&updater->layout, updater->running.size);
    if (fault_no_space) {
        decide_error(web, VD_UPDATE_ERROR_SPACE, 500);
        return;
    }
    int error = vd_updater_begin(updater, size);
    if (error) {
        decide_error(web, error, 500);
        return;
    }
    web->owner = true;
}

static bool write_bytes(struct vd_web_upload *web, const uint8_t *data, size_t len)
{
    if (len > 0 && vd_updater_write(web->updater, data, (uint32_t)len) != len) {
        decide_updater_error(web, 500);
        vd_updater_abort(web->updater);
        return false;
    }
    return true;
}

/* dev: the first bytes are held back and checked before anything is written. */
static bool check_head(struct vd_web_upload *web)
{
    int error = vd_image_check_start(web->head, web->head_len, web->updater->flash->size);
    if (error == VD_UPDATE_OK)
        return true;
    web->updater->error = error;
    decide(web, 400, "ERROR: No magic byte / invalid flash config");
    vd_updater_abort(web->updater);
    return false;
}

void vd_web_upload_data(struct vd_web_upload *web, const uint8_t *data, size_t len)
{
    if (web->decided)
        return;
    web->received += (uint32_t)len;
    if (web->dialect == VD_DIALECT_DEV && web->head_len < VD_WEB_HEAD_BYTES) {
        size_t take = VD_WEB_HEAD_BYTES - web->head_len;
        take = take < len ? take : len;
        memcpy(web->head + web->head_len, data, take);
        web->head_len += (uint32_t)take;
        data += take;
        len -= take;
        if (web->head_len < VD_WEB_HEAD_BYTES)
            return;
        if (!check_head(web) || !write_bytes(web, web->head, web->head_len))
            return;
    }
    write_bytes(web, data, len);
}

static void finish_update(struct vd_web_upload *web)
{
    if (web->dialect == VD_DIALECT_DEV && web->head_len < VD_WEB_HEAD_BYTES &&
        (!check_head(web) || !write_bytes(web, web->head, web->head_len)))
        return;
    if (!vd_updater_end(web->updater, true)) {
        decide_updater_error(web, 200);
        return;
    }
    decide(web, 200, "OK");
    web->result.reboot = true;
}

void vd_web_upload_finish(struct vd_web_upload *web, struct vd_web_result *out)
{
    if (!web->decided)
        finish_update(web);
    if (web->owner && web->updater->active)
        vd_updater_abort(web->updater);
    *out = web->result;
}

void vd_web_invalid_request(enum vd_dialect dialect, struct vd_web_result *out)
{
    memset(out, 0, sizeof *out);
    out->status = dialect == VD_DIALECT_DEV ? 400 : 200;
    /* 1.14 never began the Updater, so it had no error to show: it answered OK and rebooted. */
    snprintf(out->body, sizeof out->body, "%s",
             dialect == VD_DIALECT_DEV ? "ERROR: Invalid request" : "OK");
    out->reboot = dialect != VD_DIALECT_DEV;
}
