/* test_device.c — the device record: TXT decoding in both dialects into the same units, the
 * free_space unit decision, garbage / over-long / missing keys, MAC forms, core detection,
 * merging services by host, removal, filters and the JSON keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "espurna-ota/device.h"
#include "espurna-ota/image.h"

#define MAX_TXT 16

/* Builds TXT entries from NUL-terminated "key=value" strings. */
struct txt {
    struct eo_txt_entry entries[MAX_TXT];
    size_t count;
};

static struct txt make_txt(const char *const *strings)
{
    struct txt txt = {.count = 0};
    for (; *strings && txt.count < MAX_TXT; strings++, txt.count++) {
        txt.entries[txt.count].data = (const uint8_t *)*strings;
        txt.entries[txt.count].len = strlen(*strings);
    }
    return txt;
}

static void decode(struct eo_device *device, const char *const *strings)
{
    struct txt txt = make_txt(strings);
    eo_device_init(device);
    snprintf(device->hostname, sizeof device->hostname, "ESPURNA-00000B");
    eo_device_apply_txt(device, txt.entries, txt.count);
}

static bool has_note(const struct eo_device *device, const char *part)
{
    for (unsigned i = 0; i < device->note_count; i++)
        if (strstr(device->notes[i], part))
            return true;
    return false;
}

static const char *const txt_114[] = {"tcp_check=no",
                                      "ssh_upload=no",
                                      "board=ESP8266_GENERIC",
                                      "auth_upload=yes",
                                      "app_name=ESPURNA",
                                      "app_version=1.14.1",
                                      "build_date=2020-03-01 10:00:00",
                                      "mac=5C:CF:7F:1A:2B:3C",
                                      "target_board=ITEAD_SONOFF_BASIC",
                                      "mem_size=1024",
                                      "sdk_size=1024",
                                      "free_space=413696",
                                      NULL};

static const char *const txt_dev[] = {"tcp_check=no",
                                      "ssh_upload=no",
                                      "board=ESP8266_GENERIC",
                                      "auth_upload=yes",
                                      "app_name=ESPURNA",
                                      "app_version=1.15.0-dev.gita1b2c3d4+github261101",
                                      "build_date=2026-11-01 12:00:00",
                                      "mac=5CCF7F1A2B3C",
                                      "target_board=ITEAD_SONOFF_BASIC",
                                      "mem_size=1024",
                                      "sdk_size=1024",
                                      "free_space=404",
                                      NULL};

static void test_dialect_114_bytes(void **state)
{
    (void)state;
    struct eo_device d;
    decode(&d, txt_114);
    assert_string_equal(d.app, "ESPURNA");
    assert_string_equal(d.version, "1.14.1");
    assert_string_equal(d.build_date, "2020-03-01 10:00:00");
    assert_string_equal(d.board, "ITEAD_SONOFF_BASIC");
    assert_string_equal(d.mac, "5C:CF:7F:1A:2B:3C");
    assert_string_equal(d.chip_id, "1A2B3C");
    assert_int_equal(d.flash_real.bytes, 1048576);
    assert_int_equal(d.flash_real.source, EO_FIGURE_CONVERTED);
    assert_int_equal(d.flash_built.bytes, 1048576);
    assert_int_equal(d.free_space.bytes, 413696);
    assert_int_equal(d.free_space.source, EO_FIGURE_REPORTED);
    assert_int_equal(d.auth, EO_AUTH_REQUIRED);
    assert_true(d.espurna_txt);
    assert_int_equal(d.note_count, 0);
}

static void test_dialect_dev_kib(void **state)
{
    (void)state;
    struct eo_device d;
    decode(&d, txt_dev);
    assert_string_equal(d.mac, "5C:CF:7F:1A:2B:3C");
    assert_int_equal(d.free_space.bytes, 404 * 1024);
    assert_int_equal(d.free_space.source, EO_FIGURE_CONVERTED);
    assert_int_equal(d.note_count, 0);
}

static void test_both_dialects_same_units(void **state)
{
    (void)state;
    struct eo_device old, dev;
    decode(&old, txt_114);
    decode(&dev, txt_dev);
    assert_int_equal(old.free_space.bytes, dev.free_space.bytes);
    assert_int_equal(old.flash_real.bytes, dev.flash_real.bytes);
    assert_string_equal(old.mac, dev.mac);
    assert_string_equal(old.chip_id, dev.chip_id);
}

/* A 1.15 version announcing bytes (or 1.14 announcing KiB): the flash size wins, and the
 * record says the unit was guessed. */
static void test_free_space_contradicts_version(void **state)
{
    (void)state;
    struct eo_device d;
    const char *const bytes_on_dev[] = {"app_version=1.15.0-dev", "mem_size=1024",
                                        "free_space=413696", NULL};
    decode(&d, bytes_on_dev);
    assert_int_equal(d.free_space.bytes, 413696);
    assert_int_equal(d.free_space.source, EO_FIGURE_GUESSED);
    assert_true(has_note(&d, "guessed as bytes"));
    const char *const kib_on_old[] = {"app_version=1.14.0", "mem_size=1024", "free_space=404",
                                      NULL};
    decode(&d, kib_on_old);
    assert_int_equal(d.free_space.bytes, 404 * 1024);
    assert_int_equal(d.free_space.source, EO_FIGURE_GUESSED);
    assert_true(has_note(&d, "guessed as KiB"));
}

/* No version and no flash size: a small number can only be KiB, a big one only bytes. */
static void test_free_space_without_version(void **state)
{
    (void)state;
    struct eo_device d;
    const char *const small[] = {"free_space=600", NULL};
    decode(&d, small);
    assert_int_equal(d.free_space.bytes, 600 * 1024);
    assert_int_equal(d.free_space.source, EO_FIGURE_CONVERTED);
    const char *const big[] = {"free_space=614400", NULL};
    decode(&d, big);
    assert_int_equal(d.free_space.bytes, 614400);
    assert_int_equal(d.free_space.source, EO_FIGURE_REPORTED);
}

/* 16 MB flash, no version: 8192 is 8 KiB in bytes or 8 MiB in KiB — both fit, so guessed. */
static void test_free_space_ambiguous(void **state)
{
    (void)state;
    struct eo_device d;
    const char *const ambiguous[] = {"mem_size=16384", "free_space=8192", NULL};
    decode(&d, ambiguous);
    assert_int_equal(d.free_space.source, EO_FIGURE_GUESSED);
    assert_int_equal(d.free_space.bytes, 8192); /* sector aligned: bytes */
    assert_true(has_note(&d, "unit guessed"));
    const char *const with_version[] = {"app_version=1.15.0", "mem_size=16384", "free_space=8192",
                                        NULL};
    decode(&d, with_version);
    assert_int_equal(d.free_space.source, EO_FIGURE_CONVERTED);
    assert_int_equal(d.free_space.bytes, 8192 * 1024);
    const char *const zero[] = {"app_version=1.15.0", "mem_size=1024", "free_space=0", NULL};
    decode(&d, zero);
    assert_int_equal(d.free_space.source, EO_FIGURE_REPORTED);
    assert_int_equal(d.free_space.bytes, 0);
}

static void test_garbage_numbers(void **state)
{
    (void)state;
    struct eo_device d;
    const char *const garbage[] = {"app_name=ESPURNA", "mem_size=abc", "sdk_size=-1",
                                   "free_space=99999999999", NULL};
    decode(&d, garbage);
    assert_int_equal(d.flash_real.source, EO_FIGURE_UNKNOWN);
    assert_int_equal(d.flash_built.source, EO_FIGURE_UNKNOWN);
    assert_int_equal(d.free_space.source, EO_FIGURE_UNKNOWN);
    assert_true(has_note(&d, "mem_size 'abc' is not a number"));
    assert_true(has_note(&d, "sdk_size '-1' is not a number"));
    assert_true(has_note(&d, "free_space 99999999999 is larger than the flash"));
    const char *const more[] = {"mem_size=12", "free_space=12x", "mem_size=1024", NULL};
    decode(&d, more);
    assert_int_equal(d.flash_real.source, EO_FIGURE_UNKNOWN); /* first key wins */
    assert_true(has_note(&d, "mem_size 12 is not a flash size"));
    assert_true(has_note(&d, "free_space '12x' is not a number"));
    const char *const too_big[] = {"mem_size=4096", "free_space=5000000", NULL};
    decode(&d, too_big);
    assert_int_equal(d.free_space.source, EO_FIGURE_UNKNOWN);
}

static void test_flash_in_bytes_is_guessed(void **state)
{
    (void)state;
    struct eo_device d;
    const char *const bytes[] = {"mem_size=1048576", NULL};
    decode(&d, bytes);
    assert_int_equal(d.flash_real.bytes, 1048576);
    assert_int_equal(d.flash_real.source, EO_FIGURE_GUESSED);
}

static void test_over_long_values(void **state)
{
    (void)state;
    char version[300] = "app_version=";
    memset(version + strlen(version), 'x', 250);
    version[262] = '\0';
    char number[100] = "free_space=";
    memset(number + strlen(number), '7', 60);
    number[71] = '\0';
    const char *const txt[] = {version, number, "target_board=\x1b[31mRED", NULL};
    struct eo_device d;
    decode(&d, txt);
    assert_int_equal(strlen(d.version), EO_DEVICE_TEXT_MAX - 1);
    assert_true(has_note(&d, "app_version cut to 63 characters (announced 250)"));
    assert_int_equal(d.free_space.source, EO_FIGURE_UNKNOWN);
    assert_string_equal(d.board, "?[31mRED");
}

static void test_binary_and_malformed_entries(void **state)
{
    (void)state;
    static const uint8_t nul_inside[] = {'a', 'p', 'p', '_', 'n', 'a', 'm', 'e', '=', 'E', 0, 'X'};
    static const uint8_t no_equals[] = {'j', 'u', 'n', 'k'};
    static const uint8_t empty_key[] = {'=', 'x'};
    struct eo_txt_entry entries[] = {
        {nul_inside, sizeof nul_inside}, {no_equals, sizeof no_equals},
        {empty_key, sizeof empty_key},   {NULL, 0},
        {(const uint8_t *)"mac=zz", 6},  {(const uint8_t *)"mac=AA:BB:CC:DD:EE:FF", 21},
    };
    struct eo_device d;
    eo_device_init(&d);
    eo_device_apply_txt(&d, entries, sizeof entries / sizeof entries[0]);
    assert_string_equal(d.app, "E?X");
    assert_string_equal(d.mac, "");
    assert_true(has_note(&d, "mac 'zz' is not a MAC address"));
}

static void test_missing_keys(void **state)
{
    (void)state;
    struct eo_device d;
    const char *const arduino_only[] = {"tcp_check=no", "ssh_upload=no", "board=ESP8266_GENERIC",
                                        "auth_upload=no", NULL};
    decode(&d, arduino_only);
    assert_false(d.espurna_txt);
    assert_string_equal(d.version, "");
    assert_int_equal(d.free_space.source, EO_FIGURE_UNKNOWN);
    assert_int_equal(d.auth, EO_AUTH_NONE);
    assert_string_equal(d.chip_id, "00000B"); /* from the ESPURNA-XXXXXX hostname */
    decode(&d, (const char *const[]){NULL});
    assert_int_equal(d.auth, EO_AUTH_UNKNOWN);
    assert_int_equal(d.note_count, 0);
}

static void test_mac_forms(void **state)
{
    (void)state;
    char out[18];
    assert_true(eo_device_normalize_mac("5c:cf:7f:1a:2b:3c", out));
    assert_string_equal(out, "5C:CF:7F:1A:2B:3C");
    assert_true(eo_device_normalize_mac("5CCF7F1A2B3C", out));
    assert_string_equal(out, "5C:CF:7F:1A:2B:3C");
    assert_true(eo_device_normalize_mac("5C-CF-7F-1A-2B-3C", out));
    assert_false(eo_device_normalize_mac("5CCF7F1A2B", out));
    assert_false(eo_device_normalize_mac("5CCF7F1A2B3C4D", out));
    assert_false(eo_device_normalize_mac("5C:CF:7F:1A:2B:3C:", out));
    assert_false(eo_device_normalize_mac("5C:CF:7F:1A:2B:GG", out));
    assert_false(eo_device_normalize_mac("", out));
}

static void test_version_parse(void **state)
{
    (void)state;
    unsigned major, minor;
    assert_true(eo_device_version_parse("1.15.0-dev.git312c3ef2+github221212", &major, &minor));
    assert_int_equal(major, 1);
    assert_int_equal(minor, 15);
    assert_false(eo_device_version_parse("dev", &major, &minor));
    assert_false(eo_device_version_parse("", &major, &minor));
    assert_false(eo_device_version_parse("1", &major, &minor));
}

static struct eo_service_record service(enum eo_service which, const char *instance,
                                        const char *host, const char *address, uint16_t port,
                                        const struct txt *txt)
{
    struct eo_service_record record = {
        which, instance, host, address, port, txt ? txt->entries : NULL, txt ? txt->count : 0};
    return record;
}

static void test_core_detection(void **state)
{
    (void)state;
    struct eo_device_list list;
    eo_device_list_init(&list);
    const char *const core_board[] = {"app_version=1.15.0-dev",
                                      "target_board=ESPURNA_MINIMAL_ARDUINO_OTA", NULL};
    struct txt txt = make_txt(core_board);
    struct eo_service_record r =
        service(EO_SERVICE_ARDUINO, "c1", "C1.local", "127.0.1.11", 8266, &txt);
    struct eo_device *d = eo_device_list_add_service(&list, &r);
    assert_int_equal(d->kind, EO_KIND_CORE);
    /* an old core build keeps the full board name: no _http._tcp tells */
    const char *const old_core[] = {"app_version=1.14.1", "target_board=ITEAD_SONOFF_BASIC", NULL};
    txt = make_txt(old_core);
    r = service(EO_SERVICE_ARDUINO, "c2", "C2.local", "127.0.1.12", 8266, &txt);
    d = eo_device_list_add_service(&list, &r);
    assert_int_equal(d->kind, EO_KIND_CORE);
    r = service(EO_SERVICE_HTTP, "c2", "C2.local", "127.0.1.12", 80, NULL);
    d = eo_device_list_add_service(&list, &r);
    assert_int_equal(d->kind, EO_KIND_FULL);
    const char *const old_board[] = {"target_board=ESPURNA_CORE", NULL};
    txt = make_txt(old_board);
    r = service(EO_SERVICE_ARDUINO, "c3", "C3.local", NULL, 8266, &txt);
    d = eo_device_list_add_service(&list, &r);
    assert_int_equal(d->kind, EO_KIND_CORE);
    eo_device_list_release(&list);
}

static void test_merge_by_host(void **state)
{
    (void)state;
    struct eo_device_list list;
    eo_device_list_init(&list);
    struct txt txt = make_txt(txt_114);
    struct eo_service_record records[] = {
        service(EO_SERVICE_TELNET, "ESPURNA-1A2B3C", "ESPURNA-1A2B3C.local", "10.0.0.5", 23, NULL),
        service(EO_SERVICE_ARDUINO, "ESPURNA-1A2B3C", "espurna-1a2b3c.local.", "10.0.0.5", 8266,
                &txt),
        service(EO_SERVICE_HTTP, "ESPURNA-1A2B3C", "ESPURNA-1A2B3C.local", "fe80::1", 80, NULL),
        service(EO_SERVICE_ARDUINO, "Kitchen", "ESPURNA-000001.local", "10.0.0.6", 8266, NULL),
    };
    for (size_t i = 0; i < 4; i++)
        assert_non_null(eo_device_list_add_service(&list, &records[i]));
    assert_int_equal(list.count, 2);
    struct eo_device *d = eo_device_list_find(&list, "ESPURNA-1A2B3C.local");
    assert_non_null(d);
    assert_int_equal(d->address_count, 2);
    assert_int_equal(d->ports[EO_SERVICE_ARDUINO], 8266);
    assert_int_equal(d->ports[EO_SERVICE_HTTP], 80);
    assert_int_equal(d->ports[EO_SERVICE_TELNET], 23);
    assert_int_equal(d->methods,
                     (1u << EO_METHOD_ESPOTA) | (1u << EO_METHOD_WEB) | (1u << EO_METHOD_TERMINAL));
    assert_int_equal(d->kind, EO_KIND_FULL);
    assert_string_equal(d->version, "1.14.1");
    assert_ptr_equal(eo_device_list_find(&list, "kitchen"), &list.items[1]);
    assert_ptr_equal(eo_device_list_find(&list, "10.0.0.6"), &list.items[1]);
    assert_ptr_equal(eo_device_list_find(&list, "espurna-000001"), &list.items[1]);
    assert_null(eo_device_list_find(&list, "ESPURNA-000001.lan"));
    assert_null(eo_device_list_find(&list, "ESPURNA-0000"));
    eo_device_list_release(&list);
}

static void test_remove_and_reappear(void **state)
{
    (void)state;
    struct eo_device_list list;
    eo_device_list_init(&list);
    struct txt old = make_txt(txt_114);
    struct txt dev = make_txt(txt_dev);
    struct eo_service_record a = service(EO_SERVICE_ARDUINO, "X", "X.local", "1.2.3.4", 8266, &old);
    struct eo_service_record h = service(EO_SERVICE_HTTP, "X", "X.local", "1.2.3.4", 80, NULL);
    eo_device_list_add_service(&list, &a);
    eo_device_list_add_service(&list, &h);
    assert_true(eo_device_list_remove_service(&list, EO_SERVICE_HTTP, "X"));
    assert_int_equal(list.count, 1);
    assert_int_equal(list.items[0].kind, EO_KIND_CORE);
    assert_false(eo_device_list_remove_service(&list, EO_SERVICE_HTTP, "X"));
    assert_true(eo_device_list_remove_service(&list, EO_SERVICE_ARDUINO, "X"));
    assert_int_equal(list.count, 0);
    a.txt = dev.entries;
    a.txt_count = dev.count;
    eo_device_list_add_service(&list, &a);
    assert_string_equal(list.items[0].version, "1.15.0-dev.gita1b2c3d4+github261101");
    eo_device_list_release(&list);
}

static void test_sort_and_bad_records(void **state)
{
    (void)state;
    struct eo_device_list list;
    eo_device_list_init(&list);
    const char *hosts[] = {"b.local", "C.local", "a.local"};
    for (int i = 0; i < 3; i++) {
        struct eo_service_record r = service(EO_SERVICE_ARDUINO, hosts[i], hosts[i], NULL, 1, NULL);
        eo_device_list_add_service(&list, &r);
    }
    struct eo_service_record nohost = service(EO_SERVICE_ARDUINO, "n", NULL, NULL, 1, NULL);
    assert_null(eo_device_list_add_service(&list, &nohost));
    struct eo_service_record empty = service(EO_SERVICE_ARDUINO, "n", ".local", NULL, 1, NULL);
    assert_null(eo_device_list_add_service(&list, &empty));
    eo_device_list_sort(&list);
    assert_string_equal(list.items[0].hostname, "a");
    assert_string_equal(list.items[1].hostname, "b");
    assert_string_equal(list.items[2].hostname, "C");
    eo_device_list_release(&list);
}

static void test_filters(void **state)
{
    (void)state;
    struct eo_device d;
    struct eo_device_filter f;
    struct eo_error err;
    decode(&d, txt_dev);
    snprintf(d.service_instance[EO_SERVICE_ARDUINO], EO_DEVICE_TEXT_MAX, "x");
    snprintf(d.addresses[0], sizeof d.addresses[0], "127.0.1.11");
    d.address_count = 1;
    eo_device_update_derived(&d);
    assert_int_equal(eo_device_filter_parse("board=itead_*", &f, &err), EO_OK);
    assert_true(eo_device_filter_match(&d, &f));
    assert_int_equal(eo_device_filter_parse("version=1.14*", &f, &err), EO_OK);
    assert_false(eo_device_filter_match(&d, &f));
    assert_int_equal(eo_device_filter_parse("method=espota", &f, &err), EO_OK);
    assert_true(eo_device_filter_match(&d, &f));
    assert_int_equal(eo_device_filter_parse("method=web", &f, &err), EO_OK);
    assert_false(eo_device_filter_match(&d, &f));
    assert_int_equal(eo_device_filter_parse("address=127.0.1.1?", &f, &err), EO_OK);
    assert_true(eo_device_filter_match(&d, &f));
    assert_int_equal(eo_device_filter_parse("kind=core", &f, &err), EO_OK);
    assert_true(eo_device_filter_match(&d, &f));
    assert_int_equal(eo_device_filter_parse("colour=red", &f, &err), EO_ERR_USAGE);
    assert_non_null(strstr(err.message, "KEY one of hostname"));
    assert_int_equal(eo_device_filter_parse("board", &f, &err), EO_ERR_USAGE);
}

static void test_json_keys(void **state)
{
    (void)state;
    static const char *const keys[] = {
        "hostname",    "instance",   "addresses", "ports", "app",  "version",
        "build_date",  "mac",        "chip_id",   "board", "kind", "flash_real",
        "flash_built", "free_space", "methods",   "auth",  "notes"};
    struct eo_device d;
    decode(&d, txt_114);
    json_t *doc = eo_device_to_json(&d);
    assert_non_null(doc);
    assert_int_equal(json_object_size(doc), sizeof keys / sizeof keys[0]);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_non_null(json_object_get(doc, keys[i]));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(doc, "free_space"), "bytes")), 413696);
    assert_true(json_is_true(json_object_get(doc, "auth")));
    assert_true(json_is_null(json_object_get(json_object_get(doc, "ports"), "web")));
    json_decref(doc);
    eo_device_init(&d);
    doc = eo_device_to_json(&d);
    assert_true(json_is_null(json_object_get(doc, "version")));
    assert_true(json_is_null(json_object_get(json_object_get(doc, "flash_real"), "bytes")));
    assert_string_equal(json_string_value(json_object_get(doc, "kind")), "unknown");
    json_decref(doc);
}

/* The brief's fits table: 1.14.0 → 1.14.1 one step, 1.14.1 → 1.15 two, oversized never. */
static void test_image_steps(void **state)
{
    (void)state;
    struct eo_device d;
    const char *const on_1140[] = {"app_version=1.14.0", "mem_size=1024", "free_space=618496",
                                   NULL};
    decode(&d, on_1140);
    assert_int_equal(eo_device_image_steps(&d, 614400, 1u << 20), 1);
    decode(&d, txt_114); /* running 1.14.1 (150 sectors): 413696 bytes free */
    assert_int_equal(eo_device_image_steps(&d, 413696, 1u << 20), 1);
    assert_int_equal(eo_device_image_steps(&d, 413697, 1u << 20), 2);
    assert_int_equal(eo_device_image_steps(&d, 655360, 1u << 20), 2);
    assert_int_equal(eo_device_image_steps(&d, 819200, 1u << 20), 0);
    assert_int_equal(eo_device_image_steps(&d, 358400, 4u << 20), 0); /* built for 4 MB */
    assert_int_equal(eo_device_image_steps(&d, 358400, 0), 1);
    const char *const crammed[] = {"app_version=1.14.1", "mem_size=1024", "sdk_size=1024",
                                   "free_space=106496", NULL}; /* running 225 sectors */
    decode(&d, crammed);
    assert_int_equal(eo_device_image_steps(&d, 614400, 1u << 20), 0); /* no room for a core */
    /* a 4 MB chip running a 1 MB build: the 1 MB layout decides, the chip allows 4 MB builds */
    const char *const build_1m_on_4m[] = {"app_version=1.15.0-dev", "mem_size=4096",
                                          "sdk_size=1024", "free_space=364", NULL};
    decode(&d, build_1m_on_4m);
    assert_int_equal(eo_device_image_steps(&d, 372736, 1u << 20), 1);
    assert_int_equal(eo_device_image_steps(&d, 819200, 1u << 20), 0); /* 1 MB layout: too big */
    assert_int_equal(eo_device_image_steps(&d, 819200, 4u << 20), 2); /* via a 4 MB core */
    assert_int_equal(eo_device_image_steps(&d, 716800, 4u << 20), 2);
    decode(&d, txt_dev); /* same device, dev dialect: same answers */
    assert_int_equal(eo_device_image_steps(&d, 655360, 1u << 20), 2);
    const char *const unknown[] = {"app_version=1.14.0", "free_space=618496", NULL};
    decode(&d, unknown);
    assert_int_equal(eo_device_image_steps(&d, 614400, 0), -1);
    const char *const contradicting[] = {"mem_size=1024", "free_space=1040000", NULL};
    decode(&d, contradicting);
    assert_int_equal(eo_device_image_steps(&d, 614400, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dialect_114_bytes),
        cmocka_unit_test(test_dialect_dev_kib),
        cmocka_unit_test(test_both_dialects_same_units),
        cmocka_unit_test(test_free_space_contradicts_version),
        cmocka_unit_test(test_free_space_without_version),
        cmocka_unit_test(test_free_space_ambiguous),
        cmocka_unit_test(test_garbage_numbers),
        cmocka_unit_test(test_flash_in_bytes_is_guessed),
        cmocka_unit_test(test_over_long_values),
        cmocka_unit_test(test_binary_and_malformed_entries),
        cmocka_unit_test(test_missing_keys),
        cmocka_unit_test(test_mac_forms),
        cmocka_unit_test(test_version_parse),
        cmocka_unit_test(test_core_detection),
        cmocka_unit_test(test_merge_by_host),
        cmocka_unit_test(test_remove_and_reappear),
        cmocka_unit_test(test_sort_and_bad_records),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_json_keys),
        cmocka_unit_test(test_image_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
