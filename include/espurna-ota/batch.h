/* batch.h — a fleet in one run: `batch` schedules eo_upgrade_run over many devices, N at a
 * time, and adds no protocol knowledge of its own. It learns every device first (those that do
 * not answer are offline, reported apart and never counted as failed), loads and compresses each
 * image once for all devices that share it, then upgrades the rest in parallel; the result of
 * each device is a value, and one summary decides the exit status. */
#ifndef ESPURNA_OTA_BATCH_H
#define ESPURNA_OTA_BATCH_H

#include <limits.h>
#include <stdbool.h>

#include "espurna-ota/secret.h"
#include "espurna-ota/upgrade.h"

/* One device of the fleet as the scheduler sees it. */
struct eo_batch_member {
    char label[256];              /* how the output names it: host name, or as listed */
    struct eo_target target;
    struct eo_identity known;     /* its record (sources 0: learnt by the batch) */
    char image_path[PATH_MAX];    /* the full image it gets */
    char core_path[PATH_MAX];     /* a core image to use, "" to let the upgrade find one */
    char firmware_dir[PATH_MAX];  /* where the upgrade looks for a core image, "" default */
    char password[EO_SECRET_MAX]; /* "" none */
    int method;                   /* -1: the plan's choice */
    bool skip;                    /* not upgraded: skip_reason says why (no firmware match) */
    char skip_reason[512];
};

struct eo_batch_request {
    struct eo_batch_member *members;
    size_t count;
    unsigned jobs;                      /* devices at once (0: 4) */
    struct eo_upgrade_request options;  /* what every upgrade shares: policy, dry_run, use_mdns,
                                         * timeouts, method options; the per-device fields
                                         * (device, target, known, image, core, password,
                                         * events, cancel) are set by the batch */
    unsigned learn_timeout_ms;          /* identifying a device before work starts (0: 8 s) */
    const struct eo_events *events;     /* a thread-safe sink: devices run in threads */
    const struct eo_cancel *cancel;
};

enum eo_batch_state {
    EO_BATCH_NOT_RUN = 0, /* its turn never came (interrupted) */
    EO_BATCH_DONE,        /* upgraded and verified */
    EO_BATCH_UP_TO_DATE,  /* nothing to do */
    EO_BATCH_PLANNED,     /* dry run: planned, nothing sent */
    EO_BATCH_FAILED,
    EO_BATCH_OFFLINE,     /* did not answer before work started */
    EO_BATCH_SKIPPED,     /* no firmware for it, or its image could not be read */
};
const char *eo_batch_state_name(enum eo_batch_state state); /* "done", "up-to-date", ... */

struct eo_batch_outcome {
    enum eo_batch_state state;
    enum eo_status status;
    struct eo_error err;            /* FAILED, OFFLINE, SKIPPED */
    struct eo_upgrade_result result;
    double seconds;
};

struct eo_batch_summary {
    unsigned count[EO_BATCH_SKIPPED + 1]; /* devices per state */
    double seconds;
    bool interrupted;
};

/* The two halves of eo_batch_run, for a caller that chooses firmware once devices are known:
 * learn every member whose version is not known yet (those that do not answer end OFFLINE; it
 * resets every outcome first), then upgrade those neither offline nor skipped. */
enum eo_status eo_batch_learn(const struct eo_batch_request *request,
                              struct eo_batch_outcome *outcomes, struct eo_error *err);
enum eo_status eo_batch_upgrade(const struct eo_batch_request *request,
                                struct eo_batch_outcome *outcomes,
                                struct eo_batch_summary *summary, struct eo_error *err);

/* Runs the fleet: eo_batch_learn, then eo_batch_upgrade. outcomes has request->count entries. EO_OK once every device had its turn
 * (per-device failures are in the outcomes); EO_ERR_INTERRUPTED when cancelled (devices in flight
 * end with their own statement of where they stand); EO_ERR_INTERNAL when threads cannot start. */
enum eo_status eo_batch_run(const struct eo_batch_request *request,
                            struct eo_batch_outcome *outcomes, struct eo_batch_summary *summary,
                            struct eo_error *err);

/* The exit status of a batch: EO_OK when every device that could be reached ended upgraded or
 * up to date with something done; EO_ERR_SOME_FAILED when any failed; EO_ERR_NOTHING_TO_DO when
 * no device needed anything (every one up to date, offline or skipped); interrupted: 130. */
enum eo_status eo_batch_exit_status(const struct eo_batch_summary *summary);

#endif
