/* test_fw_web.c — unit tests of the device's web upgrade logic (firmware/core/vd_web.c): the
 * status code and body of every outcome in the dev (1.14.1+) and 1.14 dialects, the early header
 * check, the reserved size (one sector less than espota), a busy Updater, and reboot flags. */
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

static struct fixture *make(uint32_t running, uint32_t new_size, uint8_t new_flash_code)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    fake_flash_init(&fx->flash, 1 * MIB);
    struct vd_running r = {running, 1 * MIB};
    vd_updater_init(&fx->up, &fx->flash.ops, &test_md5, &r);
    fx->image_len = make_image(&fx->image, new_size, new_flash_code, EO_KIND_FULL, "1.0", "B");
    return fx;
}

static void release(struct fixture *fx)
{
    fake_flash_free(&fx->flash);
    free(fx->image);
    free(fx);
}

/* One upload of the fixture's image in `chunk`-byte pieces. */
static void upload(struct fixture *fx, enum vd_dialect dialect, size_t chunk, bool no_space)
{
    vd_web_upload_start(&fx->web, &fx->up, dialect, no_space);
    for (size_t done = 0; done < fx->image_len; done += chunk) {
        size_t n = fx->image_len - done < chunk ? fx->image_len - done : chunk;
        vd_web_upload_data(&fx->web, fx->image + done, n);
    }
    vd_web_upload_finish(&fx->web, &fx->res);
}

static void expect(struct fixture *fx, unsigned status, const char *body, bool reboot)
{
    assert_int_equal(fx->res.status, status);
    assert_string_equal(fx->res.body, body);
    assert_int_equal(fx->res.reboot, reboot);
}

static void test_success_both_dialects(void **state)
{
    (void)state;
    struct fixture *fx = make(614400, 300000, EO_FLASH_SIZE_1M);
    upload(fx, VD_DIALECT_DEV, 1, false); /* byte by byte: the header is held back */
    expect(fx, 200, "OK", true);
    struct vd_boot_record rec;
    assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
    assert_int_equal(rec.len, fx->image_len);
    upload(fx, VD_DIALECT_1_14, 1460, false);
    expect(fx, 200, "OK", true);
    assert_false(fx->up.active);
    release(fx);
}

static void test_bad_magic(void **state)
{
    (void)state;
    struct fixture *fx = make(614400, 8192, EO_FLASH_SIZE_1M);
    fx->image[0] = 0;
    upload(fx, VD_DIALECT_DEV, 1460, false);
    expect(fx, 400, "ERROR: No magic byte / invalid flash config", false);
    assert_int_equal(fx->flash.writes, 0); /* nothing written */
    assert_false(fx->up.active);
    upload(fx, VD_DIALECT_1_14, 1460, false);
    expect(fx, 200, "ERROR 10", false);
    release(fx);
}

static void test_flash_config_too_big(void **state)
{
    (void)state;
    struct fixture *fx = make(614400, 8192, EO_FLASH_SIZE_4M);
    upload(fx, VD_DIALECT_DEV, 2, false);
    expect(fx, 400, "ERROR: No magic byte / invalid flash config", false);
    upload(fx, VD_DIALECT_1_14, 4096, false);
    expect(fx, 200, "ERROR 9", false);
    release(fx);
}

static void test_too_big_is_not_enough_space(void **state)
{
    (void)state;
    /* free 413696; the web path reserves one sector less: 409600 is the largest it takes */
    struct fixture *fx = make(614400, 409600 + 16, EO_FLASH_SIZE_1M);
    upload(fx, VD_DIALECT_DEV, 1460, false);
    expect(fx, 500, "ERROR[4]: Not Enough Space", false);
    assert_false(fx->up.active);
    upload(fx, VD_DIALECT_1_14, 1460, false);
    expect(fx, 200, "ERROR 4", false);
    release(fx);
    fx = make(614400, 409600, EO_FLASH_SIZE_1M);
    assert_int_equal(fx->image_len, 409600);
    upload(fx, VD_DIALECT_DEV, 1460, false);
    expect(fx, 200, "OK", true);
    release(fx);
}

static void test_no_space_fault(void **state)
{
    (void)state;
    struct fixture *fx = make(614400, 8192, EO_FLASH_SIZE_1M);
    upload(fx, VD_DIALECT_DEV, 1460, true);
    expect(fx, 500, "ERROR[4]: Not Enough Space", false);
    upload(fx, VD_DIALECT_1_14, 1460, true);
    expect(fx, 200, "ERROR 4", false);
    release(fx);
}

static void test_busy_updater_is_left_alone(void **state)
{
    (void)state;
    struct fixture *fx = make(300000, 8192, EO_FLASH_SIZE_1M);
    assert_int_equal(vd_updater_begin(&fx->up, 8192), 0); /* someone else's update */
    vd_updater_write(&fx->up, fx->image, 100);
    upload(fx, VD_DIALECT_DEV, 1460, false);
    expect(fx, 400, "ERROR: Upgrade in progress", false);
    assert_true(fx->up.active);
    assert_int_equal(fx->up.error, VD_UPDATE_OK);
    assert_int_equal(fx->up.progress, 100);
    upload(fx, VD_DIALECT_1_14, 1460, false);
    expect(fx, 200, "ERROR 15", false);
    assert_true(fx->up.active);
    release(fx);
}

static void test_failure_at_the_end_is_200_with_error(void **state)
{
    (void)state;
    struct fixture *fx = make(300000, 6000, EO_FLASH_SIZE_1M);
    fx->flash.fail_write = 2; /* the last (partial) sector is flushed by end() */
    upload(fx, VD_DIALECT_DEV, 1000, false);
    expect(fx, 200, "ERROR[1]: Flash Write Failed", false);
    release(fx);
}

static void test_write_failure_mid_upload_is_500(void **state)
{
    (void)state;
    struct fixture *fx = make(300000, 20000, EO_FLASH_SIZE_1M);
    fx->flash.fail_write = 1;
    upload(fx, VD_DIALECT_DEV, 4096, false);
    expect(fx, 500, "ERROR[1]: Flash Write Failed", false);
    assert_false(fx->up.active);
    release(fx);
}

static void test_empty_and_invalid_requests(void **state)
{
    (void)state;
    struct fixture *fx = make(300000, 20000, EO_FLASH_SIZE_1M);
    vd_web_upload_start(&fx->web, &fx->up, VD_DIALECT_DEV, false);
    vd_web_upload_data(&fx->web, fx->image, 2);
    vd_web_upload_finish(&fx->web, &fx->res);
    expect(fx, 400, "ERROR: No magic byte / invalid flash config", false);
    vd_web_invalid_request(VD_DIALECT_DEV, &fx->res);
    expect(fx, 400, "ERROR: Invalid request", false);
    vd_web_invalid_request(VD_DIALECT_1_14, &fx->res);
    expect(fx, 200, "OK", true);
    assert_false(fx->up.active);
    release(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_both_dialects),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_flash_config_too_big),
        cmocka_unit_test(test_too_big_is_not_enough_space),
        cmocka_unit_test(test_no_space_fault),
        cmocka_unit_test(test_busy_updater_is_left_alone),
        cmocka_unit_test(test_failure_at_the_end_is_200_with_error),
        cmocka_unit_test(test_write_failure_mid_upload_is_500),
        cmocka_unit_test(test_empty_and_invalid_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
