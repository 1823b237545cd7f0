/* vd_updater.c — the device's Updater (begin/write/end into the staging area) and the update
 * verification it does at the end; the boot command lives in vd_boot.c. */
#include "vd_updater.h"

#include <stdio.h>
#include <string.h>

#include "vd_image_check.h"

static const char *const error_texts[] = {
    [VD_UPDATE_OK] = "No Error",
    [VD_UPDATE_ERROR_WRITE] = "Flash Write Failed",
    [VD_UPDATE_ERROR_ERASE] = "Flash Erase Failed",
    [VD_UPDATE_ERROR_READ] = "Flash Read Failed",
    [VD_UPDATE_ERROR_SPACE] = "Not Enough Space",
    [VD_UPDATE_ERROR_SIZE] = "Bad Size Given",
    [VD_UPDATE_ERROR_STREAM] = "Stream Read Timeout",
    [VD_UPDATE_ERROR_MD5] = "MD5 verification failed",
    [VD_UPDATE_ERROR_FLASH_CONFIG] = "Flash config wrong",
    [VD_UPDATE_ERROR_NEW_FLASH_CONFIG] = "new Flash config wrong",
    [VD_UPDATE_ERROR_MAGIC_BYTE] = "Magic byte is not 0xE9",
    [VD_UPDATE_ERROR_BOOTSTRAP] = "Invalid bootstrapping state",
    [VD_UPDATE_ERROR_SIGN] = "Signature verification failed",
    [VD_UPDATE_ERROR_NO_DATA] = "No data supplied",
    [VD_UPDATE_ERROR_OOM] = "Out of memory",
    [VD_UPDATE_ERROR_RUNNING_ALREADY] = "Update already running",
    [VD_UPDATE_ERROR_UNKNOWN_COMMAND] = "Unknown update command",
};

const char *vd_update_error_text(int error)
{
    if (error < 0 || (size_t)error >= sizeof error_texts / sizeof error_texts[0])
        return "UNKNOWN";
    return error_texts[error];
}

uint32_t vd_sketch_flash_size(uint32_t built_for, uint32_t chip_size)
{
    return built_for == 0 || built_for > chip_size ? chip_size : built_for;
}

void vd_updater_init(struct vd_updater *up, const struct vd_flash *flash, const struct vd_md5 *md5,
                     const struct vd_running *running)
{
    memset(up, 0, sizeof *up);
    up->flash = flash;
    up->md5 = md5;
    up->layout = eo_layout_standard(vd_sketch_flash_size(running->flash_size, flash->size));
    up->running = *running;
}

uint32_t vd_updater_free_space(const struct vd_updater *up)
{
    return eo_layout_free_space(&up->layout, up->running.size);
}

static bool fail(struct vd_updater *up, int error)
{
    up->error = error;
    return false;
}

static int begin_error(const struct vd_updater *up, uint32_t size)
{
    if (size == 0)
        return VD_UPDATE_ERROR_SIZE;
    if (up->running.flash_size > up->flash->size)
        return VD_UPDATE_ERROR_FLASH_CONFIG;
    if (!eo_layout_fits(&up->layout, up->running.size, size))
        return VD_UPDATE_ERROR_SPACE;
    return VD_UPDATE_OK;
}

int vd_updater_begin(struct vd_updater *up, uint32_t size)
{
    if (up->active)
        return VD_UPDATE_ERROR_RUNNING_ALREADY;
    up->error = begin_error(up, size);
    if (up->error != VD_UPDATE_OK)
        return up->error;
    up->start = eo_layout_staging_address(&up->layout, size);
    up->size = size;
    up->progress = 0;
    up->buffered = 0;
    up->sector_writes = 0;
    up->expected_md5[0] = '\0';
    up->active = true;
    return VD_UPDATE_OK;
}

void vd_updater_set_md5(struct vd_updater *up, const char *md5hex)
{
    snprintf(up->expected_md5, sizeof up->expected_md5, "%s", md5hex);
}

/* Erases and writes the sector buffer at its place in the staging area. */
static bool flush_buffer(struct vd_updater *up)
{
    if (up->buffered == 0)
        return true;
    uint32_t offset = up->start + up->progress - up->buffered;
    if (!up->flash->erase_sector(up->flash->ctx, offset))
        return fail(up, VD_UPDATE_ERROR_ERASE);
    if (!up->flash->write(up->flash->ctx, offset, up->buffer, up->buffered))
        return fail(up, VD_UPDATE_ERROR_WRITE);
    up->buffered = 0;
    up->sector_writes++;
    return true;
}

uint32_t vd_updater_write(struct vd_updater *up, const uint8_t *data, uint32_t len)
{
    if (!up->active || up->error != VD_UPDATE_OK)
        return 0;
    if (len > up->size - up->progress) {
        fail(up, VD_UPDATE_ERROR_SPACE);
        return 0;
    }
    uint32_t done = 0;
    while (done < len) {
        uint32_t take = EO_SECTOR_SIZE - up->buffered;
        if (take > len - done)
            take = len - done;
        memcpy(up->buffer + up->buffered, data + done, take);
        up->buffered += take;
        up->progress += take;
        done += take;
        bool last = up->progress == up->size;
        if ((up->buffered == EO_SECTOR_SIZE || last) && !flush_buffer(up))
            return 0;
    }
    return done;
}

/* MD5 of the staged bytes, read back from flash (so a corrupted sector is caught). */
static bool staged_md5(struct vd_updater *up, char hex[33])
{
    void *h = up->md5->begin();
    for (uint32_t pos = 0; pos < up->progress; pos += EO_SECTOR_SIZE) {
        uint32_t n = up->progress - pos < EO_SECTOR_SIZE ? up->progress - pos : EO_SECTOR_SIZE;
        if (!up->flash->read(up->flash->ctx, up->start + pos, up->buffer, n)) {
            up->md5->finish(h, hex);
            return fail(up, VD_UPDATE_ERROR_READ);
        }
        up->md5->update(h, up->buffer, n);
    }
    up->md5->finish(h, hex);
    return true;
}

/* The checks after the data: MD5, magic byte, flash config of the new image. */
static bool verify_staged(struct vd_updater *up)
{
    char hex[33];
    if (up->expected_md5[0]) {
        if (!staged_md5(up, hex))
            return false;
        if (strcmp(hex, up->expected_md5) != 0)
            return fail(up, VD_UPDATE_ERROR_MD5);
    }
    uint32_t n = up->progress < 16 ? up->progress : 16;
    if (!up->flash->read(up->flash->ctx, up->start, up->buffer, n))
        return fail(up, VD_UPDATE_ERROR_READ);
    int error = vd_image_check_start(up->buffer, n, up->flash->size);
    return error == VD_UPDATE_OK ? true : fail(up, error);
}

static bool write_boot_command(struct vd_updater *up)
{
    struct vd_boot_record rec;
    if (!vd_boot_record_read(up->flash, &rec))
        memset(&rec, 0, sizeof rec);
    rec.copy_pending = true;
    rec.src = up->start;
    rec.dst = 0;
    rec.len = up->progress;
    return vd_boot_record_write(up->flash, &rec) ? true : fail(up, VD_UPDATE_ERROR_WRITE);
}

bool vd_updater_end(struct vd_updater *up, bool even_if_remaining)
{
    if (!up->active)
        return fail(up, up->error ? up->error : VD_UPDATE_ERROR_NO_DATA);
    up->active = false;
    if (up->error != VD_UPDATE_OK)
        return false;
    if (up->progress == 0)
        return fail(up, VD_UPDATE_ERROR_NO_DATA);
    if (up->progress < up->size && !even_if_remaining)
        return fail(up, VD_UPDATE_ERROR_SIZE);
    if (!flush_buffer(up) || !verify_staged(up))
        return false;
    return write_boot_command(up);
}

void vd_updater_abort(struct vd_updater *up)
{
    up->active = false;
    up->buffered = 0;
}

void vd_update_error_format(int error, char *out, size_t cap)
{
    snprintf(out, cap, "ERROR[%d]: %s", error, vd_update_error_text(error));
}

void vd_updater_error_string(const struct vd_updater *up, char *out, size_t cap)
{
    vd_update_error_format(up->error, out, cap);
}
