/* secret.h — where a device password comes from, in order: what the command line says
 * (--password-file FILE, "-" for stdin; or --password PW, which works but the caller warns: argv
 * is visible to every user), then the ESPURNA_OTA_PASSWORD environment variable, then a
 * password file given as a default (ESPURNA_OTA_PASSWORD_FILE or a config file), then the
 * password store ($XDG_CONFIG_HOME/espurna-ota/passwords, else ~/.config/espurna-ota/passwords:
 * lines "<hostname|address|*> <password>", must not be readable by group or others).
 * Passwords are never logged, printed or put into JSON. */
#ifndef ESPURNA_OTA_SECRET_H
#define ESPURNA_OTA_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "espurna-ota/status.h"

#define EO_SECRET_MAX 128

enum eo_secret_origin {
    EO_SECRET_NONE = 0,
    EO_SECRET_FILE,
    EO_SECRET_ENV,
    EO_SECRET_STORE,
    EO_SECRET_ARGUMENT
};

struct eo_secret_sources {
    const char *password_arg;  /* --password, or NULL */
    const char *password_file; /* --password-file, or NULL */
    /* a password file from the settings (environment, config file): after ESPURNA_OTA_PASSWORD */
    const char *password_file_default;
    const char *store_path; /* NULL: the default store path */
};

/* Finds the password for a device known by any of `keys` (hostname, address; NULL-terminated).
 * Returns EO_OK with origin NONE and an empty password when no source has one. Errors
 * (EO_ERR_FILE / EO_ERR_INPUT): unreadable file, store with unsafe permissions, malformed line,
 * password longer than EO_SECRET_MAX-1. */
enum eo_status eo_secret_resolve(const struct eo_secret_sources *sources, const char *const *keys,
                                 char out[EO_SECRET_MAX], enum eo_secret_origin *origin,
                                 struct eo_error *err);

/* Overwrites a password buffer with zeros in a way the compiler keeps. */
void eo_secret_wipe(char *secret, size_t len);

/* How a file holding secrets is open to users other than its owner, looking only at the
 * permission bits of `mode` that are also in `forbidden` (S_IRGRP | S_IROTH for the password
 * store, 077 for the secrets file): "readable", else "writable", else "executable"; NULL when
 * none of those bits is set. For messages such as "<path> is readable by other users". */
const char *eo_secret_exposure(unsigned mode, unsigned forbidden);

#endif
