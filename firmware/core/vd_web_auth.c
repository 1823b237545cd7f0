/* vd_web_auth.c — Digest challenge and check (see vd_web_auth.h). The Authorization value is
 * split at commas into name=value pairs, quotes removed, as ESPAsyncWebServer's
 * checkDigestAuthentication() reads it. */
#include "vd_web_auth.h"

#include <stdio.h>
#include <string.h>

#define FIELD_MAX 256

struct digest_fields {
    char username[FIELD_MAX], realm[FIELD_MAX], nonce[FIELD_MAX], uri[FIELD_MAX];
    char response[FIELD_MAX], qop[FIELD_MAX], nc[FIELD_MAX], cnonce[FIELD_MAX];
};

static void random_hex(const struct vd_md5 *md5, vd_random_fn random, char hex[33])
{
    unsigned char raw[16];
    random(raw, sizeof raw);
    vd_md5_hex(md5, raw, sizeof raw, hex);
}

void vd_web_digest_challenge(const struct vd_md5 *md5, vd_random_fn random, const char *realm,
                             char *out, size_t cap)
{
    char nonce[33], opaque[33];
    random_hex(md5, random, nonce);
    random_hex(md5, random, opaque);
    snprintf(out, cap, "Digest realm=\"%s\", qop=\"auth\", nonce=\"%s\", opaque=\"%s\"", realm,
             nonce, opaque);
}

/* Copies text[0..len) without surrounding blanks and one pair of quotes. */
static void copy_value(char *dst, const char *text, size_t len)
{
    while (len > 0 && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len >= 2 && text[0] == '"' && text[len - 1] == '"') {
        text++;
        len -= 2;
    }
    len = len < FIELD_MAX - 1 ? len : FIELD_MAX - 1;
    memcpy(dst, text, len);
    dst[len] = '\0';
}

static char *field_slot(struct digest_fields *f, const char *name, size_t len)
{
    static const struct {
        const char *name;
        size_t offset;
    } slots[] = {
        {"username", offsetof(struct digest_fields, username)},
        {"realm", offsetof(struct digest_fields, realm)},
        {"nonce", offsetof(struct digest_fields, nonce)},
        {"uri", offsetof(struct digest_fields, uri)},
        {"response", offsetof(struct digest_fields, response)},
        {"qop", offsetof(struct digest_fields, qop)},
        {"nc", offsetof(struct digest_fields, nc)},
        {"cnonce", offsetof(struct digest_fields, cnonce)},
    };
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
        if (strlen(slots[i].name) == len && strncmp(slots[i].name, name, len) == 0)
            return (char *)f + slots[i].offset;
    return NULL; /* opaque, algorithm, ...: read and ignored */
}

/* One "name=value" pair; false when it has no '='. */
static bool parse_pair(struct digest_fields *f, const char *pair, size_t len)
{
    const char *eq = memchr(pair, '=', len);
    if (!eq)
        return false;
    char name[FIELD_MAX];
    copy_value(name, pair, (size_t)(eq - pair));
    char *slot = field_slot(f, name, strlen(name));
    if (slot)
        copy_value(slot, eq + 1, len - (size_t)(eq + 1 - pair));
    return true;
}

static bool parse_fields(const char *value, struct digest_fields *f)
{
    memset(f, 0, sizeof *f);
    if (strncmp(value, "Digest ", 7) != 0 || !strchr(value, ','))
        return false;
    for (const char *p = value + 7; *p;) {
        size_t len = strcspn(p, ",");
        if (!parse_pair(f, p, len))
            return false;
        p += len + (p[len] == ',');
    }
    return true;
}

bool vd_web_digest_check(const struct vd_md5 *md5, const char *authorization, const char *method,
                         const char *user, const char *password)
{
    struct digest_fields f;
    if (!parse_fields(authorization, &f) || strcmp(f.username, user) != 0)
        return false;
    char text[6 * FIELD_MAX], ha1[33], ha2[33], expected[33];
    snprintf(text, sizeof text, "%s:%s:%s", f.username, f.realm, password);
    vd_md5_hex(md5, text, strlen(text), ha1);
    snprintf(text, sizeof text, "%s:%s", method, f.uri);
    vd_md5_hex(md5, text, strlen(text), ha2);
    snprintf(text, sizeof text, "%s:%s:%s:%s:%s:%s", ha1, f.nonce, f.nc, f.cnonce, f.qop, ha2);
    vd_md5_hex(md5, text, strlen(text), expected);
    return strcmp(expected, f.response) == 0;
}
