/* image.c — parsing ESP8266 firmware images from memory: the esptool v1 header, segments and
 * checksum, the Arduino bootloader + application layout, flash-code names, and the app
 * descriptor. Portable: used by the host tool and by the virtual device. */
#include "espurna-ota/image.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

static uint32_t read_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- flash codes ---------------------------------------------------------------------- */

struct size_code_row {
    uint8_t code;
    uint32_t bytes;
    const char *name;
};

static const struct size_code_row size_codes[] = {
    {EO_FLASH_SIZE_512K, 512u * 1024u, "512KB"},    {EO_FLASH_SIZE_256K, 256u * 1024u, "256KB"},
    {EO_FLASH_SIZE_1M, 1024u * 1024u, "1MB"},       {EO_FLASH_SIZE_2M, 2048u * 1024u, "2MB"},
    {EO_FLASH_SIZE_4M, 4096u * 1024u, "4MB"},       {EO_FLASH_SIZE_2M_C1, 2048u * 1024u, "2MB-c1"},
    {EO_FLASH_SIZE_4M_C1, 4096u * 1024u, "4MB-c1"}, {EO_FLASH_SIZE_8M, 8192u * 1024u, "8MB"},
    {EO_FLASH_SIZE_16M, 16384u * 1024u, "16MB"},
};

static const struct size_code_row *size_row(uint8_t code)
{
    for (size_t i = 0; i < sizeof size_codes / sizeof size_codes[0]; i++)
        if (size_codes[i].code == code)
            return &size_codes[i];
    return NULL;
}

uint32_t eo_flash_size_bytes(uint8_t size_code)
{
    const struct size_code_row *row = size_row(size_code);
    return row ? row->bytes : 0;
}

const char *eo_flash_size_name(uint8_t size_code)
{
    const struct size_code_row *row = size_row(size_code);
    return row ? row->name : NULL;
}

int eo_flash_size_code_for(uint32_t bytes)
{
    /* the first row with that size is the plain code (the c1 variants come later) */
    for (size_t i = 0; i < sizeof size_codes / sizeof size_codes[0]; i++)
        if (size_codes[i].bytes == bytes)
            return size_codes[i].code;
    return -1;
}

const char *eo_flash_mode_name(uint8_t mode)
{
    static const char *const names[] = {"QIO", "QOUT", "DIO", "DOUT"};
    return mode < 4 ? names[mode] : NULL;
}

unsigned eo_flash_freq_mhz(uint8_t freq_code)
{
    switch (freq_code) {
    case EO_FLASH_FREQ_40M: return 40;
    case EO_FLASH_FREQ_26M: return 26;
    case EO_FLASH_FREQ_20M: return 20;
    case EO_FLASH_FREQ_80M: return 80;
    default: return 0;
    }
}

const char *eo_flash_freq_name(uint8_t freq_code)
{
    switch (freq_code) {
    case EO_FLASH_FREQ_40M: return "40MHz";
    case EO_FLASH_FREQ_26M: return "26MHz";
    case EO_FLASH_FREQ_20M: return "20MHz";
    case EO_FLASH_FREQ_80M: return "80MHz";
    default: return NULL;
    }
}

/* ---- one v1 image --------------------------------------------------------------------- */

static enum eo_status parse_segments(const uint8_t *buf, size_t len, size_t pos,
                                     struct eo_image_header *out, struct eo_error *err)
{
    uint8_t checksum = EO_IMAGE_CHECKSUM_SEED;
    for (unsigned i = 0; i < out->segment_count; i++) {
        if (len - pos < EO_IMAGE_SEGMENT_HEADER_SIZE)
            return eo_error_set(err, EO_ERR_IMAGE,
                                "truncated: segment %u header at offset %zu is cut off", i, pos);
        struct eo_image_segment *segment = &out->segments[i];
        segment->address = read_le32(buf + pos);
        segment->length = read_le32(buf + pos + 4);
        pos += EO_IMAGE_SEGMENT_HEADER_SIZE;
        if (segment->length > len - pos)
            return eo_error_set(err, EO_ERR_IMAGE,
                                "segment %u length %u at offset %zu runs past the end of the "
                                "file (%zu bytes left)",
                                i, segment->length, pos, len - pos);
        segment->data_offset = (uint32_t)pos;
        for (uint32_t j = 0; j < segment->length; j++)
            checksum ^= buf[pos + j];
        pos += segment->length;
    }
    /* zero padding up to a multiple of 16, the checksum being the last byte */
    size_t end = (pos - out->offset + 16) / 16 * 16 + out->offset;
    if (end > len)
        return eo_error_set(err, EO_ERR_IMAGE, "truncated: checksum byte at offset %zu is missing",
                            end - 1);
    out->end = (uint32_t)end;
    out->checksum_stored = buf[end - 1];
    out->checksum_computed = checksum;
    return EO_OK;
}

enum eo_status eo_image_parse_header(const uint8_t *buf, size_t len, size_t offset,
                                     struct eo_image_header *out, struct eo_error *err)
{
    memset(out, 0, sizeof *out);
    if (offset >= len || len - offset < EO_IMAGE_HEADER_SIZE)
        return eo_error_set(err, EO_ERR_IMAGE, "truncated: no complete image header at offset %zu",
                            offset);
    const uint8_t *header = buf + offset;
    if (header[0] != EO_IMAGE_MAGIC)
        return eo_error_set(
            err, EO_ERR_IMAGE,
            "no image magic 0xE9 at offset %zu (found 0x%02X): not a firmware image", offset,
            header[0]);
    out->offset = (uint32_t)offset;
    out->segment_count = header[1];
    out->flash_mode = header[2];
    out->flash_size_code = header[3] >> 4;
    out->flash_freq_code = header[3] & 0x0F;
    out->entry = read_le32(header + 4);
    if (out->segment_count == 0 || out->segment_count > EO_IMAGE_MAX_SEGMENTS)
        return eo_error_set(err, EO_ERR_IMAGE, "absurd segment count %u at offset %zu (1 to %u)",
                            out->segment_count, offset, EO_IMAGE_MAX_SEGMENTS);
    return parse_segments(buf, len, offset + EO_IMAGE_HEADER_SIZE, out, err);
}

bool eo_image_checksum_ok(const struct eo_image_header *header)
{
    return header->checksum_stored == header->checksum_computed;
}

bool eo_image_is_gzip(const uint8_t *buf, size_t len)
{
    return len >= 2 && buf[0] == 0x1F && buf[1] == 0x8B;
}

bool eo_image_peek(const uint8_t *buf, size_t len, struct eo_image_peek *out)
{
    *out = (struct eo_image_peek){.gzip = eo_image_is_gzip(buf, len)};
    if (len < EO_IMAGE_PEEK_SIZE)
        return false;
    out->magic = buf[0] == EO_IMAGE_MAGIC;
    out->flash_mode = buf[2];
    out->flash_size_code = (uint8_t)(buf[3] >> 4);
    out->flash_freq_code = (uint8_t)(buf[3] & 0x0F);
    return true;
}

/* ---- app descriptor ------------------------------------------------------------------- */

enum desc_field_offsets {
    DESC_KIND = 8,
    DESC_FEATURES = 10,
    DESC_CRC = 12,
    DESC_APP = 16,
    DESC_VERSION = 32,
    DESC_ENVIRONMENT = 80,
    DESC_BOARD = 128,
    DESC_BUILD_DATE = 176,
};

uint16_t eo_kind_default_features(enum eo_image_kind kind)
{
    switch (kind) {
    case EO_KIND_FULL:
        return EO_FEATURE_WEB | EO_FEATURE_ESPOTA | EO_FEATURE_TELNET | EO_FEATURE_MDNS |
               EO_FEATURE_WEB_AUTH;
    case EO_KIND_CORE: return EO_FEATURE_ESPOTA | EO_FEATURE_TELNET | EO_FEATURE_MDNS;
    case EO_KIND_WEBUI: return EO_FEATURE_WEB;
    default: return 0;
    }
}

const char *eo_kind_name(uint8_t kind)
{
    switch (kind) {
    case EO_KIND_FULL: return "full";
    case EO_KIND_CORE: return "core";
    case EO_KIND_WEBUI: return "webui";
    default: return NULL;
    }
}

static uint32_t desc_crc(const uint8_t desc[EO_DESC_SIZE])
{
    static const uint8_t zeros[4];
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, desc, DESC_CRC);
    crc = crc32(crc, zeros, sizeof zeros);
    crc = crc32(crc, desc + DESC_CRC + 4, EO_DESC_SIZE - DESC_CRC - 4);
    return (uint32_t)crc;
}

static void put_string(uint8_t *out, size_t field_size, const char *value)
{
    size_t len = strnlen(value, field_size - 1);
    memcpy(out, value, len);
}

void eo_desc_encode(const struct eo_app_desc *desc, uint8_t out[EO_DESC_SIZE])
{
    memset(out, 0, EO_DESC_SIZE);
    memcpy(out, EO_DESC_MAGIC, EO_DESC_MAGIC_LEN);
    out[DESC_KIND] = desc->kind;
    out[DESC_FEATURES] = (uint8_t)(desc->features & 0xFF);
    out[DESC_FEATURES + 1] = (uint8_t)(desc->features >> 8);
    put_string(out + DESC_APP, sizeof desc->app, desc->app);
    put_string(out + DESC_VERSION, sizeof desc->version, desc->version);
    put_string(out + DESC_ENVIRONMENT, sizeof desc->environment, desc->environment);
    put_string(out + DESC_BOARD, sizeof desc->board, desc->board);
    put_string(out + DESC_BUILD_DATE, sizeof desc->build_date, desc->build_date);
    uint32_t crc = desc_crc(out);
    for (int i = 0; i < 4; i++)
        out[DESC_CRC + i] = (uint8_t)(crc >> (8 * i));
}

/* Copies a NUL-terminated, printable string field; false when it is not terminated or holds
 * control characters. */
static bool get_string(const uint8_t *in, size_t field_size, char *out)
{
    size_t len = strnlen((const char *)in, field_size);
    if (len == field_size)
        return false;
    for (size_t i = 0; i < len; i++)
        if (in[i] < 0x20 || in[i] == 0x7F)
            return false;
    memcpy(out, in, len + 1);
    return true;
}

enum eo_status eo_desc_decode(const uint8_t in[EO_DESC_SIZE], struct eo_app_desc *out,
                              struct eo_error *err)
{
    memset(out, 0, sizeof *out);
    if (memcmp(in, EO_DESC_MAGIC, EO_DESC_MAGIC_LEN) != 0)
        return eo_error_set(err, EO_ERR_IMAGE, "app descriptor: bad magic");
    if (read_le32(in + DESC_CRC) != desc_crc(in))
        return eo_error_set(err, EO_ERR_IMAGE, "app descriptor: CRC mismatch");
    out->kind = in[DESC_KIND];
    if (!eo_kind_name(out->kind))
        return eo_error_set(err, EO_ERR_IMAGE, "app descriptor: unknown kind %u", out->kind);
    out->features = (uint16_t)(in[DESC_FEATURES] | in[DESC_FEATURES + 1] << 8);
    if (!get_string(in + DESC_APP, sizeof out->app, out->app) ||
        !get_string(in + DESC_VERSION, sizeof out->version, out->version) ||
        !get_string(in + DESC_ENVIRONMENT, sizeof out->environment, out->environment) ||
        !get_string(in + DESC_BOARD, sizeof out->board, out->board) ||
        !get_string(in + DESC_BUILD_DATE, sizeof out->build_date, out->build_date))
        return eo_error_set(err, EO_ERR_IMAGE, "app descriptor: malformed string field");
    return EO_OK;
}

static bool find_in_segment(const uint8_t *buf, const struct eo_image_segment *segment,
                            struct eo_app_desc *out)
{
    if (segment->length < EO_DESC_SIZE)
        return false;
    uint32_t last = segment->data_offset + segment->length - EO_DESC_SIZE;
    uint32_t start = (segment->data_offset + 3u) & ~3u;
    for (uint32_t pos = start; pos <= last; pos += 4) {
        if (buf[pos] != (uint8_t)EO_DESC_MAGIC[0] ||
            memcmp(buf + pos, EO_DESC_MAGIC, EO_DESC_MAGIC_LEN) != 0)
            continue;
        if (eo_desc_decode(buf + pos, out, NULL) == EO_OK)
            return true;
    }
    return false;
}

bool eo_desc_find(const uint8_t *buf, size_t len, const struct eo_image_header *header,
                  struct eo_app_desc *out)
{
    (void)len; /* segments were bounds-checked against len by the parser */
    for (unsigned i = 0; i < header->segment_count; i++)
        if (find_in_segment(buf, &header->segments[i], out))
            return true;
    return false;
}

/* ---- whole image ---------------------------------------------------------------------- */

static bool is_arduino_layout(const uint8_t *buf, size_t len, const struct eo_image_header *boot)
{
    if (boot->end > EO_ARDUINO_APP_OFFSET || len <= EO_ARDUINO_APP_OFFSET)
        return false;
    for (size_t i = boot->end; i < EO_ARDUINO_APP_OFFSET; i++)
        if (buf[i] != EO_ARDUINO_PAD_BYTE)
            return false;
    return buf[EO_ARDUINO_APP_OFFSET] == EO_IMAGE_MAGIC;
}

static bool only_arduino_padding(const uint8_t *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (bytes[i] != EO_ARDUINO_PAD_BYTE)
            return false;
    return true;
}

static enum eo_status check_checksum(const struct eo_image_header *header, const char *what,
                                     struct eo_error *err)
{
    if (eo_image_checksum_ok(header))
        return EO_OK;
    return eo_error_set(err, EO_ERR_IMAGE,
                        "%s checksum is wrong (stored 0x%02X, computed 0x%02X): the file is "
                        "corrupt",
                        what, header->checksum_stored, header->checksum_computed);
}

enum eo_status eo_image_parse(const uint8_t *buf, size_t len, struct eo_image_layout *out,
                              struct eo_error *err)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return eo_error_set(err, EO_ERR_IMAGE, "empty: not a firmware image");
    enum eo_status status = eo_image_parse_header(buf, len, 0, &out->boot, err);
    if (status != EO_OK)
        return status;
    out->format = EO_IMAGE_FORMAT_PLAIN;
    out->app = out->boot;
    if (is_arduino_layout(buf, len, &out->boot)) {
        status = eo_image_parse_header(buf, len, EO_ARDUINO_APP_OFFSET, &out->app, err);
        if (status != EO_OK)
            return status;
        out->format = EO_IMAGE_FORMAT_ARDUINO;
    }
    status = check_checksum(
        &out->boot, out->format == EO_IMAGE_FORMAT_ARDUINO ? "bootloader image" : "image", err);
    if (status == EO_OK && out->format == EO_IMAGE_FORMAT_ARDUINO)
        status = check_checksum(&out->app, "application image", err);
    if (status != EO_OK)
        return status;
    out->trailing_bytes = (uint32_t)(len - out->app.end);
    if (out->format == EO_IMAGE_FORMAT_PLAIN && out->trailing_bytes > 0 &&
        only_arduino_padding(buf + out->app.end, out->trailing_bytes))
        return eo_error_set(err, EO_ERR_IMAGE,
                            "truncated: Arduino bootloader and padding but no application image "
                            "at 0x1000 (the file ends at %zu bytes)",
                            len);
    out->has_desc = eo_desc_find(buf, len, &out->app, &out->desc);
    return EO_OK;
}
