/* test_journal.c — unit tests for the fleet journal (journal.c): a run written and replayed into
 * each standing (finished, on a core, failed, in flight), torn last lines ignored and cut, a bad
 * line elsewhere named by FILE:LINE, the modes of what it creates, links and non-files refused,
 * runs appended one after another (the latest wins), the line format itself, the user's hook
 * (its lines, and the hook after left pending), the event sink, and a writer SIGKILLed mid-loop;
 * what a report reads besides (route, versions, times, the end's words, how the last run ended),
 * keys added later read as null when a line lacks them. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "espurna-ota/journal.h"
#include "espurna-ota/upgrade.h"

#define MD5_A "0123456789abcdef0123456789abcdef"
#define MD5_B "fedcba9876543210fedcba9876543210"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/eo-journal-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/journal.jsonl", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    return system(command) == 0 ? 0 : -1;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static struct eo_journal *open_journal(const char *where)
{
    struct eo_journal *journal = NULL;
    struct eo_error err;
    enum eo_status status = eo_journal_open(where, &journal, &err);
    if (status != EO_OK)
        fail_msg("%s", err.message);
    return journal;
}

static void append(struct eo_journal *journal, struct eo_journal_entry entry)
{
    struct eo_error err;
    if (eo_journal_append(journal, &entry, &err) != EO_OK)
        fail_msg("%s", err.message);
}

static void started(struct eo_journal *j, const char *device, const char *md5)
{
    append(j, (struct eo_journal_entry){.event = EO_JOURNAL_STARTED,
                                        .device = device,
                                        .image = "espurna-1.15.0-nodemcu-lolin.bin",
                                        .md5 = md5,
                                        .version = "1.15.0"});
}

static void plan(struct eo_journal *j, const char *device, unsigned steps, const char *route)
{
    append(j, (struct eo_journal_entry){.event = EO_JOURNAL_PLAN,
                                        .device = device,
                                        .steps = steps,
                                        .route = route,
                                        .text = "the plan",
                                        .from = "1.14.1"});
}

static void step_started(struct eo_journal *j, const char *device, unsigned step, unsigned steps,
                         enum eo_journal_role role)
{
    append(j, (struct eo_journal_entry){.event = EO_JOURNAL_STEP_STARTED,
                                        .device = device,
                                        .step = step,
                                        .steps = steps,
                                        .role = role,
                                        .method = "web"});
}

static void step_done(struct eo_journal *j, const char *device, unsigned step, unsigned steps,
                      enum eo_journal_role role, enum eo_status status)
{
    append(j, (struct eo_journal_entry){.event = EO_JOURNAL_STEP_DONE,
                                        .device = device,
                                        .step = step,
                                        .steps = steps,
                                        .role = role,
                                        .method = "web",
                                        .status = status,
                                        .seconds = 2.5,
                                        .text = "core image by web"});
}

static void device_done(struct eo_journal *j, const char *device, enum eo_status status,
                        const char *md5)
{
    append(j, (struct eo_journal_entry){.event = EO_JOURNAL_DEVICE_DONE,
                                        .device = device,
                                        .status = status,
                                        .image = "espurna.bin",
                                        .md5 = md5,
                                        .version = status == EO_OK ? "1.15.0" : NULL,
                                        .seconds = 30.0,
                                        .where = "it runs 1.15.0",
                                        .error = "the device rejected the password"});
}

static void write_file(const char *where, const char *text)
{
    FILE *f = fopen(where, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void append_file(const char *where, const char *text)
{
    FILE *f = fopen(where, "a");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void replay_ok(const char *where, struct eo_journal_state *state)
{
    struct eo_error err;
    enum eo_status status = eo_journal_replay(where, state, &err);
    if (status != EO_OK)
        fail_msg("%s", err.message);
}

static const struct eo_journal_device *find(const struct eo_journal_state *state,
                                            const char *device)
{
    const struct eo_journal_device *record = eo_journal_state_find(state, device);
    if (!record)
        fail_msg("%s is not in the journal", device);
    return record;
}

/* Every line of the file parsed; returns how many, fills up to cap. */
static size_t load_lines(const char *where, json_t **lines, size_t cap)
{
    FILE *f = fopen(where, "r");
    assert_non_null(f);
    char buffer[4096];
    size_t count = 0;
    while (fgets(buffer, sizeof buffer, f)) {
        size_t len = strlen(buffer);
        assert_true(len > 0 && buffer[len - 1] == '\n');
        json_error_t jerr;
        json_t *line = json_loadb(buffer, len - 1, 0, &jerr);
        if (!line)
            fail_msg("line %zu: %s", count + 1, jerr.text);
        if (count < cap)
            lines[count] = line;
        else
            json_decref(line);
        count++;
    }
    fclose(f);
    return count;
}

static void free_lines(json_t **lines, size_t count)
{
    for (size_t i = 0; i < count; i++)
        json_decref(lines[i]);
}

/* ---- a run replayed ------------------------------------------------------------------------ */

static void write_fleet_run(struct eo_journal *j)
{
    append(j, (struct eo_journal_entry){.event = EO_JOURNAL_RUN_STARTED});
    /* finished: both steps and a verified end */
    started(j, "alpha", MD5_A);
    plan(j, "alpha", 2, "two-step");
    step_started(j, "alpha", 1, 2, EO_JOURNAL_ROLE_CORE);
    step_done(j, "alpha", 1, 2, EO_JOURNAL_ROLE_CORE, EO_OK);
    step_started(j, "alpha", 2, 2, EO_JOURNAL_ROLE_TARGET);
    step_done(j, "alpha", 2, 2, EO_JOURNAL_ROLE_TARGET, EO_OK);
    device_done(j, "alpha", EO_OK, MD5_A);
    /* stranded on a core: step 1 done, then nothing */
    started(j, "bravo", MD5_A);
    plan(j, "bravo", 2, "two-step");
    step_started(j, "bravo", 1, 2, EO_JOURNAL_ROLE_CORE);
    step_done(j, "bravo", 1, 2, EO_JOURNAL_ROLE_CORE, EO_OK);
    /* failed: the password was wrong */
    started(j, "charlie", MD5_A);
    plan(j, "charlie", 1, "one-step");
    step_started(j, "charlie", 1, 1, EO_JOURNAL_ROLE_TARGET);
    step_done(j, "charlie", 1, 1, EO_JOURNAL_ROLE_TARGET, EO_ERR_AUTH);
    device_done(j, "charlie", EO_ERR_AUTH, MD5_A);
    /* in flight: killed during step 1 */
    started(j, "delta", MD5_A);
    plan(j, "delta", 1, "gzip-one-step");
    step_started(j, "delta", 1, 1, EO_JOURNAL_ROLE_TARGET);
    /* up to date: no steps, an "ok" end */
    started(j, "echo", MD5_A);
    plan(j, "echo", 0, "up-to-date");
    device_done(j, "echo", EO_OK, MD5_A);
    /* the target step failed after the core step: still on the core */
    started(j, "foxtrot", MD5_A);
    step_done(j, "foxtrot", 1, 2, EO_JOURNAL_ROLE_UNKNOWN, EO_OK);
    step_started(j, "foxtrot", 2, 2, EO_JOURNAL_ROLE_UNKNOWN);
    step_done(j, "foxtrot", 2, 2, EO_JOURNAL_ROLE_UNKNOWN, EO_ERR_TRANSFER);
    device_done(j, "foxtrot", EO_ERR_TRANSFER, MD5_A);
    /* started, killed before any step */
    started(j, "golf", MD5_A);
}

static void test_run_replayed(void **state)
{
    (void)state;
    struct eo_journal *j = open_journal(path);
    write_fleet_run(j);
    char run[EO_JOURNAL_RUN_ID_LEN + 1];
    snprintf(run, sizeof run, "%s", eo_journal_run_id(j));
    eo_journal_close(j);

    struct eo_journal_state s;
    replay_ok(path, &s);
    assert_int_equal(s.count, 7);
    assert_int_equal(s.lines, 29);
    assert_false(s.torn);
    assert_string_equal(s.last_run, run);
    assert_string_equal(s.devices[0].device, "alpha"); /* order of first appearance */

    const struct eo_journal_device *d = find(&s, "alpha");
    assert_int_equal(d->standing, EO_JOURNAL_FINISHED);
    assert_string_equal(d->md5, MD5_A);
    assert_string_equal(d->version, "1.15.0");
    assert_false(d->on_core);
    assert_string_equal(d->run, run);
    assert_int_equal(d->line, 8);

    d = find(&s, "bravo");
    assert_int_equal(d->standing, EO_JOURNAL_ON_CORE);
    assert_true(d->on_core);
    assert_int_equal(d->step, 1);
    assert_int_equal(d->steps, 2);
    assert_int_equal(d->role, EO_JOURNAL_ROLE_CORE);

    d = find(&s, "charlie");
    assert_int_equal(d->standing, EO_JOURNAL_FAILED);
    assert_int_equal(d->status, EO_ERR_AUTH);

    d = find(&s, "delta");
    assert_int_equal(d->standing, EO_JOURNAL_IN_FLIGHT);
    assert_int_equal(d->step, 1);
    assert_int_equal(d->steps, 1);

    d = find(&s, "echo");
    assert_int_equal(d->standing, EO_JOURNAL_FINISHED);
    assert_string_equal(d->md5, MD5_A);

    d = find(&s, "foxtrot"); /* a null role: step 1 of 2 is the core */
    assert_int_equal(d->standing, EO_JOURNAL_ON_CORE);
    assert_int_equal(d->status, EO_ERR_TRANSFER);

    d = find(&s, "golf");
    assert_int_equal(d->standing, EO_JOURNAL_PENDING);
    assert_string_equal(d->md5, MD5_A);

    assert_null(eo_journal_state_find(&s, "hotel"));
    assert_string_equal(eo_journal_standing_name(EO_JOURNAL_ON_CORE), "on-core");
    eo_journal_state_free(&s);
}

/* What a report shows of each device, and how the last run ended. */
static void test_report_facts(void **state)
{
    (void)state;
    struct eo_journal *j = open_journal(path);
    write_fleet_run(j);
    append(j,
           (struct eo_journal_entry){.event = EO_JOURNAL_RUN_DONE, .status = EO_ERR_SOME_FAILED});
    eo_journal_close(j);

    struct eo_journal_state s;
    replay_ok(path, &s);
    assert_int_equal(s.runs, 1);
    assert_true(s.last_run_ended);
    assert_int_equal(s.last_run_status, EO_ERR_SOME_FAILED);
    const struct eo_journal_device *d = find(&s, "alpha");
    assert_string_equal(d->route, "two-step");
    assert_string_equal(d->from, "1.14.1");
    assert_string_equal(d->image, "espurna-1.15.0-nodemcu-lolin.bin");
    assert_string_equal(d->where, "it runs 1.15.0");
    assert_null(d->error); /* written only for a failed end */
    assert_true(d->seconds == 30.0);
    assert_int_equal(strlen(d->time), 24);
    d = find(&s, "charlie");
    assert_string_equal(d->error, "the device rejected the password");
    d = find(&s, "bravo"); /* no end: its steps' time so far */
    assert_true(d->seconds == 2.5);
    assert_null(d->where);
    assert_string_equal(find(&s, "echo")->route, "up-to-date");
    assert_string_equal(find(&s, "foxtrot")->route, ""); /* never planned */
    eo_journal_state_free(&s);

    /* a new run that has not ended (yet, or killed) */
    j = open_journal(path);
    append(j, (struct eo_journal_entry){.event = EO_JOURNAL_RUN_STARTED});
    started(j, "alpha", MD5_B);
    eo_journal_close(j);
    replay_ok(path, &s);
    assert_int_equal(s.runs, 2);
    assert_false(s.last_run_ended);
    d = find(&s, "alpha"); /* a new start forgets what the last upgrade said */
    assert_string_equal(d->route, "");
    assert_string_equal(d->from, "");
    assert_null(d->where);
    assert_true(d->seconds == 0.0);
    eo_journal_state_free(&s);
}

/* "from" and "error" came later: a line without them is read, one with a wrong type is not. */
static void test_later_keys(void **state)
{
    (void)state;
    static const char old[] =
        "{\"run\":\"ab\",\"seq\":1,\"time\":\"t\",\"device\":\"a\",\"event\":\"plan\","
        "\"route\":\"one-step\",\"steps\":1,\"text\":\"x\"}\n"
        "{\"run\":\"ab\",\"seq\":2,\"time\":\"t\",\"device\":\"a\",\"event\":\"device-done\","
        "\"status\":\"auth\",\"image\":null,\"md5\":null,\"version\":null,\"seconds\":1.5,"
        "\"where\":\"unchanged\"}\n";
    struct eo_journal_state s;
    struct eo_error err;
    assert_int_equal(eo_journal_replay_text("old", old, sizeof old - 1, &s, &err), EO_OK);
    const struct eo_journal_device *d = find(&s, "a");
    assert_string_equal(d->from, "");
    assert_null(d->error);
    assert_int_equal(d->standing, EO_JOURNAL_FAILED);
    assert_true(d->seconds == 1.5);
    eo_journal_state_free(&s);

    static const char bad[] =
        "{\"run\":\"ab\",\"seq\":1,\"time\":\"t\",\"device\":\"a\",\"event\":\"plan\","
        "\"route\":\"one-step\",\"steps\":1,\"text\":\"x\",\"from\":7}\n";
    assert_int_equal(eo_journal_replay_text("bad", bad, sizeof bad - 1, &s, &err), EO_ERR_INPUT);
    assert_string_equal(err.message,
                        "bad:1: not a journal line (\"from\" is not a string or null)");
    eo_journal_state_free(&s);

    static const char no_status[] =
        "{\"run\":\"ab\",\"seq\":1,\"time\":\"t\",\"device\":null,\"event\":\"run-done\"}\n";
    assert_int_equal(eo_journal_replay_text("end", no_status, sizeof no_status - 1, &s, &err),
                     EO_ERR_INPUT);
    assert_string_equal(err.message, "end:1: not a journal line (no \"status\")");
    eo_journal_state_free(&s);
}

static void test_missing_journal_is_empty(void **state)
{
    (void)state;
    struct eo_journal_state s;
    replay_ok(path, &s);
    assert_int_equal(s.count, 0);
    assert_int_equal(s.lines, 0);
    assert_string_equal(s.last_run, "");
    eo_journal_state_free(&s);
}

/* ---- torn and bad lines -------------------------------------------------------------------- */

static void write_two_devices(void)
{
    struct eo_journal *j = open_journal(path);
    started(j, "alpha", MD5_A);
    device_done(j, "alpha", EO_OK, MD5_A);
    started(j, "bravo", MD5_A);
    eo_journal_close(j);
}

static void expect_torn_ignored(const char *tail)
{
    append_file(path, tail);
    struct eo_journal_state s;
    replay_ok(path, &s);
    assert_true(s.torn);
    assert_int_equal(s.lines, 3);
    assert_int_equal(find(&s, "alpha")->standing, EO_JOURNAL_FINISHED);
    assert_int_equal(find(&s, "bravo")->standing, EO_JOURNAL_PENDING);
    eo_journal_state_free(&s);
}

static void test_torn_last_line_ignored(void **state)
{
    (void)state;
    write_two_devices();
    expect_torn_ignored("{\"run\":\"0011\",\"seq\":4,\"ti"); /* no newline */
    unlink(path);
    write_two_devices();
    expect_torn_ignored("{\"run\":\"0011\",\"se\n"); /* a newline, not JSON */
}

static void test_torn_line_cut_before_appending(void **state)
{
    (void)state;
    write_two_devices();
    append_file(path, "{\"run\":\"0011\",\"seq\":4,\"ti");
    struct eo_journal *j = open_journal(path); /* cuts the fragment */
    device_done(j, "bravo", EO_OK, MD5_B);
    eo_journal_close(j);
    struct eo_journal_state s;
    replay_ok(path, &s);
    assert_false(s.torn);
    assert_int_equal(s.lines, 4);
    assert_int_equal(find(&s, "bravo")->standing, EO_JOURNAL_FINISHED);
    assert_string_equal(find(&s, "bravo")->md5, MD5_B);
    eo_journal_state_free(&s);

    append_file(path, "not json at all\n"); /* torn with its newline: cut as well */
    j = open_journal(path);
    started(j, "charlie", MD5_A);
    eo_journal_close(j);
    replay_ok(path, &s);
    assert_false(s.torn);
    assert_int_equal(s.lines, 5);
    eo_journal_state_free(&s);
}

static void expect_bad_line(const char *lines, const char *expected)
{
    write_file(path, lines);
    struct eo_journal_state s;
    struct eo_error err;
    assert_int_equal(eo_journal_replay(path, &s, &err), EO_ERR_INPUT);
    assert_string_equal(err.message, expected);
    eo_journal_state_free(&s);
}

#define GOOD_LINE                                                                                  \
    "{\"run\":\"00112233445566778899aabbccddeeff\",\"seq\":1,\"time\":\"2026-12-02T22:47:09."      \
    "123Z\",\"device\":\"alpha\",\"event\":\"started\",\"image\":null,\"md5\":null,"               \
    "\"version\":null}\n"

/* The replay of text in memory (eo_journal_replay_text): the same state, messages name `name`. */
static void test_replay_text(void **state)
{
    (void)state;
    static const char text[] = GOOD_LINE GOOD_LINE "{\"run\":";
    struct eo_journal_state s;
    struct eo_error err;
    assert_int_equal(eo_journal_replay_text("mem", text, sizeof text - 1, &s, &err), EO_OK);
    assert_int_equal(s.lines, 2);
    assert_true(s.torn);
    assert_int_equal(find(&s, "alpha")->standing, EO_JOURNAL_PENDING);
    eo_journal_state_free(&s);

    static const char bad[] = "garbage\n" GOOD_LINE;
    assert_int_equal(eo_journal_replay_text("mem", bad, sizeof bad - 1, &s, &err), EO_ERR_INPUT);
    assert_string_equal(err.message,
                        "mem:1: not a journal line (not JSON: '[' or '{' expected near 'garbage')");
    eo_journal_state_free(&s);
}

static void test_bad_middle_line(void **state)
{
    (void)state;
    char expected[256];
    snprintf(expected, sizeof expected,
             "%s:2: not a journal line (not JSON: '[' or '{' expected near 'garbage')", path);
    expect_bad_line(GOOD_LINE "garbage\n" GOOD_LINE, expected);

    snprintf(expected, sizeof expected, "%s:2: not a journal line (unknown event \"bogus\")", path);
    expect_bad_line(GOOD_LINE "{\"run\":\"ab\",\"seq\":2,\"time\":\"t\",\"device\":\"a\",\"event\":"
                              "\"bogus\"}\n" GOOD_LINE,
                    expected);

    snprintf(expected, sizeof expected, "%s:3: not a journal line (no \"seq\")", path);
    expect_bad_line(GOOD_LINE GOOD_LINE "{\"run\":\"ab\"}\n" GOOD_LINE, expected);

    snprintf(expected, sizeof expected, "%s:1: not a journal line (not an object)", path);
    expect_bad_line("[1,2]\n" GOOD_LINE, expected);

    /* valid JSON at the end but not a journal line: not torn, an error */
    snprintf(expected, sizeof expected,
             "%s:2: not a journal line (\"status\" is not a status name)", path);
    expect_bad_line(GOOD_LINE "{\"run\":\"ab\",\"seq\":2,\"time\":\"t\",\"device\":\"a\","
                              "\"event\":\"device-done\",\"status\":\"great\"}\n",
                    expected);

    snprintf(expected, sizeof expected,
             "%s:2: not a journal line (\"step\" is not a positive "
             "integer)",
             path);
    expect_bad_line(GOOD_LINE "{\"run\":\"ab\",\"seq\":2,\"time\":\"t\",\"device\":\"a\","
                              "\"event\":\"step-started\",\"step\":0,\"steps\":1,\"role\":null,"
                              "\"method\":null}\n" GOOD_LINE,
                    expected);
}

/* ---- what open creates and refuses --------------------------------------------------------- */

static void test_modes_created(void **state)
{
    (void)state;
    mode_t old = umask(022);
    char nested[160], folder[160];
    snprintf(nested, sizeof nested, "%s/state/espurna-ota/journal.jsonl", dir);
    eo_journal_close(open_journal(nested));
    umask(old);
    struct stat st;
    assert_int_equal(stat(nested, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    snprintf(folder, sizeof folder, "%s/state/espurna-ota", dir);
    assert_int_equal(stat(folder, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    snprintf(folder, sizeof folder, "%s/state", dir);
    assert_int_equal(stat(folder, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
}

static void expect_open_refused(const char *where, const char *expected)
{
    struct eo_journal *journal = (struct eo_journal *)1;
    struct eo_error err;
    assert_int_equal(eo_journal_open(where, &journal, &err), EO_ERR_FILE);
    assert_null(journal);
    assert_string_equal(err.message, expected);
}

static void test_symlink_and_non_files_refused(void **state)
{
    (void)state;
    char link_path[160], expected[320], fifo[160];
    write_file(path, "");
    snprintf(link_path, sizeof link_path, "%s/link.jsonl", dir);
    assert_int_equal(symlink(path, link_path), 0);
    snprintf(expected, sizeof expected, "journal %s: is a symbolic link", link_path);
    expect_open_refused(link_path, expected);

    snprintf(link_path, sizeof link_path, "%s/dangling.jsonl", dir);
    assert_int_equal(symlink("/nonexistent/journal", link_path), 0);
    snprintf(expected, sizeof expected, "journal %s: is a symbolic link", link_path);
    expect_open_refused(link_path, expected);

    snprintf(expected, sizeof expected, "journal %s: not a regular file (it is a directory)", dir);
    expect_open_refused(dir, expected);

    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(expected, sizeof expected, "journal %s: not a regular file (it is a pipe or FIFO)",
             fifo);
    expect_open_refused(fifo, expected);
}

static void test_in_use_refused(void **state)
{
    (void)state;
    struct eo_journal *first = open_journal(path);
    char expected[256];
    snprintf(expected, sizeof expected, "journal %s: in use by another run", path);
    expect_open_refused(path, expected);
    eo_journal_close(first);
    eo_journal_close(open_journal(path)); /* free again once closed */
}

/* ---- runs, seq and the format -------------------------------------------------------------- */

static void test_two_runs_latest_wins(void **state)
{
    (void)state;
    struct eo_journal *first = open_journal(path);
    started(first, "alpha", MD5_A);
    device_done(first, "alpha", EO_ERR_UNREACHABLE, MD5_A);
    started(first, "bravo", MD5_A);
    step_done(first, "bravo", 1, 2, EO_JOURNAL_ROLE_CORE, EO_OK);
    char run1[EO_JOURNAL_RUN_ID_LEN + 1];
    snprintf(run1, sizeof run1, "%s", eo_journal_run_id(first));
    eo_journal_close(first);

    struct eo_journal *second = open_journal(path);
    assert_string_not_equal(eo_journal_run_id(second), run1);
    assert_int_equal(strlen(eo_journal_run_id(second)), EO_JOURNAL_RUN_ID_LEN);
    started(second, "alpha", MD5_B);
    device_done(second, "alpha", EO_OK, MD5_B);
    char run2[EO_JOURNAL_RUN_ID_LEN + 1];
    snprintf(run2, sizeof run2, "%s", eo_journal_run_id(second));
    eo_journal_close(second);

    struct eo_journal_state s;
    replay_ok(path, &s);
    const struct eo_journal_device *alpha = find(&s, "alpha");
    assert_int_equal(alpha->standing, EO_JOURNAL_FINISHED);
    assert_string_equal(alpha->md5, MD5_B);
    assert_string_equal(alpha->run, run2);
    const struct eo_journal_device *bravo = find(&s, "bravo"); /* untouched by run 2 */
    assert_int_equal(bravo->standing, EO_JOURNAL_ON_CORE);
    assert_string_equal(bravo->run, run1);
    assert_string_equal(s.last_run, run2);
    eo_journal_state_free(&s);

    json_t *lines[8];
    size_t count = load_lines(path, lines, 8);
    assert_int_equal(count, 6);
    const json_int_t expected_seq[] = {1, 2, 3, 4, 1, 2};
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(json_integer_value(json_object_get(lines[i], "seq")), expected_seq[i]);
        assert_string_equal(json_string_value(json_object_get(lines[i], "run")),
                            i < 4 ? run1 : run2);
    }
    free_lines(lines, count);
}

static void assert_keys(json_t *line, const char *const *keys)
{
    size_t count = 0;
    for (; keys[count]; count++)
        if (!json_object_get(line, keys[count]))
            fail_msg("event %s lacks \"%s\"", json_string_value(json_object_get(line, "event")),
                     keys[count]);
    assert_int_equal(json_object_size(line), count);
}

static void assert_event_keys(json_t *line)
{
    static const char *const run_done[] = {"run", "seq", "time", "device", "event", "status", NULL};
    static const char *const run_started[] = {"run", "seq", "time", "device", "event", NULL};
    static const char *const started_keys[] = {"run",   "seq", "time",    "device", "event",
                                               "image", "md5", "version", NULL};
    static const char *const plan_keys[] = {"run",   "seq",   "time", "device", "event",
                                            "route", "steps", "text", "from",   NULL};
    static const char *const step_started[] = {"run",  "seq",   "time", "device", "event",
                                               "step", "steps", "role", "method", NULL};
    static const char *const step_done_keys[] = {"run",     "seq",   "time", "device", "event",
                                                 "step",    "steps", "role", "method", "status",
                                                 "seconds", "text",  NULL};
    static const char *const device_done_keys[] = {"run",    "seq",   "time", "device",  "event",
                                                   "status", "image", "md5",  "version", "seconds",
                                                   "where",  "error", NULL};
    static const char *const hook_keys[] = {"run",       "seq",     "time",   "device",
                                            "event",     "when",    "passed", "end",
                                            "exit_code", "seconds", NULL};
    static const char *const *const by_event[EO_JOURNAL_EVENT_COUNT] = {
        [EO_JOURNAL_RUN_STARTED] = run_started,      [EO_JOURNAL_RUN_DONE] = run_done,
        [EO_JOURNAL_STARTED] = started_keys,         [EO_JOURNAL_PLAN] = plan_keys,
        [EO_JOURNAL_STEP_STARTED] = step_started,    [EO_JOURNAL_STEP_DONE] = step_done_keys,
        [EO_JOURNAL_DEVICE_DONE] = device_done_keys, [EO_JOURNAL_HOOK] = hook_keys,
    };
    enum eo_journal_event event;
    assert_true(eo_journal_event_parse(json_string_value(json_object_get(line, "event")), &event));
    assert_keys(line, by_event[event]);
}

static void assert_time_format(const char *text)
{
    /* 2026-12-02T22:47:09.123Z */
    assert_int_equal(strlen(text), 24);
    const char *pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (size_t i = 0; i < 24; i++) {
        if (pattern[i] == 'd')
            assert_true(text[i] >= '0' && text[i] <= '9');
        else
            assert_int_equal(text[i], pattern[i]);
    }
}

static void test_line_format(void **state)
{
    (void)state;
    struct eo_journal *j = open_journal(path);
    write_fleet_run(j);
    append(j, (struct eo_journal_entry){
                  .event = EO_JOURNAL_RUN_DONE, .device = "ignored", .status = EO_ERR_AUTH});
    eo_journal_close(j);

    json_t *lines[40];
    size_t count = load_lines(path, lines, 40);
    assert_int_equal(count, 30);
    for (size_t i = 0; i < count; i++) {
        json_t *line = lines[i];
        assert_int_equal(json_integer_value(json_object_get(line, "seq")), (json_int_t)i + 1);
        const char *run = json_string_value(json_object_get(line, "run"));
        assert_non_null(run);
        assert_int_equal(strspn(run, "0123456789abcdef"), EO_JOURNAL_RUN_ID_LEN);
        assert_int_equal(strlen(run), EO_JOURNAL_RUN_ID_LEN);
        assert_time_format(json_string_value(json_object_get(line, "time")));
        assert_event_keys(line);
    }
    /* run events have a null device; the others name it */
    assert_true(json_is_null(json_object_get(lines[0], "device")));
    assert_true(json_is_null(json_object_get(lines[29], "device")));
    assert_string_equal(json_string_value(json_object_get(lines[29], "status")), "auth");
    assert_string_equal(json_string_value(json_object_get(lines[3], "role")), "core");
    assert_string_equal(json_string_value(json_object_get(lines[3], "method")), "web");
    assert_true(json_real_value(json_object_get(lines[4], "seconds")) == 2.5);
    assert_string_equal(json_string_value(json_object_get(lines[2], "route")), "two-step");
    assert_string_equal(json_string_value(json_object_get(lines[7], "md5")), MD5_A);
    free_lines(lines, count);
}

static void test_run_ids_differ(void **state)
{
    (void)state;
    char ids[8][EO_JOURNAL_RUN_ID_LEN + 1];
    for (size_t i = 0; i < 8; i++) {
        struct eo_journal *j = open_journal(path);
        snprintf(ids[i], sizeof ids[i], "%s", eo_journal_run_id(j));
        eo_journal_close(j);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(ids[i], ids[k]);
    }
}

static void test_text_made_utf8(void **state)
{
    (void)state;
    struct eo_journal *j = open_journal(path);
    append(j, (struct eo_journal_entry){
                  .event = EO_JOURNAL_STARTED, .device = "caf\xe9", .image = "/tmp/\xff.bin"});
    eo_journal_close(j);
    json_t *lines[1];
    assert_int_equal(load_lines(path, lines, 1), 1);
    assert_string_equal(json_string_value(json_object_get(lines[0], "device")), "caf\xef\xbf\xbd");
    free_lines(lines, 1);
}

/* ---- threads -------------------------------------------------------------------------------- */

struct writer_args {
    struct eo_journal *journal;
    const char *device;
};

static void *thread_writer(void *arg)
{
    const struct writer_args *args = arg;
    for (int i = 0; i < 50; i++)
        step_started(args->journal, args->device, 1, 1, EO_JOURNAL_ROLE_TARGET);
    return NULL;
}

static void test_threads_keep_seq_in_file_order(void **state)
{
    (void)state;
    struct eo_journal *j = open_journal(path);
    pthread_t threads[2];
    struct writer_args args[2] = {{j, "alpha"}, {j, "bravo"}};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, thread_writer, &args[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    eo_journal_close(j);
    json_t *lines[100];
    size_t count = load_lines(path, lines, 100);
    assert_int_equal(count, 100);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(json_integer_value(json_object_get(lines[i], "seq")), (json_int_t)i + 1);
    free_lines(lines, count);
}

/* ---- SIGKILL ----------------------------------------------------------------------------------
 */

static void child_writes_forever(void)
{
    struct eo_journal *j = NULL;
    if (eo_journal_open(path, &j, NULL) != EO_OK)
        _exit(2);
    char device[32];
    for (unsigned i = 0;; i++) {
        snprintf(device, sizeof device, "device-%u", i % 7);
        struct eo_journal_entry entry = {.event = EO_JOURNAL_STEP_DONE,
                                         .device = device,
                                         .step = 1,
                                         .steps = 2,
                                         .role = EO_JOURNAL_ROLE_CORE,
                                         .method = "espota",
                                         .status = EO_OK,
                                         .seconds = i,
                                         .text = "core image by espota, 393216 bytes confirmed"};
        if (eo_journal_append(j, &entry, NULL) != EO_OK)
            _exit(3);
    }
}

static off_t file_size(const char *where)
{
    struct stat st;
    return stat(where, &st) == 0 ? st.st_size : 0;
}

static void test_sigkill_mid_loop(void **state)
{
    (void)state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        child_writes_forever();
    for (int waited = 0; file_size(path) < 20000 && waited < 2000; waited++)
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    assert_int_equal(kill(child, SIGKILL), 0);
    int wstatus = 0;
    assert_int_equal(waitpid(child, &wstatus, 0), child);
    assert_true(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);

    struct eo_journal_state s;
    replay_ok(path, &s);
    assert_true(s.lines > 20);
    assert_int_equal(s.count, 7);
    for (size_t i = 0; i < s.count; i++)
        assert_int_equal(s.devices[i].standing, EO_JOURNAL_ON_CORE);
    size_t lines = s.lines;
    eo_journal_state_free(&s);

    /* the killed run's journal takes the next run's lines; every line parses then */
    struct eo_journal *j = open_journal(path);
    device_done(j, "device-0", EO_OK, MD5_A);
    eo_journal_close(j);
    replay_ok(path, &s);
    assert_int_equal(s.lines, lines + 1);
    assert_int_equal(find(&s, "device-0")->standing, EO_JOURNAL_FINISHED);
    eo_journal_state_free(&s);
    assert_int_equal(load_lines(path, NULL, 0), lines + 1);
}

/* ---- the user's hook ------------------------------------------------------------------------ */

static void hook_line(struct eo_journal *j, const char *device, const char *when, int exit_code)
{
    append(j, (struct eo_journal_entry){.event = EO_JOURNAL_HOOK,
                                        .device = device,
                                        .hook_when = when,
                                        .hook_passed = exit_code == 0,
                                        .hook_end = exit_code >= 0 ? "exited" : "timed-out",
                                        .hook_exit_code = exit_code,
                                        .seconds = 0.25});
}

/* A hook before that said yes leaves the hook after pending until one says yes, across runs
 * (a "started" does not clear it); one before that said no sent nothing. */
static void test_hook_pending(void **state)
{
    (void)state;
    struct eo_journal *j = open_journal(path);
    /* killed after its last step, before the hook after */
    started(j, "alpha", MD5_A);
    hook_line(j, "alpha", "before", 0);
    step_started(j, "alpha", 1, 1, EO_JOURNAL_ROLE_TARGET);
    step_done(j, "alpha", 1, 1, EO_JOURNAL_ROLE_TARGET, EO_OK);
    /* the hook after said no */
    started(j, "bravo", MD5_A);
    hook_line(j, "bravo", "before", 0);
    hook_line(j, "bravo", "after", 1);
    device_done(j, "bravo", EO_ERR_HOOK_FAILED, MD5_A);
    /* both said yes */
    started(j, "charlie", MD5_A);
    hook_line(j, "charlie", "before", 0);
    hook_line(j, "charlie", "after", 0);
    device_done(j, "charlie", EO_OK, MD5_A);
    /* the hook before said no (timed out): skipped */
    started(j, "delta", MD5_A);
    hook_line(j, "delta", "before", -1);
    device_done(j, "delta", EO_ERR_HOOK_SKIPPED, MD5_A);
    eo_journal_close(j);
    j = open_journal(path); /* a later run starts alpha again and is killed at once */
    started(j, "alpha", MD5_A);
    eo_journal_close(j);

    json_t *lines[32];
    size_t count = load_lines(path, lines, 32);
    assert_int_equal(count, 16);
    for (size_t i = 0; i < count; i++)
        assert_event_keys(lines[i]);
    assert_string_equal(json_string_value(json_object_get(lines[1], "when")), "before");
    assert_true(json_is_true(json_object_get(lines[1], "passed")));
    assert_int_equal(json_integer_value(json_object_get(lines[1], "exit_code")), 0);
    assert_true(json_is_null(json_object_get(lines[13], "exit_code")));
    assert_string_equal(json_string_value(json_object_get(lines[13], "end")), "timed-out");
    free_lines(lines, count);

    struct eo_journal_state s;
    replay_ok(path, &s);
    assert_true(find(&s, "alpha")->hook_pending);
    assert_true(find(&s, "bravo")->hook_pending);
    assert_int_equal(find(&s, "bravo")->standing, EO_JOURNAL_FAILED);
    assert_int_equal(find(&s, "bravo")->status, EO_ERR_HOOK_FAILED);
    assert_false(find(&s, "charlie")->hook_pending);
    assert_int_equal(find(&s, "charlie")->standing, EO_JOURNAL_FINISHED);
    assert_false(find(&s, "delta")->hook_pending);
    assert_int_equal(find(&s, "delta")->status, EO_ERR_HOOK_SKIPPED);
    eo_journal_state_free(&s);
}

static void test_hook_line_checked(void **state)
{
    (void)state;
    struct eo_journal_state s;
    struct eo_error err;
    const char *bad = "{\"run\":\"0123456789abcdef0123456789abcdef\",\"seq\":1,\"time\":\"t\","
                      "\"device\":\"a\",\"event\":\"hook\",\"when\":\"during\",\"passed\":true}\n"
                      "{}\n";
    assert_int_equal(eo_journal_replay_text("j", bad, strlen(bad), &s, &err), EO_ERR_INPUT);
    assert_string_equal(err.message,
                        "j:1: not a journal line (\"when\" is neither \"before\" nor \"after\")");
    eo_journal_state_free(&s);
}

/* ---- the event sink ---------------------------------------------------------------------------
 */

struct counter {
    unsigned events, progress;
};

static void count_event(void *ctx, const struct eo_event *event)
{
    struct counter *counter = ctx;
    counter->events++;
    counter->progress += event->kind == EO_EVENT_PROGRESS;
}

static void emit_upgrade(const struct eo_events *events)
{
    const struct eo_event sequence[] = {
        {.kind = EO_EVENT_PHASE, .device = "alpha", .phase = EO_PHASE_LEARN, .text = "reading"},
        {.kind = EO_EVENT_PHASE,
         .device = "alpha",
         .phase = EO_PHASE_PLAN,
         .steps = 2,
         .text = "two steps"},
        {.kind = EO_EVENT_NOTE, .device = "alpha", .text = "a note"},
        {.kind = EO_EVENT_PHASE, .device = "alpha", .phase = EO_PHASE_PUSH, .step = 1, .steps = 2},
        {.kind = EO_EVENT_PROGRESS,
         .device = "alpha",
         .step = 1,
         .steps = 2,
         .done = 10,
         .total = 100},
        {.kind = EO_EVENT_STEP_RESULT,
         .device = "alpha",
         .step = 1,
         .steps = 2,
         .status = EO_OK,
         .elapsed_s = 4.0,
         .text = "core image by web"},
        {.kind = EO_EVENT_PHASE,
         .device = "alpha",
         .phase = EO_PHASE_REBOOT,
         .step = 1,
         .steps = 2},
        {.kind = EO_EVENT_PHASE, .device = "alpha", .phase = EO_PHASE_PUSH, .step = 2, .steps = 2},
        {.kind = EO_EVENT_STEP_RESULT, .device = "alpha", .step = 2, .steps = 2, .status = EO_OK},
        {.kind = EO_EVENT_DEVICE_RESULT,
         .device = "alpha",
         .status = EO_OK,
         .elapsed_s = 60.0,
         .text = "it runs 1.15.0"},
    };
    for (size_t i = 0; i < sizeof sequence / sizeof sequence[0]; i++)
        eo_events_emit(events, &sequence[i]);
}

static void test_sink_without_result(void **state)
{
    (void)state;
    struct counter counter = {0};
    struct eo_events next = {.emit = count_event, .ctx = &counter};
    struct eo_journal *j = open_journal(path);
    struct eo_journal_device_sink sink = {.journal = j,
                                          .device = "ESPURNA-1A2B3C",
                                          .image = "espurna.bin",
                                          .md5 = MD5_A,
                                          .version = "1.15.0",
                                          .next = &next};
    struct eo_events events = eo_journal_sink(&sink);
    emit_upgrade(&events);
    eo_journal_close(j);
    assert_int_equal(sink.status, EO_OK);
    assert_int_equal(counter.events, 10);
    assert_int_equal(counter.progress, 1);

    json_t *lines[16];
    size_t count = load_lines(path, lines, 16);
    const char *expected[] = {"started",      "plan",      "step-started", "step-done",
                              "step-started", "step-done", "device-done"};
    assert_int_equal(count, 7);
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(json_string_value(json_object_get(lines[i], "event")), expected[i]);
        assert_string_equal(json_string_value(json_object_get(lines[i], "device")),
                            "ESPURNA-1A2B3C");
        assert_event_keys(lines[i]);
    }
    assert_true(json_is_null(json_object_get(lines[1], "route")));
    assert_string_equal(json_string_value(json_object_get(lines[2], "role")), "core");
    assert_string_equal(json_string_value(json_object_get(lines[4], "role")), "target");
    assert_string_equal(json_string_value(json_object_get(lines[6], "version")), "1.15.0");
    assert_string_equal(json_string_value(json_object_get(lines[6], "md5")), MD5_A);
    free_lines(lines, count);

    struct eo_journal_state s;
    replay_ok(path, &s);
    assert_int_equal(find(&s, "ESPURNA-1A2B3C")->standing, EO_JOURNAL_FINISHED);
    eo_journal_state_free(&s);
}

static void test_sink_with_result(void **state)
{
    (void)state;
    static struct eo_upgrade_result result; /* large: not on the stack */
    memset(&result, 0, sizeof result);
    result.planned = true;
    result.plan.route = EO_ROUTE_TWO_STEP;
    result.plan.step_count = 2;
    result.plan.steps[0].image = EO_STEP_CORE;
    result.plan.steps[1].image = EO_STEP_TARGET_GZIP;
    result.steps[0].method = EO_METHOD_WEB;
    result.steps[1].method = EO_METHOD_ESPOTA;
    snprintf(result.final_version, sizeof result.final_version, "1.15.0-dev");
    snprintf(result.before.device.version, sizeof result.before.device.version, "1.14.1");
    struct eo_error failure;
    eo_error_set(&failure, EO_ERR_AUTH, "alpha: the device rejected the password");
    struct eo_journal *j = open_journal(path);
    struct eo_journal_device_sink sink = {
        .journal = j, .device = "alpha", .result = &result, .failure = &failure};
    struct eo_events events = eo_journal_sink(&sink);
    emit_upgrade(&events);
    eo_journal_close(j);

    json_t *lines[16];
    size_t count = load_lines(path, lines, 16);
    assert_int_equal(count, 7);
    assert_string_equal(json_string_value(json_object_get(lines[1], "route")), "two-step");
    assert_string_equal(json_string_value(json_object_get(lines[1], "from")), "1.14.1");
    assert_true(json_is_null(json_object_get(lines[6], "error"))); /* it ended ok */
    assert_string_equal(json_string_value(json_object_get(lines[2], "method")), "web");
    assert_string_equal(json_string_value(json_object_get(lines[4], "role")), "target");
    assert_string_equal(json_string_value(json_object_get(lines[5], "method")), "espota");
    assert_string_equal(json_string_value(json_object_get(lines[6], "version")), "1.15.0-dev");
    free_lines(lines, count);

    /* a failed end carries the failure's message */
    unlink(path);
    j = open_journal(path);
    sink.journal = j;
    events = eo_journal_sink(&sink);
    struct eo_event end = {
        .kind = EO_EVENT_DEVICE_RESULT, .device = "alpha", .status = EO_ERR_AUTH, .text = "same"};
    eo_events_emit(&events, &end);
    eo_journal_close(j);
    count = load_lines(path, lines, 16);
    assert_int_equal(count, 1);
    assert_string_equal(json_string_value(json_object_get(lines[0], "error")),
                        "alpha: the device rejected the password");
    free_lines(lines, count);

    /* a dry run's end is not journalled */
    unlink(path);
    result.dry_run = true;
    j = open_journal(path);
    sink.journal = j;
    events = eo_journal_sink(&sink);
    emit_upgrade(&events);
    eo_journal_close(j);
    assert_int_equal(load_lines(path, NULL, 0), 6);
}

/* A HOOK_RESULT event becomes a "hook" line; a hook's start (a PHASE) does not. */
static void test_sink_hook(void **state)
{
    (void)state;
    struct eo_hook_result hook = {
        .ran = true, .when = EO_HOOK_AFTER, .end = EO_HOOK_EXITED, .exit_code = 2, .seconds = 0.5};
    struct eo_hook_result starting = {.when = EO_HOOK_AFTER};
    struct eo_journal *j = open_journal(path);
    struct eo_journal_device_sink sink = {.journal = j, .device = "alpha"};
    struct eo_events events = eo_journal_sink(&sink);
    const struct eo_event sequence[] = {
        {.kind = EO_EVENT_PHASE, .device = "alpha", .phase = EO_PHASE_HOOK, .hook = &starting},
        {.kind = EO_EVENT_NOTE, .device = "alpha", .text = "hook after: unhealthy"},
        {.kind = EO_EVENT_HOOK_RESULT,
         .device = "alpha",
         .phase = EO_PHASE_HOOK,
         .status = EO_ERR_HOOK_FAILED,
         .hook = &hook},
    };
    for (size_t i = 0; i < sizeof sequence / sizeof sequence[0]; i++)
        eo_events_emit(&events, &sequence[i]);
    eo_journal_close(j);
    json_t *lines[4];
    assert_int_equal(load_lines(path, lines, 4), 1);
    assert_event_keys(lines[0]);
    assert_string_equal(json_string_value(json_object_get(lines[0], "when")), "after");
    assert_false(json_is_true(json_object_get(lines[0], "passed")));
    assert_int_equal(json_integer_value(json_object_get(lines[0], "exit_code")), 2);
    free_lines(lines, 1);
}

/* In a child whose file size limit the next line crosses: the write is short, undone, and the
 * sink keeps the error while passing every event on. */
static void child_appends_past_limit(void)
{
    struct eo_journal *j = NULL;
    if (eo_journal_open(path, &j, NULL) != EO_OK)
        _exit(2);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {.rlim_cur = (rlim_t)file_size(path) + 100,
                           .rlim_max = (rlim_t)file_size(path) + 100};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0)
        _exit(3);
    struct counter counter = {0};
    struct eo_events next = {.emit = count_event, .ctx = &counter};
    struct eo_journal_device_sink sink = {.journal = j, .device = "alpha", .next = &next};
    struct eo_events events = eo_journal_sink(&sink);
    emit_upgrade(&events);
    bool ok = sink.status == EO_ERR_FILE && counter.events == 10 &&
              strstr(sink.error.message, ": cannot write: ") != NULL;
    eo_journal_close(j);
    _exit(ok ? 0 : 4);
}

static void test_short_write_undone(void **state)
{
    (void)state;
    write_two_devices();
    off_t before = file_size(path);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        child_appends_past_limit();
    int wstatus = 0;
    assert_int_equal(waitpid(child, &wstatus, 0), child);
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 0);
    /* the fragment was cut: the file replays without a torn line */
    assert_int_equal(file_size(path), before); /* the first line is longer than 100 bytes */
    struct eo_journal_state s;
    replay_ok(path, &s);
    assert_false(s.torn);
    eo_journal_state_free(&s);
}

/* ---- the default path ---------------------------------------------------------------------- */

static void test_default_path(void **state)
{
    (void)state;
    char out[256];
    const char *saved_state = getenv("XDG_STATE_HOME");
    const char *saved_home = getenv("HOME");
    char *state_copy = saved_state ? strdup(saved_state) : NULL;
    char *home_copy = saved_home ? strdup(saved_home) : NULL;

    setenv("XDG_STATE_HOME", "/var/state", 1);
    assert_true(eo_journal_default_path(out, sizeof out));
    assert_string_equal(out, "/var/state/espurna-ota/journal.jsonl");
    assert_false(eo_journal_default_path(out, 10));

    setenv("XDG_STATE_HOME", "relative/state", 1); /* not absolute: ignored */
    setenv("HOME", "/home/ops", 1);
    assert_true(eo_journal_default_path(out, sizeof out));
    assert_string_equal(out, "/home/ops/.local/state/espurna-ota/journal.jsonl");
    unsetenv("XDG_STATE_HOME");
    assert_true(eo_journal_default_path(out, sizeof out));
    assert_string_equal(out, "/home/ops/.local/state/espurna-ota/journal.jsonl");

    if (state_copy)
        setenv("XDG_STATE_HOME", state_copy, 1);
    if (home_copy)
        setenv("HOME", home_copy, 1);
    else
        unsetenv("HOME");
    free(state_copy);
    free(home_copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_replayed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_facts, setup, teardown),
        cmocka_unit_test(test_later_keys),
        cmocka_unit_test_setup_teardown(test_missing_journal_is_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_last_line_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_line_cut_before_appending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_middle_line, setup, teardown),
        cmocka_unit_test(test_replay_text),
        cmocka_unit_test_setup_teardown(test_modes_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_and_non_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_use_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_runs_latest_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_ids_differ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_made_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_keep_seq_in_file_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_mid_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_line_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_without_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_with_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_write_undone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
