/* test_web.c — unit tests of the web method's pure parts (web.h): the /upgrade reply classifier
 * over every firmware generation's bodies (status, hint, HTTP status, Updater number; no CLI
 * words in messages), when a core image first can help, the /discover parser, host name
 * matching, the web path's extra reserved sector and how much of the body the device's TCP
 * took. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "espurna-ota/web.h"

#define MB (1024u * 1024u)

static const struct eo_web_reply_context ctx = {
    .device = "ESPURNA-00000B", .image_size = 655360, .password_given = true};

/* Library messages leave flags and commands to the CLI's advice. */
static void assert_no_cli_words(const struct eo_error *err)
{
    assert_null(strstr(err->message, "--"));
    assert_null(strstr(err->message, "espurna-ota"));
}

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
    assert_string_equal(err.message, "wrong password for admin@ESPURNA-00000B (the web upload "
                                     "answered 401)");
    assert_int_equal(err.hint, EO_HINT_PASSWORD_WRONG);
    assert_int_equal(err.http_status, 401);
    assert_int_equal(err.updater_code, -1);
    struct eo_web_reply_context none = ctx;
    none.password_given = false;
    assert_int_equal(eo_web_classify(401, "Unauthorized", &none, &err), EO_ERR_AUTH);
    assert_non_null(strstr(err.message, "none was given"));
    assert_int_equal(err.hint, EO_HINT_PASSWORD_MISSING);
    assert_no_cli_words(&err);
}

static void test_not_enough_space_in_every_generation(void **state)
{
    struct eo_error err;
    (void)state;
    assert_int_equal(classify(500, "ERROR[4]: Not Enough Space", &err), EO_ERR_NOFIT);
    assert_non_null(strstr(err.message, "655360 bytes, 160 sectors"));
    assert_non_null(strstr(err.message, "one sector more than espota"));
    assert_int_equal(err.hint, EO_HINT_TWO_STEP); /* fits beside a 290 KiB core on 1 MB */
    assert_int_equal(err.http_status, 500);
    assert_int_equal(err.updater_code, 4);
    assert_no_cli_words(&err);
    assert_int_equal(classify(200, "ERROR 4", &err), EO_ERR_NOFIT); /* 1.12–1.14.0 */
    assert_int_equal(err.updater_code, 4);
    assert_int_equal(classify(200, "ERROR[4]: Not Enough Space", &err), EO_ERR_NOFIT);
}

static enum eo_status nofit(uint64_t size, uint32_t image_flash, uint32_t device_flash,
                            struct eo_error *err)
{
    struct eo_web_reply_context c = ctx;
    c.image_size = size;
    c.image_flash_size = image_flash;
    c.device_flash_size = device_flash;
    eo_error_clear(err);
    return eo_web_classify(200, "ERROR 4", &c, err);
}

/* A core image first helps only when the image fits beside one on the flash it is built for,
 * and only a device with that much flash. */
static void test_two_step_only_when_it_can_work(void **state)
{
    struct eo_error err;
    (void)state;
    assert_int_equal(nofit(655360, 1 * MB, 0, &err), EO_ERR_NOFIT);
    assert_int_equal(err.hint, EO_HINT_TWO_STEP);
    assert_int_equal(nofit(655360, 0, 0, &err), EO_ERR_NOFIT); /* unknown: as 1 MB */
    assert_int_equal(err.hint, EO_HINT_TWO_STEP);
    /* 1 MB: 251 sketch sectors, a 73-sector core, one reserved: 177 sectors at most */
    assert_int_equal(nofit(177 * 4096, 1 * MB, 0, &err), EO_ERR_NOFIT);
    assert_int_equal(err.hint, EO_HINT_TWO_STEP);
    assert_int_equal(nofit(177 * 4096 + 1, 1 * MB, 0, &err), EO_ERR_NOFIT);
    assert_int_equal(err.hint, EO_HINT_NONE);
    assert_non_null(strstr(err.message, "no core image can make room"));
    assert_int_equal(nofit(819200, 1 * MB, 4 * MB, &err), EO_ERR_NOFIT);
    assert_int_equal(err.hint, EO_HINT_NONE);
    /* built for 4 MB: on a 1 MB device nothing helps; on an unknown one, that is possible */
    assert_int_equal(nofit(716800, 4 * MB, 1 * MB, &err), EO_ERR_NOFIT);
    assert_int_equal(err.hint, EO_HINT_FLASH_SIZE);
    assert_non_null(strstr(err.message, "built for 4096 KiB of flash and the device has 1024 KiB"));
    assert_int_equal(nofit(716800, 4 * MB, 0, &err), EO_ERR_NOFIT);
    assert_int_equal(err.hint, EO_HINT_FLASH_SIZE);
    assert_non_null(strstr(err.message, "a device with less cannot take it at all"));
    assert_int_equal(nofit(716800, 4 * MB, 4 * MB, &err), EO_ERR_NOFIT);
    assert_int_equal(err.hint, EO_HINT_TWO_STEP);
    assert_no_cli_words(&err);
}

static void test_check_fit_before_sending(void **state)
{
    struct eo_error err;
    struct eo_web_reply_context c = ctx;
    (void)state;
    c.image_flash_size = 1 * MB;
    eo_error_clear(&err);
    assert_int_equal(eo_web_check_fit(&c, 0, &err), EO_OK);          /* unknown */
    assert_int_equal(eo_web_check_fit(&c, 161 * 4096, &err), EO_OK); /* 160 sectors fit */
    assert_int_equal(eo_web_check_fit(&c, 160 * 4096, &err), EO_ERR_NOFIT);
    assert_int_equal(err.hint, EO_HINT_TWO_STEP);
    assert_no_cli_words(&err);
}

static void test_invalid_image_is_refused(void **state)
{
    struct eo_error err;
    (void)state;
    assert_int_equal(classify(400, "ERROR: No magic byte / invalid flash config", &err),
                     EO_ERR_REFUSED);
    assert_non_null(strstr(err.message, "rejected the image as invalid"));
    assert_int_equal(err.hint, EO_HINT_NONE);
    assert_int_equal(classify(500, "ERROR[10]: Magic byte is not 0xE9", &err), EO_ERR_REFUSED);
    assert_int_equal(err.updater_code, 10);
    assert_int_equal(classify(200, "ERROR 10", &err), EO_ERR_REFUSED);
    assert_int_equal(classify(500, "ERROR[9]: new Flash config wrong", &err), EO_ERR_NOFIT);
    assert_int_equal(err.hint, EO_HINT_FLASH_SIZE);
    /* our image's header is known good: then it is the flash configuration that is refused */
    struct eo_web_reply_context known = ctx;
    known.image_flash_size = 4 * MB;
    assert_int_equal(
        eo_web_classify(400, "ERROR: No magic byte / invalid flash config", &known, &err),
        EO_ERR_REFUSED);
    assert_int_equal(err.hint, EO_HINT_FLASH_SIZE);
    assert_non_null(strstr(err.message, "another flash size"));
    assert_no_cli_words(&err);
}

static void test_busy_and_invalid_request(void **state)
{
    struct eo_error err;
    (void)state;
    assert_int_equal(classify(400, "ERROR: Upgrade in progress", &err), EO_ERR_REFUSED);
    assert_non_null(strstr(err.message, "busy"));
    assert_int_equal(err.hint, EO_HINT_BUSY);
    assert_int_equal(err.http_status, 400);
    assert_int_equal(classify(200, "ERROR 15", &err), EO_ERR_REFUSED);
    assert_non_null(strstr(err.message, "busy"));
    assert_int_equal(err.hint, EO_HINT_BUSY);
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
    assert_int_equal(err.hint, EO_HINT_NO_WEB);
    assert_no_cli_words(&err);
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

/* Progress counts what the device's TCP acknowledged, in image bytes: the envelope counts as if
 * it came first, so 100 % means the whole request was acknowledged. */
static void test_body_taken(void **state)
{
    (void)state;
    const uint64_t image = 296960, form = image + 230;
    assert_int_equal(eo_web_body_taken(0, form, 0, image), 0);
    assert_int_equal(eo_web_body_taken(200, form, 0, image), 0);       /* envelope only */
    assert_int_equal(eo_web_body_taken(65536, form, 65536, image), 0); /* all still here */
    assert_int_equal(eo_web_body_taken(65536, form, 5306, image), 60000);
    assert_int_equal(eo_web_body_taken(form, form, 1, image), image - 1);
    assert_int_equal(eo_web_body_taken(form, form, 0, image), image);
    assert_int_equal(eo_web_body_taken(form, form, 0, image), image);
    assert_int_equal(eo_web_body_taken(0, 0, 0, image), 0);           /* Digest's empty POST */
    assert_int_equal(eo_web_body_taken(form + 5, form, 0, image), 0); /* nonsense */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_exact_ok_is_success),
        cmocka_unit_test(test_401_is_wrong_password),
        cmocka_unit_test(test_not_enough_space_in_every_generation),
        cmocka_unit_test(test_two_step_only_when_it_can_work),
        cmocka_unit_test(test_check_fit_before_sending),
        cmocka_unit_test(test_body_taken),
        cmocka_unit_test(test_invalid_image_is_refused),
        cmocka_unit_test(test_busy_and_invalid_request),
        cmocka_unit_test(test_other_failures_quote_the_device),
        cmocka_unit_test(test_discover_parsing),
        cmocka_unit_test(test_hostname_matching),
        cmocka_unit_test(test_web_path_reserves_one_more_sector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
