/* cmd_discover.c — `espurna-ota discover`: finds the ESPurna devices on the network over mDNS
 * and shows, one line each sorted by hostname, what each runs and what it can take (flash,
 * free OTA space in bytes, kind, methods, auth, and with --image how many steps that image
 * would need); --json for scripts, --filter to narrow, --device to show one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "commands.h"
#include "espurna-ota/device.h"
#include "espurna-ota/device_cache.h"
#include "espurna-ota/discover.h"
#include "espurna-ota/image_file.h"
#include "espurna-ota/output.h"
#include "espurna-ota/resolve.h"
#include "options.h"

static bool json_output;
static unsigned long timeout_s = EO_DISCOVER_DEFAULT_TIMEOUT_MS / 1000;
static unsigned long settle_ms = EO_DISCOVER_DEFAULT_SETTLE_MS;
static struct opt_list filter_args;
static const char *image_path;
static const char *device_arg;

static const struct option_spec discover_options[] = {
    {"timeout", 0, OPT_UINT, &timeout_s, 1, 3600, "S",
     "give up waiting for answers after S seconds (default 5)", .settable = true},
    {"settle", 0, OPT_UINT, &settle_ms, 10, 60000, "MS",
     "stop once nothing new came for MS milliseconds (default 400)", .settable = true},
    {"json", 0, OPT_FLAG, &json_output, 0, 0, NULL, "print one JSON object instead of a table",
     .settable = false},
    {"filter", 0, OPT_LIST, &filter_args, 0, 0, "KEY=VALUE",
     "only devices whose KEY matches the pattern VALUE (repeatable)", .settable = false},
    {"image", 0, OPT_STRING, &image_path, 0, 0, "FILE",
     "add how many steps FILE would take on each device", .settable = false},
    {"device", 0, OPT_STRING, &device_arg, 0, 0, "DEVICE",
     "show only this device (address, name.local, hostname or instance)", .settable = false},
};

const struct command_spec discover_spec = {
    "discover",
    "",
    "Find the ESPurna devices on the network and show what each runs and takes.",
    discover_options,
    OPTION_COUNT(discover_options),
    0,
    0,
};

/* What the table and JSON need besides the devices. */
struct view {
    const struct eo_image *image; /* NULL without --image */
    uint32_t image_flash;
};

/* ---- table ---------------------------------------------------------------------------- */

enum column {
    COL_HOST,
    COL_ADDRESS,
    COL_APP,
    COL_VERSION,
    COL_BOARD,
    COL_FLASH,
    COL_FREE,
    COL_KIND,
    COL_METHODS,
    COL_AUTH,
    COL_STEPS,
    COL_COUNT
};

static const char *const headings[COL_COUNT] = {
    "HOSTNAME", "ADDRESS", "APP",     "VERSION", "BOARD", "FLASH",
    "FREE",     "KIND",    "METHODS", "AUTH",    "STEPS",
};

typedef char row_cells[COL_COUNT][EO_DEVICE_TEXT_MAX + 8];

static const char *or_unknown(const char *text)
{
    return text[0] ? text : "?";
}

/* "1M", "512K", "~1M" (guessed), "?" (unknown). */
static void flash_text(const struct eo_figure *figure, char *buf, size_t cap)
{
    const char *mark = figure->source == EO_FIGURE_GUESSED ? "~" : "";
    if (figure->source == EO_FIGURE_UNKNOWN)
        snprintf(buf, cap, "?");
    else if (figure->bytes % (1024 * 1024) == 0)
        snprintf(buf, cap, "%s%lluM", mark, (unsigned long long)(figure->bytes >> 20));
    else
        snprintf(buf, cap, "%s%lluK", mark, (unsigned long long)(figure->bytes >> 10));
}

static void free_text(const struct eo_figure *figure, char *buf, size_t cap)
{
    char size[32];
    if (figure->source == EO_FIGURE_UNKNOWN)
        snprintf(buf, cap, "?");
    else
        snprintf(buf, cap, "%s%s", figure->source == EO_FIGURE_GUESSED ? "~" : "",
                 eo_out_size(figure->bytes, size, sizeof size));
}

static const char *steps_text(int steps)
{
    return steps == 1 ? "1" : steps == 2 ? "2" : steps == 0 ? "no" : "?";
}

static void fill_row(const struct eo_device *device, const struct view *view, row_cells cells)
{
    char real[32], built[32];
    size_t cap = sizeof cells[0];
    snprintf(cells[COL_HOST], cap, "%s", or_unknown(device->hostname));
    snprintf(cells[COL_ADDRESS], cap, "%s", device->address_count ? device->addresses[0] : "?");
    snprintf(cells[COL_APP], cap, "%s", or_unknown(device->app));
    snprintf(cells[COL_VERSION], cap, "%s", or_unknown(device->version));
    snprintf(cells[COL_BOARD], cap, "%s", or_unknown(device->board));
    flash_text(&device->flash_real, real, sizeof real);
    flash_text(&device->flash_built, built, sizeof built);
    snprintf(cells[COL_FLASH], cap, "%s/%s", real, built);
    free_text(&device->free_space, cells[COL_FREE], cap);
    snprintf(cells[COL_KIND], cap, "%s", eo_device_kind_name(device));
    eo_device_methods_text(device, cells[COL_METHODS], cap);
    snprintf(cells[COL_AUTH], cap, "%s", eo_auth_name(device->auth));
    snprintf(cells[COL_STEPS], cap, "%s",
             view->image ? steps_text(eo_device_image_steps(device, (uint32_t)view->image->size,
                                                            view->image_flash))
                         : "");
}

static void print_table(const struct eo_device *const *devices, size_t count,
                        const struct view *view)
{
    size_t columns = view->image ? COL_COUNT : COL_COUNT - 1;
    row_cells *rows = calloc(count + 1, sizeof *rows);
    const char **cells = calloc((count + 1) * columns, sizeof *cells);
    if (rows && cells) {
        for (size_t c = 0; c < COL_COUNT; c++)
            snprintf(rows[0][c], sizeof rows[0][c], "%s", headings[c]);
        for (size_t i = 0; i < count; i++)
            fill_row(devices[i], view, rows[i + 1]);
        for (size_t r = 0; r <= count; r++)
            for (size_t c = 0; c < columns; c++)
                cells[r * columns + c] = rows[r][c];
        eo_out_table(cells, count + 1, columns);
    }
    free(cells);
    free(rows);
}

/* ---- JSON ----------------------------------------------------------------------------- */

static json_t *steps_json(const struct eo_device *device, const struct view *view)
{
    int steps = eo_device_image_steps(device, (uint32_t)view->image->size, view->image_flash);
    return steps < 0 ? json_null() : json_integer(steps);
}

static void print_json(const struct eo_device *const *devices, size_t count,
                       const struct view *view, const struct eo_error *err)
{
    json_t *doc = eo_out_json_object("discover");
    json_t *array = json_array();
    for (size_t i = 0; i < count; i++) {
        json_t *item = eo_device_to_json(devices[i]);
        if (item && view->image)
            json_object_set_new(item, "steps", steps_json(devices[i], view));
        json_array_append_new(array, item);
    }
    json_object_set_new(doc, "devices", array);
    if (view->image)
        json_object_set_new(doc, "image", json_string(view->image->path));
    cli_json_status(doc, err, "discover", NULL);
    eo_out_json(doc);
}

static void print_notes(const struct eo_device *const *devices, size_t count)
{
    for (size_t i = 0; i < count; i++)
        for (unsigned n = 0; n < devices[i]->note_count; n++)
            eo_out_info("%s: %s", or_unknown(devices[i]->hostname), devices[i]->notes[n]);
}

static void render(const struct eo_device *const *devices, size_t count, const struct view *view,
                   const struct eo_error *err)
{
    print_notes(devices, count);
    if (json_output)
        print_json(devices, count, view, err);
    else if (count > 0)
        print_table(devices, count, view);
}

/* ---- selection ------------------------------------------------------------------------ */

static int parse_filters(struct eo_device_filter *filters)
{
    struct eo_error err;
    for (size_t i = 0; i < filter_args.count; i++)
        if (eo_device_filter_parse(filter_args.items[i], &filters[i], &err) != EO_OK)
            return options_usage_error(&discover_spec, "--filter %s", err.message);
    return EO_OK;
}

static bool selected(const struct eo_device *device, const struct eo_device_filter *filters)
{
    for (size_t i = 0; i < filter_args.count; i++)
        if (!eo_device_filter_match(device, &filters[i]))
            return false;
    return true;
}

/* Pointers to the devices that pass every filter; returns how many. */
static size_t select_devices(const struct eo_device_list *list,
                             const struct eo_device_filter *filters, const struct eo_device **out)
{
    size_t count = 0;
    for (size_t i = 0; i < list->count; i++)
        if (selected(&list->items[i], filters))
            out[count++] = &list->items[i];
    return count;
}

static enum eo_status load_image(struct eo_image *image, struct view *view)
{
    struct eo_error err;
    if (!image_path)
        return EO_OK;
    if (eo_image_load(image_path, image, &err) != EO_OK) {
        cli_report_error(&err, "discover", NULL);
        return err.status;
    }
    view->image = image;
    view->image_flash = eo_flash_size_bytes(eo_image_flash_header(image)->flash_size_code);
    return EO_OK;
}

/* ---- the two modes -------------------------------------------------------------------- */

static struct eo_discover_options run_options(void)
{
    struct eo_discover_options options = {(unsigned)timeout_s * 1000u, (unsigned)settle_ms};
    return options;
}

static int discover_all(const struct view *view, const struct eo_device_filter *filters)
{
    struct eo_device_list list;
    struct eo_discover_stats stats;
    struct eo_error err;
    struct eo_discover_options options = run_options();
    eo_device_list_init(&list);
    eo_error_clear(&err);
    enum eo_status status = eo_discover_run(&options, &list, &stats, &err);
    if (status == EO_OK)
        eo_device_cache_remember_list(&list, NULL); /* for shell completion; a cache */
    const struct eo_device **devices = calloc(list.count + 1, sizeof *devices);
    size_t count = devices && status == EO_OK ? select_devices(&list, filters, devices) : 0;
    if (status == EO_OK) {
        eo_out_info("%zu device%s answered in %.2f s (last change at %.2f s)%s", list.count,
                    list.count == 1 ? "" : "s", stats.elapsed_s, stats.last_change_s,
                    stats.timed_out ? "; stopped by --timeout" : "");
        if (count == 0)
            status = eo_error_set(&err, EO_ERR_DISCOVERY,
                                  list.count ? "no device matches the filters (%zu found)"
                                             : "no ESPurna device answered over mDNS (%zu)",
                                  list.count);
    }
    if (status != EO_OK)
        cli_report_error(&err, "discover", NULL);
    render(devices, count, view, &err);
    free(devices);
    eo_device_list_release(&list);
    return status;
}

/* A record with only what resolving --device told: used when mDNS has nothing to add. */
static void minimal_record(const struct eo_target *target, const char *why, struct eo_device *out)
{
    eo_device_init(out);
    if (!eo_resolve_is_address(target->name)) {
        snprintf(out->hostname, sizeof out->hostname, "%.63s", target->name);
        char *dot = strstr(out->hostname, ".local");
        if (dot)
            *dot = '\0';
    }
    snprintf(out->addresses[0], sizeof out->addresses[0], "%s", target->address);
    out->address_count = 1;
    snprintf(out->notes[0], sizeof out->notes[0], "%s: only the address is known", why);
    out->note_count = 1;
}

static int discover_one(const struct view *view)
{
    struct eo_target target;
    struct eo_error err;
    struct eo_device_list list;
    struct eo_device device;
    struct eo_discover_options options = run_options();
    enum eo_status status = eo_resolve_device(device_arg, &target, &err);
    if (status != EO_OK) {
        cli_report_error(&err, "discover", NULL);
        return status;
    }
    eo_device_list_init(&list);
    status = eo_discover_run(&options, &list, NULL, &err);
    if (status == EO_OK)
        eo_device_cache_remember_list(&list, NULL); /* for shell completion; a cache */
    const struct eo_device *found = eo_device_list_find(&list, device_arg);
    if (!found)
        found = eo_device_list_find(&list, target.address);
    if (found)
        device = *found;
    else
        minimal_record(&target,
                       status == EO_OK ? "not announced over mDNS" : "avahi-daemon not reachable",
                       &device);
    eo_device_list_release(&list);
    const struct eo_device *one = &device;
    eo_error_clear(&err);
    render(&one, 1, view, &err);
    return EO_OK;
}

int cmd_discover(int argc, char **argv)
{
    char **args = calloc((size_t)argc + 1, sizeof *args);
    struct eo_device_filter filters[OPT_LIST_MAX];
    struct eo_image image;
    struct view view = {NULL, 0};
    int nargs = 0;
    if (!args)
        return EO_ERR_INTERNAL;
    int code = options_parse(&discover_spec, argc, argv, args, &nargs);
    free(args);
    if (code != 0)
        return code < 0 ? EO_OK : code;
    if (device_arg && filter_args.count)
        return options_usage_error(&discover_spec, "--device and --filter cannot be combined");
    code = parse_filters(filters);
    if (code == EO_OK)
        code = load_image(&image, &view);
    if (code != EO_OK)
        return code;
    code = device_arg ? discover_one(&view) : discover_all(&view, filters);
    if (view.image)
        eo_image_release(&image);
    return code;
}
