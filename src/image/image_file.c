/* image_file.c — loads a firmware file for every command that reads one: refuses what cannot
 * be firmware before reading it all, unwraps gzip through zlib to check the inner image,
 * computes MD5 / SHA-256 with OpenSSL and settles the image's identity. */
#include "espurna-ota/image_file.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "espurna-ota/file_open.h"

static void digest_hex(const EVP_MD *md, const void *data, size_t len, char *out)
{
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int raw_len = 0;
    EVP_Digest(data, len, raw, &raw_len, md, NULL);
    for (unsigned i = 0; i < raw_len; i++)
        sprintf(out + 2 * i, "%02x", raw[i]);
    out[2 * raw_len] = '\0';
}

void eo_md5_hex(const void *data, size_t len, char out[33])
{
    digest_hex(EVP_md5(), data, len, out);
}

void eo_sha256_hex(const void *data, size_t len, char out[65])
{
    digest_hex(EVP_sha256(), data, len, out);
}

void eo_image_release(struct eo_image *image)
{
    free(image->path);
    free(image->data);
    memset(image, 0, sizeof *image);
    image->kind = EO_KIND_UNKNOWN;
}

const struct eo_image_header *eo_image_flash_header(const struct eo_image *image)
{
    return &image->layout.boot;
}

/* Inflates a gzip buffer into a new buffer of at most EO_IMAGE_MAX_FILE_SIZE bytes. */
static enum eo_status gunzip(const char *name, const uint8_t *data, size_t size, uint8_t **out,
                             size_t *out_len, struct eo_error *err)
{
    z_stream stream = {0};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: cannot start zlib", name);
    uint8_t *buffer = malloc(EO_IMAGE_MAX_FILE_SIZE);
    if (!buffer) {
        inflateEnd(&stream);
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: out of memory", name);
    }
    stream.next_in = (Bytef *)data;
    stream.avail_in = (uInt)size;
    stream.next_out = buffer;
    stream.avail_out = EO_IMAGE_MAX_FILE_SIZE;
    int rc = inflate(&stream, Z_FINISH);
    *out_len = stream.total_out;
    inflateEnd(&stream);
    if (rc != Z_STREAM_END) {
        free(buffer);
        if (rc == Z_BUF_ERROR && stream.avail_out == 0)
            return eo_error_set(err, EO_ERR_IMAGE,
                                "%s: gzip content is larger than any ESP8266 flash (16 MiB)", name);
        return eo_error_set(err, EO_ERR_IMAGE, "%s: gzip data is corrupt or truncated", name);
    }
    *out = buffer;
    return EO_OK;
}

static void identity_from_descriptor(struct eo_image *image)
{
    const struct eo_app_desc *desc = &image->layout.desc;
    image->identity_source = EO_IDENTITY_DESCRIPTOR;
    snprintf(image->version, sizeof image->version, "%s", desc->version);
    snprintf(image->environment, sizeof image->environment, "%s", desc->environment);
    snprintf(image->board, sizeof image->board, "%s", desc->board);
    snprintf(image->build_date, sizeof image->build_date, "%s", desc->build_date);
    image->kind = desc->kind;
    image->features = desc->features;
}

static void settle_identity(struct eo_image *image)
{
    struct eo_release_name release;
    image->kind = EO_KIND_UNKNOWN;
    if (image->layout.has_desc) {
        identity_from_descriptor(image);
    } else if (eo_release_name_parse(image->path, &release)) {
        image->identity_source = EO_IDENTITY_FILE_NAME;
        snprintf(image->version, sizeof image->version, "%s", release.version);
        snprintf(image->environment, sizeof image->environment, "%s", release.environment);
        image->kind = release.kind;
        image->features = eo_kind_default_features(release.kind);
    }
}

/* Parses the (possibly gzip-wrapped) bytes already in image->data. */
static enum eo_status parse_loaded(struct eo_image *image, struct eo_error *err)
{
    const char *name = image->path;
    struct eo_error inner;
    enum eo_status status;
    if (eo_image_is_gzip(image->data, image->size)) {
        uint8_t *plain = NULL;
        size_t plain_len = 0;
        status = gunzip(name, image->data, image->size, &plain, &plain_len, err);
        if (status != EO_OK)
            return status;
        status = eo_image_parse(plain, plain_len, &image->layout, &inner);
        free(plain);
        image->format = EO_IMAGE_FORMAT_GZIP;
        image->uncompressed_size = (uint32_t)plain_len;
        if (status != EO_OK)
            return eo_error_set(err, status, "%s: inside gzip: %s", name, inner.message);
    } else {
        status = eo_image_parse(image->data, image->size, &image->layout, &inner);
        if (status != EO_OK)
            return eo_error_set(err, status, "%s: %s", name, inner.message);
        image->format = image->layout.format;
        image->uncompressed_size = (uint32_t)image->size;
    }
    eo_md5_hex(image->data, image->size, image->md5);
    eo_sha256_hex(image->data, image->size, image->sha256);
    settle_identity(image);
    return EO_OK;
}

enum eo_status eo_image_load_buffer(const char *name, const uint8_t *data, size_t size,
                                    struct eo_image *image, struct eo_error *err)
{
    memset(image, 0, sizeof *image);
    if (size == 0)
        return eo_error_set(err, EO_ERR_FILE, "%s: file is empty", name);
    if (size > EO_IMAGE_MAX_FILE_SIZE)
        return eo_error_set(err, EO_ERR_FILE,
                            "%s: %zu bytes is larger than any ESP8266 flash (16 MiB): not a "
                            "firmware image",
                            name, size);
    image->path = strdup(name);
    image->data = malloc(size);
    if (!image->path || !image->data) {
        eo_image_release(image);
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: out of memory", name);
    }
    memcpy(image->data, data, size);
    image->size = size;
    enum eo_status status = parse_loaded(image, err);
    if (status != EO_OK)
        eo_image_release(image);
    return status;
}

/* Reads the whole regular file at `path` (size already checked) into a new buffer. */
static enum eo_status read_all(const char *path, int fd, size_t size, uint8_t **out,
                               struct eo_error *err)
{
    uint8_t *buffer = malloc(size);
    if (!buffer)
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: out of memory", path);
    if (!eo_file_read_exactly(fd, buffer, size)) {
        int error = errno;
        free(buffer);
        return eo_error_set(err, EO_ERR_FILE, "%s: read failed: %s", path,
                            error ? strerror(error) : "file shrank while reading");
    }
    *out = buffer;
    return EO_OK;
}

static enum eo_status open_checked(const char *path, int *fd_out, size_t *size_out,
                                   struct eo_error *err)
{
    int fd;
    size_t size;
    enum eo_status status = eo_file_open_regular(NULL, path, &fd, &size, err);
    if (status != EO_OK)
        return status;
    if (size == 0 || size > EO_IMAGE_MAX_FILE_SIZE) {
        close(fd);
        if (size == 0)
            return eo_error_set(err, EO_ERR_FILE, "%s: file is empty", path);
        return eo_error_set(err, EO_ERR_FILE,
                            "%s: %zu bytes is larger than any ESP8266 flash (16 MiB): not a "
                            "firmware image",
                            path, size);
    }
    *fd_out = fd;
    *size_out = size;
    return EO_OK;
}

enum eo_status eo_image_load(const char *path, struct eo_image *image, struct eo_error *err)
{
    int fd = -1;
    size_t size = 0;
    memset(image, 0, sizeof *image);
    enum eo_status status = open_checked(path, &fd, &size, err);
    if (status != EO_OK)
        return status;
    status = read_all(path, fd, size, &image->data, err);
    close(fd);
    if (status != EO_OK)
        return status;
    image->size = size;
    image->path = strdup(path);
    if (!image->path) {
        eo_image_release(image);
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: out of memory", path);
    }
    status = parse_loaded(image, err);
    if (status != EO_OK)
        eo_image_release(image);
    return status;
}
