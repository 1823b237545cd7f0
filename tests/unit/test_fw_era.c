/* test_fw_era.c — unit tests of what the device decides per era and across boots
 * (firmware/core/vd_era.c, vd_stability.c, vd_settings.c, vd_identity.c): the era a version
 * answers as and its core, the system check of each era (power-on, crash loops, the stable
 * time, reset.safe), the settings record in the EEPROM sector, the board name a build
 * announces (a 1.14 core keeps the previous full build's), ArduinoOTA's board key per flash
 * size, and what mDNS publishes in normal and safe mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fw_fake.h"
#include "vd_era.h"
#include "vd_identity.h"
#include "vd_settings.h"
#include "vd_stability.h"

static void test_era_for_version(void **state)
{
    (void)state;
    assert_int_equal(vd_era_for_version("1.14.1"), VD_ERA_1_14_1);
    assert_int_equal(vd_era_for_version("1.14.1-rc1"), VD_ERA_1_14_1);
    assert_int_equal(vd_era_for_version("1.14.2"), VD_ERA_1_14_1);
    assert_int_equal(vd_era_for_version("1.14.0"), VD_ERA_1_14_0);
    assert_int_equal(vd_era_for_version("1.14"), VD_ERA_1_14_0);
    assert_int_equal(vd_era_for_version("1.13.5"), VD_ERA_1_14_0);
    assert_int_equal(vd_era_for_version("1.9"), VD_ERA_1_14_0);
    assert_int_equal(vd_era_for_version("0.99.0"), VD_ERA_1_14_0);
    assert_int_equal(vd_era_for_version("unknown"), VD_ERA_1_14_0);
    assert_int_equal(vd_era_for_version(""), VD_ERA_1_14_0);
    assert_int_equal(vd_era_for_version("1"), VD_ERA_1_14_0);
    assert_int_equal(vd_era_for_version("1.-15"), VD_ERA_1_14_0);
    assert_int_equal(vd_era_for_version("v1.15.0"), VD_ERA_1_14_0);
    assert_int_equal(vd_era_for_version("1.15.0"), VD_ERA_DEV);
    assert_int_equal(vd_era_for_version("1.15"), VD_ERA_DEV);
    assert_int_equal(vd_era_for_version("1.100.0"), VD_ERA_DEV);
    assert_int_equal(vd_era_for_version("2.0.0"), VD_ERA_DEV);
    assert_int_equal(vd_era_for_version("1.15.0-dev.gita1b2c3d4+github261101"), VD_ERA_DEV);
    assert_int_equal(vd_era_for_version("1.14.2-dev"), VD_ERA_DEV);
    assert_int_equal(vd_era_core(VD_ERA_1_14_0), VD_CORE_2_3_0);
    assert_int_equal(vd_era_core(VD_ERA_1_14_1), VD_CORE_2_3_0);
    assert_int_equal(vd_era_core(VD_ERA_DEV), VD_CORE_2_7_4);
    assert_string_equal(vd_era_name(VD_ERA_1_14_1), "1.14.1");
    assert_string_equal(vd_core_name(VD_CORE_2_7_4), "2.7.4");
    assert_true(vd_era_is_1_14(VD_ERA_1_14_0) && vd_era_is_1_14(VD_ERA_1_14_1));
    assert_false(vd_era_is_1_14(VD_ERA_DEV));
}

/* n boots for `reason` after a power-on; returns the verdict of the last. */
static bool boots(struct vd_stability *st, enum vd_era era, unsigned n, enum vd_reset_reason reason)
{
    bool stable = vd_stability_boot(st, era, VD_RESET_POWER_ON);
    for (unsigned i = 0; i < n; i++)
        stable = vd_stability_boot(st, era, reason);
    return stable;
}

static void test_system_check_crash_loop(void **state)
{
    (void)state;
    const enum vd_era eras[] = {VD_ERA_1_14_1, VD_ERA_DEV};
    for (int i = 0; i < 2; i++) {
        struct vd_stability st = {0};
        assert_true(boots(&st, eras[i], VD_SYSTEM_CHECK_MAX - 1, VD_RESET_CRASH));
        assert_false(vd_stability_boot(&st, eras[i], VD_RESET_CRASH));   /* the 5th restart */
        assert_true(vd_stability_boot(&st, eras[i], VD_RESET_POWER_ON)); /* power clears it */
        /* restarts after an update count the same way */
        st = (struct vd_stability){0};
        assert_false(boots(&st, eras[i], VD_SYSTEM_CHECK_MAX, VD_RESET_SOFTWARE));
    }
}

/* After the unstable boot: 1.14 starts counting again (the next restart is stable), dev stays
 * unstable until the stable time passes. */
static void test_system_check_after_safe_mode(void **state)
{
    (void)state;
    struct vd_stability st = {0};
    assert_false(boots(&st, VD_ERA_1_14_1, VD_SYSTEM_CHECK_MAX, VD_RESET_CRASH));
    assert_true(vd_stability_boot(&st, VD_ERA_1_14_1, VD_RESET_CRASH));
    st = (struct vd_stability){0};
    assert_false(boots(&st, VD_ERA_DEV, VD_SYSTEM_CHECK_MAX, VD_RESET_CRASH));
    assert_false(vd_stability_boot(&st, VD_ERA_DEV, VD_RESET_CRASH));
    vd_stability_settled(&st, VD_ERA_DEV);
    assert_int_equal(st.counter, 1);
    assert_true(vd_stability_boot(&st, VD_ERA_DEV, VD_RESET_SOFTWARE));
}

/* The stable time resets the counter, so slow restarts never add up; reset.safe forces it. */
static void test_system_check_settle_and_reset_safe(void **state)
{
    (void)state;
    const enum vd_era eras[] = {VD_ERA_1_14_0, VD_ERA_DEV};
    for (int i = 0; i < 2; i++) {
        struct vd_stability st = {0};
        vd_stability_boot(&st, eras[i], VD_RESET_POWER_ON);
        for (int n = 0; n < 20; n++) {
            assert_true(vd_stability_boot(&st, eras[i], VD_RESET_CRASH));
            vd_stability_settled(&st, eras[i]);
        }
        vd_stability_force_unstable(&st);
        assert_false(vd_stability_boot(&st, eras[i], VD_RESET_SOFTWARE));
    }
}

static void test_settings_record(void **state)
{
    (void)state;
    struct fake_flash f;
    fake_flash_init(&f, 1 * MIB);
    struct vd_settings s;
    assert_int_equal(vd_settings_offset(&f.ops), 1 * MIB - 5 * 4096);
    assert_false(vd_settings_read(&f.ops, &s));
    assert_string_equal(s.board, "");
    snprintf(s.board, sizeof s.board, "ITEAD_SONOFF_BASIC");
    assert_true(vd_settings_write(&f.ops, &s));
    struct vd_settings back;
    assert_true(vd_settings_read(&f.ops, &back));
    assert_string_equal(back.board, "ITEAD_SONOFF_BASIC");
    f.mem[vd_settings_offset(&f.ops) + 9] ^= 1; /* a broken record is no record */
    assert_false(vd_settings_read(&f.ops, &back));
    fake_flash_free(&f);
}

static struct vd_identity identity(uint8_t kind, const char *board, uint32_t built_for)
{
    struct vd_identity id = {.bootable = true,
                             .built_for = built_for,
                             .flash_size = 4 * MIB,
                             .desc = {.kind = kind, .features = eo_kind_default_features(kind)}};
    snprintf(id.desc.board, sizeof id.desc.board, "%s", board);
    snprintf(id.board_name, sizeof id.board_name, "%s", board);
    return id;
}

static void test_board_names(void **state)
{
    (void)state;
    struct vd_settings s = {{0}};
    struct vd_identity full = identity(EO_KIND_FULL, "ITEAD_SONOFF_BASIC", 1 * MIB);
    assert_true(vd_identity_settle_board(&full, VD_ERA_1_14_1, &s)); /* stored */
    assert_string_equal(s.board, "ITEAD_SONOFF_BASIC");
    assert_false(vd_identity_settle_board(&full, VD_ERA_1_14_1, &s)); /* already there */
    struct vd_identity core = identity(EO_KIND_CORE, "ESPURNA_CORE", 1 * MIB);
    assert_false(vd_identity_settle_board(&core, VD_ERA_1_14_1, &s));
    assert_string_equal(core.board_name, "ITEAD_SONOFF_BASIC"); /* the previous full build's */
    assert_false(vd_identity_settle_board(&core, VD_ERA_DEV, &s));
    assert_string_equal(core.board_name, "ESPURNA_CORE"); /* dev minimal builds: their own */
    struct vd_settings fresh = {{0}};
    assert_false(vd_identity_settle_board(&core, VD_ERA_1_14_0, &fresh));
    assert_string_equal(core.board_name, "ESPURNA_CORE"); /* nothing stored: its own */
    assert_string_equal(vd_arduino_board(&core), "PLATFORMIO_ESP01_1M");
    core.built_for = 4 * MIB;
    assert_string_equal(vd_arduino_board(&core), "PLATFORMIO_ESP12E");
    core.built_for = 2 * MIB;
    assert_string_equal(vd_arduino_board(&core), "PLATFORMIO_ESP_WROOM_02");
    core.built_for = 0; /* unknown: the chip's (4 MB) */
    assert_string_equal(vd_arduino_board(&core), "PLATFORMIO_ESP12E");
}

static void test_mdns_plan(void **state)
{
    (void)state;
    struct vd_identity full = identity(EO_KIND_FULL, "B", 1 * MIB);
    struct vd_mdns_plan p;
    vd_mdns_plan(&full, VD_ERA_DEV, false, &p);
    assert_true(p.arduino && p.http && p.telnet && p.espurna_keys);
    vd_mdns_plan(&full, VD_ERA_1_14_1, true, &p); /* ArduinoOTA's own mDNS only */
    assert_true(p.arduino);
    assert_false(p.http || p.telnet || p.espurna_keys);
    vd_mdns_plan(&full, VD_ERA_DEV, true, &p); /* nothing */
    assert_false(p.arduino || p.http || p.telnet || p.espurna_keys);
    struct vd_identity webui = identity(EO_KIND_WEBUI, "W", 1 * MIB);
    vd_mdns_plan(&webui, VD_ERA_DEV, false, &p);
    assert_false(p.arduino || p.http || p.telnet);
    struct vd_txt txt;
    struct vd_txt_facts facts = {.era = VD_ERA_1_14_1, .auth = true, .espurna_keys = false};
    vd_txt_build(&full, &facts, &txt);
    assert_int_equal(txt.count, 4);
    assert_string_equal(txt.item[2], "board=PLATFORMIO_ESP01_1M");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_era_for_version),
        cmocka_unit_test(test_system_check_crash_loop),
        cmocka_unit_test(test_system_check_after_safe_mode),
        cmocka_unit_test(test_system_check_settle_and_reset_safe),
        cmocka_unit_test(test_settings_record),
        cmocka_unit_test(test_board_names),
        cmocka_unit_test(test_mdns_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
