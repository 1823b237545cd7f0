/* report_batch.c — the human event sink of `batch`: devices run in parallel, so every line is
 * one whole line prefixed with its device ("[ESPURNA-1A2B3C] step 1/2 push: ..."), written
 * under a lock; a transfer's progress shows as a line at 25, 50, 75 and 100 % of what the device
 * confirmed. */
#include "espurna-ota/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espurna-ota/output.h"

static struct device_progress *progress_of(struct eo_report_batch *report, const char *device)
{
    for (size_t i = 0; i < report->tracked; i++)
        if (report->progress[i].device == device)
            return &report->progress[i];
    if (report->tracked == EO_REPORT_BATCH_DEVICES)
        return NULL;
    struct device_progress *slot = &report->progress[report->tracked++];
    *slot = (struct device_progress){.device = device};
    return slot;
}

static void prefix(const struct eo_event *event, char *out, size_t cap)
{
    if (event->step && event->steps)
        snprintf(out, cap, "[%s] step %u/%u", event->device ? event->device : "?", event->step,
                 event->steps);
    else
        snprintf(out, cap, "[%s]", event->device ? event->device : "?");
}

static void show_progress(struct eo_report_batch *report, const struct eo_event *event,
                          const char *head)
{
    struct device_progress *state = progress_of(report, event->device);
    unsigned quarter = event->total ? (unsigned)(event->done * 4 / event->total) : 0;
    if (!state || quarter == 0)
        return;
    if (state->step != event->step)
        *state = (struct device_progress){.device = event->device, .step = event->step};
    if (quarter <= state->quarter)
        return;
    state->quarter = quarter;
    double rate = event->elapsed_s > 0 ? (double)event->done / event->elapsed_s / 1024.0 : 0.0;
    eo_out_info("%s %u%% (%llu of %llu bytes, %.1f s, %.1f KiB/s)", head, quarter * 25,
                (unsigned long long)event->done, (unsigned long long)event->total,
                event->elapsed_s, rate);
}

static void render_locked(struct eo_report_batch *report, const struct eo_event *event)
{
    char head[320];
    prefix(event, head, sizeof head);
    const char *text = event->text ? event->text : "";
    switch (event->kind) {
    case EO_EVENT_PROGRESS:
        show_progress(report, event, head);
        break;
    case EO_EVENT_PHASE:
        eo_out_info("%s %s: %s", head, eo_phase_name(event->phase), text);
        break;
    case EO_EVENT_NOTE:
        eo_out_info("%s %s", head, text);
        break;
    case EO_EVENT_STEP_RESULT:
        eo_out_info("%s %s in %.1f s: %s", head,
                    event->status == EO_OK ? "done" : eo_status_name(event->status),
                    event->elapsed_s, text);
        break;
    case EO_EVENT_DEVICE_RESULT:
        eo_out_info("%s %s after %.1f s: %s", head,
                    event->status == EO_OK ? "finished" : eo_status_name(event->status),
                    event->elapsed_s, text);
        break;
    }
}

static void render(void *ctx, const struct eo_event *event)
{
    struct eo_report_batch *report = ctx;
    pthread_mutex_lock(&report->lock);
    render_locked(report, event);
    pthread_mutex_unlock(&report->lock);
}

struct eo_events eo_report_batch_sink(struct eo_report_batch *report)
{
    memset(report, 0, sizeof *report);
    pthread_mutex_init(&report->lock, NULL);
    return (struct eo_events){.emit = render, .ctx = report};
}

void eo_report_batch_finish(struct eo_report_batch *report)
{
    pthread_mutex_destroy(&report->lock);
}
