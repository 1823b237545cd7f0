/* timing.h — the virtual device's time model as pure arithmetic (no clock, no sleeping): what
 * one sector erase + write costs, what the flash allows per second, and the time scale that
 * every emulated duration goes through (flash, boot copy, reboot, ack latency, espota pauses).
 * The port (flash.c, device.c, espota.c) sleeps what these functions compute. How the defaults
 * were chosen: firmware/README.md, "Time". */
#ifndef VDH_TIMING_H
#define VDH_TIMING_H

#include <stdbool.h>
#include <stdint.h>

/* One 4096-byte sector erased and written by an ESP8266: ≈ 120 KiB/s measured, 33 ms. */
#define VDH_SECTOR_US_DEFAULT 33000u
#define VDH_SECTOR_BYTES 4096u
/* Time scale in millionths: VDH_SCALE_ONE is real time, 100000 (0.1) ten times faster. */
#define VDH_SCALE_ONE 1000000u
#define VDH_SCALE_MAX (100u * VDH_SCALE_ONE)
/* lwIP as ESPurna builds it (the higher-bandwidth option): TCP_MSS 1460, TCP_WND 4 × MSS. */
#define VDH_LWIP_MSS 1460u
#define VDH_LWIP_WINDOW 5840u

struct vdh_timing {
    uint32_t sector_us; /* erase + write of one sector, in device time (0: the flash is free) */
    uint32_t scale;     /* millionths: wall time = device time × scale / VDH_SCALE_ONE */
};

/* Parses a non-negative decimal number ("33", "0.1", "2.5") into units of 10^-decimals (so
 * "0.1" with 6 decimals is 100000). false when it is not such a number, has more decimals than
 * that, or exceeds max (in those units). */
bool vdh_parse_decimal(const char *text, unsigned decimals, uint64_t max, uint64_t *out);

/* The sector time of a flash that erases and writes `kbps` KiB per second (--flash-kbps);
 * 0 KiB/s means no flash time at all (the old "unlimited"). */
uint32_t vdh_sector_us_for_kbps(unsigned kbps);

/* Device time → wall time through the scale. */
uint64_t vdh_scaled_us(const struct vdh_timing *t, uint64_t device_us);

/* Sectors that `bytes` occupy (each one erased and written whole). */
uint32_t vdh_sectors_for(uint64_t bytes);

/* Device time to erase and write `sectors` sectors. */
uint64_t vdh_flash_us(const struct vdh_timing *t, uint32_t sectors);

/* Bytes per second the flash alone allows (device time; 0 when the flash is free). */
uint64_t vdh_flash_limit_bytes_per_s(const struct vdh_timing *t);

#endif
