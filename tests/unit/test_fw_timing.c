/* test_fw_timing.c — the virtual device's time model (firmware/host/timing.c): decimal option
 * values, the sector time of a --flash-kbps speed, the time scale, sectors per image, the
 * flash limit and the defaults (33 ms a sector, lwIP's 5840-byte window). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "timing.h"

static uint64_t parsed(const char *text, unsigned decimals, uint64_t max)
{
    uint64_t out = UINT64_MAX;
    assert_true(vdh_parse_decimal(text, decimals, max, &out));
    return out;
}

static void refused(const char *text, unsigned decimals, uint64_t max)
{
    uint64_t out = 12345;
    assert_false(vdh_parse_decimal(text, decimals, max, &out));
    assert_int_equal(out, 12345); /* untouched */
}

static void test_parse_decimal(void **state)
{
    (void)state;
    assert_int_equal(parsed("0.1", 6, VDH_SCALE_MAX), 100000);
    assert_int_equal(parsed("1", 6, VDH_SCALE_MAX), VDH_SCALE_ONE);
    assert_int_equal(parsed("2.5", 6, VDH_SCALE_MAX), 2500000);
    assert_int_equal(parsed("0.000001", 6, VDH_SCALE_MAX), 1);
    assert_int_equal(parsed("100", 6, VDH_SCALE_MAX), VDH_SCALE_MAX);
    assert_int_equal(parsed(".5", 6, VDH_SCALE_MAX), 500000);
    assert_int_equal(parsed("5.", 6, VDH_SCALE_MAX), 5000000);
    assert_int_equal(parsed("33", 3, 10000000), 33000);
    assert_int_equal(parsed("33.25", 3, 10000000), 33250);
    assert_int_equal(parsed("0", 3, 10000000), 0);
    assert_int_equal(parsed("007", 0, 100), 7);
    refused("", 6, VDH_SCALE_MAX);
    refused(".", 6, VDH_SCALE_MAX);
    refused("-1", 6, VDH_SCALE_MAX);
    refused("+1", 6, VDH_SCALE_MAX);
    refused("1e3", 6, VDH_SCALE_MAX);
    refused("0.1.2", 6, VDH_SCALE_MAX);
    refused(" 1", 6, VDH_SCALE_MAX);
    refused("0.0000001", 6, VDH_SCALE_MAX); /* more decimals than units */
    refused("100.000001", 6, VDH_SCALE_MAX);
    refused("101", 6, VDH_SCALE_MAX);
    refused("99999999999999999999999", 0, UINT64_MAX); /* overflow, not wrap-around */
    refused("18446744073709551616", 0, UINT64_MAX);
    refused("1.5", 0, 100);
    assert_int_equal(parsed("18446744073709551615", 0, UINT64_MAX), UINT64_MAX);
}

/* --flash-kbps N is a sector time of 4096 bytes at N KiB/s; 0 is no flash time. */
static void test_sector_time_of_a_speed(void **state)
{
    (void)state;
    assert_int_equal(vdh_sector_us_for_kbps(0), 0);
    assert_int_equal(vdh_sector_us_for_kbps(1), 4000000);
    assert_int_equal(vdh_sector_us_for_kbps(4), 1000000); /* 4 KiB/s: a second a sector */
    assert_int_equal(vdh_sector_us_for_kbps(40), 100000);
    assert_int_equal(vdh_sector_us_for_kbps(300), 13333);
    assert_int_equal(vdh_sector_us_for_kbps(1000000), 4);
    /* and back: the flash limit of that sector time is the speed */
    struct vdh_timing t = {vdh_sector_us_for_kbps(40), VDH_SCALE_ONE};
    assert_int_equal(vdh_flash_limit_bytes_per_s(&t), 40 * 1024);
}

static void test_scale(void **state)
{
    (void)state;
    struct vdh_timing real = {VDH_SECTOR_US_DEFAULT, VDH_SCALE_ONE};
    struct vdh_timing tenth = {VDH_SECTOR_US_DEFAULT, 100000};
    struct vdh_timing none = {VDH_SECTOR_US_DEFAULT, 0};
    struct vdh_timing slower = {VDH_SECTOR_US_DEFAULT, 3 * VDH_SCALE_ONE};
    assert_int_equal(vdh_scaled_us(&real, 33000), 33000);
    assert_int_equal(vdh_scaled_us(&tenth, 33000), 3300);
    assert_int_equal(vdh_scaled_us(&tenth, 3000000), 300000); /* the default reboot */
    assert_int_equal(vdh_scaled_us(&tenth, 5), 1);            /* rounded, not truncated */
    assert_int_equal(vdh_scaled_us(&none, 3000000), 0);
    assert_int_equal(vdh_scaled_us(&slower, 33000), 99000); /* a slow chip: 3 × */
    /* the largest times the options allow do not overflow */
    struct vdh_timing most = {0, VDH_SCALE_MAX};
    assert_int_equal(vdh_scaled_us(&most, 3600000000ull), 360000000000ull);
}

static void test_sectors_and_flash_time(void **state)
{
    (void)state;
    struct vdh_timing t = {VDH_SECTOR_US_DEFAULT, VDH_SCALE_ONE};
    assert_int_equal(vdh_sectors_for(0), 0);
    assert_int_equal(vdh_sectors_for(1), 1);
    assert_int_equal(vdh_sectors_for(4096), 1);
    assert_int_equal(vdh_sectors_for(4097), 2);
    assert_int_equal(vdh_sectors_for(296960), 73);  /* the 1.14.1 core test image */
    assert_int_equal(vdh_sectors_for(655360), 160); /* a dev full image */
    /* the boot copy of a 640 KiB image takes 160 sector times on top of the boot: 5.28 s */
    assert_int_equal(vdh_flash_us(&t, vdh_sectors_for(655360)), 5280000);
    struct vdh_timing free_flash = {0, VDH_SCALE_ONE};
    assert_int_equal(vdh_flash_us(&free_flash, 160), 0);
    assert_int_equal(vdh_flash_limit_bytes_per_s(&free_flash), 0);
}

/* The defaults are the measured ESP8266 figures the README gives. */
static void test_defaults(void **state)
{
    (void)state;
    struct vdh_timing t = {VDH_SECTOR_US_DEFAULT, VDH_SCALE_ONE};
    assert_int_equal(VDH_SECTOR_US_DEFAULT, 33000);
    uint64_t limit = vdh_flash_limit_bytes_per_s(&t);
    assert_int_equal(limit, 124121); /* 121 KiB/s: "≈ 120 KB/s erase + write" */
    assert_true(limit > 118 * 1024 && limit < 124 * 1024);
    assert_int_equal(VDH_LWIP_WINDOW, 4 * VDH_LWIP_MSS);
    assert_int_equal(VDH_LWIP_WINDOW, 5840);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_decimal), cmocka_unit_test(test_sector_time_of_a_speed),
        cmocka_unit_test(test_scale),         cmocka_unit_test(test_sectors_and_flash_time),
        cmocka_unit_test(test_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
