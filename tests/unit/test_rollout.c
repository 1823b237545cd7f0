/* test_rollout.c — the rollout policy of `batch`: option parsing with its exact messages, the
 * stable split of a fleet into canary and waves (order-independent, smallest hashes first, ceil
 * of cumulative percentages, tiny fleets), the gate by count and by percentage, the transient /
 * permanent table and the retry backoff's bounds and determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "espurna-ota/rollout.h"

#define FLEET_MAX 128

/* ---- fixtures -------------------------------------------------------------------------------- */

/* A fleet of `count` chip ids "1A00xx"-like, written into `storage`. */
static void make_fleet(char storage[][16], const char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        snprintf(storage[i], 16, "%06zX", 0x1A2B00 + i * 7919);
        ids[i] = storage[i];
    }
}

static struct eo_rollout_policy policy_of(const char *canary, const char *waves)
{
    struct eo_rollout_policy policy;
    eo_rollout_policy_init(&policy);
    struct eo_error err;
    if (canary)
        assert_int_equal(eo_rollout_parse_canary(canary, &policy, &err), EO_OK);
    if (waves)
        assert_int_equal(eo_rollout_parse_waves(waves, &policy, &err), EO_OK);
    return policy;
}

static void assign(const char **ids, size_t count, const struct eo_rollout_policy *policy,
                   unsigned *wave_of, unsigned *wave_count)
{
    assert_int_equal(eo_rollout_assign(ids, count, policy, wave_of, wave_count), EO_OK);
}

static size_t in_wave(const unsigned *wave_of, size_t count, unsigned wave)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        n += wave_of[i] == wave;
    return n;
}

/* ---- parsing ------------------------------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    struct eo_rollout_policy policy;
    eo_rollout_policy_init(&policy);
    assert_int_equal(policy.canary, 0);
    assert_int_equal(policy.wave_count, 1);
    assert_int_equal(policy.waves[0], 100);
    assert_int_equal(policy.limit, EO_ROLLOUT_LIMIT_NONE);
    assert_true(eo_rollout_may_continue(&policy, 10, 10));
}

static void bad_canary(const char *text, const char *message)
{
    struct eo_rollout_policy policy = policy_of("7", NULL);
    struct eo_error err;
    assert_int_equal(eo_rollout_parse_canary(text, &policy, &err), EO_ERR_USAGE);
    assert_string_equal(err.message, message);
    assert_int_equal(policy.canary, 7);
}

static void test_parse_canary(void **state)
{
    (void)state;
    assert_int_equal(policy_of("0", NULL).canary, 0);
    assert_int_equal(policy_of("5", NULL).canary, 5);
    assert_int_equal(policy_of("1000000", NULL).canary, 1000000);
    bad_canary("", "canary '': not a number of devices");
    bad_canary("x", "canary 'x': not a number of devices");
    bad_canary("-1", "canary '-1': not a number of devices");
    bad_canary("+3", "canary '+3': not a number of devices");
    bad_canary("5 ", "canary '5 ': not a number of devices");
    bad_canary("1000001", "canary '1000001': at most 1000000 devices");
    bad_canary("99999999999999999999999", "canary '99999999999999999999999': at most 1000000 "
                                          "devices");
}

static void bad_waves(const char *text, const char *message)
{
    struct eo_rollout_policy policy = policy_of(NULL, "20,100");
    struct eo_error err;
    assert_int_equal(eo_rollout_parse_waves(text, &policy, &err), EO_ERR_USAGE);
    assert_string_equal(err.message, message);
    assert_int_equal(policy.wave_count, 2);
    assert_int_equal(policy.waves[0], 20);
    assert_int_equal(policy.waves[1], 100);
}

static void test_parse_waves_good(void **state)
{
    (void)state;
    struct eo_rollout_policy policy = policy_of(NULL, "10,50,100");
    assert_int_equal(policy.wave_count, 3);
    assert_int_equal(policy.waves[0], 10);
    assert_int_equal(policy.waves[1], 50);
    assert_int_equal(policy.waves[2], 100);
    policy = policy_of(NULL, "100");
    assert_int_equal(policy.wave_count, 1);
    assert_int_equal(policy.waves[0], 100);
    policy = policy_of(NULL, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,100");
    assert_int_equal(policy.wave_count, EO_ROLLOUT_WAVES_MAX);
    assert_int_equal(policy.waves[15], 100);
}

static void test_parse_waves_bad(void **state)
{
    (void)state;
    bad_waves("", "waves '': not a list of percentages such as 10,50,100");
    bad_waves("10,,100", "waves '10,,100': not a list of percentages such as 10,50,100");
    bad_waves("10,50,", "waves '10,50,': not a list of percentages such as 10,50,100");
    bad_waves("10%,100", "waves '10%,100': not a list of percentages such as 10,50,100");
    bad_waves("10, 100", "waves '10, 100': not a list of percentages such as 10,50,100");
    bad_waves("0,100", "waves '0,100': each wave must be between 1 and 100");
    bad_waves("50,101", "waves '50,101': each wave must be between 1 and 100");
    bad_waves("10,5,100", "waves '10,5,100': each wave must be larger than the one before");
    bad_waves("10,10,100", "waves '10,10,100': each wave must be larger than the one before");
    bad_waves("10,50", "waves '10,50': the last wave must be 100");
    bad_waves("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,100",
              "waves '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,100': at most 16 waves");
}

static void bad_limit(const char *text, const char *message)
{
    struct eo_rollout_policy policy;
    eo_rollout_policy_init(&policy);
    struct eo_error err;
    assert_int_equal(eo_rollout_parse_max_failures(text, &policy, &err), EO_ERR_USAGE);
    assert_string_equal(err.message, message);
    assert_int_equal(policy.limit, EO_ROLLOUT_LIMIT_NONE);
}

static void test_parse_max_failures(void **state)
{
    (void)state;
    struct eo_rollout_policy policy;
    eo_rollout_policy_init(&policy);
    struct eo_error err;
    assert_int_equal(eo_rollout_parse_max_failures("3", &policy, &err), EO_OK);
    assert_int_equal(policy.limit, EO_ROLLOUT_LIMIT_COUNT);
    assert_int_equal(policy.max_failures, 3);
    assert_int_equal(eo_rollout_parse_max_failures("10%", &policy, &err), EO_OK);
    assert_int_equal(policy.limit, EO_ROLLOUT_LIMIT_PERCENT);
    assert_int_equal(policy.max_failures, 10);
    assert_int_equal(eo_rollout_parse_max_failures("100%", &policy, &err), EO_OK);
    assert_int_equal(policy.max_failures, 100);
    const char *not_one = "not a count or a percentage such as 3 or 10%";
    char message[128];
    const char *shapes[] = {"", "x", "%", "-1", "3 %", "3%%", "3.5", "10%x"};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        snprintf(message, sizeof message, "max-failures '%s': %s", shapes[i], not_one);
        bad_limit(shapes[i], message);
    }
    bad_limit("0", "max-failures '0': must be at least 1 (the rollout stops once failures "
                   "reach it)");
    bad_limit("0%", "max-failures '0%': must be at least 1 (the rollout stops once failures "
                    "reach it)");
    bad_limit("150%", "max-failures '150%': a percentage must be at most 100%");
    bad_limit("2000000", "max-failures '2000000': at most 1000000");
}

/* ---- assignment ---------------------------------------------------------------------------- */

static void test_hash(void **state)
{
    (void)state;
    assert_true(eo_rollout_hash("") == 0xcbf29ce484222325ull); /* FNV-1a 64 offset basis */
    assert_true(eo_rollout_hash(NULL) == eo_rollout_hash(""));
    assert_true(eo_rollout_hash("a") == 0xaf63fc4c860222ecull); /* FNV-1a 64 of "A" */
    assert_true(eo_rollout_hash("1a2b3c") == 0xeb9c908ea5d8db7dull);
    assert_true(eo_rollout_hash("1a2b3c") == eo_rollout_hash("1A2B3C"));
}

static void test_assign_order_independent(void **state)
{
    (void)state;
    char storage[60][16];
    const char *ids[60], *shuffled[60];
    make_fleet(storage, ids, 60);
    struct eo_rollout_policy policy = policy_of("3", "10,50,100");
    unsigned wave_of[60], wave_shuffled[60], waves, waves_shuffled;
    assign(ids, 60, &policy, wave_of, &waves);
    /* a fixed permutation: i -> (i * 37 + 11) mod 60, 37 prime to 60 */
    for (size_t i = 0; i < 60; i++)
        shuffled[(i * 37 + 11) % 60] = ids[i];
    assign(shuffled, 60, &policy, wave_shuffled, &waves_shuffled);
    assert_int_equal(waves, 4);
    assert_int_equal(waves_shuffled, 4);
    for (size_t i = 0; i < 60; i++)
        assert_int_equal(wave_shuffled[(i * 37 + 11) % 60], wave_of[i]);
    /* the spelling of a chip id does not matter */
    char lower[60][16];
    for (size_t i = 0; i < 60; i++) {
        size_t c = 0;
        for (; ids[i][c]; c++)
            lower[i][c] = (char)(ids[i][c] >= 'A' && ids[i][c] <= 'F' ? ids[i][c] + 32 : ids[i][c]);
        lower[i][c] = '\0';
        shuffled[i] = lower[i];
    }
    assign(shuffled, 60, &policy, wave_shuffled, &waves_shuffled);
    assert_memory_equal(wave_shuffled, wave_of, sizeof wave_of);
}

static void test_canary_smallest_hashes(void **state)
{
    (void)state;
    char storage[20][16];
    const char *ids[20];
    make_fleet(storage, ids, 20);
    struct eo_rollout_policy policy = policy_of("3", "50,100");
    unsigned wave_of[20], waves;
    assign(ids, 20, &policy, wave_of, &waves);
    assert_int_equal(waves, 3);
    assert_int_equal(in_wave(wave_of, 20, 0), 3);
    uint64_t largest_canary = 0, smallest_other = UINT64_MAX;
    for (size_t i = 0; i < 20; i++) {
        uint64_t hash = eo_rollout_hash(ids[i]);
        if (wave_of[i] == 0 && hash > largest_canary)
            largest_canary = hash;
        if (wave_of[i] != 0 && hash < smallest_other)
            smallest_other = hash;
    }
    assert_true(largest_canary < smallest_other);
    /* waves follow the same order: every wave-1 hash is below every wave-2 hash */
    for (size_t i = 0; i < 20; i++)
        for (size_t j = 0; j < 20; j++)
            if (wave_of[i] == 1 && wave_of[j] == 2)
                assert_true(eo_rollout_hash(ids[i]) < eo_rollout_hash(ids[j]));
}

static void test_cumulative_ceil(void **state)
{
    (void)state;
    char storage[12][16];
    const char *ids[12];
    make_fleet(storage, ids, 12);
    unsigned wave_of[12], waves;
    /* 7 devices, 10,50,100: ends at ceil(0.7) = 1, ceil(3.5) = 4, 7 */
    struct eo_rollout_policy policy = policy_of(NULL, "10,50,100");
    assign(ids, 7, &policy, wave_of, &waves);
    assert_int_equal(waves, 3);
    assert_int_equal(in_wave(wave_of, 7, 0), 1);
    assert_int_equal(in_wave(wave_of, 7, 1), 3);
    assert_int_equal(in_wave(wave_of, 7, 2), 3);
    /* canary 2 of 12: 10 left, ends at 1, 5, 10 */
    policy = policy_of("2", "10,50,100");
    assign(ids, 12, &policy, wave_of, &waves);
    assert_int_equal(waves, 4);
    assert_int_equal(in_wave(wave_of, 12, 0), 2);
    assert_int_equal(in_wave(wave_of, 12, 1), 1);
    assert_int_equal(in_wave(wave_of, 12, 2), 4);
    assert_int_equal(in_wave(wave_of, 12, 3), 5);
    /* 3 devices, 40,41,100: ends at ceil(1.2) = 2, ceil(1.23) = 2, 3: the middle wave is empty */
    policy = policy_of(NULL, "40,41,100");
    assign(ids, 3, &policy, wave_of, &waves);
    assert_int_equal(in_wave(wave_of, 3, 0), 2);
    assert_int_equal(in_wave(wave_of, 3, 1), 0);
    assert_int_equal(in_wave(wave_of, 3, 2), 1);
}

static void test_tiny_fleets(void **state)
{
    (void)state;
    char storage[3][16];
    const char *ids[3];
    make_fleet(storage, ids, 3);
    unsigned wave_of[3] = {9, 9, 9}, waves = 0;
    struct eo_rollout_policy policy = policy_of("1", "10,50,100");
    assign(NULL, 0, &policy, NULL, &waves);
    assert_int_equal(waves, 4);
    policy = policy_of(NULL, "10,50,100");
    assign(ids, 1, &policy, wave_of, &waves);
    assert_int_equal(wave_of[0], 0); /* ceil: the first wave is never empty */
    policy = policy_of("1", "10,50,100");
    assign(ids, 1, &policy, wave_of, &waves);
    assert_int_equal(wave_of[0], 0); /* the canary */
    policy = policy_of("5", NULL);
    assign(ids, 3, &policy, wave_of, &waves);
    assert_int_equal(waves, 2);
    assert_int_equal(in_wave(wave_of, 3, 0), 3); /* all canary, the wave after is empty */
    policy = policy_of(NULL, NULL);
    assign(ids, 3, &policy, wave_of, &waves);
    assert_int_equal(waves, 1);
    assert_int_equal(in_wave(wave_of, 3, 0), 3);
}

static void test_adding_device_moves_few(void **state)
{
    (void)state;
    char storage[101][16];
    const char *ids[101];
    make_fleet(storage, ids, 101);
    struct eo_rollout_policy policy = policy_of("2", "10,50,100");
    unsigned before[101], after[101], waves;
    assign(ids, 100, &policy, before, &waves);
    assign(ids, 101, &policy, after, &waves);
    size_t moved = 0;
    for (size_t i = 0; i < 100; i++) {
        moved += before[i] != after[i];
        /* a boundary moves by at most one rank, either way */
        assert_true(after[i] + 1 >= before[i] && after[i] <= before[i] + 1);
    }
    assert_true(moved <= 3); /* at most one per boundary: canary|1, 1|2, 2|3 */
}

/* ---- the gate ------------------------------------------------------------------------------ */

static struct eo_rollout_policy limited(const char *text)
{
    struct eo_rollout_policy policy;
    eo_rollout_policy_init(&policy);
    struct eo_error err;
    assert_int_equal(eo_rollout_parse_max_failures(text, &policy, &err), EO_OK);
    return policy;
}

static void test_gate_count(void **state)
{
    (void)state;
    struct eo_rollout_policy policy = limited("3");
    assert_true(eo_rollout_may_continue(&policy, 0, 0));
    assert_true(eo_rollout_may_continue(&policy, 5, 2));
    assert_false(eo_rollout_may_continue(&policy, 5, 3)); /* reached K: stop */
    assert_false(eo_rollout_may_continue(&policy, 10, 4));
    policy = limited("1");
    assert_true(eo_rollout_may_continue(&policy, 1, 0));
    assert_false(eo_rollout_may_continue(&policy, 100, 1));
}

static void test_gate_percent(void **state)
{
    (void)state;
    struct eo_rollout_policy policy = limited("10%");
    assert_true(eo_rollout_may_continue(&policy, 0, 0));
    assert_true(eo_rollout_may_continue(&policy, 10, 0));
    assert_false(eo_rollout_may_continue(&policy, 10, 1)); /* exactly 10 %: reached */
    assert_true(eo_rollout_may_continue(&policy, 11, 1));  /* 9.1 % */
    assert_false(eo_rollout_may_continue(&policy, 19, 2));
    assert_true(eo_rollout_may_continue(&policy, 21, 2));
    assert_false(eo_rollout_may_continue(&policy, 1, 1));
    policy = limited("100%");
    assert_true(eo_rollout_may_continue(&policy, 3, 2));
    assert_false(eo_rollout_may_continue(&policy, 3, 3));
}

static void test_canary_gate(void **state)
{
    (void)state;
    struct eo_rollout_policy policy = policy_of("2", NULL);
    assert_true(eo_rollout_canary_passed(&policy, 2, 0));
    assert_false(eo_rollout_canary_passed(&policy, 2, 1)); /* even without a limit */
    policy = limited("50%");
    assert_false(eo_rollout_canary_passed(&policy, 4, 1));
    assert_true(eo_rollout_may_continue(&policy, 4, 1));
}

/* ---- retries ------------------------------------------------------------------------------- */

static void test_transient_table(void **state)
{
    (void)state;
    static const enum eo_status permanent[] = {
        EO_OK,        EO_ERR_INTERNAL,    EO_ERR_USAGE,
        EO_ERR_FILE,  EO_ERR_IMAGE,       EO_ERR_NOFIT,
        EO_ERR_AUTH,  EO_ERR_VERIFY,      EO_ERR_DISCOVERY,
        EO_ERR_INPUT, EO_ERR_INTERRUPTED,
    };
    for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
        for (int hint = EO_HINT_NONE; hint < EO_HINT_COUNT; hint++)
            assert_false(eo_rollout_is_transient(permanent[i], (enum eo_hint)hint));
    for (int hint = EO_HINT_NONE; hint < EO_HINT_COUNT; hint++) {
        assert_true(eo_rollout_is_transient(EO_ERR_TRANSFER, (enum eo_hint)hint));
        assert_int_equal(eo_rollout_is_transient(EO_ERR_UNREACHABLE, (enum eo_hint)hint),
                         hint != EO_HINT_WRONG_DEVICE);
        assert_int_equal(eo_rollout_is_transient(EO_ERR_REFUSED, (enum eo_hint)hint),
                         hint == EO_HINT_BUSY);
        assert_int_equal(eo_rollout_is_transient(EO_ERR_UNKNOWN, (enum eo_hint)hint),
                         hint != EO_HINT_CHECK_VERSION);
    }
    assert_false(eo_rollout_is_transient(EO_ERR_REFUSED, EO_HINT_DOWNGRADE));
    assert_false(eo_rollout_is_transient(EO_ERR_REFUSED, EO_HINT_OTHER_APP));
    assert_false(eo_rollout_is_transient(EO_ERR_AUTH, EO_HINT_PASSWORD_WRONG));
}

static void test_backoff_bounds(void **state)
{
    (void)state;
    for (unsigned attempt = 1; attempt <= 12; attempt++) {
        unsigned nominal = 1000u << (attempt - 1);
        if (nominal > 60000)
            nominal = 60000;
        for (uint64_t seed = 0; seed < 500; seed++) {
            unsigned ms = eo_rollout_backoff_ms(attempt, 1000, seed * 0x9e3779b97f4a7c15ull);
            assert_true(ms >= nominal - nominal / 5);
            assert_true(ms <= nominal + nominal / 5);
            assert_true(ms <= 60000);
        }
    }
    assert_int_equal(eo_rollout_backoff_ms(3, 0, 42), 0);
    unsigned huge = eo_rollout_backoff_ms(4000000000u, 4000000000u, 42);
    assert_true(huge >= 48000 && huge <= 60000);
}

static void test_backoff_deterministic(void **state)
{
    (void)state;
    for (unsigned attempt = 1; attempt <= 6; attempt++)
        assert_int_equal(eo_rollout_backoff_ms(attempt, 500, 1234),
                         eo_rollout_backoff_ms(attempt, 500, 1234));
    assert_int_equal(eo_rollout_backoff_ms(0, 500, 77), eo_rollout_backoff_ms(1, 500, 77));
    /* seeds spread the waits: 50 seeds give many different values, some on each side */
    unsigned distinct = 0, below = 0, above = 0, previous = 0;
    for (uint64_t seed = 0; seed < 50; seed++) {
        unsigned ms = eo_rollout_backoff_ms(2, 1000, seed);
        distinct += seed == 0 || ms != previous;
        below += ms < 2000;
        above += ms > 2000;
        previous = ms;
    }
    assert_true(distinct > 40);
    assert_true(below > 5 && above > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_parse_canary),
        cmocka_unit_test(test_parse_waves_good),
        cmocka_unit_test(test_parse_waves_bad),
        cmocka_unit_test(test_parse_max_failures),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_assign_order_independent),
        cmocka_unit_test(test_canary_smallest_hashes),
        cmocka_unit_test(test_cumulative_ceil),
        cmocka_unit_test(test_tiny_fleets),
        cmocka_unit_test(test_adding_device_moves_few),
        cmocka_unit_test(test_gate_count),
        cmocka_unit_test(test_gate_percent),
        cmocka_unit_test(test_canary_gate),
        cmocka_unit_test(test_transient_table),
        cmocka_unit_test(test_backoff_bounds),
        cmocka_unit_test(test_backoff_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
