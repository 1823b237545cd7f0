/* test_sites.c — unit tests for merging sites' batch journals (sites.c), fed journal text: site
 * names from arguments and file names, one host name at two sites kept as two devices, resumed
 * runs (the latest outcome wins, as batch's resume sees it), each standing judged in batch's
 * states (a device its --hook skipped is skipped), how each site's last run ended, the exit status,
 * and bad input refused whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "espurna-ota/sites.h"

#define RUN1 "11111111111111111111111111111111"
#define RUN2 "22222222222222222222222222222222"
#define MD5 "0123456789abcdef0123456789abcdef"

/* ---- building journal text ---------------------------------------------------------------- */

struct text {
    char buf[16384];
    size_t len;
    unsigned seq;
    const char *run;
};

static void line(struct text *t, const char *device, const char *event, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* One journal line of run t->run: the common keys, then `format` (",\"key\":value..."). */
static void line(struct text *t, const char *device, const char *event, const char *format, ...)
{
    char dev[128];
    if (device)
        snprintf(dev, sizeof dev, "\"%s\"", device);
    else
        snprintf(dev, sizeof dev, "null");
    t->len += (size_t)snprintf(t->buf + t->len, sizeof t->buf - t->len,
                               "{\"run\":\"%s\",\"seq\":%u,\"time\":\"2026-12-0%uT10:00:00.000Z\","
                               "\"device\":%s,\"event\":\"%s\"",
                               t->run, ++t->seq, t->run[0] == RUN1[0] ? 1u : 2u, dev, event);
    va_list args;
    va_start(args, format);
    t->len += (size_t)vsnprintf(t->buf + t->len, sizeof t->buf - t->len, format, args);
    va_end(args);
    t->len += (size_t)snprintf(t->buf + t->len, sizeof t->buf - t->len, "}\n");
    assert_true(t->len < sizeof t->buf);
}

static void run_started(struct text *t, const char *run)
{
    t->run = run;
    t->seq = 0;
    line(t, NULL, "run-started", "%s", "");
}

static void run_done(struct text *t, const char *status)
{
    line(t, NULL, "run-done", ",\"status\":\"%s\"", status);
}

static void started(struct text *t, const char *device)
{
    line(t, device, "started",
         ",\"image\":\"fw/espurna-1.15.0-x.bin\",\"md5\":\"%s\","
         "\"version\":\"1.15.0\"",
         MD5);
}

static void plan(struct text *t, const char *device, const char *route, unsigned steps)
{
    line(t, device, "plan", ",\"route\":\"%s\",\"steps\":%u,\"text\":\"p\",\"from\":\"1.14.1\"",
         route, steps);
}

static void step(struct text *t, const char *device, unsigned n, unsigned of, const char *role,
                 const char *status)
{
    line(t, device, "step-started", ",\"step\":%u,\"steps\":%u,\"role\":\"%s\",\"method\":\"web\"",
         n, of, role);
    if (status)
        line(t, device, "step-done",
             ",\"step\":%u,\"steps\":%u,\"role\":\"%s\",\"method\":\"web\",\"status\":\"%s\","
             "\"seconds\":4.5,\"text\":\"s\"",
             n, of, role, status);
}

static void device_done(struct text *t, const char *device, const char *status, const char *error)
{
    bool ok = strcmp(status, "ok") == 0;
    char error_json[256];
    if (error)
        snprintf(error_json, sizeof error_json, "\"%s\"", error);
    else
        snprintf(error_json, sizeof error_json, "null");
    line(t, device, "device-done",
         ",\"status\":\"%s\",\"image\":\"fw/espurna-1.15.0-x.bin\",\"md5\":\"%s\","
         "\"version\":%s,\"seconds\":12.5,\"where\":\"%s runs %s\",\"error\":%s",
         status, MD5, ok ? "\"1.15.0\"" : "null", device, ok ? "1.15.0" : "1.14.1", error_json);
}

/* A whole upgrade that ends: two steps (or none when up to date). */
static void upgrade(struct text *t, const char *device, const char *route, const char *status,
                    const char *error)
{
    started(t, device);
    bool two = strcmp(route, "two-step") == 0, none = strcmp(route, "up-to-date") == 0;
    plan(t, device, route, none ? 0 : two ? 2 : 1);
    if (two)
        step(t, device, 1, 2, "core", "ok");
    if (!none)
        step(t, device, two ? 2 : 1, two ? 2 : 1, "target", status);
    device_done(t, device, status, error);
}

static void add_ok(struct eo_sites *sites, const char *name, const char *journal,
                   const struct text *t)
{
    struct eo_error err;
    enum eo_status status = eo_sites_add_text(sites, name, journal, t->buf, t->len, &err);
    if (status != EO_OK)
        fail_msg("%s", err.message);
}

static const struct eo_journal_device *device_of(const struct eo_sites_site *site,
                                                 const char *device)
{
    const struct eo_journal_device *record = eo_journal_state_find(&site->state, device);
    if (!record)
        fail_msg("%s is not at site %s", device, site->name);
    return record;
}

static struct eo_sites_verdict judged(const struct eo_sites_site *site, const char *device)
{
    struct eo_sites_verdict verdict;
    eo_sites_judge(device_of(site, device), &verdict);
    return verdict;
}

/* ---- names -------------------------------------------------------------------------------- */

static void test_names_of_files(void **state)
{
    (void)state;
    char name[EO_SITES_NAME_MAX];
    assert_true(eo_sites_name_of("site-a.jsonl", name, sizeof name));
    assert_string_equal(name, "site-a");
    assert_true(eo_sites_name_of("/var/ci/paris.2026-12.jsonl", name, sizeof name));
    assert_string_equal(name, "paris.2026-12");
    assert_true(eo_sites_name_of("artifacts/lyon/journal.jsonl", name, sizeof name));
    assert_string_equal(name, "lyon"); /* batch's default name: the folder's */
    assert_true(eo_sites_name_of("journal.jsonl", name, sizeof name));
    assert_string_equal(name, "journal");
    assert_true(eo_sites_name_of("berlin", name, sizeof name));
    assert_string_equal(name, "berlin");
    assert_true(eo_sites_name_of("dir/rome.jsonl/", name, sizeof name));
    assert_string_equal(name, "rome");
    assert_false(eo_sites_name_of("my site.jsonl", name, sizeof name));
    assert_false(eo_sites_name_of("x/.jsonl", name, sizeof name));
    assert_false(eo_sites_name_of("", name, sizeof name));
    assert_false(eo_sites_name_of("caf\xc3\xa9.jsonl", name, sizeof name));
    assert_false(eo_sites_name_of("a\033[2J.jsonl", name, sizeof name));
    char longer[100];
    memset(longer, 'a', 80);
    snprintf(longer + 80, sizeof longer - 80, ".jsonl");
    assert_false(eo_sites_name_of(longer, name, sizeof name));
}

static void test_arguments(void **state)
{
    (void)state;
    char name[EO_SITES_NAME_MAX];
    const char *path;
    eo_sites_split_argument("paris=ci/j.jsonl", name, &path);
    assert_string_equal(name, "paris");
    assert_string_equal(path, "ci/j.jsonl");
    eo_sites_split_argument("a=b=c", name, &path);
    assert_string_equal(name, "a");
    assert_string_equal(path, "b=c");
    eo_sites_split_argument("./x=y.jsonl", name, &path); /* not a name: a path */
    assert_string_equal(name, "");
    assert_string_equal(path, "./x=y.jsonl");
    eo_sites_split_argument("=y.jsonl", name, &path);
    assert_string_equal(name, "");
    assert_string_equal(path, "=y.jsonl");
    eo_sites_split_argument("site-a.jsonl", name, &path);
    assert_string_equal(name, "");
    assert_string_equal(path, "site-a.jsonl");
    assert_true(eo_sites_name_valid("site_b-2.east"));
    assert_false(eo_sites_name_valid("-rf"));
    assert_false(eo_sites_name_valid(".hidden"));
    assert_false(eo_sites_name_valid("a/b"));
}

/* ---- merging ------------------------------------------------------------------------------ */

static void test_same_name_two_sites(void **state)
{
    (void)state;
    struct text a = {0}, b = {0};
    run_started(&a, RUN1);
    upgrade(&a, "kitchen", "two-step", "ok", NULL);
    upgrade(&a, "hall", "one-step", "ok", NULL);
    run_done(&a, "ok");
    run_started(&b, RUN1);
    upgrade(&b, "kitchen", "one-step", "auth", "kitchen: the device rejected the password");
    run_done(&b, "some_failed");

    struct eo_sites sites;
    eo_sites_init(&sites);
    add_ok(&sites, NULL, "ci/site-a.jsonl", &a);
    add_ok(&sites, "site-b", "journal.jsonl", &b);
    assert_int_equal(sites.count, 2);
    assert_string_equal(sites.items[0].name, "site-a");
    assert_string_equal(sites.items[0].journal, "ci/site-a.jsonl");
    assert_string_equal(sites.items[1].name, "site-b");

    struct eo_sites_verdict v = judged(&sites.items[0], "kitchen");
    assert_int_equal(v.state, EO_BATCH_DONE);
    assert_int_equal(v.status, EO_OK);
    assert_string_equal(v.message, "");
    v = judged(&sites.items[1], "kitchen");
    assert_int_equal(v.state, EO_BATCH_FAILED);
    assert_int_equal(v.status, EO_ERR_AUTH);
    assert_string_equal(v.message, "kitchen: the device rejected the password");

    const struct eo_journal_device *k = device_of(&sites.items[0], "kitchen");
    assert_string_equal(k->from, "1.14.1");
    assert_string_equal(k->version, "1.15.0");
    assert_string_equal(k->route, "two-step");
    assert_true(k->seconds == 12.5);
    assert_string_equal(k->where, "kitchen runs 1.15.0");

    struct eo_batch_summary summary;
    eo_sites_summarize(&sites, &summary);
    assert_int_equal(summary.count[EO_BATCH_DONE], 2);
    assert_int_equal(summary.count[EO_BATCH_FAILED], 1);
    assert_int_equal(sites.items[0].count[EO_BATCH_DONE], 2);
    assert_int_equal(sites.items[1].count[EO_BATCH_FAILED], 1);
    assert_false(summary.aborted);
    assert_int_equal(eo_batch_exit_status(&summary), EO_ERR_SOME_FAILED);
    eo_sites_release(&sites);
}

/* Run 1 fails one device and is killed with another on its core image; run 2 resumes: the
 * stranded one gets its second step, the failed one succeeds, a third was done in run 1 and not
 * touched again (batch skipped it). The latest outcome of each wins. */
static void test_resumed_runs(void **state)
{
    (void)state;
    struct text t = {0};
    run_started(&t, RUN1);
    upgrade(&t, "alpha", "one-step", "unreachable", "alpha: no answer");
    started(&t, "bravo");
    plan(&t, "bravo", "two-step", 2);
    step(&t, "bravo", 1, 2, "core", "ok");
    upgrade(&t, "charlie", "two-step", "ok", NULL);
    step(&t, "bravo", 2, 2, "target", NULL); /* killed during it */

    struct eo_sites sites;
    eo_sites_init(&sites);
    add_ok(&sites, "east", "east.jsonl", &t);
    const struct eo_sites_site *east = &sites.items[0];
    assert_int_equal(east->last_run, EO_SITES_RUN_OPEN);
    struct eo_sites_verdict v = judged(east, "bravo");
    assert_int_equal(v.state, EO_BATCH_FAILED);
    assert_int_equal(v.status, EO_ERR_UNKNOWN);
    assert_string_equal(v.message, "its run ended during step 2 of 2 (no end in the journal): it "
                                   "may run either image; run batch again");
    struct eo_batch_summary summary;
    eo_sites_summarize(&sites, &summary);
    assert_true(summary.aborted); /* devices it had not reached are in no journal */
    assert_int_equal(eo_batch_exit_status(&summary), EO_ERR_ABORTED);
    eo_sites_release(&sites);

    run_started(&t, RUN2);
    started(&t, "bravo");
    plan(&t, "bravo", "one-step", 1);
    step(&t, "bravo", 1, 1, "target", "ok");
    device_done(&t, "bravo", "ok", NULL);
    upgrade(&t, "alpha", "one-step", "ok", NULL);
    run_done(&t, "ok");
    eo_sites_init(&sites);
    add_ok(&sites, "east", "east.jsonl", &t);
    east = &sites.items[0];
    assert_int_equal(east->state.runs, 2);
    assert_int_equal(east->last_run, EO_SITES_RUN_FINISHED);
    assert_int_equal(east->state.count, 3);
    const char *devices[] = {"alpha", "bravo", "charlie"};
    const char *runs[] = {RUN2, RUN2, RUN1};
    for (size_t i = 0; i < 3; i++) {
        v = judged(east, devices[i]);
        assert_int_equal(v.state, EO_BATCH_DONE);
        assert_string_equal(device_of(east, devices[i])->run, runs[i]);
    }
    assert_null(device_of(east, "alpha")->error); /* run 1's failure is forgotten */
    assert_string_equal(device_of(east, "bravo")->route, "one-step");
    eo_sites_summarize(&sites, &summary);
    assert_int_equal(summary.count[EO_BATCH_DONE], 3);
    assert_int_equal(eo_batch_exit_status(&summary), EO_OK);
    eo_sites_release(&sites);
}

static void test_standings_judged(void **state)
{
    (void)state;
    struct text t = {0};
    run_started(&t, RUN1);
    upgrade(&t, "same", "up-to-date", "ok", NULL);
    started(&t, "stranded");
    plan(&t, "stranded", "two-step", 2);
    step(&t, "stranded", 1, 2, "core", "ok");
    step(&t, "stranded", 2, 2, "target", "transfer");
    device_done(&t, "stranded", "transfer", "stranded: dropped at 50 %");
    started(&t, "waiting"); /* interrupted before any step, its end says so */
    device_done(&t, "waiting", "interrupted", NULL);
    started(&t, "begun");  /* no end at all */
    started(&t, "vetoed"); /* its --hook before said no: skipped, as batch has it */
    device_done(&t, "vetoed", "hook_skipped", "vetoed: the hook before said no (exit 3)");
    started(&t, "regretted"); /* its --hook after said no: failed */
    device_done(&t, "regretted", "hook_failed", NULL);
    run_done(&t, "interrupted");

    struct eo_sites sites;
    eo_sites_init(&sites);
    add_ok(&sites, "north", "north.jsonl", &t);
    const struct eo_sites_site *north = &sites.items[0];
    struct eo_sites_verdict v = judged(north, "same");
    assert_int_equal(v.state, EO_BATCH_UP_TO_DATE);
    v = judged(north, "stranded");
    assert_int_equal(device_of(north, "stranded")->standing, EO_JOURNAL_ON_CORE);
    assert_int_equal(v.state, EO_BATCH_FAILED);
    assert_int_equal(v.status, EO_ERR_TRANSFER);
    assert_string_equal(v.message, "stranded: dropped at 50 %");
    v = judged(north, "waiting");
    assert_int_equal(v.status, EO_ERR_INTERRUPTED);
    assert_string_equal(v.message, "a signal ended the run"); /* the status's meaning */
    v = judged(north, "begun");
    assert_int_equal(v.status, EO_ERR_UNKNOWN);
    assert_string_equal(v.message, "its run ended before its upgrade did (no end in the "
                                   "journal); run batch again");
    v = judged(north, "vetoed");
    assert_int_equal(v.state, EO_BATCH_SKIPPED);
    assert_int_equal(v.status, EO_ERR_HOOK_SKIPPED);
    assert_string_equal(v.message, "vetoed: the hook before said no (exit 3)");
    v = judged(north, "regretted");
    assert_int_equal(v.state, EO_BATCH_FAILED);
    assert_int_equal(v.status, EO_ERR_HOOK_FAILED);
    assert_int_equal(north->last_run, EO_SITES_RUN_STOPPED);
    struct eo_batch_summary summary;
    eo_sites_summarize(&sites, &summary);
    assert_int_equal(summary.count[EO_BATCH_UP_TO_DATE], 1);
    assert_int_equal(summary.count[EO_BATCH_FAILED], 4);
    assert_int_equal(summary.count[EO_BATCH_SKIPPED], 1);
    assert_true(summary.aborted);
    eo_sites_release(&sites);
}

static void test_exit_statuses(void **state)
{
    (void)state;
    struct text t = {0};
    run_started(&t, RUN1);
    upgrade(&t, "same", "up-to-date", "ok", NULL);
    run_done(&t, "nothing_to_do");
    struct text empty = {0}; /* a site with no journal line: nothing to say, nothing wrong */
    struct text offline = {0};
    run_started(&offline, RUN1); /* every device offline: the journal names none */
    run_done(&offline, "nothing_to_do");

    struct eo_sites sites;
    eo_sites_init(&sites);
    add_ok(&sites, "a", "a.jsonl", &t);
    add_ok(&sites, "b", "b.jsonl", &empty);
    add_ok(&sites, "c", "c.jsonl", &offline);
    assert_int_equal(sites.items[1].last_run, EO_SITES_RUN_NONE);
    assert_int_equal(sites.items[2].last_run, EO_SITES_RUN_FINISHED);
    struct eo_batch_summary summary;
    eo_sites_summarize(&sites, &summary);
    assert_int_equal(eo_batch_exit_status(&summary), EO_NOTHING_TO_DO);
    eo_sites_release(&sites);

    struct text done = {0};
    run_started(&done, RUN1);
    upgrade(&done, "x", "gzip-one-step", "ok", NULL);
    upgrade(&done, "y", "up-to-date", "ok", NULL);
    run_done(&done, "ok");
    eo_sites_init(&sites);
    add_ok(&sites, "d", "d.jsonl", &done);
    eo_sites_summarize(&sites, &summary);
    assert_int_equal(eo_batch_exit_status(&summary), EO_OK);
    eo_sites_release(&sites);
}

/* ---- refused ------------------------------------------------------------------------------ */

static void test_bad_input(void **state)
{
    (void)state;
    struct text t = {0};
    run_started(&t, RUN1);
    upgrade(&t, "alpha", "one-step", "ok", NULL);
    run_done(&t, "ok");
    struct eo_sites sites;
    eo_sites_init(&sites);
    add_ok(&sites, NULL, "site-a.jsonl", &t);

    struct eo_error err;
    assert_int_equal(eo_sites_add_text(&sites, NULL, "x/site-a.jsonl", t.buf, t.len, &err),
                     EO_ERR_USAGE);
    assert_string_equal(err.message, "site site-a: two journals (site-a.jsonl and "
                                     "x/site-a.jsonl): name each SITE=JOURNAL");
    assert_int_equal(eo_sites_add_text(&sites, "no way", "b.jsonl", t.buf, t.len, &err),
                     EO_ERR_USAGE);
    assert_string_equal(err.message,
                        "'no way' cannot name a site: use letters, digits, '.', '_' and '-'");
    assert_int_equal(eo_sites_add_text(&sites, NULL, "my site.jsonl", t.buf, t.len, &err),
                     EO_ERR_USAGE);
    assert_string_equal(err.message, "journal my site.jsonl: its file name cannot name a site: "
                                     "give SITE=my site.jsonl");

    /* a malformed line in the middle: FILE:LINE, and nothing of that journal is kept */
    struct text bad = t;
    bad.len += (size_t)snprintf(bad.buf + bad.len, sizeof bad.buf - bad.len,
                                "{\"run\":\"%s\",\"seq\":9,\"time\":\"t\",\"device\":\"b\","
                                "\"event\":\"plan\",\"steps\":-1}\n",
                                RUN1);
    run_started(&bad, RUN2);
    assert_int_equal(eo_sites_add_text(&sites, "b", "b.jsonl", bad.buf, bad.len, &err),
                     EO_ERR_INPUT);
    char expected[200];
    snprintf(expected, sizeof expected,
             "b.jsonl:%u: not a journal line (\"steps\" is not a non-negative integer)", t.seq + 1);
    assert_string_equal(err.message, expected);
    static const char not_json[] = "{\"run\":\n{}\n";
    assert_int_equal(eo_sites_add_text(&sites, "c", "c.jsonl", not_json, sizeof not_json - 1, &err),
                     EO_ERR_INPUT);
    static const char prefix[] = "c.jsonl:1: not a journal line (not JSON: "; /* jansson's */
    assert_memory_equal(err.message, prefix, sizeof prefix - 1);
    assert_int_equal(sites.count, 1);

    assert_int_equal(eo_sites_add_file(&sites, "d", "/nonexistent/d.jsonl", &err), EO_ERR_FILE);
    assert_string_equal(err.message, "journal /nonexistent/d.jsonl: No such file or directory");
    assert_int_equal(eo_sites_add_file(&sites, "e", "/", &err), EO_ERR_FILE);
    assert_int_equal(sites.count, 1);
    eo_sites_release(&sites);
}

/* A torn last line (a run killed writing it) is ignored, as by batch's resume. */
static void test_torn_last_line(void **state)
{
    (void)state;
    struct text t = {0};
    run_started(&t, RUN1);
    upgrade(&t, "alpha", "one-step", "ok", NULL);
    t.len += (size_t)snprintf(t.buf + t.len, sizeof t.buf - t.len, "{\"run\":\"%s\",\"se", RUN1);
    struct eo_sites sites;
    eo_sites_init(&sites);
    add_ok(&sites, "a", "a.jsonl", &t);
    assert_true(sites.items[0].state.torn);
    assert_int_equal(judged(&sites.items[0], "alpha").state, EO_BATCH_DONE);
    assert_int_equal(sites.items[0].last_run, EO_SITES_RUN_OPEN);
    eo_sites_release(&sites);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_of_files),      cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_same_name_two_sites), cmocka_unit_test(test_resumed_runs),
        cmocka_unit_test(test_standings_judged),    cmocka_unit_test(test_exit_statuses),
        cmocka_unit_test(test_bad_input),           cmocka_unit_test(test_torn_last_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
