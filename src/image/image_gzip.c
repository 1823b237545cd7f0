/* image_gzip.c — compresses a plain or Arduino image once into the gzip image a dev-era device
 * (or its core image) takes, when only the compressed form fits beside the running image. The
 * result is loaded back through eo_image_load_buffer: its inner image is checked like a file's. */
#include "espurna-ota/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define GZIP_WINDOW_BITS (15 + 16) /* 32 KiB window, gzip wrapper */
#define GZIP_MEM_LEVEL 9

static const char *image_name(const struct eo_image *image)
{
    return image->path ? image->path : "image";
}

/* Deflates data into a new buffer; *out_len is its length. */
static enum eo_status deflate_gzip(const struct eo_image *image, uint8_t **out, size_t *out_len,
                                   struct eo_error *err)
{
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, GZIP_MEM_LEVEL,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: cannot start zlib", image_name(image));
    uLong cap = deflateBound(&stream, (uLong)image->size);
    uint8_t *buffer = malloc(cap);
    if (!buffer) {
        deflateEnd(&stream);
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: out of memory", image_name(image));
    }
    stream.next_in = image->data;
    stream.avail_in = (uInt)image->size;
    stream.next_out = buffer;
    stream.avail_out = (uInt)cap;
    int rc = deflate(&stream, Z_FINISH);
    *out_len = stream.total_out;
    deflateEnd(&stream);
    if (rc != Z_STREAM_END) {
        free(buffer);
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: gzip compression failed", image_name(image));
    }
    *out = buffer;
    return EO_OK;
}

/* An identity read from the source's file name would not survive a name that no longer
 * parses; the source's is what the bytes are. */
static void keep_identity(const struct eo_image *source, struct eo_image *out)
{
    if (source->identity_source != EO_IDENTITY_FILE_NAME)
        return;
    out->identity_source = EO_IDENTITY_FILE_NAME;
    snprintf(out->version, sizeof out->version, "%s", source->version);
    snprintf(out->environment, sizeof out->environment, "%s", source->environment);
    snprintf(out->board, sizeof out->board, "%s", source->board);
    snprintf(out->build_date, sizeof out->build_date, "%s", source->build_date);
    out->kind = source->kind;
    out->features = source->features;
}

enum eo_status eo_image_gzip(const struct eo_image *image, struct eo_image *out,
                             struct eo_error *err)
{
    memset(out, 0, sizeof *out);
    out->kind = EO_KIND_UNKNOWN;
    if (image->format == EO_IMAGE_FORMAT_GZIP)
        return eo_error_set(err, EO_ERR_IMAGE, "%s: already gzip", image_name(image));
    uint8_t *packed = NULL;
    size_t packed_len = 0;
    enum eo_status status = deflate_gzip(image, &packed, &packed_len, err);
    if (status != EO_OK)
        return status;
    char name[PATH_MAX + 4];
    snprintf(name, sizeof name, "%s.gz", image_name(image));
    status = eo_image_load_buffer(name, packed, packed_len, out, err);
    free(packed);
    if (status == EO_OK)
        keep_identity(image, out);
    return status;
}
