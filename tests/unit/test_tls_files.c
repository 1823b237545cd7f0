/* test_tls_files.c — unit tests for tls_files.c: which --pin values are hashes and which of
 * those libcurl would take (sha256// + base64 of 32 bytes, ';'-joined), and that a file that is
 * not a key or certificate is refused with EO_ERR_INPUT, a missing one with EO_ERR_FILE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "espurna-ota/tls_files.h"

#define HASH "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE="
#define HASH2 "sha256//t62CeU2tQiqkexU74Gxa2eg7fRbEgoChTociMee9wno="

static void test_pin_is_hashes(void **state)
{
    (void)state;
    assert_true(eo_tls_pin_is_hashes(HASH));
    assert_true(eo_tls_pin_is_hashes("sha256//"));
    assert_false(eo_tls_pin_is_hashes("/etc/device.pub"));
    assert_false(eo_tls_pin_is_hashes("SHA256//x")); /* libcurl reads that as a file name */
}

static void test_pin_hashes_valid(void **state)
{
    (void)state;
    assert_true(eo_tls_pin_hashes_valid(HASH));
    assert_true(eo_tls_pin_hashes_valid(HASH ";" HASH2));
    assert_false(eo_tls_pin_hashes_valid("sha256//"));
    assert_false(eo_tls_pin_hashes_valid("sha256//abc="));
    assert_false(eo_tls_pin_hashes_valid("sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE"));
    assert_false(eo_tls_pin_hashes_valid("sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMw=="));
    assert_false(eo_tls_pin_hashes_valid("sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRM!E="));
    assert_false(eo_tls_pin_hashes_valid(HASH ";"));
    assert_false(eo_tls_pin_hashes_valid(HASH ";sha256//x"));
    assert_false(eo_tls_pin_hashes_valid(HASH " " HASH2));
    assert_false(eo_tls_pin_hashes_valid(HASH ";/etc/device.pub"));
}

static void test_files_that_hold_no_key(void **state)
{
    (void)state;
    char path[] = "/tmp/eo-tls-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "-----BEGIN NOTHING-----\n", 24), 24);
    close(fd);
    struct eo_error err;
    assert_int_equal(eo_tls_check_pin_file(path, &err), EO_ERR_INPUT);
    assert_non_null(strstr(err.message, "no PEM"));
    assert_int_equal(eo_tls_check_ca_file(path, &err), EO_ERR_INPUT);
    assert_non_null(strstr(err.message, "no PEM certificate"));
    unlink(path);
    assert_int_equal(eo_tls_check_pin_file(path, &err), EO_ERR_FILE);
    assert_int_equal(eo_tls_check_ca_file("/", &err), EO_ERR_FILE);
    assert_non_null(strstr(err.message, "directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pin_is_hashes),
        cmocka_unit_test(test_pin_hashes_valid),
        cmocka_unit_test(test_files_that_hold_no_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
