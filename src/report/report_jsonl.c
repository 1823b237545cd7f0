/* report_jsonl.c — the JSON Lines event sink (report_jsonl.h): one compact ASCII JSON object per
 * event, numbered and stamped under a mutex and flushed line by line; progress thinned per
 * device to one line a second plus the 100 % one. */
#include "espurna-ota/report_jsonl.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "espurna-ota/hook.h"
#include "espurna-ota/output.h"

/* When a device's last progress line was written. */
struct pace {
    char *device;
    double last_s;
};

struct eo_report_jsonl {
    FILE *out;
    pthread_mutex_t lock;
    uint64_t seq;
    double (*now_s)(void *ctx);
    void *clock_ctx;
    struct pace *paces;
    size_t pace_count, pace_cap;
    int write_errno; /* first failed write, 0 when none */
};

static double monotonic_s(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const kind_names[] = {
    [EO_EVENT_PHASE] = "phase",
    [EO_EVENT_PROGRESS] = "progress",
    [EO_EVENT_NOTE] = "note",
    [EO_EVENT_STEP_RESULT] = "step-result",
    [EO_EVENT_DEVICE_RESULT] = "device-result",
    [EO_EVENT_STANDING] = "state",
    [EO_EVENT_HOOK_RESULT] = "hook-result",
};

static const char *kind_name(enum eo_event_kind kind)
{
    return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "unknown";
}

/* The pacing record of a device, added on first sight; NULL when out of memory. */
static struct pace *pace_of(struct eo_report_jsonl *w, const char *device)
{
    for (size_t i = 0; i < w->pace_count; i++)
        if (strcmp(w->paces[i].device, device) == 0)
            return &w->paces[i];
    if (w->pace_count == w->pace_cap) {
        size_t cap = w->pace_cap ? w->pace_cap * 2 : 16;
        struct pace *grown = realloc(w->paces, cap * sizeof *grown);
        if (!grown)
            return NULL;
        w->paces = grown;
        w->pace_cap = cap;
    }
    char *copy = strdup(device);
    if (!copy)
        return NULL;
    w->paces[w->pace_count] = (struct pace){copy, -INFINITY};
    return &w->paces[w->pace_count++];
}

/* Whether a progress event gets a line: the 100 % one always, else one a second per device. */
static bool progress_due(struct eo_report_jsonl *w, const struct eo_event *event)
{
    struct pace *pace = pace_of(w, event->device ? event->device : "");
    double now = w->now_s(w->clock_ctx);
    bool complete = event->total > 0 && event->done >= event->total;
    if (pace && !complete && now - pace->last_s < EO_JSONL_PROGRESS_INTERVAL_S)
        return false;
    if (pace)
        pace->last_s = now;
    return true;
}

/* "2026-12-02T22:57:27.123Z" */
static json_t *utc_now(void)
{
    struct timespec ts;
    struct tm tm;
    char text[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(text + n, sizeof text - n, ".%03ldZ", ts.tv_nsec / 1000000);
    return json_string(text);
}

/* Seconds rounded to milliseconds, so that lines read "5.2", not "5.2000000000000002". */
static json_t *seconds(double s)
{
    return json_real(isfinite(s) ? round(s * 1000.0) / 1000.0 : 0.0);
}

/* {"when"} as a hook starts; {"when", "passed", "end", "exit_code", "signal", "seconds"} when
 * it ended. */
static json_t *hook_object(enum eo_event_kind kind, const struct eo_hook_result *hook)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "when", json_string(eo_hook_when_name(hook->when)));
    if (kind != EO_EVENT_HOOK_RESULT)
        return obj;
    eo_out_json_hook_end(obj, hook);
    json_object_set_new(obj, "seconds", seconds(hook->seconds));
    return obj;
}

static json_t *event_object(uint64_t seq, const struct eo_event *event)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "schema_version", json_integer(EO_JSON_SCHEMA_VERSION));
    json_object_set_new(obj, "seq", json_integer((json_int_t)seq));
    json_object_set_new(obj, "time", utc_now());
    json_object_set_new(obj, "device", eo_out_json_text(event->device));
    json_object_set_new(obj, "step", json_integer(event->step));
    json_object_set_new(obj, "steps", json_integer(event->steps));
    json_object_set_new(obj, "kind", json_string(kind_name(event->kind)));
    json_object_set_new(obj, "phase", json_string(eo_phase_name(event->phase)));
    if (event->kind == EO_EVENT_PROGRESS) {
        json_object_set_new(obj, "done", json_integer((json_int_t)event->done));
        json_object_set_new(obj, "total", json_integer((json_int_t)event->total));
    }
    json_object_set_new(obj, "elapsed_s", seconds(event->elapsed_s));
    json_object_set_new(obj, "text", eo_out_json_text(event->text));
    if (event->kind == EO_EVENT_STEP_RESULT || event->kind == EO_EVENT_DEVICE_RESULT ||
        event->kind == EO_EVENT_STANDING || event->kind == EO_EVENT_HOOK_RESULT)
        json_object_set_new(obj, "status", json_string(eo_status_name(event->status)));
    if (event->kind == EO_EVENT_STANDING)
        json_object_set_new(obj, "state", eo_out_json_text(event->text));
    if (event->hook)
        json_object_set_new(obj, "hook", hook_object(event->kind, event->hook));
    return obj;
}

/* Writes a dumped object; DEL, which JSON_ENSURE_ASCII leaves raw, as \u007f (it only occurs
 * inside strings, so the byte can be replaced by its escape). */
static int put_json(const char *text, FILE *out)
{
    for (const char *del; (del = strchr(text, 0x7F)); text = del + 1)
        if (fwrite(text, 1, (size_t)(del - text), out) != (size_t)(del - text) ||
            fputs("\\u007f", out) == EOF)
            return EOF;
    return fputs(text, out);
}

/* Writes one line and flushes it; keeps the first failure. Called with the lock held. */
static void write_line(struct eo_report_jsonl *w, const char *text)
{
    errno = 0;
    if (put_json(text, w->out) == EOF || fputc('\n', w->out) == EOF || fflush(w->out) == EOF) {
        if (!w->write_errno)
            w->write_errno = errno ? errno : EIO;
    }
}

static void emit_locked(struct eo_report_jsonl *w, const struct eo_event *event)
{
    if (event->kind == EO_EVENT_PROGRESS && !progress_due(w, event))
        return;
    json_t *obj = event_object(w->seq + 1, event);
    char *text = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER |
                                     JSON_REAL_PRECISION(15));
    json_decref(obj);
    if (!text) {
        if (!w->write_errno)
            w->write_errno = ENOMEM;
        return;
    }
    w->seq++;
    write_line(w, text);
    free(text);
}

static void emit(void *ctx, const struct eo_event *event)
{
    struct eo_report_jsonl *w = ctx;
    if (!event)
        return;
    pthread_mutex_lock(&w->lock);
    emit_locked(w, event);
    pthread_mutex_unlock(&w->lock);
}

struct eo_report_jsonl *eo_report_jsonl_new(FILE *out)
{
    struct eo_report_jsonl *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        free(w);
        return NULL;
    }
    w->out = out;
    w->now_s = monotonic_s;
    return w;
}

struct eo_events eo_report_jsonl_sink(struct eo_report_jsonl *writer)
{
    return (struct eo_events){writer ? emit : NULL, writer};
}

void eo_report_jsonl_set_clock(struct eo_report_jsonl *writer, double (*now_s)(void *ctx),
                               void *ctx)
{
    pthread_mutex_lock(&writer->lock);
    writer->now_s = now_s ? now_s : monotonic_s;
    writer->clock_ctx = now_s ? ctx : NULL;
    pthread_mutex_unlock(&writer->lock);
}

uint64_t eo_report_jsonl_lines(struct eo_report_jsonl *writer)
{
    pthread_mutex_lock(&writer->lock);
    uint64_t lines = writer->seq;
    pthread_mutex_unlock(&writer->lock);
    return lines;
}

enum eo_status eo_report_jsonl_status(struct eo_report_jsonl *writer, struct eo_error *err)
{
    pthread_mutex_lock(&writer->lock);
    int failure = writer->write_errno;
    pthread_mutex_unlock(&writer->lock);
    if (failure)
        return eo_error_set(err, EO_ERR_FILE, "writing events: %s", strerror(failure));
    return EO_OK;
}

void eo_report_jsonl_free(struct eo_report_jsonl *writer)
{
    if (!writer)
        return;
    for (size_t i = 0; i < writer->pace_count; i++)
        free(writer->paces[i].device);
    free(writer->paces);
    pthread_mutex_destroy(&writer->lock);
    free(writer);
}
