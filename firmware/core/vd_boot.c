/* vd_boot.c — the boot command and eboot's copy (inflating a gzip update through the port's
 * inflate op, as newer eboots do). The record sits at the start of the top reserved sector:
 * magic "VDBOOT01", then five little-endian u32 (flags, src, dst, len, image_size) and an
 * FNV-1a check of those 28 bytes. It is written only by a verified end() and by the boot copy
 * itself, so a half-written update is never booted. */
#include "vd_updater.h"

#include <string.h>

#include "espurna-ota/image.h"
#include "espurna-ota/layout.h"

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

uint32_t vd_boot_record_offset(const struct vd_flash *flash)
{
    return flash->size - EO_SECTOR_SIZE;
}

bool vd_boot_record_read(const struct vd_flash *flash, struct vd_boot_record *out)
{
    uint8_t raw[RECORD_SIZE];
    if (!flash->read(flash->ctx, vd_boot_record_offset(flash), raw, sizeof raw))
        return false;
    if (memcmp(raw, RECORD_MAGIC, 8) != 0 || vd_check32(raw, 28) != get_u32(raw + 28))
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
    put_u32(raw + 28, vd_check32(raw, 28));
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

/* One pass of inflating the staged gzip image to dst; with write unset nothing is written. */
struct gz_pass {
    const struct vd_flash *flash;
    const struct vd_boot_record *rec;
    uint8_t *in, *out;
    bool write;
    bool flash_error;        /* the pass failed on the flash, not on the stream */
    uint32_t read, written;  /* staged bytes read, inflated bytes written */
    uint32_t in_pos, in_len; /* what of `in` is not yet inflated */
};

/* Writes n inflated bytes at dst + written; false when that sector would erase staged bytes
 * not read yet or pass the sketch area. */
static bool gz_flush(struct gz_pass *g, uint32_t n)
{
    struct eo_layout chip = eo_layout_standard(g->flash->size);
    uint32_t at = g->rec->dst + g->written;
    uint64_t unread = g->read == g->rec->len ? UINT64_MAX : (uint64_t)g->rec->src + g->read;
    if ((uint64_t)at + EO_SECTOR_SIZE > unread || at + n > eo_layout_sketch_end(&chip))
        return false;
    if (g->write && (!g->flash->erase_sector(g->flash->ctx, at) ||
                     !g->flash->write(g->flash->ctx, at, g->out, n)))
        return !(g->flash_error = true);
    g->written += n;
    return true;
}

/* Refills `in` with the next staged sector; false at the end of the staged bytes. */
static bool gz_refill(struct gz_pass *g)
{
    if (g->read == g->rec->len)
        return false;
    uint32_t n = g->rec->len - g->read < EO_SECTOR_SIZE ? g->rec->len - g->read : EO_SECTOR_SIZE;
    if (!g->flash->read(g->flash->ctx, g->rec->src + g->read, g->in, n))
        return !(g->flash_error = true);
    g->read += n;
    g->in_pos = 0;
    g->in_len = n;
    return true;
}

static bool gz_run(struct gz_pass *g, const struct vd_inflate *inflate, void *h)
{
    enum vd_inflate_status status = VD_INFLATE_MORE;
    size_t out_len = 0;
    while (status == VD_INFLATE_MORE) {
        if (g->in_pos == g->in_len && !gz_refill(g))
            return false; /* a truncated stream, or a flash error */
        size_t used = 0, made = 0;
        status = inflate->run(h, g->in + g->in_pos, g->in_len - g->in_pos, &used, g->out + out_len,
                              EO_SECTOR_SIZE - out_len, &made);
        g->in_pos += (uint32_t)used;
        out_len += made;
        if (status == VD_INFLATE_MORE && used == 0 && made == 0 && g->in_pos < g->in_len)
            return false; /* no progress with input and room: a broken stream */
        bool flush = out_len == EO_SECTOR_SIZE || (status == VD_INFLATE_END && out_len > 0);
        if (flush && !gz_flush(g, (uint32_t)out_len))
            return false;
        out_len = flush ? 0 : out_len;
    }
    return status == VD_INFLATE_END;
}

/* Inflates the staged gzip image to dst; *size is the inflated size. */
static enum vd_boot_action gz_copy(const struct vd_flash *flash, const struct vd_inflate *inflate,
                                   const struct vd_boot_record *rec, uint8_t *scratch, bool write,
                                   uint32_t *size)
{
    struct gz_pass g = {flash, rec, scratch, scratch + EO_SECTOR_SIZE, write, false, 0, 0, 0, 0};
    void *h = inflate->begin();
    if (!h)
        return VD_BOOT_FAILED;
    bool ok = gz_run(&g, inflate, h);
    inflate->end(h);
    *size = g.written;
    if (ok)
        return VD_BOOT_COPIED;
    return g.flash_error ? VD_BOOT_FAILED : VD_BOOT_BAD_GZIP;
}

/* Whether the staged image is gzip (and this port can inflate). */
static bool staged_gzip(const struct vd_flash *flash, const struct vd_inflate *inflate,
                        const struct vd_boot_record *rec)
{
    uint8_t head[2];
    return inflate && rec->len >= sizeof head &&
           flash->read(flash->ctx, rec->src, head, sizeof head) &&
           eo_image_is_gzip(head, sizeof head);
}

/* The copy itself: plain, or a dry inflate pass and then the real one. */
static enum vd_boot_action run_copy(const struct vd_flash *flash, const struct vd_inflate *inflate,
                                    struct vd_boot_record *rec, uint8_t *scratch)
{
    if (!staged_gzip(flash, inflate, rec)) {
        if (!copy_image(flash, rec, scratch))
            return VD_BOOT_FAILED;
        rec->image_size = rec->len;
        return VD_BOOT_COPIED;
    }
    uint32_t size = 0;
    enum vd_boot_action dry = gz_copy(flash, inflate, rec, scratch, false, &size);
    if (dry != VD_BOOT_COPIED)
        return dry;
    enum vd_boot_action done = gz_copy(flash, inflate, rec, scratch, true, &size);
    if (done == VD_BOOT_COPIED)
        rec->image_size = size;
    return done;
}

enum vd_boot_action vd_boot_run(const struct vd_flash *flash, const struct vd_inflate *inflate,
                                bool discard, uint8_t scratch[VD_BOOT_SCRATCH_SIZE])
{
    struct vd_boot_record rec;
    if (!vd_boot_record_read(flash, &rec) || !rec.copy_pending)
        return VD_BOOT_NOTHING;
    bool sane = rec.len > 0 && rec.dst == 0 && rec.src >= rec.dst &&
                rec.src + rec.len <= vd_boot_record_offset(flash);
    enum vd_boot_action action = VD_BOOT_DISCARDED;
    if (!discard && sane)
        action = run_copy(flash, inflate, &rec, scratch);
    if (action == VD_BOOT_FAILED)
        return VD_BOOT_FAILED;
    rec.copy_pending = false;
    if (!vd_boot_record_write(flash, &rec))
        return VD_BOOT_FAILED;
    return action;
}
