/* test_transport.c — unit tests of what the espota, web and terminal methods share: method
 * names, target defaults, and the one reading of the device's Updater errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "espurna-ota/transport.h"

static void test_method_names(void **state)
{
    (void)state;
    enum eo_method method;
    assert_true(eo_method_parse("terminal", &method));
    assert_int_equal(method, EO_METHOD_TERMINAL);
    assert_false(eo_method_parse("Web", &method));
    assert_false(eo_method_parse("", &method));
    assert_string_equal(eo_method_name(EO_METHOD_ESPOTA), "espota");
    assert_string_equal(eo_method_name(EO_METHOD_COUNT), "unknown");
}

static void test_target_defaults(void **state)
{
    (void)state;
    struct eo_target target;
    eo_target_init(&target, "ESPURNA-00000B.local", "127.0.1.11");
    assert_string_equal(target.name, "ESPURNA-00000B.local");
    assert_string_equal(target.address, "127.0.1.11");
    assert_int_equal(target.espota_port, 8266);
    assert_int_equal(target.web_port, 80);
    assert_int_equal(target.telnet_port, 23);
}

static void test_updater_error_codes_of_every_method(void **state)
{
    (void)state;
    assert_int_equal(eo_updater_error_code("ERROR[4]: Not Enough Space"), 4);  /* espota */
    assert_int_equal(eo_updater_error_code("ERR: ERROR[10]: Magic byte"), 10); /* invitation */
    assert_int_equal(eo_updater_error_code("ERROR 7"), 7);                     /* 1.14 web */
    assert_int_equal(eo_updater_error_code("[OTA] ERROR[9]: new Flash config wrong"), 9);
    assert_int_equal(eo_updater_error_code("ERROR: Upgrade in progress"), -1);
    assert_int_equal(eo_updater_error_code("[OTA] ERROR: (4) Not Enough Space"), -1);
    assert_int_equal(eo_updater_error_code("ERROR[]: x"), -1);
    assert_int_equal(eo_updater_error_code("ERROR[4: x"), -1);
    assert_int_equal(eo_updater_error_code("OK"), -1);
    assert_int_equal(eo_updater_error_code(NULL), -1);
}

static void test_updater_error_meaning(void **state)
{
    (void)state;
    assert_int_equal(eo_updater_error_status(4), EO_ERR_NOFIT);
    assert_int_equal(eo_updater_error_status(9), EO_ERR_NOFIT);
    assert_int_equal(eo_updater_error_status(10), EO_ERR_REFUSED);
    assert_int_equal(eo_updater_error_status(15), EO_ERR_REFUSED);
    assert_int_equal(eo_updater_error_status(7), EO_ERR_TRANSFER);
    assert_int_equal(eo_updater_error_status(6), EO_ERR_TRANSFER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method_names),
        cmocka_unit_test(test_target_defaults),
        cmocka_unit_test(test_updater_error_codes_of_every_method),
        cmocka_unit_test(test_updater_error_meaning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
