/* test_fw_web_auth.c — unit tests of the device's Digest authentication (firmware/core/
 * vd_web_auth.c): the 401 challenge's exact shape (realm = hostname, qop="auth", 32-hex nonce
 * and opaque), and the check as the async web server does it: the response recomputed from
 * the client's own fields (any nonce), the user name, the method and URI, quoting and spaces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fw_fake.h"
#include "vd_web_auth.h"

static bool is_hex32(const char *p)
{
    for (int i = 0; i < 32; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    return true;
}

static void test_challenge_shape(void **state)
{
    (void)state;
    char text[256];
    vd_web_digest_challenge(&test_md5, fixed_random, "ESPURNA-00000B", text, sizeof text);
    const char *head = "Digest realm=\"ESPURNA-00000B\", qop=\"auth\", nonce=\"";
    assert_memory_equal(text, head, strlen(head));
    const char *nonce = text + strlen(head);
    assert_true(is_hex32(nonce));
    assert_memory_equal(nonce + 32, "\", opaque=\"", 11);
    assert_true(is_hex32(nonce + 43));
    assert_string_equal(nonce + 75, "\"");
}

/* The response a client computes (RFC 2617, qop=auth). */
static void client_response(const char *user, const char *realm, const char *password,
                            const char *method, const char *uri, const char *nonce, const char *nc,
                            const char *cnonce, char out[33])
{
    char text[512], ha1[33], ha2[33];
    snprintf(text, sizeof text, "%s:%s:%s", user, realm, password);
    md5_of((const uint8_t *)text, strlen(text), ha1);
    snprintf(text, sizeof text, "%s:%s", method, uri);
    md5_of((const uint8_t *)text, strlen(text), ha2);
    snprintf(text, sizeof text, "%s:%s:%s:%s:auth:%s", ha1, nonce, nc, cnonce, ha2);
    md5_of((const uint8_t *)text, strlen(text), out);
}

static void authorization(const char *user, const char *password, const char *method, char *out,
                          size_t cap)
{
    char response[33];
    const char *nonce = "0123456789abcdef0123456789abcdef";
    client_response(user, "ESPURNA-00000B", password, method, "/upgrade", nonce, "00000001",
                    "c0ffee", response);
    snprintf(out, cap,
             "Digest username=\"%s\", realm=\"ESPURNA-00000B\", nonce=\"%s\", uri=\"/upgrade\", "
             "cnonce=\"c0ffee\", nc=00000001, qop=auth, response=\"%s\", opaque=\"x\"",
             user, nonce, response);
}

static void test_check(void **state)
{
    (void)state;
    char header[512];
    authorization("admin", "fibonacci", "POST", header, sizeof header);
    assert_true(vd_web_digest_check(&test_md5, header, "POST", "admin", "fibonacci"));
    assert_false(vd_web_digest_check(&test_md5, header, "POST", "admin", "fibonaccI"));
    assert_false(vd_web_digest_check(&test_md5, header, "GET", "admin", "fibonacci"));
    authorization("root", "fibonacci", "POST", header, sizeof header);
    assert_false(vd_web_digest_check(&test_md5, header, "POST", "admin", "fibonacci"));
    assert_false(
        vd_web_digest_check(&test_md5, "Basic YWRtaW46Zmlib25hY2Np", "POST", "admin", "fibonacci"));
    assert_false(
        vd_web_digest_check(&test_md5, "Digest username=admin", "POST", "admin", "fibonacci"));
    assert_false(vd_web_digest_check(&test_md5, "Digest username=\"admin\", junk", "POST", "admin",
                                     "fibonacci"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_challenge_shape),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
