/* vd_updater.c — the device's Updater (begin/write/end into the staging area) and the update
 * verification it does at the end, with the semantics and wording of the Arduino core the
 * running build uses (2.3.0 or 2.7.4); the boot command lives in vd_boot.c. */
#include "vd_updater.h"

#include <stdio.h>
#include <string.h>

#include "vd_image_check.h"

uint32_t vd_sketch_flash_size(uint32_t built_for, uint32_t chip_size)
{
    return built_for == 0 || built_for > chip_size ? chip_size : built_for;
}

void vd_updater_init(struct vd_updater *up, const struct vd_flash *flash, const struct vd_md5 *md5,
                     const struct vd_running *running, enum vd_core core)
{
    memset(up, 0, sizeof *up);
    up->flash = flash;
    up->md5 = md5;
    up->core = core;
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

/* The checks of begin() in the cores' order: size, the running flash config, then space. */
static int begin_error(const struct vd_updater *up, uint32_t size, enum vd_update_command command)
{
    if (size == 0)
        return VD_UPDATE_ERROR_SIZE;
    if (up->running.flash_size > up->flash->size)
        return VD_UPDATE_ERROR_FLASH_CONFIG;
    if (up->fault_no_space || command != VD_UPDATE_FLASH ||
        !eo_layout_fits(&up->layout, up->running.size, size))
        return VD_UPDATE_ERROR_SPACE;
    return VD_UPDATE_OK;
}

bool vd_updater_begin(struct vd_updater *up, uint32_t size, enum vd_update_command command)
{
    if (up->active)
        return false; /* "[begin] already running": no error number on these cores */
    up->error = begin_error(up, size, command);
    if (up->error != VD_UPDATE_OK)
        return false;
    up->start = eo_layout_staging_address(&up->layout, size);
    up->size = size;
    up->progress = 0;
    up->buffered = 0;
    up->sector_writes = 0;
    up->expected_md5[0] = '\0';
    up->calculated_md5[0] = '\0';
    up->active = true;
    return true;
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
            return done - take;
    }
    return done;
}

/* MD5 of the staged bytes, read back from flash (so a corrupted sector is caught). */
static bool staged_md5(struct vd_updater *up)
{
    void *h = up->md5->begin();
    for (uint32_t pos = 0; pos < up->progress; pos += EO_SECTOR_SIZE) {
        uint32_t n = up->progress - pos < EO_SECTOR_SIZE ? up->progress - pos : EO_SECTOR_SIZE;
        if (!up->flash->read(up->flash->ctx, up->start + pos, up->buffer, n)) {
            up->md5->finish(h, up->calculated_md5);
            return fail(up, VD_UPDATE_ERROR_READ);
        }
        up->md5->update(h, up->buffer, n);
    }
    up->md5->finish(h, up->calculated_md5);
    return true;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 2.7.4 compares the MD5 texts ignoring case (strcasecmp), 2.3.0 exactly (String !=). */
static bool md5_matches(const struct vd_updater *up)
{
    const char *a = up->expected_md5, *b = up->calculated_md5;
    if (up->core == VD_CORE_2_3_0)
        return strcmp(a, b) == 0;
    for (; *a && lower(*a) == lower(*b); a++, b++)
        ;
    return *a == '\0' && *b == '\0';
}

/* The checks after the data: MD5, then _verifyEnd (magic byte, flash config of the new image). */
static bool verify_staged(struct vd_updater *up)
{
    if (up->expected_md5[0]) {
        if (!staged_md5(up))
            return false;
        if (!md5_matches(up))
            return fail(up, VD_UPDATE_ERROR_MD5);
    }
    uint8_t head[EO_IMAGE_PEEK_SIZE];
    if (!up->flash->read(up->flash->ctx, up->start, head, sizeof head))
        return fail(up, VD_UPDATE_ERROR_READ);
    int error = vd_image_check_start(head, sizeof head, up->flash->size, up->core);
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
        return false; /* "no update" */
    up->active = false;
    if (up->error != VD_UPDATE_OK || (up->progress < up->size && !even_if_remaining))
        return false;
    if (!flush_buffer(up) || !verify_staged(up))
        return false;
    return write_boot_command(up);
}

void vd_updater_abort(struct vd_updater *up)
{
    up->active = false;
    up->buffered = 0;
}

/* The println() texts of printError (line end "\r\n"); NULL where the core prints otherwise
 * or knows no such error. */
static const char *plain_text(enum vd_core core, int error)
{
    static const char *const texts[] = {
        [VD_UPDATE_OK] = "No Error",
        [VD_UPDATE_ERROR_WRITE] = "Flash Write Failed",
        [VD_UPDATE_ERROR_ERASE] = "Flash Erase Failed",
        [VD_UPDATE_ERROR_READ] = "Flash Read Failed",
        [VD_UPDATE_ERROR_SPACE] = "Not Enough Space",
        [VD_UPDATE_ERROR_SIZE] = "Bad Size Given",
        [VD_UPDATE_ERROR_STREAM] = "Stream Read Timeout",
        [VD_UPDATE_ERROR_MAGIC_BYTE] = "Magic byte is wrong, not 0xE9",
        [VD_UPDATE_ERROR_BOOTSTRAP] = "Invalid bootstrapping state, reset ESP8266 before updating",
        [VD_UPDATE_ERROR_SIGN] = "Signature verification failed",
    };
    if (error == VD_UPDATE_ERROR_MD5 && core == VD_CORE_2_3_0)
        return "MD5 Check Failed";
    if (error == VD_UPDATE_ERROR_SIGN && core == VD_CORE_2_3_0)
        return NULL;
    if (error < 0 || (size_t)error >= sizeof texts / sizeof texts[0])
        return NULL;
    return texts[error];
}

void vd_updater_print_error(const struct vd_updater *up, char *out, size_t cap)
{
    int n = snprintf(out, cap, "ERROR[%u]: ", (unsigned)up->error);
    size_t at = n > 0 && (size_t)n < cap ? (size_t)n : 0;
    const char *plain = plain_text(up->core, up->error);
    if (up->error == VD_UPDATE_ERROR_MD5 && up->core == VD_CORE_2_7_4)
        snprintf(out + at, cap - at, "MD5 Failed: expected:%s, calculated:%s\n", up->expected_md5,
                 up->calculated_md5);
    else if (up->error == VD_UPDATE_ERROR_FLASH_CONFIG)
        snprintf(out + at, cap - at, "Flash config wrong real: %u IDE: %u\n",
                 (unsigned)up->flash->size, (unsigned)up->running.flash_size);
    else if (up->error == VD_UPDATE_ERROR_NEW_FLASH_CONFIG)
        snprintf(out + at, cap - at, "new Flash config wrong real: %u\n",
                 (unsigned)up->flash->size);
    else
        snprintf(out + at, cap - at, "%s\r\n", plain ? plain : "UNKNOWN");
}
