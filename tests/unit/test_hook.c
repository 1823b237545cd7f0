/* test_hook.c — unit tests for the user's hook (hook.c) and what its answer means in the upgrade
 * flow (upgrade_hook.c), with real /bin/sh commands: exit codes and signals, the timeout killing
 * the whole process group, cancellation, the environment it is told (every variable, nothing of
 * ESPURNA_OTA_* from the tool's own environment, never the password), stdin from /dev/null, no
 * descriptor of ours inherited, its output lines as printable notes (and the excess counted), a
 * child it leaves behind not waited for, several hooks at once in threads; then a "no" before the
 * first step (skipped, nothing sent), a "no" after a verified upgrade (failed, the image stays),
 * no hook after when the one before said no or the run was interrupted, and a pending hook after
 * for a device found up to date. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "temp_dir.h"

#include "espurna-ota/hook.h"
#include "espurna-ota/net.h"
#include "upgrade/upgrade_private.h"

#define PASSWORD "pw-Secret-7f3a"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return temp_dir_make(dir, sizeof dir, "hook") ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return temp_dir_remove(dir);
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* Notes the hook passed on, kept in order. */
struct notes {
    pthread_mutex_t lock;
    char text[80][EO_HOOK_LINE_MAX + 32];
    unsigned count;
    unsigned phases, results; /* PHASE hook and HOOK_RESULT events */
    enum eo_status result_status;
    char result_text[400];
};

static void collect(void *ctx, const struct eo_event *event)
{
    struct notes *notes = ctx;
    pthread_mutex_lock(&notes->lock);
    if (event->kind == EO_EVENT_NOTE && notes->count < 80)
        snprintf(notes->text[notes->count++], sizeof notes->text[0], "%s", event->text);
    if (event->kind == EO_EVENT_PHASE && event->phase == EO_PHASE_HOOK)
        notes->phases++;
    if (event->kind == EO_EVENT_HOOK_RESULT) {
        notes->results++;
        notes->result_status = event->status;
        snprintf(notes->result_text, sizeof notes->result_text, "%s", event->text);
    }
    pthread_mutex_unlock(&notes->lock);
}

static struct notes *notes_new(void)
{
    struct notes *notes = calloc(1, sizeof *notes);
    assert_non_null(notes);
    pthread_mutex_init(&notes->lock, NULL);
    return notes;
}

static void notes_free(struct notes *notes)
{
    pthread_mutex_destroy(&notes->lock);
    free(notes);
}

static enum eo_status run_with(const char *command, unsigned timeout_s, struct notes *notes,
                               const struct eo_cancel *cancel, struct eo_hook_result *result)
{
    struct eo_hook hook = {.command = command, .timeout_s = timeout_s};
    struct eo_hook_context context = {.when = EO_HOOK_BEFORE, .device = "ESPURNA-00000B"};
    struct eo_events events = {.emit = collect, .ctx = notes};
    struct eo_hook_io io = {
        .device = "ESPURNA-00000B", .events = notes ? &events : NULL, .cancel = cancel};
    struct eo_error err = {0};
    return eo_hook_run(&hook, &context, &io, result, &err);
}

static void run_ok(const char *command, unsigned timeout_s, struct eo_hook_result *result)
{
    assert_int_equal(run_with(command, timeout_s, NULL, NULL, result), EO_OK);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = calloc(1, 65536);
    size_t n = text ? fread(text, 1, 65535, f) : 0;
    (void)n;
    fclose(f);
    return text;
}

/* The value of NAME in an `env` dump ("NAME=value" lines); NULL when not there. */
static const char *env_value(const char *dump, const char *name, char *out, size_t cap)
{
    size_t len = strlen(name);
    for (const char *line = dump; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t line_len = end ? (size_t)(end - line) : strlen(line);
        if (line_len > len && strncmp(line, name, len) == 0 && line[len] == '=') {
            snprintf(out, cap, "%.*s", (int)(line_len - len - 1), line + len + 1);
            return out;
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

/* Whether process `pid` is gone (or a zombie nobody reaped yet: it runs no more). */
static bool process_gone(pid_t pid)
{
    char path[64], stat_text[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    size_t n = fread(stat_text, 1, sizeof stat_text - 1, f);
    fclose(f);
    stat_text[n] = '\0';
    const char *paren = strrchr(stat_text, ')');
    return paren && paren[1] == ' ' && paren[2] == 'Z';
}

static pid_t pid_in_file(const char *path)
{
    char *text = NULL;
    for (int i = 0; i < 50 && !(text = read_file(path)); i++)
        usleep(20000);
    pid_t pid = text ? (pid_t)atoi(text) : 0;
    free(text);
    return pid;
}

/* ---- how it ends ---------------------------------------------------------------------------- */

static void test_exit_codes(void **state)
{
    (void)state;
    struct eo_hook_result result;
    char how[200];
    run_ok("exit 0", 10, &result);
    assert_true(eo_hook_passed(&result));
    assert_int_equal(result.end, EO_HOOK_EXITED);
    assert_int_equal(result.exit_code, 0);
    run_ok("true; exit 3", 10, &result);
    assert_false(eo_hook_passed(&result));
    assert_int_equal(result.end, EO_HOOK_EXITED);
    assert_int_equal(result.exit_code, 3);
    assert_string_equal(eo_hook_describe(&result, how, sizeof how), "exited with 3");
    run_ok("kill -TERM $$", 10, &result);
    assert_false(eo_hook_passed(&result));
    assert_int_equal(result.end, EO_HOOK_SIGNALLED);
    assert_int_equal(result.signal, SIGTERM);
    assert_string_equal(eo_hook_describe(&result, how, sizeof how), "was killed by signal 15");
    run_ok("no-such-command-anywhere", 10, &result);
    assert_int_equal(result.exit_code, 127); /* the shell's "not found" */
}

/* At its timeout the hook is killed with everything in its process group (a child it started
 * in the background too), and the run ends at once: not waiting for the sleeps. */
static void test_timeout_kills_the_group(void **state)
{
    (void)state;
    char pid_file[128], command[256], how[200];
    snprintf(pid_file, sizeof pid_file, "%s/child.pid", dir);
    snprintf(command, sizeof command, "sleep 30 & echo $! > %s; sleep 30", pid_file);
    struct eo_hook_result result;
    double started = eo_net_now();
    run_ok(command, 1, &result);
    double took = eo_net_now() - started;
    assert_int_equal(result.end, EO_HOOK_TIMED_OUT);
    assert_false(eo_hook_passed(&result));
    assert_true(took >= 0.9 && took < 5.0);
    assert_string_equal(eo_hook_describe(&result, how, sizeof how),
                        "was killed after 1 s (its timeout)");
    pid_t child = pid_in_file(pid_file);
    assert_true(child > 0);
    bool gone = false;
    for (int i = 0; i < 100 && !(gone = process_gone(child)); i++)
        usleep(20000);
    assert_true(gone);
}

static void *cancel_later(void *ctx)
{
    struct eo_cancel *cancel = ctx;
    usleep(300000);
    cancel->signal = SIGINT;
    return NULL;
}

/* Cancelled (a signal asked the run to stop): killed at once with its group. */
static void test_cancel_kills_it(void **state)
{
    (void)state;
    char pid_file[128], command[256];
    snprintf(pid_file, sizeof pid_file, "%s/child.pid", dir);
    snprintf(command, sizeof command, "sleep 30 & echo $! > %s; sleep 30", pid_file);
    struct eo_cancel cancel = {0};
    pthread_t thread;
    pthread_create(&thread, NULL, cancel_later, &cancel);
    struct eo_hook_result result;
    double started = eo_net_now();
    assert_int_equal(run_with(command, 60, NULL, &cancel, &result), EO_ERR_INTERRUPTED);
    pthread_join(thread, NULL);
    assert_int_equal(result.end, EO_HOOK_INTERRUPTED);
    assert_true(eo_net_now() - started < 4.0);
    pid_t child = pid_in_file(pid_file);
    assert_true(child > 0);
    bool gone = false;
    for (int i = 0; i < 100 && !(gone = process_gone(child)); i++)
        usleep(20000);
    assert_true(gone);
}

/* ---- what it is told ----------------------------------------------------------------------- */

static void test_environment(void **state)
{
    (void)state;
    char out[128], command[256], value[600];
    snprintf(out, sizeof out, "%s/env.txt", dir);
    snprintf(command, sizeof command, "env > %s", out);
    setenv("ESPURNA_OTA_PASSWORD", PASSWORD, 1);
    setenv("ESPURNA_OTA_OUTCOME", "stale", 1);
    setenv("EO_TEST_KEPT", "kept", 1);
    struct eo_hook hook = {.command = command, .timeout_s = 10};
    struct eo_hook_context context = {
        .when = EO_HOOK_AFTER,
        .device = "kitchen.local",
        .hostname = "ESPURNA-00000B",
        .address = "127.0.1.11",
        .chip_id = "00000B",
        .from_version = "1.14.1",
        .to_version = "1.15.0",
        .image = "/tmp/espurna-1.15.0-itead-sonoff-basic.bin",
        .image_md5 = "0123456789abcdef0123456789abcdef",
        .route = "two-step",
        .steps = 2,
        .plan = "two steps:\tcore\nthen image",
        .outcome = "failed",
        .status = EO_ERR_VERIFY,
        .error = "came back running 1.14.1",
        .final_version = "1.14.1",
        .check = "",
    };
    struct eo_hook_io io = {.device = "kitchen.local"};
    struct eo_hook_result result;
    struct eo_error err;
    assert_int_equal(eo_hook_run(&hook, &context, &io, &result, &err), EO_OK);
    unsetenv("ESPURNA_OTA_PASSWORD");
    unsetenv("ESPURNA_OTA_OUTCOME");
    assert_true(eo_hook_passed(&result));
    char *dump = read_file(out);
    assert_non_null(dump);
    static const char *const expected[][2] = {
        {"ESPURNA_OTA_PHASE", "after"},
        {"ESPURNA_OTA_DEVICE", "kitchen.local"},
        {"ESPURNA_OTA_HOSTNAME", "ESPURNA-00000B"},
        {"ESPURNA_OTA_ADDRESS", "127.0.1.11"},
        {"ESPURNA_OTA_CHIP_ID", "00000B"},
        {"ESPURNA_OTA_FROM_VERSION", "1.14.1"},
        {"ESPURNA_OTA_TO_VERSION", "1.15.0"},
        {"ESPURNA_OTA_IMAGE", "/tmp/espurna-1.15.0-itead-sonoff-basic.bin"},
        {"ESPURNA_OTA_IMAGE_MD5", "0123456789abcdef0123456789abcdef"},
        {"ESPURNA_OTA_ROUTE", "two-step"},
        {"ESPURNA_OTA_STEPS", "2"},
        {"ESPURNA_OTA_PLAN", "two steps:?core?then image"},
        {"ESPURNA_OTA_OUTCOME", "failed"},
        {"ESPURNA_OTA_STATUS", "verify"},
        {"ESPURNA_OTA_EXIT_CODE", "10"},
        {"ESPURNA_OTA_ERROR", "came back running 1.14.1"},
        {"ESPURNA_OTA_FINAL_VERSION", "1.14.1"},
        {"ESPURNA_OTA_CHECK", ""},
        {"ESPURNA_OTA_RESUMED", ""},
        {"EO_TEST_KEPT", "kept"},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const char *got = env_value(dump, expected[i][0], value, sizeof value);
        if (!got)
            fail_msg("%s is not in the hook's environment", expected[i][0]);
        if (strcmp(got, expected[i][1]) != 0)
            fail_msg("%s: expected '%s', got '%s'", expected[i][0], expected[i][1], got);
    }
    assert_null(env_value(dump, "ESPURNA_OTA_PASSWORD", value, sizeof value));
    assert_null(strstr(dump, PASSWORD));
    free(dump);
}

/* Before the first step the variables of the outcome are there, and empty. */
static void test_environment_before(void **state)
{
    (void)state;
    const char *base[] = {"PATH=/usr/bin", "ESPURNA_OTA_PASSWORD=" PASSWORD,
                          "ESPURNA_OTA_STATUS=stale", NULL};
    struct eo_hook_context context = {.when = EO_HOOK_BEFORE, .device = "d", .status = EO_OK};
    char **env = eo_hook_environment((char *const *)base, &context);
    assert_non_null(env);
    bool path = false, phase = false, status = false;
    size_t count = 0;
    for (size_t i = 0; env[i]; i++, count++) {
        assert_null(strstr(env[i], PASSWORD));
        path |= strcmp(env[i], "PATH=/usr/bin") == 0;
        phase |= strcmp(env[i], "ESPURNA_OTA_PHASE=before") == 0;
        status |= strcmp(env[i], "ESPURNA_OTA_STATUS=") == 0;
    }
    assert_true(path && phase && status);
    assert_int_equal(count, 1 + 19); /* PATH and the 19 variables, each once */
    eo_hook_environment_free(env);
}

/* stdin is /dev/null (a command that reads it ends at once), and no descriptor of ours but
 * stdout and stderr reaches it (an open file without close-on-exec does not). */
static void test_stdin_and_descriptors(void **state)
{
    (void)state;
    struct eo_hook_result result;
    run_ok("cat", 10, &result);
    assert_true(eo_hook_passed(&result));
    char path[128], command[128];
    snprintf(path, sizeof path, "%s/open.txt", dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0600); /* deliberately not close-on-exec */
    assert_true(fd > 2);
    snprintf(command, sizeof command, "test ! -e /proc/self/fd/%d", fd);
    run_ok(command, 10, &result);
    close(fd);
    assert_true(eo_hook_passed(&result));
}

/* ---- what it says ---------------------------------------------------------------------------- */

static void test_output_lines(void **state)
{
    (void)state;
    struct notes *notes = notes_new();
    struct eo_hook_result result;
    assert_int_equal(run_with("echo one; echo two >&2; printf 'crlf\\r\\n\\033[31mred\\n\\n'; "
                              "printf 'no newline'",
                              10, notes, NULL, &result),
                     EO_OK);
    assert_int_equal(notes->count, 5);
    assert_string_equal(notes->text[0], "hook before: one");
    assert_string_equal(notes->text[1], "hook before: two");
    assert_string_equal(notes->text[2], "hook before: crlf");
    assert_string_equal(notes->text[3], "hook before: ?[31mred");
    assert_string_equal(notes->text[4], "hook before: no newline");
    assert_int_equal(result.lines, 5);
    assert_string_equal(result.last_line, "no newline");
    notes_free(notes);
}

static void test_output_is_bounded(void **state)
{
    (void)state;
    struct notes *notes = notes_new();
    struct eo_hook_result result;
    assert_int_equal(run_with("i=0; while [ $i -lt 100 ]; do echo line $i; i=$((i+1)); done; "
                              "head -c 5000 /dev/zero | tr '\\0' x; echo",
                              10, notes, NULL, &result),
                     EO_OK);
    assert_int_equal(result.lines, 101);
    assert_int_equal(notes->count, EO_HOOK_MAX_LINES + 1);
    assert_string_equal(notes->text[EO_HOOK_MAX_LINES], "hook before: 37 more lines not shown");
    assert_int_equal(strlen(result.last_line), EO_HOOK_LINE_MAX - 1); /* cut */
    notes_free(notes);
}

/* A child left running in the background (holding the output pipe open) is not waited for. */
static void test_background_child_not_waited_for(void **state)
{
    (void)state;
    char pid_file[128], command[256];
    snprintf(pid_file, sizeof pid_file, "%s/bg.pid", dir);
    snprintf(command, sizeof command, "sleep 20 & echo $! > %s; echo started", pid_file);
    struct eo_hook_result result;
    double started = eo_net_now();
    run_ok(command, 30, &result);
    assert_true(eo_hook_passed(&result));
    assert_true(eo_net_now() - started < 4.0);
    pid_t child = pid_in_file(pid_file);
    assert_true(child > 0);
    kill(child, SIGKILL); /* ours to clean up: the hook's group is left alone when it exits */
}

/* ---- several at once ---------------------------------------------------------------------- */

struct parallel {
    pthread_t thread;
    int code;
    struct eo_hook_result result;
    enum eo_status status;
};

static void *run_parallel(void *ctx)
{
    struct parallel *p = ctx;
    char command[64];
    snprintf(command, sizeof command, "sleep 0.5; echo $((%d * 2)); exit %d", p->code, p->code);
    p->status = run_with(command, 10, NULL, NULL, &p->result);
    return NULL;
}

static void test_parallel(void **state)
{
    (void)state;
    struct parallel runs[8];
    double started = eo_net_now();
    for (int i = 0; i < 8; i++) {
        runs[i].code = i + 1;
        pthread_create(&runs[i].thread, NULL, run_parallel, &runs[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(runs[i].thread, NULL);
    double took = eo_net_now() - started;
    for (int i = 0; i < 8; i++) {
        char expected[16];
        snprintf(expected, sizeof expected, "%d", (i + 1) * 2);
        assert_int_equal(runs[i].status, EO_OK);
        assert_int_equal(runs[i].result.exit_code, i + 1);
        assert_string_equal(runs[i].result.last_line, expected);
    }
    assert_true(took < 3.5); /* side by side, not one after the other (8 x 0.5 s) */
}

/* ---- in the upgrade flow ----------------------------------------------------------------------
 */

struct flow {
    struct eo_image image;
    struct eo_hook hook;
    struct eo_upgrade_request req;
    struct eo_upgrade_result res;
    struct upgrade_run run;
    struct notes *notes;
    struct eo_events events;
};

static void flow_init(struct flow *f, const char *command)
{
    memset(f, 0, sizeof *f);
    f->image.path = "/tmp/espurna-1.15.0-itead-sonoff-basic.bin";
    snprintf(f->image.version, sizeof f->image.version, "1.15.0");
    f->hook = (struct eo_hook){.command = command, .timeout_s = 10};
    f->notes = notes_new();
    f->events = (struct eo_events){.emit = collect, .ctx = f->notes};
    f->req = (struct eo_upgrade_request){.device = "ESPURNA-00000B.local",
                                         .image = &f->image,
                                         .hook = &f->hook,
                                         .events = &f->events};
    f->run.req = &f->req;
    f->run.res = &f->res;
    snprintf(f->run.current.device.version, sizeof f->run.current.device.version, "1.14.1");
    snprintf(f->run.target.address, sizeof f->run.target.address, "127.0.1.11");
    f->res.before = f->run.current;
    f->res.planned = true;
    f->res.plan.route = EO_ROUTE_ONE_STEP;
    f->res.plan.step_count = 1;
}

static void flow_release(struct flow *f)
{
    notes_free(f->notes);
}

static void test_before_no_skips(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, "echo device busy; exit 3");
    struct eo_error err = {0};
    assert_int_equal(upgrade_hook_before(&f.run, &err), EO_ERR_HOOK_SKIPPED);
    assert_int_equal(err.hint, EO_HINT_HOOK_BEFORE);
    assert_string_equal(err.message, "ESPURNA-00000B.local: the hook before the upgrade exited "
                                     "with 3: skipped, nothing was sent; it said: 'device busy'");
    assert_int_equal(f.notes->phases, 1);
    assert_int_equal(f.notes->results, 1);
    assert_int_equal(f.notes->result_status, EO_ERR_HOOK_SKIPPED);
    /* the hook after does not run when the one before said no */
    assert_int_equal(upgrade_hook_after(&f.run, EO_ERR_HOOK_SKIPPED, &err), EO_ERR_HOOK_SKIPPED);
    assert_false(f.res.hook_after.ran);
    upgrade_describe_where(&f.run, EO_ERR_HOOK_SKIPPED, &err);
    assert_non_null(strstr(f.res.where, "was not changed: the hook before the upgrade said no"));
    flow_release(&f);
}

static void test_after_no_fails_a_verified_device(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, "[ \"$ESPURNA_OTA_PHASE\" = before ] || { echo unhealthy; exit 1; }");
    struct eo_error err = {0};
    assert_int_equal(upgrade_hook_before(&f.run, &err), EO_OK);
    snprintf(f.run.current.device.version, sizeof f.run.current.device.version, "1.15.0");
    f.res.check = EO_CHECK_VERSION;
    assert_int_equal(upgrade_hook_after(&f.run, EO_OK, &err), EO_ERR_HOOK_FAILED);
    assert_int_equal(err.hint, EO_HINT_HOOK_AFTER);
    assert_string_equal(err.message,
                        "ESPURNA-00000B.local: the hook after the upgrade exited with 1: the "
                        "image is installed (ESPURNA-00000B.local runs 1.15.0, checked by "
                        "version) but the hook said no; it said: 'unhealthy'");
    assert_int_equal(f.notes->result_status, EO_ERR_HOOK_FAILED);
    upgrade_describe_where(&f.run, EO_ERR_HOOK_FAILED, &err);
    assert_string_equal(f.res.where, "ESPURNA-00000B.local runs 1.15.0 (the image is "
                                     "installed), but the hook after the upgrade said no");
    flow_release(&f);
}

/* After a failed upgrade the hook after runs, told so; its "no" changes nothing. */
static void test_after_a_failure_keeps_the_failure(void **state)
{
    (void)state;
    char out[128], command[256], value[200];
    snprintf(out, sizeof out, "%s/after.txt", dir);
    snprintf(command, sizeof command, "env > %s; [ \"$ESPURNA_OTA_PHASE\" = before ]", out);
    struct flow f;
    flow_init(&f, command);
    struct eo_error err = {0};
    assert_int_equal(upgrade_hook_before(&f.run, &err), EO_OK);
    eo_error_set(&err, EO_ERR_TRANSFER, "dropped at 50%%");
    assert_int_equal(upgrade_hook_after(&f.run, EO_ERR_TRANSFER, &err), EO_ERR_TRANSFER);
    assert_string_equal(err.message, "dropped at 50%");
    assert_true(f.res.hook_after.ran);
    char *dump = read_file(out);
    assert_non_null(dump);
    assert_string_equal(env_value(dump, "ESPURNA_OTA_OUTCOME", value, sizeof value), "failed");
    assert_string_equal(env_value(dump, "ESPURNA_OTA_STATUS", value, sizeof value), "transfer");
    assert_string_equal(env_value(dump, "ESPURNA_OTA_ERROR", value, sizeof value),
                        "dropped at 50%");
    free(dump);
    flow_release(&f);
}

static void test_no_after_when_interrupted(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, "exit 0");
    struct eo_error err = {0};
    assert_int_equal(upgrade_hook_before(&f.run, &err), EO_OK);
    assert_int_equal(upgrade_hook_after(&f.run, EO_ERR_INTERRUPTED, &err), EO_ERR_INTERRUPTED);
    assert_false(f.res.hook_after.ran);
    flow_release(&f);
}

/* Up to date with a hook after an earlier run left pending: that hook runs, told it resumes. */
static void test_pending_after(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, "[ \"$ESPURNA_OTA_RESUMED$ESPURNA_OTA_PHASE$ESPURNA_OTA_OUTCOME\" = "
                  "1afterdone ] || exit 9");
    struct eo_error err = {0};
    assert_int_equal(upgrade_hook_pending(&f.run, &err), EO_OK); /* not pending: not run */
    assert_false(f.res.hook_after.ran);
    f.req.hook_after_pending = true;
    f.res.plan.route = EO_ROUTE_UP_TO_DATE;
    assert_int_equal(upgrade_hook_pending(&f.run, &err), EO_OK);
    assert_true(f.res.hook_after.ran && f.res.hook_after_resumed);
    assert_true(eo_hook_passed(&f.res.hook_after));
    flow_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exit_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_kills_the_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_kills_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment_before, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdin_and_descriptors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_background_child_not_waited_for, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_before_no_skips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_after_no_fails_a_verified_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_after_a_failure_keeps_the_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_after_when_interrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_after, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
