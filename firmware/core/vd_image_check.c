/* vd_image_check.c — the first-bytes check of an incoming image, as the device's Updater does
 * it: it looks at the magic byte and the flash-size nibble only (not the whole header, which the
 * device has not received yet); everything else about images is eo_image_* (src/image.c). */
#include "vd_image_check.h"

#include "espurna-ota/image.h"
#include "vd_updater.h"

#define FLASH_CONFIG_BYTE 3u /* high nibble: flash size code (see image.h) */

int vd_image_check_start(const uint8_t *head, size_t len, uint32_t real_flash)
{
    if (eo_image_is_gzip(head, len))
        return VD_UPDATE_OK;
    if (len <= FLASH_CONFIG_BYTE || head[0] != EO_IMAGE_MAGIC)
        return VD_UPDATE_ERROR_MAGIC_BYTE;
    uint32_t built_for = eo_flash_size_bytes((uint8_t)(head[FLASH_CONFIG_BYTE] >> 4));
    if (built_for == 0 || built_for > real_flash)
        return VD_UPDATE_ERROR_NEW_FLASH_CONFIG;
    return VD_UPDATE_OK;
}
