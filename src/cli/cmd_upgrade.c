/* cmd_upgrade.c — `espurna-ota upgrade --device DEV --image FILE`: takes one device from whatever
 * it runs to the image, choosing the route itself (one step, one gzip step, two steps through a
 * core image), waiting for each reboot and verifying the version at the end. Parses options,
 * calls eo_upgrade_run and renders its events and result (text or one JSON object). */
#include <stdio.h>
#include <string.h>

#include "advice.h"
#include "commands.h"
#include "interrupt.h"
#include "espurna-ota/device_cache.h"
#include "espurna-ota/discover.h"
#include "espurna-ota/image_file.h"
#include "espurna-ota/output.h"
#include "espurna-ota/report.h"
#include "espurna-ota/resolve.h"
#include "espurna-ota/secret.h"
#include "espurna-ota/upgrade.h"
#include "options.h"
#include "upgrade_json.h"
#include "password.h"

static const char *device_arg, *image_arg, *core_arg, *firmware_dir, *method_arg;
static const char *password_file, *password_arg, *expect_version, *hook_arg;
static unsigned long reboot_timeout_s, soak_s, window, connect_timeout, stall_timeout,
    result_timeout, hook_timeout_s;
static bool dry_run, force, allow_downgrade, no_gzip, two_step, no_mdns, json_output, quiet;

static const struct option_spec upgrade_options[] = {
    {"device", 'd', OPT_STRING, &device_arg, 0, 0, "DEV", "device host name or IP address",
     .settable = false},
    {"image", 'i', OPT_STRING, &image_arg, 0, 0, "FILE", "the full image to end on",
     .settable = false},
    {"core", 0, OPT_STRING, &core_arg, 0, 0, "FILE",
     "core image for a two-step update (default: found in --firmware-dir or the search path)",
     .settable = false},
    {"firmware-dir", 0, OPT_STRING, &firmware_dir, 0, 0, "DIR",
     "folder of release images to find the core image in", .settable = true, .unless = "core"},
    {"method", 'm', OPT_STRING, &method_arg, 0, 0, "METHOD",
     "espota, web or terminal for every step (default: chosen per step)", .settable = true,
     .unless = "window"},
    {"password-file", 0, OPT_STRING, &password_file, 0, 0, "FILE",
     "read the device password from FILE ('-' = stdin)", .settable = true, .unless = "password"},
    {"password", 0, OPT_SECRET, &password_arg, 0, 0, "PW",
     "device password (visible to other users: prefer --password-file)", .settable = false},
    {"dry-run", 'n', OPT_FLAG, &dry_run, 0, 0, NULL, "print the plan and stop: nothing is sent",
     .settable = false},
    {"force", 0, OPT_FLAG, &force, 0, 0, NULL, "allow an image of another app than the device runs",
     .settable = false},
    {"allow-downgrade", 0, OPT_FLAG, &allow_downgrade, 0, 0, NULL,
     "allow an image older than what the device runs", .settable = false},
    {"no-gzip", 0, OPT_FLAG, &no_gzip, 0, 0, NULL, "never send a compressed image",
     .settable = true},
    {"two-step", 0, OPT_FLAG, &two_step, 0, 0, NULL,
     "go through the core image even when one step would do", .settable = false},
    {"expect-version", 0, OPT_STRING, &expect_version, 0, 0, "VERSION",
     "the version the image reports (for images that do not say)", .settable = false},
    {"reboot-timeout", 0, OPT_UINT, &reboot_timeout_s, 1, 3600, "S",
     "wait this long for each reboot (default 60)", .settable = true},
    {"soak", 0, OPT_UINT, &soak_s, 1, 86400, "S",
     "after verifying, fail if the device reboots again within S seconds (default 0)",
     .settable = true},
    {"window", 0, OPT_UINT, &window, 1, EO_ESPOTA_MAX_WINDOW, "N",
     "espota chunks in flight (default 32)", .settable = true, .unless = "method"},
    {"connect-timeout", 0, OPT_UINT, &connect_timeout, 100, 600000, "MS",
     "wait this long for a connection, either way (default 10000)", .settable = true},
    {"stall-timeout", 0, OPT_UINT, &stall_timeout, 100, 600000, "MS",
     "give up when a transfer makes no progress this long (default 10000)", .settable = true},
    {"result-timeout", 0, OPT_UINT, &result_timeout, 2000, 600000, "MS",
     "wait this long for the verdict once the device confirmed the whole image (default 60000)",
     .settable = true},
    {"no-mdns", 0, OPT_FLAG, &no_mdns, 0, 0, NULL,
     "learn the device over http and its terminal only", .settable = true},
    {"hook", 0, OPT_STRING, &hook_arg, 0, 0, "CMD",
     "run CMD (/bin/sh -c) before the first step and after the upgrade; non-zero: no (manual)",
     .settable = false},
    {"hook-timeout", 0, OPT_UINT, &hook_timeout_s, 1, 3600, "S",
     "kill the hook after S seconds, a no (default 60)", .settable = true},
    {"json", 0, OPT_FLAG, &json_output, 0, 0, NULL, "print one JSON object instead of text",
     .settable = false},
    {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no progress or messages, only the result",
     .settable = false},
};

const struct command_spec upgrade_spec = {
    "upgrade",
    "",
    "Take one device to the image: plan, one step or two, wait for the reboot, verify.",
    upgrade_options,
    OPTION_COUNT(upgrade_options),
    0,
    0,
};

struct upgrade_job {
    struct eo_target target;
    struct eo_identity known; /* the mDNS record that gave the address, when one did */
    bool have_known;
    struct eo_image image;
    char password[EO_SECRET_MAX];
    struct eo_espota_options espota;
    struct eo_hook hook;
    struct eo_upgrade_request request;
    struct eo_upgrade_result result;
};

/* ---- checks and setup ------------------------------------------------------------------- */

static int validate(int *method)
{
    enum eo_method parsed;
    if (!device_arg)
        return options_usage_error(&upgrade_spec, "missing --device DEV");
    if (!image_arg)
        return options_usage_error(&upgrade_spec, "missing --image FILE");
    if (password_file && password_arg)
        return options_usage_error(&upgrade_spec, "--password and --password-file both given; "
                                                  "use one (prefer --password-file)");
    if (core_arg && firmware_dir)
        return options_usage_error(&upgrade_spec, "--core and --firmware-dir both given; use "
                                                  "one");
    *method = -1;
    if (method_arg) {
        if (!eo_method_parse(method_arg, &parsed))
            return options_usage_error(&upgrade_spec,
                                       "unknown --method '%s' (espota, web or "
                                       "terminal)",
                                       method_arg);
        *method = (int)parsed;
    }
    if (hook_arg && !hook_arg[0])
        return options_usage_error(&upgrade_spec, "--hook needs a command");
    if (hook_timeout_s && !hook_arg)
        return options_usage_error(&upgrade_spec, "--hook-timeout is for --hook");
    if (window && *method >= 0 && *method != EO_METHOD_ESPOTA)
        return options_usage_error(&upgrade_spec, "--window is for espota, not --method %s",
                                   method_arg);
    return EO_OK;
}

static enum eo_status resolve_password(struct upgrade_job *job, struct eo_error *err)
{
    return cli_resolve_password(&job->target, password_arg, password_file, job->password, err);
}

/* A name looked up over mDNS gives the whole record at once: its address and ports are used,
 * and the upgrade does not look it up again. Without avahi-daemon, or for a name mDNS does not
 * know, the usual resolution (DNS, numeric literals) goes on. */
static enum eo_status find_by_mdns(struct upgrade_job *job, const struct eo_cancel *cancel,
                                   struct eo_error *err)
{
    struct eo_device *record = &job->known.device;
    struct eo_error lookup_err = {0};
    enum eo_status status = eo_discover_device(device_arg, NULL, 0, cancel, record, &lookup_err);
    if (status == EO_ERR_INTERRUPTED) {
        *err = lookup_err;
        return status;
    }
    if (status != EO_OK || record->address_count == 0)
        return eo_resolve_device(device_arg, &job->target, err);
    eo_target_from_device(&job->target, device_arg, record);
    job->known.sources = EO_IDENTIFIED_MDNS;
    job->have_known = true;
    return EO_OK;
}

static enum eo_status find_device(struct upgrade_job *job, const struct eo_cancel *cancel,
                                  struct eo_error *err)
{
    if (no_mdns || eo_resolve_is_address(device_arg))
        return eo_resolve_device(device_arg, &job->target, err);
    return find_by_mdns(job, cancel, err);
}

static enum eo_status prepare(struct upgrade_job *job, const struct eo_cancel *cancel,
                              struct eo_error *err)
{
    enum eo_status status = eo_image_load(image_arg, &job->image, err);
    if (status == EO_OK)
        status = find_device(job, cancel, err);
    if (status == EO_OK)
        status = resolve_password(job, err);
    return status;
}

static void fill_request(struct upgrade_job *job, int method, const struct eo_events *events,
                         const struct eo_cancel *cancel)
{
    eo_espota_options_init(&job->espota);
    if (window)
        job->espota.window = (unsigned)window;
    job->hook = (struct eo_hook){.command = hook_arg, .timeout_s = (unsigned)hook_timeout_s};
    job->request = (struct eo_upgrade_request){
        .device = device_arg,
        .target = &job->target,
        .image = &job->image,
        .core_path = core_arg,
        .firmware_dir = firmware_dir,
        .password = job->password,
        .policy = {.force = force,
                   .allow_downgrade = allow_downgrade,
                   .no_gzip = no_gzip,
                   .two_step = two_step,
                   .method = method,
                   .expect_version = expect_version},
        .known = job->have_known ? &job->known : NULL,
        .dry_run = dry_run,
        .use_mdns = !no_mdns,
        .reboot_timeout_ms = (unsigned)(reboot_timeout_s * 1000u),
        .soak_s = (unsigned)soak_s,
        .connect_timeout_ms = (unsigned)connect_timeout,
        .stall_timeout_ms = (unsigned)stall_timeout,
        .result_timeout_ms = (unsigned)result_timeout,
        .espota = &job->espota,
        .hook = hook_arg ? &job->hook : NULL,
        .events = events,
        .cancel = cancel,
    };
}

/* ---- output ----------------------------------------------------------------------------- */

static json_t *identity_json(const struct eo_identity *identity)
{
    const struct eo_device *device = &identity->device;
    return json_pack("{s:o,s:s,s:o}", "version", eo_out_json_text(device->version), "kind",
                     eo_device_kind_name(device), "hostname", eo_out_json_text(device->hostname));
}

static void print_json(const struct upgrade_job *job, const struct eo_error *err)
{
    const struct eo_upgrade_result *result = &job->result;
    json_t *obj = eo_out_json_object("upgrade");
    json_object_set_new(obj, "device", json_string(device_arg));
    json_object_set_new(obj, "address",
                        json_string(result->address[0] ? result->address : job->target.address));
    json_object_set_new(obj, "image",
                        json_pack("{s:s,s:I,s:s,s:o}", "path", image_arg, "size",
                                  (json_int_t)job->image.size, "md5", job->image.md5, "version",
                                  eo_out_json_text(job->image.version)));
    json_object_set_new(obj, "before", identity_json(&result->before));
    json_object_set_new(obj, "plan", cli_upgrade_plan_json(result));
    json_object_set_new(obj, "core", cli_upgrade_core_json(result));
    json_object_set_new(obj, "steps", cli_upgrade_steps_json(result));
    json_object_set_new(obj, "hooks", cli_upgrade_hooks_json(result));
    json_object_set_new(obj, "final_version", eo_out_json_text(result->final_version));
    json_object_set_new(obj, "check", json_string(eo_verify_check_name(result->check)));
    json_object_set_new(obj, "dry_run", json_boolean(result->dry_run));
    json_object_set_new(obj, "where", eo_out_json_text(result->where));
    json_object_set_new(obj, "seconds", json_real(result->seconds));
    cli_json_status(obj, err, "upgrade", device_arg);
    if (!err && result->up_to_date)
        json_object_set_new(obj, "status", json_string("up-to-date"));
    eo_out_json(obj);
}

static const char *figure_text(uint64_t bytes, enum eo_certainty certainty, char *buf, size_t cap)
{
    if (certainty == EO_CERTAIN_UNKNOWN)
        return "unknown";
    snprintf(buf, cap, "%llu B (%s)", (unsigned long long)bytes, eo_certainty_name(certainty));
    return buf;
}

/* The plan's steps as planned: what is sent, how, and the free space around it. */
static void print_plan_steps(const struct eo_upgrade_result *result)
{
    for (unsigned i = 0; i < result->plan.step_count; i++) {
        const struct eo_plan_step *step = &result->plan.steps[i];
        char label[16], before[48], after[48];
        snprintf(label, sizeof label, "step %u", i + 1);
        eo_out_field(
            label,
            "%s by %s: %llu bytes (%llu installed), free before %s, after %s, "
            "then it runs %s %s",
            cli_step_image_name(step->image), eo_method_name(step->method),
            (unsigned long long)step->bytes, (unsigned long long)step->inflated,
            figure_text(step->free_before, step->free_before_certainty, before, sizeof before),
            figure_text(step->free_after, step->free_after_certainty, after, sizeof after),
            eo_kind_name(step->expect_kind) ? eo_kind_name(step->expect_kind) : "?",
            step->expect_version[0] ? step->expect_version : "?");
    }
    for (unsigned i = 0; i < result->plan.note_count; i++)
        eo_out_field("note", "%s", result->plan.notes[i]);
}

static void print_hooks(const struct eo_upgrade_result *result)
{
    const struct eo_hook_result *hooks[] = {&result->hook_before, &result->hook_after};
    for (size_t i = 0; i < 2; i++) {
        char label[16], how[300];
        if (!hooks[i]->ran)
            continue;
        snprintf(label, sizeof label, "hook %s", eo_hook_when_name(hooks[i]->when));
        eo_out_field(label, "%s in %.1f s", eo_hook_describe(hooks[i], how, sizeof how),
                     hooks[i]->seconds);
    }
}

static void print_text(const struct upgrade_job *job)
{
    const struct eo_upgrade_result *result = &job->result;
    eo_out_block_begin(result->hook_before.ran || result->hook_after.ran ? 11 : 9);
    eo_out_field("device", "%s (%s)", device_arg, job->target.address);
    if (result->planned)
        eo_out_field("plan", "%s", result->plan.summary);
    if (result->core.path[0] && result->plan.route == EO_ROUTE_TWO_STEP)
        eo_out_field("core", "%s (%s)", result->core.path, result->core.reason);
    if (result->dry_run)
        print_plan_steps(result);
    for (unsigned i = 0; i < EO_PLAN_MAX_STEPS && result->steps[i].ran; i++) {
        const struct eo_upgrade_step_result *step = &result->steps[i];
        char label[16];
        snprintf(label, sizeof label, "step %u", i + 1);
        eo_out_field(label, "%s by %s: %llu bytes in %.1f s, back in %.1f s as %s%s%s",
                     cli_step_image_name(step->image), eo_method_name(step->method),
                     (unsigned long long)step->bytes, step->push_s, step->reboot_s,
                     step->version_after[0] ? step->version_after : "?", step->note[0] ? "; " : "",
                     step->note);
    }
    print_hooks(result);
    if (result->up_to_date)
        eo_out_field_tone("result", EO_TONE_GOOD, "up to date");
    else if (result->dry_run)
        eo_out_field("result", "dry run: nothing was sent");
    else
        eo_out_field_tone("result", EO_TONE_GOOD, "%s (checked by %s) in %.1f s",
                          result->final_version, eo_verify_check_name(result->check),
                          result->seconds);
    eo_out_field("where", "%s", result->where);
}

/* ---- entry point ------------------------------------------------------------------------ */

/* The device as last identified goes into the cache shell completion reads (its errors are
 * ignored: a cache). */
static void remember_device(const struct upgrade_job *job)
{
    const struct eo_upgrade_result *result = &job->result;
    const struct eo_identity *seen = result->after.answered ? &result->after : &result->before;
    if (seen->answered)
        eo_device_cache_remember_one(
            &seen->device, result->address[0] ? result->address : job->target.address, NULL);
}

static enum eo_status run(struct upgrade_job *job, int method, struct eo_error *err)
{
    const struct eo_cancel *cancel = cli_interrupt_install();
    enum eo_status status = prepare(job, cancel, err);
    if (status != EO_OK) {
        snprintf(job->result.where, sizeof job->result.where,
                 "%s was not changed: nothing "
                 "was sent",
                 device_arg);
        return status;
    }
    struct eo_report_text report;
    struct eo_events events = eo_report_text_sink(&report, "upgrade");
    fill_request(job, method, &events, cancel);
    status = eo_upgrade_run(&job->request, &job->result, err);
    eo_report_text_finish(&report);
    return status;
}

int cmd_upgrade(int argc, char **argv)
{
    char *args[argc > 0 ? argc : 1];
    int nargs, method = -1;
    int rc = options_parse(&upgrade_spec, argc, argv, args, &nargs);
    if (rc != 0)
        return rc < 0 ? EO_OK : rc;
    if ((rc = validate(&method)) != EO_OK)
        return rc;
    eo_out_set_quiet(quiet || json_output);
    static struct upgrade_job job; /* large: identities and plans */
    struct eo_error err = {0};
    memset(&job, 0, sizeof job);
    enum eo_status status = run(&job, method, &err);
    remember_device(&job);
    eo_secret_wipe(job.password, sizeof job.password);
    if (status != EO_OK) {
        cli_report_error(&err, "upgrade", device_arg);
        struct eo_error where = {.status = status};
        snprintf(where.message, sizeof where.message, "%s", job.result.where);
        if (!json_output)
            eo_out_error(&where);
    }
    if (json_output)
        print_json(&job, status == EO_OK ? NULL : &err);
    else if (status == EO_OK)
        print_text(&job);
    eo_image_release(&job.image);
    return status == EO_OK ? EO_OK : eo_error_exit_code(&err);
}
