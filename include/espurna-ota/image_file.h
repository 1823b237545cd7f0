/* image_file.h — loading a firmware file from disk (host only): size limits, gzip (read through
 * zlib, so the inner header is checked too), MD5 / SHA-256 digests (OpenSSL), identity from the
 * app descriptor or else from the release file name. Used by `inspect` and by every command that
 * sends an image. */
#ifndef ESPURNA_OTA_IMAGE_FILE_H
#define ESPURNA_OTA_IMAGE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/image.h"
#include "espurna-ota/status.h"

enum eo_identity_source { EO_IDENTITY_NONE = 0, EO_IDENTITY_DESCRIPTOR, EO_IDENTITY_FILE_NAME };

struct eo_image {
    char *path;                    /* as given */
    uint8_t *data;                 /* the file's bytes, exactly as they will be sent */
    size_t size;                   /* file size in bytes */
    enum eo_image_format format;   /* PLAIN, ARDUINO or GZIP */
    struct eo_image_layout layout; /* of the uncompressed image (inner image for GZIP) */
    uint32_t uncompressed_size;    /* == size unless GZIP */
    char md5[33];                  /* lower-case hex of the file */
    char sha256[65];
    /* identity */
    enum eo_identity_source identity_source;
    char version[64];
    char environment[96];
    char board[48];
    char build_date[20];
    uint8_t kind;      /* enum eo_image_kind; EO_KIND_UNKNOWN when no identity */
    uint16_t features; /* from the descriptor, or the kind's defaults */
};

/* Loads and checks a file. Errors: EO_ERR_FILE (missing, directory, unreadable, empty, larger
 * than any flash), EO_ERR_IMAGE (not a firmware image, truncated, bad checksum, bad gzip).
 * Every message starts with the path. On error the image is left released. */
enum eo_status eo_image_load(const char *path, struct eo_image *image, struct eo_error *err);

/* Same checks on bytes already in memory (takes a copy); `name` is used for messages and for
 * file-name identity. */
enum eo_status eo_image_load_buffer(const char *name, const uint8_t *data, size_t size,
                                    struct eo_image *image, struct eo_error *err);

void eo_image_release(struct eo_image *image);

/* The flash configuration header of the image (the inner one for gzip). */
const struct eo_image_header *eo_image_flash_header(const struct eo_image *image);

/* Lower-case hex digests of a buffer (out must hold 33 / 65 bytes). */
void eo_md5_hex(const void *data, size_t len, char out[33]);
void eo_sha256_hex(const void *data, size_t len, char out[65]);

#endif
