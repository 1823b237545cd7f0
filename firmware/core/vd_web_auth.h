/* vd_web_auth.h — the web server's Digest authentication as the async web server does it:
 * the 401 challenge carries a fresh 32-hex nonce and opaque and qop="auth", realm = hostname;
 * the check recomputes the response from the fields the client sent (nonces are not
 * remembered, so any nonce with the right response passes). Basic stays with the port. */
#ifndef VD_WEB_AUTH_H
#define VD_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "vd_ports.h"

/* The WWW-Authenticate value: `Digest realm="<realm>", qop="auth", nonce="<32 hex>",
 * opaque="<32 hex>"` (nonce and opaque: md5hex of random bytes). */
void vd_web_digest_challenge(const struct vd_md5 *md5, vd_random_fn random, const char *realm,
                             char *out, size_t cap);

/* Whether an Authorization value (`Digest username="admin", realm=..., ...`) answers for
 * user/password: response == md5(md5(user:realm:password):nonce:nc:cnonce:qop:md5(method:uri))
 * with every field as the client sent it. */
bool vd_web_digest_check(const struct vd_md5 *md5, const char *authorization, const char *method,
                         const char *user, const char *password);

#endif
