/* vd_era.c — the era a firmware version answers as, and the core its builds use. */
#include "vd_era.h"

#include <string.h>

/* Reads decimal digits at *p (at least one; capped so it cannot overflow); false when none. */
static bool read_number(const char **p, unsigned *out)
{
    if (**p < '0' || **p > '9')
        return false;
    *out = 0;
    for (; **p >= '0' && **p <= '9'; (*p)++)
        *out = *out > 100000u ? *out : *out * 10u + (unsigned)(**p - '0');
    return true;
}

enum vd_era vd_era_for_version(const char *version)
{
    const char *p = version;
    unsigned major, minor, patch = 0;
    if (strstr(version, "-dev"))
        return VD_ERA_DEV;
    if (!read_number(&p, &major) || *p++ != '.' || !read_number(&p, &minor))
        return VD_ERA_1_14_0;
    if (major > 1 || (major == 1 && minor >= 15))
        return VD_ERA_DEV;
    if (*p == '.') {
        p++;
        read_number(&p, &patch);
    }
    return major == 1 && minor == 14 && patch >= 1 ? VD_ERA_1_14_1 : VD_ERA_1_14_0;
}

const char *vd_era_name(enum vd_era era)
{
    switch (era) {
    case VD_ERA_1_14_0: return "1.14.0";
    case VD_ERA_1_14_1: return "1.14.1";
    case VD_ERA_DEV: break;
    }
    return "dev";
}

enum vd_core vd_era_core(enum vd_era era)
{
    return era == VD_ERA_DEV ? VD_CORE_2_7_4 : VD_CORE_2_3_0;
}

const char *vd_core_name(enum vd_core core)
{
    return core == VD_CORE_2_7_4 ? "2.7.4" : "2.3.0";
}

bool vd_era_is_1_14(enum vd_era era)
{
    return era != VD_ERA_DEV;
}
