/* test_fw_web.c — unit tests of the device's web upgrade logic (firmware/core/vd_web.c): the
 * status code and body of every outcome in each era (<= 1.14.0: always 200 "OK"/"ERROR n";
 * 1.14.1 and dev: 400/500 texts, printError bodies ending "\r\n", 200 with an error when the
 * end fails), the header check of the first 1460-byte piece, short, empty and missing file
 * parts, the reserved size (one sector less than espota), a busy Updater, gzip per core, and
 * the reboot flags. Digest auth is in test_fw_web_auth.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fw_fake.h"
#include "vd_web.h"

struct fixture {
    struct fake_flash flash;
    struct vd_updater up;
    struct vd_web_upload web;
    struct vd_web_result res;
    uint8_t *image;
    size_t image_len;
};

static struct fixture *make_on(uint32_t running, uint32_t new_size, uint8_t new_flash_code,
                               enum vd_core core)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    fake_flash_init(&fx->flash, 1 * MIB);
    struct vd_running r = {running, 1 * MIB};
    vd_updater_init(&fx->up, &fx->flash.ops, &test_md5, &r, core);
    fx->image_len = make_image(&fx->image, new_size, new_flash_code, EO_KIND_FULL, "1.0", "B");
    return fx;
}

/* A device of the given era (its core follows). */
static struct fixture *make_era(uint32_t running, uint32_t new_size, uint8_t code, enum vd_era era)
{
    return make_on(running, new_size, code, vd_era_core(era));
}

static void release(struct fixture *fx)
{
    fake_flash_free(&fx->flash);
    free(fx->image);
    free(fx);
}

/* One upload of len bytes at data in `chunk`-byte pieces. */
static void upload_bytes(struct fixture *fx, enum vd_era era, const uint8_t *data, size_t len,
                         size_t chunk)
{
    fx->up.core = vd_era_core(era);
    vd_web_upload_start(&fx->web, &fx->up, era);
    for (size_t done = 0; done < len; done += chunk) {
        size_t n = len - done < chunk ? len - done : chunk;
        vd_web_upload_data(&fx->web, data + done, n);
    }
    vd_web_upload_finish(&fx->web, &fx->res);
}

static void upload(struct fixture *fx, enum vd_era era, size_t chunk)
{
    upload_bytes(fx, era, fx->image, fx->image_len, chunk);
}

static void expect(struct fixture *fx, unsigned status, const char *body, bool reboot)
{
    assert_int_equal(fx->res.status, status);
    assert_string_equal(fx->res.body, body);
    assert_int_equal(fx->res.reboot, reboot);
}

static void test_success_every_era(void **state)
{
    (void)state;
    const enum vd_era eras[] = {VD_ERA_1_14_0, VD_ERA_1_14_1, VD_ERA_DEV};
    for (size_t i = 0; i < 3; i++) {
        struct fixture *fx = make_era(614400, 300000, EO_FLASH_SIZE_1M, eras[i]);
        upload(fx, eras[i], i == 2 ? 1 : 1460); /* byte by byte too: the pieces are re-cut */
        expect(fx, 200, "OK", true);
        struct vd_boot_record rec;
        assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
        assert_int_equal(rec.len, fx->image_len);
        assert_false(fx->up.active);
        release(fx);
    }
    assert_int_equal(vd_web_reboot_delay_ms(VD_ERA_1_14_0), 100);
    assert_int_equal(vd_web_reboot_delay_ms(VD_ERA_DEV), 500);
}

static void test_bad_magic(void **state)
{
    (void)state;
    struct fixture *fx = make_era(614400, 8192, EO_FLASH_SIZE_1M, VD_ERA_DEV);
    fx->image[0] = 0;
    upload(fx, VD_ERA_DEV, 1460);
    expect(fx, 400, "ERROR: No magic byte / invalid flash config", false);
    assert_int_equal(fx->flash.writes, 0); /* nothing written */
    assert_false(fx->up.active);
    assert_int_equal(fx->up.error, VD_UPDATE_OK); /* the Updater never heard of it */
    upload(fx, VD_ERA_1_14_1, 1460);
    expect(fx, 400, "ERROR: No magic byte / invalid flash config", false);
    upload(fx, VD_ERA_1_14_0, 1460); /* no header check: written, refused at the end */
    expect(fx, 200, "ERROR 10", false);
    release(fx);
}

static void test_flash_config_too_big(void **state)
{
    (void)state;
    struct fixture *fx = make_era(614400, 8192, EO_FLASH_SIZE_4M, VD_ERA_DEV);
    upload(fx, VD_ERA_DEV, 2);
    expect(fx, 400, "ERROR: No magic byte / invalid flash config", false);
    upload(fx, VD_ERA_1_14_0, 4096);
    expect(fx, 200, "ERROR 9", false);
    release(fx);
}

static void test_too_big_is_not_enough_space(void **state)
{
    (void)state;
    /* free 413696; the web path reserves one sector less: 409600 is the largest it takes */
    struct fixture *fx = make_era(614400, 409600 + 16, EO_FLASH_SIZE_1M, VD_ERA_DEV);
    upload(fx, VD_ERA_DEV, 1460);
    expect(fx, 500, "ERROR[4]: Not Enough Space\r\n", false);
    assert_false(fx->up.active);
    upload(fx, VD_ERA_1_14_1, 1460);
    expect(fx, 500, "ERROR[4]: Not Enough Space\r\n", false);
    upload(fx, VD_ERA_1_14_0, 1460);
    expect(fx, 200, "ERROR 4", false);
    release(fx);
    fx = make_era(614400, 409600, EO_FLASH_SIZE_1M, VD_ERA_DEV);
    assert_int_equal(fx->image_len, 409600);
    upload(fx, VD_ERA_DEV, 1460);
    expect(fx, 200, "OK", true);
    release(fx);
}

static void test_no_space_fault(void **state)
{
    (void)state;
    struct fixture *fx = make_era(614400, 8192, EO_FLASH_SIZE_1M, VD_ERA_DEV);
    fx->up.fault_no_space = true;
    upload(fx, VD_ERA_DEV, 1460);
    expect(fx, 500, "ERROR[4]: Not Enough Space\r\n", false);
    upload(fx, VD_ERA_1_14_0, 1460);
    expect(fx, 200, "ERROR 4", false);
    release(fx);
}

/* 1.14.1 and dev answer a busy Updater with 400 and leave it alone. */
static void test_busy_updater_is_left_alone(void **state)
{
    (void)state;
    struct fixture *fx = make_era(300000, 8192, EO_FLASH_SIZE_1M, VD_ERA_DEV);
    assert_true(vd_updater_begin(&fx->up, 8192, VD_UPDATE_FLASH)); /* someone else's update */
    vd_updater_write(&fx->up, fx->image, 100);
    upload(fx, VD_ERA_DEV, 1460);
    expect(fx, 400, "ERROR: Upgrade in progress", false);
    assert_true(fx->up.active);
    assert_int_equal(fx->up.error, VD_UPDATE_OK);
    assert_int_equal(fx->up.progress, 100);
    upload(fx, VD_ERA_1_14_1, 1460);
    expect(fx, 400, "ERROR: Upgrade in progress", false);
    assert_true(fx->up.active);
    release(fx);
}

/* <= 1.14.0 has no such check: begin fails without an error, so the second upload's bytes go
 * into the running update and its end ends that update — here completing it. */
static void test_114_0_second_upload_joins_the_running_update(void **state)
{
    (void)state;
    struct fixture *fx = make_era(300000, 8192, EO_FLASH_SIZE_1M, VD_ERA_1_14_0);
    assert_true(vd_updater_begin(&fx->up, 409600, VD_UPDATE_FLASH));
    vd_updater_write(&fx->up, fx->image, 100);
    upload_bytes(fx, VD_ERA_1_14_0, fx->image + 100, fx->image_len - 100, 1460);
    expect(fx, 200, "OK", true);
    assert_false(fx->web.owner);
    assert_false(fx->up.active);
    struct vd_boot_record rec;
    assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
    assert_int_equal(rec.len, fx->image_len);
    release(fx);
}

static void test_failure_at_the_end_is_200_with_error(void **state)
{
    (void)state;
    struct fixture *fx = make_era(300000, 6000, EO_FLASH_SIZE_1M, VD_ERA_DEV);
    fx->flash.fail_write = 2; /* the last (partial) sector is flushed by end() */
    upload(fx, VD_ERA_DEV, 1000);
    expect(fx, 200, "ERROR[1]: Flash Write Failed\r\n", false);
    release(fx);
}

static void test_write_failure_mid_upload_is_500(void **state)
{
    (void)state;
    struct fixture *fx = make_era(300000, 20000, EO_FLASH_SIZE_1M, VD_ERA_DEV);
    fx->flash.fail_write = 1;
    upload(fx, VD_ERA_DEV, 4096);
    expect(fx, 500, "ERROR[1]: Flash Write Failed\r\n", false);
    assert_false(fx->up.active);
    release(fx);
}

/* A file part of at most one piece reaches the handler as index 0 with `final` set: "ERROR:
 * Invalid request" (also an empty one). No file part at all: no handler ran, so 200 with the
 * Updater's state: "OK" (no reboot), or a stale error; <= 1.14.0 reboots on its "OK". */
static void test_short_empty_and_missing_file_parts(void **state)
{
    (void)state;
    struct fixture *fx = make_era(300000, 20000, EO_FLASH_SIZE_1M, VD_ERA_DEV);
    upload_bytes(fx, VD_ERA_DEV, fx->image, VD_WEB_ITEM_SIZE - 1, 100);
    expect(fx, 400, "ERROR: Invalid request", false);
    upload_bytes(fx, VD_ERA_1_14_1, fx->image, 0, 1);
    expect(fx, 400, "ERROR: Invalid request", false);
    assert_int_equal(fx->flash.writes, 0);
    vd_web_no_file(&fx->up, VD_ERA_DEV, &fx->res);
    expect(fx, 200, "OK", false);
    vd_web_no_file(&fx->up, VD_ERA_1_14_0, &fx->res);
    expect(fx, 200, "OK", true);
    fx->up.error = VD_UPDATE_ERROR_MAGIC_BYTE; /* left by an earlier failed update */
    vd_web_no_file(&fx->up, VD_ERA_1_14_1, &fx->res);
    expect(fx, 200, "ERROR[10]: Magic byte is wrong, not 0xE9\r\n", false);
    vd_web_no_file(&fx->up, VD_ERA_1_14_0, &fx->res);
    expect(fx, 200, "ERROR 10", false);
    assert_false(fx->up.active);
    release(fx);
}

/* gzip passes the header check where the core inflates it (2.7.4: dev), not on 1.14.1. */
static void test_gzip_header_per_core(void **state)
{
    (void)state;
    struct fixture *fx = make_era(300000, 20000, EO_FLASH_SIZE_1M, VD_ERA_DEV);
    fx->image[0] = 0x1f;
    fx->image[1] = 0x8b;
    upload(fx, VD_ERA_1_14_1, 1460);
    expect(fx, 400, "ERROR: No magic byte / invalid flash config", false);
    upload(fx, VD_ERA_DEV, 1460);
    expect(fx, 200, "OK", true);
    release(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_every_era),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_flash_config_too_big),
        cmocka_unit_test(test_too_big_is_not_enough_space),
        cmocka_unit_test(test_no_space_fault),
        cmocka_unit_test(test_busy_updater_is_left_alone),
        cmocka_unit_test(test_114_0_second_upload_joins_the_running_update),
        cmocka_unit_test(test_failure_at_the_end_is_200_with_error),
        cmocka_unit_test(test_write_failure_mid_upload_is_500),
        cmocka_unit_test(test_short_empty_and_missing_file_parts),
        cmocka_unit_test(test_gzip_header_per_core),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
