/* report_junit.c — the JUnit XML report (report_junit.h): cases kept as copies while a batch
 * runs, then one <testsuites><testsuite> document written to FILE.tmp and renamed over FILE. The
 * escaper decodes UTF-8 by hand so the file is ASCII: markup characters as entities, non-ASCII
 * as numeric references, invalid bytes as U+FFFD, control characters dropped. */
#include "espurna-ota/report_junit.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct junit_case {
    char *device, *status_name, *message, *detail, *system_out, *suite;
    double seconds;
    enum eo_junit_outcome outcome;
};

struct eo_junit {
    struct junit_case *cases;
    size_t count, cap;
    double suite_s;
    bool suite_s_set;
    bool lost; /* a case was lost to a lack of memory */
};

/* How text is escaped: element content keeps tabs and line breaks; attributes are one line. */
enum escape_mode { ESCAPE_TEXT, ESCAPE_ATTR };

/* ---- UTF-8 and escaping ---- */

static bool continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Length of a valid multi-byte sequence at s (lead byte >= 0x80) and its code point; 0 when
 * invalid (overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t utf8_sequence(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c >= 0xC2 && c <= 0xDF && continuation(s[1])) {
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    if (c >= 0xE0 && c <= 0xEF && s[1] >= lo && s[1] <= hi && continuation(s[2])) {
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
    if (c >= 0xF0 && c <= 0xF4 && s[1] >= lo && s[1] <= hi && continuation(s[2]) &&
        continuation(s[3])) {
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
              ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    return 0;
}

/* C0 and C1 controls and DEL, which XML either forbids or makes unreadable. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static void put_ascii(FILE *out, unsigned char c, enum escape_mode mode)
{
    switch (c) {
    case '&': fputs("&amp;", out); return;
    case '<': fputs("&lt;", out); return;
    case '>': fputs("&gt;", out); return;
    case '"': fputs("&quot;", out); return;
    case '\'': fputs("&apos;", out); return;
    case '\t':
    case '\n': fputc(mode == ESCAPE_ATTR ? ' ' : c, out); return;
    default:
        if (!is_control(c))
            fputc(c, out);
    }
}

static void put_code_point(FILE *out, uint32_t cp)
{
    if (is_control(cp))
        return;
    if (cp == 0xFFFE || cp == 0xFFFF) /* not XML characters */
        cp = 0xFFFD;
    fprintf(out, "&#x%X;", (unsigned)cp);
}

static void put_escaped(FILE *out, const char *text, enum escape_mode mode)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    while (*s) {
        if (*s < 0x80) {
            put_ascii(out, *s++, mode);
            continue;
        }
        uint32_t cp = 0xFFFD;
        size_t n = utf8_sequence(s, &cp);
        put_code_point(out, n ? cp : 0xFFFD);
        s += n ? n : 1;
    }
}

/* ---- the builder ---- */

struct eo_junit *eo_junit_new(void)
{
    return calloc(1, sizeof(struct eo_junit));
}

static char *copy(const char *text, bool *failed)
{
    if (!text)
        return NULL;
    char *dup = strdup(text);
    if (!dup)
        *failed = true;
    return dup;
}

static void case_free(struct junit_case *c)
{
    free(c->device);
    free(c->status_name);
    free(c->message);
    free(c->detail);
    free(c->system_out);
    free(c->suite);
}

static bool grow(struct eo_junit *junit)
{
    if (junit->count < junit->cap)
        return true;
    size_t cap = junit->cap ? junit->cap * 2 : 16;
    struct junit_case *grown = realloc(junit->cases, cap * sizeof *grown);
    if (!grown)
        return false;
    junit->cases = grown;
    junit->cap = cap;
    return true;
}

void eo_junit_add(struct eo_junit *junit, const struct eo_junit_case *tc)
{
    if (!junit || !tc)
        return;
    bool failed = !grow(junit);
    if (failed) {
        junit->lost = true;
        return;
    }
    struct junit_case c = {
        .device = copy(tc->device, &failed),
        .status_name = copy(tc->status_name, &failed),
        .message = copy(tc->message, &failed),
        .detail = copy(tc->detail, &failed),
        .system_out = copy(tc->system_out, &failed),
        .suite = copy(tc->suite, &failed),
        .seconds = isfinite(tc->seconds) && tc->seconds > 0 ? tc->seconds : 0.0,
        .outcome = tc->outcome,
    };
    if (failed) {
        case_free(&c);
        junit->lost = true;
        return;
    }
    junit->cases[junit->count++] = c;
}

void eo_junit_set_time(struct eo_junit *junit, double seconds)
{
    junit->suite_s = isfinite(seconds) && seconds > 0 ? seconds : 0.0;
    junit->suite_s_set = true;
}

size_t eo_junit_count(const struct eo_junit *junit)
{
    return junit ? junit->count : 0;
}

void eo_junit_free(struct eo_junit *junit)
{
    if (!junit)
        return;
    for (size_t i = 0; i < junit->count; i++)
        case_free(&junit->cases[i]);
    free(junit->cases);
    free(junit);
}

/* ---- writing ---- */

struct totals {
    size_t tests, failures, skipped;
    double seconds;
};

#define DEFAULT_SUITE "espurna-ota batch" /* of cases without a suite */

static bool same_suite(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether case `index` is the first of its suite. */
static bool opens_suite(const struct eo_junit *junit, size_t index)
{
    for (size_t i = 0; i < index; i++)
        if (same_suite(junit->cases[i].suite, junit->cases[index].suite))
            return false;
    return true;
}

/* The totals of one suite's cases; its time is the sum of theirs, or the run's wall time for the
 * suite of cases without one when it was set. */
static struct totals suite_totals(const struct eo_junit *junit, const char *suite)
{
    struct totals t = {0, 0, 0, 0.0};
    for (size_t i = 0; i < junit->count; i++) {
        if (!same_suite(junit->cases[i].suite, suite))
            continue;
        t.tests++;
        t.failures += junit->cases[i].outcome == EO_JUNIT_FAILED;
        t.skipped += junit->cases[i].outcome == EO_JUNIT_SKIPPED;
        t.seconds += junit->cases[i].seconds;
    }
    if (!suite && junit->suite_s_set)
        t.seconds = junit->suite_s;
    return t;
}

/* The totals of every suite. */
static struct totals totals_of(const struct eo_junit *junit)
{
    struct totals t = junit->count ? (struct totals){0, 0, 0, 0.0} : suite_totals(junit, NULL);
    for (size_t i = 0; i < junit->count; i++) {
        if (!opens_suite(junit, i))
            continue;
        struct totals suite = suite_totals(junit, junit->cases[i].suite);
        t.tests += suite.tests;
        t.failures += suite.failures;
        t.skipped += suite.skipped;
        t.seconds += suite.seconds;
    }
    return t;
}

/* ` tests="3" failures="1" skipped="1" errors="0" time="12.345"` */
static void put_counts(FILE *out, const struct totals *t)
{
    fprintf(out, " tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" errors=\"0\" time=\"%.3f\"",
            t->tests, t->failures, t->skipped, t->seconds);
}

static void put_failure(FILE *out, const struct junit_case *c)
{
    fputs("      <failure message=\"", out);
    put_escaped(out, c->message, ESCAPE_ATTR);
    fputs("\" type=\"", out);
    put_escaped(out, c->status_name ? c->status_name : "failed", ESCAPE_ATTR);
    fputs("\">", out);
    put_escaped(out, c->detail ? c->detail : c->message, ESCAPE_TEXT);
    fputs("</failure>\n", out);
}

static void put_skipped(FILE *out, const struct junit_case *c)
{
    fputs("      <skipped", out);
    if (c->message) {
        fputs(" message=\"", out);
        put_escaped(out, c->message, ESCAPE_ATTR);
        fputc('"', out);
    }
    fputs("/>\n", out);
}

static void put_case(FILE *out, const struct junit_case *c)
{
    /* CI systems tell cases apart by class and name: a site's suite is in its class */
    fputs("    <testcase classname=\"espurna-ota.upgrade", out);
    if (c->suite) {
        fputc('.', out);
        put_escaped(out, c->suite, ESCAPE_ATTR);
    }
    fputs("\" name=\"", out);
    put_escaped(out, c->device, ESCAPE_ATTR);
    fprintf(out, "\" time=\"%.3f\">\n", c->seconds);
    if (c->outcome == EO_JUNIT_FAILED)
        put_failure(out, c);
    else if (c->outcome == EO_JUNIT_SKIPPED)
        put_skipped(out, c);
    if (c->system_out && c->system_out[0]) {
        fputs("      <system-out>", out);
        put_escaped(out, c->system_out, ESCAPE_TEXT);
        fputs("</system-out>\n", out);
    }
    fputs("    </testcase>\n", out);
}

/* One <testsuite> with its cases. */
static void put_suite(FILE *out, const struct eo_junit *junit, const char *suite)
{
    struct totals t = suite_totals(junit, suite);
    fputs("  <testsuite name=\"", out);
    put_escaped(out, suite ? suite : DEFAULT_SUITE, ESCAPE_ATTR);
    fputc('"', out);
    put_counts(out, &t);
    fputs(">\n", out);
    for (size_t i = 0; i < junit->count; i++)
        if (same_suite(junit->cases[i].suite, suite))
            put_case(out, &junit->cases[i]);
    fputs("  </testsuite>\n", out);
}

static void put_report(FILE *out, const struct eo_junit *junit)
{
    struct totals t = totals_of(junit);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"espurna-ota\"", out);
    put_counts(out, &t);
    fputs(">\n", out);
    if (junit->count == 0)
        put_suite(out, junit, NULL);
    for (size_t i = 0; i < junit->count; i++)
        if (opens_suite(junit, i))
            put_suite(out, junit, junit->cases[i].suite);
    fputs("</testsuites>\n", out);
}

/* Writes the report into the open file and closes it; errno of the first failure, or 0. */
static int write_and_close(FILE *out, const struct eo_junit *junit)
{
    errno = 0;
    put_report(out, junit);
    int failure = 0;
    if (ferror(out) || fflush(out) == EOF || fsync(fileno(out)) != 0)
        failure = errno ? errno : EIO;
    if (fclose(out) == EOF && !failure)
        failure = errno ? errno : EIO;
    return failure;
}

enum eo_status eo_junit_write(const struct eo_junit *junit, const char *path, struct eo_error *err)
{
    if (!junit || !path)
        return eo_error_set(err, EO_ERR_INTERNAL, "junit report: nothing to write");
    if (junit->lost)
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: a test case was lost (out of memory)", path);
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp", path) < 0)
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: out of memory", path);
    FILE *out = fopen(tmp, "w");
    int failure = out ? write_and_close(out, junit) : errno;
    if (!failure && rename(tmp, path) != 0)
        failure = errno;
    if (failure && out)
        unlink(tmp);
    enum eo_status status = EO_OK;
    if (failure)
        status = eo_error_set(err, EO_ERR_FILE, "%s: %s", out ? path : tmp, strerror(failure));
    free(tmp);
    return status;
}
