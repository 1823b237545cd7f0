/* vd_boot.c — the boot command and eboot's copy. The record sits at the start of the top
 * reserved sector: magic "VDBOOT01", then five little-endian u32 (flags, src, dst, len,
 * image_size) and an FNV-1a check of those 28 bytes. It is written only by a verified end() and
 * by the boot copy itself, so a half-written update is never booted. */
#include "vd_updater.h"

#include <string.h>

#define RECORD_MAGIC "VDBOOT01"
#define RECORD_SIZE 32u
#define FLAG_COPY_PENDING 1u

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

uint32_t vd_boot_record_offset(const struct vd_flash *flash)
{
    return flash->size - EO_SECTOR_SIZE;
}

bool vd_boot_record_read(const struct vd_flash *flash, struct vd_boot_record *out)
{
    uint8_t raw[RECORD_SIZE];
    if (!flash->read(flash->ctx, vd_boot_record_offset(flash), raw, sizeof raw))
        return false;
    if (memcmp(raw, RECORD_MAGIC, 8) != 0 || fnv1a(raw, 28) != get_u32(raw + 28))
        return false;
    out->copy_pending = (get_u32(raw + 8) & FLAG_COPY_PENDING) != 0;
    out->src = get_u32(raw + 12);
    out->dst = get_u32(raw + 16);
    out->len = get_u32(raw + 20);
    out->image_size = get_u32(raw + 24);
    return true;
}

bool vd_boot_record_write(const struct vd_flash *flash, const struct vd_boot_record *rec)
{
    uint8_t raw[RECORD_SIZE];
    memcpy(raw, RECORD_MAGIC, 8);
    put_u32(raw + 8, rec->copy_pending ? FLAG_COPY_PENDING : 0);
    put_u32(raw + 12, rec->src);
    put_u32(raw + 16, rec->dst);
    put_u32(raw + 20, rec->len);
    put_u32(raw + 24, rec->image_size);
    put_u32(raw + 28, fnv1a(raw, 28));
    uint32_t offset = vd_boot_record_offset(flash);
    return flash->erase_sector(flash->ctx, offset) &&
           flash->write(flash->ctx, offset, raw, sizeof raw);
}

/* Copies len bytes src → dst, one sector at a time, front to back (dst is below src). */
static bool copy_image(const struct vd_flash *flash, const struct vd_boot_record *rec,
                       uint8_t *scratch)
{
    for (uint32_t pos = 0; pos < rec->len; pos += EO_SECTOR_SIZE) {
        uint32_t n = rec->len - pos < EO_SECTOR_SIZE ? rec->len - pos : EO_SECTOR_SIZE;
        if (!flash->read(flash->ctx, rec->src + pos, scratch, n) ||
            !flash->erase_sector(flash->ctx, rec->dst + pos) ||
            !flash->write(flash->ctx, rec->dst + pos, scratch, n))
            return false;
    }
    return true;
}

enum vd_boot_action vd_boot_run(const struct vd_flash *flash, bool discard,
                                uint8_t scratch[EO_SECTOR_SIZE])
{
    struct vd_boot_record rec;
    if (!vd_boot_record_read(flash, &rec) || !rec.copy_pending)
        return VD_BOOT_NOTHING;
    bool sane = rec.len > 0 && rec.dst == 0 && rec.src >= rec.dst &&
                rec.src + rec.len <= vd_boot_record_offset(flash);
    if (!discard && sane && !copy_image(flash, &rec, scratch))
        return VD_BOOT_FAILED;
    if (!discard && sane)
        rec.image_size = rec.len;
    rec.copy_pending = false;
    if (!vd_boot_record_write(flash, &rec))
        return VD_BOOT_FAILED;
    return discard || !sane ? VD_BOOT_DISCARDED : VD_BOOT_COPIED;
}
