/* vd_espota.h — the device side of the espota (ArduinoOTA) protocol as a state machine: parses
 * invitations and auth replies, answers them, begins the Updater, then takes the data stream
 * and produces the acks and the final result line. No sockets: the port moves the bytes. */
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

enum vd_espota_state {
    VD_ESPOTA_IDLE = 0,
    VD_ESPOTA_WAIT_AUTH,  /* AUTH <nonce> sent */
    VD_ESPOTA_UPDATE,     /* begun, OK sent: the port connects back and streams */
};

struct vd_espota_config {
    const struct vd_md5 *md5;
    vd_random_fn random;
    char password_md5[33];    /* md5hex(password); "" = no password, no AUTH step */
    bool fault_no_space;      /* answer begin with error 4 whatever the size */
};

struct vd_espota {
    struct vd_espota_config config;
    struct vd_updater *updater;
    enum vd_espota_state state;
    int command;
    uint16_t port;            /* host's TCP port from the invitation */
    uint32_t size;
    char md5[33];
    char nonce[33];
};

/* What the port must do after a datagram (bits). */
enum vd_espota_action {
    VD_ESPOTA_IGNORE = 0,
    VD_ESPOTA_REPLY = 1,      /* send `reply` to the datagram's source address and port */
    VD_ESPOTA_CONNECT = 2,    /* connect back to the source address, port `port`, and stream */
};

void vd_espota_init(struct vd_espota *ota, const struct vd_espota_config *config,
                    struct vd_updater *updater);

/* One UDP datagram in; fills reply (NUL-terminated) and returns vd_espota_action bits. */
int vd_espota_datagram(struct vd_espota *ota, const char *data, size_t len, char *reply,
                       size_t cap);

/* Data phase: feeds received bytes to the Updater. Returns the bytes consumed and writes the
 * ack text (decimal count) into ack; 0 and *failed = true when the Updater refused. */
uint32_t vd_espota_receive(struct vd_espota *ota, const uint8_t *data, uint32_t len, char *ack,
                           size_t ack_cap, bool *failed);
/* Bytes still expected. */
uint32_t vd_espota_remaining(const struct vd_espota *ota);
/* End of the data: verifies and writes "OK" or "ERROR[n]: text\n" into result. Returns true
 * when the device must reboot into the new image. Back to IDLE either way. */
bool vd_espota_finish(struct vd_espota *ota, char *result, size_t cap);
/* Connection lost or never made: drop the update, back to IDLE. */
void vd_espota_abort(struct vd_espota *ota);

#endif
