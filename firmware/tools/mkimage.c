/* mkimage.c — espurna-mkimage: writes valid ESP8266 test images (Arduino layout or plain, with
 * an embedded app descriptor) of a requested size, name, version, board and kind, optionally
 * gzip-compressed. The filler compresses like real firmware (gzip -9 keeps about 70 %; an
 * option sets it) and is deterministic. Every byte of format knowledge comes from the image
 * module. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "espurna-ota/image.h"

#define BOOT_DATA_SIZE 1024u
#define APP_IRAM_SIZE 2048u
#define APP_DRAM_SIZE 1024u
#define APP_SEGMENTS 3u
/* header + segment headers + the checksum byte */
#define APP_OVERHEAD (EO_IMAGE_HEADER_SIZE + APP_SEGMENTS * EO_IMAGE_SEGMENT_HEADER_SIZE + 1u)
/* The filler: ESPHome's ESP8266 image keeps 70 % under gzip -9 (566,560 → 396,547 bytes),
 * Tasmota's 71 % (656 kB → 469 kB). */
#define COMPRESS_DEFAULT 70u
#define COMPRESS_MIN 10u
#define FILLER_TOKEN 32u
#define FILLER_WINDOW 32000u
#define FILLER_HEAD 4096u
#define RANDOM_COST_PERMILLE 1005u
#define COPY_COST_PERMILLE 85u

struct settings {
    const char *output;
    unsigned long size;
    struct eo_app_desc desc;
    uint8_t flash_size_code, flash_mode, flash_freq;
    unsigned compress_percent; /* what gzip -9 keeps of the filler, 100 = nothing compresses */
    bool arduino, gzip, descriptor, bad_checksum;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: espurna-mkimage --output FILE --size BYTES [options]\n"
            "  --kind full|core|webui      (default full)\n"
            "  --version V --environment E --board B --app NAME --build-date D\n"
            "  --flash-size 512K|1M|2M|4M|8M|16M (default 1M)\n"
            "  --flash-mode qio|qout|dio|dout (default dout)  --flash-freq 40m|26m|20m|80m\n"
            "  --layout arduino|plain      (default arduino)\n"
            "  --compress-ratio PERCENT    gzip -9 keeps about this much of the filler,\n"
            "                              %u-100 (default 70, like ESP8266 firmware;\n"
            "                              100 = random bytes)\n"
            "  --gzip  --no-descriptor  --bad-checksum\n",
            COMPRESS_MIN);
}

/* xorshift32: the deterministic source of every filler byte. */
static uint32_t next_random(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* Random bytes: nothing for gzip to shrink. */
static void fill_random(uint8_t *data, size_t len, uint32_t *x)
{
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)next_random(x);
}

/* Random bytes cost deflate about 1.005 bytes each here, a 32-byte copy of earlier bytes about
 * 0.085 per byte (measured with zlib -9 on this filler): a share s of random bytes keeps
 * 0.085 + s × (1.005 − 0.085) of the size. Per mille of random bytes for `percent` kept. */
static unsigned random_share_permille(unsigned percent)
{
    if (percent * 10u <= COPY_COST_PERMILLE)
        return 0;
    unsigned share =
        (percent * 10u - COPY_COST_PERMILLE) * 1000u / (RANDOM_COST_PERMILLE - COPY_COST_PERMILLE);
    return share > 1000u ? 1000u : share;
}

/* Runs of FILLER_TOKEN random bytes between copies of FILLER_TOKEN earlier bytes (from at
 * most FILLER_WINDOW back, inside deflate's reach), spread evenly by an error accumulator so
 * the share is exact; the first FILLER_HEAD bytes are random, for the copies to copy. */
static void fill_compressible(uint8_t *data, size_t len, uint32_t *x, unsigned share_permille)
{
    unsigned debt = 0;
    size_t i = len < FILLER_HEAD ? len : FILLER_HEAD;
    fill_random(data, i, x);
    while (i < len) {
        size_t n = len - i < FILLER_TOKEN ? len - i : FILLER_TOKEN;
        debt += share_permille;
        if (debt >= 1000u) {
            debt -= 1000u;
            fill_random(data + i, n, x);
        } else {
            size_t reach = i < FILLER_WINDOW ? i : FILLER_WINDOW;
            size_t distance = FILLER_TOKEN + next_random(x) % (reach - FILLER_TOKEN + 1u);
            memcpy(data + i, data + i - distance, n);
        }
        i += n;
    }
}

/* Deterministic filler (images with other identities get other digests) that gzip -9
 * compresses to about `percent` % (100: plain random bytes, as the tool always wrote). */
static void fill(uint8_t *data, size_t len, uint32_t seed, unsigned percent)
{
    uint32_t x = seed ? seed : 0x9E3779B9u;
    if (percent >= 100u)
        fill_random(data, len, &x);
    else
        fill_compressible(data, len, &x, random_share_permille(percent));
}

static uint32_t seed_of(const struct eo_app_desc *desc, unsigned long size)
{
    uint32_t seed = (uint32_t)crc32(0L, (const Bytef *)desc, sizeof *desc);
    return seed ^ (uint32_t)size;
}

static int parse_choice(const char *value, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (strcasecmp(value, names[i]) == 0)
            return i;
    return -1;
}

static bool parse_flash_size(const char *value, uint8_t *code)
{
    static const char *const names[] = {"512K", "256K", "1M", "2M", "4M", "", "", "", "8M", "16M"};
    int index = parse_choice(value, names, 10);
    if (index < 0 || names[index][0] == '\0')
        return false;
    *code = (uint8_t)index;
    return true;
}

static bool parse_freq(const char *value, uint8_t *code)
{
    static const struct {
        const char *name;
        uint8_t code;
    } rows[] = {
        {"40m", EO_FLASH_FREQ_40M},
        {"26m", EO_FLASH_FREQ_26M},
        {"20m", EO_FLASH_FREQ_20M},
        {"80m", EO_FLASH_FREQ_80M},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (strcasecmp(value, rows[i].name) == 0) {
            *code = rows[i].code;
            return true;
        }
    }
    return false;
}

static bool set_string(char *field, size_t cap, const char *value, const char *what)
{
    if (strlen(value) >= cap) {
        fprintf(stderr, "espurna-mkimage: %s '%s' is longer than %zu characters\n", what, value,
                cap - 1);
        return false;
    }
    snprintf(field, cap, "%s", value);
    return true;
}

static bool apply_option(struct settings *s, int option, const char *value)
{
    static const char *const kinds[] = {"full", "core", "webui"};
    static const char *const modes[] = {"qio", "qout", "dio", "dout"};
    static const char *const layouts[] = {"plain", "arduino"};
    int choice;
    char *end = NULL;
    switch (option) {
    case 'o': s->output = value; return true;
    case 's': s->size = strtoul(value, &end, 10); return *end == '\0' && s->size > 0;
    case 'k':
        if ((choice = parse_choice(value, kinds, 3)) < 0)
            return false;
        s->desc.kind = (uint8_t)choice;
        s->desc.features = eo_kind_default_features((enum eo_image_kind)choice);
        return true;
    case 'v': return set_string(s->desc.version, sizeof s->desc.version, value, "version");
    case 'e':
        return set_string(s->desc.environment, sizeof s->desc.environment, value, "environment");
    case 'b': return set_string(s->desc.board, sizeof s->desc.board, value, "board");
    case 'a': return set_string(s->desc.app, sizeof s->desc.app, value, "app");
    case 'd': return set_string(s->desc.build_date, sizeof s->desc.build_date, value, "build date");
    case 'F': return parse_flash_size(value, &s->flash_size_code);
    case 'M':
        if ((choice = parse_choice(value, modes, 4)) < 0)
            return false;
        s->flash_mode = (uint8_t)choice;
        return true;
    case 'Q': return parse_freq(value, &s->flash_freq);
    case 'L':
        if ((choice = parse_choice(value, layouts, 2)) < 0)
            return false;
        s->arduino = choice == 1;
        return true;
    case 'z': s->gzip = true; return true;
    case 'n': s->descriptor = false; return true;
    case 'c': s->bad_checksum = true; return true;
    case 'r':
        s->compress_percent = (unsigned)strtoul(value, &end, 10);
        return value[0] >= '0' && value[0] <= '9' && *end == '\0' &&
               s->compress_percent >= COMPRESS_MIN && s->compress_percent <= 100u;
    default: return false;
    }
}

static int parse_args(int argc, char **argv, struct settings *s)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"size", required_argument, NULL, 's'},
        {"kind", required_argument, NULL, 'k'},
        {"version", required_argument, NULL, 'v'},
        {"environment", required_argument, NULL, 'e'},
        {"board", required_argument, NULL, 'b'},
        {"app", required_argument, NULL, 'a'},
        {"build-date", required_argument, NULL, 'd'},
        {"flash-size", required_argument, NULL, 'F'},
        {"flash-mode", required_argument, NULL, 'M'},
        {"flash-freq", required_argument, NULL, 'Q'},
        {"layout", required_argument, NULL, 'L'},
        {"gzip", no_argument, NULL, 'z'},
        {"no-descriptor", no_argument, NULL, 'n'},
        {"bad-checksum", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"compress-ratio", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    int option;
    while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (option == 'h') {
            usage(stdout);
            exit(0);
        }
        if (option == '?' || !apply_option(s, option, optarg)) {
            if (option != '?')
                fprintf(stderr, "espurna-mkimage: bad value '%s'\n", optarg ? optarg : "");
            usage(stderr);
            return 2;
        }
    }
    if (!s->output || s->size == 0 || optind != argc) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/* The application image: irom (descriptor first, then filler), iram, dram segments. */
static size_t build_app(const struct settings *s, size_t app_size, uint8_t *out, size_t cap)
{
    if (app_size < APP_OVERHEAD + APP_IRAM_SIZE + APP_DRAM_SIZE + EO_DESC_SIZE + 16)
        return 0;
    size_t irom_len = app_size - APP_OVERHEAD - APP_IRAM_SIZE - APP_DRAM_SIZE;
    uint8_t *data = malloc(irom_len + APP_IRAM_SIZE + APP_DRAM_SIZE);
    if (!data)
        return 0;
    fill(data, irom_len + APP_IRAM_SIZE + APP_DRAM_SIZE, seed_of(&s->desc, s->size),
         s->compress_percent);
    if (s->descriptor)
        eo_desc_encode(&s->desc, data + 16);
    struct eo_image_build_segment segments[APP_SEGMENTS] = {
        {0x40201010u, data, (uint32_t)irom_len},
        {0x40100000u, data + irom_len, APP_IRAM_SIZE},
        {0x3FFE8000u, data + irom_len + APP_IRAM_SIZE, APP_DRAM_SIZE},
    };
    size_t n = eo_image_build_v1(s->flash_mode, s->flash_size_code, s->flash_freq, 0x40100004u,
                                 segments, APP_SEGMENTS, out, cap);
    free(data);
    return n;
}

static size_t build_boot(const struct settings *s, uint8_t *out)
{
    uint8_t data[BOOT_DATA_SIZE];
    fill(data, sizeof data, 0xB007u, s->compress_percent);
    struct eo_image_build_segment segment = {0x4010F000u, data, sizeof data};
    size_t n = eo_image_build_v1(s->flash_mode, s->flash_size_code, s->flash_freq, 0x4010F000u,
                                 &segment, 1, out, EO_ARDUINO_APP_OFFSET);
    memset(out + n, EO_ARDUINO_PAD_BYTE, EO_ARDUINO_APP_OFFSET - n);
    return EO_ARDUINO_APP_OFFSET;
}

static size_t build_image(const struct settings *s, uint8_t *out, size_t cap)
{
    size_t boot = s->arduino ? build_boot(s, out) : 0;
    size_t app = build_app(s, cap - boot, out + boot, cap - boot);
    if (app == 0)
        return 0;
    if (s->bad_checksum)
        out[boot + app - 1] ^= 0x5A;
    return boot + app;
}

static int write_file(const char *path, const uint8_t *data, size_t len, bool gzip)
{
    if (gzip) {
        gzFile gz = gzopen(path, "wb9");
        int ok = gz && gzwrite(gz, data, (unsigned)len) == (int)len;
        if (gz && gzclose(gz) != Z_OK)
            ok = 0;
        return ok ? 0 : -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t written = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && written == len) ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct settings s = {
        .desc = {.kind = EO_KIND_FULL,
                 .app = "ESPURNA",
                 .version = "1.15.0",
                 .environment = "itead-sonoff-basic",
                 .board = "ITEAD_SONOFF_BASIC",
                 .build_date = "2026-11-01 12:00:00"},
        .flash_size_code = EO_FLASH_SIZE_1M,
        .flash_mode = EO_FLASH_MODE_DOUT,
        .flash_freq = EO_FLASH_FREQ_40M,
        .compress_percent = COMPRESS_DEFAULT,
        .arduino = true,
        .descriptor = true,
    };
    s.desc.features = eo_kind_default_features(EO_KIND_FULL);
    int rc = parse_args(argc, argv, &s);
    if (rc != 0)
        return rc;
    size_t size = (s.size + 15) / 16 * 16;
    uint8_t *image = calloc(1, size);
    size_t len = image ? build_image(&s, image, size) : 0;
    if (len != size) {
        fprintf(stderr, "espurna-mkimage: cannot build a %lu-byte image (too small?)\n", s.size);
        free(image);
        return 1;
    }
    rc = write_file(s.output, image, len, s.gzip);
    free(image);
    if (rc != 0) {
        fprintf(stderr, "espurna-mkimage: cannot write %s\n", s.output);
        return 1;
    }
    return 0;
}
