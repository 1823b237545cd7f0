/* test_discover.c — the quiet rule of discovery: when a run may stop, and how long the event
 * loop may sleep meanwhile; and the focus rule: which instances a lookup or a watch of one
 * device resolves (the avahi side is covered by tests/e2e/discover*.sh and watch_*.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "espurna-ota/discover.h"

static void test_not_settled_while_browsers_wait(void **state)
{
    (void)state;
    struct eo_settle s = {.browsers_waiting = 1, .resolves_pending = 0, .last_event_s = 0};
    assert_false(eo_discover_settled(&s, 100.0, 0.4));
    s.browsers_waiting = 0;
    assert_true(eo_discover_settled(&s, 100.0, 0.4));
}

static void test_not_settled_while_resolving(void **state)
{
    (void)state;
    struct eo_settle s = {.browsers_waiting = 0, .resolves_pending = 2, .last_event_s = 0};
    assert_false(eo_discover_settled(&s, 100.0, 0.4));
}

static void test_settles_after_quiet_time(void **state)
{
    (void)state;
    struct eo_settle s = {.browsers_waiting = 0, .resolves_pending = 0, .last_event_s = 10.0};
    assert_false(eo_discover_settled(&s, 10.3, 0.4));
    assert_true(eo_discover_settled(&s, 10.4, 0.4));
}

static void test_wait_until_quiet_or_deadline(void **state)
{
    (void)state;
    struct eo_settle s = {.browsers_waiting = 0, .resolves_pending = 0, .last_event_s = 10.0};
    assert_int_equal(eo_discover_wait_ms(&s, 10.1, 0.4, 20.0), 300);
    /* still waiting for events: sleep until the deadline (an event wakes the loop earlier) */
    s.resolves_pending = 1;
    assert_int_equal(eo_discover_wait_ms(&s, 10.1, 0.4, 12.0), 1900);
    /* the deadline comes before the quiet time */
    s.resolves_pending = 0;
    assert_int_equal(eo_discover_wait_ms(&s, 10.1, 0.4, 10.2), 100);
    /* overdue: never zero or negative, so the loop cannot spin on a negative sleep */
    assert_int_equal(eo_discover_wait_ms(&s, 11.0, 0.4, 20.0), 1);
}

static void test_named_like(void **state)
{
    (void)state;
    assert_true(eo_discover_named_like("ESPURNA-00000B", "ESPURNA-00000B"));
    assert_true(eo_discover_named_like("ESPURNA-00000B", "espurna-00000b.local"));
    assert_true(eo_discover_named_like("ESPURNA-00000B", "ESPURNA-00000B.local."));
    assert_false(eo_discover_named_like("ESPURNA-00000B", "ESPURNA-00000B1"));
    assert_false(eo_discover_named_like("ESPURNA-00000B1", "ESPURNA-00000B"));
    assert_false(eo_discover_named_like("", "ESPURNA-00000B"));
}

/* Among many devices, only the named one's instances are resolved; the others never are. */
static void test_focus_resolves_only_the_named_instances(void **state)
{
    (void)state;
    struct eo_discover_focus focus;
    eo_discover_focus_init(&focus, "ESPURNA-00001A");
    for (int s = 0; s < EO_SERVICE_COUNT; s++) {
        assert_false(eo_discover_focus_wants(&focus, s, "ESPURNA-00000B"));
        assert_true(eo_discover_focus_wants(&focus, s, "ESPURNA-00001A"));
        assert_false(eo_discover_focus_wants(&focus, s, "ESPURNA-00003F"));
        assert_false(eo_discover_focus_listed(&focus, s)); /* set-aside ones stay aside */
        assert_false(eo_discover_focus_wants(&focus, s, "ESPURNA-000040"));
    }
}

/* A device known by another name (an alias in the device list): once the browser has listed
 * everything and nothing was named like it, every instance of that service is resolved. */
static void test_focus_falls_back_when_nothing_is_named_like_it(void **state)
{
    (void)state;
    struct eo_discover_focus focus;
    eo_discover_focus_init(&focus, "kitchen");
    assert_false(eo_discover_focus_wants(&focus, EO_SERVICE_ARDUINO, "ESPURNA-00000B"));
    assert_true(eo_discover_focus_listed(&focus, EO_SERVICE_ARDUINO));
    assert_false(eo_discover_focus_listed(&focus, EO_SERVICE_ARDUINO)); /* once */
    assert_true(eo_discover_focus_wants(&focus, EO_SERVICE_ARDUINO, "ESPURNA-00000C"));
    assert_false(eo_discover_focus_wants(&focus, EO_SERVICE_HTTP, "ESPURNA-00000B"));
}

static void test_no_focus_without_a_name(void **state)
{
    (void)state;
    const char *names[] = {NULL, "", "127.0.1.11", "fe80::1"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct eo_discover_focus focus;
        eo_discover_focus_init(&focus, names[i]);
        assert_true(eo_discover_focus_wants(&focus, EO_SERVICE_HTTP, "ESPURNA-00000B"));
        assert_false(eo_discover_focus_listed(&focus, EO_SERVICE_HTTP));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_settled_while_browsers_wait),
        cmocka_unit_test(test_not_settled_while_resolving),
        cmocka_unit_test(test_settles_after_quiet_time),
        cmocka_unit_test(test_wait_until_quiet_or_deadline),
        cmocka_unit_test(test_named_like),
        cmocka_unit_test(test_focus_resolves_only_the_named_instances),
        cmocka_unit_test(test_focus_falls_back_when_nothing_is_named_like_it),
        cmocka_unit_test(test_no_focus_without_a_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
