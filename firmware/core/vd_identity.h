/* vd_identity.h — who the device is after a boot, read from the image at offset 0 (its app
 * descriptor and header), and the values it shows: mDNS TXT records, the terminal's `support:`
 * line, the MAC text, per dialect. */
#ifndef VD_IDENTITY_H
#define VD_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/image.h"
#include "vd_ports.h"

struct vd_identity {
    bool bootable;
    char why[128];            /* when not bootable: what is wrong with offset 0 */
    bool has_desc;            /* false: no descriptor, booted as a full build "unknown" */
    struct eo_app_desc desc;  /* the image's descriptor (without one: full, "unknown") */
    uint32_t image_size;      /* running sketch size, bytes */
    uint32_t built_for;       /* flash size the header names, bytes (0 unknown) */
    uint32_t flash_size;      /* real flash, bytes */
    uint32_t free_space;      /* free OTA space in the running build's layout, bytes */
};

/* Reads the identity from the sketch area `buf` (len bytes from offset 0). recorded_size is
 * the installed image's size from the boot record (0 = unknown: use the header's end). */
bool vd_identity_read(const uint8_t *buf, size_t len, uint32_t recorded_size,
                      uint32_t flash_size, struct vd_identity *out);

bool vd_identity_has(const struct vd_identity *id, uint16_t feature);

/* The terminal's module list: "MDNS ARDUINO_OTA TELNET TERMINAL" for a core build. */
void vd_identity_support(const struct vd_identity *id, char *out, size_t cap);

/* The dialect a firmware version speaks: dev for major.minor >= 1.15 or a version containing
 * "-dev", 1.14 for anything else (older releases, "unknown", text that is not a version). */
enum vd_dialect vd_dialect_for_version(const char *version);

/* MAC text: 1.14 "AA:BB:CC:DD:EE:FF", dev "AABBCCDDEEFF". out holds 18 bytes. */
void vd_format_mac(const uint8_t mac[6], enum vd_dialect dialect, char out[18]);

enum vd_txt_mode {
    VD_TXT_FULL = 0,     /* ArduinoOTA's keys + ESPurna's */
    VD_TXT_MINIMAL,      /* ArduinoOTA's keys only (1.13-style core builds) */
    VD_TXT_MALFORMED,    /* test fault: garbage numbers, over-long values, a key without '=' */
};

struct vd_txt_facts {
    uint8_t mac[6];
    bool auth;               /* a password is set */
    enum vd_dialect dialect;
    enum vd_txt_mode mode;
};

/* ArduinoOTA's own `board` key: the Arduino board id of a generic ESP8266 build. */
#define VD_ARDUINO_BOARD "ESP8266_GENERIC"

#define VD_TXT_MAX 16
#define VD_TXT_ITEM_MAX 256
struct vd_txt {
    unsigned count;
    char item[VD_TXT_MAX][VD_TXT_ITEM_MAX]; /* "key=value" */
};

/* The `_arduino._tcp` TXT strings for this identity. */
void vd_txt_build(const struct vd_identity *id, const struct vd_txt_facts *facts, struct vd_txt *out);

#endif
