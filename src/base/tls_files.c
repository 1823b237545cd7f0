/* tls_files.c — checks a --pin value and the files behind a pin or a CA bundle up front, with
 * OpenSSL reading them the way libcurl will (see tls_files.h). */
#include "espurna-ota/tls_files.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "espurna-ota/file_open.h"

#define PIN_PREFIX "sha256//"
#define PIN_PREFIX_LEN 8
#define PIN_BASE64_LEN 44            /* base64 of a 32-byte SHA-256, with one '=' */
#define PIN_FILE_MAX (1024u * 1024u) /* libcurl's limit for a pinned key file */

static const char pin_file_what[] = "pinned public key file";
static const char ca_file_what[] = "CA file";

bool eo_tls_pin_is_hashes(const char *pin)
{
    return strncmp(pin, PIN_PREFIX, PIN_PREFIX_LEN) == 0;
}

static bool is_base64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* One "sha256//BASE64" entry of `len` characters. */
static bool pin_entry_valid(const char *entry, size_t len)
{
    if (len != PIN_PREFIX_LEN + PIN_BASE64_LEN || !eo_tls_pin_is_hashes(entry))
        return false;
    const char *hash = entry + PIN_PREFIX_LEN;
    for (size_t i = 0; i < PIN_BASE64_LEN - 1; i++)
        if (!is_base64_char(hash[i]))
            return false;
    return hash[PIN_BASE64_LEN - 1] == '=';
}

bool eo_tls_pin_hashes_valid(const char *pin)
{
    for (;;) {
        size_t len = strcspn(pin, ";");
        if (!pin_entry_valid(pin, len))
            return false;
        if (pin[len] == '\0')
            return true;
        pin += len + 1;
    }
}

/* Reads a whole small regular file (at most PIN_FILE_MAX bytes) into a new buffer. */
static enum eo_status read_small(const char *what, const char *path, unsigned char **out,
                                 size_t *out_len, struct eo_error *err)
{
    int fd;
    size_t size;
    enum eo_status status = eo_file_open_regular(what, path, &fd, &size, err);
    if (status != EO_OK)
        return status;
    if (size == 0 || size > PIN_FILE_MAX) {
        close(fd);
        return eo_error_set(err, EO_ERR_FILE, "%s %s: %s", what, path,
                            size ? "larger than 1 MiB: not a public key" : "file is empty");
    }
    unsigned char *buffer = malloc(size);
    bool read_ok = buffer && eo_file_read_exactly(fd, buffer, size);
    int saved = errno;
    close(fd);
    if (!buffer)
        return eo_error_set(err, EO_ERR_INTERNAL, "%s %s: out of memory", what, path);
    if (!read_ok) {
        free(buffer);
        return eo_error_set(err, EO_ERR_FILE, "%s %s: read failed: %s", what, path,
                            saved ? strerror(saved) : "it shrank while reading");
    }
    *out = buffer;
    *out_len = size;
    return EO_OK;
}

/* A PEM "PUBLIC KEY" block, or else DER SubjectPublicKeyInfo filling the whole file. */
static bool holds_public_key(const unsigned char *data, size_t len)
{
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!key) {
        const unsigned char *p = data;
        key = d2i_PUBKEY(NULL, &p, (long)len);
        if (key && p != data + len) {
            EVP_PKEY_free(key);
            key = NULL;
        }
    }
    bool found = key != NULL;
    EVP_PKEY_free(key);
    ERR_clear_error(); /* the failed PEM attempt must not show up in libcurl's TLS errors */
    return found;
}

enum eo_status eo_tls_check_pin_file(const char *path, struct eo_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    enum eo_status status = read_small(pin_file_what, path, &data, &len, err);
    if (status != EO_OK)
        return status;
    if (!holds_public_key(data, len))
        status = eo_error_set(err, EO_ERR_INPUT,
                              "%s %s holds no PEM (\"PUBLIC KEY\") or DER "
                              "public key",
                              pin_file_what, path);
    free(data);
    return status;
}

enum eo_status eo_tls_check_ca_file(const char *path, struct eo_error *err)
{
    int fd;
    size_t size;
    enum eo_status status = eo_file_open_regular(ca_file_what, path, &fd, &size, err);
    if (status != EO_OK)
        return status;
    BIO *bio = BIO_new_fd(fd, BIO_CLOSE);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (!bio)
        close(fd);
    BIO_free(bio);
    ERR_clear_error();
    if (!cert)
        return eo_error_set(err, EO_ERR_INPUT, "%s %s holds no PEM certificate", ca_file_what,
                            path);
    X509_free(cert);
    return EO_OK;
}
