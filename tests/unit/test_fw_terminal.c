/* test_fw_terminal.c — unit tests of the device's terminal (firmware/core/vd_terminal.c) and
 * identity values (vd_identity.c): the password dialogue of each era, commands and their
 * replies (info per era with dev's md5 line, `ota` with and without a URL, reset.safe), the
 * 1.14 uptime prefix on each message that starts a line, the silent 1.14 core build, split and
 * glued input, and the TXT records per era. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fw_fake.h"
#include "vd_identity.h"
#include "vd_terminal.h"

struct screen {
    char text[8192];
    size_t len;
};

static void screen_write(void *ctx, const char *data, size_t len)
{
    struct screen *s = ctx;
    assert_true(s->len + len < sizeof s->text);
    memcpy(s->text + s->len, data, len);
    s->len += len;
    s->text[s->len] = '\0';
}

static uint64_t uptime_1234(void *ctx)
{
    (void)ctx;
    return 1234;
}

struct fixture {
    struct screen screen;
    struct vd_identity id;
    struct vd_terminal term;
};

static struct fixture *open_term_as(enum vd_era era, uint8_t kind, const char *password,
                                    bool silent)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    fx->id =
        (struct vd_identity){.bootable = true,
                             .desc = {.kind = kind, .features = eo_kind_default_features(kind)},
                             .flash_size = 1 * MIB,
                             .built_for = 1 * MIB,
                             .image_size = 296960,
                             .free_space = 729088};
    snprintf(fx->id.desc.app, sizeof fx->id.desc.app, "ESPURNA");
    snprintf(fx->id.desc.version, sizeof fx->id.desc.version, "1.14.1");
    snprintf(fx->id.desc.board, sizeof fx->id.desc.board, "ESPURNA_CORE");
    snprintf(fx->id.desc.build_date, sizeof fx->id.desc.build_date, "2020-01-02 03:04:05");
    snprintf(fx->id.board_name, sizeof fx->id.board_name, "ESPURNA_CORE");
    snprintf(fx->id.sketch_md5, sizeof fx->id.sketch_md5, "0123456789abcdef0123456789abcdef");
    struct vd_terminal_config config = {.era = era,
                                        .silent = silent,
                                        .password = password,
                                        .identity = &fx->id,
                                        .hostname = "ESPURNA-00000B",
                                        .chip_id = 0xB,
                                        .mac = {0x5C, 0xCF, 0x7F, 0, 0, 0x0B},
                                        .boot_counter = 2};
    struct vd_terminal_io io = {&fx->screen, screen_write, uptime_1234};
    vd_terminal_open(&fx->term, &config, &io);
    return fx;
}

static struct fixture *open_term(enum vd_era era, uint8_t kind, const char *password)
{
    return open_term_as(era, kind, password, false);
}

static int type(struct fixture *fx, const char *text)
{
    fx->screen.len = 0;
    fx->screen.text[0] = '\0';
    return vd_terminal_input(&fx->term, text, strlen(text));
}

static void test_dev_password_right(void **state)
{
    (void)state;
    struct fixture *fx = open_term(VD_ERA_DEV, EO_KIND_FULL, "fibonacci");
    assert_string_equal(fx->screen.text, "Password (disconnects after 1 failed attempt): ");
    assert_int_equal(type(fx, "fibonacci\r\n"), VD_TERM_NONE);
    assert_string_equal(fx->screen.text, "+OK\n");
    assert_int_equal(fx->term.state, VD_TERM_READY);
    free(fx);
}

static void test_dev_password_wrong_disconnects(void **state)
{
    (void)state;
    struct fixture *fx = open_term(VD_ERA_DEV, EO_KIND_FULL, "fibonacci");
    assert_int_equal(type(fx, "fibonaccI\r\ninfo\r\n"), VD_TERM_CLOSE);
    assert_string_equal(fx->screen.text, "-ERROR: Invalid password\n"); /* info never ran */
    assert_int_equal(fx->term.state, VD_TERM_CLOSED);
    free(fx);
}

static void test_114_password_retry_then_welcome(void **state)
{
    (void)state;
    struct fixture *fx = open_term(VD_ERA_1_14_1, EO_KIND_FULL, "fibonacci");
    assert_string_equal(fx->screen.text, "Password: ");
    assert_int_equal(type(fx, "nope\r\n"), VD_TERM_NONE);
    assert_string_equal(fx->screen.text, "Password (try again): ");
    assert_int_equal(type(fx, "fibo"), VD_TERM_NONE); /* split across packets */
    assert_string_equal(fx->screen.text, "");
    assert_int_equal(type(fx, "nacci\n"), VD_TERM_NONE);
    assert_string_equal(fx->screen.text, "Password correct, welcome!\n");
    assert_int_equal(fx->term.state, VD_TERM_READY);
    free(fx);
}

static void test_no_password_for_core_builds(void **state)
{
    (void)state;
    struct fixture *fx = open_term(VD_ERA_DEV, EO_KIND_CORE, NULL);
    assert_string_equal(fx->screen.text, "");
    assert_int_equal(fx->term.state, VD_TERM_READY);
    type(fx, "info\r\n");
    assert_string_equal(fx->screen.text, "ESPURNA 1.14.1 built 2020-01-02 03:04:05\n"
                                         "device: ESPURNA_CORE\n"
                                         "mcu: esp8266 chipid: 00000B freq: 80mhz\n"
                                         "sdk: 2.2.2-dev(38a443e) core: 2.7.4\n"
                                         "md5: 0123456789abcdef0123456789abcdef\n"
                                         "support: MDNS ARDUINO_OTA TELNET TERMINAL\n"
                                         "system: OK boot counter: 2\n"
                                         "+OK\n");
    fx->term.config.safe_mode = true;
    type(fx, "INFO\r\n"); /* commands ignore case */
    assert_non_null(strstr(fx->screen.text, "\nsystem: UNSTABLE boot counter: 2\n+OK\n"));
    free(fx);
}

/* 1.14: "[NNNNNN] " before each message that starts a line, none inside or after one that
 * did not end a line; info is the "[MAIN] ..." block with the firmware MD5. */
static void test_114_prefix_and_info(void **state)
{
    (void)state;
    struct fixture *fx = open_term(VD_ERA_1_14_1, EO_KIND_FULL, NULL);
    type(fx, "info\r\n");
    const char *start = "[001234] \n\n---8<-------\n\n[001234] [MAIN] ESPURNA 1.14.1\n";
    assert_memory_equal(fx->screen.text, start, strlen(start));
    assert_non_null(strstr(fx->screen.text, "\n[001234] [MAIN] CPU chip ID: 0x00000B\n"));
    assert_non_null(strstr(fx->screen.text, "\n[001234] [MAIN] Core version: 2.3.0\n"));
    assert_non_null(strstr(
        fx->screen.text,
        "\n[001234] [MAIN] Firmware size       :   296960 bytes /   73 sectors (   1 to   73)\n"));
    assert_non_null(strstr(fx->screen.text, "\n[001234] [MAIN] Board: ESPURNA_CORE\n"));
    assert_non_null(strstr(fx->screen.text,
                           "\n[001234] [MAIN] Firmware MD5: 0123456789abcdef0123456789abcdef\n"));
    assert_null(strstr(fx->screen.text, "SAFE MODE"));
    assert_non_null(strstr(fx->screen.text, "---8<-------\n\n[001234] +OK\n"));
    fx->screen.len = 0;
    vd_terminal_send(&fx->term, "[OTA] ERROR: no line end");
    vd_terminal_send(&fx->term, "\n");
    vd_terminal_send(&fx->term, "[OTA] Disconnected\n");
    assert_string_equal(fx->screen.text,
                        "[001234] [OTA] ERROR: no line end\n[001234] [OTA] Disconnected\n");
    fx->term.config.safe_mode = true;
    type(fx, "info\r\n");
    assert_non_null(strstr(fx->screen.text, "\n[001234] [MAIN] Device is in SAFE MODE\n"));
    free(fx);
}

/* A 1.14 core build prints nothing at all (no prompt either), yet runs its commands. */
static void test_114_core_is_silent(void **state)
{
    (void)state;
    struct fixture *fx = open_term_as(VD_ERA_1_14_1, EO_KIND_CORE, NULL, true);
    assert_int_equal(type(fx, "info\r\n"), VD_TERM_NONE);
    assert_int_equal(type(fx, "ota http://10.0.0.1:8000/x.bin\r\n"), VD_TERM_OTA);
    assert_string_equal(fx->term.ota_url, "http://10.0.0.1:8000/x.bin");
    assert_int_equal(type(fx, "bogus\r\n"), VD_TERM_NONE);
    assert_int_equal(type(fx, "reset\r\n"), VD_TERM_REBOOT);
    assert_int_equal(fx->screen.len, 0);
    free(fx);
}

static void test_commands(void **state)
{
    (void)state;
    struct fixture *fx = open_term(VD_ERA_DEV, EO_KIND_CORE, NULL);
    assert_int_equal(type(fx, "ota http://10.0.0.1:8000/x.bin\r\n"), VD_TERM_OTA);
    assert_string_equal(fx->screen.text, "[OTA] Connecting to 10.0.0.1:8000\n+OK\n");
    assert_string_equal(fx->term.ota_url, "http://10.0.0.1:8000/x.bin");
    assert_int_equal(type(fx, "ota\r\n"), VD_TERM_NONE);
    assert_string_equal(fx->screen.text, "-ERROR: OTA <URL>\n");
    assert_int_equal(type(fx, "ota http://h/a http://h/b\r\n"), VD_TERM_NONE);
    assert_string_equal(fx->screen.text, "-ERROR: OTA <URL>\n");
    assert_int_equal(type(fx, "ota ftp://h/a\r\n"), VD_TERM_NONE);
    assert_string_equal(fx->screen.text, "[OTA] Unsupported protocol\n+OK\n");
    assert_int_equal(type(fx, "reset.safe\r\n"), VD_TERM_REBOOT_SAFE);
    assert_string_equal(fx->screen.text, "+OK\n");
    assert_int_equal(type(fx, "reset\r\n"), VD_TERM_REBOOT);
    assert_string_equal(fx->screen.text, "+OK\n");
    assert_int_equal(type(fx, "frobnicate\r\n"), VD_TERM_NONE);
    assert_string_equal(fx->screen.text, "-ERROR: Command not found\n");
    assert_int_equal(type(fx, "\r\n\r\n"), VD_TERM_NONE);
    assert_string_equal(fx->screen.text, "");
    free(fx);
}

static void test_114_ota(void **state)
{
    (void)state;
    struct fixture *fx = open_term(VD_ERA_1_14_0, EO_KIND_FULL, NULL);
    assert_int_equal(type(fx, "ota\r\n"), VD_TERM_NONE);
    assert_string_equal(fx->screen.text, "[001234] -ERROR: OTA <url>\n");
    assert_int_equal(type(fx, "ota http://10.0.0.1/x.bin extra\r\n"), VD_TERM_OTA);
    assert_string_equal(fx->screen.text, "[001234] +OK\n"); /* no "Connecting" line */
    assert_int_equal(type(fx, "ota 10.0.0.1/x.bin\r\n"), VD_TERM_NONE);
    assert_string_equal(fx->screen.text, "[001234] [OTA] Incorrect URL specified\n[001234] +OK\n");
    free(fx);
}

static void test_glued_lines(void **state)
{
    (void)state;
    struct fixture *fx = open_term(VD_ERA_DEV, EO_KIND_FULL, "pw");
    int actions = type(fx, "pw\r\nota http://h/a.bin\r\nreset\r\n");
    assert_int_equal(actions, VD_TERM_OTA | VD_TERM_REBOOT);
    assert_string_equal(fx->screen.text, "+OK\n[OTA] Connecting to h:80\n+OK\n+OK\n");
    free(fx);
}

static void test_overlong_line(void **state)
{
    (void)state;
    struct fixture *fx = open_term(VD_ERA_DEV, EO_KIND_CORE, NULL);
    char line[VD_TERM_LINE_MAX + 100];
    memset(line, 'a', sizeof line - 3);
    strcpy(line + sizeof line - 3, "\r\n");
    type(fx, line);
    assert_string_equal(fx->screen.text, "-ERROR: Line too long\n");
    free(fx);
}

/* value of key in txt, or NULL */
static const char *txt_get(const struct vd_txt *txt, const char *key)
{
    size_t n = strlen(key);
    for (unsigned i = 0; i < txt->count; i++)
        if (strncmp(txt->item[i], key, n) == 0 && txt->item[i][n] == '=')
            return txt->item[i] + n + 1;
    return NULL;
}

static void test_txt_dialects(void **state)
{
    (void)state;
    struct fixture *fx = open_term(VD_ERA_DEV, EO_KIND_CORE, NULL);
    struct vd_txt_facts facts = {.mac = {0x5C, 0xCF, 0x7F, 0x01, 0x02, 0xAB},
                                 .auth = true,
                                 .era = VD_ERA_1_14_1,
                                 .mode = VD_TXT_FULL,
                                 .espurna_keys = true};
    struct vd_txt txt;
    vd_txt_build(&fx->id, &facts, &txt);
    assert_string_equal(txt_get(&txt, "tcp_check"), "no");
    assert_string_equal(txt_get(&txt, "board"), "PLATFORMIO_ESP01_1M");
    assert_string_equal(txt_get(&txt, "auth_upload"), "yes");
    assert_string_equal(txt_get(&txt, "app_name"), "ESPURNA");
    assert_string_equal(txt_get(&txt, "mac"), "5C:CF:7F:01:02:AB");
    assert_string_equal(txt_get(&txt, "free_space"), "729088");
    assert_string_equal(txt_get(&txt, "mem_size"), "1024");
    assert_string_equal(txt_get(&txt, "sdk_size"), "1024");
    assert_string_equal(txt_get(&txt, "target_board"), "ESPURNA_CORE");
    facts.era = VD_ERA_DEV;
    facts.auth = false;
    vd_txt_build(&fx->id, &facts, &txt);
    assert_string_equal(txt_get(&txt, "mac"), "5CCF7F0102AB");
    assert_string_equal(txt_get(&txt, "free_space"), "712"); /* KiB */
    assert_string_equal(txt_get(&txt, "auth_upload"), "no");
    facts.mode = VD_TXT_MINIMAL;
    vd_txt_build(&fx->id, &facts, &txt);
    assert_int_equal(txt.count, 4);
    assert_null(txt_get(&txt, "app_name"));
    facts.mode = VD_TXT_MALFORMED;
    vd_txt_build(&fx->id, &facts, &txt);
    assert_string_equal(txt_get(&txt, "mem_size"), "12abc");
    assert_true(strlen(txt_get(&txt, "app_version")) > 200);
    free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dev_password_right),
        cmocka_unit_test(test_dev_password_wrong_disconnects),
        cmocka_unit_test(test_114_password_retry_then_welcome),
        cmocka_unit_test(test_no_password_for_core_builds),
        cmocka_unit_test(test_114_prefix_and_info),
        cmocka_unit_test(test_114_core_is_silent),
        cmocka_unit_test(test_114_ota),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_glued_lines),
        cmocka_unit_test(test_overlong_line),
        cmocka_unit_test(test_txt_dialects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
