/* fw_fake.h — test doubles for the firmware core's ports (tests/unit/test_fw_*.c): a flash in
 * memory with fault switches, MD5 ops over OpenSSL, a fixed "random" source, and an image
 * builder (esptool v1 image with an app descriptor) of a chosen size. Header-only: each test
 * includes it once. */
#ifndef FW_FAKE_H
#define FW_FAKE_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espurna-ota/image.h"
#include "espurna-ota/layout.h"
#include "vd_ports.h"

#define MIB (1024u * 1024u)

struct fake_flash {
    uint8_t *mem;
    struct vd_flash ops;
    unsigned writes;
    unsigned erases;        /* sector erases: each one is a sector time on the host port */
    unsigned corrupt_write; /* flip a byte in this write (1-based), 0 = never */
    unsigned fail_write;    /* fail this write (1-based), 0 = never */
};

static inline bool fake_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    struct fake_flash *f = ctx;
    if (off + (uint64_t)len > f->ops.size)
        return false;
    memcpy(buf, f->mem + off, len);
    return true;
}

static inline bool fake_erase(void *ctx, uint32_t off)
{
    struct fake_flash *f = ctx;
    if (off % EO_SECTOR_SIZE || off + EO_SECTOR_SIZE > f->ops.size)
        return false;
    f->erases++;
    memset(f->mem + off, 0xFF, EO_SECTOR_SIZE);
    return true;
}

static inline bool fake_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
    struct fake_flash *f = ctx;
    f->writes++;
    if (f->writes == f->fail_write || off + (uint64_t)len > f->ops.size)
        return false;
    memcpy(f->mem + off, buf, len);
    if (f->writes == f->corrupt_write)
        f->mem[off + len / 2] ^= 0x01;
    return true;
}

static inline void fake_flash_init(struct fake_flash *f, uint32_t size)
{
    memset(f, 0, sizeof *f);
    f->mem = malloc(size);
    memset(f->mem, 0xFF, size);
    f->ops = (struct vd_flash){f, size, fake_read, fake_erase, fake_write};
}

static inline void fake_flash_free(struct fake_flash *f)
{
    free(f->mem);
}

static inline void *md5_begin(void)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
    return ctx;
}

static inline void md5_update(void *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h, data, len);
}

static inline void md5_finish(void *h, char hex[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(h, d, &n);
    EVP_MD_CTX_free(h);
    for (unsigned i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static const struct vd_md5 test_md5 __attribute__((unused)) = {md5_begin, md5_update, md5_finish};

static inline void fixed_random(void *buf, size_t len)
{
    memset(buf, 0x42, len);
}

/* An image of about `size` bytes (a multiple of 16 up to 16 below) built for flash_code, with
 * a descriptor of kind/version. Returns the exact size; the caller frees *out. */
static inline size_t make_image(uint8_t **out, uint32_t size, uint8_t flash_code, uint8_t kind,
                                const char *version, const char *board)
{
    uint32_t data_len = (size - 32) & ~3u;
    uint8_t *data = calloc(1, data_len);
    for (uint32_t i = EO_DESC_SIZE; i < data_len; i++)
        data[i] = (uint8_t)(i * 7u);
    struct eo_app_desc desc = {.kind = kind, .features = eo_kind_default_features(kind)};
    snprintf(desc.app, sizeof desc.app, "ESPURNA");
    snprintf(desc.version, sizeof desc.version, "%s", version);
    snprintf(desc.environment, sizeof desc.environment, "test");
    snprintf(desc.board, sizeof desc.board, "%s", board);
    snprintf(desc.build_date, sizeof desc.build_date, "2024-01-02 03:04:05");
    eo_desc_encode(&desc, data);
    struct eo_image_build_segment seg = {0x40201010u, data, data_len};
    *out = malloc(size + 64);
    size_t n = eo_image_build_v1(EO_FLASH_MODE_DOUT, flash_code, EO_FLASH_FREQ_40M, 0x40100004u,
                                 &seg, 1, *out, size + 64);
    free(data);
    return n;
}

static inline void md5_of(const uint8_t *data, size_t len, char hex[33])
{
    vd_md5_hex(&test_md5, data, len, hex);
}

#endif
