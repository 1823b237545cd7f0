/* test_identify.c — reading the terminal's `info` of each era into version, kind, md5 and the
 * rest (the network side of identification is covered by tests/e2e/watch_reboot.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "espurna-ota/image.h"
#include "espurna-ota/terminal.h"
#include "espurna-ota/watch.h"

#define MD5_HEX "b7e4827a992c05a7d09a82fb87e645da"

/* Feeds raw device lines the way the telnet session hands them over: cleaned. */
static void feed(struct eo_info_facts *facts, const char *const *lines)
{
    char clean[256];
    for (; *lines; lines++) {
        eo_terminal_clean_line(*lines, clean, sizeof clean);
        eo_info_parse_line(facts, clean);
    }
}

static void test_1_14_full(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "[012345] \r\n",
        "[012345] ---8<-------\r\n",
        "[012346] [MAIN] ESPURNA 1.14.1\r\n",
        "[012346] [MAIN] xose.perez@gmail.com\r\n",
        "[012346] [MAIN] http://tinkerman.cat\r\n",
        "[012347] [MAIN] CPU chip ID: 0x00000B\r\n",
        "[012347] [MAIN] CPU frequency: 80 MHz\r\n",
        "[012347] [MAIN] Flash size (CHIP)    :  1048576 bytes /  256 sectors (   0 to  255)\r\n",
        "[012348] [MAIN] Board: ITEAD_SONOFF_BASIC\r\n",
        "[012348] [MAIN] Support: ALEXA API MDNS_SERVER OTA TELNET TERMINAL WEB ARDUINO_OTA\r\n",
        "[012348] [MAIN] Firmware MD5: " MD5_HEX "\r\n",
        "[012349] +OK\r\n",
        NULL,
    };
    struct eo_info_facts facts;
    eo_info_facts_init(&facts);
    feed(&facts, lines);
    assert_string_equal(facts.app, "ESPURNA");
    assert_string_equal(facts.version, "1.14.1");
    assert_string_equal(facts.chip_id, "00000B");
    assert_string_equal(facts.board, "ITEAD_SONOFF_BASIC");
    assert_string_equal(facts.md5, MD5_HEX);
    assert_int_equal(facts.kind, EO_KIND_FULL);
    assert_false(facts.dev_format);
    assert_false(facts.safe_mode);
}

static void test_1_14_core_in_safe_mode(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "[000100] [MAIN] ESPURNA 1.14.0\n",
        "[000101] [MAIN] Support: MDNS ARDUINO_OTA TELNET TERMINAL\n",
        "[000101] [MAIN] Device is in SAFE MODE\n",
        NULL,
    };
    struct eo_info_facts facts;
    eo_info_facts_init(&facts);
    feed(&facts, lines);
    assert_string_equal(facts.version, "1.14.0");
    assert_int_equal(facts.kind, EO_KIND_CORE);
    assert_true(facts.safe_mode);
    assert_string_equal(facts.md5, "");
}

static void test_dev(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "ESPURNA 1.15.0-dev.gita1b2c3d4+github261101 built 2026-11-01 12:00:00\n",
        "device: ESPURNA_MINIMAL_ARDUINO_OTA\n",
        "mcu: esp8266 chipid: 00000C freq: 80mhz\n",
        "sdk: 2.2.2-dev(38a443e) core: 2.7.4\n",
        "md5: 9B3E0538DBF4A871A77AC2CD48026A32\n",
        "support: MDNS ARDUINO_OTA TELNET TERMINAL\n",
        "system: UNSTABLE boot counter: 2\n",
        "+OK\n",
        NULL,
    };
    struct eo_info_facts facts;
    eo_info_facts_init(&facts);
    feed(&facts, lines);
    assert_string_equal(facts.version, "1.15.0-dev.gita1b2c3d4+github261101");
    assert_string_equal(facts.build_date, "2026-11-01 12:00:00");
    assert_string_equal(facts.board, "ESPURNA_MINIMAL_ARDUINO_OTA");
    assert_string_equal(facts.chip_id, "00000C");
    assert_string_equal(facts.md5, "9b3e0538dbf4a871a77ac2cd48026a32");
    assert_int_equal(facts.kind, EO_KIND_CORE);
    assert_true(facts.dev_format);
    assert_true(facts.safe_mode);
}

static void test_silence_and_noise_learn_nothing(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "[000200] [WIFI] Connected\n", "md5: not-a-digest\n",         "[MAIN] Board:\n",
        "OTHERAPP 2.0 built today\n",  "-ERROR: Command not found\n", NULL,
    };
    struct eo_info_facts facts;
    eo_info_facts_init(&facts);
    feed(&facts, lines);
    assert_string_equal(facts.version, "");
    assert_string_equal(facts.md5, "");
    assert_string_equal(facts.board, "");
    assert_int_equal(facts.kind, EO_KIND_UNKNOWN);
}

static void test_first_version_line_wins(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "[000001] [MAIN] ESPURNA 1.14.1\n",
        "[000002] [MAIN] ESPURNA 9.9.9\n",
        NULL,
    };
    struct eo_info_facts facts;
    eo_info_facts_init(&facts);
    feed(&facts, lines);
    assert_string_equal(facts.version, "1.14.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1_14_full),
        cmocka_unit_test(test_1_14_core_in_safe_mode),
        cmocka_unit_test(test_dev),
        cmocka_unit_test(test_silence_and_noise_learn_nothing),
        cmocka_unit_test(test_first_version_line_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
