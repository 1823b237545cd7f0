/* test_image.c — unit tests of the image module: header decoding and every flash code,
 * checksum, Arduino layout, gzip, the first-bytes peek, the app descriptor, release file names,
 * digests, and every kind of bad input (images are generated here, no blobs). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "espurna-ota/image.h"
#include "espurna-ota/image_file.h"

#define BUF_CAP (64u * 1024u)

static uint8_t data_a[600], data_b[300];

/* A plain two-segment image; returns its size. */
static size_t build_plain(uint8_t *out, uint8_t mode, uint8_t size_code, uint8_t freq)
{
    for (size_t i = 0; i < sizeof data_a; i++)
        data_a[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof data_b; i++)
        data_b[i] = (uint8_t)(i * 3 + 5);
    struct eo_image_build_segment segments[] = {
        {0x40100000u, data_a, sizeof data_a},
        {0x3FFE8000u, data_b, sizeof data_b},
    };
    return eo_image_build_v1(mode, size_code, freq, 0x40100004u, segments, 2, out, BUF_CAP);
}

/* An Arduino layout image whose application carries a descriptor. */
static size_t build_arduino(uint8_t *out, const struct eo_app_desc *desc)
{
    uint8_t boot_data[256], app_data[2048];
    memset(boot_data, 0x11, sizeof boot_data);
    memset(app_data, 0x22, sizeof app_data);
    if (desc)
        eo_desc_encode(desc, app_data + 64);
    struct eo_image_build_segment boot = {0x4010F000u, boot_data, sizeof boot_data};
    struct eo_image_build_segment app = {0x40201010u, app_data, sizeof app_data};
    size_t n = eo_image_build_v1(EO_FLASH_MODE_DOUT, EO_FLASH_SIZE_1M, EO_FLASH_FREQ_40M,
                                 0x4010F000u, &boot, 1, out, BUF_CAP);
    memset(out + n, EO_ARDUINO_PAD_BYTE, EO_ARDUINO_APP_OFFSET - n);
    n = eo_image_build_v1(EO_FLASH_MODE_DOUT, EO_FLASH_SIZE_1M, EO_FLASH_FREQ_40M, 0x40100004u,
                          &app, 1, out + EO_ARDUINO_APP_OFFSET, BUF_CAP - EO_ARDUINO_APP_OFFSET);
    return EO_ARDUINO_APP_OFFSET + n;
}

static struct eo_app_desc sample_desc(void)
{
    struct eo_app_desc desc = {
        .kind = EO_KIND_CORE,
        .features = EO_FEATURE_ESPOTA | EO_FEATURE_TELNET,
        .app = "ESPURNA",
        .version = "1.15.0-dev.gitb409dc27+github230330",
        .environment = "espurna-minimal-arduino-ota-1m",
        .board = "ESPURNA_MINIMAL_ARDUINO_OTA",
        .build_date = "2023-03-30 10:00:00",
    };
    return desc;
}

/* ---- header decoding ------------------------------------------------------------------ */

static void test_header_fields(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP];
    size_t len = build_plain(buf, EO_FLASH_MODE_DIO, EO_FLASH_SIZE_4M, EO_FLASH_FREQ_80M);
    assert_int_equal(len % 16, 0);
    struct eo_image_header h;
    assert_int_equal(eo_image_parse_header(buf, len, 0, &h, NULL), EO_OK);
    assert_int_equal(h.segment_count, 2);
    assert_int_equal(h.flash_mode, EO_FLASH_MODE_DIO);
    assert_int_equal(h.flash_size_code, EO_FLASH_SIZE_4M);
    assert_int_equal(h.flash_freq_code, EO_FLASH_FREQ_80M);
    assert_int_equal(h.entry, 0x40100004u);
    assert_int_equal(h.segments[0].address, 0x40100000u);
    assert_int_equal(h.segments[0].length, sizeof data_a);
    assert_int_equal(h.segments[0].data_offset, 16);
    assert_int_equal(h.segments[1].address, 0x3FFE8000u);
    assert_int_equal(h.segments[1].data_offset, 16 + sizeof data_a + 8);
    assert_int_equal(h.end, len);
    assert_true(eo_image_checksum_ok(&h));
}

static void test_every_flash_size_code(void **state)
{
    (void)state;
    static const struct {
        uint8_t code;
        uint32_t bytes;
        const char *name;
    } rows[] = {
        {0x0, 512u << 10, "512KB"}, {0x1, 256u << 10, "256KB"}, {0x2, 1u << 20, "1MB"},
        {0x3, 2u << 20, "2MB"},     {0x4, 4u << 20, "4MB"},     {0x5, 2u << 20, "2MB-c1"},
        {0x6, 4u << 20, "4MB-c1"},  {0x8, 8u << 20, "8MB"},     {0x9, 16u << 20, "16MB"},
    };
    static uint8_t buf[BUF_CAP];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t len = build_plain(buf, 0, rows[i].code, 0);
        struct eo_image_header h;
        assert_int_equal(eo_image_parse_header(buf, len, 0, &h, NULL), EO_OK);
        assert_int_equal(h.flash_size_code, rows[i].code);
        assert_int_equal(eo_flash_size_bytes(rows[i].code), rows[i].bytes);
        assert_string_equal(eo_flash_size_name(rows[i].code), rows[i].name);
    }
    assert_null(eo_flash_size_name(0x7));
    assert_int_equal(eo_flash_size_bytes(0xF), 0);
    assert_int_equal(eo_flash_size_code_for(1u << 20), EO_FLASH_SIZE_1M);
    assert_int_equal(eo_flash_size_code_for(4u << 20), EO_FLASH_SIZE_4M);
    assert_int_equal(eo_flash_size_code_for(3u << 20), -1);
}

static void test_every_mode_and_frequency_code(void **state)
{
    (void)state;
    static const char *const modes[] = {"QIO", "QOUT", "DIO", "DOUT"};
    for (uint8_t m = 0; m < 4; m++)
        assert_string_equal(eo_flash_mode_name(m), modes[m]);
    assert_null(eo_flash_mode_name(4));
    static const struct {
        uint8_t code;
        unsigned mhz;
        const char *name;
    } freqs[] = {
        {0x0, 40, "40MHz"},
        {0x1, 26, "26MHz"},
        {0x2, 20, "20MHz"},
        {0xF, 80, "80MHz"},
    };
    static uint8_t buf[BUF_CAP];
    for (size_t i = 0; i < 4; i++) {
        size_t len = build_plain(buf, 0, EO_FLASH_SIZE_1M, freqs[i].code);
        struct eo_image_header h;
        assert_int_equal(eo_image_parse_header(buf, len, 0, &h, NULL), EO_OK);
        assert_int_equal(h.flash_freq_code, freqs[i].code);
        assert_int_equal(eo_flash_freq_mhz(freqs[i].code), freqs[i].mhz);
        assert_string_equal(eo_flash_freq_name(freqs[i].code), freqs[i].name);
    }
    assert_null(eo_flash_freq_name(0x3));
    assert_int_equal(eo_flash_freq_mhz(0x3), 0);
}

/* ---- checksum and layout -------------------------------------------------------------- */

static void test_checksum_detects_a_flipped_byte(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP];
    size_t len = build_plain(buf, 0, EO_FLASH_SIZE_1M, 0);
    struct eo_image_layout layout;
    struct eo_error err;
    assert_int_equal(eo_image_parse(buf, len, &layout, &err), EO_OK);
    assert_int_equal(layout.format, EO_IMAGE_FORMAT_PLAIN);
    buf[100] ^= 0x01;
    assert_int_equal(eo_image_parse(buf, len, &layout, &err), EO_ERR_IMAGE);
    assert_non_null(strstr(err.message, "checksum is wrong"));
}

static void test_arduino_layout_with_descriptor(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP];
    struct eo_app_desc desc = sample_desc();
    size_t len = build_arduino(buf, &desc);
    struct eo_image_layout layout;
    assert_int_equal(eo_image_parse(buf, len, &layout, NULL), EO_OK);
    assert_int_equal(layout.format, EO_IMAGE_FORMAT_ARDUINO);
    assert_int_equal(layout.app.offset, EO_ARDUINO_APP_OFFSET);
    assert_int_equal(layout.boot.entry, 0x4010F000u);
    assert_int_equal(layout.trailing_bytes, 0);
    assert_true(layout.has_desc);
    assert_string_equal(layout.desc.version, desc.version);
    assert_string_equal(layout.desc.board, desc.board);
    assert_int_equal(layout.desc.kind, EO_KIND_CORE);
}

static void test_arduino_application_checksum_checked(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP];
    size_t len = build_arduino(buf, NULL);
    buf[EO_ARDUINO_APP_OFFSET + 200] ^= 0xFF;
    struct eo_error err;
    struct eo_image_layout layout;
    assert_int_equal(eo_image_parse(buf, len, &layout, &err), EO_ERR_IMAGE);
    assert_non_null(strstr(err.message, "application image checksum"));
}

/* ---- descriptor ----------------------------------------------------------------------- */

static void test_descriptor_round_trip_and_damage(void **state)
{
    (void)state;
    uint8_t raw[EO_DESC_SIZE];
    struct eo_app_desc desc = sample_desc(), back;
    struct eo_error err;
    eo_desc_encode(&desc, raw);
    assert_memory_equal(raw, EO_DESC_MAGIC, EO_DESC_MAGIC_LEN);
    assert_int_equal(eo_desc_decode(raw, &back, &err), EO_OK);
    assert_int_equal(back.kind, desc.kind);
    assert_int_equal(back.features, desc.features);
    assert_string_equal(back.app, desc.app);
    assert_string_equal(back.version, desc.version);
    assert_string_equal(back.environment, desc.environment);
    assert_string_equal(back.board, desc.board);
    assert_string_equal(back.build_date, desc.build_date);
    raw[40] ^= 1; /* inside the version: CRC must catch it */
    assert_int_equal(eo_desc_decode(raw, &back, &err), EO_ERR_IMAGE);
    assert_non_null(strstr(err.message, "CRC"));
    eo_desc_encode(&desc, raw);
    raw[0] = 'X';
    assert_int_equal(eo_desc_decode(raw, &back, &err), EO_ERR_IMAGE);
    assert_non_null(strstr(err.message, "magic"));
}

static void test_descriptor_rejects_bad_kind_and_unterminated_string(void **state)
{
    (void)state;
    uint8_t raw[EO_DESC_SIZE];
    struct eo_app_desc desc = sample_desc(), back;
    desc.kind = 7;
    eo_desc_encode(&desc, raw);
    assert_int_equal(eo_desc_decode(raw, &back, NULL), EO_ERR_IMAGE);
    /* a full 16-byte app name without NUL: forge it and fix up the CRC by re-encoding logic */
    desc = sample_desc();
    eo_desc_encode(&desc, raw);
    memset(raw + 16, 'A', 16);
    uLong crc = crc32(0L, Z_NULL, 0);
    static const uint8_t zeros[4];
    crc = crc32(crc, raw, 12);
    crc = crc32(crc, zeros, 4);
    crc = crc32(crc, raw + 16, EO_DESC_SIZE - 16);
    for (int i = 0; i < 4; i++)
        raw[12 + i] = (uint8_t)(crc >> (8 * i));
    assert_int_equal(eo_desc_decode(raw, &back, NULL), EO_ERR_IMAGE);
}

static void test_descriptor_absent(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP];
    size_t len = build_arduino(buf, NULL);
    struct eo_image_layout layout;
    assert_int_equal(eo_image_parse(buf, len, &layout, NULL), EO_OK);
    assert_false(layout.has_desc);
}

static void test_kind_defaults(void **state)
{
    (void)state;
    assert_int_equal(eo_kind_default_features(EO_KIND_CORE),
                     EO_FEATURE_ESPOTA | EO_FEATURE_TELNET | EO_FEATURE_MDNS);
    assert_true(eo_kind_default_features(EO_KIND_FULL) & EO_FEATURE_WEB_AUTH);
    assert_int_equal(eo_kind_default_features(EO_KIND_WEBUI), EO_FEATURE_WEB);
    assert_string_equal(eo_kind_name(EO_KIND_WEBUI), "webui");
    assert_null(eo_kind_name(EO_KIND_UNKNOWN));
}

/* ---- release file names --------------------------------------------------------------- */

static void expect_name(const char *path, const char *version, const char *env, uint8_t kind,
                        uint32_t flash)
{
    struct eo_release_name name;
    assert_true(eo_release_name_parse(path, &name));
    assert_string_equal(name.version, version);
    assert_string_equal(name.environment, env);
    assert_int_equal(name.kind, kind);
    assert_int_equal(name.flash_size, flash);
}

static void test_release_names(void **state)
{
    (void)state;
    expect_name("espurna-1.13.3-espurna-core-1MB.bin", "1.13.3", "espurna-core-1MB", EO_KIND_CORE,
                1u << 20);
    expect_name(
        "/tmp/x/espurna-1.15.0-dev.gitb409dc27+github230330-espurna-minimal-arduino-ota-1m.bin",
        "1.15.0-dev.gitb409dc27+github230330", "espurna-minimal-arduino-ota-1m", EO_KIND_CORE,
        1u << 20);
    expect_name("espurna-1.14.1-itead-sonoff-basic.bin", "1.14.1", "itead-sonoff-basic",
                EO_KIND_FULL, 0);
    expect_name("espurna-1.15.0-dev.gitb409dc27+github230330-espurna-minimal-webui-4m.bin.gz",
                "1.15.0-dev.gitb409dc27+github230330", "espurna-minimal-webui-4m", EO_KIND_WEBUI,
                4u << 20);
    expect_name("ESPURNA-1.12.4-espurna-core-4MB.BIN", "1.12.4", "espurna-core-4MB", EO_KIND_CORE,
                4u << 20);
    expect_name("espurna-2.0.0-rc1-nodemcu-lolin.bin", "2.0.0-rc1", "nodemcu-lolin", EO_KIND_FULL,
                0);
}

static void test_odd_release_names(void **state)
{
    (void)state;
    struct eo_release_name name;
    assert_false(eo_release_name_parse("sonoff-basic.bin", &name));
    assert_false(eo_release_name_parse("espurna-.bin", &name));
    assert_false(eo_release_name_parse("espurna-1.13-core.bin", &name));       /* two parts */
    assert_false(eo_release_name_parse("espurna-1.13.3.bin", &name));          /* no env */
    assert_false(eo_release_name_parse("espurna-1.13.3-core.elf", &name));     /* not .bin */
    assert_false(eo_release_name_parse("espurna-1.15.0-dev.git1.bin", &name)); /* no env */
    assert_false(eo_release_name_parse("espurna-x.y.z-core.bin", &name));
    assert_false(eo_release_name_parse("espurna-1.13.3-.bin", &name));
    assert_false(eo_release_name_parse("", &name));
    assert_false(eo_release_name_parse("espurna-1.13.3espurna-core.bin", &name));
}

/* ---- loading and bad input ------------------------------------------------------------ */

static void expect_load_error(const uint8_t *data, size_t len, enum eo_status status,
                              const char *needle)
{
    struct eo_image image;
    struct eo_error err = {0};
    assert_int_equal(eo_image_load_buffer("fw.bin", data, len, &image, &err), status);
    assert_non_null(strstr(err.message, "fw.bin: "));
    if (!strstr(err.message, needle))
        fail_msg("message '%s' lacks '%s'", err.message, needle);
    assert_null(image.data);
}

static void test_bad_buffers(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP];
    size_t len = build_plain(buf, 0, EO_FLASH_SIZE_1M, 0);
    expect_load_error(buf, 0, EO_ERR_FILE, "empty");
    expect_load_error(buf, 5, EO_ERR_IMAGE, "truncated");           /* header */
    expect_load_error(buf, 12, EO_ERR_IMAGE, "segment 0 header");   /* segment header */
    expect_load_error(buf, 200, EO_ERR_IMAGE, "runs past the end"); /* segment data */
    expect_load_error(buf, len - 1, EO_ERR_IMAGE, "checksum byte"); /* padding/checksum */
    buf[1] = 0;
    expect_load_error(buf, len, EO_ERR_IMAGE, "absurd segment count 0");
    buf[1] = 200;
    expect_load_error(buf, len, EO_ERR_IMAGE, "absurd segment count 200");
    len = build_plain(buf, 0, EO_FLASH_SIZE_1M, 0);
    buf[12] = 0xFF;
    buf[13] = 0xFF;
    buf[14] = 0xFF;
    buf[15] = 0x7F; /* length 2 GiB */
    expect_load_error(buf, len, EO_ERR_IMAGE, "runs past the end");
    len = build_plain(buf, 0, EO_FLASH_SIZE_1M, 0);
    buf[len - 1] ^= 0x42;
    expect_load_error(buf, len, EO_ERR_IMAGE, "checksum is wrong");
}

static void test_random_bytes_are_not_an_image(void **state)
{
    (void)state;
    static uint8_t noise[8192];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof noise; i++) {
        x = x * 1103515245u + 12345u;
        noise[i] = (uint8_t)(x >> 16);
    }
    noise[0] = 0x42;
    expect_load_error(noise, sizeof noise, EO_ERR_IMAGE, "no image magic");
    noise[0] = 0xE9; /* magic, then garbage: must fail cleanly too */
    struct eo_image image;
    struct eo_error err;
    assert_int_not_equal(eo_image_load_buffer("fw.bin", noise, sizeof noise, &image, &err), EO_OK);
}

static size_t gzip_buffer(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

static void test_gzip_image_reports_inner_header(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP], gz[BUF_CAP];
    struct eo_app_desc desc = sample_desc();
    size_t len = build_arduino(buf, &desc);
    size_t gz_len = gzip_buffer(buf, len, gz, sizeof gz);
    struct eo_image image;
    struct eo_error err;
    assert_int_equal(eo_image_load_buffer("fw.bin.gz", gz, gz_len, &image, &err), EO_OK);
    assert_int_equal(image.format, EO_IMAGE_FORMAT_GZIP);
    assert_int_equal(image.layout.format, EO_IMAGE_FORMAT_ARDUINO);
    assert_int_equal(image.uncompressed_size, len);
    assert_int_equal(image.size, gz_len);
    assert_int_equal(image.identity_source, EO_IDENTITY_DESCRIPTOR);
    eo_image_release(&image);
    expect_load_error(gz, gz_len / 2, EO_ERR_IMAGE, "gzip data is corrupt or truncated");
    static const uint8_t text[] = "hello, not firmware";
    gz_len = gzip_buffer(text, sizeof text, gz, sizeof gz);
    expect_load_error(gz, gz_len, EO_ERR_IMAGE, "inside gzip");
}

static void test_peek_first_bytes(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP], gz[BUF_CAP];
    size_t len = build_plain(buf, EO_FLASH_MODE_DIO, EO_FLASH_SIZE_4M, EO_FLASH_FREQ_80M);
    struct eo_image_peek peek;
    assert_true(eo_image_peek(buf, EO_IMAGE_PEEK_SIZE, &peek));
    assert_true(peek.magic);
    assert_false(peek.gzip);
    assert_int_equal(peek.flash_mode, EO_FLASH_MODE_DIO);
    assert_int_equal(peek.flash_size_code, EO_FLASH_SIZE_4M);
    assert_int_equal(peek.flash_freq_code, EO_FLASH_FREQ_80M);
    /* the codes agree with the full header parse */
    struct eo_image_header header;
    struct eo_error err;
    assert_int_equal(eo_image_parse_header(buf, len, 0, &header, &err), EO_OK);
    assert_int_equal(header.flash_size_code, peek.flash_size_code);
    assert_int_equal(header.flash_freq_code, peek.flash_freq_code);
    /* three bytes: not enough to say anything but gzip */
    assert_false(eo_image_peek(buf, 3, &peek));
    assert_false(peek.magic);
    assert_int_equal(peek.flash_size_code, 0);
    /* not the magic byte */
    static const uint8_t other[] = {0xEA, 0x02, 0x03, 0x2F};
    assert_true(eo_image_peek(other, sizeof other, &peek));
    assert_false(peek.magic);
    assert_false(peek.gzip);
    /* gzip: decided from its two magic bytes */
    size_t gz_len = gzip_buffer(buf, len, gz, sizeof gz);
    assert_true(eo_image_peek(gz, gz_len, &peek));
    assert_true(peek.gzip);
    assert_false(peek.magic);
    assert_false(eo_image_peek(gz, 2, &peek));
    assert_true(peek.gzip);
    assert_false(eo_image_peek(gz, 1, &peek));
    assert_false(peek.gzip);
}

static void test_identity_from_file_name_when_no_descriptor(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP];
    size_t len = build_arduino(buf, NULL);
    struct eo_image image;
    assert_int_equal(
        eo_image_load_buffer("out/espurna-1.13.3-espurna-core-1MB.bin", buf, len, &image, NULL),
        EO_OK);
    assert_int_equal(image.identity_source, EO_IDENTITY_FILE_NAME);
    assert_string_equal(image.version, "1.13.3");
    assert_int_equal(image.kind, EO_KIND_CORE);
    eo_image_release(&image);
    assert_int_equal(eo_image_load_buffer("firmware.bin", buf, len, &image, NULL), EO_OK);
    assert_int_equal(image.identity_source, EO_IDENTITY_NONE);
    assert_int_equal(image.kind, EO_KIND_UNKNOWN);
    eo_image_release(&image);
}

static void test_digests(void **state)
{
    (void)state;
    char md5[33], sha[65];
    eo_md5_hex("abc", 3, md5);
    assert_string_equal(md5, "900150983cd24fb0d6963f7d28e17f72");
    eo_sha256_hex("abc", 3, sha);
    assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* Every prefix and thousands of random corruptions of a valid image must parse or fail
 * cleanly (the sanitizer build turns any overrun into a failure). */
static void test_truncations_and_mutations_never_crash(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP], copy[BUF_CAP];
    struct eo_app_desc desc = sample_desc();
    size_t len = build_arduino(buf, &desc);
    struct eo_image image;
    struct eo_image_header boot;
    assert_int_equal(eo_image_parse_header(buf, len, 0, &boot, NULL), EO_OK);
    for (size_t cut = 0; cut < len; cut++) {
        if (cut == boot.end)
            continue; /* the bootloader alone is a valid plain image */
        if (eo_image_load_buffer("fw.bin", buf, cut, &image, NULL) == EO_OK)
            fail_msg("a prefix of %zu of %zu bytes was accepted", cut, len);
    }
    uint32_t x = 2463534242u;
    unsigned accepted = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(copy, buf, len);
        for (int flips = 0; flips < 3; flips++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            size_t at = (x % 4 == 0) ? (x >> 8) % 24 : (x >> 8) % len; /* headers often */
            copy[at] = (uint8_t)(x >> 3);
            copy[EO_ARDUINO_APP_OFFSET + (at % 24)] ^= (uint8_t)((x >> 11) & (x % 3 == 0));
        }
        if (eo_image_load_buffer("fw.bin", copy, len, &image, NULL) == EO_OK) {
            accepted++;
            eo_image_release(&image);
        }
    }
    assert_true(accepted < 20000); /* corruption is noticed most of the time */
}

/* ---- files ---------------------------------------------------------------------------- */

static char temp_dir[64];

static int make_temp_dir(void **state)
{
    (void)state;
    snprintf(temp_dir, sizeof temp_dir, "/tmp/eo-test-image-XXXXXX");
    return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", temp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void expect_file_error(const char *path, enum eo_status status, const char *needle)
{
    struct eo_image image;
    struct eo_error err = {0};
    assert_int_equal(eo_image_load(path, &image, &err), status);
    if (strncmp(err.message, path, strlen(path)) != 0 || !strstr(err.message, needle))
        fail_msg("message '%s' lacks path or '%s'", err.message, needle);
}

static void test_bad_files(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/missing.bin", temp_dir);
    expect_file_error(path, EO_ERR_FILE, "No such file");
    expect_file_error(temp_dir, EO_ERR_FILE, "directory");
    snprintf(path, sizeof path, "%s/empty.bin", temp_dir);
    close(open(path, O_CREAT | O_WRONLY, 0600));
    expect_file_error(path, EO_ERR_FILE, "empty");
    snprintf(path, sizeof path, "%s/huge.bin", temp_dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_int_equal(ftruncate(fd, 100 * 1024 * 1024), 0); /* sparse: 100 MB, no disk used */
    close(fd);
    expect_file_error(path, EO_ERR_FILE, "larger than any ESP8266 flash");
}

static void test_good_file(void **state)
{
    (void)state;
    static uint8_t buf[BUF_CAP];
    char path[128];
    struct eo_app_desc desc = sample_desc();
    size_t len = build_arduino(buf, &desc);
    snprintf(path, sizeof path, "%s/good.bin", temp_dir);
    FILE *f = fopen(path, "wb");
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
    struct eo_image image;
    assert_int_equal(eo_image_load(path, &image, NULL), EO_OK);
    assert_int_equal(image.size, len);
    char md5[33];
    eo_md5_hex(buf, len, md5);
    assert_string_equal(image.md5, md5);
    assert_string_equal(image.version, desc.version);
    assert_int_equal(eo_image_flash_header(&image)->flash_size_code, EO_FLASH_SIZE_1M);
    eo_image_release(&image);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_every_flash_size_code),
        cmocka_unit_test(test_every_mode_and_frequency_code),
        cmocka_unit_test(test_checksum_detects_a_flipped_byte),
        cmocka_unit_test(test_arduino_layout_with_descriptor),
        cmocka_unit_test(test_arduino_application_checksum_checked),
        cmocka_unit_test(test_descriptor_round_trip_and_damage),
        cmocka_unit_test(test_descriptor_rejects_bad_kind_and_unterminated_string),
        cmocka_unit_test(test_descriptor_absent),
        cmocka_unit_test(test_kind_defaults),
        cmocka_unit_test(test_release_names),
        cmocka_unit_test(test_odd_release_names),
        cmocka_unit_test(test_bad_buffers),
        cmocka_unit_test(test_random_bytes_are_not_an_image),
        cmocka_unit_test(test_gzip_image_reports_inner_header),
        cmocka_unit_test(test_peek_first_bytes),
        cmocka_unit_test(test_identity_from_file_name_when_no_descriptor),
        cmocka_unit_test(test_digests),
        cmocka_unit_test(test_truncations_and_mutations_never_crash),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_good_file),
    };
    return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}
