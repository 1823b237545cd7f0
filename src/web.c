/* web.c — the web method: the pure reply classifier and /discover parser, and the libcurl code
 * that reads GET /discover and POSTs the image to /upgrade. */
#include "espurna-ota/web.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "espurna-ota/image.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_STALL_TIMEOUT_MS 30000u
#define BODY_MAX 2048u
#define QUOTE_MAX 120u

/* ---- pure parts ------------------------------------------------------------------------ */

/* Copies the printable part of a device's text, trimmed and shortened, for a message. */
static void quote_device_text(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    while (*text && isspace((unsigned char)*text))
        text++;
    for (; *text && n + 1 < cap && n < QUOTE_MAX; text++)
        out[n++] = isprint((unsigned char)*text) ? *text : ' ';
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static bool contains(const char *text, const char *needle)
{
    return strcasestr(text, needle) != NULL;
}

static enum eo_status classify_auth(const struct eo_web_reply_context *ctx, bool password_given,
                                    struct eo_error *err)
{
    if (!password_given)
        return eo_error_set(err, EO_ERR_AUTH,
                            "%s asks for the admin password and none was given: use "
                            "--password-file, ESPURNA_OTA_PASSWORD or the password store",
                            ctx->device);
    return eo_error_set(err, EO_ERR_AUTH,
                        "wrong password for " EO_WEB_USER "@%s (the web upgrade answered 401): "
                        "check the password source",
                        ctx->device);
}

static enum eo_status classify_nofit(const struct eo_web_reply_context *ctx, const char *quoted,
                                     struct eo_error *err)
{
    return eo_error_set(err, EO_ERR_NOFIT,
                        "%s has not enough free space for this image (%llu bytes, %u sectors; the "
                        "%s needs one sector more than espota) — device said '%s': flash a core "
                        "image first, then this one (espurna-ota upgrade does both steps)",
                        ctx->device, (unsigned long long)ctx->image_size,
                        (unsigned)((ctx->image_size + EO_SECTOR_SIZE - 1) / EO_SECTOR_SIZE),
                        ctx->via ? ctx->via : "web upload", quoted);
}

/* The device named a problem in words or with an Updater number. */
static enum eo_status classify_error_text(const struct eo_web_reply_context *ctx,
                                          const char *quoted, struct eo_error *err)
{
    int code = eo_updater_error_code(quoted);
    if (contains(quoted, "in progress") || contains(quoted, "already running") || code == 15)
        return eo_error_set(err, EO_ERR_REFUSED,
                            "%s is busy with another upgrade ('%s'): try again in a minute",
                            ctx->device, quoted);
    if (contains(quoted, "not enough space") || code == 4)
        return classify_nofit(ctx, quoted, err);
    if (contains(quoted, "magic byte") || contains(quoted, "flash config") ||
        contains(quoted, "invalid image") || contains(quoted, "signature") || code == 10 ||
        code == 8 || code == 9 || code == 12)
        return eo_error_set(err, eo_updater_error_status(code) == EO_ERR_NOFIT ? EO_ERR_NOFIT
                                                                              : EO_ERR_REFUSED,
                            "%s rejected the image as invalid for it ('%s'): check that the file "
                            "is an ESP8266 firmware image built for this device's flash size",
                            ctx->device, quoted);
    if (contains(quoted, "invalid request"))
        return eo_error_set(err, EO_ERR_REFUSED,
                            "%s refused the upload as an invalid request ('%s')", ctx->device,
                            quoted);
    return eo_error_set(err, code >= 0 ? eo_updater_error_status(code) : EO_ERR_TRANSFER,
                        "%s reported an upgrade error: '%s'", ctx->device, quoted);
}

enum eo_status eo_web_classify(long http_status, const char *body,
                               const struct eo_web_reply_context *ctx, struct eo_error *err)
{
    char quoted[QUOTE_MAX + 1];
    if (body && strcmp(body, "OK") == 0)
        return EO_OK;
    quote_device_text(body ? body : "", quoted, sizeof quoted);
    if (http_status == 401)
        return classify_auth(ctx, ctx->password_given, err);
    if (http_status == 404)
        return eo_error_set(err, EO_ERR_REFUSED,
                            "%s has no web upgrade (/upgrade answered 404): it may run a core "
                            "build; use --method espota or --method terminal",
                            ctx->device);
    if (strstr(quoted, "ERROR") || strstr(quoted, "Error"))
        return classify_error_text(ctx, quoted, err);
    if (quoted[0] == '\0')
        return eo_error_set(err, EO_ERR_TRANSFER,
                            "%s answered HTTP %ld with an empty body instead of OK: the upgrade "
                            "did not complete",
                            ctx->device, http_status);
    return eo_error_set(err, EO_ERR_TRANSFER, "%s answered HTTP %ld '%s' instead of OK",
                        ctx->device, http_status, quoted);
}

static void copy_json_string(json_t *obj, const char *key, char *out, size_t cap)
{
    const char *value = json_string_value(json_object_get(obj, key));
    snprintf(out, cap, "%s", value ? value : "");
}

bool eo_web_parse_discover(const char *body, struct eo_web_identity *out)
{
    memset(out, 0, sizeof *out);
    json_t *root = body ? json_loads(body, JSON_REJECT_DUPLICATES, NULL) : NULL;
    const char *app = json_string_value(json_object_get(root, "app"));
    bool ok = json_is_object(root) && app && strcasecmp(app, "ESPURNA") == 0;
    if (ok) {
        copy_json_string(root, "app", out->app, sizeof out->app);
        copy_json_string(root, "version", out->version, sizeof out->version);
        copy_json_string(root, "hostname", out->hostname, sizeof out->hostname);
        copy_json_string(root, "device", out->device, sizeof out->device);
        out->known = true;
    }
    json_decref(root);
    return ok;
}

/* Length of a host name without a trailing ".local" / ".local." */
static size_t bare_length(const char *name)
{
    size_t len = strlen(name);
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len > 6 && strncasecmp(name + len - 6, ".local", 6) == 0)
        len -= 6;
    return len;
}

bool eo_web_hostname_matches(const char *expected, const char *discovered)
{
    size_t a = bare_length(expected), b = bare_length(discovered);
    return a == b && strncasecmp(expected, discovered, a) == 0;
}

uint32_t eo_web_max_image(uint32_t free_space)
{
    if (free_space < EO_SECTOR_SIZE)
        return 0;
    return (free_space - EO_SECTOR_SIZE) / EO_SECTOR_SIZE * EO_SECTOR_SIZE;
}

/* ---- libcurl --------------------------------------------------------------------------- */

struct body {
    char text[BODY_MAX + 1];
    size_t len;
};

struct upload {
    const struct eo_web_options *options;
    uint64_t image_size;
    uint64_t sent;
    struct timespec start;
};

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void init_curl(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t collect_body(char *data, size_t size, size_t count, void *ctx)
{
    struct body *body = ctx;
    size_t n = size * count;
    size_t room = BODY_MAX - body->len;
    size_t take = n < room ? n : room; /* the rest is ignored: replies are short */
    memcpy(body->text + body->len, data, take);
    body->len += take;
    body->text[body->len] = '\0';
    return n;
}

static bool use_https(const struct eo_web_options *options)
{
    return options->https || options->ca_file || options->pinned_key;
}

static void build_url(const struct eo_target *target, const struct eo_web_options *options,
                      const char *path, char *out, size_t cap)
{
    bool v6 = strchr(target->address, ':') != NULL;
    snprintf(out, cap, "%s://%s%s%s:%u%s", use_https(options) ? "https" : "http", v6 ? "[" : "",
             target->address, v6 ? "]" : "", (unsigned)target->web_port, path);
}

/* Options every request shares: timeouts, TLS, no signals, the body collector. */
static void common_setup(CURL *curl, const struct eo_web_options *options, struct body *body,
                         char *errbuf)
{
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    unsigned connect_ms = options->connect_timeout_ms ? options->connect_timeout_ms
                                                      : DEFAULT_CONNECT_TIMEOUT_MS;
    unsigned stall_ms = options->stall_timeout_ms ? options->stall_timeout_ms
                                                  : DEFAULT_STALL_TIMEOUT_MS;
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, (long)((stall_ms + 999u) / 1000u));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (options->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, options->ca_file);
    if (options->pinned_key) {
        curl_easy_setopt(curl, CURLOPT_PINNEDPUBLICKEY, options->pinned_key);
        if (!options->ca_file) { /* self-signed device certificate: the pin is the check */
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
    }
}

/* Turns a libcurl failure into an outcome. `sent` says whether the upload had started. */
static enum eo_status curl_failure(CURLcode code, const char *errbuf, const char *device,
                                   const char *url, uint64_t sent, struct eo_error *err)
{
    const char *why = errbuf[0] ? errbuf : curl_easy_strerror(code);
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return eo_error_set(err, EO_ERR_UNREACHABLE,
                            "cannot reach the web server of %s at %s: %s (core builds have none: "
                            "try --method espota or --method terminal)",
                            device, url, why);
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
        return eo_error_set(err, EO_ERR_UNREACHABLE,
                            "tls with %s failed: %s (check --ca-file / --pin)", device, why);
    default:
        break;
    }
    if (sent == 0 && code == CURLE_OPERATION_TIMEDOUT)
        return eo_error_set(err, EO_ERR_UNREACHABLE, "%s did not answer at %s: %s", device, url,
                            why);
    return eo_error_set(err, EO_ERR_TRANSFER,
                        "upload to %s failed after %llu bytes: %s (the device keeps its current "
                        "image; try again)",
                        device, (unsigned long long)sent, why);
}

enum eo_status eo_web_discover(const struct eo_target *target, const struct eo_web_options *options,
                               struct eo_web_identity *identity, struct eo_error *err)
{
    char url[256], errbuf[CURL_ERROR_SIZE] = "";
    struct body body = {.len = 0};
    memset(identity, 0, sizeof *identity);
    pthread_once(&curl_once, init_curl);
    CURL *curl = curl_easy_init();
    if (!curl)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot start libcurl");
    build_url(target, options, "/discover", url, sizeof url);
    common_setup(curl, options, &body, errbuf);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    CURLcode code = curl_easy_perform(curl);
    long http_status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK)
        return curl_failure(code, errbuf, target->name, url, 0, err);
    if (http_status == 200)
        eo_web_parse_discover(body.text, identity);
    return EO_OK;
}

static int report_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                           curl_off_t ulnow)
{
    struct upload *upload = ctx;
    (void)dltotal;
    (void)dlnow;
    if (ultotal <= 0 || ulnow <= 0)
        return 0;
    /* the multipart envelope adds a few hundred bytes: report in image bytes */
    uint64_t done = (uint64_t)ulnow * upload->image_size / (uint64_t)ultotal;
    upload->sent = done;
    if (upload->options->progress) {
        struct eo_progress progress = {.done = done, .total = upload->image_size,
                                       .elapsed_s = seconds_since(&upload->start)};
        upload->options->progress(upload->options->progress_ctx, &progress);
    }
    return 0;
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : (path ? path : "firmware.bin");
}

static curl_mime *build_form(CURL *curl, const struct eo_image *image)
{
    curl_mime *mime = curl_mime_init(curl);
    curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
    if (!part || curl_mime_name(part, "upgrade") != CURLE_OK ||
        curl_mime_filename(part, base_name(image->path)) != CURLE_OK ||
        curl_mime_type(part, "application/octet-stream") != CURLE_OK ||
        curl_mime_data(part, (const char *)image->data, image->size) != CURLE_OK) {
        curl_mime_free(mime);
        return NULL;
    }
    return mime;
}

static void setup_auth(CURL *curl, const struct eo_web_options *options)
{
    if (!options->password || !options->password[0])
        return;
    /* several methods: libcurl waits for the challenge and picks Digest over Basic */
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)(CURLAUTH_DIGEST | CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, EO_WEB_USER);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options->password);
}

struct post_outcome {
    CURLcode code;
    long http_status;
    double seconds;
};

static enum eo_status post_image(CURL *curl, const char *url, const struct eo_image *image,
                                 struct upload *upload, struct body *body, char *errbuf,
                                 struct post_outcome *outcome, struct eo_error *err)
{
    curl_mime *mime = build_form(curl, image);
    if (!mime)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot build the upload form (out of memory)");
    common_setup(curl, upload->options, body, errbuf);
    setup_auth(curl, upload->options);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, report_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, upload);
    clock_gettime(CLOCK_MONOTONIC, &upload->start);
    outcome->code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &outcome->http_status);
    curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &outcome->seconds);
    curl_mime_free(mime);
    return EO_OK;
}

enum eo_status eo_web_confirm(const struct eo_target *target, const struct eo_web_options *options,
                              struct eo_web_identity *identity, struct eo_error *err)
{
    enum eo_status status = eo_web_discover(target, options, identity, err);
    if (status != EO_OK)
        return status;
    if (options->expect_hostname && identity->known && identity->hostname[0] &&
        !eo_web_hostname_matches(options->expect_hostname, identity->hostname))
        return eo_error_set(err, EO_ERR_UNREACHABLE,
                            "%s answers as %s, not %s: refusing to upload (check the address)",
                            target->address, identity->hostname, options->expect_hostname);
    return EO_OK;
}

static enum eo_status check_fit(const struct eo_target *target, const struct eo_image *image,
                                uint32_t free_space, struct eo_error *err)
{
    uint32_t max = eo_web_max_image(free_space);
    if (free_space == 0 || (uint64_t)image->size <= max)
        return EO_OK;
    return eo_error_set(err, EO_ERR_NOFIT,
                        "%s cannot take this image by web upload: %zu bytes, and %u bytes of free "
                        "space leave room for %u (the web path reserves one sector more than "
                        "espota): try --method espota, or flash a core image first",
                        target->name, image->size, (unsigned)free_space, (unsigned)max);
}

static enum eo_status judge_post(const struct eo_target *target, const struct eo_web_options *options,
                                 const char *url, const struct post_outcome *outcome,
                                 const struct body *body, const char *errbuf,
                                 const struct upload *upload, struct eo_error *err)
{
    if (outcome->code != CURLE_OK && body->len == 0)
        return curl_failure(outcome->code, errbuf, target->name, url, upload->sent, err);
    struct eo_web_reply_context ctx = {.device = target->name,
                                       .image_size = upload->image_size,
                                       .password_given = options->password &&
                                                         options->password[0]};
    return eo_web_classify(outcome->http_status, body->text, &ctx, err);
}

enum eo_status eo_web_push(const struct eo_target *target, const struct eo_image *image,
                           const struct eo_web_options *options, struct eo_push_result *result,
                           struct eo_web_identity *identity, struct eo_error *err)
{
    struct eo_web_identity seen;
    struct body body = {.len = 0};
    struct upload upload = {.options = options, .image_size = image->size};
    struct post_outcome outcome = {.code = CURLE_OK};
    char url[256], errbuf[CURL_ERROR_SIZE] = "";
    memset(result, 0, sizeof *result);
    memset(&seen, 0, sizeof seen);
    enum eo_status status = check_fit(target, image, options->free_space, err);
    if (status == EO_OK && !options->skip_discover)
        status = eo_web_confirm(target, options, &seen, err);
    if (identity)
        *identity = seen;
    CURL *curl = status == EO_OK ? curl_easy_init() : NULL;
    if (status == EO_OK && !curl)
        status = eo_error_set(err, EO_ERR_INTERNAL, "cannot start libcurl");
    build_url(target, options, "/upgrade", url, sizeof url);
    if (status == EO_OK)
        status = post_image(curl, url, image, &upload, &body, errbuf, &outcome, err);
    if (status == EO_OK)
        status = judge_post(target, options, url, &outcome, &body, errbuf, &upload, err);
    curl_easy_cleanup(curl);
    quote_device_text(body.text, result->device_reply, sizeof result->device_reply);
    result->status = status;
    result->bytes_confirmed = status == EO_OK ? image->size : upload.sent;
    result->seconds = outcome.seconds;
    return status;
}
