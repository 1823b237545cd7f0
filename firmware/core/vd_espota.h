/* vd_espota.h — the device side of the espota (ArduinoOTA) protocol as a state machine: parses
 * invitations and auth replies, answers them, begins the Updater, then takes the data stream
 * and produces the acks and the final verdict, each as the core the running build uses does
 * it (2.3.0: "OK" before begin, a silent begin failure, the verdict at once; 2.7.4: "OK" or
 * "ERR: ..." after begin, a 1 s pause on each side of the final "OK"). No sockets: the port
 * moves the bytes. */
#ifndef VD_ESPOTA_H
#define VD_ESPOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vd_ports.h"
#include "vd_updater.h"

#define VD_ESPOTA_CMD_FLASH 0
#define VD_ESPOTA_CMD_FS 100
#define VD_ESPOTA_CMD_AUTH 200

/* Core 2.7.4 waits this long before and after the final "OK" (so it does not glue to the
 * last count). */
#define VD_ESPOTA_OK_PAUSE_MS 1000u

enum vd_espota_state {
    VD_ESPOTA_IDLE = 0,
    VD_ESPOTA_WAIT_AUTH, /* AUTH <nonce> sent */
    VD_ESPOTA_UPDATE,    /* begun, OK sent: the port connects back and streams */
};

struct vd_espota_config {
    const struct vd_md5 *md5;
    vd_random_fn random;
    char password_md5[33]; /* md5hex(password); "" = no password, no AUTH step */
    enum vd_core core;     /* ArduinoOTA's behaviour follows the running build's core */
};

struct vd_espota {
    struct vd_espota_config config;
    struct vd_updater *updater;
    enum vd_espota_state state;
    int command;
    uint16_t port; /* host's TCP port from the invitation */
    uint32_t size;
    char md5[33];
    char nonce[33];
};

/* What the port must do after a datagram (bits). */
enum vd_espota_action {
    VD_ESPOTA_IGNORE = 0,
    VD_ESPOTA_REPLY = 1,        /* send `reply` to the datagram's source address and port */
    VD_ESPOTA_CONNECT = 2,      /* connect back to the source address, port `port`, and stream */
    VD_ESPOTA_BEGIN_FAILED = 4, /* Update.begin() failed; on 2.3.0 after "OK" was already sent */
};

void vd_espota_init(struct vd_espota *ota, const struct vd_espota_config *config,
                    struct vd_updater *updater);

/* One UDP datagram in; fills reply (NUL-terminated) and returns vd_espota_action bits. */
int vd_espota_datagram(struct vd_espota *ota, const char *data, size_t len, char *reply,
                       size_t cap);

/* Data phase: feeds received bytes to the Updater. Returns the bytes consumed and writes the
 * ack text (decimal count) into ack; *failed = true when the Updater took fewer than len. */
uint32_t vd_espota_receive(struct vd_espota *ota, const uint8_t *data, uint32_t len, char *ack,
                           size_t ack_cap, bool *failed);
/* Bytes still expected. */
uint32_t vd_espota_remaining(const struct vd_espota *ota);
/* What goes back on the data connection at the end, and when: pause_before_ms, then text,
 * then pause_after_ms, then the connection closes. */
struct vd_espota_verdict {
    bool reboot;    /* the update is staged: the device restarts into it */
    char text[128]; /* "OK" or what Update.printError() prints */
    unsigned pause_before_ms, pause_after_ms;
};
/* End of the data: Update.end() and the verdict. Back to IDLE either way. */
void vd_espota_finish(struct vd_espota *ota, struct vd_espota_verdict *out);
/* Connection lost or never made: drop the update, back to IDLE. */
void vd_espota_abort(struct vd_espota *ota);

#endif
