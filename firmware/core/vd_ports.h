/* vd_ports.h — what the portable device core needs from a port: flash access, MD5 and random
 * bytes, as small ops structs. The host port implements them over a file and OpenSSL; an
 * ESP8266 port would implement them over spi_flash_* and the ROM MD5. */
#ifndef VD_PORTS_H
#define VD_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The device's SPI flash. Offsets and lengths in bytes; erase works on one 4096-byte sector
 * at a sector-aligned offset. Each call returns false when the flash fails. */
struct vd_flash {
    void *ctx;
    uint32_t size;
    bool (*read)(void *ctx, uint32_t offset, void *buf, uint32_t len);
    bool (*erase_sector)(void *ctx, uint32_t offset);
    bool (*write)(void *ctx, uint32_t offset, const void *buf, uint32_t len);
};

/* An MD5 context: begin() returns a handle, finish() writes 32 lower-case hex digits plus NUL
 * and frees the handle. */
struct vd_md5 {
    void *(*begin)(void);
    void (*update)(void *handle, const void *data, size_t len);
    void (*finish)(void *handle, char hex[33]);
};

/* Fills buf with unpredictable bytes (nonces). */
typedef void (*vd_random_fn)(void *buf, size_t len);

/* md5hex of one buffer through the ops. */
void vd_md5_hex(const struct vd_md5 *md5, const void *data, size_t len, char hex[33]);

/* Dialect: which firmware generation's wire quirks the device shows. */
enum vd_dialect {
    VD_DIALECT_1_14 = 0, /* ESPurna 1.14.x: web always 200 "OK"/"ERROR n", "[NNNNNN] " log prefix */
    VD_DIALECT_DEV = 1,  /* 1.15.0-dev: web status codes, +OK/-ERROR password flow */
};

#endif
