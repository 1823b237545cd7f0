/* test_watch.c — the reboot wait's stages: gone on a goodbye or refused ports, back on an
 * answer or a re-announcement, another version or kind counting as a reboot even when the
 * going was missed (the sockets and avahi side are covered by tests/e2e/watch_reboot.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "espurna-ota/watch.h"

static const struct eo_reboot_signals nothing = {0};
static const struct eo_reboot_signals goodbye = {.goodbye = true};
static const struct eo_reboot_signals refused = {.refused = true};
static const struct eo_reboot_signals answered = {.answered = true};
static const struct eo_reboot_signals announced = {.announced = true};
static const struct eo_reboot_signals changed = {.changed = true};

static void test_starts_up(void **state)
{
    (void)state;
    struct eo_reboot_tracker t;
    eo_reboot_tracker_init(&t);
    assert_int_equal(t.stage, EO_REBOOT_UP);
    assert_true(t.gone_s < 0 && t.back_s < 0);
    assert_int_equal(eo_reboot_track(&t, &nothing, 1.0), EO_REBOOT_UP);
}

static void test_answers_before_going_change_nothing(void **state)
{
    (void)state;
    struct eo_reboot_tracker t;
    eo_reboot_tracker_init(&t);
    assert_int_equal(eo_reboot_track(&t, &answered, 0.1), EO_REBOOT_UP);
    assert_int_equal(eo_reboot_track(&t, &announced, 0.2), EO_REBOOT_UP);
}

static void test_goodbye_then_announcement(void **state)
{
    (void)state;
    struct eo_reboot_tracker t;
    eo_reboot_tracker_init(&t);
    assert_int_equal(eo_reboot_track(&t, &goodbye, 0.4), EO_REBOOT_GONE);
    assert_int_equal(eo_reboot_track(&t, &nothing, 1.0), EO_REBOOT_GONE);
    assert_int_equal(eo_reboot_track(&t, &announced, 3.5), EO_REBOOT_BACK);
    assert_true(t.gone_s == 0.4 && t.back_s == 3.5);
}

static void test_refused_then_answered(void **state)
{
    (void)state;
    struct eo_reboot_tracker t;
    eo_reboot_tracker_init(&t);
    assert_int_equal(eo_reboot_track(&t, &refused, 0.5), EO_REBOOT_GONE);
    assert_int_equal(eo_reboot_track(&t, &refused, 0.7), EO_REBOOT_GONE);
    assert_true(t.gone_s == 0.5);
    assert_int_equal(eo_reboot_track(&t, &answered, 2.0), EO_REBOOT_BACK);
    assert_true(t.back_s == 2.0);
}

static void test_change_counts_when_going_was_missed(void **state)
{
    (void)state;
    struct eo_reboot_tracker t;
    eo_reboot_tracker_init(&t);
    assert_int_equal(eo_reboot_track(&t, &changed, 1.5), EO_REBOOT_BACK);
    assert_true(t.gone_s < 0 && t.back_s == 1.5);
}

static void test_back_stays_back(void **state)
{
    (void)state;
    struct eo_reboot_tracker t;
    eo_reboot_tracker_init(&t);
    eo_reboot_track(&t, &goodbye, 0.3);
    eo_reboot_track(&t, &answered, 1.0);
    assert_int_equal(eo_reboot_track(&t, &refused, 1.2), EO_REBOOT_BACK);
    assert_true(t.gone_s == 0.3 && t.back_s == 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starts_up),
        cmocka_unit_test(test_answers_before_going_change_nothing),
        cmocka_unit_test(test_goodbye_then_announcement),
        cmocka_unit_test(test_refused_then_answered),
        cmocka_unit_test(test_change_counts_when_going_was_missed),
        cmocka_unit_test(test_back_stays_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
