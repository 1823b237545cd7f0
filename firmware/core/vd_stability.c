/* vd_stability.c — the system check of each era (see vd_stability.h). */
#include "vd_stability.h"

/* 1.14: systemCheck(false) at boot. */
static bool boot_1_14(struct vd_stability *st, enum vd_reset_reason reason)
{
    if (reason == VD_RESET_POWER_ON || !st->rtc_valid) {
        st->counter = 1;
        return true;
    }
    unsigned value = st->counter + 1u;
    bool stable = value <= VD_SYSTEM_CHECK_MAX;
    st->counter = stable ? (uint8_t)value : 0;
    return stable;
}

/* dev: stability::init(). */
static bool boot_dev(struct vd_stability *st, enum vd_reset_reason reason)
{
    if (reason == VD_RESET_POWER_ON || !st->rtc_valid) {
        st->counter = 1;
        return true;
    }
    unsigned count = st->counter;
    unsigned next = count + 1u < VD_SYSTEM_CHECK_MAX ? count + 1u : VD_SYSTEM_CHECK_MAX;
    st->counter = (uint8_t)next;
    return count < VD_SYSTEM_CHECK_MAX;
}

bool vd_stability_boot(struct vd_stability *st, enum vd_era era, enum vd_reset_reason reason)
{
    st->stable = vd_era_is_1_14(era) ? boot_1_14(st, reason) : boot_dev(st, reason);
    st->rtc_valid = true;
    return st->stable;
}

void vd_stability_settled(struct vd_stability *st, enum vd_era era)
{
    st->counter = vd_era_is_1_14(era) ? 0 : 1;
}

void vd_stability_force_unstable(struct vd_stability *st)
{
    st->counter = VD_SYSTEM_CHECK_MAX;
}
