/* password.c — the password of one device for flash and upgrade (see password.h). */
#include "password.h"

#include "espurna-ota/output.h"

enum eo_status cli_resolve_password(const struct eo_target *target, const char *password_arg,
                                    const char *password_file, char out[EO_SECRET_MAX],
                                    struct eo_error *err)
{
    const char *keys[] = {target->name, target->address, NULL};
    struct eo_secret_sources sources = {.password_arg = password_arg,
                                        .password_file = password_file};
    enum eo_secret_origin origin;
    enum eo_status status = eo_secret_resolve(&sources, keys, out, &origin, err);
    if (status == EO_OK && password_arg)
        eo_out_warn("--password shows the password to every user of this machine (process "
                    "list, shell history); use --password-file or ESPURNA_OTA_PASSWORD");
    return status;
}
