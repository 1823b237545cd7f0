/* vd_web.h — the web upgrade handler's logic (POST /upgrade) per era, fed as the async web
 * server feeds ESPurna: the file part in pieces of VD_WEB_ITEM_SIZE bytes, the last one
 * flagged final. <= 1.14.0 begins on the first piece, writes while the Updater has no error,
 * ends on the final one and always answers 200 "OK" or "ERROR n". 1.14.1 and dev check the
 * first piece (busy, too short, header) and answer 400/500 with a text, else 200 with "OK" or
 * the Updater's printError text. The port parses HTTP and multipart and calls these. */
#ifndef VD_WEB_H
#define VD_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vd_era.h"
#include "vd_ports.h"
#include "vd_updater.h"

/* ESPAsyncWebServer collects a file part in a buffer of this size and hands it to the upload
 * handler each time it fills, and the rest with `final` at the end of the part. */
#define VD_WEB_ITEM_SIZE 1460u

struct vd_web_result {
    unsigned status; /* HTTP status */
    char body[128];
    bool reboot; /* reboot shortly after sending the response */
};

struct vd_web_upload {
    struct vd_updater *updater;
    enum vd_era era;
    bool owner;        /* this upload began the Updater */
    bool decided;      /* 1.14.1+: a status and text were set; later pieces are ignored */
    bool finalized;    /* end() succeeded: the device reboots into the upload */
    uint32_t index;    /* bytes handed to the handler so far */
    uint32_t received; /* bytes of the file part received */
    uint8_t item[VD_WEB_ITEM_SIZE];
    uint32_t item_len;
    struct vd_web_result result;
};

/* A file part starts. Nothing touches the Updater before its first piece. */
void vd_web_upload_start(struct vd_web_upload *web, struct vd_updater *updater, enum vd_era era);
/* Bytes of the file part. */
void vd_web_upload_data(struct vd_web_upload *web, const uint8_t *data, size_t len);
/* The request is complete: hands over the last piece and fills out with the response. */
void vd_web_upload_finish(struct vd_web_upload *web, struct vd_web_result *out);
/* The request carried no file part (not multipart, or no file field): no handler ran, so the
 * answer is what the Updater's state says (<= 1.14.0 even reboots on "OK"). */
void vd_web_no_file(const struct vd_updater *updater, enum vd_era era, struct vd_web_result *out);

/* How long after a 200 "OK" the device restarts: deferredReset(100) up to 1.14.0, 500 ms
 * (otaFinalize) later. */
unsigned vd_web_reboot_delay_ms(enum vd_era era);

#endif
