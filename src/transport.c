/* transport.c — method names and target defaults shared by the espota, web and terminal
 * transports. */
#include "espurna-ota/transport.h"

#include <stdio.h>
#include <string.h>

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
