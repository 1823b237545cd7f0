/* report_text.c — the human event sink: notes and phases as "espurna-ota: DEVICE: ..." lines
 * on stderr, each transfer's confirmed progress through the progress view (a bar on a terminal,
 * else lines at 25/50/75/100 % or every 5 s), step results with their timings. */
#include "espurna-ota/report.h"

#include <stdio.h>
#include <string.h>

#include "espurna-ota/output.h"

static void close_view(struct eo_report_text *report)
{
    if (report->view_open)
        eo_progress_view_finish(&report->view);
    report->view_open = false;
}

static void open_view(struct eo_report_text *report, const struct eo_event *event)
{
    char label[96];
    if (event->steps > 0)
        snprintf(label, sizeof label, "%s %.60s step %u/%u", report->label,
                 event->device ? event->device : "", event->step, event->steps);
    else
        snprintf(label, sizeof label, "%s %.80s", report->label,
                 event->device ? event->device : "");
    eo_progress_view_init(&report->view, label);
    report->view_open = true;
    report->view_step = event->step;
}

static void show_progress(struct eo_report_text *report, const struct eo_event *event)
{
    if (!report->view_open || report->view_step != event->step)
        open_view(report, event);
    struct eo_progress progress = {event->done, event->total, event->elapsed_s};
    eo_progress_view_update(&report->view, &progress);
}

/* "DEVICE step 1/2: text" or "DEVICE: text" */
static void show_line(const struct eo_event *event, const char *text)
{
    const char *device = event->device ? event->device : "";
    if (event->step > 0 && event->steps > 0)
        eo_out_info("%s step %u/%u: %s", device, event->step, event->steps, text);
    else
        eo_out_info("%s: %s", device, text);
}

static void render(void *ctx, const struct eo_event *event)
{
    struct eo_report_text *report = ctx;
    char line[640];
    switch (event->kind) {
    case EO_EVENT_PROGRESS: show_progress(report, event); return;
    case EO_EVENT_PHASE:
        close_view(report);
        snprintf(line, sizeof line, "%s: %s", eo_phase_name(event->phase),
                 event->text ? event->text : "");
        show_line(event, line);
        return;
    case EO_EVENT_NOTE:
        close_view(report);
        show_line(event, event->text ? event->text : "");
        return;
    case EO_EVENT_STEP_RESULT:
        close_view(report);
        if (event->status == EO_OK)
            snprintf(line, sizeof line, "done in %.1f s%s%s", event->elapsed_s,
                     event->text && event->text[0] ? ": " : "", event->text ? event->text : "");
        else
            snprintf(line, sizeof line, "failed (%s) after %.1f s%s%s",
                     eo_status_name(event->status), event->elapsed_s,
                     event->text && event->text[0] ? ": " : "", event->text ? event->text : "");
        show_line(event, line);
        return;
    case EO_EVENT_HOOK_RESULT:
        close_view(report);
        snprintf(line, sizeof line, "hook %s", event->text ? event->text : "");
        show_line(event, line);
        return;
    case EO_EVENT_DEVICE_RESULT: close_view(report); return;
    case EO_EVENT_STANDING: /* batch only */ return;
    }
}

struct eo_events eo_report_text_sink(struct eo_report_text *report, const char *label)
{
    memset(report, 0, sizeof *report);
    report->label = label;
    return (struct eo_events){.emit = render, .ctx = report};
}

void eo_report_text_finish(struct eo_report_text *report)
{
    close_view(report);
}
