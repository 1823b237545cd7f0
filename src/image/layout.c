/* layout.c — ESP8266 flash arithmetic as the Arduino Updater does it (see layout.h). */
#include "espurna-ota/layout.h"

#include "espurna-ota/image.h"

struct eo_layout eo_layout_standard(uint32_t flash_size)
{
    struct eo_layout layout = {.flash_size = flash_size, .fs_size = 0};
    return layout;
}

uint32_t eo_sectors(uint32_t bytes)
{
    return (uint32_t)(((uint64_t)bytes + EO_SECTOR_SIZE - 1) / EO_SECTOR_SIZE);
}

uint32_t eo_sector_roundup(uint32_t bytes)
{
    uint64_t rounded = (uint64_t)eo_sectors(bytes) * EO_SECTOR_SIZE;
    return rounded > UINT32_MAX ? UINT32_MAX & ~(EO_SECTOR_SIZE - 1) : (uint32_t)rounded;
}

uint32_t eo_layout_sketch_end(const struct eo_layout *layout)
{
    uint64_t top =
        (uint64_t)(EO_LAYOUT_EEPROM_SECTORS + EO_LAYOUT_RESERVED_SECTORS) * EO_SECTOR_SIZE +
        layout->fs_size;
    return layout->flash_size > top ? (uint32_t)(layout->flash_size - top) : 0;
}

uint32_t eo_layout_sketch_sectors(const struct eo_layout *layout)
{
    return eo_layout_sketch_end(layout) / EO_SECTOR_SIZE;
}

uint32_t eo_layout_free_space(const struct eo_layout *layout, uint32_t running_size)
{
    uint32_t end = eo_layout_sketch_end(layout);
    uint32_t used = eo_sector_roundup(running_size);
    return end > used ? end - used : 0;
}

bool eo_layout_fits(const struct eo_layout *layout, uint32_t running_size, uint32_t new_size)
{
    return new_size > 0 &&
           eo_sector_roundup(new_size) <= eo_layout_free_space(layout, running_size);
}

uint32_t eo_layout_max_new_image(const struct eo_layout *layout, uint32_t running_size)
{
    return eo_layout_free_space(layout, running_size) / EO_SECTOR_SIZE * EO_SECTOR_SIZE;
}

uint32_t eo_layout_max_new_image_web(const struct eo_layout *layout, uint32_t running_size)
{
    uint32_t espota = eo_layout_max_new_image(layout, running_size);
    return espota > EO_SECTOR_SIZE ? espota - EO_SECTOR_SIZE : 0;
}

uint32_t eo_layout_staging_address(const struct eo_layout *layout, uint32_t new_size)
{
    uint32_t end = eo_layout_sketch_end(layout);
    uint32_t rounded = eo_sector_roundup(new_size);
    return end > rounded ? end - rounded : 0;
}
