/* status.h — outcomes as values: the one table of result codes, which is also the
 * table of process exit codes, and the caller-owned error record every library call fills. */
#ifndef ESPURNA_OTA_STATUS_H
#define ESPURNA_OTA_STATUS_H

#include <stdarg.h>

/* Values are the exit codes of the espurna-ota command (documented in man/espurna-ota.1).
 * Never renumber: scripts depend on them. Add new codes at the end. */
enum eo_status {
    EO_OK = 0,             /* success */
    EO_ERR_INTERNAL = 1,   /* unexpected failure inside the tool (a bug, out of memory) */
    EO_ERR_USAGE = 2,      /* bad command line */
    EO_ERR_FILE = 3,       /* a local file is missing, unreadable, a directory, or too large */
    EO_ERR_IMAGE = 4,      /* the file is not a valid firmware image */
    EO_ERR_NOFIT = 5,      /* the image cannot be installed on the device (size, flash) */
    EO_ERR_UNREACHABLE = 6, /* the device did not answer, or never connected back */
    EO_ERR_REFUSED = 7,    /* the device answered and refused (busy, not enough space, bad image) */
    EO_ERR_AUTH = 8,       /* the device rejected the password */
    EO_ERR_TRANSFER = 9,   /* the transfer started and failed (dropped, MD5 error, no result) */
    EO_ERR_VERIFY = 10,    /* the device came back with an unexpected version */
    EO_ERR_DISCOVERY = 11, /* mDNS discovery is unavailable (no avahi-daemon) or found nothing */
    EO_ERR_INPUT = 12,     /* malformed input file other than an image (device list, journal) */
};

#define EO_ERROR_MESSAGE_MAX 512

/* Filled by library calls that fail. `message` is one lower-case line without the
 * "espurna-ota: " prefix, naming what failed, why and (when known) what to do. */
struct eo_error {
    enum eo_status status;
    char message[EO_ERROR_MESSAGE_MAX];
};

/* Sets err (if not NULL) and returns `status`, so callers can write
 * `return eo_error_set(err, EO_ERR_FILE, "%s: %s", path, strerror(errno));` */
enum eo_status eo_error_set(struct eo_error *err, enum eo_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
enum eo_status eo_error_setv(struct eo_error *err, enum eo_status status, const char *format,
                             va_list args) __attribute__((format(printf, 3, 0)));
void eo_error_clear(struct eo_error *err);

/* Stable short name of a status ("ok", "usage", "file", "image", ...) for JSON output. */
const char *eo_status_name(enum eo_status status);

#endif
