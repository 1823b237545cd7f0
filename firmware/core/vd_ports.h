/* vd_ports.h — what the portable device core needs from a port: flash access, MD5, random
 * bytes and gzip inflation, as small ops structs. The host port implements them over a file,
 * OpenSSL and zlib; an ESP8266 port would implement them over spi_flash_*, the ROM MD5 and
 * eboot's uzlib. */
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

/* Inflation of a gzip stream, for eboot's copy of a gzip update. begin() returns a handle
 * (NULL: out of memory). run() inflates from in (in_len bytes) into out (out_cap bytes), sets
 * *in_used and *out_len, and returns VD_INFLATE_MORE (wants more input or output room),
 * VD_INFLATE_END (the stream ended and its CRC matched) or VD_INFLATE_ERROR (not a valid gzip
 * stream). end() frees the handle. */
enum vd_inflate_status { VD_INFLATE_MORE, VD_INFLATE_END, VD_INFLATE_ERROR };
struct vd_inflate {
    void *(*begin)(void);
    enum vd_inflate_status (*run)(void *handle, const uint8_t *in, size_t in_len, size_t *in_used,
                                  uint8_t *out, size_t out_cap, size_t *out_len);
    void (*end)(void *handle);
};

/* Fills buf with unpredictable bytes (nonces). */
typedef void (*vd_random_fn)(void *buf, size_t len);

/* md5hex of one buffer through the ops. */
void vd_md5_hex(const struct vd_md5 *md5, const void *data, size_t len, char hex[33]);

/* FNV-1a of n bytes: the check value of the records the device keeps in flash. */
uint32_t vd_check32(const uint8_t *p, size_t n);

#endif
