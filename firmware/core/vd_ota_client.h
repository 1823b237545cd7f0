/* vd_ota_client.h — the firmware's `ota <url>` client (ota_asynctcp): the URL as ESPurna's URL
 * class splits it, and what the client does with each event of the download — the header
 * check of the first data (1.14.1 and later), Update.begin/write/end, and the "[OTA] ..."
 * lines it prints on the terminal per era. The port does the HTTP and calls these. */
#ifndef VD_OTA_CLIENT_H
#define VD_OTA_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vd_era.h"
#include "vd_terminal.h"
#include "vd_updater.h"

struct vd_url {
    char protocol[16]; /* before "://" ("" when there is none) */
    char host[128];
    unsigned port;               /* 80 for http, 443 for https, unless given */
    char path[VD_TERM_LINE_MAX]; /* from the first '/' after the host, "/" when none */
};

/* Splits url; false when it has no host. */
bool vd_url_parse(const char *url, struct vd_url *out);
/* The client only starts for http and https. */
bool vd_url_supported(const struct vd_url *url);

/* A copy of every message for the port's log, including what goes to the serial port only
 * (prefixed "serial: "), whether or not a terminal shows it. */
struct vd_ota_client_echo {
    void *ctx;
    void (*text)(void *ctx, const char *text);
};

struct vd_ota_client {
    struct vd_terminal *term; /* where the lines go (NULL: nowhere) */
    struct vd_ota_client_echo echo;
    struct vd_updater *updater;
    enum vd_era era;
    bool data_started; /* the first body bytes were seen */
    bool ended;        /* the client closed the connection itself */
    uint32_t size;     /* body bytes written */
};

void vd_ota_client_start(struct vd_ota_client *c, struct vd_terminal *term,
                         const struct vd_ota_client_echo *echo, struct vd_updater *updater,
                         enum vd_era era);
/* Connected: "[OTA] Downloading <path>". */
void vd_ota_client_connected(struct vd_ota_client *c, const struct vd_url *url);
/* The connection could not be made: "[OTA] Connection failed". */
void vd_ota_client_connect_failed(struct vd_ota_client *c);
/* Body bytes; false when the client closes the connection (header check, begin or write). */
bool vd_ota_client_data(struct vd_ota_client *c, const uint8_t *data, size_t len);
/* The connection ended (the server closed it, the client closed it, or no data came for the
 * client's receive timeout): Update.end(true) — whatever arrived is installed if its first
 * bytes pass — and the result lines. true when the device must reboot into the download. */
bool vd_ota_client_disconnected(struct vd_ota_client *c);
/* The connection was reset: onError's "[OTA] ERROR: Connection reset" (1.14.1 and dev; 1.14.0
 * has no error handler) and no finalize. The firmware leaves Update running until the next
 * reboot; here the update is dropped. */
void vd_ota_client_reset(struct vd_ota_client *c);
/* Seconds without data after which the client closes the connection (setRxTimeout(5) since
 * 1.14.1), 0 = none (1.14.0). */
unsigned vd_ota_client_rx_timeout_s(enum vd_era era);
/* How long after a successful `ota` the device restarts: deferredReset(100) up to 1.14.0,
 * 500 ms on 1.14.1 (otaFinalize), at the next loop on dev. */
unsigned vd_ota_client_reboot_delay_ms(enum vd_era era);

#endif
