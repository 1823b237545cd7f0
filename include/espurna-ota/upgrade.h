/* upgrade.h — one device from whatever it runs to the requested full image: learn it, plan
 * (plan.h), then for each step push (push.h) → wait for the reboot → identify (watch.h), and
 * verify the version at the end. Never leaves the device somewhere the result does not name:
 * `where` always says what it runs and how to finish. `batch` schedules this; it adds no
 * protocol knowledge. */
#ifndef ESPURNA_OTA_UPGRADE_H
#define ESPURNA_OTA_UPGRADE_H

#include <stdbool.h>
#include <stdint.h>

#include "espurna-ota/cancel.h"
#include "espurna-ota/events.h"
#include "espurna-ota/hook.h"
#include "espurna-ota/image_file.h"
#include "espurna-ota/plan.h"
#include "espurna-ota/push.h"
#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"
#include "espurna-ota/watch.h"

/* Long enough for eboot's copy of a 1 MB image (≈ 250 sectors at 33 ms) and a slow boot. */
#define EO_UPGRADE_DEFAULT_REBOOT_MS 60000u

struct eo_upgrade_request {
    const char *device;                /* the user's name for it (messages, events) */
    const struct eo_target *target;    /* where it is reached */
    const struct eo_identity *known;   /* what discovery already knows (batch), NULL: learn it */
    const struct eo_image *image;      /* the full image asked for */
    const struct eo_image *image_gzip; /* its gzip when already made (shared by a batch), NULL:
                                        * made here once when a route may use it */
    const char *core_path;             /* a core image to use, NULL: search for one */
    const char *firmware_dir;          /* where to search, NULL: the search path (plan.h) */
    const char *password;              /* NULL: none */
    struct eo_plan_policy policy;
    bool dry_run;               /* stop after the plan */
    bool use_mdns;              /* identify over mDNS (false: http / terminal only) */
    unsigned reboot_timeout_ms; /* 0: EO_UPGRADE_DEFAULT_REBOOT_MS */
    unsigned soak_s;            /* after verifying, watch it stay up this long */
    /* transfer bounds (0: each method's default) and each method's own options (NULL: defaults) */
    unsigned connect_timeout_ms, stall_timeout_ms, result_timeout_ms;
    const struct eo_espota_options *espota;
    const struct eo_web_options *web;
    const struct eo_terminal_options *terminal;
    /* The user's command around the upgrade (hook.h), NULL: none. It runs after the plan and
     * before the first step (a "no" skips the device: EO_ERR_HOOK_SKIPPED, nothing sent), and
     * after the upgrade ended (verified, or failed; not when interrupted): a "no" after a
     * verified upgrade is EO_ERR_HOOK_FAILED (the image stays installed). Not run for a dry run,
     * nor for a device found up to date, unless hook_after_pending. */
    const struct eo_hook *hook;
    bool hook_after_pending; /* an earlier run's hook before said yes and no hook after said yes
                              * since (batch's journal): a device found up to date gets the hook
                              * after, told ESPURNA_OTA_RESUMED=1 */
    const struct eo_events *events;
    const struct eo_cancel *cancel;
};

/* How the final version was checked. */
enum eo_verify_check {
    EO_CHECK_NONE = 0, /* nothing could be compared */
    EO_CHECK_VERSION,  /* the version it reports equals the image's */
    EO_CHECK_MD5,      /* the firmware MD5 its terminal prints equals the image's */
    EO_CHECK_CHANGED,  /* only that its version or build date changed */
};
const char *eo_verify_check_name(enum eo_verify_check check); /* "none", "version", ... */

struct eo_upgrade_step_result {
    bool ran;
    enum eo_step_image image;
    enum eo_method method;      /* the method that carried it (after any fallback) */
    enum eo_status push_status; /* what the transfer said */
    enum eo_status status;      /* the step's outcome once the device came back */
    uint64_t bytes;             /* confirmed by the device */
    double push_s, reboot_s;    /* the transfer; from its end until identified again */
    double back_s;              /* from the transfer's end until the device answered again */
    char reply[256];            /* the device's own final text, if any */
    char version_after[64];
    uint8_t kind_after;
    char note[200];     /* e.g. "the transfer reported a failure, but the device
                         * came back on the new image" */
    char fallback[300]; /* "espota did not start (...); terminal was tried", "" */
};

struct eo_upgrade_result {
    enum eo_status status;
    bool up_to_date; /* nothing to do */
    bool dry_run;
    struct eo_identity before, after;
    struct eo_plan plan;
    bool planned;
    struct eo_core_choice core; /* path "" when no core image was used or found */
    struct eo_upgrade_step_result steps[EO_PLAN_MAX_STEPS];
    char final_version[64];
    char address[64]; /* where it answered last (a reboot may move it: a new
                       * DHCP lease, followed by its host name over mDNS) */
    enum eo_verify_check check;
    char where[400]; /* where the device stands, one line, always filled */
    double seconds;
    /* the hooks that ran (ran false: not run); hook_after_resumed: the hook after an earlier
     * run's upgrade (hook_after_pending) */
    struct eo_hook_result hook_before, hook_after;
    bool hook_after_resumed;
};

/* Runs the upgrade. EO_OK: verified (or up to date, or a dry run's plan made). Errors: those
 * of identification, planning and the transports, EO_ERR_VERIFY (back on the old image, or
 * another version), EO_ERR_UNREACHABLE (never came back), EO_ERR_INTERRUPTED. In every case
 * result->where says what the device runs and how to finish. */
enum eo_status eo_upgrade_run(const struct eo_upgrade_request *request,
                              struct eo_upgrade_result *result, struct eo_error *err);

#endif
