/* test_upgrade_where.c — the line that says where the device stands after a failed reboot wait:
 * one that never came back may be bricked by a cut copy (serial flashing recovers it); one that
 * never rebooted holds the image until its next restart; an unknown outcome keeps its words; one
 * interrupted in the reboot wait after it took the whole image is not "not changed". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "upgrade/upgrade_private.h"

struct fixture {
    struct eo_upgrade_request req;
    struct eo_upgrade_result res;
    struct upgrade_run run;
};

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->req.device = "ESPURNA-00000B.local";
    f->run.req = &f->req;
    f->run.res = &f->res;
    f->run.current.sources = EO_IDENTIFIED_MDNS;
    f->run.current.device.kind = EO_KIND_FULL;
    f->run.current.device.methods = 1u << EO_METHOD_WEB;
    strcpy(f->run.current.device.version, "1.14.1");
    f->res.planned = true;
    f->res.steps[0].ran = true;
    f->res.steps[0].status = EO_ERR_UNREACHABLE;
}

static const char *where_after(struct fixture *f, enum eo_status status, enum eo_hint hint)
{
    struct eo_error err;
    eo_error_hinted(&err, status, hint, "test");
    upgrade_describe_where(&f->run, status, &err);
    return f->res.where;
}

static void test_not_back_may_be_bricked(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    const char *where = where_after(&f, EO_ERR_UNREACHABLE, EO_HINT_CHECK_VERSION);
    assert_non_null(strstr(where, "may be installing what it was sent"));
    assert_non_null(strstr(where, "it may be bricked"));
    assert_non_null(strstr(where, "flash it over serial"));
}

static void test_unknown_outcome_is_not_bricked(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    const char *where = where_after(&f, EO_ERR_UNKNOWN, EO_HINT_CHECK_VERSION);
    assert_non_null(strstr(where, "may be installing what it was sent"));
    assert_null(strstr(where, "bricked"));
}

static void test_no_reboot_holds_the_image(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    const char *where = where_after(&f, EO_ERR_UNREACHABLE, EO_HINT_RESTART);
    assert_string_equal(where, "ESPURNA-00000B.local still runs full 1.14.1 and holds what it "
                               "was sent: it installs it at its next restart (power-cycle it, or "
                               "'reset' on its terminal); then the same command again checks it");
    assert_string_equal(eo_hint_name(EO_HINT_RESTART), "restart");
}

static void test_interrupted_after_the_push_is_not_unchanged(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    f.res.steps[0].image = EO_STEP_CORE;
    f.res.steps[0].push_status = EO_OK;
    f.res.steps[0].status = EO_ERR_INTERRUPTED;
    const char *where = where_after(&f, EO_ERR_INTERRUPTED, EO_HINT_NONE);
    assert_non_null(strstr(where, "took the core image and may be rebooting into it"));
    assert_null(strstr(where, "not changed"));
    f.res.steps[0].push_status = EO_ERR_INTERRUPTED; /* interrupted mid-transfer: it drops it */
    where = where_after(&f, EO_ERR_INTERRUPTED, EO_HINT_NONE);
    assert_non_null(strstr(where, "was not changed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_back_may_be_bricked),
        cmocka_unit_test(test_unknown_outcome_is_not_bricked),
        cmocka_unit_test(test_no_reboot_holds_the_image),
        cmocka_unit_test(test_interrupted_after_the_push_is_not_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
