/* fuzz_image.c — libFuzzer target for the image module's parsers of an uncompressed firmware
 * buffer (image.h): the 4-byte peek a device's Updater makes, one esptool v1 header with its
 * segments, the whole layout (plain or Arduino) with the app descriptor search, and the
 * descriptor decoder on its own. What a successful parse returns must lie inside the buffer. */
#include "espurna-ota/image.h"

#include "fuzz_input.h"

static void check_header(const struct eo_image_header *header, size_t size)
{
    FUZZ_CHECK(header->segment_count <= EO_IMAGE_MAX_SEGMENTS);
    FUZZ_CHECK(header->end <= size);
    for (unsigned i = 0; i < header->segment_count; i++) {
        const struct eo_image_segment *segment = &header->segments[i];
        FUZZ_CHECK(segment->data_offset <= size);
        FUZZ_CHECK(segment->length <= size - segment->data_offset);
    }
}

static void check_desc(const struct eo_app_desc *desc)
{
    FUZZ_CHECK(FUZZ_TERMINATED(desc->app));
    FUZZ_CHECK(FUZZ_TERMINATED(desc->version));
    FUZZ_CHECK(FUZZ_TERMINATED(desc->environment));
    FUZZ_CHECK(FUZZ_TERMINATED(desc->board));
    FUZZ_CHECK(FUZZ_TERMINATED(desc->build_date));
    FUZZ_CHECK(eo_kind_name(desc->kind) != NULL);
}

static void fuzz_header(const uint8_t *data, size_t size)
{
    struct eo_image_header header;
    struct eo_app_desc desc;
    struct eo_error err;
    if (eo_image_parse_header(data, size, 0, &header, &err) != EO_OK)
        return;
    check_header(&header, size);
    (void)eo_image_checksum_ok(&header);
    if (eo_desc_find(data, size, &header, &desc))
        check_desc(&desc);
}

static void fuzz_layout(const uint8_t *data, size_t size)
{
    struct eo_image_layout layout;
    struct eo_error err;
    if (eo_image_parse(data, size, &layout, &err) != EO_OK) {
        FUZZ_CHECK(FUZZ_TERMINATED(err.message));
        return;
    }
    FUZZ_CHECK(layout.format == EO_IMAGE_FORMAT_PLAIN || layout.format == EO_IMAGE_FORMAT_ARDUINO);
    check_header(&layout.boot, size);
    check_header(&layout.app, size);
    FUZZ_CHECK((uint64_t)layout.app.end + layout.trailing_bytes == size);
    if (layout.has_desc)
        check_desc(&layout.desc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eo_image_peek peek;
    struct eo_app_desc desc;
    struct eo_error err;
    (void)eo_image_peek(data, size, &peek);
    (void)eo_image_is_gzip(data, size);
    fuzz_header(data, size);
    fuzz_layout(data, size);
    if (size >= EO_DESC_SIZE && eo_desc_decode(data, &desc, &err) == EO_OK)
        check_desc(&desc);
    return 0;
}
