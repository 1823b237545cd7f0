/* transport.c — method names and target defaults shared by the espota, web and terminal
 * transports. */
#include "espurna-ota/transport.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espurna-ota/vocabulary.h"

static const char *const method_names[EO_METHOD_COUNT] = {"espota", "web", "terminal"};

const char *eo_method_name(enum eo_method method)
{
    return (unsigned)method < EO_METHOD_COUNT ? method_names[method] : "unknown";
}

bool eo_method_parse(const char *name, enum eo_method *out)
{
    for (unsigned i = 0; i < EO_METHOD_COUNT; i++) {
        if (strcmp(name, method_names[i]) == 0) {
            *out = (enum eo_method)i;
            return true;
        }
    }
    return false;
}

void eo_target_init(struct eo_target *target, const char *name, const char *address)
{
    memset(target, 0, sizeof *target);
    snprintf(target->name, sizeof target->name, "%s", name ? name : "");
    snprintf(target->address, sizeof target->address, "%s", address ? address : "");
    target->espota_port = EO_DEFAULT_ESPOTA_PORT;
    target->web_port = EO_DEFAULT_WEB_PORT;
    target->telnet_port = EO_DEFAULT_TELNET_PORT;
}

/* "ERROR[n]" or "ERROR n" starting at `at` (which points at "ERROR") → n, else -1. */
static int error_number_at(const char *at)
{
    const char *p = at + 5;
    bool bracket = *p == '[';
    if (!bracket && *p != ' ')
        return -1;
    p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    char *end = NULL;
    long code = strtol(p, &end, 10);
    if ((bracket && *end != ']') || code > 1000)
        return -1;
    return (int)code;
}

int eo_updater_error_code(const char *text)
{
    for (const char *at = text ? strstr(text, "ERROR") : NULL; at; at = strstr(at + 5, "ERROR")) {
        int code = error_number_at(at);
        if (code >= 0)
            return code;
    }
    return -1;
}

enum eo_status eo_updater_error_status(int code)
{
    switch (code) {
    case EO_UPDATER_ERROR_SPACE:
    case EO_UPDATER_ERROR_NEW_FLASH_CONFIG: /* built for a larger chip */ return EO_ERR_NOFIT;
    case EO_UPDATER_ERROR_SIZE:
    case EO_UPDATER_ERROR_FLASH_CONFIG: /* the running image's */
    case EO_UPDATER_ERROR_MAGIC_BYTE:
    case EO_UPDATER_ERROR_SIGN:
    case EO_UPDATER_ERROR_RUNNING_ALREADY:
    case EO_UPDATER_ERROR_UNKNOWN_COMMAND: return EO_ERR_REFUSED;
    default: return EO_ERR_TRANSFER;
    }
}

enum eo_status eo_push_interrupted(const struct eo_cancel *cancel, const char *device,
                                   uint64_t received, uint64_t total, bool started,
                                   struct eo_error *err)
{
    int signal = eo_cancel_signal(cancel);
    const char *name = sigabbrev_np(signal ? signal : SIGINT);
    if (!started || received == 0)
        eo_error_set(err, EO_ERR_INTERRUPTED,
                     "interrupted (SIG%s) before device %s received any of "
                     "the image; it keeps its current firmware",
                     name ? name : "?", device);
    else if (received < total)
        eo_error_set(err, EO_ERR_INTERRUPTED,
                     "interrupted (SIG%s): device %s received %llu of "
                     "%llu bytes and drops the update; it keeps its current firmware",
                     name ? name : "?", device, (unsigned long long)received,
                     (unsigned long long)total);
    else
        eo_error_hinted(err, EO_ERR_INTERRUPTED, EO_HINT_CHECK_VERSION,
                        "interrupted (SIG%s) "
                        "after device %s had received all %llu bytes: it may install the image "
                        "and reboot",
                        name ? name : "?", device, (unsigned long long)total);
    if (err)
        err->signal = signal ? signal : SIGINT;
    return EO_ERR_INTERRUPTED;
}
