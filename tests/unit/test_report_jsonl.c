/* test_report_jsonl.c — unit tests of the JSON Lines event sink (report_jsonl.h): every event one
 * parseable line with its keys, numbered from 1; progress paced to one line a second per device
 * plus the 100 % one; odd text escaped to ASCII; four threads writing at once never interleave a
 * line or lose a number; a failed write is reported; a hook's events carry which hook and how it
 * ended. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <jansson.h>

#include "espurna-ota/hook.h"
#include "espurna-ota/report_jsonl.h"

#define THREADS 4
#define EVENTS_PER_THREAD 1000

struct fake_clock {
    double now;
};

static double fake_now(void *ctx)
{
    return ((struct fake_clock *)ctx)->now;
}

/* Every line of the file parsed, in order, as a JSON array; fails the test on a bad line. */
static json_t *read_lines(FILE *file)
{
    json_t *lines = json_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    rewind(file);
    while ((n = getline(&line, &cap, file)) > 0) {
        assert_int_equal(line[n - 1], '\n');
        for (ssize_t i = 0; i < n - 1; i++) /* ASCII, no control character inside a line */
            assert_true(line[i] >= 0x20 && line[i] < 0x7F);
        json_error_t error;
        json_t *obj = json_loads(line, 0, &error);
        if (!obj)
            fail_msg("line does not parse: %s (%s)", line, error.text);
        json_array_append_new(lines, obj);
    }
    free(line);
    return lines;
}

static void emit(struct eo_events *sink, struct eo_event event)
{
    sink->emit(sink->ctx, &event);
}

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static long long num(json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

/* "2026-12-02T22:57:27.123Z" */
static void assert_iso8601_ms(const char *time)
{
    assert_non_null(time);
    assert_int_equal(strlen(time), 24);
    const char *pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (size_t i = 0; i < 24; i++)
        if (pattern[i] == 'd')
            assert_true(time[i] >= '0' && time[i] <= '9');
        else
            assert_int_equal(time[i], pattern[i]);
}

static void emit_one_of_each(struct eo_events *sink)
{
    emit(sink, (struct eo_event){.kind = EO_EVENT_PHASE,
                                 .device = "dev-1",
                                 .step = 1,
                                 .steps = 2,
                                 .phase = EO_PHASE_PUSH,
                                 .text = "core image over web"});
    emit(sink, (struct eo_event){.kind = EO_EVENT_PROGRESS,
                                 .device = "dev-1",
                                 .step = 1,
                                 .steps = 2,
                                 .phase = EO_PHASE_PUSH,
                                 .done = 1000,
                                 .total = 1000,
                                 .elapsed_s = 2.5});
    emit(sink,
         (struct eo_event){
             .kind = EO_EVENT_NOTE, .device = "dev-1", .phase = EO_PHASE_LEARN, .text = NULL});
    emit(sink, (struct eo_event){.kind = EO_EVENT_STEP_RESULT,
                                 .device = "dev-1",
                                 .step = 1,
                                 .steps = 2,
                                 .phase = EO_PHASE_VERIFY,
                                 .elapsed_s = 5.2,
                                 .text = "OK",
                                 .status = EO_OK});
    emit(sink, (struct eo_event){.kind = EO_EVENT_DEVICE_RESULT,
                                 .device = "dev-1",
                                 .step = 2,
                                 .steps = 2,
                                 .phase = EO_PHASE_VERIFY,
                                 .elapsed_s = 9.0,
                                 .text = "runs 1.15.0",
                                 .status = EO_ERR_AUTH});
}

/* Keys, kinds, seq from 1, time stamps; done/total only on progress, status only on results. */
static void test_keys_and_seq(void **state)
{
    (void)state;
    FILE *file = tmpfile();
    struct eo_report_jsonl *writer = eo_report_jsonl_new(file);
    struct eo_events sink = eo_report_jsonl_sink(writer);
    emit_one_of_each(&sink);
    assert_int_equal(eo_report_jsonl_lines(writer), 5);
    assert_int_equal(eo_report_jsonl_status(writer, NULL), EO_OK);
    json_t *lines = read_lines(file);
    assert_int_equal(json_array_size(lines), 5);
    const char *kinds[] = {"phase", "progress", "note", "step-result", "device-result"};
    const char *phases[] = {"push", "push", "learn", "verify", "verify"};
    for (size_t i = 0; i < 5; i++) {
        json_t *obj = json_array_get(lines, i);
        assert_int_equal(num(obj, "schema_version"), 1);
        assert_int_equal(num(obj, "seq"), (long long)i + 1);
        assert_iso8601_ms(str(obj, "time"));
        assert_string_equal(str(obj, "device"), "dev-1");
        assert_string_equal(str(obj, "kind"), kinds[i]);
        assert_string_equal(str(obj, "phase"), phases[i]);
        assert_true(json_is_integer(json_object_get(obj, "step")));
        assert_true(json_is_integer(json_object_get(obj, "steps")));
        assert_true(json_is_number(json_object_get(obj, "elapsed_s")));
        assert_non_null(json_object_get(obj, "text"));
        assert_int_equal(json_object_get(obj, "done") != NULL, i == 1);
        assert_int_equal(json_object_get(obj, "total") != NULL, i == 1);
        assert_int_equal(json_object_get(obj, "status") != NULL, i >= 3);
    }
    json_t *progress = json_array_get(lines, 1);
    assert_int_equal(num(progress, "done"), 1000);
    assert_int_equal(num(progress, "total"), 1000);
    assert_true(json_is_null(json_object_get(json_array_get(lines, 2), "text")));
    json_t *step = json_array_get(lines, 3);
    assert_float_equal(json_number_value(json_object_get(step, "elapsed_s")), 5.2, 1e-9);
    assert_int_equal(num(step, "step"), 1);
    assert_int_equal(num(step, "steps"), 2);
    assert_string_equal(str(step, "status"), "ok");
    assert_string_equal(str(json_array_get(lines, 4), "status"), "auth");
    json_decref(lines);
    eo_report_jsonl_free(writer);
    fclose(file);
}

/* The seconds read as written: "5.2", not "5.2000000000000002". */
static void test_elapsed_rounded_to_ms(void **state)
{
    (void)state;
    FILE *file = tmpfile();
    struct eo_report_jsonl *writer = eo_report_jsonl_new(file);
    struct eo_events sink = eo_report_jsonl_sink(writer);
    emit(&sink, (struct eo_event){.kind = EO_EVENT_NOTE, .device = "d", .elapsed_s = 5.2});
    emit(&sink, (struct eo_event){.kind = EO_EVENT_NOTE, .device = "d", .elapsed_s = 0.12345});
    rewind(file);
    char line[512];
    assert_non_null(fgets(line, sizeof line, file));
    assert_non_null(strstr(line, "\"elapsed_s\":5.2,"));
    assert_non_null(fgets(line, sizeof line, file));
    assert_non_null(strstr(line, "\"elapsed_s\":0.123,"));
    eo_report_jsonl_free(writer);
    fclose(file);
}

static void progress(struct eo_events *sink, struct fake_clock *clock, double at,
                     const char *device, uint64_t done)
{
    clock->now = at;
    emit(sink, (struct eo_event){.kind = EO_EVENT_PROGRESS,
                                 .device = device,
                                 .step = 1,
                                 .steps = 1,
                                 .phase = EO_PHASE_PUSH,
                                 .done = done,
                                 .total = 100,
                                 .elapsed_s = at});
}

/* One progress line a second per device (devices paced apart), the 100 % one always; other
 * kinds are never held back. */
static void test_progress_paced_per_device(void **state)
{
    (void)state;
    FILE *file = tmpfile();
    struct fake_clock clock = {0};
    struct eo_report_jsonl *writer = eo_report_jsonl_new(file);
    eo_report_jsonl_set_clock(writer, fake_now, &clock);
    struct eo_events sink = eo_report_jsonl_sink(writer);
    progress(&sink, &clock, 10.0, "a", 10); /* line */
    progress(&sink, &clock, 10.5, "a", 20);
    progress(&sink, &clock, 10.6, "b", 5); /* line: another device */
    progress(&sink, &clock, 10.9, "a", 30);
    emit(&sink, (struct eo_event){.kind = EO_EVENT_NOTE, .device = "a", .text = "n"}); /* line */
    progress(&sink, &clock, 11.0, "a", 40);                                            /* line */
    progress(&sink, &clock, 11.2, "a", 50);
    progress(&sink, &clock, 11.3, "a", 100); /* line: 100 % */
    progress(&sink, &clock, 11.4, "b", 100); /* line: 100 % */
    progress(&sink, &clock, 11.5, "b", 100); /* line: 100 % again */
    json_t *lines = read_lines(file);
    const char *want_device[] = {"a", "b", "a", "a", "a", "b", "b"};
    const long long want_done[] = {10, 5, -1, 40, 100, 100, 100};
    assert_int_equal(json_array_size(lines), 7);
    for (size_t i = 0; i < 7; i++) {
        json_t *obj = json_array_get(lines, i);
        assert_int_equal(num(obj, "seq"), (long long)i + 1);
        assert_string_equal(str(obj, "device"), want_device[i]);
        if (want_done[i] >= 0)
            assert_int_equal(num(obj, "done"), want_done[i]);
        else
            assert_string_equal(str(obj, "kind"), "note");
    }
    json_decref(lines);
    eo_report_jsonl_free(writer);
    fclose(file);
}

/* Control characters, quotes, UTF-8 and invalid bytes: one ASCII line that parses back to the
 * text (invalid bytes as U+FFFD). */
static void test_text_escaped_to_ascii(void **state)
{
    (void)state;
    FILE *file = tmpfile();
    struct eo_report_jsonl *writer = eo_report_jsonl_new(file);
    struct eo_events sink = eo_report_jsonl_sink(writer);
    emit(&sink, (struct eo_event){.kind = EO_EVENT_NOTE,
                                  .device = "caf\xc3\xa9\xff",
                                  .text = "a\"b\\c\nd\x1b[31m\xe2\x80\xae<&>\t\x7f"});
    json_t *lines = read_lines(file); /* checks: ASCII, no control character */
    assert_int_equal(json_array_size(lines), 1);
    json_t *obj = json_array_get(lines, 0);
    assert_string_equal(str(obj, "device"), "caf\xc3\xa9\xef\xbf\xbd");
    assert_string_equal(str(obj, "text"), "a\"b\\c\nd\x1b[31m\xe2\x80\xae<&>\t\x7f");
    json_decref(lines);
    eo_report_jsonl_free(writer);
    fclose(file);
}

struct worker {
    struct eo_events sink;
    char device[16];
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < EVENTS_PER_THREAD; i++) {
        char text[96];
        snprintf(text, sizeof text, "event %d of %s, with some padding to make lines long", i,
                 w->device);
        struct eo_event event = {.kind = i % 2 ? EO_EVENT_NOTE : EO_EVENT_STEP_RESULT,
                                 .device = w->device,
                                 .step = 1,
                                 .steps = 1,
                                 .phase = EO_PHASE_PUSH,
                                 .text = text,
                                 .elapsed_s = i * 0.001};
        w->sink.emit(w->sink.ctx, &event);
    }
    return NULL;
}

/* Four threads, 1000 events each: 4000 whole lines, seq 1..4000 each once and in line order,
 * each device's 1000 events all there. */
static void test_threads_never_interleave(void **state)
{
    (void)state;
    FILE *file = tmpfile();
    struct eo_report_jsonl *writer = eo_report_jsonl_new(file);
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        workers[t].sink = eo_report_jsonl_sink(writer);
        snprintf(workers[t].device, sizeof workers[t].device, "dev-%d", t);
        assert_int_equal(pthread_create(&threads[t], NULL, work, &workers[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    json_t *lines = read_lines(file);
    assert_int_equal(json_array_size(lines), THREADS * EVENTS_PER_THREAD);
    int per_device[THREADS] = {0};
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *obj = json_array_get(lines, i);
        assert_int_equal(num(obj, "seq"), (long long)i + 1);
        const char *device = str(obj, "device");
        assert_non_null(device);
        per_device[device[4] - '0']++;
    }
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(per_device[t], EVENTS_PER_THREAD);
    assert_int_equal(eo_report_jsonl_lines(writer), THREADS * EVENTS_PER_THREAD);
    json_decref(lines);
    eo_report_jsonl_free(writer);
    fclose(file);
}

/* A write that fails (a full disk) is kept and reported as a file error. */
static void test_write_failure_reported(void **state)
{
    (void)state;
    FILE *full = fopen("/dev/full", "w");
    if (!full)
        skip();
    struct eo_report_jsonl *writer = eo_report_jsonl_new(full);
    struct eo_events sink = eo_report_jsonl_sink(writer);
    emit(&sink, (struct eo_event){.kind = EO_EVENT_NOTE, .device = "d", .text = "x"});
    struct eo_error err;
    assert_int_equal(eo_report_jsonl_status(writer, &err), EO_ERR_FILE);
    assert_non_null(strstr(err.message, "writing events"));
    eo_report_jsonl_free(writer);
    fclose(full);
}

/* No writer, no sink: emitting into it is a no-op. */
/* A hook's start says which hook; its end says how it ended, with the status it means. */
static void test_hook_events(void **state)
{
    (void)state;
    FILE *file = tmpfile();
    struct eo_report_jsonl *writer = eo_report_jsonl_new(file);
    struct eo_events sink = eo_report_jsonl_sink(writer);
    struct eo_hook_result starting = {.when = EO_HOOK_BEFORE};
    struct eo_hook_result ended = {.ran = true,
                                   .when = EO_HOOK_BEFORE,
                                   .end = EO_HOOK_TIMED_OUT,
                                   .exit_code = -1,
                                   .timeout_s = 1,
                                   .seconds = 1.0004};
    emit(&sink, (struct eo_event){.kind = EO_EVENT_PHASE,
                                  .device = "d",
                                  .phase = EO_PHASE_HOOK,
                                  .text = "before the first step",
                                  .hook = &starting});
    emit(&sink, (struct eo_event){.kind = EO_EVENT_HOOK_RESULT,
                                  .device = "d",
                                  .phase = EO_PHASE_HOOK,
                                  .status = EO_ERR_HOOK_SKIPPED,
                                  .text = "before: was killed after 1 s (its timeout)",
                                  .hook = &ended});
    json_t *lines = read_lines(file);
    assert_int_equal(json_array_size(lines), 2);
    json_t *phase = json_array_get(lines, 0), *result = json_array_get(lines, 1);
    assert_string_equal(str(phase, "phase"), "hook");
    assert_string_equal(str(json_object_get(phase, "hook"), "when"), "before");
    assert_null(json_object_get(json_object_get(phase, "hook"), "passed"));
    assert_string_equal(str(result, "kind"), "hook-result");
    assert_string_equal(str(result, "status"), "hook_skipped");
    json_t *hook = json_object_get(result, "hook");
    assert_string_equal(str(hook, "end"), "timed-out");
    assert_true(json_is_false(json_object_get(hook, "passed")));
    assert_true(json_is_null(json_object_get(hook, "exit_code")));
    assert_true(json_real_value(json_object_get(hook, "seconds")) == 1.0);
    json_decref(lines);
    eo_report_jsonl_free(writer);
    fclose(file);
}

static void test_null_writer_gives_null_sink(void **state)
{
    (void)state;
    struct eo_events sink = eo_report_jsonl_sink(NULL);
    assert_null(sink.emit);
    eo_events_emit(&sink, &(struct eo_event){.kind = EO_EVENT_NOTE});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_and_seq),
        cmocka_unit_test(test_elapsed_rounded_to_ms),
        cmocka_unit_test(test_progress_paced_per_device),
        cmocka_unit_test(test_text_escaped_to_ascii),
        cmocka_unit_test(test_threads_never_interleave),
        cmocka_unit_test(test_write_failure_reported),
        cmocka_unit_test(test_hook_events),
        cmocka_unit_test(test_null_writer_gives_null_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
