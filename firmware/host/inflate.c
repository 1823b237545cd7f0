/* inflate.c — gzip inflation (zlib) behind the core's vd_inflate ops: what eboot's uzlib does
 * when it copies a gzip update to offset 0. */
#include <stdlib.h>
#include <zlib.h>

#include "vdh.h"

static void *inflate_begin(void)
{
    z_stream *z = calloc(1, sizeof *z);
    if (z && inflateInit2(z, 16 + MAX_WBITS) != Z_OK) { /* 16: gzip wrapper only */
        free(z);
        return NULL;
    }
    return z;
}

static enum vd_inflate_status inflate_run(void *handle, const uint8_t *in, size_t in_len,
                                          size_t *in_used, uint8_t *out, size_t out_cap,
                                          size_t *out_len)
{
    z_stream *z = handle;
    z->next_in = (Bytef *)in;
    z->avail_in = (uInt)in_len;
    z->next_out = out;
    z->avail_out = (uInt)out_cap;
    int rc = inflate(z, Z_NO_FLUSH);
    *in_used = in_len - z->avail_in;
    *out_len = out_cap - z->avail_out;
    if (rc == Z_STREAM_END)
        return VD_INFLATE_END;
    return rc == Z_OK || rc == Z_BUF_ERROR ? VD_INFLATE_MORE : VD_INFLATE_ERROR;
}

static void inflate_end_handle(void *handle)
{
    inflateEnd(handle);
    free(handle);
}

const struct vd_inflate vdh_inflate = {inflate_begin, inflate_run, inflate_end_handle};
