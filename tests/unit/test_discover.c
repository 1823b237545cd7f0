/* test_discover.c — the quiet rule of discovery: when a run may stop, and how long the event
 * loop may sleep meanwhile (the avahi side is covered by tests/e2e/discover*.sh). */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_settled_while_browsers_wait),
        cmocka_unit_test(test_not_settled_while_resolving),
        cmocka_unit_test(test_settles_after_quiet_time),
        cmocka_unit_test(test_wait_until_quiet_or_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
