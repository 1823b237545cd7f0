/* test_fw_espota.c — unit tests of the device's espota state machine (firmware/core/
 * vd_espota.c): invitation parsing edge cases, begin answers per core (2.7.4: "ERR: " and the
 * printError text; 2.3.0: "OK" first and a silent begin failure), the AUTH exchange with right
 * and wrong responses, the data phase with acks and odd read sizes, and the end verdicts per
 * core (texts, line ends, the pauses around 2.7.4's final "OK"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fw_fake.h"
#include "vd_espota.h"

struct fixture {
    struct fake_flash flash;
    struct vd_updater up;
    struct vd_espota ota;
    uint8_t *image;
    size_t image_len;
    char md5[33];
    char reply[128];
};

static struct fixture *make_on(const char *password, enum vd_core core)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    fake_flash_init(&fx->flash, 1 * MIB);
    struct vd_running running = {614400, 1 * MIB};
    vd_updater_init(&fx->up, &fx->flash.ops, &test_md5, &running, core);
    struct vd_espota_config config = {.md5 = &test_md5, .random = fixed_random, .core = core};
    if (password)
        md5_of((const uint8_t *)password, strlen(password), config.password_md5);
    vd_espota_init(&fx->ota, &config, &fx->up);
    fx->image_len = make_image(&fx->image, 20000, EO_FLASH_SIZE_1M, EO_KIND_CORE, "1.0.0", "B");
    md5_of(fx->image, fx->image_len, fx->md5);
    return fx;
}

static struct fixture *make(const char *password)
{
    return make_on(password, VD_CORE_2_7_4);
}

static void release(struct fixture *fx)
{
    fake_flash_free(&fx->flash);
    free(fx->image);
    free(fx);
}

static int datagram(struct fixture *fx, const char *text)
{
    return vd_espota_datagram(&fx->ota, text, strlen(text), fx->reply, sizeof fx->reply);
}

static int invite(struct fixture *fx, int command, unsigned size, const char *md5)
{
    char text[128];
    snprintf(text, sizeof text, "%d 45678 %u %s\n", command, size, md5);
    return datagram(fx, text);
}

static void test_invitation_without_password_begins(void **state)
{
    (void)state;
    struct fixture *fx = make(NULL);
    assert_int_equal(invite(fx, 0, (unsigned)fx->image_len, fx->md5),
                     VD_ESPOTA_REPLY | VD_ESPOTA_CONNECT);
    assert_string_equal(fx->reply, "OK");
    assert_int_equal(fx->ota.port, 45678);
    assert_int_equal(fx->ota.size, fx->image_len);
    assert_true(fx->up.active);
    assert_int_equal(fx->ota.state, VD_ESPOTA_UPDATE);
    /* while updating, datagrams are ignored */
    assert_int_equal(invite(fx, 0, 100, fx->md5), VD_ESPOTA_IGNORE);
    release(fx);
}

static void test_invitation_edge_cases_are_ignored(void **state)
{
    (void)state;
    struct fixture *fx = make(NULL);
    assert_int_equal(invite(fx, 1, 1000, fx->md5), VD_ESPOTA_IGNORE); /* unknown command */
    assert_int_equal(invite(fx, 300, 1000, fx->md5), VD_ESPOTA_IGNORE);
    char md5_31[32];
    memcpy(md5_31, fx->md5, 31);
    md5_31[31] = '\0';
    assert_int_equal(invite(fx, 0, 1000, md5_31), VD_ESPOTA_IGNORE); /* 31 chars */
    char md5_33[40];
    snprintf(md5_33, sizeof md5_33, "%sa", fx->md5);
    assert_int_equal(invite(fx, 0, 1000, md5_33), VD_ESPOTA_IGNORE); /* 33 chars */
    assert_int_equal(datagram(fx, ""), VD_ESPOTA_IGNORE);
    assert_int_equal(datagram(fx, "garbage"), VD_ESPOTA_IGNORE);
    assert_int_equal(datagram(fx, "0 1234"), VD_ESPOTA_IGNORE);
    assert_int_equal(fx->ota.state, VD_ESPOTA_IDLE);
    assert_false(fx->up.active);
    release(fx);
}

static void test_invitation_tolerates_crlf_and_missing_newline(void **state)
{
    (void)state;
    struct fixture *fx = make(NULL);
    char text[128];
    snprintf(text, sizeof text, "0 1234 5000 %s\r\n", fx->md5);
    assert_int_equal(datagram(fx, text), VD_ESPOTA_REPLY | VD_ESPOTA_CONNECT);
    vd_espota_abort(&fx->ota);
    snprintf(text, sizeof text, "0 1234 5000 %s", fx->md5);
    assert_int_equal(datagram(fx, text), VD_ESPOTA_REPLY | VD_ESPOTA_CONNECT);
    assert_int_equal(fx->ota.port, 1234);
    assert_int_equal(fx->ota.size, 5000);
    release(fx);
}

static void test_begin_errors_answer_err(void **state)
{
    (void)state;
    struct fixture *fx = make(NULL);
    const int failed = VD_ESPOTA_REPLY | VD_ESPOTA_BEGIN_FAILED;
    assert_int_equal(invite(fx, 0, 413697, fx->md5), failed);
    assert_string_equal(fx->reply, "ERR: ERROR[4]: Not Enough Space\r\n");
    assert_int_equal(invite(fx, 0, 0, fx->md5), failed);
    assert_string_equal(fx->reply, "ERR: ERROR[5]: Bad Size Given\r\n");
    assert_int_equal(invite(fx, 100, 4096, fx->md5), failed); /* no filesystem */
    assert_string_equal(fx->reply, "ERR: ERROR[4]: Not Enough Space\r\n");
    fx->up.fault_no_space = true;
    assert_int_equal(invite(fx, 0, 4096, fx->md5), failed);
    assert_string_equal(fx->reply, "ERR: ERROR[4]: Not Enough Space\r\n");
    assert_int_equal(fx->ota.state, VD_ESPOTA_IDLE);
    release(fx);
}

/* Core 2.3.0 answers "OK" before Update.begin(); when begin fails it never connects back and
 * says nothing more. The same after a right password. */
static void test_core_230_ok_first_then_silence(void **state)
{
    (void)state;
    struct fixture *fx = make_on(NULL, VD_CORE_2_3_0);
    assert_int_equal(invite(fx, 0, 413697, fx->md5), VD_ESPOTA_REPLY | VD_ESPOTA_BEGIN_FAILED);
    assert_string_equal(fx->reply, "OK");
    assert_int_equal(fx->up.error, VD_UPDATE_ERROR_SPACE);
    assert_int_equal(fx->ota.state, VD_ESPOTA_IDLE);
    assert_int_equal(invite(fx, 0, 4096, fx->md5), VD_ESPOTA_REPLY | VD_ESPOTA_CONNECT);
    assert_string_equal(fx->reply, "OK");
    release(fx);
}

/* "200 <cnonce> <response>\n" for password and the device's nonce. */
static void auth_reply(struct fixture *fx, const char *password, char *out, size_t cap)
{
    char pw[33], challenge[128], response[33];
    const char *cnonce = "0123456789abcdef0123456789abcdef";
    md5_of((const uint8_t *)password, strlen(password), pw);
    snprintf(challenge, sizeof challenge, "%s:%s:%s", pw, fx->ota.nonce, cnonce);
    md5_of((const uint8_t *)challenge, strlen(challenge), response);
    snprintf(out, cap, "200 %s %s\n", cnonce, response);
}

static void test_auth_right_password(void **state)
{
    (void)state;
    struct fixture *fx = make("fibonacci");
    assert_int_equal(invite(fx, 0, (unsigned)fx->image_len, fx->md5), VD_ESPOTA_REPLY);
    assert_int_equal(strlen(fx->reply), 5 + 32);
    assert_memory_equal(fx->reply, "AUTH ", 5);
    assert_string_equal(fx->reply + 5, fx->ota.nonce);
    assert_int_equal(fx->ota.state, VD_ESPOTA_WAIT_AUTH);
    assert_false(fx->up.active); /* begin comes after auth */
    char reply[128];
    auth_reply(fx, "fibonacci", reply, sizeof reply);
    assert_int_equal(datagram(fx, reply), VD_ESPOTA_REPLY | VD_ESPOTA_CONNECT);
    assert_string_equal(fx->reply, "OK");
    assert_true(fx->up.active);
    release(fx);
}

static void test_auth_wrong_password_and_malformed_replies(void **state)
{
    (void)state;
    struct fixture *fx = make("fibonacci");
    char reply[128];
    invite(fx, 0, (unsigned)fx->image_len, fx->md5);
    auth_reply(fx, "fibonaccI", reply, sizeof reply);
    assert_int_equal(datagram(fx, reply), VD_ESPOTA_REPLY);
    assert_string_equal(fx->reply, "Authentication Failed");
    assert_int_equal(fx->ota.state, VD_ESPOTA_IDLE);
    assert_false(fx->up.active);
    /* a short cnonce is dropped silently and resets the exchange */
    invite(fx, 0, (unsigned)fx->image_len, fx->md5);
    assert_int_equal(datagram(fx, "200 abc 0123456789abcdef0123456789abcdef\n"), VD_ESPOTA_IGNORE);
    assert_int_equal(fx->ota.state, VD_ESPOTA_IDLE);
    /* a new invitation while waiting for auth resets too (it is not answered) */
    invite(fx, 0, (unsigned)fx->image_len, fx->md5);
    assert_int_equal(invite(fx, 0, (unsigned)fx->image_len, fx->md5), VD_ESPOTA_IGNORE);
    assert_int_equal(fx->ota.state, VD_ESPOTA_IDLE);
    /* a response with "\r\n" is 33 characters: dropped */
    invite(fx, 0, (unsigned)fx->image_len, fx->md5);
    auth_reply(fx, "fibonacci", reply, sizeof reply);
    reply[strlen(reply) - 1] = '\r';
    strcat(reply, "\n");
    assert_int_equal(datagram(fx, reply), VD_ESPOTA_IGNORE);
    release(fx);
}

static void test_nonce_is_md5_hex_of_random_bytes(void **state)
{
    (void)state;
    struct fixture *fx = make("x");
    uint8_t raw[16];
    char expect[33];
    fixed_random(raw, sizeof raw);
    md5_of(raw, sizeof raw, expect);
    invite(fx, 0, 1000, fx->md5);
    assert_string_equal(fx->ota.nonce, expect);
    assert_int_equal(strspn(fx->ota.nonce, "0123456789abcdef"), 32);
    release(fx);
}

/* Streams the image in the given read sizes; checks each ack is the count consumed. */
static void stream(struct fixture *fx, const uint32_t *sizes, size_t nsizes)
{
    uint32_t done = 0;
    for (size_t i = 0; done < fx->image_len; i = (i + 1) % nsizes) {
        uint32_t n = sizes[i];
        if (n > fx->image_len - done)
            n = (uint32_t)(fx->image_len - done);
        char ack[16], expect[16];
        bool failed;
        assert_int_equal(vd_espota_receive(&fx->ota, fx->image + done, n, ack, sizeof ack, &failed),
                         n);
        assert_false(failed);
        snprintf(expect, sizeof expect, "%u", n);
        assert_string_equal(ack, expect);
        done += n;
        assert_int_equal(vd_espota_remaining(&fx->ota), fx->image_len - done);
    }
}

static void test_data_phase_glued_and_split_reads(void **state)
{
    (void)state;
    struct fixture *fx = make(NULL);
    invite(fx, 0, (unsigned)fx->image_len, fx->md5);
    const uint32_t sizes[] = {1, 1460, 4095, 3, 8192, 2920};
    stream(fx, sizes, 6);
    struct vd_espota_verdict v;
    vd_espota_finish(&fx->ota, &v);
    assert_true(v.reboot);
    assert_string_equal(v.text, "OK");
    assert_int_equal(v.pause_before_ms, 1000); /* 2.7.4: flush, delay(1000), OK, delay(1000) */
    assert_int_equal(v.pause_after_ms, 1000);
    assert_int_equal(fx->ota.state, VD_ESPOTA_IDLE);
    struct vd_boot_record rec;
    assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
    assert_true(rec.copy_pending);
    release(fx);
}

static void test_end_md5_error_line(void **state)
{
    (void)state;
    struct fixture *fx = make(NULL);
    invite(fx, 0, (unsigned)fx->image_len, "ffffffffffffffffffffffffffffffff");
    const uint32_t sizes[] = {1460};
    stream(fx, sizes, 1);
    struct vd_espota_verdict v;
    vd_espota_finish(&fx->ota, &v);
    assert_false(v.reboot);
    char expected[128];
    snprintf(expected, sizeof expected,
             "ERROR[7]: MD5 Failed: expected:ffffffffffffffffffffffffffffffff, calculated:%s\n",
             fx->up.calculated_md5);
    assert_string_equal(v.text, expected);
    assert_int_equal(v.pause_before_ms + v.pause_after_ms, 0); /* errors go out at once */
    struct vd_boot_record rec;
    assert_false(vd_boot_record_read(&fx->flash.ops, &rec));
    release(fx);
}

static void test_end_magic_error_line(void **state)
{
    (void)state;
    struct fixture *fx = make(NULL);
    fx->image[0] = 'X';
    md5_of(fx->image, fx->image_len, fx->md5);
    invite(fx, 0, (unsigned)fx->image_len, fx->md5);
    const uint32_t sizes[] = {4096};
    stream(fx, sizes, 1);
    struct vd_espota_verdict v;
    vd_espota_finish(&fx->ota, &v);
    assert_false(v.reboot);
    assert_string_equal(v.text, "ERROR[10]: Magic byte is wrong, not 0xE9\r\n");
    release(fx);
}

/* Core 2.3.0: "OK" at once; its MD5 text. */
static void test_core_230_verdicts(void **state)
{
    (void)state;
    struct fixture *fx = make_on(NULL, VD_CORE_2_3_0);
    const uint32_t sizes[] = {1460, 8192, 4096};
    invite(fx, 0, (unsigned)fx->image_len, fx->md5);
    stream(fx, sizes, 3);
    struct vd_espota_verdict v;
    vd_espota_finish(&fx->ota, &v);
    assert_true(v.reboot);
    assert_string_equal(v.text, "OK");
    assert_int_equal(v.pause_before_ms + v.pause_after_ms, 0);
    invite(fx, 0, (unsigned)fx->image_len, "ffffffffffffffffffffffffffffffff");
    stream(fx, sizes, 3);
    vd_espota_finish(&fx->ota, &v);
    assert_false(v.reboot);
    assert_string_equal(v.text, "ERROR[7]: MD5 Check Failed\r\n");
    release(fx);
}

static void test_write_failure_reports_failed(void **state)
{
    (void)state;
    struct fixture *fx = make(NULL);
    fx->flash.fail_write = 1;
    invite(fx, 0, (unsigned)fx->image_len, fx->md5);
    char ack[16];
    bool failed;
    assert_int_equal(vd_espota_receive(&fx->ota, fx->image, 4096, ack, sizeof ack, &failed), 0);
    assert_true(failed);
    struct vd_espota_verdict v;
    vd_espota_finish(&fx->ota, &v);
    assert_false(v.reboot);
    assert_string_equal(v.text, "ERROR[1]: Flash Write Failed\r\n");
    release(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invitation_without_password_begins),
        cmocka_unit_test(test_invitation_edge_cases_are_ignored),
        cmocka_unit_test(test_invitation_tolerates_crlf_and_missing_newline),
        cmocka_unit_test(test_begin_errors_answer_err),
        cmocka_unit_test(test_core_230_ok_first_then_silence),
        cmocka_unit_test(test_auth_right_password),
        cmocka_unit_test(test_auth_wrong_password_and_malformed_replies),
        cmocka_unit_test(test_nonce_is_md5_hex_of_random_bytes),
        cmocka_unit_test(test_data_phase_glued_and_split_reads),
        cmocka_unit_test(test_end_md5_error_line),
        cmocka_unit_test(test_end_magic_error_line),
        cmocka_unit_test(test_core_230_verdicts),
        cmocka_unit_test(test_write_failure_reports_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
