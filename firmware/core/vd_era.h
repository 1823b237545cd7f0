/* vd_era.h — which firmware generation the device answers as. Three eras differ on the wire:
 * ESPurna up to 1.14.0, 1.14.1, and the 1.15 development line; each is built with an Arduino
 * core (2.3.0 for 1.14.x, 2.7.4 for dev) whose Updater and ArduinoOTA decide their own wording
 * and timing. The era follows the running image's version unless the port forces one. */
#ifndef VD_ERA_H
#define VD_ERA_H

#include <stdbool.h>

enum vd_era {
    VD_ERA_1_14_0 = 0, /* <= 1.14.0: web always 200 "OK"/"ERROR n", no header check */
    VD_ERA_1_14_1,     /* 1.14.1: web status codes and header check, 1.14 terminal */
    VD_ERA_DEV,        /* >= 1.15 or "-dev": dev terminal, TXT in KiB, core 2.7.4 */
};

/* The Arduino core an era's release builds use. */
enum vd_core { VD_CORE_2_3_0 = 0, VD_CORE_2_7_4 };

/* dev for a version containing "-dev" or major.minor >= 1.15; 1.14.1 for 1.14.x with x >= 1
 * (pre-releases of 1.14.1 included); <= 1.14.0 for anything else (older releases, "unknown",
 * text that is not a version). */
enum vd_era vd_era_for_version(const char *version);

const char *vd_era_name(enum vd_era era); /* "1.14.0", "1.14.1", "dev" */
enum vd_core vd_era_core(enum vd_era era);
const char *vd_core_name(enum vd_core core); /* "2.3.0", "2.7.4" */

/* The 1.14 terminal and TXT style ("[NNNNNN] " prefix, "Password: " dialogue, MAC with
 * colons, free space in bytes): both 1.14 eras. */
bool vd_era_is_1_14(enum vd_era era);

#endif
