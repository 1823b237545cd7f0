/* password.c — the password of one device for flash and upgrade (see password.h). */
#include "password.h"

#include "espurna-ota/output.h"
#include "settings.h"

void cli_password_file_sources(const char *password_file, struct eo_secret_sources *sources)
{
    const struct setting_origin *origin = settings_origin("password-file");
    bool default_only = origin && origin->origin != EO_CONFIG_FLAG;
    sources->password_file = default_only ? NULL : password_file;
    sources->password_file_default = default_only ? password_file : NULL;
}

enum eo_status cli_resolve_password(const struct eo_target *target, const char *password_arg,
                                    const char *password_file, char out[EO_SECRET_MAX],
                                    struct eo_error *err)
{
    const char *keys[] = {target->name, target->address, NULL};
    struct eo_secret_sources sources = {.password_arg = password_arg};
    cli_password_file_sources(password_file, &sources);
    enum eo_secret_origin origin;
    enum eo_status status = eo_secret_resolve(&sources, keys, out, &origin, err);
    if (status == EO_OK && password_arg)
        eo_out_warn("--password shows the password to every user of this machine (process "
                    "list, shell history); use --password-file or ESPURNA_OTA_PASSWORD");
    return status;
}
