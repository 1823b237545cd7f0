/* test_device_list_file.c — unit tests for the device list of `batch --devices`
 * (device_list_file.h): good text lists (comments, blank lines, every key, password rotation,
 * each way of naming a device), good JSON in both shapes, one test per kind of error with its
 * exact "FILE:LINE: ..." message, and reading a file: image paths made relative to the list's
 * folder, a FIFO refused without blocking. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "espurna-ota/device_list_file.h"
#include "espurna-ota/transport.h"

/* ---- helpers ---- */

static void parse_ok_named(const char *name, const char *text, struct eo_device_roster *roster)
{
    struct eo_error err;
    memset(&err, 0, sizeof err);
    enum eo_status status = eo_roster_parse(name, text, strlen(text), roster, &err);
    if (status != EO_OK)
        print_error("unexpected error: %s\n", err.message);
    assert_int_equal(status, EO_OK);
}

static void parse_ok(const char *text, struct eo_device_roster *roster)
{
    parse_ok_named("devices.txt", text, roster);
}

static void expect_error_bytes(const char *name, const char *text, size_t len, const char *message)
{
    struct eo_device_roster roster = {(struct eo_listed_device *)&roster, 99};
    struct eo_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(eo_roster_parse(name, text, len, &roster, &err), EO_ERR_INPUT);
    assert_int_equal(err.status, EO_ERR_INPUT);
    assert_string_equal(err.message, message);
    assert_null(roster.items);
    assert_int_equal(roster.count, 0);
}

static void expect_error(const char *text, const char *message)
{
    expect_error_bytes("devices.txt", text, strlen(text), message);
}

static void expect_json_error(const char *text, const char *message)
{
    expect_error_bytes("devices.json", text, strlen(text), message);
}

static void assert_unset(const struct eo_listed_device *device)
{
    assert_null(device->image);
    assert_string_equal(device->env, "");
    assert_int_equal(device->password_count, 0);
    assert_int_equal(device->method, -1);
    assert_int_equal(device->port, 0);
    assert_int_equal(device->web_port, 0);
    assert_int_equal(device->telnet_port, 0);
}

/* ---- good text lists ---- */

static void test_text_device_forms(void **state)
{
    (void)state;
    struct eo_device_roster roster;
    parse_ok("# the hall\n"
             "\n"
             "   \t\n"
             "ESPURNA-1A2B3C\n"
             "kitchen.local   # by mDNS\n"
             "Garage.\n"
             "192.168.1.40\n"
             "fe80::0:1%eth0\n"
             "aa:bb:cc:dd:ee:0f\n"
             "d4e5f6\n"
             "\t  porch-light_2 \n"
             "000020\n"
             "# the end, no newline after this one\n"
             "2001:db8::7",
             &roster);
    assert_int_equal(roster.count, 10);
    const struct {
        const char *device;
        enum eo_listed_kind kind;
        const char *identity;
        unsigned line;
    } expected[] = {
        {"ESPURNA-1A2B3C", EO_LISTED_CHIP_ID, "1A2B3C", 4},
        {"kitchen.local", EO_LISTED_HOST, "kitchen", 5},
        {"Garage.", EO_LISTED_HOST, "garage", 6},
        {"192.168.1.40", EO_LISTED_ADDRESS, "192.168.1.40", 7},
        {"fe80::0:1%eth0", EO_LISTED_ADDRESS, "fe80::1%eth0", 8},
        {"aa:bb:cc:dd:ee:0f", EO_LISTED_MAC, "AA:BB:CC:DD:EE:0F", 9},
        {"d4e5f6", EO_LISTED_CHIP_ID, "D4E5F6", 10},
        {"porch-light_2", EO_LISTED_HOST, "porch-light_2", 11},
        {"000020", EO_LISTED_CHIP_ID, "000020", 12},
        {"2001:db8::7", EO_LISTED_ADDRESS, "2001:db8::7", 14},
    };
    for (size_t i = 0; i < roster.count; i++) {
        assert_string_equal(roster.items[i].device, expected[i].device);
        assert_int_equal(roster.items[i].kind, expected[i].kind);
        assert_string_equal(roster.items[i].identity, expected[i].identity);
        assert_int_equal(roster.items[i].line, expected[i].line);
        assert_unset(&roster.items[i]);
    }
    eo_roster_release(&roster);
    assert_null(roster.items);
    assert_int_equal(roster.count, 0);
}

static void test_text_every_key(void **state)
{
    (void)state;
    struct eo_device_roster roster;
    parse_ok("kitchen image=builds/espurna-1.15.0-nodemcu-lolin.bin method=web port=8266 "
             "web-port=8080\ttelnet-port=2323 password=house\n"
             "hall env=itead-sonoff-basic method=terminal\n"
             "garage env=nodemcu-lolin password=current password=previous  # rotating\n"
             "porch method=espota password=a password=b.2023 password=c_old\n"
             "cellar image=fw#1.bin port=65535 web-port=1 telnet-port=00023\n",
             &roster);
    assert_int_equal(roster.count, 5);
    const struct eo_listed_device *kitchen = &roster.items[0];
    assert_string_equal(kitchen->image, "builds/espurna-1.15.0-nodemcu-lolin.bin");
    assert_string_equal(kitchen->env, "");
    assert_int_equal(kitchen->method, EO_METHOD_WEB);
    assert_int_equal(kitchen->port, 8266);
    assert_int_equal(kitchen->web_port, 8080);
    assert_int_equal(kitchen->telnet_port, 2323);
    assert_int_equal(kitchen->password_count, 1);
    assert_string_equal(kitchen->passwords[0], "house");

    const struct eo_listed_device *hall = &roster.items[1];
    assert_null(hall->image);
    assert_string_equal(hall->env, "itead-sonoff-basic");
    assert_int_equal(hall->method, EO_METHOD_TERMINAL);
    assert_int_equal(hall->password_count, 0);

    const struct eo_listed_device *garage = &roster.items[2];
    assert_int_equal(garage->password_count, 2);
    assert_string_equal(garage->passwords[0], "current");
    assert_string_equal(garage->passwords[1], "previous");
    assert_int_equal(garage->method, -1);

    const struct eo_listed_device *porch = &roster.items[3];
    assert_int_equal(porch->method, EO_METHOD_ESPOTA);
    assert_int_equal(porch->password_count, 3);
    assert_string_equal(porch->passwords[0], "a");
    assert_string_equal(porch->passwords[1], "b.2023");
    assert_string_equal(porch->passwords[2], "c_old");

    const struct eo_listed_device *cellar = &roster.items[4];
    assert_string_equal(cellar->image, "fw#1.bin"); /* '#' inside a value is not a comment */
    assert_int_equal(cellar->port, 65535);
    assert_int_equal(cellar->web_port, 1);
    assert_int_equal(cellar->telnet_port, 23);
    eo_roster_release(&roster);
}

static void test_text_four_passwords(void **state)
{
    (void)state;
    struct eo_device_roster roster;
    parse_ok("kitchen password=p1 password=p2 password=p3 password=p4\n", &roster);
    assert_int_equal(roster.items[0].password_count, 4);
    assert_string_equal(roster.items[0].passwords[3], "p4");
    eo_roster_release(&roster);
}

static void test_text_crlf_and_bom(void **state)
{
    (void)state;
    struct eo_device_roster roster;
    parse_ok("\xEF\xBB\xBFkitchen method=web\r\n\r\n# note\r\nhall port=8266\r\n", &roster);
    assert_int_equal(roster.count, 2);
    assert_string_equal(roster.items[0].device, "kitchen");
    assert_int_equal(roster.items[0].method, EO_METHOD_WEB);
    assert_int_equal(roster.items[1].line, 4);
    assert_int_equal(roster.items[1].port, 8266);
    eo_roster_release(&roster);
}

static void test_text_line_of_exactly_the_limit(void **state)
{
    (void)state;
    char text[EO_ROSTER_LINE_MAX + 2];
    memset(text, ' ', EO_ROSTER_LINE_MAX);
    memcpy(text, "kitchen # ", 10);
    text[EO_ROSTER_LINE_MAX] = '\n';
    text[EO_ROSTER_LINE_MAX + 1] = '\0';
    struct eo_device_roster roster;
    parse_ok(text, &roster);
    assert_int_equal(roster.count, 1);
    eo_roster_release(&roster);
}

/* ---- good JSON ---- */

static void test_json_array(void **state)
{
    (void)state;
    struct eo_device_roster roster;
    parse_ok_named(
        "devices.json",
        "\n  [\n"
        "  {\"device\": \"ESPURNA-1A2B3C\", \"image\": \"fw.bin\", \"method\": \"web\",\n"
        "   \"port\": 8266, \"web_port\": 8080, \"telnet_port\": 23,\n"
        "   \"passwords\": [\"current\", \"previous\", \"oldest\"]},\n"
        "  {\"device\": \"kitchen.local\", \"env\": \"nodemcu-lolin\", "
        "\"password\": \"house\"},\n"
        "  {\"device\": \"AA:BB:CC:DD:EE:FF\", \"image\": null, \"passwords\": [],"
        " \"method\": null}\n"
        "]\n",
        &roster);
    assert_int_equal(roster.count, 3);
    const struct eo_listed_device *chip = &roster.items[0];
    assert_string_equal(chip->device, "ESPURNA-1A2B3C");
    assert_int_equal(chip->kind, EO_LISTED_CHIP_ID);
    assert_string_equal(chip->image, "fw.bin");
    assert_int_equal(chip->method, EO_METHOD_WEB);
    assert_int_equal(chip->port, 8266);
    assert_int_equal(chip->web_port, 8080);
    assert_int_equal(chip->telnet_port, 23);
    assert_int_equal(chip->password_count, 3);
    assert_string_equal(chip->passwords[0], "current");
    assert_string_equal(chip->passwords[2], "oldest");
    assert_int_equal(chip->line, 3);
    const struct eo_listed_device *kitchen = &roster.items[1];
    assert_string_equal(kitchen->env, "nodemcu-lolin");
    assert_int_equal(kitchen->password_count, 1);
    assert_string_equal(kitchen->passwords[0], "house");
    assert_int_equal(kitchen->line, 6);
    assert_int_equal(roster.items[2].kind, EO_LISTED_MAC);
    assert_int_equal(roster.items[2].line, 7);
    assert_unset(&roster.items[2]);
    eo_roster_release(&roster);
}

static void test_json_object(void **state)
{
    (void)state;
    struct eo_device_roster roster;
    parse_ok_named("devices.json",
                   "{\"devices\": [{\"device\": \"hall\"},\n"
                   "\n"
                   "  {\"device\": \"garage\", \"image\": \"a]b{,.bin\"}, "
                   "{\"device\": \"10.0.0.9\"}]}",
                   &roster);
    assert_int_equal(roster.count, 3);
    assert_string_equal(roster.items[0].device, "hall");
    assert_int_equal(roster.items[0].line, 1);
    assert_string_equal(roster.items[1].image, "a]b{,.bin");
    assert_int_equal(roster.items[1].line, 3);
    assert_int_equal(roster.items[2].kind, EO_LISTED_ADDRESS);
    assert_int_equal(roster.items[2].line, 3);
    eo_roster_release(&roster);
}

static void test_json_after_byte_order_mark(void **state)
{
    (void)state;
    struct eo_device_roster roster;
    parse_ok_named("devices.json", "\xEF\xBB\xBF\r\n[{\"device\": \"hall\"}]", &roster);
    assert_int_equal(roster.count, 1);
    assert_int_equal(roster.items[0].line, 2);
    eo_roster_release(&roster);
}

/* ---- text errors, one per kind ---- */

static void test_error_unknown_key(void **state)
{
    (void)state;
    expect_error("hall\nkitchen imgae=fw.bin\n",
                 "devices.txt:2: unknown key 'imgae' (image, env, password, method, port, "
                 "web-port, telnet-port)");
    expect_error("kitchen web_port=80\n",
                 "devices.txt:1: unknown key 'web_port' (image, env, password, method, port, "
                 "web-port, telnet-port)");
}

static void test_error_listed_twice(void **state)
{
    (void)state;
    expect_error("# fleet\n\nESPURNA-1A2B3C\nhall\n\n\n\n\nESPURNA-1A2B3C method=web\n",
                 "devices.txt:9: ESPURNA-1A2B3C is listed twice (first on line 3)");
    expect_error("espurna-1a2b3c.local\n1A2B3C\n",
                 "devices.txt:2: 1A2B3C is listed twice (first on line 1 as espurna-1a2b3c.local)");
    expect_error("Kitchen.local.\nkitchen\n",
                 "devices.txt:2: kitchen is listed twice (first on line 1 as Kitchen.local.)");
    expect_error("aa:bb:cc:dd:ee:ff\nAA:BB:CC:DD:EE:FF\n",
                 "devices.txt:2: AA:BB:CC:DD:EE:FF is listed twice (first on line 1 as "
                 "aa:bb:cc:dd:ee:ff)");
    expect_error("2001:db8::1\n2001:0db8:0::1\n",
                 "devices.txt:2: 2001:0db8:0::1 is listed twice (first on line 1 as 2001:db8::1)");
}

static void test_error_bad_device(void **state)
{
    (void)state;
    expect_error("kitchen/hall\n",
                 "devices.txt:1: 'kitchen/hall' is not a host name, IP address, chip id or MAC");
    expect_error("hall\n192.168.1.300\n",
                 "devices.txt:2: '192.168.1.300' is not a host name, IP address, chip id or MAC");
    expect_error("a..b\n", "devices.txt:1: 'a..b' is not a host name, IP address, chip id or MAC");
    expect_error("fe80::1%\n",
                 "devices.txt:1: 'fe80::1%' is not a host name, IP address, chip id or MAC");
    expect_error(".local\n",
                 "devices.txt:1: '.local' is not a host name, IP address, chip id or MAC");
}

static void test_error_field_before_device(void **state)
{
    (void)state;
    expect_error("image=fw.bin kitchen\n",
                 "devices.txt:1: 'image=fw.bin' before the device: the device is the first field");
}

static void test_error_not_key_value(void **state)
{
    (void)state;
    expect_error("kitchen hall\n", "devices.txt:1: 'hall' is not key=value (one device per line)");
    expect_error("kitchen =web\n", "devices.txt:1: '=web' is not key=value (one device per line)");
}

static void test_error_empty_value(void **state)
{
    (void)state;
    expect_error("kitchen image=\n", "devices.txt:1: empty value for 'image'");
    expect_error("kitchen port=\n", "devices.txt:1: empty value for 'port'");
    expect_error("kitchen password=\n", "devices.txt:1: empty value for 'password'");
}

static void test_error_bad_port(void **state)
{
    (void)state;
    expect_error("kitchen port=0\n", "devices.txt:1: bad port '0': a number from 1 to 65535");
    expect_error("kitchen web-port=65536\n",
                 "devices.txt:1: bad web-port '65536': a number from 1 to 65535");
    expect_error("kitchen telnet-port=+23\n",
                 "devices.txt:1: bad telnet-port '+23': a number from 1 to 65535");
    expect_error("kitchen port=8266x\n",
                 "devices.txt:1: bad port '8266x': a number from 1 to 65535");
    expect_error("kitchen port=99999999999999999999\n",
                 "devices.txt:1: bad port '99999999999999999999': a number from 1 to 65535");
}

static void test_error_bad_method(void **state)
{
    (void)state;
    expect_error("kitchen method=http\n",
                 "devices.txt:1: unknown method 'http' (espota, web, terminal)");
}

static void test_error_bad_env(void **state)
{
    (void)state;
    expect_error("kitchen env=../x\n",
                 "devices.txt:1: bad environment '../x': letters, digits, '.', '_' and '-', up "
                 "to 95");
}

static void test_error_image_and_env(void **state)
{
    (void)state;
    expect_error("kitchen image=a.bin env=nodemcu-lolin\n",
                 "devices.txt:1: both image and env given: an image file or an environment");
    expect_error("kitchen env=nodemcu-lolin image=a.bin\n",
                 "devices.txt:1: both image and env given: an image file or an environment");
}

static void test_error_key_twice(void **state)
{
    (void)state;
    expect_error("kitchen method=web method=espota\n", "devices.txt:1: 'method' given twice");
    expect_error("kitchen port=1 port=1\n", "devices.txt:1: 'port' given twice");
    expect_error("kitchen image=a image=a\n", "devices.txt:1: 'image' given twice");
    expect_error("kitchen env=a env=b\n", "devices.txt:1: 'env' given twice");
}

static void test_error_passwords(void **state)
{
    (void)state;
    expect_error("kitchen password=a password=b password=a\n",
                 "devices.txt:1: the same password name given twice");
    expect_error("kitchen password=a password=b password=c password=d password=e\n",
                 "devices.txt:1: more than 4 passwords: rotation tries up to 4");
    /* what looks like a password itself is refused and never echoed */
    expect_error("kitchen password=s3cr3t!pass\n",
                 "devices.txt:1: 'password' takes the name of a secret (letters, digits, '.', "
                 "'_' and '-', up to 63), not a password");
}

static void test_error_control_characters(void **state)
{
    (void)state;
    expect_error_bytes("devices.txt", "hall\nkitchen image=a\0b.bin\n", 24,
                       "devices.txt:2: NUL byte in the line");
    expect_error("kitchen image=a\033[2Jb.bin\n",
                 "devices.txt:1: control character 0x1B in the line");
    expect_error("kitchen\rhall\n", "devices.txt:1: control character 0x0D in the line");
    expect_error("kitchen\x7f\n", "devices.txt:1: control character 0x7F in the line");
}

static void test_error_long_line(void **state)
{
    (void)state;
    char text[EO_ROSTER_LINE_MAX + 16];
    memset(text, ' ', sizeof text);
    memcpy(text, "hall\nkitchen # ", 15);
    text[sizeof text - 2] = '\n';
    text[sizeof text - 1] = '\0';
    expect_error(text, "devices.txt:2: line longer than 1024 bytes");
}

static void test_error_no_devices(void **state)
{
    (void)state;
    expect_error("", "devices.txt: no devices listed");
    expect_error("# nothing yet\n\n   \n", "devices.txt: no devices listed");
    expect_json_error("[]", "devices.json: no devices listed");
    expect_json_error(" {\"devices\": []}\n", "devices.json: no devices listed");
}

static void test_error_first_one_wins(void **state)
{
    (void)state;
    expect_error("hall\nkitchen method=http\nhall\nporch imgae=x\n",
                 "devices.txt:2: unknown method 'http' (espota, web, terminal)");
    expect_error("hall\nkitchen\nhall\nporch imgae=x\n",
                 "devices.txt:3: hall is listed twice (first on line 1)");
}

static void test_error_too_many_devices(void **state)
{
    (void)state;
    size_t cap = (EO_ROSTER_DEVICES_MAX + 1) * 16 + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = 0;
    for (unsigned i = 0; i <= EO_ROSTER_DEVICES_MAX; i++)
        len += (size_t)snprintf(text + len, cap - len, "host-%u\n", i);
    expect_error(text, "devices.txt:10001: more than 10000 devices: split the list");
    text[len - strlen("host-10000\n")] = '\0';
    struct eo_device_roster roster;
    parse_ok(text, &roster);
    assert_int_equal(roster.count, EO_ROSTER_DEVICES_MAX);
    assert_string_equal(roster.items[9999].device, "host-9999");
    eo_roster_release(&roster);
    free(text);
}

/* ---- JSON errors ---- */

static void test_json_error_syntax(void **state)
{
    (void)state;
    expect_json_error("[\n  {\"device\": \"hall\"},\n  {\"device\": \"kitchen\",}\n]\n",
                      "devices.json:3: invalid JSON (column 24): string or '}' expected near '}'");
    expect_json_error("[{\"device\": \"hall\", \"image\": \"a\",\n \"image\": \"b\"}]",
                      "devices.json:2: invalid JSON (column 8): duplicate object key near "
                      "'\"image\"'");
}

static void test_json_error_unknown_key(void **state)
{
    (void)state;
    expect_json_error("[\n {\"device\": \"hall\"},\n\n {\"device\": \"kitchen\",\n"
                      "  \"imgae\": \"fw.bin\"}]",
                      "devices.json:4: unknown key 'imgae' (device, image, env, passwords, "
                      "password, method, port, web_port, telnet_port)");
    expect_json_error("{\"devices\": [], \"version\": 1}",
                      "devices.json:1: unknown key 'version' around the list (devices)");
}

/* Fills a stretch of the stack with a non-zero pattern, so that a parser that reads an
 * uninitialised local there meets garbage, not a lucky zero. */
static __attribute__((noinline)) void dirty_stack(void)
{
    volatile unsigned char junk[16384];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = 0xA5;
}

/* Found by fuzz_roster: a JSON entry refused before its device was read ({} or a device that is
 * not a string) freed an image pointer that was never set. */
static void test_json_entry_without_device_frees_nothing(void **state)
{
    (void)state;
    dirty_stack();
    expect_json_error("[{}]", "devices.json:1: entry without 'device'");
    dirty_stack();
    expect_json_error("\r\r[\t\t\t\t\t{}]", "devices.json:1: entry without 'device'");
    dirty_stack();
    expect_json_error("[{\"device\": 12}]", "devices.json:1: 'device' must be a string");
}

static void test_json_error_shape(void **state)
{
    (void)state;
    expect_json_error("{\"hosts\": []}", "devices.json:1: unknown key 'hosts' around the list "
                                         "(devices)");
    expect_json_error("{}", "devices.json:1: expected [device objects] or {\"devices\": "
                            "[device objects]}");
    expect_json_error("\n{\"devices\": {}}", "devices.json:2: 'devices' must be an array");
    expect_json_error("[{\"device\": \"hall\"},\n \"kitchen\"]",
                      "devices.json:2: a device entry must be an object");
    expect_json_error("[{\"image\": \"a.bin\"}]", "devices.json:1: entry without 'device'");
    expect_json_error("[{\"device\": null}]", "devices.json:1: entry without 'device'");
    expect_json_error("[{\"device\": 12}]", "devices.json:1: 'device' must be a string");
}

static void test_json_error_values(void **state)
{
    (void)state;
    expect_json_error("[{\"device\": \"hall\", \"port\": \"8266\"}]",
                      "devices.json:1: 'port' must be a number from 1 to 65535");
    expect_json_error("[{\"device\": \"hall\", \"web_port\": 70000}]",
                      "devices.json:1: bad web_port '70000': a number from 1 to 65535");
    expect_json_error("[{\"device\": \"hall\", \"method\": 1}]",
                      "devices.json:1: 'method' must be a string");
    expect_json_error("[{\"device\": \"hall\", \"image\": \"\"}]",
                      "devices.json:1: empty value for 'image'");
    expect_json_error("[{\"device\": \"hall\", \"image\": \"a\\u0007.bin\"}]",
                      "devices.json:1: control character in the value of 'image'");
    expect_json_error("[{\"device\": \"hall\\n\"}]",
                      "devices.json:1: control character in the device 'hall?'");
    expect_json_error("[{\"device\": \"hall\", \"image\": \"a\", \"env\": \"b\"}]",
                      "devices.json:1: both image and env given: an image file or an "
                      "environment");
}

static void test_json_error_passwords(void **state)
{
    (void)state;
    expect_json_error("[{\"device\": \"hall\", \"password\": \"a\", \"passwords\": [\"b\"]}]",
                      "devices.json:1: both 'password' and 'passwords' given: use one");
    expect_json_error("[{\"device\": \"hall\", \"passwords\": \"a\"}]",
                      "devices.json:1: 'passwords' must be an array of secret names");
    expect_json_error("[{\"device\": \"hall\", \"passwords\": [\"a\", 2]}]",
                      "devices.json:1: 'passwords' must be an array of secret names");
    expect_json_error("[{\"device\": \"hall\", \"passwords\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}]",
                      "devices.json:1: more than 4 passwords: rotation tries up to 4");
    expect_json_error("[{\"device\": \"hall\", \"password\": \"my password\"}]",
                      "devices.json:1: 'password' takes the name of a secret (letters, digits, "
                      "'.', '_' and '-', up to 63), not a password");
}

static void test_json_error_listed_twice(void **state)
{
    (void)state;
    expect_json_error("{\"devices\": [\n"
                      "  {\"device\": \"ESPURNA-1A2B3C\"},\n"
                      "  {\"device\": \"hall\", \"image\": \"x\\\"]}\\u005b,\"},\n"
                      "  {\"device\": \"espurna-1a2b3c\"}\n"
                      "]}",
                      "devices.json:4: espurna-1a2b3c is listed twice (first on line 2 as "
                      "ESPURNA-1A2B3C)");
}

/* ---- files ---- */

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/eo-roster-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    return system(command) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_load_resolves_images(void **state)
{
    (void)state;
    char folder[128], path[192];
    snprintf(folder, sizeof folder, "%s/fleet", dir);
    assert_int_equal(mkdir(folder, 0700), 0);
    snprintf(path, sizeof path, "%s/devices.txt", folder);
    write_file(path, "hall image=builds/a.bin\n"
                     "kitchen image=/srv/fw/b.bin\n"
                     "garage env=nodemcu-lolin\n");
    struct eo_device_roster roster;
    struct eo_error err;
    assert_int_equal(eo_roster_load(path, &roster, &err), EO_OK);
    assert_int_equal(roster.count, 3);
    char expected[256];
    snprintf(expected, sizeof expected, "%s/builds/a.bin", folder);
    assert_string_equal(roster.items[0].image, expected);
    assert_string_equal(roster.items[1].image, "/srv/fw/b.bin");
    assert_null(roster.items[2].image);
    eo_roster_release(&roster);
}

static void test_load_json_from_current_folder(void **state)
{
    (void)state;
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    write_file("devices.json", "[{\"device\": \"hall\", \"image\": \"a.bin\"}]");
    struct eo_device_roster roster;
    struct eo_error err;
    assert_int_equal(eo_roster_load("devices.json", &roster, &err), EO_OK);
    assert_string_equal(roster.items[0].image, "a.bin");
    eo_roster_release(&roster);
    assert_int_equal(chdir(cwd), 0);
}

static void test_load_errors_name_the_path(void **state)
{
    (void)state;
    char path[128], message[256];
    snprintf(path, sizeof path, "%s/bad.txt", dir);
    write_file(path, "hall\nhall\n");
    struct eo_device_roster roster;
    struct eo_error err;
    assert_int_equal(eo_roster_load(path, &roster, &err), EO_ERR_INPUT);
    snprintf(message, sizeof message, "%s:2: hall is listed twice (first on line 1)", path);
    assert_string_equal(err.message, message);
    assert_null(roster.items);
    assert_int_equal(roster.count, 0);
}

static void test_load_refuses_fifo(void **state)
{
    (void)state;
    char path[128], message[256];
    snprintf(path, sizeof path, "%s/devices.fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    struct eo_device_roster roster;
    struct eo_error err;
    assert_int_equal(eo_roster_load(path, &roster, &err), EO_ERR_FILE); /* at once, no writer */
    snprintf(message, sizeof message, "device list %s: not a regular file (it is a pipe or FIFO)",
             path);
    assert_string_equal(err.message, message);
    assert_null(roster.items);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    char path[128], message[256];
    snprintf(path, sizeof path, "%s/none.txt", dir);
    struct eo_device_roster roster;
    struct eo_error err;
    assert_int_equal(eo_roster_load(path, &roster, &err), EO_ERR_FILE);
    snprintf(message, sizeof message, "device list %s: cannot open: No such file or directory",
             path);
    assert_string_equal(err.message, message);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_device_forms),
        cmocka_unit_test(test_text_every_key),
        cmocka_unit_test(test_text_four_passwords),
        cmocka_unit_test(test_text_crlf_and_bom),
        cmocka_unit_test(test_text_line_of_exactly_the_limit),
        cmocka_unit_test(test_json_array),
        cmocka_unit_test(test_json_object),
        cmocka_unit_test(test_json_after_byte_order_mark),
        cmocka_unit_test(test_error_unknown_key),
        cmocka_unit_test(test_error_listed_twice),
        cmocka_unit_test(test_error_bad_device),
        cmocka_unit_test(test_error_field_before_device),
        cmocka_unit_test(test_error_not_key_value),
        cmocka_unit_test(test_error_empty_value),
        cmocka_unit_test(test_error_bad_port),
        cmocka_unit_test(test_error_bad_method),
        cmocka_unit_test(test_error_bad_env),
        cmocka_unit_test(test_error_image_and_env),
        cmocka_unit_test(test_error_key_twice),
        cmocka_unit_test(test_error_passwords),
        cmocka_unit_test(test_error_control_characters),
        cmocka_unit_test(test_error_long_line),
        cmocka_unit_test(test_error_no_devices),
        cmocka_unit_test(test_error_first_one_wins),
        cmocka_unit_test(test_error_too_many_devices),
        cmocka_unit_test(test_json_error_syntax),
        cmocka_unit_test(test_json_error_unknown_key),
        cmocka_unit_test(test_json_error_shape),
        cmocka_unit_test(test_json_error_values),
        cmocka_unit_test(test_json_error_passwords),
        cmocka_unit_test(test_json_error_listed_twice),
        cmocka_unit_test(test_load_resolves_images),
        cmocka_unit_test(test_load_json_from_current_folder),
        cmocka_unit_test(test_load_errors_name_the_path),
        cmocka_unit_test(test_load_refuses_fifo),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_json_entry_without_device_frees_nothing),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
