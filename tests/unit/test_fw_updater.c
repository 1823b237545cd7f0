/* test_fw_updater.c — unit tests of the virtual device's Updater and boot command
 * (firmware/core/vd_updater.c, vd_boot.c, vd_image_check.c): the space arithmetic against
 * layout.h on 1 MB and 4 MB (in the layout the running image was built for, not the chip's),
 * begin/write/end errors 4, 5, 7, 8, 9, 10 with the semantics and printError wording of
 * cores 2.3.0 and 2.7.4 (no error for a second begin or an end with nothing running; gzip
 * only on 2.7.4; an unknown flash-size code passes), staging, the eboot
 * copy (inflating a gzip update through an inflate op over zlib, as the host port's), one
 * erase per sector written (what the host port's flash time counts), and that a half-written
 * update, a broken gzip stream or one that cannot be inflated in place is
 * never booted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <zlib.h>

#include "fw_fake.h"
#include "vd_identity.h"
#include "vd_updater.h"

struct fixture {
    struct fake_flash flash;
    struct vd_updater up;
    uint8_t *image;
    size_t image_len;
    char md5[33];
};

/* A device of flash_size running an image of running_size; an image of new_size to send. */
static struct fixture *setup_device(uint32_t flash_size, uint32_t running_size, uint32_t new_size,
                                    uint8_t new_flash_code)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    fake_flash_init(&fx->flash, flash_size);
    struct vd_running running = {running_size, flash_size};
    vd_updater_init(&fx->up, &fx->flash.ops, &test_md5, &running, VD_CORE_2_7_4);
    fx->image_len = make_image(&fx->image, new_size, new_flash_code, EO_KIND_CORE, "1.2.3", "B");
    md5_of(fx->image, fx->image_len, fx->md5);
    return fx;
}

static void teardown_device(struct fixture *fx)
{
    fake_flash_free(&fx->flash);
    free(fx->image);
    free(fx);
}

/* Sends the fixture's image in pieces of `chunk` bytes; returns bytes accepted. */
static uint32_t send_image(struct fixture *fx, uint32_t chunk)
{
    uint32_t done = 0;
    while (done < fx->image_len) {
        uint32_t n = fx->image_len - done < chunk ? (uint32_t)(fx->image_len - done) : chunk;
        uint32_t w = vd_updater_write(&fx->up, fx->image + done, n);
        if (w != n)
            return done + w;
        done += n;
    }
    return done;
}

static void test_free_space_matches_layout_1mb_and_4mb(void **state)
{
    (void)state;
    struct fake_flash f1, f4;
    fake_flash_init(&f1, 1 * MIB);
    fake_flash_init(&f4, 4 * MIB);
    struct vd_updater up;
    struct vd_running r1 = {614400, 1 * MIB};
    vd_updater_init(&up, &f1.ops, &test_md5, &r1, VD_CORE_2_7_4);
    assert_int_equal(vd_updater_free_space(&up), 251 * 4096 - 614400); /* 413696 */
    r1.size = 296961;                                                  /* rounds up to 73 sectors */
    vd_updater_init(&up, &f1.ops, &test_md5, &r1, VD_CORE_2_7_4);
    assert_int_equal(vd_updater_free_space(&up), (251 - 73) * 4096);
    struct vd_running r4 = {716800, 4 * MIB};
    vd_updater_init(&up, &f4.ops, &test_md5, &r4, VD_CORE_2_7_4);
    assert_int_equal(vd_updater_free_space(&up), 1019 * 4096 - 716800);
    struct eo_layout l4 = eo_layout_standard(4 * MIB);
    assert_int_equal(vd_updater_free_space(&up), eo_layout_free_space(&l4, 716800));
    fake_flash_free(&f1);
    fake_flash_free(&f4);
}

/* The sketch area ends where the running build's linker layout puts it: a 1 MB build on a
 * 4 MB chip has the 1 MB layout (a real device: 372736 bytes free beside 640 KiB). */
static void test_free_space_follows_the_built_for_layout(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(4 * MIB, 655360, 8192, EO_FLASH_SIZE_4M);
    struct vd_running r1 = {655360, 1 * MIB};
    vd_updater_init(&fx->up, &fx->flash.ops, &test_md5, &r1, VD_CORE_2_7_4);
    assert_int_equal(vd_updater_free_space(&fx->up), 251 * 4096 - 655360); /* 372736 */
    assert_false(vd_updater_begin(&fx->up, 819200, VD_UPDATE_FLASH));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_SPACE);
    assert_false(vd_updater_begin(&fx->up, 372737, VD_UPDATE_FLASH));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_SPACE);
    assert_true(vd_updater_begin(&fx->up, 372736, VD_UPDATE_FLASH));
    assert_int_equal(fx->up.start, 655360); /* staged below the 1 MB sketch end */
    vd_updater_abort(&fx->up);
    /* the new image's flash size is checked against the real chip: a 4 MB build is fine */
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    assert_int_equal(fx->up.start, 251 * 4096 - 8192);
    vd_updater_set_md5(&fx->up, fx->md5);
    assert_int_equal(send_image(fx, 1460), fx->image_len);
    assert_true(vd_updater_end(&fx->up, false));
    /* a 4 MB build on the same chip: the 4 MB layout */
    struct vd_running r4 = {655360, 4 * MIB};
    vd_updater_init(&fx->up, &fx->flash.ops, &test_md5, &r4, VD_CORE_2_7_4);
    assert_int_equal(vd_updater_free_space(&fx->up), 1019 * 4096 - 655360);
    assert_true(vd_updater_begin(&fx->up, 819200, VD_UPDATE_FLASH));
    teardown_device(fx);
}

static void test_sketch_flash_size(void **state)
{
    (void)state;
    assert_int_equal(vd_sketch_flash_size(1 * MIB, 4 * MIB), 1 * MIB);
    assert_int_equal(vd_sketch_flash_size(2 * MIB, 2 * MIB), 2 * MIB);
    assert_int_equal(vd_sketch_flash_size(0, 4 * MIB), 4 * MIB);       /* unknown code */
    assert_int_equal(vd_sketch_flash_size(4 * MIB, 1 * MIB), 1 * MIB); /* broken install */
    /* a 4 MB build on a 1 MB chip: the chip's layout, and begin refuses with error 8 */
    struct fixture *fx = setup_device(1 * MIB, 300000, 8192, EO_FLASH_SIZE_1M);
    struct vd_running big = {300000, 4 * MIB};
    vd_updater_init(&fx->up, &fx->flash.ops, &test_md5, &big, VD_CORE_2_7_4);
    assert_int_equal(vd_updater_free_space(&fx->up), (251 - 74) * 4096);
    assert_false(vd_updater_begin(&fx->up, 4096, VD_UPDATE_FLASH));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_FLASH_CONFIG);
    teardown_device(fx);
}

/* What the device shows (TXT) for a 1 MB build of 640 KiB on a 4 MB chip. */
static void test_identity_of_a_1mb_build_on_4mb(void **state)
{
    (void)state;
    uint8_t *image;
    size_t len = make_image(&image, 655360, EO_FLASH_SIZE_1M, EO_KIND_FULL, "1.15.0-dev", "B");
    struct vd_identity id;
    assert_true(vd_identity_read(image, len, 655360, 4 * MIB, NULL, &id));
    assert_int_equal(id.built_for, 1 * MIB);
    assert_int_equal(id.flash_size, 4 * MIB);
    assert_int_equal(id.free_space, 372736);
    struct vd_txt_facts facts = {.era = VD_ERA_DEV, .mode = VD_TXT_FULL, .espurna_keys = true};
    struct vd_txt txt;
    vd_txt_build(&id, &facts, &txt);
    bool mem = false, sdk = false, free_kib = false;
    for (unsigned i = 0; i < txt.count; i++) {
        mem |= strcmp(txt.item[i], "mem_size=4096") == 0;
        sdk |= strcmp(txt.item[i], "sdk_size=1024") == 0;
        free_kib |= strcmp(txt.item[i], "free_space=364") == 0;
    }
    assert_true(mem && sdk && free_kib);
    free(image);
}

static void test_begin_errors(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 4096, EO_FLASH_SIZE_1M);
    assert_false(vd_updater_begin(&fx->up, 0, VD_UPDATE_FLASH));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_SIZE);
    assert_int_equal(fx->up.error, 5);
    /* 413696 free: exactly that fits, one byte more does not */
    assert_false(vd_updater_begin(&fx->up, 413697, VD_UPDATE_FLASH));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_SPACE);
    assert_false(fx->up.active);
    assert_true(vd_updater_begin(&fx->up, 413696, VD_UPDATE_FLASH));
    assert_int_equal(fx->up.start, 251 * 4096 - 413696);
    /* a second begin does not disturb the running update, and sets no error (2.3.0, 2.7.4) */
    assert_false(vd_updater_begin(&fx->up, 4096, VD_UPDATE_FLASH));
    assert_true(fx->up.active);
    assert_int_equal(fx->up.error, VD_UPDATE_OK);
    assert_int_equal(fx->up.size, 413696);
    vd_updater_abort(&fx->up);
    /* running image built for 4 MB on a 1 MB chip: flash config wrong */
    fx->up.running.flash_size = 4 * MIB;
    assert_false(vd_updater_begin(&fx->up, 4096, VD_UPDATE_FLASH));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_FLASH_CONFIG);
    teardown_device(fx);
}

static void test_write_more_than_reserved_is_error_4(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 8192, EO_FLASH_SIZE_1M);
    assert_true(vd_updater_begin(&fx->up, 5000, VD_UPDATE_FLASH));
    assert_int_equal(vd_updater_write(&fx->up, fx->image, 5000), 5000);
    assert_int_equal(vd_updater_write(&fx->up, fx->image, 1), 0);
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_SPACE);
    char text[64];
    vd_updater_print_error(&fx->up, text, sizeof text);
    assert_string_equal(text, "ERROR[4]: Not Enough Space\r\n");
    teardown_device(fx);
}

static void test_success_stages_and_boot_copies(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 300000, EO_FLASH_SIZE_1M);
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    vd_updater_set_md5(&fx->up, fx->md5);
    assert_int_equal(send_image(fx, 1460), fx->image_len);
    struct eo_layout layout = eo_layout_standard(1 * MIB);
    uint32_t staging = eo_layout_staging_address(&layout, (uint32_t)fx->image_len);
    assert_int_equal(fx->up.start, staging);
    assert_true(vd_updater_end(&fx->up, false));
    assert_memory_equal(fx->flash.mem + staging, fx->image, fx->image_len);
    struct vd_boot_record rec;
    assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
    assert_true(rec.copy_pending);
    assert_int_equal(rec.src, staging);
    assert_int_equal(rec.len, fx->image_len);
    uint8_t scratch[VD_BOOT_SCRATCH_SIZE];
    assert_int_equal(vd_boot_run(&fx->flash.ops, NULL, false, scratch), VD_BOOT_COPIED);
    assert_memory_equal(fx->flash.mem, fx->image, fx->image_len);
    assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
    assert_false(rec.copy_pending);
    assert_int_equal(rec.image_size, fx->image_len);
    assert_int_equal(vd_boot_run(&fx->flash.ops, NULL, false, scratch), VD_BOOT_NOTHING);
    teardown_device(fx);
}

/* The flash time is one sector time per sector erased and written: the Updater erases each
 * sector once, whatever the size of the pieces it is given (not once per read), and eboot's
 * copy erases each sector it copies; the boot record costs one erase each time (the host port
 * does not time it: it stands for RTC memory). */
static void test_one_erase_per_sector_written(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 300000, EO_FLASH_SIZE_1M);
    uint32_t sectors = (uint32_t)((fx->image_len + 4095) / 4096);
    assert_int_equal(sectors, 74);
    for (uint32_t chunk = 1; chunk <= 4097; chunk = chunk * 3 + 1) { /* 1 .. 3280 */
        fx->flash.erases = 0;
        assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
        assert_int_equal(send_image(fx, chunk), fx->image_len);
        assert_int_equal(fx->flash.erases, sectors);
        vd_updater_abort(&fx->up);
    }
    fx->flash.erases = 0;
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    vd_updater_set_md5(&fx->up, fx->md5);
    assert_int_equal(send_image(fx, 4096), fx->image_len);
    assert_true(vd_updater_end(&fx->up, false));
    assert_int_equal(fx->flash.erases, sectors + 1); /* + the boot record */
    fx->flash.erases = 0;
    uint8_t scratch[VD_BOOT_SCRATCH_SIZE];
    assert_int_equal(vd_boot_run(&fx->flash.ops, NULL, false, scratch), VD_BOOT_COPIED);
    assert_int_equal(fx->flash.erases, sectors + 1); /* the copy + clearing the record */
    teardown_device(fx);
}

/* ---- gzip: the host port's inflate op and a gzip writer --------------- */

/* the host port's own op (firmware/host/inflate.c, linked into this test) */
extern const struct vd_inflate vdh_inflate;
#define test_inflate vdh_inflate

/* gzip of data; the caller frees the result. */
static uint8_t *gzip_of(const uint8_t *data, size_t len, size_t *out_len)
{
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, len);
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* Stages the fixture's image gzip-compressed (espota path: begin with the gzip size, MD5 of
 * the gzip file) and returns the gzip size. */
static uint32_t stage_gzip(struct fixture *fx)
{
    size_t gz_len;
    uint8_t *gz = gzip_of(fx->image, fx->image_len, &gz_len);
    char md5[33];
    md5_of(gz, gz_len, md5);
    assert_true(vd_updater_begin(&fx->up, (uint32_t)gz_len, VD_UPDATE_FLASH));
    vd_updater_set_md5(&fx->up, md5);
    assert_int_equal(vd_updater_write(&fx->up, gz, (uint32_t)gz_len), gz_len);
    assert_true(vd_updater_end(&fx->up, false));
    free(gz);
    return (uint32_t)gz_len;
}

static void test_gzip_update_boots_inflated(void **state)
{
    (void)state;
    /* a 640 KiB full image gzip'd, beside a 350 KiB core on 1 MB */
    struct fixture *fx = setup_device(1 * MIB, 358400, 655360, EO_FLASH_SIZE_1M);
    uint32_t gz_len = stage_gzip(fx);
    assert_true(gz_len < fx->image_len);
    assert_int_equal(fx->up.start, 251 * 4096 - eo_sector_roundup(gz_len));   /* gzip size staged */
    assert_int_equal(fx->flash.erases, eo_sector_roundup(gz_len) / 4096 + 1); /* + record */
    fx->flash.erases = 0;
    uint8_t scratch[VD_BOOT_SCRATCH_SIZE];
    assert_int_equal(vd_boot_run(&fx->flash.ops, &test_inflate, false, scratch), VD_BOOT_COPIED);
    assert_int_equal(fx->flash.erases, 160 + 1); /* eboot writes the inflated sectors */
    assert_memory_equal(fx->flash.mem, fx->image, fx->image_len);
    struct vd_boot_record rec;
    assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
    assert_false(rec.copy_pending);
    assert_int_equal(rec.image_size, fx->image_len); /* the inflated size runs now */
    assert_int_equal(vd_boot_run(&fx->flash.ops, &test_inflate, false, scratch), VD_BOOT_NOTHING);
    teardown_device(fx);
}

/* A corrupt or truncated stream: nothing written at offset 0, the command dropped. */
static void test_bad_gzip_is_dropped(void **state)
{
    (void)state;
    for (int truncate = 0; truncate <= 1; truncate++) {
        struct fixture *fx = setup_device(1 * MIB, 358400, 300000, EO_FLASH_SIZE_1M);
        memset(fx->flash.mem, 0xE9, 4096); /* the old image's marker */
        uint32_t gz_len = stage_gzip(fx);
        struct vd_boot_record rec;
        assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
        if (truncate) {
            rec.len = gz_len - 9; /* the stream's end and CRC missing */
            assert_true(vd_boot_record_write(&fx->flash.ops, &rec));
        } else {
            fx->flash.mem[fx->up.start + gz_len / 2] ^= 0x55;
        }
        uint8_t scratch[VD_BOOT_SCRATCH_SIZE];
        assert_int_equal(vd_boot_run(&fx->flash.ops, &test_inflate, false, scratch),
                         VD_BOOT_BAD_GZIP);
        assert_int_equal(fx->flash.mem[0], 0xE9);
        assert_int_equal(fx->flash.mem[4095], 0xE9);
        assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
        assert_false(rec.copy_pending);
        teardown_device(fx);
    }
}

/* An image that inflates faster than it is read, staged just above offset 0: inflating it
 * there would erase staged bytes not read yet, so it is dropped before anything is written. */
static void test_gzip_that_would_overrun_is_dropped(void **state)
{
    (void)state;
    struct fake_flash f;
    fake_flash_init(&f, 1 * MIB);
    uint8_t *data = malloc(200000);
    srand(7);
    for (size_t i = 0; i < 200000; i++)
        data[i] = (uint8_t)(rand() & 0x0F); /* about 2:1 */
    size_t gz_len;
    uint8_t *gz = gzip_of(data, 200000, &gz_len);
    memset(f.mem, 0xE9, 8192);
    memcpy(f.mem + 8192, gz, gz_len);
    struct vd_boot_record rec = {true, 8192, 0, (uint32_t)gz_len, 8192};
    assert_true(vd_boot_record_write(&f.ops, &rec));
    uint8_t scratch[VD_BOOT_SCRATCH_SIZE];
    assert_int_equal(vd_boot_run(&f.ops, &test_inflate, false, scratch), VD_BOOT_BAD_GZIP);
    assert_int_equal(f.mem[0], 0xE9);
    assert_memory_equal(f.mem + 8192, gz, gz_len);
    assert_true(vd_boot_record_read(&f.ops, &rec));
    assert_false(rec.copy_pending);
    assert_int_equal(rec.image_size, 8192);
    free(gz);
    free(data);
    fake_flash_free(&f);
}

static void test_old_image_fault_discards(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 20000, EO_FLASH_SIZE_1M);
    memset(fx->flash.mem, 0xE9, 100); /* "old image" marker at offset 0 */
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    send_image(fx, 4096);
    assert_true(vd_updater_end(&fx->up, false));
    uint8_t scratch[VD_BOOT_SCRATCH_SIZE];
    assert_int_equal(vd_boot_run(&fx->flash.ops, NULL, true, scratch), VD_BOOT_DISCARDED);
    assert_int_equal(fx->flash.mem[50], 0xE9);
    assert_int_equal(vd_boot_run(&fx->flash.ops, NULL, false, scratch), VD_BOOT_NOTHING);
    teardown_device(fx);
}

static void test_half_written_update_is_never_booted(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 20000, EO_FLASH_SIZE_1M);
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    vd_updater_write(&fx->up, fx->image, 10000);
    vd_updater_abort(&fx->up);
    struct vd_boot_record rec;
    assert_false(vd_boot_record_read(&fx->flash.ops, &rec)); /* no record at all */
    uint8_t scratch[VD_BOOT_SCRATCH_SIZE];
    assert_int_equal(vd_boot_run(&fx->flash.ops, NULL, false, scratch), VD_BOOT_NOTHING);
    /* and short of the announced size, end() refuses (the cores set no error for it) */
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    vd_updater_write(&fx->up, fx->image, 10000);
    assert_false(vd_updater_end(&fx->up, false));
    assert_int_equal(fx->up.error, VD_UPDATE_OK);
    assert_false(fx->up.active);
    assert_false(vd_boot_record_read(&fx->flash.ops, &rec));
    teardown_device(fx);
}

static void test_md5_mismatch_is_error_7(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 20000, EO_FLASH_SIZE_1M);
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    vd_updater_set_md5(&fx->up, "00000000000000000000000000000000");
    send_image(fx, 1460);
    assert_false(vd_updater_end(&fx->up, false));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_MD5);
    char text[128], expected[128];
    vd_updater_print_error(&fx->up, text, sizeof text);
    snprintf(expected, sizeof expected, "ERROR[7]: MD5 Failed: expected:%s, calculated:%s\n",
             "00000000000000000000000000000000", fx->md5);
    assert_string_equal(text, expected);
    fx->up.core = VD_CORE_2_3_0;
    vd_updater_print_error(&fx->up, text, sizeof text);
    assert_string_equal(text, "ERROR[7]: MD5 Check Failed\r\n");
    teardown_device(fx);
}

static void test_corrupted_sector_is_caught_by_md5(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 20000, EO_FLASH_SIZE_1M);
    fx->flash.corrupt_write = 2;
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    vd_updater_set_md5(&fx->up, fx->md5);
    assert_int_equal(send_image(fx, 1460), fx->image_len);
    assert_false(vd_updater_end(&fx->up, false));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_MD5);
    teardown_device(fx);
}

static void test_magic_and_gzip(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 8192, EO_FLASH_SIZE_1M);
    fx->image[0] = 0x00;
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    send_image(fx, 4096);
    assert_false(vd_updater_end(&fx->up, false));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_MAGIC_BYTE);
    /* gzip is accepted without looking further on 2.7.4 ... */
    fx->image[0] = 0x1f;
    fx->image[1] = 0x8b;
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    send_image(fx, 4096);
    assert_true(vd_updater_end(&fx->up, false));
    /* ... and is just a wrong magic byte on 2.3.0 */
    fx->up.core = VD_CORE_2_3_0;
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    send_image(fx, 4096);
    assert_false(vd_updater_end(&fx->up, false));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_MAGIC_BYTE);
    char text[64];
    vd_updater_print_error(&fx->up, text, sizeof text);
    assert_string_equal(text, "ERROR[10]: Magic byte is wrong, not 0xE9\r\n");
    teardown_device(fx);
}

static void test_new_flash_config_too_big_is_error_9(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 300000, 8192, EO_FLASH_SIZE_4M);
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    send_image(fx, 1000);
    assert_false(vd_updater_end(&fx->up, false));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_NEW_FLASH_CONFIG);
    char text[64];
    vd_updater_print_error(&fx->up, text, sizeof text); /* printf: "\n" only */
    assert_string_equal(text, "ERROR[9]: new Flash config wrong real: 1048576\n");
    fx->up.core = VD_CORE_2_3_0;
    vd_updater_print_error(&fx->up, text, sizeof text);
    assert_string_equal(text, "ERROR[9]: new Flash config wrong real: 1048576\n");
    teardown_device(fx);
}

static void test_even_if_remaining_takes_what_came(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 20000, EO_FLASH_SIZE_1M);
    assert_true(vd_updater_begin(&fx->up, 400000, VD_UPDATE_FLASH));
    send_image(fx, 777);
    assert_true(vd_updater_end(&fx->up, true));
    struct vd_boot_record rec;
    assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
    assert_int_equal(rec.len, fx->image_len);
    assert_int_equal(rec.src, eo_layout_sketch_end(&fx->up.layout) - 400000 / 4096 * 4096 - 4096);
    teardown_device(fx);
}

static void test_flash_write_failure_is_error_1(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 20000, EO_FLASH_SIZE_1M);
    fx->flash.fail_write = 1;
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    assert_int_equal(vd_updater_write(&fx->up, fx->image, 4096), 0);
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_WRITE);
    teardown_device(fx);
}

/* printError of both cores, error by error: println texts end "\r\n", the printf ones "\n". */
static void test_print_error_per_core(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 614400, 4096, EO_FLASH_SIZE_1M);
    static const struct {
        int error;
        const char *v230, *v274;
    } rows[] = {
        {0, "ERROR[0]: No Error\r\n", "ERROR[0]: No Error\r\n"},
        {1, "ERROR[1]: Flash Write Failed\r\n", "ERROR[1]: Flash Write Failed\r\n"},
        {2, "ERROR[2]: Flash Erase Failed\r\n", "ERROR[2]: Flash Erase Failed\r\n"},
        {3, "ERROR[3]: Flash Read Failed\r\n", "ERROR[3]: Flash Read Failed\r\n"},
        {4, "ERROR[4]: Not Enough Space\r\n", "ERROR[4]: Not Enough Space\r\n"},
        {5, "ERROR[5]: Bad Size Given\r\n", "ERROR[5]: Bad Size Given\r\n"},
        {6, "ERROR[6]: Stream Read Timeout\r\n", "ERROR[6]: Stream Read Timeout\r\n"},
        {8, "ERROR[8]: Flash config wrong real: 1048576 IDE: 4194304\n",
         "ERROR[8]: Flash config wrong real: 1048576 IDE: 4194304\n"},
        {10, "ERROR[10]: Magic byte is wrong, not 0xE9\r\n",
         "ERROR[10]: Magic byte is wrong, not 0xE9\r\n"},
        {11, "ERROR[11]: Invalid bootstrapping state, reset ESP8266 before updating\r\n",
         "ERROR[11]: Invalid bootstrapping state, reset ESP8266 before updating\r\n"},
        {12, "ERROR[12]: UNKNOWN\r\n", "ERROR[12]: Signature verification failed\r\n"},
        {15, "ERROR[15]: UNKNOWN\r\n", "ERROR[15]: UNKNOWN\r\n"},
    };
    char text[128];
    fx->up.running.flash_size = 4 * MIB;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fx->up.error = rows[i].error;
        fx->up.core = VD_CORE_2_3_0;
        vd_updater_print_error(&fx->up, text, sizeof text);
        assert_string_equal(text, rows[i].v230);
        fx->up.core = VD_CORE_2_7_4;
        vd_updater_print_error(&fx->up, text, sizeof text);
        assert_string_equal(text, rows[i].v274);
    }
    teardown_device(fx);
}

/* Nothing running: write takes nothing and end refuses, both leaving the error alone; a
 * filesystem update and the no-space fault are error 4; the error of a failed begin stays
 * until a begin gets past the checks. */
static void test_nothing_running_and_sticky_errors(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 300000, 8192, EO_FLASH_SIZE_1M);
    assert_int_equal(vd_updater_write(&fx->up, fx->image, 100), 0);
    assert_false(vd_updater_end(&fx->up, true));
    assert_int_equal(fx->up.error, VD_UPDATE_OK);
    assert_false(vd_updater_begin(&fx->up, 4096, VD_UPDATE_FS));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_SPACE);
    assert_false(vd_updater_end(&fx->up, true));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_SPACE); /* still there for the next asker */
    fx->up.fault_no_space = true;
    assert_false(vd_updater_begin(&fx->up, 4096, VD_UPDATE_FLASH));
    fx->up.fault_no_space = false;
    assert_true(vd_updater_begin(&fx->up, 4096, VD_UPDATE_FLASH));
    assert_int_equal(fx->up.error, VD_UPDATE_OK);
    teardown_device(fx);
}

/* An unknown flash-size code in the new image passes (magicFlashChipSize() gives 0). */
static void test_unknown_flash_code_passes(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 300000, 8192, EO_FLASH_SIZE_1M);
    fx->image[3] = (uint8_t)(0x70 | (fx->image[3] & 0x0F));
    md5_of(fx->image, fx->image_len, fx->md5);
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    vd_updater_set_md5(&fx->up, fx->md5);
    send_image(fx, 1460);
    assert_true(vd_updater_end(&fx->up, false));
    teardown_device(fx);
}

/* 2.7.4 compares the MD5 ignoring case, 2.3.0 exactly. */
static void test_md5_case(void **state)
{
    (void)state;
    struct fixture *fx = setup_device(1 * MIB, 300000, 8192, EO_FLASH_SIZE_1M);
    char upper[33];
    for (int i = 0; i < 33; i++)
        upper[i] = (char)(fx->md5[i] >= 'a' && fx->md5[i] <= 'f' ? fx->md5[i] - 32 : fx->md5[i]);
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    vd_updater_set_md5(&fx->up, upper);
    send_image(fx, 1460);
    assert_true(vd_updater_end(&fx->up, false));
    fx->up.core = VD_CORE_2_3_0;
    assert_true(vd_updater_begin(&fx->up, (uint32_t)fx->image_len, VD_UPDATE_FLASH));
    vd_updater_set_md5(&fx->up, upper);
    send_image(fx, 1460);
    assert_false(vd_updater_end(&fx->up, false));
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_MD5);
    teardown_device(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_space_matches_layout_1mb_and_4mb),
        cmocka_unit_test(test_free_space_follows_the_built_for_layout),
        cmocka_unit_test(test_sketch_flash_size),
        cmocka_unit_test(test_identity_of_a_1mb_build_on_4mb),
        cmocka_unit_test(test_begin_errors),
        cmocka_unit_test(test_write_more_than_reserved_is_error_4),
        cmocka_unit_test(test_success_stages_and_boot_copies),
        cmocka_unit_test(test_one_erase_per_sector_written),
        cmocka_unit_test(test_gzip_update_boots_inflated),
        cmocka_unit_test(test_bad_gzip_is_dropped),
        cmocka_unit_test(test_gzip_that_would_overrun_is_dropped),
        cmocka_unit_test(test_old_image_fault_discards),
        cmocka_unit_test(test_half_written_update_is_never_booted),
        cmocka_unit_test(test_md5_mismatch_is_error_7),
        cmocka_unit_test(test_corrupted_sector_is_caught_by_md5),
        cmocka_unit_test(test_magic_and_gzip),
        cmocka_unit_test(test_new_flash_config_too_big_is_error_9),
        cmocka_unit_test(test_even_if_remaining_takes_what_came),
        cmocka_unit_test(test_flash_write_failure_is_error_1),
        cmocka_unit_test(test_print_error_per_core),
        cmocka_unit_test(test_nothing_running_and_sticky_errors),
        cmocka_unit_test(test_unknown_flash_code_passes),
        cmocka_unit_test(test_md5_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
