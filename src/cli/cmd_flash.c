/* cmd_flash.c — `espurna-ota flash --device DEV --image FILE [--method M]`: sends one image to
 * one device by one method, with progress on stderr and the outcome on stdout (text or one JSON
 * object). No planning, no reboot wait, no verification: that is `upgrade`. Each method is one
 * small function and one row of the `methods` table. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "advice.h"
#include "commands.h"
#include "interrupt.h"
#include "espurna-ota/espota.h"
#include "espurna-ota/image_file.h"
#include "espurna-ota/output.h"
#include "espurna-ota/push.h"
#include "espurna-ota/report.h"
#include "espurna-ota/resolve.h"
#include "espurna-ota/secret.h"
#include "espurna-ota/terminal.h"
#include "espurna-ota/tls_files.h"
#include "espurna-ota/transport.h"
#include "espurna-ota/web.h"
#include "options.h"
#include "password.h"

static const char *device_arg, *image_arg, *method_arg, *password_file, *password_arg;
/* method-specific numbers stay 0 unless given, so that giving them with another method is
 * caught */
static unsigned long host_port, device_port, window, invite_timeout, invite_tries, result_timeout;
static unsigned long connect_timeout = EO_ESPOTA_DEFAULT_CONNECT_MS;
static unsigned long stall_timeout = EO_ESPOTA_DEFAULT_STALL_MS;
static bool esp32, json_output, quiet;
/* web and terminal methods */
static const char *ca_file, *pinned_key, *expect_hostname, *serve_address;
static unsigned long web_port, telnet_port, serve_port, fetch_timeout = 30000;
static bool https, no_discover;
static const struct eo_cancel *cancel; /* set by SIGINT / SIGTERM / SIGHUP */

static const struct option_spec flash_options[] = {
    {"device", 'd', OPT_STRING, &device_arg, 0, 0, "DEV", "device host name or IP address",
     .settable = false},
    {"image", 'i', OPT_STRING, &image_arg, 0, 0, "FILE", "firmware image to send",
     .settable = false},
    {"method", 'm', OPT_STRING, &method_arg, 0, 0, "METHOD", "espota (default), web or terminal",
     .settable = true},
    {"password-file", 0, OPT_STRING, &password_file, 0, 0, "FILE",
     "read the device password from FILE ('-' = stdin)", .settable = true, .unless = "password"},
    {"password", 0, OPT_SECRET, &password_arg, 0, 0, "PW",
     "device password (visible to other users: prefer --password-file)", .settable = false},
    {"port", 0, OPT_UINT, &device_port, 1, 65535, "N",
     "device's espota UDP port (default 8266, 3232 with --esp32)", .settable = false},
    {"esp32", 0, OPT_FLAG, &esp32, 0, 0, NULL, "the device is an ESP32 (port 3232)",
     .settable = false},
    {"host-port", 0, OPT_UINT, &host_port, 1, 65535, "N",
     "local TCP port the device connects back to (default: any free port)", .settable = false},
    {"window", 0, OPT_UINT, &window, 1, EO_ESPOTA_MAX_WINDOW, "N",
     "espota chunks in flight (default 32; 1 = stop-and-wait like espota.py)", .settable = false},
    {"invite-timeout", 0, OPT_UINT, &invite_timeout, 100, 60000, "MS",
     "wait this long for an answer to each invitation (default 2000)", .settable = false},
    {"invite-tries", 0, OPT_UINT, &invite_tries, 1, 50, "N",
     "send the invitation at most N times (default 5)", .settable = false},
    {"connect-timeout", 0, OPT_UINT, &connect_timeout, 100, 600000, "MS",
     "wait this long for a connection, either way (default 10000)", .settable = true},
    {"stall-timeout", 0, OPT_UINT, &stall_timeout, 100, 600000, "MS",
     "give up when the transfer makes no progress this long (default 10000)", .settable = true},
    {"result-timeout", 0, OPT_UINT, &result_timeout, 2000, 600000, "MS",
     "espota, web: wait this long for the verdict once the device confirmed the whole image "
     "(default 60000)",
     .settable = false},
    {"web-port", 0, OPT_UINT, &web_port, 1, 65535, "N", "web: device's HTTP port (default 80)",
     .settable = false},
    {"https", 0, OPT_FLAG, &https, 0, 0, NULL, "web: speak https (devices built with TLS)",
     .settable = false},
    {"ca-file", 0, OPT_STRING, &ca_file, 0, 0, "FILE",
     "web: verify the device's certificate with this PEM bundle (implies --https)",
     .settable = false},
    {"pin", 0, OPT_STRING, &pinned_key, 0, 0, "KEY",
     "web: accept only this public key, sha256//BASE64 or a key file (implies --https)",
     .settable = false},
    {"expect-hostname", 0, OPT_STRING, &expect_hostname, 0, 0, "NAME",
     "web: refuse unless /discover names this device (default: DEV when it ends in .local)",
     .settable = false},
    {"no-discover", 0, OPT_FLAG, &no_discover, 0, 0, NULL,
     "web: don't read /discover to confirm the device first", .settable = false},
    {"telnet-port", 0, OPT_UINT, &telnet_port, 1, 65535, "N",
     "terminal: device's telnet port (default 23)", .settable = false},
    {"serve-address", 0, OPT_STRING, &serve_address, 0, 0, "ADDR",
     "terminal: local address the device fetches from (default: the one facing it)",
     .settable = false},
    {"serve-port", 0, OPT_UINT, &serve_port, 1, 65535, "N",
     "terminal: local port to serve the image on (default: any free port)", .settable = false},
    {"fetch-timeout", 0, OPT_UINT, &fetch_timeout, 100, 600000, "MS",
     "terminal: wait this long for the device to start fetching (default 30000)", .settable = true},
    {"json", 0, OPT_FLAG, &json_output, 0, 0, NULL, "print one JSON object instead of text",
     .settable = false},
    {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no progress or messages, only the result",
     .settable = false},
};

const struct command_spec flash_spec = {
    "flash",
    "",
    "Send one image to one device by one method (no planning, no verification).",
    flash_options,
    OPTION_COUNT(flash_options),
    0,
    0,
};

/* Everything a method needs for one push. */
struct flash_job {
    struct eo_target target;
    struct eo_image image;
    char password[EO_SECRET_MAX];
    struct eo_espota_options espota;
    struct eo_web_options web;
    struct eo_terminal_options terminal;
};

/* ---- each method's own options ---------------------------------------------------------- */

static void set_espota_options(struct eo_espota_options *options)
{
    eo_espota_options_init(options);
    options->host_port = (uint16_t)host_port;
    if (window)
        options->window = (unsigned)window;
    if (invite_timeout)
        options->invite_timeout_ms = (unsigned)invite_timeout;
    if (invite_tries)
        options->invite_tries = (unsigned)invite_tries;
    options->chip = esp32 ? EO_ESPOTA_ESP32 : EO_ESPOTA_AUTO;
}

/* --device X.local names the device's mDNS host name, which /discover must repeat. */
static const char *expected_hostname(void)
{
    size_t len = strlen(device_arg);
    if (expect_hostname)
        return expect_hostname;
    return len > 6 && strcasecmp(device_arg + len - 6, ".local") == 0 ? device_arg : NULL;
}

static void set_web_options(struct eo_web_options *options)
{
    *options = (struct eo_web_options){
        .expect_hostname = expected_hostname(),
        .skip_discover = no_discover,
        .https = https,
        .ca_file = ca_file,
        .pinned_key = pinned_key,
    };
}

static void set_terminal_options(struct eo_terminal_options *options)
{
    *options = (struct eo_terminal_options){
        .serve_address = serve_address,
        .serve_port = (uint16_t)serve_port,
        .fetch_timeout_ms = (unsigned)fetch_timeout,
    };
}

static enum eo_status push_image(struct flash_job *job, enum eo_method method,
                                 const struct eo_events *events, struct eo_push_result *result,
                                 struct eo_error *err)
{
    set_espota_options(&job->espota);
    set_web_options(&job->web);
    set_terminal_options(&job->terminal);
    struct eo_push_request request = {
        .target = &job->target,
        .image = &job->image,
        .password = job->password,
        .connect_timeout_ms = (unsigned)connect_timeout,
        .stall_timeout_ms = (unsigned)stall_timeout,
        .result_timeout_ms = (unsigned)result_timeout,
        .espota = &job->espota,
        .web = &job->web,
        .terminal = &job->terminal,
        .device_label = job->target.name,
        .events = events,
        .cancel = cancel,
    };
    enum eo_status status = eo_push(method, &request, result, err);
    if (status == EO_OK && method == EO_METHOD_TERMINAL)
        eo_out_info("image delivered; waiting for reboot");
    return status;
}

/* ---- checks and setup ------------------------------------------------------------------- */

/* Options of one method given with another method: name the pair. */
static int check_method_options(enum eo_method method)
{
    const char *espota_only = host_port        ? "--host-port"
                              : device_port    ? "--port"
                              : esp32          ? "--esp32"
                              : window         ? "--window"
                              : invite_timeout ? "--invite-timeout"
                              : invite_tries   ? "--invite-tries"
                                               : NULL;
    if (espota_only && method != EO_METHOD_ESPOTA)
        return options_usage_error(&flash_spec, "%s is for --method espota, not --method %s",
                                   espota_only, eo_method_name(method));
    if (result_timeout && method == EO_METHOD_TERMINAL)
        return options_usage_error(&flash_spec, "--result-timeout is for --method espota or "
                                                "web, not --method terminal");
    const char *web_only = web_port          ? "--web-port"
                           : https           ? "--https"
                           : ca_file         ? "--ca-file"
                           : pinned_key      ? "--pin"
                           : expect_hostname ? "--expect-hostname"
                           : no_discover     ? "--no-discover"
                                             : NULL;
    const char *terminal_only = telnet_port     ? "--telnet-port"
                                : serve_address ? "--serve-address"
                                : serve_port    ? "--serve-port"
                                                : NULL;
    if (web_only && method != EO_METHOD_WEB)
        return options_usage_error(&flash_spec, "%s is for --method web, not --method %s", web_only,
                                   eo_method_name(method));
    if (terminal_only && method != EO_METHOD_TERMINAL)
        return options_usage_error(&flash_spec, "%s is for --method terminal, not --method %s",
                                   terminal_only, eo_method_name(method));
    if (pinned_key && eo_tls_pin_is_hashes(pinned_key) && !eo_tls_pin_hashes_valid(pinned_key))
        return options_usage_error(&flash_spec,
                                   "--pin needs sha256//BASE64 (the base64 of a "
                                   "32-byte SHA-256; several joined by ';') or a public key "
                                   "file, not '%s'",
                                   pinned_key);
    if (serve_address && !eo_resolve_is_address(serve_address))
        return options_usage_error(&flash_spec,
                                   "--serve-address needs a numeric IPv4 or IPv6 "
                                   "address, not '%s'",
                                   serve_address);
    return EO_OK;
}

static int validate(enum eo_method *method)
{
    if (!device_arg)
        return options_usage_error(&flash_spec, "missing --device DEV");
    if (!image_arg)
        return options_usage_error(&flash_spec, "missing --image FILE");
    if (password_file && password_arg)
        return options_usage_error(&flash_spec, "--password and --password-file both given; "
                                                "use one (prefer --password-file)");
    *method = EO_METHOD_ESPOTA;
    if (method_arg && !eo_method_parse(method_arg, method))
        return options_usage_error(&flash_spec,
                                   "unknown --method '%s' (espota, web or "
                                   "terminal)",
                                   method_arg);
    return check_method_options(*method);
}

static enum eo_status resolve_target(struct flash_job *job, struct eo_error *err)
{
    enum eo_status status = eo_resolve_device(device_arg, &job->target, err);
    if (status != EO_OK)
        return status;
    if (esp32)
        job->target.espota_port = EO_DEFAULT_ESP32_OTA_PORT;
    if (device_port)
        job->target.espota_port = (uint16_t)device_port;
    if (web_port)
        job->target.web_port = (uint16_t)web_port;
    if (telnet_port)
        job->target.telnet_port = (uint16_t)telnet_port;
    return EO_OK;
}

static enum eo_status resolve_password(struct flash_job *job, struct eo_error *err)
{
    return cli_resolve_password(&job->target, password_arg, password_file, job->password, err);
}

/* ---- output ----------------------------------------------------------------------------- */

static double rate_of(const struct eo_push_result *result)
{
    return result->seconds > 0 ? (double)result->bytes_confirmed / result->seconds : 0.0;
}

static void print_json(const struct flash_job *job, enum eo_method method,
                       const struct eo_push_result *result, const struct eo_error *err)
{
    json_t *obj = eo_out_json_object("flash");
    json_object_set_new(obj, "device", json_string(device_arg));
    json_object_set_new(obj, "address", json_string(job->target.address));
    json_object_set_new(obj, "method", json_string(eo_method_name(method)));
    json_object_set_new(obj, "image",
                        json_pack("{s:s,s:I,s:s}", "path", image_arg, "size",
                                  (json_int_t)job->image.size, "md5", job->image.md5));
    json_object_set_new(obj, "bytes_confirmed", json_integer((json_int_t)result->bytes_confirmed));
    json_object_set_new(obj, "seconds", json_real(result->seconds));
    json_object_set_new(obj, "rate_bytes_per_s", json_real(rate_of(result)));
    json_object_set_new(obj, "device_reply", json_string(result->device_reply));
    cli_json_status(obj, err, "flash", device_arg);
    eo_out_json(obj);
}

static void print_text(const struct flash_job *job, enum eo_method method,
                       const struct eo_push_result *result)
{
    char size[32];
    eo_out_block_begin(9);
    if (strcmp(job->target.name, job->target.address) == 0)
        eo_out_field("device", "%s", job->target.address);
    else
        eo_out_field("device", "%s (%s)", job->target.name, job->target.address);
    eo_out_field("method", "%s", eo_method_name(method));
    eo_out_field("image", "%s (%zu bytes, md5 %s)", job->image.path, job->image.size,
                 job->image.md5);
    eo_out_field("confirmed", "%s in %.1f s (%.1f KiB/s)",
                 eo_out_size(result->bytes_confirmed, size, sizeof size), result->seconds,
                 rate_of(result) / 1024.0);
    eo_out_field("reply", "%s", result->device_reply[0] ? result->device_reply : "-");
}

/* ---- entry point ------------------------------------------------------------------------ */

/* The files behind --ca-file and a --pin that is not a hash: usable before anything is sent. */
static enum eo_status check_tls_files(struct eo_error *err)
{
    enum eo_status status = EO_OK;
    if (ca_file)
        status = eo_tls_check_ca_file(ca_file, err);
    if (status == EO_OK && pinned_key && !eo_tls_pin_is_hashes(pinned_key))
        status = eo_tls_check_pin_file(pinned_key, err);
    return status;
}

static enum eo_status prepare(struct flash_job *job, struct eo_error *err)
{
    enum eo_status status = eo_image_load(image_arg, &job->image, err);
    if (status == EO_OK)
        status = check_tls_files(err);
    if (status == EO_OK)
        status = resolve_target(job, err);
    if (status == EO_OK)
        status = resolve_password(job, err);
    return status;
}

int cmd_flash(int argc, char **argv)
{
    char *args[argc > 0 ? argc : 1];
    int nargs;
    enum eo_method method;
    int rc = options_parse(&flash_spec, argc, argv, args, &nargs);
    if (rc != 0)
        return rc < 0 ? EO_OK : rc;
    if ((rc = validate(&method)) != EO_OK)
        return rc;
    eo_out_set_quiet(quiet || json_output);
    cancel = cli_interrupt_install();
    struct flash_job job;
    struct eo_push_result result = {0};
    struct eo_error err = {0};
    memset(&job, 0, sizeof job);
    enum eo_status status = prepare(&job, &err);
    if (status == EO_OK) {
        struct eo_report_text report;
        struct eo_events events = eo_report_text_sink(&report, "flash");
        status = push_image(&job, method, &events, &result, &err);
        eo_report_text_finish(&report);
    }
    eo_secret_wipe(job.password, sizeof job.password);
    if (status != EO_OK)
        cli_report_error(&err, "flash", device_arg);
    if (json_output)
        print_json(&job, method, &result, status == EO_OK ? NULL : &err);
    else if (status == EO_OK)
        print_text(&job, method, &result);
    eo_image_release(&job.image);
    return status == EO_OK ? EO_OK : eo_error_exit_code(&err);
}
