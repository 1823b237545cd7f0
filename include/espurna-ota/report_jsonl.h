/* report_jsonl.h — the JSON Lines event sink of `batch --events`: every event as one compact
 * ASCII JSON object on its own line, written and flushed whole under a lock, so devices upgraded
 * in parallel threads never interleave. Progress is thinned to at most one line per second per
 * device (plus the 100 % one) so that a CI log stays readable.
 *
 * Keys: "schema_version", "seq" (1, 2, ... per writer, in line order), "time" (UTC, ISO 8601
 * with milliseconds), "device", "step", "steps", "kind" (phase, progress, note, step-result,
 * device-result), "phase", "done" and "total" (progress only), "elapsed_s", "text", "status"
 * (results only). */
#ifndef ESPURNA_OTA_REPORT_JSONL_H
#define ESPURNA_OTA_REPORT_JSONL_H

#include <stdint.h>
#include <stdio.h>

#include "espurna-ota/events.h"
#include "espurna-ota/status.h"

/* Seconds between two progress lines of one device. */
#define EO_JSONL_PROGRESS_INTERVAL_S 1.0

struct eo_report_jsonl;

/* A writer onto `out` (not closed by the writer); NULL when out of memory. */
struct eo_report_jsonl *eo_report_jsonl_new(FILE *out);
/* The sink to hand to the library; safe to emit into from several threads at once. */
struct eo_events eo_report_jsonl_sink(struct eo_report_jsonl *writer);
/* Replaces the monotonic clock that paces progress lines (tests); NULL restores the real one. */
void eo_report_jsonl_set_clock(struct eo_report_jsonl *writer, double (*now_s)(void *ctx),
                               void *ctx);
/* Lines written so far (the last "seq"). */
uint64_t eo_report_jsonl_lines(struct eo_report_jsonl *writer);
/* EO_OK, or EO_ERR_FILE when a line could not be written (the first failure is kept). */
enum eo_status eo_report_jsonl_status(struct eo_report_jsonl *writer, struct eo_error *err);
void eo_report_jsonl_free(struct eo_report_jsonl *writer);

#endif
