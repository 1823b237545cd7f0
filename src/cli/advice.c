/* advice.c — what the user can do about an outcome, worded for the command in use. One table:
 * a row per hint and command; "*" rows serve every command without a row of its own. "%s" in a
 * text is the device as the user named it. */
#include "advice.h"

#include <stdio.h>
#include <string.h>

#include "espurna-ota/output.h"

struct advice_row {
    enum eo_hint hint;
    const char *command; /* "*" for any */
    const char *text;
};

static const struct advice_row rows[] = {
    {EO_HINT_PASSWORD_MISSING, "*",
     "give it with --password-file FILE, ESPURNA_OTA_PASSWORD or the password store"},
    {EO_HINT_PASSWORD_WRONG, "*",
     "check the password in --password-file, ESPURNA_OTA_PASSWORD or the password store"},
    {EO_HINT_TWO_STEP, "upgrade",
     "give a core image with --core FILE or a release folder with --firmware-dir DIR"},
    {EO_HINT_TWO_STEP, "*",
     "flash a core image first, let the device reboot into it, then flash this image "
     "(a two-step update)"},
    {EO_HINT_FLASH_SIZE, "*",
     "use the build for the device's flash size: no core image can help an image built for "
     "more flash than the device has"},
    {EO_HINT_CONNECT_BACK, "*",
     "allow incoming TCP on that port in this host's firewall, or choose an open one with "
     "--host-port"},
    {EO_HINT_FETCH_BACK, "serve",
     "check the URL, the address (--address) and this host's firewall"},
    {EO_HINT_FETCH_BACK, "*",
     "allow incoming TCP in this host's firewall, or choose the address and port with "
     "--serve-address and --serve-port"},
    {EO_HINT_NO_WEB, "*", "use --method espota or --method terminal"},
    {EO_HINT_NO_ESPOTA, "*", "use --method web or --method terminal"},
    {EO_HINT_TLS, "*", "check --ca-file or --pin"},
    {EO_HINT_STALL, "*",
     "try again; by espota, --window 1 sends one chunk at a time for devices that need it"},
    {EO_HINT_RETRY, "*", "try again"},
    {EO_HINT_BUSY, "*", "wait for that update to finish and the device to reboot, then try again"},
    {EO_HINT_CHECK_VERSION, "upgrade",
     "run the same command again: it reads what the device runs and finishes or reports up to "
     "date"},
    {EO_HINT_CHECK_VERSION, "*",
     "once it is back, the version it reports tells: espurna-ota discover --device %s"},
    {EO_HINT_WRONG_DEVICE, "*",
     "check the address, or name the device you mean with --expect-hostname"},
    {EO_HINT_SERVE_ADDRESS, "serve",
     "give an address of this host that the device reaches with --address (with --allow it may "
     "be left out: the one facing the device is used)"},
    {EO_HINT_SERVE_ADDRESS, "*",
     "give an address of this host that the device reaches with --serve-address, or leave it "
     "out to use the one facing the device"},
    {EO_HINT_DOWNGRADE, "*", "give --allow-downgrade if an older version is what you want"},
    {EO_HINT_OTHER_APP, "*",
     "check the image; give --force if replacing the device's firmware is what you want"},
    {EO_HINT_CORE_IMAGE, "*",
     "give a core image with --core FILE, or a folder of release images with --firmware-dir DIR"},
    {EO_HINT_SERIAL, "*", "use a smaller build of the firmware, or flash this image over serial"},
    {EO_HINT_RERUN, "*", "run the same command again to finish"},
    {EO_HINT_HOOK_BEFORE, "*",
     "nothing was sent: see the hook's own lines above for why it said no; run again once it "
     "agrees"},
    {EO_HINT_HOOK_AFTER, "batch",
     "the new image stays installed: see the hook's own lines above for what it found; running "
     "the batch again with the same journal runs the hook after again"},
    {EO_HINT_HOOK_AFTER, "*",
     "the new image stays installed: see the hook's own lines above for what it found; running "
     "the command again finds the device up to date and runs no hook"},
    {EO_HINT_RESTART, "*",
     "restart it (power-cycle it, or 'reset' on its terminal): it installs what it took at that "
     "restart; then run the same command again"},
};

static const struct advice_row *find_row(enum eo_hint hint, const char *command)
{
    const struct advice_row *any = NULL;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].hint != hint)
            continue;
        if (command && strcmp(rows[i].command, command) == 0)
            return &rows[i];
        if (!any && strcmp(rows[i].command, "*") == 0)
            any = &rows[i];
    }
    return any;
}

const char *cli_advice(enum eo_hint hint, const char *command, const char *device, char *buf,
                       size_t cap)
{
    const struct advice_row *row = hint == EO_HINT_NONE ? NULL : find_row(hint, command);
    buf[0] = '\0';
    if (!row)
        return buf;
    const char *mark = strstr(row->text, "%s");
    if (mark)
        snprintf(buf, cap, "%.*s%s%s", (int)(mark - row->text), row->text,
                 device && device[0] ? device : "DEV", mark + 2);
    else
        snprintf(buf, cap, "%s", row->text);
    return buf;
}

void cli_report_error(const struct eo_error *err, const char *command, const char *device)
{
    char advice[256];
    cli_advice(err->hint, command, device, advice, sizeof advice);
    eo_out_error_advice(err, advice);
}

void cli_json_status(json_t *obj, const struct eo_error *err, const char *command,
                     const char *device)
{
    char advice[256] = "";
    if (err && err->status != EO_OK)
        cli_advice(err->hint, command, device, advice, sizeof advice);
    eo_out_json_status(obj, err, advice);
}
