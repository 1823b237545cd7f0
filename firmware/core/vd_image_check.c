/* vd_image_check.c — the first-bytes check of an incoming image, as ESPurna's otaVerifyHeader
 * and the Updater's _verifyEnd do it: gzip (core 2.7.4 only), or the magic byte and a flash
 * size that fits (not the whole header, which the device has not received yet). The bytes
 * themselves are read by eo_image_peek (src/image.c), like everything else about images. */
#include "vd_image_check.h"

#include "espurna-ota/image.h"
#include "vd_updater.h"

int vd_image_check_start(const uint8_t *head, size_t len, uint32_t real_flash, enum vd_core core)
{
    struct eo_image_peek peek;
    bool whole = eo_image_peek(head, len, &peek);
    if (peek.gzip)
        return core == VD_CORE_2_7_4 ? VD_UPDATE_OK : VD_UPDATE_ERROR_MAGIC_BYTE;
    if (!whole || !peek.magic)
        return VD_UPDATE_ERROR_MAGIC_BYTE;
    uint32_t built_for = eo_flash_size_bytes(peek.flash_size_code);
    if (built_for > real_flash)
        return VD_UPDATE_ERROR_NEW_FLASH_CONFIG;
    return VD_UPDATE_OK;
}
