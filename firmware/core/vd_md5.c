/* vd_md5.c — small helpers: md5hex over the port's MD5 ops, the check value of flash records. */
#include "vd_ports.h"

void vd_md5_hex(const struct vd_md5 *md5, const void *data, size_t len, char hex[33])
{
    void *h = md5->begin();
    md5->update(h, data, len);
    md5->finish(h, hex);
}

uint32_t vd_check32(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}
