/* test_fw_ota_client.c — unit tests of the device's `ota <url>` client (firmware/core/
 * vd_ota_client.c): URLs as ESPurna splits them, and the whole terminal transcript of a
 * download per era — success ("[OTA] Success: %u" / "%7u bytes"), a page that is not an image
 * (no check on 1.14.0; 1.14.1's header line without a line end; dev's with one), an image too
 * large (the Updater's text: serial only on 1.14.0, raw on 1.14.1, "[OTA] ..." on dev), a
 * refused connection — and that the silent 1.14 core still installs the download. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fw_fake.h"
#include "vd_ota_client.h"

struct screen {
    char text[4096];
    size_t len;
    char log[4096];
};

static void screen_write(void *ctx, const char *data, size_t len)
{
    struct screen *s = ctx;
    assert_true(s->len + len < sizeof s->text);
    memcpy(s->text + s->len, data, len);
    s->len += len;
    s->text[s->len] = '\0';
}

static void log_echo(void *ctx, const char *text)
{
    struct screen *s = ctx;
    strncat(s->log, text, sizeof s->log - strlen(s->log) - 1);
}

static uint64_t uptime_7(void *ctx)
{
    (void)ctx;
    return 7;
}

struct fixture {
    struct fake_flash flash;
    struct vd_updater up;
    struct vd_identity id;
    struct vd_terminal term;
    struct vd_ota_client client;
    struct screen screen;
    uint8_t *image;
    size_t image_len;
};

static struct fixture *make(enum vd_era era, uint32_t image_size, bool silent)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    fake_flash_init(&fx->flash, 1 * MIB);
    struct vd_running running = {358400, 1 * MIB};
    vd_updater_init(&fx->up, &fx->flash.ops, &test_md5, &running, vd_era_core(era));
    struct vd_terminal_config config = {.era = era, .silent = silent, .identity = &fx->id};
    struct vd_terminal_io io = {&fx->screen, screen_write, uptime_7};
    vd_terminal_open(&fx->term, &config, &io);
    struct vd_ota_client_echo echo = {&fx->screen, log_echo};
    vd_ota_client_start(&fx->client, &fx->term, &echo, &fx->up, era);
    fx->image_len = make_image(&fx->image, image_size, EO_FLASH_SIZE_1M, EO_KIND_FULL, "1.0", "B");
    return fx;
}

static void release(struct fixture *fx)
{
    fake_flash_free(&fx->flash);
    free(fx->image);
    free(fx);
}

/* A download of len bytes in 1460-byte pieces; returns what disconnected() said. */
static bool download(struct fixture *fx, const uint8_t *data, size_t len)
{
    struct vd_url url;
    assert_true(vd_url_parse("http://127.0.0.1:8080/fw/x.bin", &url));
    vd_ota_client_connected(&fx->client, &url);
    for (size_t done = 0; done < len; done += 1460)
        if (!vd_ota_client_data(&fx->client, data + done, len - done < 1460 ? len - done : 1460))
            break;
    return vd_ota_client_disconnected(&fx->client);
}

static void test_urls(void **state)
{
    (void)state;
    struct vd_url u;
    assert_true(vd_url_parse("http://10.0.0.1:8000/a/b.bin?x=1", &u));
    assert_string_equal(u.protocol, "http");
    assert_string_equal(u.host, "10.0.0.1");
    assert_int_equal(u.port, 8000);
    assert_string_equal(u.path, "/a/b.bin?x=1");
    assert_true(vd_url_supported(&u));
    assert_true(vd_url_parse("https://host", &u));
    assert_int_equal(u.port, 443);
    assert_string_equal(u.path, "/");
    assert_true(vd_url_parse("ftp://host/x", &u));
    assert_false(vd_url_supported(&u));
    assert_true(vd_url_parse("host/x", &u));
    assert_false(vd_url_supported(&u));
    assert_false(vd_url_parse("http:///x", &u));
    assert_int_equal(vd_ota_client_reboot_delay_ms(VD_ERA_1_14_0), 100);
    assert_int_equal(vd_ota_client_reboot_delay_ms(VD_ERA_1_14_1), 500);
    assert_int_equal(vd_ota_client_reboot_delay_ms(VD_ERA_DEV), 0);
}

static void test_success_per_era(void **state)
{
    (void)state;
    struct fixture *fx = make(VD_ERA_DEV, 300000, false);
    assert_true(download(fx, fx->image, fx->image_len));
    assert_string_equal(fx->screen.text, "[OTA] Downloading /fw/x.bin\n\n"
                                         "[OTA] Success:  300000 bytes\n[OTA] Disconnected\n");
    release(fx);
    fx = make(VD_ERA_1_14_1, 300000, false);
    assert_true(download(fx, fx->image, fx->image_len));
    assert_string_equal(fx->screen.text, "[000007] [OTA] Downloading /fw/x.bin\n[000007] \n"
                                         "[000007] [OTA] Success:  300000 bytes\n"
                                         "[000007] [OTA] Disconnected\n");
    release(fx);
    fx = make(VD_ERA_1_14_0, 300000, false);
    assert_true(download(fx, fx->image, fx->image_len));
    assert_non_null(strstr(fx->screen.text, "[000007] [OTA] Success: 300000 bytes\n"));
    release(fx);
}

static void test_not_an_image(void **state)
{
    (void)state;
    const char *page = "<!DOCTYPE HTML><title>Error response</title>404 File not found";
    struct fixture *fx = make(VD_ERA_DEV, 300000, false);
    assert_false(download(fx, (const uint8_t *)page, strlen(page)));
    assert_string_equal(fx->screen.text, "[OTA] Downloading /fw/x.bin\n"
                                         "[OTA] ERROR: No magic byte / invalid flash config\n\n"
                                         "[OTA] Disconnected\n");
    assert_int_equal(fx->flash.writes, 0);
    release(fx);
    fx = make(VD_ERA_1_14_1, 300000, false);
    assert_false(download(fx, (const uint8_t *)page, strlen(page)));
    assert_string_equal(fx->screen.text,
                        "[000007] [OTA] Downloading /fw/x.bin\n"
                        "[000007] [OTA] ERROR: No magic byte / invalid flash config\n"
                        "[000007] [OTA] Disconnected\n");
    release(fx);
    fx = make(VD_ERA_1_14_0, 300000, false); /* written, refused at the end, said on serial */
    assert_false(download(fx, (const uint8_t *)page, strlen(page)));
    assert_string_equal(fx->screen.text, "[000007] [OTA] Downloading /fw/x.bin\n[000007] \n"
                                         "[000007] [OTA] Disconnected\n");
    assert_non_null(strstr(fx->screen.log, "serial: ERROR[10]: Magic byte is wrong, not 0xE9\r\n"));
    release(fx);
}

static void test_too_large(void **state)
{
    (void)state;
    /* 686080 bytes free beside 358400; the `ota` path begins with one sector less */
    struct fixture *fx = make(VD_ERA_DEV, 700000, false);
    assert_false(download(fx, fx->image, fx->image_len));
    assert_string_equal(fx->screen.text, "[OTA] Downloading /fw/x.bin\n"
                                         "[OTA] ERROR[4]: Not Enough Space\r\n\n\n"
                                         "[OTA] ERROR[4]: Not Enough Space\r\n\n"
                                         "[OTA] Disconnected\n");
    release(fx);
    fx = make(VD_ERA_1_14_1, 700000, false);
    assert_false(download(fx, fx->image, fx->image_len));
    assert_non_null(
        strstr(fx->screen.text, "[OTA] Downloading /fw/x.bin\nERROR[4]: Not Enough Space\r\n"));
    release(fx);
}

static void test_connection_failed(void **state)
{
    (void)state;
    struct fixture *fx = make(VD_ERA_DEV, 300000, false);
    vd_ota_client_connect_failed(&fx->client);
    assert_string_equal(fx->screen.text, "[OTA] Connection failed\n");
    release(fx);
}

/* The silent 1.14 core: nothing on telnet, the log copy complete, the download installed. */
static void test_silent_core_installs(void **state)
{
    (void)state;
    struct fixture *fx = make(VD_ERA_1_14_1, 300000, true);
    assert_true(download(fx, fx->image, fx->image_len));
    assert_int_equal(fx->screen.len, 0);
    assert_non_null(strstr(fx->screen.log, "[OTA] Success:  300000 bytes\n"));
    struct vd_boot_record rec;
    assert_true(vd_boot_record_read(&fx->flash.ops, &rec));
    assert_true(rec.copy_pending);
    release(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_success_per_era),
        cmocka_unit_test(test_not_an_image),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_connection_failed),
        cmocka_unit_test(test_silent_core_installs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
