/* cmd_serve.c — `espurna-ota serve IMAGE`: serves one firmware image once, under a one-time
 * URL, to one device (or any client with --allow-any), for users who type `ota <url>` into the
 * device's terminal themselves or let another system pull the file. Prints the URL on stdout
 * as soon as it listens, waits for one complete transfer (every byte acknowledged by the
 * client, which then closed the connection), the timeout or a signal, reports the outcome. */
#include <stdio.h>
#include <string.h>

#include "advice.h"
#include "commands.h"
#include "interrupt.h"
#include "espurna-ota/image_file.h"
#include "espurna-ota/net.h"
#include "espurna-ota/output.h"
#include "espurna-ota/resolve.h"
#include "espurna-ota/serve.h"
#include "options.h"

#define WAIT_TICK_MS 100u /* also how soon a signal is noticed */

static const char *address_arg, *allow_arg;
static unsigned long port_arg, timeout_arg = 600;
static bool allow_any, json_output, quiet;
static const struct eo_cancel *cancel; /* set by SIGINT / SIGTERM / SIGHUP */
static char client_seen[64];           /* the last client that asked for the image */

static const struct option_spec serve_options[] = {
    {"allow", 0, OPT_STRING, &allow_arg, 0, 0, "DEV",
     "serve only this device (host name or address)", .settable = false},
    {"allow-any", 0, OPT_FLAG, &allow_any, 0, 0, NULL,
     "serve any client that knows the URL (needs --address)", .settable = false},
    {"address", 0, OPT_STRING, &address_arg, 0, 0, "ADDR",
     "local address to listen on (default: the one facing --allow)", .settable = false},
    {"port", 0, OPT_UINT, &port_arg, 1, 65535, "N", "TCP port (default: any free port)",
     .settable = false},
    {"timeout", 0, OPT_UINT, &timeout_arg, 1, 86400, "S",
     "give up after S seconds without one complete transfer (default 600)", .settable = false},
    {"json", 0, OPT_FLAG, &json_output, 0, 0, NULL,
     "print JSON lines (\"listening\", then \"done\") instead of text", .settable = false},
    {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no progress or messages, only the URL",
     .settable = false},
};

const struct command_spec serve_spec = {
    "serve",
    "IMAGE",
    "Serve one image once under a one-time URL (for 'ota <url>').",
    serve_options,
    OPTION_COUNT(serve_options),
    1,
    1,
};

static int validate(void)
{
    if (allow_arg && allow_any)
        return options_usage_error(&serve_spec, "--allow and --allow-any both given; use one");
    if (!allow_arg && !allow_any)
        return options_usage_error(&serve_spec, "missing --allow DEV (the device that will "
                                                "fetch the image) or --allow-any");
    if (allow_any && !address_arg)
        return options_usage_error(&serve_spec, "--allow-any needs --address ADDR (the local "
                                                "address the client reaches)");
    if (address_arg && !eo_resolve_is_address(address_arg))
        return options_usage_error(&serve_spec,
                                   "--address needs a numeric IPv4 or IPv6 "
                                   "address, not '%s'",
                                   address_arg);
    return EO_OK;
}

/* Fills the serve options: the allowed device's address and the local address facing it. */
static enum eo_status plan_server(struct eo_target *device, char local[EO_NET_ADDRESS_MAX],
                                  struct eo_serve_options *options, struct eo_error *err)
{
    memset(options, 0, sizeof *options);
    if (allow_arg) {
        enum eo_status status = eo_resolve_device(allow_arg, device, err);
        if (status != EO_OK)
            return status;
        options->allow_address = device->address;
    }
    if (address_arg)
        snprintf(local, EO_NET_ADDRESS_MAX, "%s", address_arg);
    else if (eo_net_local_address_for(device->address, local, err) != EO_OK)
        return err->status;
    options->bind_address = local;
    options->port = (uint16_t)port_arg;
    return EO_OK;
}

static void announce(struct eo_serve *server, const struct eo_target *device,
                     const struct eo_image *image)
{
    if (json_output) {
        json_t *obj = eo_out_json_object("serve");
        json_object_set_new(obj, "event", json_string("listening"));
        json_object_set_new(obj, "url", json_string(eo_serve_url(server)));
        json_object_set_new(obj, "allow", allow_any ? json_null() : json_string(device->address));
        json_object_set_new(obj, "image",
                            json_pack("{s:s,s:I,s:s}", "path", image->path, "size",
                                      (json_int_t)image->size, "md5", image->md5));
        json_object_set_new(obj, "timeout_s", json_integer((json_int_t)timeout_arg));
        eo_out_json(obj);
    } else {
        eo_out_text("%s\n", eo_serve_url(server));
    }
    eo_out_flush();
    eo_out_info("serving %s (%zu bytes) to %s for %lu s; on the device's terminal type: ota %s",
                image->path, image->size, allow_any ? "any client" : device->address, timeout_arg,
                eo_serve_url(server));
}

/* Waits for the image to go out for good (or the timeout, or a signal), drawing progress of
 * what the client acknowledged; fills status. */
static void wait_for_transfer(struct eo_serve *server, struct eo_serve_status *status)
{
    struct eo_progress_view view;
    double deadline = eo_net_now() + (double)timeout_arg, first_request = 0;
    uint64_t shown = 0;
    eo_progress_view_init(&view, "serve");
    eo_serve_get_status(server, status);
    while (!eo_serve_delivered(status) && !eo_cancelled(cancel) && eo_net_ms_left(deadline) > 0) {
        unsigned tick = (unsigned)eo_net_ms_left(deadline);
        eo_serve_wait_change(server, status->generation, tick < WAIT_TICK_MS ? tick : WAIT_TICK_MS,
                             status);
        if (status->requests > 0 && first_request == 0)
            first_request = eo_net_now();
        if (status->best_confirmed != shown) {
            shown = status->best_confirmed;
            struct eo_progress p = {
                .done = shown, .total = status->size, .elapsed_s = eo_net_now() - first_request};
            eo_progress_view_update(&view, &p);
        }
    }
    eo_progress_view_finish(&view);
    eo_serve_get_status(server, status); /* as of now: an interrupt may have cut a tick short */
}

/* The device the advice names: the allowed device as named, else the client that fetched. */
static const char *advice_device(void)
{
    return allow_arg ? allow_arg : client_seen[0] ? client_seen : NULL;
}

/* Who fetched, for messages: the allowed device as named, else the last client. */
static const char *fetcher(const struct eo_serve_status *status)
{
    if (allow_arg)
        return allow_arg;
    return status->client[0] ? status->client : "the client";
}

static enum eo_status stopped(const struct eo_serve_status *status, struct eo_error *err)
{
    if (status->last_end == EO_SERVE_END_RESET)
        return eo_error_hinted(err, EO_ERR_TRANSFER, EO_HINT_RETRY,
                               "fetch broken off: %s acknowledged all %llu bytes, then reset the "
                               "connection (it dropped what it had not read), and no complete "
                               "transfer followed within %lu s",
                               fetcher(status), (unsigned long long)status->size, timeout_arg);
    if (status->active > 0)
        return eo_error_hinted(err, EO_ERR_TRANSFER, EO_HINT_RETRY,
                               "no complete transfer within %lu s: the fetch had reached %u%% "
                               "(%llu of %llu bytes acknowledged) when the server stopped",
                               timeout_arg, eo_serve_percent(status),
                               (unsigned long long)status->best_confirmed,
                               (unsigned long long)status->size);
    return eo_error_hinted(err, EO_ERR_TRANSFER, EO_HINT_RETRY,
                           "fetch %s at %u%% (%llu of %llu bytes acknowledged) and no complete "
                           "transfer followed within %lu s",
                           status->last_end == EO_SERVE_END_STALLED ? "stalled" : "stopped",
                           eo_serve_percent(status), (unsigned long long)status->best_confirmed,
                           (unsigned long long)status->size, timeout_arg);
}

static enum eo_status judge(struct eo_serve *server, const struct eo_serve_status *status,
                            struct eo_error *err)
{
    if (status->complete)
        return EO_OK;
    if (eo_cancelled(cancel))
        return eo_push_interrupted(cancel, fetcher(status), status->best_confirmed, status->size,
                                   status->requests > 0, err);
    if (status->unknown)
        return eo_error_hinted(err, EO_ERR_UNKNOWN, EO_HINT_CHECK_VERSION,
                               "%s acknowledged all %llu bytes of the image but did not close "
                               "the connection: it may install the image and reboot",
                               fetcher(status), (unsigned long long)status->size);
    if (status->requests == 0)
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_FETCH_BACK,
                               "nobody fetched the image from %s within %lu s (%u other "
                               "connections or requests refused)",
                               eo_serve_base_url(server), timeout_arg, status->rejected);
    return stopped(status, err);
}

static void report(const struct eo_serve_status *status, const struct eo_error *err)
{
    if (json_output) {
        json_t *obj = eo_out_json_object("serve");
        json_object_set_new(obj, "event", json_string("done"));
        json_object_set_new(obj, "client",
                            status->client[0] ? json_string(status->client) : json_null());
        json_object_set_new(obj, "requests", json_integer(status->requests));
        json_object_set_new(obj, "refused", json_integer(status->rejected));
        json_object_set_new(obj, "bytes_confirmed",
                            json_integer((json_int_t)status->best_confirmed));
        json_object_set_new(obj, "complete", json_boolean(status->complete));
        cli_json_status(obj, err, "serve", advice_device());
        eo_out_json(obj);
    } else if (status->complete) {
        eo_out_info("image delivered to %s (%llu bytes acknowledged, connection closed)",
                    status->client, (unsigned long long)status->best_confirmed);
    }
}

static enum eo_status serve_image(const struct eo_image *image, bool *reported,
                                  struct eo_error *err)
{
    struct eo_target device;
    struct eo_serve_options options;
    struct eo_serve *server = NULL;
    struct eo_serve_status status;
    char local[EO_NET_ADDRESS_MAX];
    memset(&device, 0, sizeof device);
    enum eo_status rc = plan_server(&device, local, &options, err);
    if (rc == EO_OK)
        rc = eo_serve_start(&options, image->data, image->size, &server, err);
    if (rc != EO_OK)
        return rc;
    announce(server, &device, image);
    wait_for_transfer(server, &status);
    snprintf(client_seen, sizeof client_seen, "%s", status.client);
    rc = judge(server, &status, err);
    eo_serve_stop(server);
    report(&status, rc == EO_OK ? NULL : err);
    *reported = json_output;
    return rc;
}

int cmd_serve(int argc, char **argv)
{
    char *args[argc > 0 ? argc : 1];
    int nargs;
    int rc = options_parse(&serve_spec, argc, argv, args, &nargs);
    if (rc != 0)
        return rc < 0 ? EO_OK : rc;
    if ((rc = validate()) != EO_OK)
        return rc;
    eo_out_set_quiet(quiet || json_output);
    cancel = cli_interrupt_install();
    struct eo_image image;
    struct eo_error err = {0};
    bool reported = false; /* in the JSON "done" line */
    memset(&image, 0, sizeof image);
    enum eo_status status = eo_image_load(args[0], &image, &err);
    if (status == EO_OK)
        status = serve_image(&image, &reported, &err);
    if (status != EO_OK && (!reported || status == EO_ERR_INTERRUPTED))
        cli_report_error(&err, "serve", advice_device());
    eo_image_release(&image);
    return status == EO_OK ? EO_OK : eo_error_exit_code(&err);
}
