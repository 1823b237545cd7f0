/* discover_focus.c — resolving only what may be the wanted device (discover.h): the pure rule,
 * and the instances a session set aside meanwhile (discover_session.h), resolved when the rule
 * says so. A lookup or a watch among many devices then costs avahi-daemon a few resolves
 * instead of one per service of every device. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "discover_session.h"
#include "espurna-ota/discover.h"

/* ---- the rule ------------------------------------------------------------------------- */

static bool is_address(const char *name)
{
    unsigned char buffer[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, name, buffer) == 1 || inet_pton(AF_INET6, name, buffer) == 1;
}

void eo_discover_focus_init(struct eo_discover_focus *focus, const char *name)
{
    memset(focus, 0, sizeof *focus);
    focus->name = name && name[0] && !is_address(name) ? name : NULL;
}

bool eo_discover_named_like(const char *instance, const char *name)
{
    size_t len = strlen(instance);
    if (len == 0 || strncasecmp(name, instance, len) != 0)
        return false;
    return name[len] == '\0' || strcasecmp(name + len, ".local") == 0 ||
           strcasecmp(name + len, ".local.") == 0;
}

static bool focused(const struct eo_discover_focus *focus, int service)
{
    return focus->name && service >= 0 && service < EO_SERVICE_COUNT;
}

bool eo_discover_focus_wants(struct eo_discover_focus *focus, int service, const char *instance)
{
    if (!focused(focus, service))
        return true;
    if (eo_discover_named_like(instance, focus->name)) {
        focus->named[service] = true;
        return true;
    }
    return focus->listed[service] && !focus->named[service];
}

bool eo_discover_focus_listed(struct eo_discover_focus *focus, int service)
{
    if (!focused(focus, service) || focus->listed[service])
        return false;
    focus->listed[service] = true;
    return !focus->named[service];
}

/* ---- the instances set aside ------------------------------------------------------------ */

bool discover_aside_keep(struct discover_session *session, AvahiIfIndex interface,
                         AvahiProtocol protocol, int service, const char *name, const char *domain)
{
    if (session->aside_count == session->aside_cap) {
        size_t cap = session->aside_cap ? 2 * session->aside_cap : 16;
        struct discover_aside *grown = realloc(session->aside, cap * sizeof *grown);
        if (!grown)
            return false;
        session->aside = grown;
        session->aside_cap = cap;
    }
    struct discover_aside *aside = &session->aside[session->aside_count];
    *aside = (struct discover_aside){.interface = interface,
                                     .protocol = protocol,
                                     .service = service,
                                     .name = strdup(name),
                                     .domain = strdup(domain ? domain : "")};
    if (!aside->name || !aside->domain) {
        free(aside->name);
        free(aside->domain);
        return false;
    }
    session->aside_count++;
    return true;
}

static void aside_take(struct discover_session *session, size_t index)
{
    free(session->aside[index].name);
    free(session->aside[index].domain);
    session->aside[index] = session->aside[--session->aside_count];
}

void discover_aside_drop(struct discover_session *session, int service, const char *name)
{
    for (size_t i = 0; i < session->aside_count; i++)
        if (session->aside[i].service == service && strcmp(session->aside[i].name, name) == 0) {
            aside_take(session, i);
            return;
        }
}

void discover_aside_release(struct discover_session *session, int service,
                            discover_resolve_fn resolve, void *ctx)
{
    for (size_t i = 0; i < session->aside_count;) {
        struct discover_aside aside = session->aside[i];
        if (aside.service != service) {
            i++;
            continue;
        }
        resolve(ctx, aside.interface, aside.protocol, service, aside.name,
                aside.domain[0] ? aside.domain : NULL);
        aside_take(session, i);
    }
}

void discover_aside_free(struct discover_session *session)
{
    while (session->aside_count)
        aside_take(session, session->aside_count - 1);
    free(session->aside);
    session->aside = NULL;
    session->aside_cap = 0;
}
