/* vd_md5.c — small helpers over the port's MD5 ops. */
#include "vd_ports.h"

void vd_md5_hex(const struct vd_md5 *md5, const void *data, size_t len, char hex[33])
{
    void *h = md5->begin();
    md5->update(h, data, len);
    md5->finish(h, hex);
}
