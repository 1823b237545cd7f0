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
};

static const struct status_row *row_for(enum eo_status status)
{
    if ((unsigned)status < sizeof rows / sizeof rows[0] && rows[status].name)
        return &rows[status];
    return &rows[EO_ERR_INTERNAL];
}

const char *eo_status_name(enum eo_status status)
{
    return row_for(status)->name;
}

enum eo_status eo_error_setv(struct eo_error *err, enum eo_status status, const char *format,
                             va_list args)
{
    if (err) {
        err->status = status;
        vsnprintf(err->message, sizeof err->message, format, args);
    }
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
        err->message[0] = '\0';
    }
}
