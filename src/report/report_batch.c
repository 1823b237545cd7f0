/* report_batch.c — the human event sink of `batch`: devices run in parallel, so every line is
 * one whole line prefixed with its device ("[ESPURNA-1A2B3C] step 1/2 push: ..."), written
 * under a lock. Progress is what the device confirmed: without a terminal, a line at 25, 50, 75
 * and 100 %; live on a terminal, a summary kept below the lines (erased, the line written, drawn
 * again): a bar over the fleet with its counts, then a bar per running device. The table that
 * ends a batch is here too. */
#include "espurna-ota/report.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define FLEET_BAR_WIDTH 24
#define DEVICE_BAR_WIDTH 20
#define LABEL_WIDTH 24
#define RUNNING_SHOWN 8       /* running devices with a line of their own */
#define REDRAW_INTERVAL_S 0.2 /* progress redraws the summary at most this often */
#define LINE_MAX_BYTES 640

/* Where a device stands, as the summary counts it. */
enum standing { WAITING, RUNNING, DONE, FAILED, OFFLINE, SKIPPED, STANDING_COUNT };

struct device_view {
    const char *device;
    enum standing standing;
    unsigned step, steps, quarter; /* quarter: the last 25 % line printed for this step */
    enum eo_phase phase;
    bool phase_known;
    uint64_t done, total;
    double rate, phase_started_s;
};

struct eo_report_batch {
    pthread_mutex_t lock;
    struct eo_report_batch_options options;
    struct device_view *views;
    size_t count, cap;
    double started_s, drawn_s;
    unsigned footer_lines; /* lines of the summary on screen below the cursor's line */
};

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(const struct eo_report_batch *report)
{
    return report->options.now_s ? report->options.now_s() : monotonic_s();
}

/* ---- per device ------------------------------------------------------------------------------ */

static struct device_view *view_of(struct eo_report_batch *report, const char *device)
{
    for (size_t i = 0; i < report->count; i++)
        if (strcmp(report->views[i].device, device) == 0)
            return &report->views[i];
    if (report->count == report->cap) {
        size_t cap = report->cap ? report->cap * 2 : 16;
        struct device_view *grown = realloc(report->views, cap * sizeof *grown);
        if (!grown)
            return NULL;
        report->views = grown;
        report->cap = cap;
    }
    struct device_view *view = &report->views[report->count++];
    *view = (struct device_view){.device = device};
    return view;
}

/* "done", "up-to-date", "planned" and "finished-earlier" all count as done. */
static enum standing standing_of(const char *state)
{
    static const struct {
        const char *name;
        enum standing standing;
    } table[] = {
        {"running", RUNNING}, {"failed", FAILED},   {"offline", OFFLINE},
        {"skipped", SKIPPED}, {"not-run", WAITING},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(state, table[i].name) == 0)
            return table[i].standing;
    return DONE;
}

static void follow(struct eo_report_batch *report, const struct eo_event *event)
{
    struct device_view *view = event->device ? view_of(report, event->device) : NULL;
    if (!view)
        return;
    if (event->step && event->steps && event->step != view->step) {
        view->step = event->step;
        view->steps = event->steps;
        view->quarter = 0;
    }
    switch (event->kind) {
    case EO_EVENT_PHASE:
        view->phase = event->phase;
        view->phase_known = true;
        view->phase_started_s = now_s(report);
        view->done = view->total = 0;
        break;
    case EO_EVENT_PROGRESS:
        view->done = event->done;
        view->total = event->total;
        view->rate = event->elapsed_s > 0 ? (double)event->done / event->elapsed_s : 0.0;
        break;
    case EO_EVENT_STANDING: view->standing = standing_of(event->text ? event->text : ""); break;
    default: break;
    }
}

/* ---- the summary ------------------------------------------------------------------------------
 */

static void bar(char *out, int width, uint64_t part, uint64_t whole)
{
    int filled = whole ? (int)((double)part / (double)whole * width) : 0;
    for (int i = 0; i < width; i++)
        out[i] = i < filled ? '#' : '-';
    out[width] = '\0';
}

static unsigned columns(const struct eo_report_batch *report)
{
    struct winsize size;
    if (report->options.columns)
        return report->options.columns;
    if (ioctl(fileno(report->options.stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    return 80;
}

/* One line of the summary, cut to the terminal's width so that it never wraps (the lines to
 * erase are counted). */
static void footer_line(struct eo_report_batch *report, const char *text, enum eo_tone tone)
{
    unsigned width = columns(report);
    int shown = (int)strlen(text);
    if (width > 1 && shown > (int)width - 1)
        shown = (int)width - 1;
    FILE *stream = report->options.stream;
    fprintf(stream, "%s%.*s%s\n", eo_out_tone_on(stream, tone), shown, text,
            eo_out_tone_off(stream, tone));
    report->footer_lines++;
}

static void fleet_line(struct eo_report_batch *report, bool final)
{
    unsigned counts[STANDING_COUNT] = {0};
    for (size_t i = 0; i < report->count; i++)
        counts[report->views[i].standing]++;
    size_t whole =
        report->options.devices > report->count ? report->options.devices : report->count;
    counts[WAITING] += (unsigned)(whole - report->count);
    size_t ended = counts[DONE] + counts[FAILED] + counts[OFFLINE] + counts[SKIPPED];
    char fleet[FLEET_BAR_WIDTH + 1], text[LINE_MAX_BYTES];
    bar(fleet, FLEET_BAR_WIDTH, ended, whole);
    unsigned elapsed = (unsigned)(now_s(report) - report->started_s);
    snprintf(text, sizeof text,
             "fleet [%s] %zu/%zu  done %u  running %u  failed %u  offline %u  skipped %u  "
             "%s %u  %um%02us",
             fleet, ended, whole, counts[DONE], counts[RUNNING], counts[FAILED], counts[OFFLINE],
             counts[SKIPPED], final ? "not run" : "waiting", counts[WAITING], elapsed / 60,
             elapsed % 60);
    /* the last state of the fleet, coloured by how it ended */
    enum eo_tone tone = !final            ? EO_TONE_PLAIN
                        : counts[FAILED]  ? EO_TONE_BAD
                        : counts[WAITING] ? EO_TONE_WARN
                                          : EO_TONE_GOOD;
    footer_line(report, text, tone);
}

static void device_line(struct eo_report_batch *report, const struct device_view *view)
{
    char text[LINE_MAX_BYTES], where[64] = "", progress[96] = "";
    if (view->step && view->steps)
        snprintf(where, sizeof where, "step %u/%u ", view->step, view->steps);
    const char *phase = view->phase_known ? eo_phase_name(view->phase) : "starting";
    if (view->phase_known && view->phase == EO_PHASE_PUSH && view->total) {
        char device_bar[DEVICE_BAR_WIDTH + 1];
        bar(device_bar, DEVICE_BAR_WIDTH, view->done, view->total);
        snprintf(progress, sizeof progress, "[%s] %3u%%  %.1f KiB/s", device_bar,
                 (unsigned)(view->done * 100 / view->total), view->rate / 1024.0);
    } else if (view->phase_known) {
        snprintf(progress, sizeof progress, "%.0f s", now_s(report) - view->phase_started_s);
    }
    snprintf(text, sizeof text, "  %-*.*s %s%-7s %s", LABEL_WIDTH, LABEL_WIDTH, view->device, where,
             phase, progress);
    footer_line(report, text, EO_TONE_PLAIN);
}

static void draw(struct eo_report_batch *report)
{
    fleet_line(report, false);
    unsigned shown = 0, running = 0;
    for (size_t i = 0; i < report->count; i++) {
        if (report->views[i].standing != RUNNING)
            continue;
        if (shown < RUNNING_SHOWN) {
            device_line(report, &report->views[i]);
            shown++;
        }
        running++;
    }
    if (running > shown) {
        char text[64];
        snprintf(text, sizeof text, "  ... and %u more running", running - shown);
        footer_line(report, text, EO_TONE_PLAIN);
    }
    fflush(report->options.stream);
    report->drawn_s = now_s(report);
}

static void erase(struct eo_report_batch *report)
{
    if (report->footer_lines)
        fprintf(report->options.stream, "\033[%uA\r\033[J", report->footer_lines);
    report->footer_lines = 0;
}

/* ---- lines ----------------------------------------------------------------------------------- */

static void prefix(const struct eo_event *event, char *out, size_t cap)
{
    if (event->step && event->steps)
        snprintf(out, cap, "[%s] step %u/%u", event->device ? event->device : "?", event->step,
                 event->steps);
    else
        snprintf(out, cap, "[%s]", event->device ? event->device : "?");
}

/* The 25 % line a progress event crosses, false when none (each quarter once per step). */
static bool quarter_line(struct eo_report_batch *report, const struct eo_event *event,
                         const char *head, char *line, size_t cap)
{
    struct device_view *view = event->device ? view_of(report, event->device) : NULL;
    unsigned quarter = event->total ? (unsigned)(event->done * 4 / event->total) : 0;
    if (!view || quarter == 0 || quarter <= view->quarter)
        return false;
    view->quarter = quarter;
    double rate = event->elapsed_s > 0 ? (double)event->done / event->elapsed_s / 1024.0 : 0.0;
    snprintf(line, cap, "%s %u%% (%llu of %llu bytes, %.1f s, %.1f KiB/s)", head, quarter * 25,
             (unsigned long long)event->done, (unsigned long long)event->total, event->elapsed_s,
             rate);
    return true;
}

/* The line an event makes, false when it makes none. */
static bool line_of(struct eo_report_batch *report, const struct eo_event *event, char *line,
                    size_t cap)
{
    char head[320];
    prefix(event, head, sizeof head);
    const char *text = event->text ? event->text : "";
    switch (event->kind) {
    case EO_EVENT_PROGRESS:
        return !report->options.live && quarter_line(report, event, head, line, cap);
    case EO_EVENT_PHASE:
        snprintf(line, cap, "%s %s: %s", head, eo_phase_name(event->phase), text);
        return true;
    case EO_EVENT_NOTE: snprintf(line, cap, "%s %s", head, text); return true;
    case EO_EVENT_STEP_RESULT:
        snprintf(line, cap, "%s %s in %.1f s: %s", head,
                 event->status == EO_OK ? "done" : eo_status_name(event->status), event->elapsed_s,
                 text);
        return true;
    case EO_EVENT_DEVICE_RESULT:
        snprintf(line, cap, "%s %s after %.1f s: %s", head,
                 event->status == EO_OK ? "finished" : eo_status_name(event->status),
                 event->elapsed_s, text);
        return true;
    case EO_EVENT_HOOK_RESULT: snprintf(line, cap, "%s hook %s", head, text); return true;
    case EO_EVENT_STANDING: return false;
    }
    return false;
}

static void render_locked(struct eo_report_batch *report, const struct eo_event *event)
{
    char line[LINE_MAX_BYTES];
    follow(report, event);
    bool has_line = line_of(report, event, line, sizeof line);
    if (!report->options.live) {
        if (has_line)
            fprintf(report->options.stream, "espurna-ota: %s\n", line);
        return;
    }
    bool due = event->kind != EO_EVENT_PROGRESS || has_line ||
               now_s(report) - report->drawn_s >= REDRAW_INTERVAL_S;
    if (!due)
        return;
    erase(report);
    if (has_line)
        fprintf(report->options.stream, "espurna-ota: %s\n", line);
    draw(report);
}

static void render(void *ctx, const struct eo_event *event)
{
    struct eo_report_batch *report = ctx;
    if (report->options.quiet)
        return;
    pthread_mutex_lock(&report->lock);
    render_locked(report, event);
    pthread_mutex_unlock(&report->lock);
}

/* ---- life -------------------------------------------------------------------------------------
 */

struct eo_report_batch *eo_report_batch_new(const struct eo_report_batch_options *options)
{
    struct eo_report_batch *report = calloc(1, sizeof *report);
    if (!report)
        return NULL;
    if (pthread_mutex_init(&report->lock, NULL) != 0) {
        free(report);
        return NULL;
    }
    report->options = *options;
    if (!report->options.stream)
        report->options.stream = stderr;
    report->started_s = now_s(report);
    return report;
}

struct eo_events eo_report_batch_sink(struct eo_report_batch *report)
{
    return (struct eo_events){.emit = report ? render : NULL, .ctx = report};
}

void eo_report_batch_free(struct eo_report_batch *report)
{
    if (!report)
        return;
    if (report->options.live && !report->options.quiet) {
        erase(report);
        fleet_line(report, true);
        fflush(report->options.stream);
    }
    pthread_mutex_destroy(&report->lock);
    free(report->views);
    free(report);
}

/* ---- the table --------------------------------------------------------------------------------
 */

static const char *or_dash(const char *text)
{
    return text && text[0] ? text : "-";
}

static bool any_site(const struct eo_report_row *rows, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (rows[i].site)
            return true;
    return false;
}

/* The tone of an outcome in the table: how it ended for the device. */
static enum eo_tone outcome_tone(const char *outcome)
{
    static const struct {
        const char *outcome;
        enum eo_tone tone;
    } tones[] = {
        {"done", EO_TONE_GOOD},    {"up-to-date", EO_TONE_GOOD}, {"finished-earlier", EO_TONE_GOOD},
        {"failed", EO_TONE_BAD},   {"offline", EO_TONE_WARN},    {"skipped", EO_TONE_WARN},
        {"not-run", EO_TONE_WARN},
    };
    for (size_t i = 0; outcome && i < sizeof tones / sizeof tones[0]; i++)
        if (strcmp(outcome, tones[i].outcome) == 0)
            return tones[i].tone;
    return EO_TONE_PLAIN;
}

void eo_report_table(const struct eo_report_row *rows, size_t count)
{
    bool sites = any_site(rows, count);
    if (sites)
        printf("%-16s ", "SITE");
    printf("%-24s %-38s %-38s %-14s %4s %7s  %s\n", "DEVICE", "FROM", "TO", "ROUTE", "WAVE", "TIME",
           "OUTCOME");
    for (size_t i = 0; i < count; i++) {
        const struct eo_report_row *row = &rows[i];
        bool why = row->message && row->message[0];
        char wave[16] = "-";
        if (row->wave)
            snprintf(wave, sizeof wave, "%u", row->wave);
        if (sites)
            printf("%-16.16s ", or_dash(row->site));
        enum eo_tone tone = outcome_tone(row->outcome);
        printf("%-24.24s %-38.38s %-38.38s %-14s %4s %6.1fs  %s%s%s%s%s\n", or_dash(row->device),
               or_dash(row->from), or_dash(row->to), or_dash(row->route), wave, row->seconds,
               eo_out_tone_on(stdout, tone), or_dash(row->outcome), eo_out_tone_off(stdout, tone),
               why ? ": " : "", why ? row->message : "");
    }
}
