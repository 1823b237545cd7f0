/* test_output.c — unit tests of the report layer (output.h): plain progress lines (a line when
 * 25, 50, 75 or 100 % is crossed, otherwise at most one every 5 s, never the same value twice,
 * and the rate from what the device took over the time it took); the colour decision (a
 * terminal, NO_COLOR, TERM, --no-color) on a real pseudo-terminal; aligned tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
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

/* ---- colour ---------------------------------------------------------------------------- */

static void test_color_decision(void **state)
{
    (void)state;
    assert_true(eo_out_color_wanted(true, NULL, "xterm-256color", false));
    assert_true(eo_out_color_wanted(true, "", "xterm", false)); /* empty NO_COLOR: unset */
    assert_false(eo_out_color_wanted(false, NULL, "xterm", false));
    assert_false(eo_out_color_wanted(true, "1", "xterm", false));
    assert_false(eo_out_color_wanted(true, "0", "xterm", false)); /* any value counts */
    assert_false(eo_out_color_wanted(true, NULL, "dumb", false));
    assert_false(eo_out_color_wanted(true, NULL, NULL, false));
    assert_false(eo_out_color_wanted(true, NULL, "", false));
    assert_false(eo_out_color_wanted(true, NULL, "xterm", true)); /* --no-color */
}

/* The stream's own kind decides: a pseudo-terminal gets colour, a file never does. */
static void test_color_on_a_terminal_only(void **state)
{
    (void)state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    FILE *terminal = fopen(ptsname(master), "w");
    FILE *file = tmpfile();
    assert_non_null(terminal);
    setenv("TERM", "xterm", 1);
    unsetenv("NO_COLOR");
    assert_true(eo_out_color(terminal));
    assert_string_equal(eo_out_tone_on(terminal, EO_TONE_BAD), "\033[1;31m");
    assert_string_equal(eo_out_tone_off(terminal, EO_TONE_BAD), "\033[0m");
    assert_string_equal(eo_out_tone_on(terminal, EO_TONE_PLAIN), "");
    assert_false(eo_out_color(file));
    assert_string_equal(eo_out_tone_on(file, EO_TONE_GOOD), "");
    setenv("NO_COLOR", "1", 1);
    assert_false(eo_out_color(terminal));
    unsetenv("NO_COLOR");
    eo_out_set_color(false);
    assert_false(eo_out_color(terminal));
    eo_out_set_color(true);
    fclose(terminal);
    fclose(file);
    close(master);
}

/* ---- tables ---------------------------------------------------------------------------- */

static void test_table_alignment(void **state)
{
    (void)state;
    const char *cells[] = {"NAME",      "VALUE",        "FROM", "jobs",   "8",
                           "user file", "firmware-dir", "-",    "default"};
    char text[256];
    FILE *capture = tmpfile();
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fileno(capture), STDOUT_FILENO);
    eo_out_table(cells, 3, 3);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    rewind(capture);
    size_t n = fread(text, 1, sizeof text - 1, capture);
    text[n] = '\0';
    fclose(capture);
    assert_string_equal(text, "NAME          VALUE  FROM\n"
                              "jobs          8      user file\n"
                              "firmware-dir  -      default\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_at_quarter_crossings),
        cmocka_unit_test(test_hundred_percent_once),
        cmocka_unit_test(test_interval_lines_never_repeat),
        cmocka_unit_test(test_color_decision),
        cmocka_unit_test(test_color_on_a_terminal_only),
        cmocka_unit_test(test_table_alignment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
