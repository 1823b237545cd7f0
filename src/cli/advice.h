/* advice.h — the CLI's words for what a user can do about an outcome: the library names the
 * situation (enum eo_hint), this turns it into advice for the command in use, and reports a
 * failure as one line (message; advice) on stderr and in the JSON result. */
#ifndef ESPURNA_OTA_CLI_ADVICE_H
#define ESPURNA_OTA_CLI_ADVICE_H

#include <jansson.h>

#include "espurna-ota/status.h"

/* Advice for `hint` worded for `command` ("flash", "serve", ...) about `device` (the name the
 * user gave; may be NULL) into buf; "" when there is none. Returns buf. */
const char *cli_advice(enum eo_hint hint, const char *command, const char *device, char *buf,
                       size_t cap);

/* "espurna-ota: <message>; <advice>" on stderr. */
void cli_report_error(const struct eo_error *err, const char *command, const char *device);

/* Adds "status", "exit_code" and, on failure, "error", "hint" and "advice" to a JSON result. */
void cli_json_status(json_t *obj, const struct eo_error *err, const char *command,
                     const char *device);

#endif
