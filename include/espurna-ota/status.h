/* status.h — outcomes as values: the one table of result codes, which is also the
 * table of process exit codes, and the caller-owned error record every library call fills. */
#ifndef ESPURNA_OTA_STATUS_H
#define ESPURNA_OTA_STATUS_H

#include <stdarg.h>

/* Values are the exit codes of the espurna-ota command (documented in man/espurna-ota.1).
 * Never renumber: scripts depend on them. Add new codes at the end. */
enum eo_status {
    EO_OK = 0,              /* success */
    EO_ERR_INTERNAL = 1,    /* unexpected failure inside the tool (a bug, out of memory) */
    EO_ERR_USAGE = 2,       /* bad command line */
    EO_ERR_FILE = 3,        /* a local file is missing, unreadable, a directory, or too large */
    EO_ERR_IMAGE = 4,       /* the file is not a valid firmware image */
    EO_ERR_NOFIT = 5,       /* the image cannot be installed on the device (size, flash) */
    EO_ERR_UNREACHABLE = 6, /* the device did not answer, or never connected back */
    EO_ERR_REFUSED = 7,    /* the device answered and refused (busy, not enough space, bad image) */
    EO_ERR_AUTH = 8,       /* the device rejected the password */
    EO_ERR_TRANSFER = 9,   /* the transfer started and failed (dropped, MD5 error, no result) */
    EO_ERR_VERIFY = 10,    /* the device came back with an unexpected version */
    EO_ERR_DISCOVERY = 11, /* mDNS discovery is unavailable (no avahi-daemon) or found nothing */
    EO_ERR_INPUT = 12,     /* malformed input file other than an image (device list, journal) */
    EO_ERR_UNKNOWN = 13,   /* the device took the whole image but never said how it ended: it may
                            * install it; what it runs after its reboot tells */
    EO_ERR_SOME_FAILED = 14,  /* batch: at least one device failed (the others are in the report) */
    EO_ERR_ABORTED = 15,      /* batch: the failure limit stopped the rollout between waves */
    EO_NOTHING_TO_DO = 16,    /* batch: no device needed anything (all up to date, offline or
                               * skipped) */
    EO_ERR_HOOK_SKIPPED = 17, /* the --hook run before the first step said no (a non-zero exit, a
                               * timeout): the device was skipped, nothing was sent */
    EO_ERR_HOOK_FAILED = 18,  /* the image is installed and verified, but the --hook run after it
                               * said no */
    /* A signal ended the run. The process exits with 128 + the signal (130 SIGINT, 143 SIGTERM,
     * 129 SIGHUP): eo_error_exit_code(). */
    EO_ERR_INTERRUPTED = 130,
};

/* What the user can do about an outcome. The library names the situation; the CLI words the
 * advice for the command in use (flags and commands are the CLI's vocabulary, not the
 * library's), so the same outcome reads right in `flash`, `upgrade` and `batch`. */
enum eo_hint {
    EO_HINT_NONE = 0,
    EO_HINT_PASSWORD_MISSING, /* the device asks for a password and none was given */
    EO_HINT_PASSWORD_WRONG,   /* the device rejected the password */
    EO_HINT_TWO_STEP,         /* too big to sit beside the running image: a core image first */
    EO_HINT_FLASH_SIZE,       /* built for more flash than the device has: no core image helps */
    EO_HINT_CONNECT_BACK,     /* espota: the device cannot connect back to this host */
    EO_HINT_FETCH_BACK,       /* terminal: the device cannot fetch the image from this host */
    EO_HINT_NO_WEB,           /* the device has no web server (a core build) */
    EO_HINT_NO_ESPOTA,        /* the device has no ArduinoOTA (a webui build) */
    EO_HINT_TLS,              /* https: the certificate or key did not verify */
    EO_HINT_STALL,            /* the transfer stopped moving: try again, fewer chunks in flight */
    EO_HINT_RETRY,            /* transient: try again */
    EO_HINT_BUSY,             /* another update is running: wait for its reboot */
    EO_HINT_CHECK_VERSION, /* the outcome is unknown: read the version it reports after its reboot
                            */
    EO_HINT_WRONG_DEVICE,  /* another device answers at that address */
    EO_HINT_SERVE_ADDRESS, /* serve: the address to put in the URL must be this host's */
    EO_HINT_DOWNGRADE,     /* the image is older than what the device runs */
    EO_HINT_OTHER_APP,     /* the image is not the app the device runs (ESPurna or not) */
    EO_HINT_CORE_IMAGE,    /* two steps are needed and no core image was found or given */
    EO_HINT_SERIAL,        /* nothing fits over the air: a smaller build or serial flashing */
    EO_HINT_RERUN,         /* the device is between steps: the same command again finishes */
    EO_HINT_RESTART,       /* it took the image but did not reboot: a restart installs it */
    EO_HINT_HOOK_BEFORE,   /* the hook before the first step said no: nothing was sent */
    EO_HINT_HOOK_AFTER,    /* the hook after the upgrade said no: the image stays installed */
    EO_HINT_COUNT
};

#define EO_ERROR_MESSAGE_MAX 512

/* Filled by library calls that fail. `message` is one lower-case line without the
 * "espurna-ota: " prefix, naming the device, what failed and why, in words that hold for every
 * command; what to do is the hint's, worded by the caller. */
struct eo_error {
    enum eo_status status;
    enum eo_hint hint;
    int updater_code; /* the device's Updater error number, -1 when none */
    long http_status; /* the device's HTTP status, 0 when none */
    int signal;       /* EO_ERR_INTERRUPTED: the signal that ended the run */
    char message[EO_ERROR_MESSAGE_MAX];
};

/* Sets err (if not NULL) and returns `status`, so callers can write
 * `return eo_error_set(err, EO_ERR_FILE, "%s: %s", path, strerror(errno));` */
enum eo_status eo_error_set(struct eo_error *err, enum eo_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
enum eo_status eo_error_setv(struct eo_error *err, enum eo_status status, const char *format,
                             va_list args) __attribute__((format(printf, 3, 0)));
void eo_error_clear(struct eo_error *err);
/* eo_error_set with a hint. */
enum eo_status eo_error_hinted(struct eo_error *err, enum eo_status status, enum eo_hint hint,
                               const char *format, ...) __attribute__((format(printf, 4, 5)));

/* The process exit code for an outcome: the status, or 128 + signal when interrupted. */
int eo_error_exit_code(const struct eo_error *err);

/* Stable short name of a hint ("two_step", "check_version", ...) for JSON output; NULL for
 * EO_HINT_NONE. */
const char *eo_hint_name(enum eo_hint hint);

/* Stable short name of a status ("ok", "usage", "file", "image", ...) for JSON output. */
const char *eo_status_name(enum eo_status status);
/* What a status means, as the man page's EXIT STATUS says it ("the device rejected the
 * password"). */
const char *eo_status_meaning(enum eo_status status);

#endif
