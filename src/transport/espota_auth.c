/* espota_auth.c — the answers to an espota AUTH challenge, through OpenSSL's EVP interface.
 *
 * MD5 scheme (ESP8266 ArduinoOTA, ESP32 cores up to 3.3.0; nonce = 32 hex characters):
 *   cnonce   = md5hex(file_name + decimal(size) + md5hex(file) + device_address)
 *   response = md5hex(md5hex(password) + ":" + nonce + ":" + cnonce)
 * The device never recomputes cnonce (any 32 hex characters would do); we derive it the way the
 * reference host does.
 *
 * PBKDF2 scheme (ESP32 Arduino core 3.3.1 and later; nonce = 64 hex characters), as upstream
 * espota.py computes it for a device that stores sha256hex(password):
 *   cnonce   = sha256hex(file_name + decimal(size) + md5hex(file) + device_address)
 *   salt     = nonce + ":" + cnonce
 *   key      = hex(PBKDF2-HMAC-SHA256(password = sha256hex(password), salt, 10000 iterations,
 *                                     32 bytes))
 *   response = sha256hex(key + ":" + nonce + ":" + cnonce)
 * All hex is lower case. Both schemes are sent as "200 <cnonce> <response>\n". */
#include "espurna-ota/espota.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#define PBKDF2_ITERATIONS 10000
#define PBKDF2_KEY_BYTES 32

static void to_hex(const unsigned char *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xF];
    }
    out[2 * len] = '\0';
}

/* hex digest of the concatenation of up to 5 strings (NULL-terminated list). */
static bool digest_hex(const EVP_MD *md, const char *const *parts, char out[EO_ESPOTA_AUTH_HEX_MAX])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1;
    for (size_t i = 0; ok && parts[i]; i++)
        ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx, digest, &digest_len) == 1 &&
         digest_len * 2 < EO_ESPOTA_AUTH_HEX_MAX;
    EVP_MD_CTX_free(ctx);
    if (ok)
        to_hex(digest, digest_len, out);
    return ok;
}

enum eo_espota_auth_scheme eo_espota_auth_scheme_for(const char *nonce)
{
    size_t len = nonce ? strlen(nonce) : 0;
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)nonce[i]))
            return EO_ESPOTA_AUTH_NONE;
    if (len == 32)
        return EO_ESPOTA_AUTH_MD5;
    if (len == 64)
        return EO_ESPOTA_AUTH_PBKDF2;
    return EO_ESPOTA_AUTH_NONE;
}

static bool md5_response(const char *password, const char *nonce, const char *cnonce,
                         char response[EO_ESPOTA_AUTH_HEX_MAX])
{
    char password_md5[EO_ESPOTA_AUTH_HEX_MAX];
    const char *pass_parts[] = {password, NULL};
    if (!digest_hex(EVP_md5(), pass_parts, password_md5))
        return false;
    const char *parts[] = {password_md5, ":", nonce, ":", cnonce, NULL};
    return digest_hex(EVP_md5(), parts, response);
}

static bool pbkdf2_response(const char *password, const char *nonce, const char *cnonce,
                            char response[EO_ESPOTA_AUTH_HEX_MAX])
{
    char password_sha[EO_ESPOTA_AUTH_HEX_MAX], salt[2 * EO_ESPOTA_AUTH_HEX_MAX + 2];
    char key_hex[2 * PBKDF2_KEY_BYTES + 1];
    unsigned char key[PBKDF2_KEY_BYTES];
    const char *pass_parts[] = {password, NULL};
    if (!digest_hex(EVP_sha256(), pass_parts, password_sha))
        return false;
    snprintf(salt, sizeof salt, "%s:%s", nonce, cnonce);
    if (PKCS5_PBKDF2_HMAC(password_sha, (int)strlen(password_sha), (const unsigned char *)salt,
                          (int)strlen(salt), PBKDF2_ITERATIONS, EVP_sha256(), sizeof key, key) != 1)
        return false;
    to_hex(key, sizeof key, key_hex);
    const char *parts[] = {key_hex, ":", nonce, ":", cnonce, NULL};
    return digest_hex(EVP_sha256(), parts, response);
}

enum eo_status eo_espota_auth_compute(const char *password, const char *nonce,
                                      const char *file_name, uint64_t size, const char *file_md5,
                                      const char *device_address,
                                      char cnonce[EO_ESPOTA_AUTH_HEX_MAX],
                                      char response[EO_ESPOTA_AUTH_HEX_MAX], struct eo_error *err)
{
    enum eo_espota_auth_scheme scheme = eo_espota_auth_scheme_for(nonce);
    if (scheme == EO_ESPOTA_AUTH_NONE)
        return eo_error_set(err, EO_ERR_REFUSED,
                            "the device sent a malformed challenge "
                            "(nonce of %zu characters); is it an ArduinoOTA device?",
                            nonce ? strlen(nonce) : 0);
    char size_text[24];
    snprintf(size_text, sizeof size_text, "%llu", (unsigned long long)size);
    const char *cnonce_parts[] = {file_name, size_text, file_md5, device_address, NULL};
    const EVP_MD *md = scheme == EO_ESPOTA_AUTH_MD5 ? EVP_md5() : EVP_sha256();
    bool ok = digest_hex(md, cnonce_parts, cnonce);
    if (ok && scheme == EO_ESPOTA_AUTH_MD5)
        ok = md5_response(password ? password : "", nonce, cnonce, response);
    else if (ok)
        ok = pbkdf2_response(password ? password : "", nonce, cnonce, response);
    if (!ok)
        return eo_error_set(err, EO_ERR_INTERNAL,
                            "cannot compute the espota challenge response "
                            "(OpenSSL digest failed)");
    return EO_OK;
}
