/* resolve.h — turns what the user typed as --device into a struct eo_target, for every
 * command: an IPv4/IPv6 literal (taken as is, never touches mDNS); "name.local" (mDNS host
 * name through avahi-daemon); a bare name such as ESPURNA-1A2B3C (mDNS host name or
 * _arduino._tcp instance name, whichever answers first; getaddrinfo when avahi-daemon is not
 * running); anything else through getaddrinfo (IPv4 preferred), then as an mDNS instance name. */
#ifndef ESPURNA_OTA_RESOLVE_H
#define ESPURNA_OTA_RESOLVE_H

#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"

/* Fills out (name = arg, address = numeric address, default ports — the espota port from the
 * service when found by instance name). Errors: EO_ERR_USAGE for an empty or overlong
 * argument, EO_ERR_UNREACHABLE when the name does not resolve, EO_ERR_DISCOVERY when an
 * mDNS-only name (name.local) needs avahi-daemon and it is not running. */
enum eo_status eo_resolve_device(const char *arg, struct eo_target *out, struct eo_error *err);

/* Whether text is a numeric IPv4 or IPv6 address. */
bool eo_resolve_is_address(const char *text);

#endif
