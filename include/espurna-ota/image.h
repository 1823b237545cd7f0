/* image.h — the one module that understands ESP8266 firmware images: the esptool v1 header
 * and segments, the Arduino layout (bootloader + application at 0x1000), gzip wrapping, the
 * espurna-ota app descriptor, ESPurna release file names, and building test images.
 *
 * Nothing else in the host tool, the virtual device or the test-image tool reads a header byte.
 * Everything declared here works on memory buffers and is portable C (no files, no sockets);
 * loading a file, gunzip and digests live in image_file.h (host only). */
#ifndef ESPURNA_OTA_IMAGE_H
#define ESPURNA_OTA_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/status.h"

#define EO_SECTOR_SIZE 4096u
#define EO_IMAGE_MAGIC 0xE9u
#define EO_IMAGE_HEADER_SIZE 8u
#define EO_IMAGE_SEGMENT_HEADER_SIZE 8u
#define EO_IMAGE_MAX_SEGMENTS 16u /* esptool's limit; more is "absurd" */
#define EO_IMAGE_CHECKSUM_SEED 0xEFu
#define EO_ARDUINO_APP_OFFSET 0x1000u /* application image offset in an Arduino .bin */
#define EO_ARDUINO_PAD_BYTE 0xAAu
#define EO_IMAGE_MAX_FILE_SIZE (16u * 1024u * 1024u) /* largest ESP8266 flash */

enum eo_image_format {
    EO_IMAGE_FORMAT_UNKNOWN = 0, /* not a firmware image */
    EO_IMAGE_FORMAT_PLAIN,       /* one esptool v1 image */
    EO_IMAGE_FORMAT_ARDUINO,     /* bootloader image padded to 0x1000, application image there */
    EO_IMAGE_FORMAT_GZIP,        /* gzip of a PLAIN or ARDUINO image */
};

enum eo_flash_mode {
    EO_FLASH_MODE_QIO = 0,
    EO_FLASH_MODE_QOUT,
    EO_FLASH_MODE_DIO,
    EO_FLASH_MODE_DOUT
};

/* Header byte 3 high nibble. Values are the codes in the header. */
enum eo_flash_size_code {
    EO_FLASH_SIZE_512K = 0x0,
    EO_FLASH_SIZE_256K = 0x1,
    EO_FLASH_SIZE_1M = 0x2,
    EO_FLASH_SIZE_2M = 0x3,
    EO_FLASH_SIZE_4M = 0x4,
    EO_FLASH_SIZE_2M_C1 = 0x5,
    EO_FLASH_SIZE_4M_C1 = 0x6,
    EO_FLASH_SIZE_8M = 0x8,
    EO_FLASH_SIZE_16M = 0x9,
};

/* Header byte 3 low nibble. */
enum eo_flash_freq_code {
    EO_FLASH_FREQ_40M = 0x0,
    EO_FLASH_FREQ_26M = 0x1,
    EO_FLASH_FREQ_20M = 0x2,
    EO_FLASH_FREQ_80M = 0xF,
};

struct eo_image_segment {
    uint32_t address;     /* load address */
    uint32_t length;      /* data length */
    uint32_t data_offset; /* where the data starts, relative to the buffer given to the parser */
};

/* One esptool v1 image, as parsed from a buffer. */
struct eo_image_header {
    uint32_t offset; /* where this image starts in the buffer */
    uint8_t segment_count;
    uint8_t flash_mode; /* enum eo_flash_mode (values > 3 are reported, not trusted) */
    uint8_t flash_size_code;
    uint8_t flash_freq_code;
    uint32_t entry;
    struct eo_image_segment segments[EO_IMAGE_MAX_SEGMENTS];
    uint32_t end; /* offset just past the checksum byte (16-byte padded) */
    uint8_t checksum_stored;
    uint8_t checksum_computed;
};

bool eo_image_checksum_ok(const struct eo_image_header *header);

/* Parses one v1 image starting at `offset` of buf. Errors (EO_ERR_IMAGE): no magic, truncated
 * header or segment, segment past the end, absurd segment count. A bad checksum is NOT an
 * error here (see eo_image_checksum_ok) so that inspect can report it. */
enum eo_status eo_image_parse_header(const uint8_t *buf, size_t len, size_t offset,
                                     struct eo_image_header *out, struct eo_error *err);

/* Flash size in bytes for a size code, or 0 when the code is unknown. */
uint32_t eo_flash_size_bytes(uint8_t size_code);
/* Size code for a flash size in bytes (the plain, non-c1 code), or -1 when none. */
int eo_flash_size_code_for(uint32_t bytes);
/* Names for display and JSON: "1MB", "DIO", "40MHz"; "unknown(0x7)" style text for bad codes
 * is produced by the output layer, these return NULL for unknown codes. */
const char *eo_flash_size_name(uint8_t size_code);
const char *eo_flash_mode_name(uint8_t mode);
const char *eo_flash_freq_name(uint8_t freq_code);
/* Frequency in MHz for a code (40, 26, 20, 80), or 0 when unknown. */
unsigned eo_flash_freq_mhz(uint8_t freq_code);

/* ---- app descriptor -------------------------------------------------------------------
 * A 256-byte record that an image embeds, 4-byte aligned, inside the segment data of its
 * (application) image, so that a tool or a device can tell what the image is without trusting
 * its file name. Layout (all integers little-endian, strings NUL-padded, NUL-terminated):
 *   0   8  magic "EOAPPD01" (the last two characters are the format version)
 *   8   1  kind: 0 full, 1 core (minimal-arduino-ota / espurna-core), 2 webui (minimal-webui)
 *   9   1  reserved, 0
 *  10   2  features: bit0 web upgrade, bit1 espota, bit2 telnet terminal, bit3 mDNS,
 *          bit4 web needs auth
 *  12   4  CRC-32 (IEEE, as zlib's crc32) of the 256 bytes with these 4 bytes zero
 *  16  16  app name, e.g. "ESPURNA"
 *  32  48  version, e.g. "1.15.0-dev.gitb409dc27+github230330"
 *  80  48  build environment, e.g. "espurna-core-1MB", "itead-sonoff-basic"
 * 128  48  board (target_board), e.g. "ITEAD_SONOFF_BASIC", "ESPURNA_CORE"
 * 176  20  build date "YYYY-MM-DD HH:MM:SS"
 * 196  60  reserved, 0
 */
#define EO_DESC_SIZE 256u
#define EO_DESC_MAGIC "EOAPPD01"
#define EO_DESC_MAGIC_LEN 8u

enum eo_image_kind { EO_KIND_FULL = 0, EO_KIND_CORE = 1, EO_KIND_WEBUI = 2, EO_KIND_UNKNOWN = 255 };

enum eo_feature {
    EO_FEATURE_WEB = 1u << 0,
    EO_FEATURE_ESPOTA = 1u << 1,
    EO_FEATURE_TELNET = 1u << 2,
    EO_FEATURE_MDNS = 1u << 3,
    EO_FEATURE_WEB_AUTH = 1u << 4,
};

struct eo_app_desc {
    uint8_t kind;      /* enum eo_image_kind */
    uint16_t features; /* enum eo_feature bits */
    char app[16];
    char version[48];
    char environment[48];
    char board[48];
    char build_date[20];
};

/* The features a real build of each kind has (full: all + web auth; core: espota, telnet,
 * mDNS; webui: web without auth). */
uint16_t eo_kind_default_features(enum eo_image_kind kind);
const char *eo_kind_name(uint8_t kind); /* "full", "core", "webui", NULL when unknown */

/* Serialises desc into exactly EO_DESC_SIZE bytes (computes the CRC). */
void eo_desc_encode(const struct eo_app_desc *desc, uint8_t out[EO_DESC_SIZE]);
/* Decodes one descriptor; EO_ERR_IMAGE on bad magic, CRC, kind or unterminated string. */
enum eo_status eo_desc_decode(const uint8_t in[EO_DESC_SIZE], struct eo_app_desc *out,
                              struct eo_error *err);
/* Looks for a valid descriptor in the segment data of `header` (4-byte aligned positions).
 * Returns true and fills out when found. */
bool eo_desc_find(const uint8_t *buf, size_t len, const struct eo_image_header *header,
                  struct eo_app_desc *out);

/* ---- whole image ---------------------------------------------------------------------- */

/* What an uncompressed image buffer is: its format, the header that carries the flash
 * configuration (offset 0), the application image (== boot for PLAIN), descriptor. */
struct eo_image_layout {
    enum eo_image_format format; /* PLAIN or ARDUINO (never GZIP here) */
    struct eo_image_header boot; /* image at offset 0; its byte 2/3 are the flash config */
    struct eo_image_header app;  /* application image (same as boot for PLAIN) */
    uint32_t trailing_bytes;     /* bytes after the application image's end */
    bool has_desc;
    struct eo_app_desc desc;
};

/* Parses an uncompressed image buffer. EO_ERR_IMAGE with a clear message when it is not one.
 * An Arduino layout is recognised when the bootloader image ends at or before 0x1000, the
 * bytes up to 0x1000 are 0xAA padding, and a valid v1 image starts at 0x1000. */
enum eo_status eo_image_parse(const uint8_t *buf, size_t len, struct eo_image_layout *out,
                              struct eo_error *err);

/* Quick check for gzip magic (1f 8b). */
bool eo_image_is_gzip(const uint8_t *buf, size_t len);

/* What the first 4 bytes of an image say, before the rest has arrived (a device's Updater
 * looks at no more): gzip magic, the esptool magic byte, and the flash configuration codes
 * (bytes 2 and 3; meaningful only when magic is true). */
#define EO_IMAGE_PEEK_SIZE 4u
struct eo_image_peek {
    bool gzip;               /* starts with 1f 8b (decided from 2 bytes) */
    bool magic;              /* byte 0 is EO_IMAGE_MAGIC */
    uint8_t flash_mode;      /* byte 2: enum eo_flash_mode */
    uint8_t flash_size_code; /* byte 3 high nibble: enum eo_flash_size_code */
    uint8_t flash_freq_code; /* byte 3 low nibble: enum eo_flash_freq_code */
};
/* Fills out from the start of buf. Returns false when fewer than EO_IMAGE_PEEK_SIZE bytes
 * are there: then only gzip may be set, everything else is 0/false. */
bool eo_image_peek(const uint8_t *buf, size_t len, struct eo_image_peek *out);

/* ---- release file names --------------------------------------------------------------- */

/* "espurna-<version>-<environment>.bin[.gz]" → version, environment. The version is
 * MAJOR.MINOR.PATCH optionally followed by "-<pre>" where <pre> has no '-' and starts with
 * dev/rc/alpha/beta/pre/git or contains '.' or '+'. Directory parts are ignored.
 * kind is CORE when the environment names a core/minimal-arduino-ota build, WEBUI for
 * minimal-webui, FULL otherwise. Returns false when the name does not follow the pattern. */
struct eo_release_name {
    char version[64];
    char environment[96];
    uint8_t kind;        /* enum eo_image_kind */
    uint32_t flash_size; /* bytes, from a "-1MB"/"-1m"/"-4m" suffix, or 0 when not named */
};
bool eo_release_name_parse(const char *path, struct eo_release_name *out);

/* ---- building images (test-image tool, tests) ----------------------------------------- */

struct eo_image_build_segment {
    uint32_t address;
    const uint8_t *data;
    uint32_t length;
};

/* Writes one v1 image (header, segments, zero padding to 16 with the checksum last) into out.
 * Returns the number of bytes written, or 0 when out_cap is too small. */
size_t eo_image_build_v1(uint8_t flash_mode, uint8_t flash_size_code, uint8_t flash_freq_code,
                         uint32_t entry, const struct eo_image_build_segment *segments,
                         unsigned segment_count, uint8_t *out, size_t out_cap);

#endif
