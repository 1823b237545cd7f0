/* rollout.c — the rollout policy of `batch`: parsing --canary, --waves and --max-failures, the
 * stable split of a fleet into waves, the gate between waves, the transient / permanent table
 * of failures and the retry backoff. Pure: no I/O, no threads, no clock. */
#include "espurna-ota/rollout.h"

#include <stdlib.h>
#include <string.h>

#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

void eo_rollout_policy_init(struct eo_rollout_policy *policy)
{
    memset(policy, 0, sizeof *policy);
    policy->wave_count = 1;
    policy->waves[0] = 100;
    policy->limit = EO_ROLLOUT_LIMIT_NONE;
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* Reads the decimal digits at *cursor (at least one), advancing it. Values above `max` are
 * clamped to max + 1 so that the caller can tell "too large" without overflow. */
static bool read_number(const char **cursor, unsigned max, unsigned *value)
{
    const char *p = *cursor;
    unsigned long long n = 0;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (unsigned)(*p - '0');
        if (n > max)
            n = (unsigned long long)max + 1;
    }
    *cursor = p;
    *value = (unsigned)n;
    return true;
}

enum eo_status eo_rollout_parse_canary(const char *text, struct eo_rollout_policy *policy,
                                       struct eo_error *err)
{
    const char *p = text;
    unsigned value;
    if (!read_number(&p, EO_ROLLOUT_COUNT_MAX, &value) || *p)
        return eo_error_set(err, EO_ERR_USAGE, "canary '%s': not a number of devices", text);
    if (value > EO_ROLLOUT_COUNT_MAX)
        return eo_error_set(err, EO_ERR_USAGE, "canary '%s': at most %u devices", text,
                            EO_ROLLOUT_COUNT_MAX);
    policy->canary = value;
    return EO_OK;
}

/* Reads "P,P,...,P" into waves[]; returns the count, or 0 when the text is not such a list.
 * A list longer than EO_ROLLOUT_WAVES_MAX returns EO_ROLLOUT_WAVES_MAX + 1. Values above 100
 * are kept as 101. */
static unsigned read_wave_list(const char *text, unsigned waves[EO_ROLLOUT_WAVES_MAX])
{
    const char *p = text;
    unsigned count = 0;
    for (;;) {
        unsigned value;
        if (!read_number(&p, 100, &value))
            return 0;
        if (count == EO_ROLLOUT_WAVES_MAX)
            return EO_ROLLOUT_WAVES_MAX + 1;
        waves[count++] = value;
        if (*p == '\0')
            return count;
        if (*p++ != ',')
            return 0;
    }
}

/* The first rule a parsed list breaks, as the end of a message; NULL when it is good. */
static const char *wave_list_problem(const unsigned *waves, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        if (waves[i] < 1 || waves[i] > 100)
            return "each wave must be between 1 and 100";
    for (unsigned i = 1; i < count; i++)
        if (waves[i] <= waves[i - 1])
            return "each wave must be larger than the one before";
    if (waves[count - 1] != 100)
        return "the last wave must be 100";
    return NULL;
}

enum eo_status eo_rollout_parse_waves(const char *text, struct eo_rollout_policy *policy,
                                      struct eo_error *err)
{
    unsigned waves[EO_ROLLOUT_WAVES_MAX];
    unsigned count = read_wave_list(text, waves);
    if (count == 0)
        return eo_error_set(err, EO_ERR_USAGE,
                            "waves '%s': not a list of percentages such as 10,50,100", text);
    if (count > EO_ROLLOUT_WAVES_MAX)
        return eo_error_set(err, EO_ERR_USAGE, "waves '%s': at most %u waves", text,
                            EO_ROLLOUT_WAVES_MAX);
    const char *problem = wave_list_problem(waves, count);
    if (problem)
        return eo_error_set(err, EO_ERR_USAGE, "waves '%s': %s", text, problem);
    policy->wave_count = count;
    for (unsigned i = 0; i < count; i++)
        policy->waves[i] = (unsigned char)waves[i];
    return EO_OK;
}

enum eo_status eo_rollout_parse_max_failures(const char *text, struct eo_rollout_policy *policy,
                                             struct eo_error *err)
{
    const char *p = text;
    unsigned value;
    if (!read_number(&p, EO_ROLLOUT_COUNT_MAX, &value) || (*p && strcmp(p, "%") != 0))
        return eo_error_set(err, EO_ERR_USAGE,
                            "max-failures '%s': not a count or a percentage such as 3 or 10%%",
                            text);
    bool percent = *p == '%';
    if (value == 0)
        return eo_error_set(err, EO_ERR_USAGE,
                            "max-failures '%s': must be at least 1 (the "
                            "rollout stops once failures reach it)",
                            text);
    if (percent && value > 100)
        return eo_error_set(err, EO_ERR_USAGE,
                            "max-failures '%s': a percentage must be at most 100%%", text);
    if (value > EO_ROLLOUT_COUNT_MAX)
        return eo_error_set(err, EO_ERR_USAGE, "max-failures '%s': at most %u", text,
                            EO_ROLLOUT_COUNT_MAX);
    policy->limit = percent ? EO_ROLLOUT_LIMIT_PERCENT : EO_ROLLOUT_LIMIT_COUNT;
    policy->max_failures = value;
    return EO_OK;
}

/* ---- assignment --------------------------------------------------------------------------- */

static unsigned char upper(unsigned char c)
{
    return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

uint64_t eo_rollout_hash(const char *id)
{
    uint64_t hash = FNV64_OFFSET;
    for (const unsigned char *p = (const unsigned char *)(id ? id : ""); *p; p++) {
        hash ^= upper(*p);
        hash *= FNV64_PRIME;
    }
    return hash;
}

struct ranked {
    uint64_t hash;
    const char *id;
    size_t index;
};

static int compare_upper(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (; *x && upper(*x) == upper(*y); x++, y++)
        ;
    return (int)upper(*x) - (int)upper(*y);
}

static int compare_ranked(const void *left, const void *right)
{
    const struct ranked *a = left, *b = right;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    int text = compare_upper(a->id, b->id);
    if (text)
        return text;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* The wave, counted from the first after the canary, of rank `rank` among `remaining`. */
static unsigned wave_of_rank(const struct eo_rollout_policy *policy, size_t rank, size_t remaining)
{
    for (unsigned i = 0; i + 1 < policy->wave_count; i++) {
        size_t end = (remaining * policy->waves[i] + 99) / 100; /* ceil */
        if (rank < end)
            return i;
    }
    return policy->wave_count - 1;
}

enum eo_status eo_rollout_assign(const char *const *ids, size_t count,
                                 const struct eo_rollout_policy *policy, unsigned *wave_of,
                                 unsigned *wave_count)
{
    unsigned first = policy->canary > 0 ? 1 : 0;
    *wave_count = first + policy->wave_count;
    if (count == 0)
        return EO_OK;
    struct ranked *order = calloc(count, sizeof *order);
    if (!order)
        return EO_ERR_INTERNAL;
    for (size_t i = 0; i < count; i++)
        order[i] = (struct ranked){eo_rollout_hash(ids[i]), ids[i] ? ids[i] : "", i};
    qsort(order, count, sizeof *order, compare_ranked);
    size_t canary = policy->canary < count ? policy->canary : count;
    for (size_t rank = 0; rank < count; rank++)
        wave_of[order[rank].index] =
            rank < canary ? 0 : first + wave_of_rank(policy, rank - canary, count - canary);
    free(order);
    return EO_OK;
}

/* ---- the gate ----------------------------------------------------------------------------- */

bool eo_rollout_may_continue(const struct eo_rollout_policy *policy, unsigned attempted,
                             unsigned failed)
{
    switch (policy->limit) {
    case EO_ROLLOUT_LIMIT_COUNT: return failed < policy->max_failures;
    case EO_ROLLOUT_LIMIT_PERCENT:
        return failed == 0 || (uint64_t)failed * 100 < (uint64_t)policy->max_failures * attempted;
    case EO_ROLLOUT_LIMIT_NONE:
    default: return true;
    }
}

bool eo_rollout_canary_passed(const struct eo_rollout_policy *policy, unsigned attempted,
                              unsigned failed)
{
    return failed == 0 && eo_rollout_may_continue(policy, attempted, failed);
}

/* ---- retries ------------------------------------------------------------------------------ */

bool eo_rollout_is_transient(enum eo_status status, enum eo_hint hint)
{
    switch (status) {
    case EO_ERR_UNREACHABLE: return hint != EO_HINT_WRONG_DEVICE;
    case EO_ERR_TRANSFER: return true;
    case EO_ERR_REFUSED: return hint == EO_HINT_BUSY;
    case EO_ERR_UNKNOWN: return hint != EO_HINT_CHECK_VERSION;
    default: return false;
    }
}

/* splitmix64: a well-mixed 64-bit value from any input, the jitter's source. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* base_ms * 2^(attempt-1), capped, without overflow. */
static uint64_t nominal_ms(unsigned attempt, unsigned base_ms)
{
    uint64_t value = base_ms;
    for (unsigned i = 1; i < attempt && value < EO_ROLLOUT_BACKOFF_CAP_MS; i++)
        value *= 2;
    return value < EO_ROLLOUT_BACKOFF_CAP_MS ? value : EO_ROLLOUT_BACKOFF_CAP_MS;
}

unsigned eo_rollout_backoff_ms(unsigned attempt, unsigned base_ms, uint64_t seed)
{
    if (attempt == 0)
        attempt = 1;
    uint64_t nominal = nominal_ms(attempt, base_ms);
    uint64_t span = nominal / 5; /* 20 % */
    uint64_t offset = mix64(seed ^ mix64(attempt)) % (2 * span + 1);
    uint64_t value = nominal - span + offset;
    return (unsigned)(value < EO_ROLLOUT_BACKOFF_CAP_MS ? value : EO_ROLLOUT_BACKOFF_CAP_MS);
}
