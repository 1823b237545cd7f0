/* batch.h — a fleet in one run: `batch` schedules eo_upgrade_run over many devices, N at a
 * time, and adds no protocol knowledge of its own. It learns every device first (those that do
 * not answer are offline, reported apart and never counted as failed), loads and compresses each
 * image once for all devices that share it, then upgrades the rest in parallel; the result of
 * each device is a value, and one summary decides the exit status. */
#ifndef ESPURNA_OTA_BATCH_H
#define ESPURNA_OTA_BATCH_H

#include <limits.h>
#include <stdbool.h>

#include "espurna-ota/journal.h"
#include "espurna-ota/rollout.h"
#include "espurna-ota/secret.h"
#include "espurna-ota/upgrade.h"

#define EO_BATCH_PASSWORDS_MAX 4

/* One device of the fleet as the scheduler sees it. */
struct eo_batch_member {
    char label[256]; /* how the output names it: host name, or as listed */
    struct eo_target target;
    struct eo_identity known;    /* its record (sources 0: learnt by the batch) */
    char image_path[PATH_MAX];   /* the full image it gets */
    char core_path[PATH_MAX];    /* a core image to use, "" to let the upgrade find one */
    char firmware_dir[PATH_MAX]; /* where the upgrade looks for a core image, "" default */
    /* password candidates, tried in order, the next only after the device rejected one
     * (rotation); names say which one worked without showing it ("" when unnamed) */
    char passwords[EO_BATCH_PASSWORDS_MAX][EO_SECRET_MAX];
    char password_names[EO_BATCH_PASSWORDS_MAX][64];
    unsigned password_count;
    unsigned wave; /* set by the batch from the rollout policy */
    int method;    /* -1: the plan's choice */
    bool skip;     /* not upgraded: skip_reason says why (no firmware match) */
    char skip_reason[512];
};

struct eo_batch_request {
    struct eo_batch_member *members;
    size_t count;
    unsigned jobs;                     /* devices at once (0: 4) */
    struct eo_upgrade_request options; /* what every upgrade shares: policy, dry_run, use_mdns,
                                        * timeouts, method options, hook; the per-device fields
                                        * (device, target, known, image, core, password,
                                        * hook_after_pending, events, cancel) are set by the
                                        * batch */
    unsigned learn_timeout_ms;         /* identifying a device before work starts (0: 8 s) */
    struct eo_rollout_policy rollout;  /* canary, waves, failure limit (eo_rollout_policy_init) */
    unsigned retries;                  /* more attempts for a transient failure */
    unsigned retry_base_ms;            /* first backoff (0: 2000), doubling, with jitter */
    struct eo_journal *journal;        /* NULL: none */
    const struct eo_journal_state
        *resume;                    /* a replayed journal: devices it shows finished on
                                     * the same image are skipped, those on a core go first */
    const struct eo_events *events; /* a thread-safe sink: devices run in threads */
    const struct eo_cancel *cancel;
};

enum eo_batch_state {
    EO_BATCH_NOT_RUN = 0, /* its turn never came (interrupted) */
    EO_BATCH_DONE,        /* upgraded and verified */
    EO_BATCH_UP_TO_DATE,  /* nothing to do */
    EO_BATCH_PLANNED,     /* dry run: planned, nothing sent */
    EO_BATCH_FAILED,
    EO_BATCH_OFFLINE,          /* did not answer before work started */
    EO_BATCH_SKIPPED,          /* no firmware for it, its image could not be read, or the hook
                                * before its first step said no */
    EO_BATCH_FINISHED_EARLIER, /* the journal shows it finished on this image */
    EO_BATCH_STATE_COUNT
};
const char *eo_batch_state_name(enum eo_batch_state state); /* "done", "up-to-date", ... */

struct eo_batch_outcome {
    enum eo_batch_state state;
    enum eo_status status;
    struct eo_error err; /* FAILED, OFFLINE, SKIPPED */
    struct eo_upgrade_result result;
    double seconds;
    unsigned attempts; /* upgrades tried (retries + 1 at most) */
    int password_used; /* index of the candidate the device took, -1 none / unknown */
};

struct eo_batch_summary {
    unsigned count[EO_BATCH_STATE_COUNT]; /* devices per state */
    double seconds;
    bool interrupted;
    bool aborted; /* the failure limit stopped the rollout between waves */
    unsigned waves_run, wave_count;
};

/* The two halves of eo_batch_run, for a caller that chooses firmware once devices are known:
 * learn every member whose version is not known yet (those that do not answer end OFFLINE; it
 * resets every outcome first), then upgrade those neither offline nor skipped. */
enum eo_status eo_batch_learn(const struct eo_batch_request *request,
                              struct eo_batch_outcome *outcomes, struct eo_error *err);
enum eo_status eo_batch_upgrade(const struct eo_batch_request *request,
                                struct eo_batch_outcome *outcomes, struct eo_batch_summary *summary,
                                struct eo_error *err);

/* Runs the fleet: eo_batch_learn, then eo_batch_upgrade. outcomes has request->count entries. EO_OK
 * once every device had its turn (per-device failures are in the outcomes); EO_ERR_INTERRUPTED when
 * cancelled (devices in flight end with their own statement of where they stand); EO_ERR_INTERNAL
 * when threads cannot start. */
enum eo_status eo_batch_run(const struct eo_batch_request *request,
                            struct eo_batch_outcome *outcomes, struct eo_batch_summary *summary,
                            struct eo_error *err);

/* The exit status of a batch: EO_ERR_INTERRUPTED; EO_ERR_ABORTED when the failure limit stopped
 * the rollout; EO_ERR_SOME_FAILED when any device failed; EO_OK when devices were upgraded (or
 * planned); EO_NOTHING_TO_DO when no device needed anything (up to date, finished earlier,
 * offline or skipped). */
enum eo_status eo_batch_exit_status(const struct eo_batch_summary *summary);

#endif
