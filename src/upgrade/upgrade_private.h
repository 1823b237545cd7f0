/* upgrade_private.h — private to the upgrade module: the state of one run, shared by the flow
 * (upgrade.c) and its judgements and wording (upgrade_judge.c). */
#ifndef ESPURNA_OTA_UPGRADE_PRIVATE_H
#define ESPURNA_OTA_UPGRADE_PRIVATE_H

#include "espurna-ota/upgrade.h"

struct upgrade_run {
    const struct eo_upgrade_request *req;
    struct eo_upgrade_result *res;
    struct eo_plan_input input;
    struct eo_image core, gzip;
    bool core_loaded, gzip_made, replanned;
    struct eo_error core_error; /* why no core image was found, "" when none was looked for */
    struct eo_identity current; /* what the device runs, as last seen */
    struct eo_target target;    /* where it is reached now: its address may change at a reboot */
    char step_text[EO_PLAN_MAX_STEPS][200];
};

/* The version the upgrade ends on: the policy's expectation, else the image's ("" unknown). */
const char *upgrade_target_version(const struct upgrade_run *run);
/* "core image espurna-...-1m.bin", "image sonoff.bin", "gzip of image sonoff.bin (412 KiB)" */
const char *upgrade_step_image_text(struct upgrade_run *run, const struct eo_plan_step *step);
/* Takes the lowest method bit out of *remaining and returns it. */
enum eo_method upgrade_next_method(unsigned *remaining);
/* A NOTE: "<verb> 1.14.1 (full), free 401408 B (reported); learned from mdns, http". */
void upgrade_note_identity(struct upgrade_run *run, unsigned step, const char *verb,
                           const struct eo_identity *identity);
/* Whether two identifications show the same build (version, kind, build date). */
bool upgrade_same_build(const struct eo_identity *before, const struct eo_identity *after);
/* Whether the device now runs what the step installs. */
bool upgrade_took_step(const struct eo_plan_step *step, const struct eo_identity *after);
/* The final check against the target (sets res->check); EO_ERR_VERIFY when it fails. */
enum eo_status upgrade_check_final(struct upgrade_run *run, struct eo_error *err);
/* ---- the user's hook (upgrade_hook.c) ---- */
/* Before the first step: EO_OK to go on (also without a hook); EO_ERR_HOOK_SKIPPED when it
 * said no; EO_ERR_INTERRUPTED. */
enum eo_status upgrade_hook_before(struct upgrade_run *run, struct eo_error *err);
/* After the upgrade ended with `status` (err its error): the status to end with — unchanged
 * unless it was EO_OK and the hook said no (EO_ERR_HOOK_FAILED), or the run was interrupted
 * during it. Runs only when the hook before ran and said yes, never after an interruption. */
enum eo_status upgrade_hook_after(struct upgrade_run *run, enum eo_status status,
                                  struct eo_error *err);
/* A device found up to date whose hook after an earlier run left pending: that hook now. */
enum eo_status upgrade_hook_pending(struct upgrade_run *run, struct eo_error *err);
/* A dry run says the hook is not run. */
void upgrade_hook_dry_run(struct upgrade_run *run);

/* Fills res->where: what the device runs and how to finish. */
void upgrade_describe_where(struct upgrade_run *run, enum eo_status status,
                            const struct eo_error *err);

#endif
