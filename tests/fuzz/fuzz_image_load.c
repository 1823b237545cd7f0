/* fuzz_image_load.c — libFuzzer target for loading a firmware file from memory
 * (eo_image_load_buffer, image_file.h): size limits, gzip images inflated through zlib with their
 * inner image checked, digests, and the identity taken from the descriptor or the file name. */
#include "espurna-ota/image_file.h"

#include "fuzz_input.h"

static void check_image(const struct eo_image *image, size_t size)
{
    FUZZ_CHECK(image->size == size);
    FUZZ_CHECK(image->format == EO_IMAGE_FORMAT_PLAIN || image->format == EO_IMAGE_FORMAT_ARDUINO ||
               image->format == EO_IMAGE_FORMAT_GZIP);
    FUZZ_CHECK(image->format == EO_IMAGE_FORMAT_GZIP || image->uncompressed_size == size);
    FUZZ_CHECK(image->layout.app.end <= image->uncompressed_size);
    FUZZ_CHECK(strlen(image->md5) == 32 && strlen(image->sha256) == 64);
    FUZZ_CHECK(FUZZ_TERMINATED(image->version) && FUZZ_TERMINATED(image->environment));
    FUZZ_CHECK(FUZZ_TERMINATED(image->board) && FUZZ_TERMINATED(image->build_date));
    FUZZ_CHECK(eo_image_flash_header(image) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eo_image image;
    struct eo_error err;
    /* a release name, so that an image without a descriptor takes its identity from it */
    if (eo_image_load_buffer("espurna-1.15.0-itead-sonoff-basic.bin", data, size, &image, &err) !=
        EO_OK) {
        FUZZ_CHECK(image.data == NULL && image.path == NULL);
        return 0;
    }
    check_image(&image, size);
    eo_image_release(&image);
    return 0;
}
