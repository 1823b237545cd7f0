/* resolve.h — turns what the user typed as --device into a struct eo_target: an IPv4/IPv6
 * literal, or a host name looked up with getaddrinfo (IPv4 preferred). The discovery module
 * extends this later with mDNS forms (hostname.local, ESPURNA-XXXXXX). */
#ifndef ESPURNA_OTA_RESOLVE_H
#define ESPURNA_OTA_RESOLVE_H

#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"

/* Fills out (name = arg, address = numeric address, default ports). Errors: EO_ERR_USAGE for
 * an empty or overlong argument, EO_ERR_UNREACHABLE when the name does not resolve. */
enum eo_status eo_resolve_device(const char *arg, struct eo_target *out, struct eo_error *err);

/* Whether text is a numeric IPv4 or IPv6 address. */
bool eo_resolve_is_address(const char *text);

#endif
