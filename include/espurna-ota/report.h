/* report.h — event sinks of the report layer: the human rendering of a run's events on stderr
 * (one line per phase and note, a progress bar per transfer on a terminal, else progress lines)
 * and the pieces the JSON output shares. Commands create a sink and hand it to the library. */
#ifndef ESPURNA_OTA_REPORT_H
#define ESPURNA_OTA_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "espurna-ota/events.h"
#include "espurna-ota/output.h"

struct eo_report_text {
    struct eo_progress_view view;
    bool view_open; /* a transfer's progress is being shown */
    unsigned view_step;
    const char *label; /* command word for progress labels ("flash", "upgrade") */
};

/* A sink that renders events as text on stderr (silent when output is quiet). */
struct eo_events eo_report_text_sink(struct eo_report_text *report, const char *label);
/* Ends an open progress line or bar. */
void eo_report_text_finish(struct eo_report_text *report);

/* The sink of `batch`: devices run in threads; every event is one whole line prefixed with its
 * device ("[ESPURNA-1A2B3C] step 1/2 push: ..."), written under a lock. A transfer's progress is
 * what the device confirmed: a line at 25, 50, 75 and 100 %, or, live on a terminal, a summary
 * kept below the lines and redrawn: a bar over the fleet with the devices done, running, failed,
 * offline, skipped and waiting, and a bar per running device. */
struct eo_report_batch_options {
    FILE *stream;          /* NULL: stderr */
    bool live;             /* a terminal: keep the summary below the lines */
    bool quiet;            /* nothing at all */
    size_t devices;        /* devices in the run: the whole of the summary's bar */
    unsigned columns;      /* width of the summary's lines (0: the terminal's, else 80) */
    double (*now_s)(void); /* NULL: the monotonic clock (tests give their own) */
};
struct eo_report_batch;
/* NULL when out of memory (then the sink drops everything). */
struct eo_report_batch *eo_report_batch_new(const struct eo_report_batch_options *options);
struct eo_events eo_report_batch_sink(struct eo_report_batch *report);
/* Ends the live summary with its last state as a plain line, and frees the report. */
void eo_report_batch_free(struct eo_report_batch *report);

/* One device's line of the table that ends a batch. */
struct eo_report_row {
    const char *device, *from, *to, *route; /* "" or NULL shows as "-" */
    double seconds;
    const char *outcome; /* "done", "failed", ... */
    const char *message; /* why, "" or NULL when nothing to add */
    unsigned wave;       /* 1-based rollout wave, 0 shows as "-" */
    const char *site;    /* `report`: the site it is at (NULL in batch's table) */
};
/* The table on stdout: DEVICE FROM TO ROUTE WAVE TIME OUTCOME, one row per device; a SITE
 * column first when a row has a site. */
void eo_report_table(const struct eo_report_row *rows, size_t count);

#endif
