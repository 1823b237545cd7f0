/* version.c — the order of ESPurna versions ("1.14.1" < "1.15.0-dev.gita1b2c3d4+github261101"
 * < "1.15.0"), so that the planner can tell an up-to-date device and a downgrade, and whether a
 * version belongs to the era that takes gzip updates. */
#include "espurna-ota/plan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define BUILD_DATE_TAG "+github"

/* A parsed version: MAJOR.MINOR.PATCH, the text after '-' (pre-release) and after '+'. */
struct version {
    unsigned long part[3];
    const char *pre;   /* NULL for a release */
    const char *build; /* text after '+', NULL when none */
    long date;         /* YYMMDD from "+githubYYMMDD", -1 when none */
};

/* Reads one decimal number of at most 5 digits; returns the position after it or NULL. */
static const char *read_number(const char *text, unsigned long *out)
{
    size_t digits = 0;
    while (isdigit((unsigned char)text[digits]))
        digits++;
    if (digits == 0 || digits > 5)
        return NULL;
    *out = strtoul(text, NULL, 10);
    return text + digits;
}

static long build_date(const char *build)
{
    size_t tag = strlen(BUILD_DATE_TAG) - 1; /* build points past the '+' */
    if (!build || strncmp(build, &BUILD_DATE_TAG[1], tag) != 0)
        return -1;
    const char *digits = build + tag;
    if (strlen(digits) != 6 || strspn(digits, "0123456789") != 6)
        return -1;
    return strtol(digits, NULL, 10);
}

/* "MAJOR.MINOR[.PATCH][-pre][+build]". A missing patch reads as 0. */
static bool version_parse(const char *text, struct version *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return false;
    const char *p = read_number(text, &out->part[0]);
    for (int i = 1; p && i < 3 && *p == '.'; i++)
        p = read_number(p + 1, &out->part[i]);
    if (!p || p == text || (*p != '\0' && *p != '-' && *p != '+'))
        return false;
    if (*p == '-' && p[1] == '\0')
        return false;
    out->pre = *p == '-' ? p + 1 : NULL;
    const char *plus = strchr(p, '+');
    out->build = plus ? plus + 1 : NULL;
    out->date = build_date(out->build);
    return true;
}

static enum eo_version_order order_of(long a, long b)
{
    return a < b ? EO_VERSION_OLDER : a > b ? EO_VERSION_NEWER : EO_VERSION_SAME;
}

/* Compares two texts, runs of digits by their value ("rc10" > "rc9"). */
static enum eo_version_order natural_compare(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            char *end_a, *end_b;
            enum eo_version_order order = order_of(strtol(a, &end_a, 10), strtol(b, &end_b, 10));
            if (order != EO_VERSION_SAME)
                return order;
            a = end_a;
            b = end_b;
            continue;
        }
        if (*a != *b)
            return order_of((unsigned char)*a, (unsigned char)*b);
        a++;
        b++;
    }
    return order_of(*a != '\0', *b != '\0');
}

/* Whether a pre-release text names a build (a git hash or build metadata) that text order
 * says nothing about. */
static bool names_a_build(const char *pre)
{
    return strchr(pre, '+') || strstr(pre, "git");
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Two versions with the same MAJOR.MINOR.PATCH and different suffixes. */
static enum eo_version_order compare_suffixes(const struct version *a, const struct version *b)
{
    if (!a->pre != !b->pre) /* a release is above its pre-releases */
        return a->pre ? EO_VERSION_OLDER : EO_VERSION_NEWER;
    if (a->date >= 0 && b->date >= 0 && a->date != b->date)
        return order_of(a->date, b->date);
    if (!a->pre) /* two releases: "1.9" and "1.9.0", or different build metadata */
        return same_text(a->build, b->build) ? EO_VERSION_SAME : EO_VERSION_UNORDERED;
    if (strcmp(a->pre, b->pre) == 0)
        return EO_VERSION_SAME;
    if (names_a_build(a->pre) || names_a_build(b->pre))
        return EO_VERSION_UNORDERED;
    return natural_compare(a->pre, b->pre);
}

enum eo_version_order eo_version_compare(const char *a, const char *b)
{
    struct version va, vb;
    if (!version_parse(a, &va) || !version_parse(b, &vb))
        return EO_VERSION_UNORDERED;
    for (int i = 0; i < 3; i++)
        if (va.part[i] != vb.part[i])
            return va.part[i] < vb.part[i] ? EO_VERSION_OLDER : EO_VERSION_NEWER;
    if (strcmp(a, b) == 0)
        return EO_VERSION_SAME;
    return compare_suffixes(&va, &vb);
}

/* gzip updates came with the dev era (Arduino core 2.7+, ESPurna 1.15.0-dev and later);
 * 1.14.x builds use core 2.3.0, whose Updater refuses anything but an esptool image. */
bool eo_plan_device_takes_gzip(const char *version)
{
    struct version v;
    if (!version_parse(version, &v))
        return false;
    return v.part[0] > 1 || (v.part[0] == 1 && v.part[1] >= 15);
}
