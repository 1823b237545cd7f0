/* test_output.c — unit tests of the report layer's plain progress lines (output.h): a line when
 * 25, 50, 75 or 100 % is crossed, otherwise at most one every 5 s, never the same value twice,
 * and the rate from what the device took over the time it took. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "espurna-ota/output.h"

#define CAPTURE_MAX 4096

/* Runs the updates through a non-terminal view and returns what it wrote to stderr. */
static const char *progress_lines(const struct eo_progress *updates, size_t count)
{
    static char text[CAPTURE_MAX];
    struct eo_progress_view view;
    FILE *capture = tmpfile();
    assert_non_null(capture);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(capture), STDERR_FILENO);
    eo_progress_view_init(&view, "flash dev");
    view.bar = false; /* as when stderr is not a terminal */
    for (size_t i = 0; i < count; i++)
        eo_progress_view_update(&view, &updates[i]);
    eo_progress_view_finish(&view);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(capture);
    size_t n = fread(text, 1, sizeof text - 1, capture);
    text[n] = '\0';
    fclose(capture);
    return text;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* Acknowledgements that jump past a quarter give one line at the crossing, with the value the
 * device reached; none before the first crossing or interval. */
static void test_lines_at_quarter_crossings(void **state)
{
    const struct eo_progress updates[] = {
        {22000, 100000, 1.0}, {44000, 100000, 2.0},  {66000, 100000, 3.0},
        {88000, 100000, 4.0}, {100000, 100000, 4.5},
    };
    (void)state;
    assert_string_equal(progress_lines(updates, 5),
                        "espurna-ota: flash dev: 44% (44000 of 100000 bytes, 21.5 KiB/s)\n"
                        "espurna-ota: flash dev: 66% (66000 of 100000 bytes, 21.5 KiB/s)\n"
                        "espurna-ota: flash dev: 88% (88000 of 100000 bytes, 21.5 KiB/s)\n"
                        "espurna-ota: flash dev: 100% (100000 of 100000 bytes, 21.7 KiB/s)\n");
}

/* Waiting for the device's answer after 100 % prints nothing more. */
static void test_hundred_percent_once(void **state)
{
    const struct eo_progress updates[] = {
        {100000, 100000, 1.0},
        {100000, 100000, 6.0},
        {100000, 100000, 12.0},
        {100000, 100000, 30.0},
    };
    (void)state;
    const char *text = progress_lines(updates, 4);
    assert_int_equal(count_lines(text), 1);
    assert_non_null(strstr(text, "100% (100000 of 100000 bytes"));
}

/* Between crossings, at most one line per 5 s, and only when the value moved. */
static void test_interval_lines_never_repeat(void **state)
{
    const struct eo_progress updates[] = {
        {1000, 100000, 1.0},  {2000, 100000, 4.9},  {3000, 100000, 5.0},  {3000, 100000, 10.0},
        {3000, 100000, 16.0}, {4000, 100000, 16.5}, {5000, 100000, 17.0},
    };
    (void)state;
    assert_string_equal(progress_lines(updates, 7),
                        "espurna-ota: flash dev: 3% (3000 of 100000 bytes, 0.6 KiB/s)\n"
                        "espurna-ota: flash dev: 4% (4000 of 100000 bytes, 0.2 KiB/s)\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_at_quarter_crossings),
        cmocka_unit_test(test_hundred_percent_once),
        cmocka_unit_test(test_interval_lines_never_repeat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
