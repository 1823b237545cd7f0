/* hook.h — a user's command run around the upgrade of one device (`--hook CMD` of `upgrade` and
 * `batch`): once before the first step, once after the upgrade ended. It runs as
 * `/bin/sh -c CMD` in a process group of its own, with stdin from /dev/null and its stdout and
 * stderr captured (each line becomes a NOTE event of the device, made printable), told about the
 * device through ESPURNA_OTA_* environment variables (never a password: every ESPURNA_OTA_*
 * variable of the tool's own environment, ESPURNA_OTA_PASSWORD among them, is left out), and
 * killed with its whole process group (SIGKILL) at its timeout or when the run is cancelled.
 * What its exit status means for the device is the upgrade's business (upgrade.c). */
#ifndef ESPURNA_OTA_HOOK_H
#define ESPURNA_OTA_HOOK_H

#include <stdbool.h>

#include "espurna-ota/cancel.h"
#include "espurna-ota/events.h"
#include "espurna-ota/status.h"

#define EO_HOOK_DEFAULT_TIMEOUT_S 60u
#define EO_HOOK_MAX_LINES 64u /* output lines passed on per run; the rest are counted */
#define EO_HOOK_LINE_MAX 300u /* a longer output line is cut */
#define EO_HOOK_ENV_PREFIX "ESPURNA_OTA_"

/* What the user asked for. */
struct eo_hook {
    const char *command; /* run as /bin/sh -c COMMAND; NULL or "": no hook */
    unsigned timeout_s;  /* 0: EO_HOOK_DEFAULT_TIMEOUT_S */
};

enum eo_hook_when {
    EO_HOOK_BEFORE = 0, /* after the plan, before the first step: a "no" skips the device */
    EO_HOOK_AFTER,      /* after verification (or after the upgrade failed): a "no" fails a
                         * verified device */
};
const char *eo_hook_when_name(enum eo_hook_when when); /* "before", "after" */

/* What the command is told, one variable each (see eo_hook_environment). NULL is "". */
struct eo_hook_context {
    enum eo_hook_when when;
    const char *device;       /* ESPURNA_OTA_DEVICE: the device as the user named it */
    const char *hostname;     /* ESPURNA_OTA_HOSTNAME: the host name it announced */
    const char *address;      /* ESPURNA_OTA_ADDRESS: where it answers (last) */
    const char *chip_id;      /* ESPURNA_OTA_CHIP_ID */
    const char *from_version; /* ESPURNA_OTA_FROM_VERSION: what it ran before */
    const char *to_version;   /* ESPURNA_OTA_TO_VERSION: the version it is taken to */
    const char *image;        /* ESPURNA_OTA_IMAGE: path of the full image */
    const char *image_md5;    /* ESPURNA_OTA_IMAGE_MD5 */
    const char *route;        /* ESPURNA_OTA_ROUTE: one-step, gzip-one-step, two-step,
                               * up-to-date */
    unsigned steps;           /* ESPURNA_OTA_STEPS */
    const char *plan;         /* ESPURNA_OTA_PLAN: the plan's one-line summary */
    /* after only ("" before) */
    const char *outcome;       /* ESPURNA_OTA_OUTCOME: "done" or "failed" */
    enum eo_status status;     /* ESPURNA_OTA_STATUS (its name) and ESPURNA_OTA_EXIT_CODE */
    const char *error;         /* ESPURNA_OTA_ERROR: the failure's message */
    const char *final_version; /* ESPURNA_OTA_FINAL_VERSION: what it runs now */
    const char *check;         /* ESPURNA_OTA_CHECK: how that was checked */
    bool resumed;              /* ESPURNA_OTA_RESUMED=1: the after hook of an upgrade an earlier
                                * run finished without it (batch's journal) */
};

/* How a run of the command ended. */
enum eo_hook_end {
    EO_HOOK_EXITED = 0,  /* exit_code says how */
    EO_HOOK_SIGNALLED,   /* a signal (not ours) ended it: signal */
    EO_HOOK_TIMED_OUT,   /* killed at the timeout */
    EO_HOOK_INTERRUPTED, /* killed because the run was cancelled */
    EO_HOOK_NOT_STARTED, /* /bin/sh could not be started */
};
const char *eo_hook_end_name(enum eo_hook_end end); /* "exited", "signalled", "timed-out", ... */

struct eo_hook_result {
    bool ran; /* it was started (or tried) */
    enum eo_hook_when when;
    enum eo_hook_end end;
    int exit_code;                    /* EXITED: the command's exit status; else -1 */
    int signal;                       /* SIGNALLED: the signal; else 0 */
    unsigned timeout_s;               /* the timeout it ran under */
    double seconds;                   /* how long it ran */
    unsigned lines;                   /* output lines it wrote (all, also those not passed on) */
    char last_line[EO_HOOK_LINE_MAX]; /* its last non-empty output line, printable ("" none) */
};

/* Whether the command said yes: it exited with status 0. */
bool eo_hook_passed(const struct eo_hook_result *result);

/* "exited with 3", "exited with 0", "was killed after 60 s (its timeout)", "was killed by
 * signal 9", "was interrupted", "could not be started" — into buf; returns buf. */
const char *eo_hook_describe(const struct eo_hook_result *result, char *buf, size_t cap);

/* The command's environment: every variable of `base` (NULL-terminated, e.g. environ) except
 * those whose name begins with ESPURNA_OTA_, then the context's variables, every one of them
 * always set (empty when unknown or not for this phase):
 *   ESPURNA_OTA_PHASE (before|after), ESPURNA_OTA_DEVICE, ESPURNA_OTA_HOSTNAME,
 *   ESPURNA_OTA_ADDRESS, ESPURNA_OTA_CHIP_ID, ESPURNA_OTA_FROM_VERSION, ESPURNA_OTA_TO_VERSION,
 *   ESPURNA_OTA_IMAGE, ESPURNA_OTA_IMAGE_MD5, ESPURNA_OTA_ROUTE, ESPURNA_OTA_STEPS,
 *   ESPURNA_OTA_PLAN, ESPURNA_OTA_OUTCOME, ESPURNA_OTA_STATUS, ESPURNA_OTA_EXIT_CODE,
 *   ESPURNA_OTA_ERROR, ESPURNA_OTA_FINAL_VERSION, ESPURNA_OTA_CHECK, ESPURNA_OTA_RESUMED.
 * Values are made printable (a control character becomes '?'). NULL when out of memory; freed
 * with eo_hook_environment_free. */
char **eo_hook_environment(char *const *base, const struct eo_hook_context *context);
void eo_hook_environment_free(char **env);

/* Where the run tells what it does. */
struct eo_hook_io {
    const char *device;             /* the label of its output lines */
    unsigned step;                  /* the step its notes belong to (0: none) */
    const struct eo_events *events; /* each output line: a NOTE "hook before: LINE" */
    const struct eo_cancel *cancel; /* checked every 100 ms: kills it, EO_ERR_INTERRUPTED */
};

/* Runs the command once and waits for it, at most its timeout. EO_OK whenever it ended, was
 * killed at its timeout or could not be started (result says which, and eo_hook_passed whether
 * it said yes; NOT_STARTED puts the reason in last_line); EO_ERR_INTERRUPTED (err set, result
 * end INTERRUPTED) when the run was cancelled meanwhile. Thread-safe: batch runs several at
 * once, each waiting on its own child and pipe. */
enum eo_status eo_hook_run(const struct eo_hook *hook, const struct eo_hook_context *context,
                           const struct eo_hook_io *io, struct eo_hook_result *result,
                           struct eo_error *err);

#endif
