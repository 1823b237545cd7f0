/* test_file_open.c — unit tests for file_open.c: a regular file opens (blocking mode, its
 * size), a FIFO without a writer is refused at once instead of blocking, and a directory, a
 * character device and a missing path are each named. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "temp_dir.h"

#include "espurna-ota/file_open.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return temp_dir_make(dir, sizeof dir, "file") ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return temp_dir_remove(dir);
}

static void expect_refused(const char *what, const char *path, const char *expected)
{
    int fd = -1;
    size_t size = 0;
    struct eo_error err;
    assert_int_equal(eo_file_open_regular(what, path, &fd, &size, &err), EO_ERR_FILE);
    assert_int_equal(fd, -1);
    assert_string_equal(err.message, expected);
}

static void test_regular_file(void **state)
{
    (void)state;
    char path[96];
    snprintf(path, sizeof path, "%s/image.bin", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("12345", f);
    fclose(f);
    int fd = -1;
    size_t size = 0;
    assert_int_equal(eo_file_open_regular(NULL, path, &fd, &size, NULL), EO_OK);
    assert_int_equal(size, 5);
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    close(fd);
}

static void test_fifo_without_writer(void **state)
{
    (void)state;
    char path[96], expected[160];
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    snprintf(expected, sizeof expected, "%s: not a regular file (it is a pipe or FIFO)", path);
    expect_refused(NULL, path, expected); /* returns at once: the test would hang otherwise */
}

static void test_other_kinds(void **state)
{
    (void)state;
    char expected[160], missing[96];
    snprintf(expected, sizeof expected, "CA file %s: not a regular file (it is a directory)", dir);
    expect_refused("CA file", dir, expected);
    expect_refused("", "/dev/null", "/dev/null: not a regular file (it is a character device)");
    snprintf(missing, sizeof missing, "%s/nope", dir);
    snprintf(expected, sizeof expected, "%s: cannot open: No such file or directory", missing);
    expect_refused(NULL, missing, expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_regular_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_without_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_kinds, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
