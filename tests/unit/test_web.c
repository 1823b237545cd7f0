/* test_web.c — unit tests of the web method's pure parts (web.h): the /upgrade reply classifier
 * over every firmware generation's bodies, Updater error numbers, the /discover parser, host
 * name matching and the web path's extra reserved sector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "espurna-ota/web.h"

static const struct eo_web_reply_context ctx = {
    .device = "ESPURNA-00000B", .image_size = 655360, .password_given = true};

static enum eo_status classify(long http_status, const char *body, struct eo_error *err)
{
    eo_error_clear(err);
    return eo_web_classify(http_status, body, &ctx, err);
}

static void test_only_exact_ok_is_success(void **state)
{
    struct eo_error err;
    (void)state;
    assert_int_equal(classify(200, "OK", &err), EO_OK);
    assert_int_equal(classify(500, "OK", &err), EO_OK); /* "whatever the status" */
    assert_int_equal(classify(200, "OK\n", &err), EO_ERR_TRANSFER);
    assert_int_equal(classify(200, "OKAY", &err), EO_ERR_TRANSFER);
    assert_int_equal(classify(200, "", &err), EO_ERR_TRANSFER);
    assert_non_null(strstr(err.message, "empty body"));
    assert_int_equal(classify(200, NULL, &err), EO_ERR_TRANSFER);
}

static void test_401_is_wrong_password(void **state)
{
    struct eo_error err;
    (void)state;
    assert_int_equal(classify(401, "", &err), EO_ERR_AUTH);
    assert_string_equal(err.message, "wrong password for admin@ESPURNA-00000B (the web upgrade "
                                     "answered 401): check the password source");
    struct eo_web_reply_context none = ctx;
    none.password_given = false;
    assert_int_equal(eo_web_classify(401, "Unauthorized", &none, &err), EO_ERR_AUTH);
    assert_non_null(strstr(err.message, "none was given"));
}

static void test_not_enough_space_in_every_generation(void **state)
{
    struct eo_error err;
    (void)state;
    assert_int_equal(classify(500, "ERROR[4]: Not Enough Space", &err), EO_ERR_NOFIT);
    assert_non_null(strstr(err.message, "655360 bytes, 160 sectors"));
    assert_non_null(strstr(err.message, "core image first"));
    assert_non_null(strstr(err.message, "one sector more than espota"));
    assert_int_equal(classify(200, "ERROR 4", &err), EO_ERR_NOFIT);     /* 1.12–1.14.0 */
    assert_int_equal(classify(200, "ERROR[4]: Not Enough Space", &err), EO_ERR_NOFIT);
}

static void test_invalid_image_is_refused(void **state)
{
    struct eo_error err;
    (void)state;
    assert_int_equal(classify(400, "ERROR: No magic byte / invalid flash config", &err),
                     EO_ERR_REFUSED);
    assert_non_null(strstr(err.message, "rejected the image as invalid"));
    assert_int_equal(classify(500, "ERROR[10]: Magic byte is not 0xE9", &err), EO_ERR_REFUSED);
    assert_int_equal(classify(200, "ERROR 10", &err), EO_ERR_REFUSED);
    assert_int_equal(classify(500, "ERROR[9]: new Flash config wrong", &err), EO_ERR_NOFIT);
}

static void test_busy_and_invalid_request(void **state)
{
    struct eo_error err;
    (void)state;
    assert_int_equal(classify(400, "ERROR: Upgrade in progress", &err), EO_ERR_REFUSED);
    assert_non_null(strstr(err.message, "busy"));
    assert_non_null(strstr(err.message, "try again"));
    assert_int_equal(classify(200, "ERROR 15", &err), EO_ERR_REFUSED);
    assert_non_null(strstr(err.message, "busy"));
    assert_int_equal(classify(400, "ERROR: Invalid request", &err), EO_ERR_REFUSED);
    assert_non_null(strstr(err.message, "invalid request"));
}

static void test_other_failures_quote_the_device(void **state)
{
    struct eo_error err;
    (void)state;
    /* a failure at the very end comes back as 200 with an error body */
    assert_int_equal(classify(200, "ERROR[6]: Stream Read Timeout", &err), EO_ERR_TRANSFER);
    assert_non_null(strstr(err.message, "'ERROR[6]: Stream Read Timeout'"));
    assert_int_equal(classify(200, "something odd\r\n\x01", &err), EO_ERR_TRANSFER);
    assert_string_equal(err.message,
                        "ESPURNA-00000B answered HTTP 200 'something odd' instead of OK");
    assert_int_equal(classify(404, "Not Found", &err), EO_ERR_REFUSED);
    assert_non_null(strstr(err.message, "--method espota"));
}

static void test_discover_parsing(void **state)
{
    struct eo_web_identity id;
    (void)state;
    assert_true(eo_web_parse_discover("{\"app\":\"ESPURNA\",\"version\":\"1.14.1\","
                                      "\"hostname\":\"ESPURNA-00000B\",\"device\":\"SONOFF\"}",
                                      &id));
    assert_true(id.known);
    assert_string_equal(id.version, "1.14.1");
    assert_string_equal(id.hostname, "ESPURNA-00000B");
    assert_string_equal(id.device, "SONOFF");
    assert_false(eo_web_parse_discover("{\"app\":\"TASMOTA\"}", &id));
    assert_false(id.known);
    assert_false(eo_web_parse_discover("<html>", &id));
    assert_false(eo_web_parse_discover("[1,2]", &id));
    assert_false(eo_web_parse_discover(NULL, &id));
    assert_true(eo_web_parse_discover("{\"app\":\"ESPURNA\",\"version\":7}", &id));
    assert_string_equal(id.version, "");
}

static void test_hostname_matching(void **state)
{
    (void)state;
    assert_true(eo_web_hostname_matches("espurna-00000b", "ESPURNA-00000B"));
    assert_true(eo_web_hostname_matches("ESPURNA-00000B.local", "ESPURNA-00000B"));
    assert_true(eo_web_hostname_matches("ESPURNA-00000B.local.", "espurna-00000b.local"));
    assert_false(eo_web_hostname_matches("ESPURNA-00000B", "ESPURNA-00000C"));
    assert_false(eo_web_hostname_matches("ESPURNA-00000B", "ESPURNA-00000B2"));
}

static void test_web_path_reserves_one_more_sector(void **state)
{
    (void)state;
    assert_int_equal(eo_web_max_image(178 * 4096), 177 * 4096);
    assert_int_equal(eo_web_max_image(178 * 4096 + 100), 177 * 4096);
    assert_int_equal(eo_web_max_image(4096), 0);
    assert_int_equal(eo_web_max_image(100), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_exact_ok_is_success),
        cmocka_unit_test(test_401_is_wrong_password),
        cmocka_unit_test(test_not_enough_space_in_every_generation),
        cmocka_unit_test(test_invalid_image_is_refused),
        cmocka_unit_test(test_busy_and_invalid_request),
        cmocka_unit_test(test_other_failures_quote_the_device),
        cmocka_unit_test(test_discover_parsing),
        cmocka_unit_test(test_hostname_matching),
        cmocka_unit_test(test_web_path_reserves_one_more_sector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
