/* report.h — event sinks of the report layer: the human rendering of a run's events on stderr
 * (one line per phase and note, a progress bar per transfer on a terminal, else progress lines)
 * and the pieces the JSON output shares. Commands create a sink and hand it to the library. */
#ifndef ESPURNA_OTA_REPORT_H
#define ESPURNA_OTA_REPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "espurna-ota/events.h"
#include "espurna-ota/output.h"

struct eo_report_text {
    struct eo_progress_view view;
    bool view_open;         /* a transfer's progress is being shown */
    unsigned view_step;
    const char *label;      /* command word for progress labels ("flash", "upgrade") */
};

/* A sink that renders events as text on stderr (silent when output is quiet). */
struct eo_events eo_report_text_sink(struct eo_report_text *report, const char *label);
/* Ends an open progress line or bar. */
void eo_report_text_finish(struct eo_report_text *report);

/* The sink of `batch`: devices run in threads; every event is one whole line prefixed with its
 * device, written under a lock; progress at 25/50/75/100 % of what the device confirmed. */
#define EO_REPORT_BATCH_DEVICES 1024 /* devices whose progress is followed */
struct eo_report_batch {
    pthread_mutex_t lock;
    size_t tracked;
    struct device_progress { /* the last quarter shown of one device's transfer */
        const char *device;
        unsigned step;
        unsigned quarter;
    } progress[EO_REPORT_BATCH_DEVICES];
};
struct eo_events eo_report_batch_sink(struct eo_report_batch *report);
void eo_report_batch_finish(struct eo_report_batch *report);

#endif
