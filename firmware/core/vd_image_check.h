/* vd_image_check.h — the check of the first bytes of an incoming image: ESPurna's
 * otaVerifyHeader() before anything is written (1.14.1 and later, web and `ota`), and the
 * Updater's _verifyEnd() after the last byte. Magic byte, or gzip where the core inflates it,
 * and the flash size the new image is built for against the real flash. */
#ifndef VD_IMAGE_CHECK_H
#define VD_IMAGE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "vd_era.h"

/* Returns 0 when the bytes start an acceptable image, else the Updater error number: 10 (no
 * magic byte, fewer than 4 bytes, or gzip on core 2.3.0, which cannot inflate) or 9 (built
 * for a bigger flash than real_flash; an unknown flash-size code passes, as
 * ESP.magicFlashChipSize() yields 0 for it). */
int vd_image_check_start(const uint8_t *head, size_t len, uint32_t real_flash, enum vd_core core);

#endif
