/* release_name.c — identity from an ESPurna release file name,
 * "espurna-<version>-<environment>.bin[.gz]", e.g. espurna-1.13.3-espurna-core-1MB.bin or
 * espurna-1.15.0-dev.gitb409dc27+github230330-espurna-minimal-arduino-ota-1m.bin. */
#include "espurna-ota/image.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Length of "<digits>.<digits>.<digits>" at s, or 0. */
static size_t numeric_version_length(const char *s)
{
    size_t pos = 0;
    for (int part = 0; part < 3; part++) {
        if (part > 0) {
            if (s[pos] != '.')
                return 0;
            pos++;
        }
        size_t digits = 0;
        while (isdigit((unsigned char)s[pos + digits]))
            digits++;
        if (digits == 0 || digits > 5)
            return 0;
        pos += digits;
    }
    return pos;
}

static bool starts_with_ci(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(s, prefix, n) == 0;
}

/* Whether s[0..len) is a pre-release tag rather than the start of the environment. */
static bool is_prerelease(const char *s, size_t len)
{
    static const char *const tags[] = {"dev", "rc", "alpha", "beta", "pre", "git"};
    if (len == 0 || memchr(s, '.', len) || memchr(s, '+', len))
        return len > 0;
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (starts_with_ci(s, len, tags[i]))
            return true;
    return false;
}

static uint32_t flash_size_suffix(const char *env)
{
    static const struct {
        const char *suffix;
        uint32_t bytes;
    } rows[] = {
        {"-1mb", 1u << 20}, {"-1m", 1u << 20}, {"-2mb", 2u << 20}, {"-2m", 2u << 20},
        {"-4mb", 4u << 20}, {"-4m", 4u << 20}, {"-8mb", 8u << 20}, {"-16mb", 16u << 20},
    };
    size_t len = strlen(env);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i].suffix);
        if (len > n && strcasecmp(env + len - n, rows[i].suffix) == 0)
            return rows[i].bytes;
    }
    return 0;
}

static uint8_t kind_of_environment(const char *env)
{
    if (strstr(env, "minimal-webui") || strstr(env, "core-webui"))
        return EO_KIND_WEBUI;
    if (strstr(env, "espurna-core") || strstr(env, "minimal-arduino-ota") ||
        strncmp(env, "core-", 5) == 0)
        return EO_KIND_CORE;
    return EO_KIND_FULL;
}

/* Splits "<version>-<environment>" (the part after "espurna-", extension removed). */
static bool split_version(const char *rest, struct eo_release_name *out)
{
    size_t numeric = numeric_version_length(rest);
    if (numeric == 0 || rest[numeric] != '-')
        return false;
    size_t version_len = numeric;
    const char *after = rest + numeric + 1;
    const char *dash = strchr(after, '-');
    if (!dash && is_prerelease(after, strlen(after)))
        return false; /* "<version>-<pre>" with no environment */
    if (dash && is_prerelease(after, (size_t)(dash - after)))
        version_len = (size_t)(dash - rest);
    const char *env = rest + version_len + 1;
    if (*env == '\0' || version_len >= sizeof out->version ||
        strlen(env) >= sizeof out->environment)
        return false;
    memcpy(out->version, rest, version_len);
    out->version[version_len] = '\0';
    snprintf(out->environment, sizeof out->environment, "%s", env);
    return true;
}

bool eo_release_name_parse(const char *path, struct eo_release_name *out)
{
    char name[256];
    memset(out, 0, sizeof *out);
    const char *base = base_name(path);
    if (strncasecmp(base, "espurna-", 8) != 0 || strlen(base) >= sizeof name)
        return false;
    snprintf(name, sizeof name, "%s", base + 8);
    size_t len = strlen(name);
    if (len > 3 && strcasecmp(name + len - 3, ".gz") == 0)
        name[len -= 3] = '\0';
    if (len <= 4 || strcasecmp(name + len - 4, ".bin") != 0)
        return false;
    name[len - 4] = '\0';
    if (!split_version(name, out))
        return false;
    out->kind = kind_of_environment(out->environment);
    out->flash_size = flash_size_suffix(out->environment);
    return true;
}
