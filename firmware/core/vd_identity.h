/* vd_identity.h — who the device is after a boot, read from the image at offset 0 (its app
 * descriptor and header), and the values it shows: mDNS TXT records and services, the board
 * name it announces, the terminal's `support:` line, the MAC text, per era. */
#ifndef VD_IDENTITY_H
#define VD_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/image.h"
#include "vd_era.h"
#include "vd_ports.h"
#include "vd_settings.h"

struct vd_identity {
    bool bootable;
    char why[128];           /* when not bootable: what is wrong with offset 0 */
    bool has_desc;           /* false: no descriptor, booted as a full build "unknown" */
    struct eo_app_desc desc; /* the image's descriptor (without one: full, "unknown") */
    uint32_t image_size;     /* running sketch size, bytes */
    uint32_t built_for;      /* flash size the header names, bytes (0 unknown) */
    uint32_t flash_size;     /* real flash, bytes */
    uint32_t free_space;     /* free OTA space in the running build's layout, bytes */
    char sketch_md5[33];     /* ESP.getSketchMD5(): md5hex of image_size bytes at offset 0 */
    char
        board_name[48]; /* getBoardName(): what target_board shows (see vd_identity_settle_board) */
};

/* Reads the identity from the sketch area `buf` (len bytes from offset 0). recorded_size is
 * the installed image's size from the boot record (0 = unknown: use the header's end). md5
 * (NULL: skipped) computes sketch_md5. */
bool vd_identity_read(const uint8_t *buf, size_t len, uint32_t recorded_size, uint32_t flash_size,
                      const struct vd_md5 *md5, struct vd_identity *out);

/* The board name of this boot, and what the settings keep: a full build stores its own board;
 * a 1.12-1.14 core build never sets one and shows the stored name (its own when none was
 * stored); dev minimal builds show their own. Returns true when `settings` changed and must
 * be written back. */
bool vd_identity_settle_board(struct vd_identity *id, enum vd_era era,
                              struct vd_settings *settings);

bool vd_identity_has(const struct vd_identity *id, uint16_t feature);

/* The terminal's module list: "MDNS ARDUINO_OTA TELNET TERMINAL" for a core build. */
void vd_identity_support(const struct vd_identity *id, char *out, size_t cap);

/* MAC text: 1.14 "AA:BB:CC:DD:EE:FF", dev "AABBCCDDEEFF". out holds 18 bytes. */
void vd_format_mac(const uint8_t mac[6], enum vd_era era, char out[18]);

/* ArduinoOTA's `board` key: ARDUINO_BOARD as PlatformIO defines it for the board of the
 * build's flash size: PLATFORMIO_ESP01_1M (1 MB), PLATFORMIO_ESP_WROOM_02 (2 MB),
 * PLATFORMIO_ESP12E (4 MB and larger); the chip's size when the build's is unknown. */
const char *vd_arduino_board(const struct vd_identity *id);

/* What mDNS publishes: the services (0 = not published) and whether the ESPurna TXT keys
 * come with _arduino._tcp. In safe mode a 1.14 build still has ArduinoOTA's own mDNS
 * (_arduino._tcp with its four keys; core 2.3.0's ArduinoOTA.begin() starts MDNS), a dev
 * build nothing (ArduinoOTA.begin(false), the mDNS module is not set up). */
struct vd_mdns_plan {
    bool arduino, http, telnet;
    bool espurna_keys;
};
void vd_mdns_plan(const struct vd_identity *id, enum vd_era era, bool safe_mode,
                  struct vd_mdns_plan *out);

enum vd_txt_mode {
    VD_TXT_FULL = 0,  /* ArduinoOTA's keys + ESPurna's */
    VD_TXT_MINIMAL,   /* ArduinoOTA's keys only (1.13-style core builds) */
    VD_TXT_MALFORMED, /* test fault: garbage numbers, over-long values, a key without '=' */
};

struct vd_txt_facts {
    uint8_t mac[6];
    bool auth; /* a password is set */
    enum vd_era era;
    enum vd_txt_mode mode;
    bool espurna_keys; /* false: ArduinoOTA's four keys only (safe mode) */
};

#define VD_TXT_MAX 16
#define VD_TXT_ITEM_MAX 256
struct vd_txt {
    unsigned count;
    char item[VD_TXT_MAX][VD_TXT_ITEM_MAX]; /* "key=value" */
};

/* The `_arduino._tcp` TXT strings for this identity. */
void vd_txt_build(const struct vd_identity *id, const struct vd_txt_facts *facts,
                  struct vd_txt *out);

#endif
