/* vd_stability.h — ESPurna's system check ("stability" or "safe" mode). A counter kept in RTC
 * memory (it survives a restart, not a power cycle) counts the boots that are not a power-on;
 * once it passes SYSTEM_CHECK_MAX the boot is flagged unstable and the firmware starts only
 * Wi-Fi, OTA (ArduinoOTA and the `ota` client) and telnet. SYSTEM_CHECK_TIME of uptime marks
 * the system stable again (counter back to its start). The eras count differently:
 *   <= 1.14.x: a power-on sets the counter to 1; any other boot increments it, and a value
 *              above the maximum flags this boot unstable and resets the counter to 0, so the
 *              next restart is stable again; uptime resets it to 0.
 *   dev:       a power-on or external reset forces 1; any other boot flags unstable when the
 *              counter already is at the maximum, else increments it (capped at the maximum),
 *              so every restart stays unstable until the uptime resets it to 1.
 * Both flag the boot after SYSTEM_CHECK_MAX restarts in a row within the check time. */
#ifndef VD_STABILITY_H
#define VD_STABILITY_H

#include <stdbool.h>
#include <stdint.h>

#include "vd_era.h"

#define VD_SYSTEM_CHECK_MAX 5u /* general.h in every ESPurna version read */
#define VD_SYSTEM_CHECK_TIME_MS 60000u

enum vd_reset_reason {
    VD_RESET_POWER_ON = 0, /* power applied (a new process): RTC memory lost */
    VD_RESET_SOFTWARE,     /* ESP.restart(): after an update, `reset`, `reset.safe` */
    VD_RESET_CRASH,        /* exception or watchdog */
};

struct vd_stability {
    bool rtc_valid; /* RTC memory holds the counter (false until the first boot) */
    uint8_t counter;
    bool stable; /* this boot's verdict */
};

/* Boot: updates the counter for the reset reason and decides whether this boot is stable. */
bool vd_stability_boot(struct vd_stability *st, enum vd_era era, enum vd_reset_reason reason);
/* SYSTEM_CHECK_TIME of uptime passed: the counter goes back to its start (the verdict of this
 * boot stays). */
void vd_stability_settled(struct vd_stability *st, enum vd_era era);
/* `reset.safe`: the counter goes to the maximum, so the next (software) boot is unstable. */
void vd_stability_force_unstable(struct vd_stability *st);

#endif
