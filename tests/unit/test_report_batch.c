/* test_report_batch.c — unit tests of the human sink of `batch` (report.h): without a terminal,
 * whole prefixed lines and a progress line per quarter a step crosses, never twice; live, the
 * summary below the lines is erased before each new line and drawn again, so the screen (replayed
 * through a small terminal model) holds every line once and one summary whose counts follow the
 * devices' states; its lines never exceed the width; running devices beyond eight are counted;
 * quiet writes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "espurna-ota/report.h"

#define SCREEN_ROWS 400
#define SCREEN_COLS 400

static double clock_now;
static double fake_now(void)
{
    return clock_now;
}

/* What a terminal shows after the output: text, "\n", "\r", ESC[nA (up) and ESC[J (erase
 * below). */
struct screen {
    char rows[SCREEN_ROWS][SCREEN_COLS];
    int row, col, used; /* used: rows with anything ever written, at most */
};

static void screen_erase_below(struct screen *s)
{
    s->rows[s->row][s->col] = '\0';
    for (int r = s->row + 1; r < SCREEN_ROWS; r++)
        s->rows[r][0] = '\0';
    s->used = s->row + 1;
}

static void screen_feed(struct screen *s, const char *out)
{
    memset(s, 0, sizeof *s);
    for (const char *p = out; *p; p++) {
        if (*p == '\033') {
            char *end;
            long n = strtol(p + 2, &end, 10);
            if (*end == 'A')
                s->row -= (int)(n ? n : 1);
            else if (*end == 'J')
                screen_erase_below(s);
            else
                fail_msg("unexpected escape: %.8s", p);
            assert_true(s->row >= 0);
            p = end;
        } else if (*p == '\r') {
            s->col = 0;
        } else if (*p == '\n') {
            s->row++;
            s->col = 0;
        } else {
            assert_true(s->row < SCREEN_ROWS && s->col < SCREEN_COLS - 1);
            s->rows[s->row][s->col++] = *p;
            s->rows[s->row][s->col] = '\0';
        }
        if (s->row + 1 > s->used)
            s->used = s->row + 1;
    }
}

/* How many rows of the screen contain `part`. */
static int rows_with(const struct screen *s, const char *part)
{
    int count = 0;
    for (int r = 0; r < s->used; r++)
        count += strstr(s->rows[r], part) != NULL;
    return count;
}

struct capture {
    char *text;
    size_t size;
    FILE *stream;
    struct eo_report_batch *report;
    struct eo_events sink;
};

static void capture_open(struct capture *c, bool live, size_t devices, unsigned columns)
{
    memset(c, 0, sizeof *c);
    c->stream = open_memstream(&c->text, &c->size);
    assert_non_null(c->stream);
    struct eo_report_batch_options options = {.stream = c->stream,
                                              .live = live,
                                              .devices = devices,
                                              .columns = columns,
                                              .now_s = fake_now};
    clock_now = 100.0;
    c->report = eo_report_batch_new(&options);
    assert_non_null(c->report);
    c->sink = eo_report_batch_sink(c->report);
}

/* Frees the report (which ends a live summary) and closes the stream: the text stays. */
static void capture_close(struct capture *c)
{
    eo_report_batch_free(c->report);
    fclose(c->stream);
}

static void emit(struct capture *c, struct eo_event event)
{
    eo_events_emit(&c->sink, &event);
}

static void standing(struct capture *c, const char *device, const char *state)
{
    emit(c, (struct eo_event){.kind = EO_EVENT_STANDING, .device = device, .text = state});
}

static void phase(struct capture *c, const char *device, unsigned step, enum eo_phase phase)
{
    emit(c, (struct eo_event){.kind = EO_EVENT_PHASE,
                              .device = device,
                              .step = step,
                              .steps = 2,
                              .phase = phase,
                              .text = "what happens"});
}

static void progress(struct capture *c, const char *device, unsigned step, uint64_t done)
{
    emit(c, (struct eo_event){.kind = EO_EVENT_PROGRESS,
                              .device = device,
                              .step = step,
                              .steps = 2,
                              .phase = EO_PHASE_PUSH,
                              .done = done,
                              .total = 1000,
                              .elapsed_s = 2.0});
}

static void plain_lines(void **state)
{
    (void)state;
    struct capture c;
    capture_open(&c, false, 2, 0);
    standing(&c, "dev-a", "running");
    phase(&c, "dev-a", 1, EO_PHASE_PUSH);
    for (uint64_t done = 100; done <= 1000; done += 100)
        progress(&c, "dev-a", 1, done);
    progress(&c, "dev-a", 1, 1000); /* the same quarter again: no line */
    emit(&c, (struct eo_event){.kind = EO_EVENT_NOTE, .device = "dev-b", .text = "offline: x"});
    phase(&c, "dev-a", 2, EO_PHASE_PUSH);
    progress(&c, "dev-a", 2, 300); /* a new step: its quarters count again */
    standing(&c, "dev-a", "done");
    capture_close(&c);

    assert_null(strchr(c.text, '\033'));
    assert_non_null(strstr(c.text, "espurna-ota: [dev-a] step 1/2 push: what happens\n"));
    assert_non_null(strstr(c.text, "[dev-a] step 1/2 25% (300 of 1000 bytes, 2.0 s, 0.1 KiB/s)\n"));
    assert_non_null(strstr(c.text, "[dev-a] step 1/2 100% (1000 of 1000 bytes"));
    assert_null(strstr(strstr(c.text, "step 1/2 100%") + 1, "step 1/2 100%"));
    assert_non_null(strstr(c.text, "espurna-ota: [dev-b] offline: x\n"));
    assert_non_null(strstr(c.text, "[dev-a] step 2/2 25% (300 of 1000"));
    assert_null(strstr(c.text, "fleet ["));
    free(c.text);
}

static void live_summary_follows_the_fleet(void **state)
{
    (void)state;
    struct capture c;
    struct screen *s = calloc(1, sizeof *s);
    capture_open(&c, true, 5, 200);
    standing(&c, "dev-a", "running");
    standing(&c, "dev-b", "running");
    phase(&c, "dev-a", 2, EO_PHASE_PUSH);
    clock_now += 1.0;
    progress(&c, "dev-a", 2, 500);
    phase(&c, "dev-b", 1, EO_PHASE_REBOOT);
    emit(&c, (struct eo_event){.kind = EO_EVENT_NOTE, .device = "dev-c", .text = "offline: x"});
    standing(&c, "dev-c", "offline");
    fflush(c.stream);
    screen_feed(s, c.text);
    /* the lines once each, then one summary */
    assert_int_equal(rows_with(s, "[dev-a] step 2/2 push: what happens"), 1);
    assert_int_equal(rows_with(s, "[dev-c] offline: x"), 1);
    assert_int_equal(rows_with(s, "fleet ["), 1);
    assert_int_equal(rows_with(s, "1/5  done 0  running 2  failed 0  offline 1  skipped 0  "
                                  "waiting 2"),
                     1);
    assert_int_equal(rows_with(s, "step 2/2 push    [##########----------]  50%"), 1);
    assert_int_equal(rows_with(s, "step 1/2 reboot  0 s"), 1);
    assert_int_equal(rows_with(s, "25% ("), 0); /* live: the bar, not quarter lines */
    assert_non_null(strstr(s->rows[s->used - 4], "fleet ["));

    standing(&c, "dev-a", "done");
    standing(&c, "dev-b", "failed");
    standing(&c, "dev-d", "up-to-date");
    capture_close(&c);
    screen_feed(s, c.text);
    assert_int_equal(rows_with(s, "fleet ["), 1);
    assert_int_equal(rows_with(s, "4/5  done 2  running 0  failed 1  offline 1  skipped 0  "
                                  "not run 1"),
                     1);
    assert_int_equal(rows_with(s, "  dev-a "), 0); /* no running line left behind */
    assert_non_null(strstr(s->rows[s->used - 2], "fleet [###################-----] 4/5"));
    free(s);
    free(c.text);
}

static void live_lines_fit_the_width(void **state)
{
    (void)state;
    struct capture c;
    struct screen *s = calloc(1, sizeof *s);
    capture_open(&c, true, 12, 40);
    char names[12][32];
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "device-with-a-long-name-%02d", i);
        standing(&c, names[i], "running");
        phase(&c, names[i], 1, EO_PHASE_PUSH);
    }
    fflush(c.stream);
    screen_feed(s, c.text);
    int summary_rows = 0;
    for (int r = 0; r < s->used; r++) {
        if (strncmp(s->rows[r], "espurna-ota: ", 13) == 0)
            continue; /* log lines may wrap: they are never erased */
        assert_true(strlen(s->rows[r]) <= 39);
        summary_rows += s->rows[r][0] != '\0';
    }
    assert_int_equal(summary_rows, 1 + 8 + 1); /* the fleet, eight devices, the rest counted */
    assert_int_equal(rows_with(s, "  ... and 4 more running"), 1);
    capture_close(&c);
    free(s);
    free(c.text);
}

static void quiet_writes_nothing(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    struct eo_report_batch_options options = {
        .stream = stream, .live = true, .quiet = true, .devices = 1};
    struct eo_report_batch *report = eo_report_batch_new(&options);
    struct eo_events sink = eo_report_batch_sink(report);
    eo_events_emit(&sink, &(struct eo_event){.kind = EO_EVENT_NOTE, .device = "d", .text = "n"});
    eo_events_emit(&sink,
                   &(struct eo_event){.kind = EO_EVENT_STANDING, .device = "d", .text = "done"});
    eo_report_batch_free(report);
    fclose(stream);
    assert_int_equal(size, 0);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_lines),
        cmocka_unit_test(live_summary_follows_the_fleet),
        cmocka_unit_test(live_lines_fit_the_width),
        cmocka_unit_test(quiet_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
