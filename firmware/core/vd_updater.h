/* vd_updater.h — the device's Updater: reserve space beside the running image, take the new
 * image in whole sectors into the staging area, verify it at the end (MD5, magic, flash config)
 * and leave a boot command so the next boot copies it to offset 0 (what eboot does). Also the
 * boot side: run a pending copy and remember what is installed. Same arithmetic as the ESP8266
 * Arduino Updater (see include/espurna-ota/layout.h). */
#ifndef VD_UPDATER_H
#define VD_UPDATER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/image.h"
#include "espurna-ota/layout.h"
#include "espurna-ota/vocabulary.h"
#include "vd_era.h"
#include "vd_ports.h"

/* The Updater's error numbers, spelt as in include/espurna-ota/vocabulary.h (which the tool
 * reads them with); the device's cores know 0-11 (2.3.0) and 12 (2.7.4). */
enum vd_update_error {
    VD_UPDATE_OK = EO_UPDATER_ERROR_OK,
    VD_UPDATE_ERROR_WRITE = EO_UPDATER_ERROR_WRITE,
    VD_UPDATE_ERROR_ERASE = EO_UPDATER_ERROR_ERASE,
    VD_UPDATE_ERROR_READ = EO_UPDATER_ERROR_READ,
    VD_UPDATE_ERROR_SPACE = EO_UPDATER_ERROR_SPACE,
    VD_UPDATE_ERROR_SIZE = EO_UPDATER_ERROR_SIZE,
    VD_UPDATE_ERROR_STREAM = EO_UPDATER_ERROR_STREAM,
    VD_UPDATE_ERROR_MD5 = EO_UPDATER_ERROR_MD5,
    VD_UPDATE_ERROR_FLASH_CONFIG = EO_UPDATER_ERROR_FLASH_CONFIG,
    VD_UPDATE_ERROR_NEW_FLASH_CONFIG = EO_UPDATER_ERROR_NEW_FLASH_CONFIG,
    VD_UPDATE_ERROR_MAGIC_BYTE = EO_UPDATER_ERROR_MAGIC_BYTE,
    VD_UPDATE_ERROR_BOOTSTRAP = EO_UPDATER_ERROR_BOOTSTRAP,
    VD_UPDATE_ERROR_SIGN = EO_UPDATER_ERROR_SIGN,
};

/* What Update.begin() is asked to stage: the sketch, or the filesystem (ESPurna layouts have
 * none, so that one never fits). */
enum vd_update_command { VD_UPDATE_FLASH = 0, VD_UPDATE_FS = 100 };

/* What runs now: needed for the space arithmetic and the flash config check (error 8). */
struct vd_running {
    uint32_t size;       /* bytes of the running sketch */
    uint32_t flash_size; /* flash size its header claims (bytes), 0 = unknown */
};

/* The flash size whose standard layout the running build uses: its linker script fixed where
 * the sketch area ends (_FS_start), so a 1 MB build on a 4 MB chip has the 1 MB layout. That
 * is the size its header names (built_for), or the chip's when built_for is unknown (0) or
 * larger than the chip (a broken install). */
uint32_t vd_sketch_flash_size(uint32_t built_for, uint32_t chip_size);

/* One Updater per device, shared by every way in (espota, web, `ota`), as Update is a
 * global object on the ESP8266. Its error stays until the next begin() that gets past the
 * size and flash-config checks, so a later request can still see it (Update.hasError()). */
struct vd_updater {
    const struct vd_flash *flash;
    const struct vd_md5 *md5;
    enum vd_core core;   /* the Arduino core the running build uses: checks and wording */
    bool fault_no_space; /* test fault: every begin fails with error 4 */
    struct eo_layout layout;
    struct vd_running running;
    bool active;             /* between a successful begin and end/abort (isRunning()) */
    uint32_t start;          /* staging address */
    uint32_t size;           /* bytes reserved by begin (exact image size on the espota path) */
    uint32_t progress;       /* bytes accepted so far */
    uint32_t buffered;       /* bytes in buffer not yet written */
    uint32_t sector_writes;  /* sectors written since begin (fault injection counts these) */
    int error;               /* enum vd_update_error; 0 = none */
    char expected_md5[33];   /* "" = do not check */
    char calculated_md5[33]; /* what end() found (core 2.7.4 prints both) */
    uint8_t buffer[EO_SECTOR_SIZE];
};

void vd_updater_init(struct vd_updater *up, const struct vd_flash *flash, const struct vd_md5 *md5,
                     const struct vd_running *running, enum vd_core core);

/* Free OTA space beside the running image (bytes), in the running build's layout. */
uint32_t vd_updater_free_space(const struct vd_updater *up);

/* Update.begin(size): reserves `size` bytes. false when an update is already running (the
 * error is left as it is: cores 2.3.0 and 2.7.4 set none), or with up->error 5 (size 0), 8
 * (running image built for a bigger flash), 4 (roundup4K(size) > free space, a filesystem
 * update, or the no-space fault). */
bool vd_updater_begin(struct vd_updater *up, uint32_t size, enum vd_update_command command);
/* Sets the MD5 that end() must find (32 hex digits, case as the host sent it). */
void vd_updater_set_md5(struct vd_updater *up, const char *md5hex);
/* Update.write(): takes up to len bytes; returns how many were consumed. 0 without an error
 * when nothing runs or an error is pending; 0 with error 4 when more than reserved; fewer on
 * a flash failure (1/2). Whole sectors are erased and written as the buffer fills. */
uint32_t vd_updater_write(struct vd_updater *up, const uint8_t *data, uint32_t len);
/* Update.end(): false without touching the error when nothing runs; false when an error is
 * pending or, unless even_if_remaining, fewer bytes than reserved came (no error: the cores
 * set none); then MD5 (7, read back from flash), magic byte (10; gzip only on core 2.7.4),
 * new flash config (9). On success writes the boot command. Always leaves it inactive. */
bool vd_updater_end(struct vd_updater *up, bool even_if_remaining);
void vd_updater_abort(struct vd_updater *up);

/* What Update.printError() prints for the current error on this core, line end included:
 * "ERROR[4]: Not Enough Space\r\n" (println), "ERROR[9]: new Flash config wrong real: 1048576\n"
 * (printf), 2.3.0 "ERROR[7]: MD5 Check Failed\r\n", 2.7.4 "ERROR[7]: MD5 Failed: expected:X,
 * calculated:Y\n". */
void vd_updater_print_error(const struct vd_updater *up, char *out, size_t cap);

/* ---- boot command (kept in the top reserved sector) ---------------------------------- */

/* The persistent record: a pending copy (set by a verified end()) and the installed image's
 * size. Written with one sector write; a record with a bad check value is ignored. */
struct vd_boot_record {
    bool copy_pending;
    uint32_t src, dst, len;
    uint32_t image_size; /* size of the image at offset 0, 0 = unknown */
};

uint32_t vd_boot_record_offset(const struct vd_flash *flash);
/* false when there is no valid record (fresh flash). */
bool vd_boot_record_read(const struct vd_flash *flash, struct vd_boot_record *out);
bool vd_boot_record_write(const struct vd_flash *flash, const struct vd_boot_record *rec);

enum vd_boot_action {
    VD_BOOT_NOTHING,
    VD_BOOT_COPIED,    /* the staged image is at dst now (inflated when it was gzip) */
    VD_BOOT_DISCARDED, /* fault old-image, or an insane command: dropped, old image kept */
    VD_BOOT_BAD_GZIP,  /* a gzip update that cannot be inflated in place: dropped, old kept */
    VD_BOOT_FAILED,    /* flash error: the command stays pending */
};
#define VD_BOOT_SCRATCH_SIZE (2u * EO_SECTOR_SIZE)
/* eboot: when a copy is pending, copies len bytes from src to dst sector by sector, inflating
 * a gzip image (1f 8b) through `inflate` on the way (NULL: copied as it is), or, when discard
 * is set, drops the command (the "old-image" fault); then clears the command and records the
 * size of the image now at dst. A gzip image is inflated once without writing first: a bad
 * stream, or an output that would overwrite staged bytes not yet read or pass the sketch area,
 * drops the update before anything is written. `scratch` is VD_BOOT_SCRATCH_SIZE bytes. */
enum vd_boot_action vd_boot_run(const struct vd_flash *flash, const struct vd_inflate *inflate,
                                bool discard, uint8_t scratch[VD_BOOT_SCRATCH_SIZE]);

#endif
