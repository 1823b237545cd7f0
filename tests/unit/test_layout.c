/* test_layout.c — unit tests of the ESP8266 flash arithmetic (layout.h): sectors, sketch area,
 * free OTA space, what fits, the web path's extra sector and the staging address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "espurna-ota/layout.h"

#define KIB 1024u
#define MIB (1024u * 1024u)

static void test_sectors_round_up(void **state)
{
    (void)state;
    assert_int_equal(eo_sectors(0), 0);
    assert_int_equal(eo_sectors(1), 1);
    assert_int_equal(eo_sectors(4096), 1);
    assert_int_equal(eo_sectors(4097), 2);
    assert_int_equal(eo_sector_roundup(4097), 8192);
    assert_int_equal(eo_sector_roundup(0), 0);
    /* no wrap-around for absurd sizes */
    assert_true(eo_sector_roundup(UINT32_MAX) >= UINT32_MAX - 4095);
}

static void test_standard_1mb_has_251_sketch_sectors(void **state)
{
    (void)state;
    struct eo_layout layout = eo_layout_standard(1 * MIB);
    assert_int_equal(eo_layout_sketch_sectors(&layout), 251);
    assert_int_equal(eo_layout_sketch_end(&layout), 251 * 4096);
    struct eo_layout layout4 = eo_layout_standard(4 * MIB);
    assert_int_equal(eo_layout_sketch_sectors(&layout4), 1019);
}

static void test_core_290k_leaves_712k_on_1mb(void **state)
{
    (void)state;
    struct eo_layout layout = eo_layout_standard(1 * MIB);
    uint32_t core = 290 * KIB; /* 72.5 sectors → 73 */
    assert_int_equal(eo_layout_free_space(&layout, core), 178 * 4096);
    assert_int_equal(eo_layout_max_new_image(&layout, core), 712 * KIB);
    assert_true(eo_layout_fits(&layout, core, 712 * KIB));
    assert_false(eo_layout_fits(&layout, core, 712 * KIB + 1));
}

static void test_two_125_sector_images_fill_the_sketch_area(void **state)
{
    (void)state;
    struct eo_layout layout = eo_layout_standard(1 * MIB);
    uint32_t image125 = 125 * 4096; /* 512000 bytes */
    assert_int_equal(image125, 512000);
    assert_true(eo_layout_fits(&layout, image125, image125));          /* 250 of 251 sectors */
    assert_false(eo_layout_fits(&layout, image125 + 1, image125 + 1)); /* 126 + 126 */
    assert_false(eo_layout_fits(&layout, image125, image125 + 4097));  /* 125 + 127 */
    assert_true(eo_layout_fits(&layout, image125, image125 + 4096));   /* 125 + 126 = 251 */
}

static void test_web_path_reserves_one_more_sector(void **state)
{
    (void)state;
    struct eo_layout layout = eo_layout_standard(1 * MIB);
    uint32_t core = 290 * KIB;
    assert_int_equal(eo_layout_max_new_image_web(&layout, core), 708 * KIB);
    assert_int_equal(eo_layout_max_new_image_web(&layout, 251 * 4096), 0);
}

static void test_no_space_when_running_fills_flash(void **state)
{
    (void)state;
    struct eo_layout layout = eo_layout_standard(1 * MIB);
    assert_int_equal(eo_layout_free_space(&layout, 1 * MIB), 0);
    assert_false(eo_layout_fits(&layout, 1 * MIB, 4096));
    assert_false(eo_layout_fits(&layout, 4096, 0)); /* size 0 never fits (Updater error 5) */
    struct eo_layout tiny = {.flash_size = 16 * KIB, .fs_size = 0};
    assert_int_equal(eo_layout_sketch_end(&tiny), 0);
}

static void test_staging_address_is_below_sketch_end(void **state)
{
    (void)state;
    struct eo_layout layout = eo_layout_standard(1 * MIB);
    /* a 640 KiB image is staged 160 sectors below sector 251 */
    assert_int_equal(eo_layout_staging_address(&layout, 640 * KIB), (251 - 160) * 4096);
    struct eo_layout with_fs = {.flash_size = 4 * MIB, .fs_size = 1 * MIB};
    assert_int_equal(eo_layout_sketch_end(&with_fs), 3 * MIB - 5 * 4096);
    assert_int_equal(eo_layout_staging_address(&with_fs, 4096), 3 * MIB - 6 * 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sectors_round_up),
        cmocka_unit_test(test_standard_1mb_has_251_sketch_sectors),
        cmocka_unit_test(test_core_290k_leaves_712k_on_1mb),
        cmocka_unit_test(test_two_125_sector_images_fill_the_sketch_area),
        cmocka_unit_test(test_web_path_reserves_one_more_sector),
        cmocka_unit_test(test_no_space_when_running_fills_flash),
        cmocka_unit_test(test_staging_address_is_below_sketch_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
