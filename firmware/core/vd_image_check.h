/* vd_image_check.h — the quick check a device does on the first bytes of an incoming image
 * (the Arduino Updater's _verifyHeader/_verifyEnd): magic byte, or gzip, and the flash size the
 * new image is built for against the real flash. */
#ifndef VD_IMAGE_CHECK_H
#define VD_IMAGE_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0 when the bytes start an acceptable image, else the Updater error number:
 * 10 (no magic byte, or fewer than 4 bytes) or 9 (built for a bigger flash than real_flash). */
int vd_image_check_start(const uint8_t *head, size_t len, uint32_t real_flash);

#endif
