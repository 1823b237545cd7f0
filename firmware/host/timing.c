/* timing.c — the virtual device's time model as pure arithmetic (see timing.h). */
#include "timing.h"

#include <stddef.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Appends one decimal digit to *value, failing beyond max. */
static bool push_digit(uint64_t *value, char digit, uint64_t max)
{
    if (*value > (max - (uint64_t)(digit - '0')) / 10u)
        return false;
    *value = *value * 10u + (uint64_t)(digit - '0');
    return true;
}

bool vdh_parse_decimal(const char *text, unsigned decimals, uint64_t max, uint64_t *out)
{
    uint64_t value = 0;
    unsigned fraction = 0;
    bool point = false, digits = false;
    if (!text)
        return false;
    for (const char *p = text; *p; p++) {
        if (*p == '.' && !point) {
            point = true;
            continue;
        }
        if (!is_digit(*p) || (point && ++fraction > decimals) || !push_digit(&value, *p, max))
            return false;
        digits = true;
    }
    for (; fraction < decimals; fraction++) {
        if (value > max / 10u)
            return false;
        value *= 10u;
    }
    if (!digits || value > max)
        return false;
    *out = value;
    return true;
}

uint32_t vdh_sector_us_for_kbps(unsigned kbps)
{
    if (kbps == 0)
        return 0;
    /* 4096 bytes at kbps × 1024 bytes per second: 4 s / kbps */
    return (uint32_t)((4000000u + kbps / 2u) / kbps);
}

uint64_t vdh_scaled_us(const struct vdh_timing *t, uint64_t device_us)
{
    return (device_us * t->scale + VDH_SCALE_ONE / 2u) / VDH_SCALE_ONE;
}

uint32_t vdh_sectors_for(uint64_t bytes)
{
    return (uint32_t)((bytes + VDH_SECTOR_BYTES - 1u) / VDH_SECTOR_BYTES);
}

uint64_t vdh_flash_us(const struct vdh_timing *t, uint32_t sectors)
{
    return (uint64_t)sectors * t->sector_us;
}

uint64_t vdh_flash_limit_bytes_per_s(const struct vdh_timing *t)
{
    if (t->sector_us == 0)
        return 0;
    return (uint64_t)VDH_SECTOR_BYTES * 1000000u / t->sector_us;
}
