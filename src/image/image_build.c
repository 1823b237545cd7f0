/* image_build.c — writes esptool v1 images (header, segments, zero padding, checksum). Used by
 * the test-image tool and by tests that need good and broken images. */
#include "espurna-ota/image.h"

#include <string.h>

static void put_le32(uint8_t *p, uint32_t value)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(value >> (8 * i));
}

static size_t built_size(const struct eo_image_build_segment *segments, unsigned count)
{
    size_t size = EO_IMAGE_HEADER_SIZE;
    for (unsigned i = 0; i < count; i++)
        size += EO_IMAGE_SEGMENT_HEADER_SIZE + segments[i].length;
    return (size + 16) / 16 * 16;
}

size_t eo_image_build_v1(uint8_t flash_mode, uint8_t flash_size_code, uint8_t flash_freq_code,
                         uint32_t entry, const struct eo_image_build_segment *segments,
                         unsigned segment_count, uint8_t *out, size_t out_cap)
{
    size_t total = built_size(segments, segment_count);
    if (total > out_cap || segment_count > 255)
        return 0;
    memset(out, 0, total);
    out[0] = EO_IMAGE_MAGIC;
    out[1] = (uint8_t)segment_count;
    out[2] = flash_mode;
    out[3] = (uint8_t)(flash_size_code << 4 | (flash_freq_code & 0x0F));
    put_le32(out + 4, entry);
    size_t pos = EO_IMAGE_HEADER_SIZE;
    uint8_t checksum = EO_IMAGE_CHECKSUM_SEED;
    for (unsigned i = 0; i < segment_count; i++) {
        put_le32(out + pos, segments[i].address);
        put_le32(out + pos + 4, segments[i].length);
        pos += EO_IMAGE_SEGMENT_HEADER_SIZE;
        if (segments[i].length)
            memcpy(out + pos, segments[i].data, segments[i].length);
        for (uint32_t j = 0; j < segments[i].length; j++)
            checksum ^= segments[i].data[j];
        pos += segments[i].length;
    }
    out[total - 1] = checksum;
    return total;
}
