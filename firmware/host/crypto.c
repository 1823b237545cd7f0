/* crypto.c — MD5 (OpenSSL EVP) behind the core's vd_md5 ops, and random bytes for nonces. */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "vdh.h"

static void *md5_begin(void)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_md5(), NULL))
        abort(); /* out of memory: nothing sensible to do in a test device */
    return ctx;
}

static void md5_update(void *handle, const void *data, size_t len)
{
    EVP_DigestUpdate(handle, data, len);
}

static void md5_finish(void *handle, char hex[33])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(handle, digest, &n);
    EVP_MD_CTX_free(handle);
    for (unsigned i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

const struct vd_md5 vdh_md5 = {md5_begin, md5_update, md5_finish};

void vdh_random(void *buf, size_t len)
{
    if (RAND_bytes(buf, (int)len) != 1 && getrandom(buf, len, 0) != (ssize_t)len)
        abort();
}
