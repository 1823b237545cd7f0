/* vd_web.h — the web upgrade handler's logic (POST /upgrade): when to begin the Updater, the
 * early header check, and which status code and body each outcome gets in each dialect. The
 * port parses HTTP and multipart and calls these with the file part's bytes. */
#ifndef VD_WEB_H
#define VD_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vd_ports.h"
#include "vd_updater.h"

#define VD_WEB_HEAD_BYTES EO_IMAGE_PEEK_SIZE /* the bytes checked before anything is written */

struct vd_web_result {
    unsigned status;          /* HTTP status */
    char body[80];
    bool reboot;              /* reboot shortly after sending the response */
};

struct vd_web_upload {
    struct vd_updater *updater;
    enum vd_dialect dialect;
    bool owner;               /* this upload began the Updater */
    bool decided;             /* result is final: ignore further data */
    uint8_t head[VD_WEB_HEAD_BYTES];
    uint32_t head_len;        /* first bytes held back until the header check (dev) */
    uint32_t received;
    struct vd_web_result result;
};

/* Starts taking a file part: reserves the largest free area minus one sector. fault_no_space
 * makes begin fail with error 4. */
void vd_web_upload_start(struct vd_web_upload *web, struct vd_updater *updater,
                         enum vd_dialect dialect, bool fault_no_space);
/* Bytes of the file part. */
void vd_web_upload_data(struct vd_web_upload *web, const uint8_t *data, size_t len);
/* The request is complete: fills out with the response. */
void vd_web_upload_finish(struct vd_web_upload *web, struct vd_web_result *out);
/* The request carried no file part / was not multipart. */
void vd_web_invalid_request(enum vd_dialect dialect, struct vd_web_result *out);

#endif
