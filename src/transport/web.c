/* web.c — the web method's pure parts: judging the device's answer to POST /upgrade (status,
 * hint, the device's own words), parsing /discover, host name matching, the web path's size
 * arithmetic and how much of the body the device's TCP took. The libcurl side is web_http.c. */
#include "espurna-ota/web.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "espurna-ota/device.h"
#include "espurna-ota/image.h"
#include "espurna-ota/layout.h"

#define QUOTE_MAX 120u
#define ONE_MB (1024u * 1024u)

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

void eo_web_quote(const char *text, char *out, size_t cap)
{
    quote_device_text(text ? text : "", out, cap);
}

static bool contains(const char *text, const char *needle)
{
    return strcasestr(text, needle) != NULL;
}

static const char *via_of(const struct eo_web_reply_context *ctx)
{
    return ctx->via ? ctx->via : "web upload";
}

static enum eo_status classify_auth(const struct eo_web_reply_context *ctx, struct eo_error *err)
{
    if (!ctx->password_given)
        return eo_error_hinted(err, EO_ERR_AUTH, EO_HINT_PASSWORD_MISSING,
                               "%s asks for the admin password and none was given", ctx->device);
    return eo_error_hinted(err, EO_ERR_AUTH, EO_HINT_PASSWORD_WRONG,
                           "wrong password for " EO_WEB_USER "@%s (the %s answered 401)",
                           ctx->device, via_of(ctx));
}

/* Largest image the web path takes beside the smallest core image on a flash of `flash`. */
static uint32_t max_beside_core(uint32_t flash)
{
    struct eo_layout layout = eo_layout_standard(flash);
    return eo_layout_max_new_image_web(&layout, EO_DEVICE_CORE_IMAGE_BYTES);
}

/* Not enough space: whether a core image first can help, and why not when it cannot. */
static enum eo_hint nofit_hint(const struct eo_web_reply_context *ctx, char *why, size_t cap)
{
    uint32_t built = ctx->image_flash_size, chip = ctx->device_flash_size;
    why[0] = '\0';
    if (built && chip && built > chip) {
        snprintf(why, cap, ": the image is built for %u KiB of flash and the device has %u KiB",
                 (unsigned)(built / 1024u), (unsigned)(chip / 1024u));
        return EO_HINT_FLASH_SIZE;
    }
    if (built > ONE_MB && !chip) {
        snprintf(why, cap,
                 ": the image is built for %u KiB of flash; a device with less cannot "
                 "take it at all, one with that much only beside a core image",
                 (unsigned)(built / 1024u));
        return EO_HINT_FLASH_SIZE;
    }
    uint32_t flash = built ? built : (chip ? chip : ONE_MB);
    uint32_t room = max_beside_core(flash);
    if (ctx->image_size > room) {
        snprintf(why, cap,
                 ": even beside the smallest core image a %u KiB flash takes at most "
                 "%u bytes this way, so no core image can make room",
                 (unsigned)(flash / 1024u), (unsigned)room);
        return EO_HINT_NONE;
    }
    return EO_HINT_TWO_STEP;
}

static enum eo_status classify_nofit(const struct eo_web_reply_context *ctx, const char *quoted,
                                     struct eo_error *err)
{
    char why[200];
    enum eo_hint hint = nofit_hint(ctx, why, sizeof why);
    return eo_error_hinted(err, EO_ERR_NOFIT, hint,
                           "%s has not enough free space for this image (%llu bytes, %u sectors; "
                           "the %s needs one sector more than espota) — device said '%s'%s",
                           ctx->device, (unsigned long long)ctx->image_size,
                           (unsigned)((ctx->image_size + EO_SECTOR_SIZE - 1) / EO_SECTOR_SIZE),
                           via_of(ctx), quoted, why);
}

static bool names_invalid_image(const char *quoted, int code)
{
    return contains(quoted, "magic byte") || contains(quoted, "flash config") ||
           contains(quoted, "invalid image") || contains(quoted, "signature") || code == 10 ||
           code == 8 || code == 9 || code == 12;
}

/* The device refused the image as invalid. Our image's header was checked before sending, so
 * when it is known good and the device names the flash configuration, the flash size is it. */
static enum eo_status classify_invalid(const struct eo_web_reply_context *ctx, const char *quoted,
                                       int code, struct eo_error *err)
{
    bool flash_config = code == 9 || (ctx->image_flash_size && contains(quoted, "flash config"));
    enum eo_status status =
        eo_updater_error_status(code) == EO_ERR_NOFIT ? EO_ERR_NOFIT : EO_ERR_REFUSED;
    if (flash_config)
        return eo_error_hinted(err, status, EO_HINT_FLASH_SIZE,
                               "%s refused the image's flash configuration ('%s'): it is built "
                               "for another flash size than the device has",
                               ctx->device, quoted);
    return eo_error_set(err, status,
                        "%s rejected the image as invalid for it ('%s'): the file must be an "
                        "ESP8266 firmware image built for this device's flash size",
                        ctx->device, quoted);
}

/* The device named a problem in words or with an Updater number. */
static enum eo_status classify_error_text(const struct eo_web_reply_context *ctx,
                                          const char *quoted, struct eo_error *err)
{
    int code = eo_updater_error_code(quoted);
    if (contains(quoted, "in progress") || contains(quoted, "already running") || code == 15)
        return eo_error_hinted(err, EO_ERR_REFUSED, EO_HINT_BUSY,
                               "%s is busy with another upgrade ('%s')", ctx->device, quoted);
    if (contains(quoted, "not enough space") || code == 4)
        return classify_nofit(ctx, quoted, err);
    if (names_invalid_image(quoted, code))
        return classify_invalid(ctx, quoted, code, err);
    if (contains(quoted, "invalid request"))
        return eo_error_set(err, EO_ERR_REFUSED,
                            "%s refused the upload as an invalid request ('%s')", ctx->device,
                            quoted);
    return eo_error_set(err, code >= 0 ? eo_updater_error_status(code) : EO_ERR_TRANSFER,
                        "%s reported an upgrade error: '%s'", ctx->device, quoted);
}

static enum eo_status classify_failure(long http_status, const char *quoted,
                                       const struct eo_web_reply_context *ctx, struct eo_error *err)
{
    if (http_status == 401)
        return classify_auth(ctx, err);
    if (http_status == 404)
        return eo_error_hinted(err, EO_ERR_REFUSED, EO_HINT_NO_WEB,
                               "%s has no web upgrade (/upgrade answered 404): it may run a "
                               "core build",
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

enum eo_status eo_web_classify(long http_status, const char *body,
                               const struct eo_web_reply_context *ctx, struct eo_error *err)
{
    char quoted[QUOTE_MAX + 1];
    if (body && strcmp(body, "OK") == 0)
        return EO_OK;
    quote_device_text(body ? body : "", quoted, sizeof quoted);
    enum eo_status status = classify_failure(http_status, quoted, ctx, err);
    if (err) {
        err->http_status = http_status;
        err->updater_code = eo_updater_error_code(quoted);
    }
    return status;
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

enum eo_status eo_web_check_fit(const struct eo_web_reply_context *ctx, uint32_t free_space,
                                struct eo_error *err)
{
    char why[200];
    uint32_t max = eo_web_max_image(free_space);
    if (free_space == 0 || ctx->image_size <= max)
        return EO_OK;
    enum eo_hint hint = nofit_hint(ctx, why, sizeof why);
    return eo_error_hinted(err, EO_ERR_NOFIT, hint,
                           "%s cannot take this image by web upload: %llu bytes, and %u bytes of "
                           "free space leave room for %u (the web path reserves one sector more "
                           "than espota)%s",
                           ctx->device, (unsigned long long)ctx->image_size, (unsigned)free_space,
                           (unsigned)max, why);
}

uint64_t eo_web_body_taken(uint64_t form_sent, uint64_t form_total, uint64_t queued,
                           uint64_t image_size)
{
    if (form_total < image_size || form_sent > form_total)
        return 0;
    uint64_t envelope = form_total - image_size;
    uint64_t acknowledged = form_sent > queued ? form_sent - queued : 0;
    if (acknowledged <= envelope)
        return 0;
    uint64_t taken = acknowledged - envelope;
    return taken < image_size ? taken : image_size;
}
