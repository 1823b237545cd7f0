/* cmd_inspect.c — `espurna-ota inspect IMAGE [--json]`: everything a user needs to know about
 * a firmware file before flashing it: format, sizes, flash configuration, segments, checksum,
 * digests, identity and what fits beside it on 1, 2 and 4 MB devices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "commands.h"
#include "espurna-ota/image_file.h"
#include "espurna-ota/layout.h"
#include "espurna-ota/output.h"
#include "espurna-ota/text.h"
#include "options.h"

static bool json_output;

static const struct option_spec inspect_options[] = {
    {"json", 0, OPT_FLAG, &json_output, 0, 0, NULL, "print one JSON object instead of text",
     .settable = false},
};

const struct command_spec inspect_spec = {
    "inspect",
    "IMAGE",
    "Show what a firmware image is and what fits beside it.",
    inspect_options,
    OPTION_COUNT(inspect_options),
    1,
    1,
};

static const uint32_t device_flash_sizes[] = {1u << 20, 2u << 20, 4u << 20};

static const char *format_name(enum eo_image_format format)
{
    switch (format) {
    case EO_IMAGE_FORMAT_PLAIN: return "plain";
    case EO_IMAGE_FORMAT_ARDUINO: return "arduino";
    case EO_IMAGE_FORMAT_GZIP: return "gzip";
    default: return "unknown";
    }
}

static const char *identity_source_name(enum eo_identity_source source)
{
    switch (source) {
    case EO_IDENTITY_DESCRIPTOR: return "descriptor";
    case EO_IDENTITY_FILE_NAME: return "file_name";
    default: return "none";
    }
}

/* "DOUT" or "unknown(0x7)" into buf. */
static const char *code_text(const char *name, unsigned code, char *buf, size_t cap)
{
    if (name)
        return name;
    snprintf(buf, cap, "unknown(0x%X)", code);
    return buf;
}

static void features_text(uint16_t features, char *buf, size_t cap)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } rows[] = {
        {EO_FEATURE_WEB, "web"},   {EO_FEATURE_ESPOTA, "espota"},     {EO_FEATURE_TELNET, "telnet"},
        {EO_FEATURE_MDNS, "mdns"}, {EO_FEATURE_WEB_AUTH, "web-auth"},
    };
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (!(features & rows[i].bit))
            continue;
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%s", len ? " " : "", rows[i].name);
    }
}

/* ---- JSON ----------------------------------------------------------------------------- */

static json_t *json_segments(const struct eo_image_header *header)
{
    json_t *array = json_array();
    for (unsigned i = 0; i < header->segment_count; i++)
        json_array_append_new(array, json_pack("{s:I,s:I}", "address",
                                               (json_int_t)header->segments[i].address, "length",
                                               (json_int_t)header->segments[i].length));
    return array;
}

static json_t *json_flash(const struct eo_image_header *h)
{
    char a[32], b[32], c[32];
    return json_pack(
        "{s:s,s:i,s:s,s:i,s:I,s:s,s:i}", "mode",
        code_text(eo_flash_mode_name(h->flash_mode), h->flash_mode, a, sizeof a), "mode_code",
        h->flash_mode, "size",
        code_text(eo_flash_size_name(h->flash_size_code), h->flash_size_code, b, sizeof b),
        "size_code", h->flash_size_code, "size_bytes",
        (json_int_t)eo_flash_size_bytes(h->flash_size_code), "freq",
        code_text(eo_flash_freq_name(h->flash_freq_code), h->flash_freq_code, c, sizeof c),
        "freq_code", h->flash_freq_code);
}

static json_t *json_identity(const struct eo_image *image)
{
    char features[64];
    const char *kind = eo_kind_name(image->kind);
    features_text(image->features, features, sizeof features);
    json_t *obj = json_pack("{s:s}", "source", identity_source_name(image->identity_source));
    if (image->identity_source == EO_IDENTITY_NONE)
        return obj;
    if (image->identity_source == EO_IDENTITY_DESCRIPTOR) {
        json_object_set_new(obj, "app", eo_out_json_text(image->layout.desc.app));
        json_object_set_new(obj, "board", eo_out_json_text(image->board));
        json_object_set_new(obj, "build_date", eo_out_json_text(image->build_date));
    }
    json_object_set_new(obj, "version", eo_out_json_text(image->version));
    json_object_set_new(obj, "environment", eo_out_json_text(image->environment));
    json_object_set_new(obj, "kind", kind ? json_string(kind) : json_null());
    json_object_set_new(obj, "features", json_string(features));
    return obj;
}

static json_t *json_max_single_step(uint32_t running_size)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < sizeof device_flash_sizes / sizeof device_flash_sizes[0]; i++) {
        struct eo_layout layout = eo_layout_standard(device_flash_sizes[i]);
        const char *name =
            eo_flash_size_name((uint8_t)eo_flash_size_code_for(device_flash_sizes[i]));
        json_object_set_new(obj, name,
                            json_integer(eo_layout_max_new_image(&layout, running_size)));
    }
    return obj;
}

static void print_json(const struct eo_image *image)
{
    const struct eo_image_layout *layout = &image->layout;
    const struct eo_image_header *app = &layout->app;
    json_t *doc = eo_out_json_object("inspect");
    json_object_set_new(doc, "file", eo_out_json_text(image->path));
    json_object_set_new(doc, "format", json_string(format_name(image->format)));
    if (image->format == EO_IMAGE_FORMAT_GZIP)
        json_object_set_new(doc, "inner_format", json_string(format_name(layout->format)));
    json_object_set_new(doc, "size", json_integer((json_int_t)image->size));
    json_object_set_new(doc, "sectors", json_integer(eo_sectors((uint32_t)image->size)));
    json_object_set_new(doc, "uncompressed_size", json_integer(image->uncompressed_size));
    json_object_set_new(doc, "flash", json_flash(&layout->boot));
    json_object_set_new(doc, "entry", json_integer(app->entry));
    json_object_set_new(doc, "segments", json_segments(app));
    if (layout->format == EO_IMAGE_FORMAT_ARDUINO)
        json_object_set_new(doc, "bootloader",
                            json_pack("{s:I,s:o}", "entry", (json_int_t)layout->boot.entry,
                                      "segments", json_segments(&layout->boot)));
    json_object_set_new(doc, "trailing_bytes", json_integer(layout->trailing_bytes));
    json_object_set_new(doc, "checksum_valid", json_true());
    json_object_set_new(doc, "md5", json_string(image->md5));
    json_object_set_new(doc, "sha256", json_string(image->sha256));
    json_object_set_new(doc, "identity", json_identity(image));
    json_object_set_new(doc, "max_single_step", json_max_single_step(image->uncompressed_size));
    cli_json_status(doc, NULL, "inspect", NULL);
    eo_out_json(doc);
}

/* ---- human ---------------------------------------------------------------------------- */

/* A "label  value" line of text from the image or its file name: anything but printable ASCII
 * (controls, bidi overrides, invalid UTF-8) shows as '?', as `discover` shows device text. */
static void field_text(const char *label, const char *text)
{
    size_t len = strlen(text);
    char *shown = malloc(len + 1); /* never longer than the text */
    if (!shown)
        return;
    eo_text_printable(shown, len + 1, text, len);
    eo_out_field(label, "%s", shown);
    free(shown);
}

static void print_segments(const char *label, const struct eo_image_header *header)
{
    for (unsigned i = 0; i < header->segment_count; i++)
        eo_out_field(i == 0 ? label : "", "0x%08X  %u bytes", header->segments[i].address,
                     header->segments[i].length);
}

static void print_identity(const struct eo_image *image)
{
    char features[64];
    if (image->identity_source == EO_IDENTITY_NONE) {
        eo_out_field("identity", "unknown (no app descriptor, not a release file name)");
        return;
    }
    features_text(image->features, features, sizeof features);
    eo_out_field("identity", "from the %s",
                 image->identity_source == EO_IDENTITY_DESCRIPTOR ? "app descriptor"
                                                                  : "file name (no descriptor)");
    field_text("version", image->version);
    field_text("environment", image->environment);
    if (image->identity_source == EO_IDENTITY_DESCRIPTOR) {
        field_text("app", image->layout.desc.app);
        field_text("board", image->board);
        field_text("built", image->build_date);
    }
    eo_out_field("kind", "%s (%s)", eo_kind_name(image->kind) ? eo_kind_name(image->kind) : "?",
                 features);
}

static void print_fits(uint32_t running_size)
{
    char size_text[32];
    for (size_t i = 0; i < sizeof device_flash_sizes / sizeof device_flash_sizes[0]; i++) {
        struct eo_layout layout = eo_layout_standard(device_flash_sizes[i]);
        uint32_t max = eo_layout_max_new_image(&layout, running_size);
        const char *name =
            eo_flash_size_name((uint8_t)eo_flash_size_code_for(device_flash_sizes[i]));
        eo_out_field(i == 0 ? "fits beside" : "", "%-4s %8u bytes  %4u sectors  (%s)", name, max,
                     max / EO_SECTOR_SIZE, eo_out_size(max, size_text, sizeof size_text));
    }
}

static void print_flash(const struct eo_image_header *h)
{
    char a[32], b[32], c[32];
    eo_out_field(
        "flash", "%s, %s, %s",
        code_text(eo_flash_mode_name(h->flash_mode), h->flash_mode, a, sizeof a),
        code_text(eo_flash_size_name(h->flash_size_code), h->flash_size_code, b, sizeof b),
        code_text(eo_flash_freq_name(h->flash_freq_code), h->flash_freq_code, c, sizeof c));
}

static void print_human(const struct eo_image *image)
{
    static const char *const formats[] = {
        [EO_IMAGE_FORMAT_PLAIN] = "ESP8266 image",
        [EO_IMAGE_FORMAT_ARDUINO] = "Arduino (bootloader + application at 0x1000)",
    };
    const struct eo_image_layout *layout = &image->layout;
    char size_text[32];
    eo_out_block_begin(11);
    field_text("file", image->path);
    if (image->format == EO_IMAGE_FORMAT_GZIP)
        eo_out_field("format", "gzip of %s (%u bytes uncompressed)", formats[layout->format],
                     image->uncompressed_size);
    else
        eo_out_field("format", "%s", formats[layout->format]);
    eo_out_field("size", "%zu bytes, %u sectors (%s)", image->size,
                 eo_sectors((uint32_t)image->size),
                 eo_out_size(image->size, size_text, sizeof size_text));
    print_flash(&layout->boot);
    eo_out_field("entry", "0x%08X", layout->app.entry);
    print_segments("segments", &layout->app);
    if (layout->format == EO_IMAGE_FORMAT_ARDUINO)
        print_segments("bootloader", &layout->boot);
    if (layout->trailing_bytes)
        eo_out_field("trailing", "%u bytes after the image", layout->trailing_bytes);
    eo_out_field("checksum", "valid");
    eo_out_field("md5", "%s", image->md5);
    eo_out_field("sha256", "%s", image->sha256);
    print_identity(image);
    print_fits(image->uncompressed_size);
}

static int report_failure(const char *path, const struct eo_error *err)
{
    cli_report_error(err, "inspect", NULL);
    if (json_output) {
        json_t *doc = eo_out_json_object("inspect");
        json_object_set_new(doc, "file", eo_out_json_text(path));
        cli_json_status(doc, err, "inspect", NULL);
        eo_out_json(doc);
    }
    return err->status;
}

int cmd_inspect(int argc, char **argv)
{
    char *args[argc > 0 ? argc : 1];
    int nargs = 0;
    int rc = options_parse(&inspect_spec, argc, argv, args, &nargs);
    if (rc != 0)
        return rc < 0 ? EO_OK : rc;
    struct eo_image image;
    struct eo_error err = {0};
    if (eo_image_load(args[0], &image, &err) != EO_OK)
        return report_failure(args[0], &err);
    if (json_output)
        print_json(&image);
    else
        print_human(&image);
    eo_image_release(&image);
    return EO_OK;
}
