/* layout.h — ESP8266 flash arithmetic, the same numbers the Arduino Updater uses: sectors,
 * the sketch area, free OTA space beside a running image, where an update is staged, and what
 * fits. Shared by the planner, `inspect` and the virtual device. Portable C, no I/O. */
#ifndef ESPURNA_OTA_LAYOUT_H
#define ESPURNA_OTA_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#define EO_LAYOUT_EEPROM_SECTORS 1u
#define EO_LAYOUT_RESERVED_SECTORS 4u /* SDK RF calibration and system parameters at the top */

/* A device's flash as the firmware sees it. fs_size is the filesystem (SPIFFS/LittleFS) area
 * directly below the EEPROM sector; ESPurna's standard layouts have none (0). */
struct eo_layout {
    uint32_t flash_size; /* bytes: 1 MiB, 2 MiB, 4 MiB ... */
    uint32_t fs_size;    /* bytes, multiple of 4096 */
};

/* A standard ESPurna layout (no filesystem) for a flash size in bytes. */
struct eo_layout eo_layout_standard(uint32_t flash_size);

/* Number of 4 KiB sectors that hold `bytes` (rounded up). */
uint32_t eo_sectors(uint32_t bytes);
/* bytes rounded up to a whole sector. */
uint32_t eo_sector_roundup(uint32_t bytes);

/* Offset where the filesystem starts = end of the sketch area (bytes). 0 for an impossible
 * layout (flash too small for the reserved sectors and fs). */
uint32_t eo_layout_sketch_end(const struct eo_layout *layout);
/* Sketch area in sectors (251 on a standard 1 MB layout). */
uint32_t eo_layout_sketch_sectors(const struct eo_layout *layout);

/* Free OTA space beside a running image of `running_size` bytes, as the Updater computes it:
 * sketch_end - roundup4K(running_size), 0 when negative. */
uint32_t eo_layout_free_space(const struct eo_layout *layout, uint32_t running_size);

/* Whether an image of `new_size` bytes can be staged beside `running_size` (espota path:
 * roundup4K(new) <= free). */
bool eo_layout_fits(const struct eo_layout *layout, uint32_t running_size, uint32_t new_size);

/* Largest image (bytes, a multiple of 4096) that fits beside a running image. */
uint32_t eo_layout_max_new_image(const struct eo_layout *layout, uint32_t running_size);

/* The web upload path reserves one sector more: it begins with (free - 4096) rounded down to a
 * sector, so the largest image it accepts is one sector smaller. */
uint32_t eo_layout_max_new_image_web(const struct eo_layout *layout, uint32_t running_size);

/* Where the Updater stages an image of new_size: sketch_end - roundup4K(new_size). Only
 * meaningful when the image fits. */
uint32_t eo_layout_staging_address(const struct eo_layout *layout, uint32_t new_size);

#endif
