/* report_junit.h — the JUnit XML report of `batch --junit FILE` and `report --junit FILE`: one
 * test suite ("espurna-ota batch"), or one per site for `report`, with one test case per device,
 * so that CI systems show a fleet upgrade like a test run: a failed device is a failure carrying
 * its message, a device that was offline, already up to date or otherwise skipped is a skipped
 * case. Built in memory as devices finish, written once at the end (to FILE.tmp, then renamed over
 * FILE). All text is XML-escaped; control characters are dropped and non-ASCII characters written
 * as numeric references, so the file is ASCII and well-formed whatever the devices reported. */
#ifndef ESPURNA_OTA_REPORT_JUNIT_H
#define ESPURNA_OTA_REPORT_JUNIT_H

#include <stddef.h>

#include "espurna-ota/status.h"

enum eo_junit_outcome { EO_JUNIT_PASSED = 0, EO_JUNIT_FAILED, EO_JUNIT_SKIPPED };

/* One device. Every string may be NULL; all are copied by eo_junit_add. */
struct eo_junit_case {
    const char *device; /* test case name */
    double seconds;     /* the device's time */
    enum eo_junit_outcome outcome;
    const char *status_name; /* eo_status_name of the outcome: the failure's type */
    const char *message;     /* one line: failure or skip message (line breaks become spaces) */
    const char *detail;      /* FAILED: the failure's body (where it stopped, the error) */
    const char *system_out;  /* the device's route and final version */
    const char *suite;       /* its test suite, the site (NULL: "espurna-ota batch") */
};

struct eo_junit;

/* An empty report; NULL when out of memory. */
struct eo_junit *eo_junit_new(void);
/* Adds one case (copied); cases are written in the order added, grouped by suite (suites in the
 * order of their first case). Out of memory loses the case and
 * makes eo_junit_write fail. */
void eo_junit_add(struct eo_junit *junit, const struct eo_junit_case *test_case);
/* The time of the suite of cases without one: the run's wall time (default: the sum of the
 * cases' times, as for every named suite). */
void eo_junit_set_time(struct eo_junit *junit, double seconds);
size_t eo_junit_count(const struct eo_junit *junit);
/* Writes the report to path.tmp, then renames it to path. EO_ERR_FILE when that fails (the
 * temporary file is removed), EO_ERR_INTERNAL when a case was lost to a lack of memory. */
enum eo_status eo_junit_write(const struct eo_junit *junit, const char *path, struct eo_error *err);
void eo_junit_free(struct eo_junit *junit);

#endif
