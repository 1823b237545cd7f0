/* test_terminal.c — unit tests of the terminal method's parsing (prompts, replies, "[NNNNNN] "
 * prefixes, "[OTA]" lines of each dialect) and of the telnet session's login and command
 * dialogue, played against scripted device output on a socketpair, and a cancellation ending
 * a wait for a silent device at once. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "espurna-ota/net.h"
#include "espurna-ota/terminal.h"

static void test_clean_line_strips_prefix_and_line_end(void **state)
{
    char out[64];
    (void)state;
    eo_terminal_clean_line("[012345] +OK\r\n", out, sizeof out);
    assert_string_equal(out, "+OK");
    eo_terminal_clean_line("[7]x", out, sizeof out);
    assert_string_equal(out, "x");
    eo_terminal_clean_line("[abc] +OK", out, sizeof out);
    assert_string_equal(out, "[abc] +OK");
    eo_terminal_clean_line("[OTA] Success: 12 bytes", out, sizeof out);
    assert_string_equal(out, "[OTA] Success: 12 bytes");
    eo_terminal_clean_line("Password: ", out, sizeof out);
    assert_string_equal(out, "Password:");
    eo_terminal_clean_line("0123456789", out, 5);
    assert_string_equal(out, "0123");
}

static void test_classify_each_dialect(void **state)
{
    (void)state;
    assert_int_equal(eo_terminal_classify("Password:"), EO_TERM_PROMPT);
    assert_int_equal(eo_terminal_classify("Password (try again):"), EO_TERM_PROMPT_RETRY);
    assert_int_equal(eo_terminal_classify("Password (disconnects after 1 failed attempt):"),
                     EO_TERM_PROMPT_ONE_TRY);
    assert_int_equal(eo_terminal_classify("Welcome!"), EO_TERM_WELCOME);
    assert_int_equal(eo_terminal_classify("Password correct, welcome!"), EO_TERM_WELCOME);
    assert_int_equal(eo_terminal_classify("+OK"), EO_TERM_OK);
    assert_int_equal(eo_terminal_classify("-ERROR: Invalid password"), EO_TERM_AUTH_FAILED);
    assert_int_equal(eo_terminal_classify("-ERROR: Command not found"), EO_TERM_ERROR);
    assert_int_equal(eo_terminal_classify("[OTA] Success: 655360 bytes"), EO_TERM_OTA_SUCCESS);
    assert_int_equal(eo_terminal_classify("[OTA] ERROR[4]: Not Enough Space"), EO_TERM_OTA_ERROR);
    assert_int_equal(eo_terminal_classify("[OTA] Error: connection failed"), EO_TERM_OTA_ERROR);
    /* 1.14.1 prints the Updater's error raw while `ota` runs */
    assert_int_equal(eo_terminal_classify("ERROR[4]: Not Enough Space"), EO_TERM_OTA_ERROR);
    assert_int_equal(eo_terminal_classify("ERROR (not an Updater line)"), EO_TERM_TEXT);
    assert_int_equal(eo_terminal_classify("[OTA] Downloading"), EO_TERM_TEXT);
    assert_int_equal(eo_terminal_classify("+OKAY"), EO_TERM_TEXT);
    assert_int_equal(eo_terminal_classify("Password is set"), EO_TERM_TEXT);
    assert_int_equal(eo_terminal_classify(""), EO_TERM_TEXT);
}

static void test_prompt_detection_on_unfinished_text(void **state)
{
    (void)state;
    assert_int_equal(eo_terminal_prompt_kind("Password: "), EO_TERM_PROMPT);
    assert_int_equal(eo_terminal_prompt_kind("Password (try again): "), EO_TERM_PROMPT_RETRY);
    assert_int_equal(eo_terminal_prompt_kind("Password (disconnects after 1 failed attempt): "),
                     EO_TERM_PROMPT_ONE_TRY);
    assert_int_equal(eo_terminal_prompt_kind("Passw"), EO_TERM_TEXT);
    assert_int_equal(eo_terminal_prompt_kind("Password"), EO_TERM_TEXT);
    assert_int_equal(eo_terminal_prompt_kind(""), EO_TERM_TEXT);
}

static void test_error_text(void **state)
{
    (void)state;
    assert_string_equal(eo_terminal_error_text("-ERROR: Missing URL"), "Missing URL");
    assert_string_equal(eo_terminal_error_text("[OTA] ERROR: 4 Not Enough Space"),
                        "4 Not Enough Space");
    assert_string_equal(eo_terminal_error_text("-ERROR"), "-ERROR");
    assert_string_equal(eo_terminal_error_text("plain"), "plain");
}

/* ---- session against scripted output ----------------------------------------------------
 * The device's whole output is written up front: the client reads it in order, so a fixed
 * script plays a deterministic dialogue. `device` is our end of the pair. */
struct scripted {
    struct eo_telnet session;
    int device;
};

static void script_open(struct scripted *s, const char *output, bool then_close)
{
    int pair[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    memset(&s->session, 0, sizeof s->session);
    s->session.fd = pair[0];
    s->session.timeout_ms = 2000;
    snprintf(s->session.device, sizeof s->session.device, "ESPURNA-00000B");
    s->device = pair[1];
    assert_int_equal(write(s->device, output, strlen(output)), (ssize_t)strlen(output));
    if (then_close)
        shutdown(s->device, SHUT_WR);
}

/* What the client sent, as text. */
static void script_sent(struct scripted *s, char *out, size_t cap)
{
    shutdown(s->session.fd, SHUT_WR);
    ssize_t n = read(s->device, out, cap - 1);
    out[n > 0 ? n : 0] = '\0';
}

static void script_close(struct scripted *s)
{
    eo_telnet_close(&s->session);
    close(s->device);
}

static void test_login_1_14(void **state)
{
    struct scripted s;
    struct eo_error err;
    char sent[128];
    (void)state;
    script_open(&s, "Password: Password correct, welcome!\n", false);
    assert_int_equal(eo_telnet_login(&s.session, "fibonacci", 1000, &err), EO_OK);
    assert_true(s.session.authenticated);
    script_sent(&s, sent, sizeof sent);
    assert_string_equal(sent, "fibonacci\r\n");
    script_close(&s);
}

static void test_login_1_14_wrong_password(void **state)
{
    struct scripted s;
    struct eo_error err;
    (void)state;
    script_open(&s, "Password: Password (try again): ", false);
    assert_int_equal(eo_telnet_login(&s.session, "hunter2", 1000, &err), EO_ERR_AUTH);
    assert_string_equal(err.message, "wrong password for the terminal of ESPURNA-00000B");
    assert_int_equal(err.hint, EO_HINT_PASSWORD_WRONG);
    script_close(&s);
}

static void test_login_1_13_welcome(void **state)
{
    struct scripted s;
    struct eo_error err;
    (void)state;
    script_open(&s, "Password: Welcome!\n", false);
    assert_int_equal(eo_telnet_login(&s.session, "fibonacci", 1000, &err), EO_OK);
    script_close(&s);
}

static void test_login_dev(void **state)
{
    struct scripted s;
    struct eo_error err;
    (void)state;
    script_open(&s, "Password (disconnects after 1 failed attempt): +OK\n", false);
    assert_int_equal(eo_telnet_login(&s.session, "fibonacci", 1000, &err), EO_OK);
    script_close(&s);
    script_open(&s, "Password (disconnects after 1 failed attempt): -ERROR: Invalid password\n",
                true);
    assert_int_equal(eo_telnet_login(&s.session, "wrong", 1000, &err), EO_ERR_AUTH);
    script_close(&s);
    /* disconnects without a word */
    script_open(&s, "Password (disconnects after 1 failed attempt): ", true);
    assert_int_equal(eo_telnet_login(&s.session, "wrong", 1000, &err), EO_ERR_AUTH);
    script_close(&s);
}

static void test_login_without_prompt_or_password(void **state)
{
    struct scripted s;
    struct eo_error err;
    char sent[16];
    (void)state;
    script_open(&s, "", false); /* core builds ask nothing */
    assert_int_equal(eo_telnet_login(&s.session, "fibonacci", 100, &err), EO_OK);
    assert_false(s.session.authenticated);
    script_sent(&s, sent, sizeof sent);
    assert_string_equal(sent, ""); /* the password was not sent to a device that did not ask */
    script_close(&s);
    script_open(&s, "Password: ", false);
    assert_int_equal(eo_telnet_login(&s.session, NULL, 1000, &err), EO_ERR_AUTH);
    assert_string_equal(err.message, "the terminal of ESPURNA-00000B asks for the admin password "
                                     "and none was given");
    assert_int_equal(err.hint, EO_HINT_PASSWORD_MISSING);
    script_close(&s);
}

static void test_command_replies(void **state)
{
    struct scripted s;
    struct eo_error err;
    char reply[64], sent[128];
    (void)state;
    script_open(&s, "[000100] [MAIN] some log\n[000101] +OK\n", false);
    assert_int_equal(
        eo_telnet_command(&s.session, "ota http://127.0.0.1:1/x", reply, sizeof reply, &err),
        EO_OK);
    assert_string_equal(reply, "+OK");
    script_sent(&s, sent, sizeof sent);
    assert_string_equal(sent, "ota http://127.0.0.1:1/x\r\n");
    script_close(&s);

    script_open(&s, "-ERROR: Missing URL\n", false);
    assert_int_equal(eo_telnet_command(&s.session, "ota secret-url", reply, sizeof reply, &err),
                     EO_ERR_REFUSED);
    assert_string_equal(err.message, "ESPURNA-00000B refused 'ota': Missing URL");
    script_close(&s);

    script_open(&s, "[000100] log\n", true);
    assert_int_equal(eo_telnet_command(&s.session, "ota x", reply, sizeof reply, &err),
                     EO_ERR_UNREACHABLE);
    script_close(&s);
}

/* The cancellation, set by a signal handler as the CLI's is. */
static struct eo_cancel cancel;
static void on_sigusr1(int signo)
{
    (void)signo;
    cancel.signal = SIGTERM;
}

/* Sends SIGUSR1 to the waiting thread 200 ms in. */
static void *cancel_soon(void *arg)
{
    usleep(200000);
    pthread_kill(*(pthread_t *)arg, SIGUSR1);
    return NULL;
}

/* A device that never answers and a 20 s reply timeout: SIGTERM 200 ms in ends the wait. */
static void test_cancel_ends_a_wait(void **state)
{
    struct scripted s;
    struct eo_error err;
    struct sigaction action = {.sa_handler = on_sigusr1};
    char reply[64];
    pthread_t thread, self = pthread_self();
    (void)state;
    sigaction(SIGUSR1, &action, NULL);
    script_open(&s, "", false);
    s.session.timeout_ms = 20000;
    s.session.cancel = &cancel;
    double started = eo_net_now();
    assert_int_equal(pthread_create(&thread, NULL, cancel_soon, &self), 0);
    assert_int_equal(eo_telnet_command(&s.session, "info", reply, sizeof reply, &err),
                     EO_ERR_INTERRUPTED);
    pthread_join(thread, NULL);
    assert_true(eo_net_now() - started < 5.0);
    assert_int_equal(err.signal, SIGTERM);
    /* already cancelled: the login does not wait for a prompt */
    started = eo_net_now();
    assert_int_equal(eo_telnet_login(&s.session, "pw", 20000, &err), EO_ERR_INTERRUPTED);
    assert_true(eo_net_now() - started < 1.0);
    script_close(&s);
}

static void test_read_line_drops_telnet_negotiation(void **state)
{
    struct scripted s;
    char line[64];
    (void)state;
    script_open(&s, "\xff\xfb\x01[OTA] Success: 5 bytes\r\nlast", true);
    assert_int_equal(eo_telnet_read_line(&s.session, 1000, line, sizeof line), 1);
    assert_string_equal(line, "[OTA] Success: 5 bytes");
    assert_int_equal(eo_telnet_read_line(&s.session, 1000, line, sizeof line), 1);
    assert_string_equal(line, "last");
    assert_int_equal(eo_telnet_read_line(&s.session, 1000, line, sizeof line), -1);
    script_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_line_strips_prefix_and_line_end),
        cmocka_unit_test(test_classify_each_dialect),
        cmocka_unit_test(test_prompt_detection_on_unfinished_text),
        cmocka_unit_test(test_error_text),
        cmocka_unit_test(test_login_1_14),
        cmocka_unit_test(test_login_1_14_wrong_password),
        cmocka_unit_test(test_login_1_13_welcome),
        cmocka_unit_test(test_login_dev),
        cmocka_unit_test(test_login_without_prompt_or_password),
        cmocka_unit_test(test_command_replies),
        cmocka_unit_test(test_read_line_drops_telnet_negotiation),
        cmocka_unit_test(test_cancel_ends_a_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
