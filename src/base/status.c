/* status.c — the error record and the names and meanings of the status / exit-code table. */
#include "espurna-ota/status.h"

#include <stdio.h>
#include <string.h>

struct status_row {
    const char *name;
    const char *meaning;
};

static const struct status_row rows[] = {
    [EO_OK] = {"ok", "success"},
    [EO_ERR_INTERNAL] = {"internal", "internal error"},
    [EO_ERR_USAGE] = {"usage", "bad command line"},
    [EO_ERR_FILE] = {"file", "a local file is missing, unreadable or too large"},
    [EO_ERR_IMAGE] = {"image", "not a valid firmware image"},
    [EO_ERR_NOFIT] = {"nofit", "the image cannot be installed on the device"},
    [EO_ERR_UNREACHABLE] = {"unreachable", "the device did not answer"},
    [EO_ERR_REFUSED] = {"refused", "the device refused the update"},
    [EO_ERR_AUTH] = {"auth", "the device rejected the password"},
    [EO_ERR_TRANSFER] = {"transfer", "the transfer failed"},
    [EO_ERR_VERIFY] = {"verify", "the device came back with an unexpected version"},
    [EO_ERR_DISCOVERY] = {"discovery", "mDNS discovery is unavailable"},
    [EO_ERR_INPUT] = {"input", "malformed input file"},
    [EO_ERR_UNKNOWN] = {"unknown", "the outcome is unknown: the device may install the image"},
    [EO_ERR_SOME_FAILED] = {"some_failed", "some devices failed"},
    [EO_ERR_ABORTED] = {"aborted", "the failure limit stopped the rollout"},
    [EO_NOTHING_TO_DO] = {"nothing_to_do", "no device needed anything"},
    [EO_ERR_HOOK_SKIPPED] = {"hook_skipped",
                             "the hook before the upgrade said no: nothing was sent"},
    [EO_ERR_HOOK_FAILED] = {"hook_failed", "the image is installed, but the hook after it said no"},
};

static const struct status_row interrupted_row = {"interrupted", "a signal ended the run"};

static const struct status_row *row_for(enum eo_status status)
{
    if (status == EO_ERR_INTERRUPTED)
        return &interrupted_row;
    if ((unsigned)status < sizeof rows / sizeof rows[0] && rows[status].name)
        return &rows[status];
    return &rows[EO_ERR_INTERNAL];
}

static const char *const hint_names[EO_HINT_COUNT] = {
    [EO_HINT_PASSWORD_MISSING] = "password_missing",
    [EO_HINT_PASSWORD_WRONG] = "password_wrong",
    [EO_HINT_TWO_STEP] = "two_step",
    [EO_HINT_FLASH_SIZE] = "flash_size",
    [EO_HINT_CONNECT_BACK] = "connect_back",
    [EO_HINT_FETCH_BACK] = "fetch_back",
    [EO_HINT_NO_WEB] = "no_web",
    [EO_HINT_NO_ESPOTA] = "no_espota",
    [EO_HINT_TLS] = "tls",
    [EO_HINT_STALL] = "stall",
    [EO_HINT_RETRY] = "retry",
    [EO_HINT_BUSY] = "busy",
    [EO_HINT_CHECK_VERSION] = "check_version",
    [EO_HINT_WRONG_DEVICE] = "wrong_device",
    [EO_HINT_SERVE_ADDRESS] = "serve_address",
    [EO_HINT_DOWNGRADE] = "downgrade",
    [EO_HINT_OTHER_APP] = "other_app",
    [EO_HINT_CORE_IMAGE] = "core_image",
    [EO_HINT_SERIAL] = "serial",
    [EO_HINT_RERUN] = "rerun",
    [EO_HINT_RESTART] = "restart",
    [EO_HINT_HOOK_BEFORE] = "hook_before",
    [EO_HINT_HOOK_AFTER] = "hook_after",
};

const char *eo_hint_name(enum eo_hint hint)
{
    return (unsigned)hint < EO_HINT_COUNT ? hint_names[hint] : NULL;
}

int eo_error_exit_code(const struct eo_error *err)
{
    if (!err)
        return EO_OK;
    if (err->status == EO_ERR_INTERRUPTED)
        return 128 + (err->signal > 0 && err->signal < 64 ? err->signal : 2);
    return (int)err->status;
}

const char *eo_status_name(enum eo_status status)
{
    return row_for(status)->name;
}

const char *eo_status_meaning(enum eo_status status)
{
    return row_for(status)->meaning;
}

enum eo_status eo_error_setv(struct eo_error *err, enum eo_status status, const char *format,
                             va_list args)
{
    if (err) {
        err->status = status;
        err->hint = EO_HINT_NONE;
        err->updater_code = -1;
        err->http_status = 0;
        err->signal = 0;
        vsnprintf(err->message, sizeof err->message, format, args);
    }
    return status;
}

enum eo_status eo_error_hinted(struct eo_error *err, enum eo_status status, enum eo_hint hint,
                               const char *format, ...)
{
    va_list args;
    va_start(args, format);
    eo_error_setv(err, status, format, args);
    va_end(args);
    if (err)
        err->hint = hint;
    return status;
}

enum eo_status eo_error_set(struct eo_error *err, enum eo_status status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    eo_error_setv(err, status, format, args);
    va_end(args);
    return status;
}

void eo_error_clear(struct eo_error *err)
{
    if (err) {
        err->status = EO_OK;
        err->hint = EO_HINT_NONE;
        err->updater_code = -1;
        err->http_status = 0;
        err->signal = 0;
        err->message[0] = '\0';
    }
}
