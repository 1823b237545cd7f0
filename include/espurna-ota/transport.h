/* transport.h — what every upgrade method (espota, web, terminal) shares: the method names, how
 * to reach a device, progress callbacks, and the outcome of one push. Each method's module
 * (espota.h, web.h, terminal.h) takes these plus its own options. */
#ifndef ESPURNA_OTA_TRANSPORT_H
#define ESPURNA_OTA_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "espurna-ota/cancel.h"
#include "espurna-ota/status.h"

enum eo_method { EO_METHOD_ESPOTA = 0, EO_METHOD_WEB, EO_METHOD_TERMINAL, EO_METHOD_COUNT };

const char *eo_method_name(enum eo_method method); /* "espota", "web", "terminal" */
/* Parses a method name; returns false when unknown. */
bool eo_method_parse(const char *name, enum eo_method *out);

#define EO_DEFAULT_ESPOTA_PORT 8266u
#define EO_DEFAULT_ESP32_OTA_PORT 3232u
#define EO_DEFAULT_WEB_PORT 80u
#define EO_DEFAULT_TELNET_PORT 23u

/* How to reach one device. `name` is what the user gave (for messages), `address` the
 * numeric IPv4/IPv6 address actually used. */
struct eo_target {
    char name[256];
    char address[64];
    uint16_t espota_port;
    uint16_t web_port;
    uint16_t telnet_port;
};

/* Fills ports with the defaults and copies name/address. */
void eo_target_init(struct eo_target *target, const char *name, const char *address);

/* Progress of one transfer: `done` is what the device confirmed (its byte counts, or what its
 * TCP acknowledged), never what was only queued here. total may be 0 when unknown. */
struct eo_progress {
    uint64_t done;
    uint64_t total;
    double elapsed_s;
};
typedef void (*eo_progress_fn)(void *ctx, const struct eo_progress *progress);

/* What one push did, filled by every transport whether it succeeded or not. */
struct eo_push_result {
    enum eo_status status;
    uint64_t bytes_confirmed; /* what the device confirmed it took (counts, TCP acks, its reply) */
    double seconds;           /* from the first byte sent to the last confirmation */
    char device_reply[256];   /* the device's own final text ("OK", "ERROR[7]: MD5 ..."), if any */
};

/* Ends a push that was asked to stop, saying where the device stands: nothing sent (unchanged),
 * part of the image (it drops the update), or all of it (it may install it: hint
 * CHECK_VERSION). `device` is named as "device <device>"; `received` is what the device's
 * network stack took. Returns EO_ERR_INTERRUPTED. */
enum eo_status eo_push_interrupted(const struct eo_cancel *cancel, const char *device,
                                   uint64_t received, uint64_t total, bool started,
                                   struct eo_error *err);

/* The device's Updater error, whatever the method reports it through ("ERROR[4]: Not Enough
 * Space" on espota and 1.14.1+ web, "ERROR 4" on 1.12–1.14.0 web, "ERR: ERROR[10]: ..." after an
 * invitation): its number, or -1 when the text carries none. */
int eo_updater_error_code(const char *text);
/* What an Updater error number means for the user, the same for every method: NOFIT (4 not
 * enough space, 9 built for a larger flash), REFUSED (5, 8, 10, 12, 15, 16: the device will not
 * take this image now), TRANSFER (the rest: write, read, MD5, timeout errors). */
enum eo_status eo_updater_error_status(int code);

#endif
