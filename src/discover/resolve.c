/* resolve.c — --device argument to a reachable address: numeric literals are taken as they
 * are; name.local and bare ESPURNA-XXXXXX style names go to mDNS (discover_lookup.c); other
 * names go through getaddrinfo (IPv4 answers preferred, since ESP8266 devices speak IPv4
 * only) and, failing that, are tried as mDNS instance names. */
#include "espurna-ota/resolve.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "espurna-ota/discover.h"

bool eo_resolve_is_address(const char *text)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, text, buf) == 1 || inet_pton(AF_INET6, text, buf) == 1;
}

/* Numeric form of the best answer: the first IPv4 one, else the first of any family. */
static bool pick_address(const struct addrinfo *list, char *out, size_t cap)
{
    const struct addrinfo *best = NULL;
    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            best = ai;
            break;
        }
        if (!best && ai->ai_family == AF_INET6)
            best = ai;
    }
    if (!best)
        return false;
    return getnameinfo(best->ai_addr, best->ai_addrlen, out, (socklen_t)cap, NULL, 0,
                       NI_NUMERICHOST) == 0;
}

static enum eo_status lookup(const char *name, char *out, size_t cap, struct eo_error *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(name, NULL, &hints, &list);
    if (rc != 0)
        return eo_error_set(err, EO_ERR_UNREACHABLE,
                            "cannot resolve device '%s': %s; give its IP address instead", name,
                            gai_strerror(rc));
    bool found = pick_address(list, out, cap);
    freeaddrinfo(list);
    if (!found)
        return eo_error_set(err, EO_ERR_UNREACHABLE,
                            "device '%s' has no IPv4 or IPv6 address; give its IP address instead",
                            name);
    return EO_OK;
}

static bool is_mdns_name(const char *name)
{
    size_t len = strlen(name);
    return (len > 6 && strcasecmp(name + len - 6, ".local") == 0) ||
           (len > 7 && strcasecmp(name + len - 7, ".local.") == 0);
}

/* A bare name: mDNS first (host or instance); without avahi-daemon, getaddrinfo may still
 * know it (/etc/hosts, DNS search domains), else the discovery error stands. */
static enum eo_status resolve_bare(const char *arg, struct eo_target *out, struct eo_error *err)
{
    enum eo_status status = eo_discover_lookup(arg, 0, out, err);
    if (status != EO_ERR_DISCOVERY)
        return status;
    struct eo_error dns_err;
    char address[sizeof out->address];
    if (lookup(arg, address, sizeof address, &dns_err) != EO_OK)
        return status;
    eo_error_clear(err);
    eo_target_init(out, arg, address);
    return EO_OK;
}

/* A dotted name: DNS first; when it fails, it may be an mDNS instance name ("Kitchen v1.2"). */
static enum eo_status resolve_dotted(const char *arg, struct eo_target *out, struct eo_error *err)
{
    char address[sizeof out->address];
    enum eo_status status = lookup(arg, address, sizeof address, err);
    if (status == EO_OK) {
        eo_target_init(out, arg, address);
        return EO_OK;
    }
    struct eo_error mdns_err;
    if (eo_discover_lookup(arg, 0, out, &mdns_err) == EO_OK) {
        eo_error_clear(err);
        return EO_OK;
    }
    return status;
}

enum eo_status eo_resolve_device(const char *arg, struct eo_target *out, struct eo_error *err)
{
    if (!arg || !arg[0])
        return eo_error_set(err, EO_ERR_USAGE, "empty device name; give a host name or address");
    if (strlen(arg) >= sizeof out->name)
        return eo_error_set(err, EO_ERR_USAGE, "device name '%.40s...' is too long", arg);
    if (eo_resolve_is_address(arg)) {
        eo_target_init(out, arg, arg);
        return EO_OK;
    }
    if (is_mdns_name(arg))
        return eo_discover_lookup(arg, 0, out, err);
    if (!strchr(arg, '.') && !strchr(arg, ':'))
        return resolve_bare(arg, out, err);
    return resolve_dotted(arg, out, err);
}
