/* discover_lookup.c — one name over mDNS without browsing, for --device: a host name resolver
 * for "x.local", a service resolver for an _arduino._tcp instance name, or both at once for a
 * bare name (ESPURNA-1A2B3C), the first answer winning. IPv4 answers only: the ESP8266 speaks
 * nothing else. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <avahi-common/address.h>
#include <avahi-common/error.h>

#include "discover_session.h"

static void found_address(struct discover_session *session, const AvahiAddress *address,
                          uint16_t espota_port)
{
    char numeric[AVAHI_ADDRESS_STR_MAX];
    if (session->found || !address)
        return;
    avahi_address_snprint(numeric, sizeof numeric, address);
    snprintf(session->target->address, sizeof session->target->address, "%s", numeric);
    if (espota_port)
        session->target->espota_port = espota_port;
    session->found = true;
}

static void host_callback(AvahiHostNameResolver *resolver, AvahiIfIndex interface,
                          AvahiProtocol protocol, AvahiResolverEvent event, const char *name,
                          const AvahiAddress *address, AvahiLookupResultFlags flags, void *userdata)
{
    struct discover_session *session = userdata;
    (void)interface, (void)protocol, (void)name, (void)flags;
    if (event == AVAHI_RESOLVER_FOUND)
        found_address(session, address, 0);
    session->lookups_pending--;
    avahi_host_name_resolver_free(resolver);
}

static void instance_callback(AvahiServiceResolver *resolver, AvahiIfIndex interface,
                              AvahiProtocol protocol, AvahiResolverEvent event, const char *name,
                              const char *type, const char *domain, const char *host_name,
                              const AvahiAddress *address, uint16_t port, AvahiStringList *txt,
                              AvahiLookupResultFlags flags, void *userdata)
{
    struct discover_session *session = userdata;
    (void)interface, (void)protocol, (void)name, (void)type, (void)domain, (void)host_name;
    (void)txt, (void)flags;
    if (event == AVAHI_RESOLVER_FOUND)
        found_address(session, address, port);
    session->lookups_pending--;
    avahi_service_resolver_free(resolver);
}

static void start_host(struct discover_session *session, const char *host_name)
{
    if (avahi_host_name_resolver_new(session->client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                     host_name, AVAHI_PROTO_INET, 0, host_callback, session))
        session->lookups_pending++;
}

static void start_instance(struct discover_session *session, const char *instance)
{
    if (avahi_service_resolver_new(session->client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, instance,
                                   "_arduino._tcp", "local", AVAHI_PROTO_INET, 0, instance_callback,
                                   session))
        session->lookups_pending++;
}

static bool ends_with_local(const char *name)
{
    size_t len = strlen(name);
    return (len > 6 && strcasecmp(name + len - 6, ".local") == 0) ||
           (len > 7 && strcasecmp(name + len - 7, ".local.") == 0);
}

static void start_lookups(struct discover_session *session, const char *name)
{
    char host_name[300];
    if (ends_with_local(name)) {
        start_host(session, name);
    } else if (!strchr(name, '.')) {
        snprintf(host_name, sizeof host_name, "%s.local", name);
        start_host(session, host_name);
        start_instance(session, name);
    } else {
        start_instance(session, name);
    }
}

static bool answered(struct discover_session *session, double now_s)
{
    (void)now_s;
    return session->found || session->lookups_pending == 0;
}

enum eo_status eo_discover_lookup(const char *name, unsigned timeout_ms, struct eo_target *out,
                                  struct eo_error *err)
{
    struct discover_session session;
    if (!name || !name[0] || strlen(name) >= sizeof out->name)
        return eo_error_set(err, EO_ERR_USAGE, "device name is empty or too long");
    enum eo_status status = discover_session_open(&session, err);
    if (status != EO_OK)
        return status;
    eo_target_init(out, name, "");
    session.target = out;
    session.settle.resolves_pending = 1; /* never "quiet": wait for an answer or the deadline */
    start_lookups(&session, name);
    double deadline =
        session.start_s + (timeout_ms ? timeout_ms : EO_DISCOVER_LOOKUP_TIMEOUT_MS) / 1000.0;
    if (session.lookups_pending > 0)
        discover_session_loop(&session, deadline, 0, answered);
    if (session.failed)
        status = EO_ERR_DISCOVERY;
    else if (!session.found)
        status = eo_error_set(err, EO_ERR_UNREACHABLE,
                              "no device named '%s' answered over mDNS; check the name, or give "
                              "its IP address",
                              name);
    discover_session_close(&session);
    return status;
}
