/* test_espota_auth.c — the espota challenge responses against vectors computed independently
 * with Python's hashlib (md5, sha256, pbkdf2_hmac), and the scheme chosen by nonce length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "espurna-ota/espota.h"

struct vector {
    const char *password, *nonce, *file_name;
    uint64_t size;
    const char *file_md5, *address, *cnonce, *response;
};

#define NONCE64 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static const struct vector vectors[] = {
    {"fibonacci", "0123456789abcdef0123456789abcdef", "espurna-1.14.1-itead-sonoff-basic.bin",
     614400, "c4ca4238a0b923820dcc509a6f75849b", "127.0.1.11", "56128927e3973dbbe79f57999e1cc4bb",
     "23dd4268b1e59d817f274048eb34e6a1"},
    {"", "ffffffffffffffffffffffffffffffff", "a.bin", 1, "00000000000000000000000000000000",
     "10.0.0.2", "bc188c7b179af8e00460c9da1475bfbc", "69525ce911a31f548c35e271b224a00d"},
    {"p\xc3\xa4ssw\xc3\xb6rd with spaces", "a3f1c2d4e5b6a7980123456789abcdef", "core.bin", 296960,
     "0cc175b9c0f1b6a831c399e269772661", "192.168.1.50", "e1ca4cb0226b2bbab768c468cebb526d",
     "f05658bc9e6e84cf8c27dd6d248ed817"},
    {"admin", NONCE64, "firmware.bin", 1048576, "c4ca4238a0b923820dcc509a6f75849b", "192.168.4.1",
     "468010ef6004cd8f35c81aa2903c4df65ab201444b19d475ea822bb46b2906cc",
     "3d3a8cce70c792ca319832b04a994f9e73bbb0dac40f886160d9ee865ada1e26"},
    {"fibonacci", NONCE64, "x.bin", 716800, "0cc175b9c0f1b6a831c399e269772661", "127.0.1.11",
     "7627f57fb4b4a61b190655a9233926a1515d6c6f69cdb26d73d3f5eab0cafeb4",
     "8fb8254d80e50099281d7aad5535bb00b5a0812f33f30b8ac5894093c045f314"},
};

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const struct vector *v = &vectors[i];
        char cnonce[EO_ESPOTA_AUTH_HEX_MAX], response[EO_ESPOTA_AUTH_HEX_MAX];
        struct eo_error err;
        assert_int_equal(eo_espota_auth_compute(v->password, v->nonce, v->file_name, v->size,
                                                v->file_md5, v->address, cnonce, response, &err),
                         EO_OK);
        assert_string_equal(cnonce, v->cnonce);
        assert_string_equal(response, v->response);
    }
}

static void test_scheme_by_nonce(void **state)
{
    (void)state;
    assert_int_equal(eo_espota_auth_scheme_for("0123456789abcdef0123456789abcdef"),
                     EO_ESPOTA_AUTH_MD5);
    assert_int_equal(eo_espota_auth_scheme_for(NONCE64), EO_ESPOTA_AUTH_PBKDF2);
    assert_int_equal(eo_espota_auth_scheme_for("0123456789abcdef"), EO_ESPOTA_AUTH_NONE);
    assert_int_equal(eo_espota_auth_scheme_for("0123456789abcdef0123456789abcdeg"),
                     EO_ESPOTA_AUTH_NONE);
    assert_int_equal(eo_espota_auth_scheme_for(""), EO_ESPOTA_AUTH_NONE);
    assert_int_equal(eo_espota_auth_scheme_for(NULL), EO_ESPOTA_AUTH_NONE);
}

static void test_bad_nonce_refused(void **state)
{
    (void)state;
    char cnonce[EO_ESPOTA_AUTH_HEX_MAX], response[EO_ESPOTA_AUTH_HEX_MAX];
    struct eo_error err;
    assert_int_equal(
        eo_espota_auth_compute("pw", "xyz", "a.bin", 1, "00", "1.2.3.4", cnonce, response, &err),
        EO_ERR_REFUSED);
    assert_non_null(strstr(err.message, "malformed challenge"));
    assert_null(strstr(err.message, "pw"));
}

static void test_password_changes_response(void **state)
{
    (void)state;
    char c1[EO_ESPOTA_AUTH_HEX_MAX], r1[EO_ESPOTA_AUTH_HEX_MAX];
    char c2[EO_ESPOTA_AUTH_HEX_MAX], r2[EO_ESPOTA_AUTH_HEX_MAX];
    struct eo_error err;
    const struct vector *v = &vectors[0];
    eo_espota_auth_compute("fibonacci", v->nonce, v->file_name, v->size, v->file_md5, v->address,
                           c1, r1, &err);
    eo_espota_auth_compute("fibonaccI", v->nonce, v->file_name, v->size, v->file_md5, v->address,
                           c2, r2, &err);
    assert_string_equal(c1, c2);
    assert_string_not_equal(r1, r2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_scheme_by_nonce),
        cmocka_unit_test(test_bad_nonce_refused),
        cmocka_unit_test(test_password_changes_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
