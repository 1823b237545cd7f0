/* upgrade_json.h — the JSON of an upgrade's plan, core image, steps and hooks, shared by `upgrade`
 * (one device) and `batch` (each device of the fleet). */
#ifndef ESPURNA_OTA_CLI_UPGRADE_JSON_H
#define ESPURNA_OTA_CLI_UPGRADE_JSON_H

#include <jansson.h>

#include "espurna-ota/upgrade.h"

/* "core", "gzip" or "image". */
const char *cli_step_image_name(enum eo_step_image image);
/* {route, summary, steps: [{step, image, method, bytes, inflated, free_before, free_after,
 * expect_version, expect_kind}], notes, resumes}, or null when nothing was planned. */
json_t *cli_upgrade_plan_json(const struct eo_upgrade_result *result);
/* {path, reason} of the core image used or chosen, or null. */
json_t *cli_upgrade_core_json(const struct eo_upgrade_result *result);
/* The steps that ran: [{step, image, method, bytes_confirmed, push_seconds, ...}]. */
json_t *cli_upgrade_steps_json(const struct eo_upgrade_result *result);
/* {before, after}: each null when that hook did not run, else {passed, end, exit_code, signal,
 * seconds, timeout_s, lines, last_line, resumed}. */
json_t *cli_upgrade_hooks_json(const struct eo_upgrade_result *result);

#endif
