/* flash.c — the device's flash as a file (created full of 0xFF), behind the core's vd_flash
 * ops; emulates the flash's time (one sector time per sector erased and written, whoever writes
 * it: an update through the Updater, or eboot's copy), the corrupt-sector fault and the power
 * cut of the power-cut fault;
 * serial-flashes an image at offset 0 (--install). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vdh.h"

static bool flash_read(void *ctx, uint32_t offset, void *buf, uint32_t len)
{
    struct vdh_flash *f = ctx;
    return offset + (uint64_t)len <= f->size && pread(f->fd, buf, len, offset) == (ssize_t)len;
}

static bool flash_write(void *ctx, uint32_t offset, const void *buf, uint32_t len)
{
    struct vdh_flash *f = ctx;
    if (offset + (uint64_t)len > f->size)
        return false;
    if (f->corrupt_next && len > 0) {
        uint8_t *copy = malloc(len);
        if (!copy)
            return false;
        memcpy(copy, buf, len);
        copy[len / 2] ^= 0x5A;
        f->corrupt_next = false;
        bool ok = pwrite(f->fd, copy, len, offset) == (ssize_t)len;
        free(copy);
        return ok;
    }
    return pwrite(f->fd, buf, len, offset) == (ssize_t)len;
}

/* A sector is always erased before it is written, and the erase is most of the time (4 KiB
 * erase ≈ 30–45 ms, a 256-byte page program < 1 ms): the whole sector time is spent here. The
 * boot record stands for eboot's command, which a real device keeps in RTC memory: no time. */
static void spend_sector_time(struct vdh_flash *f, uint32_t offset)
{
    if (!f->timed || offset == vd_boot_record_offset(&f->ops))
        return;
    f->sector_writes++;
    if (f->sector_wall_us)
        vdh_busy_us(f->sector_wall_us, &f->while_busy);
}

/* The fault power-cut: the erase that exhausts the budget is the last thing the flash does
 * (the sector is left blank); the caller sees the failure and stops. */
static bool power_goes(struct vdh_flash *f)
{
    if (f->erase_budget < 0)
        return false;
    return f->erase_budget-- == 0;
}

static bool flash_erase(void *ctx, uint32_t offset)
{
    struct vdh_flash *f = ctx;
    spend_sector_time(f, offset);
    uint8_t ff[EO_SECTOR_SIZE];
    memset(ff, 0xFF, sizeof ff);
    bool erased = offset % EO_SECTOR_SIZE == 0 && offset + EO_SECTOR_SIZE <= f->size &&
                  pwrite(f->fd, ff, sizeof ff, offset) == (ssize_t)sizeof ff;
    return erased && !power_goes(f);
}

static bool fill_ff(int fd, uint32_t size)
{
    uint8_t ff[EO_SECTOR_SIZE];
    memset(ff, 0xFF, sizeof ff);
    for (uint32_t off = 0; off < size; off += sizeof ff)
        if (pwrite(fd, ff, sizeof ff, off) != (ssize_t)sizeof ff)
            return false;
    return true;
}

static bool valid_size(off_t size)
{
    return size == 1 << 20 || size == 2 << 20 || size == 4 << 20;
}

bool vdh_flash_open(struct vdh_flash *f, const char *path, uint32_t create_size,
                    uint64_t sector_wall_us)
{
    memset(f, 0, sizeof *f);
    f->erase_budget = -1;
    f->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    struct stat st;
    if (f->fd < 0 || fstat(f->fd, &st) != 0) {
        vdh_log("cannot open flash %s: %s", path, strerror(errno));
        return false;
    }
    if (st.st_size == 0 && !fill_ff(f->fd, create_size)) {
        vdh_log("cannot create flash %s: %s", path, strerror(errno));
        return false;
    }
    if (st.st_size != 0 && !valid_size(st.st_size)) {
        vdh_log("flash %s: size %lld is not 1, 2 or 4 MiB; remove it or pass another file", path,
                (long long)st.st_size);
        return false;
    }
    f->size = st.st_size ? (uint32_t)st.st_size : create_size;
    f->sector_wall_us = sector_wall_us;
    f->timed = true;
    f->ops = (struct vd_flash){f, f->size, flash_read, flash_erase, flash_write};
    return true;
}

/* Reads a whole (small) file. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    uint8_t *buf = malloc(EO_IMAGE_MAX_FILE_SIZE);
    size_t n = buf ? fread(buf, 1, EO_IMAGE_MAX_FILE_SIZE, in) : 0;
    fclose(in);
    *len = n;
    return buf;
}

bool vdh_flash_install(struct vdh_flash *f, const char *image_path)
{
    size_t len = 0;
    uint8_t *buf = slurp(image_path, &len);
    struct eo_layout layout = eo_layout_standard(f->size);
    bool ok = buf && len > 0 && len <= eo_layout_sketch_end(&layout);
    if (!ok) {
        vdh_log("cannot install %s: %s", image_path,
                !buf       ? strerror(errno)
                : len == 0 ? "empty file"
                           : "larger than the sketch area");
        free(buf);
        return false;
    }
    f->timed = false; /* serial flashing is not what the flash time emulates */
    for (uint32_t off = 0; ok && off < len; off += EO_SECTOR_SIZE) {
        uint32_t n = len - off < EO_SECTOR_SIZE ? (uint32_t)(len - off) : EO_SECTOR_SIZE;
        ok = flash_erase(f, off) && flash_write(f, off, buf + off, n);
    }
    f->timed = true;
    free(buf);
    struct vd_boot_record rec = {.image_size = (uint32_t)len};
    ok = ok && vd_boot_record_write(&f->ops, &rec);
    vdh_log(ok ? "installed %s (%zu bytes) at offset 0" : "installing %s failed (%zu bytes)",
            image_path, len);
    return ok;
}

void vdh_flash_close(struct vdh_flash *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}
