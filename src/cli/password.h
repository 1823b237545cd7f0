/* password.h — the password of one device for the commands that take one (flash, upgrade):
 * --password-file, --password (which warns), ESPURNA_OTA_PASSWORD, a password-file setting
 * (ESPURNA_OTA_PASSWORD_FILE, a config file), then the password store. */
#ifndef ESPURNA_OTA_CLI_PASSWORD_H
#define ESPURNA_OTA_CLI_PASSWORD_H

#include "espurna-ota/secret.h"
#include "espurna-ota/transport.h"

/* Finds the password for `target` (looked up in the store by its name and address). */
enum eo_status cli_resolve_password(const struct eo_target *target, const char *password_arg,
                                    const char *password_file, char out[EO_SECRET_MAX],
                                    struct eo_error *err);

/* Puts `password_file` where it belongs in `sources`: first when the command line gave it, after
 * ESPURNA_OTA_PASSWORD when it came from a setting. */
void cli_password_file_sources(const char *password_file, struct eo_secret_sources *sources);

#endif
