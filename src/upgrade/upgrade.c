/* upgrade.c — one device to the requested full image (upgrade.h): learn → plan → for each step
 * push, wait for the reboot, identify → verify → soak. The flow and the bookkeeping of where the
 * device stands live here; what fits is plan.c's, how bytes move is the transports', how a
 * device is seen is watch.c's. */
#include "espurna-ota/upgrade.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "espurna-ota/net.h"
#include "upgrade_private.h"

/* ---- learning and preparing ------------------------------------------------------------ */

static void phase(struct upgrade_run *run, enum eo_phase which, unsigned step, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void phase(struct upgrade_run *run, enum eo_phase which, unsigned step, const char *fmt, ...)
{
    char text[400];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    struct eo_event event = {
        .kind = EO_EVENT_PHASE,
        .device = run->req->device,
        .step = step,
        .steps = run->res->planned ? run->res->plan.step_count : 0,
        .phase = which,
        .text = text,
    };
    eo_events_emit(run->req->events, &event);
}

static struct eo_identify_options identify_options(const struct upgrade_run *run, bool want_md5)
{
    return (struct eo_identify_options){
        .password = run->req->password,
        .use_mdns = run->req->use_mdns,
        .want_md5 = want_md5,
        .cancel = run->req->cancel,
    };
}

/* A device named by its host name must answer as that name (mDNS record, /discover or
 * `info`): one that answers as another is not upgraded nor reported as the one asked for. An
 * address, a chip id or MAC that is the device's, or a device whose name is not known, is taken
 * as it is. */
static enum eo_status check_identity(const struct upgrade_run *run, struct eo_error *err)
{
    const struct eo_device *device = &run->current.device;
    const char *asked = run->req->device;
    char numeric[64];
    if (!device->hostname[0] || eo_net_canonical_address(asked, numeric, sizeof numeric) ||
        eo_device_matches(device, asked) || strcasecmp(device->chip_id, asked) == 0 ||
        strcasecmp(device->mac, asked) == 0)
        return EO_OK; /* an address, its host name, its chip id or its MAC (a device list's) */
    return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_WRONG_DEVICE,
                           "%s (%s) answers as "
                           "%s, not %s: refusing to upgrade it or to report what it runs as "
                           "%s's; check the name, or name the device by its address if it "
                           "is the one you mean",
                           asked, run->target.address, device->hostname, asked, asked);
}

/* A record from discovery is used as it is when it says what the device runs; one without
 * ESPurna's keys (a 1.13 core, a device in safe mode announces only ArduinoOTA's) is completed
 * over http and the terminal. */
static enum eo_status learn(struct upgrade_run *run, struct eo_error *err)
{
    const struct eo_upgrade_request *req = run->req;
    phase(run, EO_PHASE_LEARN, 0, "reading what %s runs", run->target.address);
    if (req->known && req->known->device.version[0]) {
        run->current = *req->known;
        eo_identify_settle_kind(&run->target, &run->current.device);
    } else {
        struct eo_identify_options options = identify_options(run, false);
        if (req->known)
            run->current = *req->known; /* sources = MDNS: the lookup is not made again */
        enum eo_status status =
            eo_identify(&run->target, req->device, &options, &run->current, err);
        if (status != EO_OK)
            return status;
    }
    run->res->before = run->current;
    upgrade_note_identity(run, 0, "runs", &run->current);
    return check_identity(run, err);
}

/* The flash size the core image must be built for: what the running build is for, else the
 * chip, else what the target image is built for. */
static uint32_t core_flash_size(const struct upgrade_run *run)
{
    const struct eo_device *device = &run->current.device;
    if (device->flash_built.source != EO_FIGURE_UNKNOWN)
        return (uint32_t)device->flash_built.bytes;
    if (device->flash_real.source != EO_FIGURE_UNKNOWN)
        return (uint32_t)device->flash_real.bytes;
    return eo_flash_size_bytes(eo_image_flash_header(run->req->image)->flash_size_code);
}

static enum eo_status load_core(struct upgrade_run *run, const char *path, struct eo_error *err)
{
    enum eo_status status = eo_image_load(path, &run->core, err);
    if (status != EO_OK)
        return status;
    run->core_loaded = true;
    run->input.core = &run->core;
    return EO_OK;
}

/* Finds the core image (unless given); not finding one is not an error yet: only a plan that
 * needs it fails, and then with the names that would have matched. */
static enum eo_status find_core(struct upgrade_run *run, struct eo_error *err)
{
    const struct eo_upgrade_request *req = run->req;
    struct eo_core_choice *choice = &run->res->core;
    if (req->core_path) {
        snprintf(choice->path, sizeof choice->path, "%s", req->core_path);
        snprintf(choice->reason, sizeof choice->reason, "given");
        return load_core(run, req->core_path, err);
    }
    char dirs[EO_FIRMWARE_MAX_DIRS][PATH_MAX];
    size_t count = eo_firmware_search_path(req->firmware_dir, dirs, EO_FIRMWARE_MAX_DIRS);
    unsigned step2 = (1u << EO_METHOD_ESPOTA) | (1u << EO_METHOD_TERMINAL);
    enum eo_status status = eo_firmware_find_core(dirs, count, core_flash_size(run), step2,
                                                  req->image->version, choice, &run->core_error);
    if (status != EO_OK) {
        memset(choice, 0, sizeof *choice);
        return EO_OK;
    }
    return load_core(run, choice->path, err);
}

/* The gzip of the image, made once, when the device or its core may take one. */
static enum eo_status prepare_gzip(struct upgrade_run *run, struct eo_error *err)
{
    const struct eo_upgrade_request *req = run->req;
    if (req->policy.no_gzip || req->image->format == EO_IMAGE_FORMAT_GZIP)
        return EO_OK;
    if (req->image_gzip) {
        run->input.target_gzip = req->image_gzip;
        return EO_OK;
    }
    bool useful = eo_plan_device_takes_gzip(run->current.device.version) ||
                  (run->input.core && eo_plan_device_takes_gzip(run->input.core->version));
    if (!useful)
        return EO_OK;
    enum eo_status status = eo_image_gzip(req->image, &run->gzip, err);
    if (status != EO_OK)
        return status;
    run->gzip_made = true;
    run->input.target_gzip = &run->gzip;
    return EO_OK;
}

/* ---- planning --------------------------------------------------------------------------- */

static void announce_plan(struct upgrade_run *run)
{
    const struct eo_plan *plan = &run->res->plan;
    if (run->res->core.path[0] && plan->route == EO_ROUTE_TWO_STEP)
        eo_events_note(run->req->events, run->req->device, 0, "core image %s (%s)",
                       run->res->core.path, run->res->core.reason);
    phase(run, EO_PHASE_PLAN, 0, "%s", plan->summary);
    for (unsigned i = 0; i < plan->note_count; i++)
        eo_events_note(run->req->events, run->req->device, 0, "%s", plan->notes[i]);
}

/* A refusal for want of a core image also names the files that would have matched. */
static void explain_missing_core(const struct upgrade_run *run, struct eo_error *err)
{
    if (err->hint != EO_HINT_CORE_IMAGE || !run->core_error.message[0])
        return;
    size_t len = strlen(err->message);
    snprintf(err->message + len, sizeof err->message - len, "; %s", run->core_error.message);
}

static enum eo_status make_plan(struct upgrade_run *run, struct eo_error *err)
{
    run->input.device = &run->current.device;
    run->input.target = run->req->image;
    enum eo_status status = eo_plan_make(&run->input, &run->req->policy, &run->res->plan, err);
    if (status != EO_OK) {
        explain_missing_core(run, err);
        return status;
    }
    run->res->planned = true;
    announce_plan(run);
    return EO_OK;
}

/* ---- one step --------------------------------------------------------------------------- */

static struct eo_push_request push_request(const struct upgrade_run *run, unsigned index,
                                           const struct eo_image *image)
{
    const struct eo_upgrade_request *req = run->req;
    const struct eo_device *device = &run->current.device;
    return (struct eo_push_request){
        .target = &run->target,
        .image = image,
        .password = req->password,
        .connect_timeout_ms = req->connect_timeout_ms,
        .stall_timeout_ms = req->stall_timeout_ms,
        .result_timeout_ms = req->result_timeout_ms,
        .device_flash_size =
            device->flash_real.source != EO_FIGURE_UNKNOWN ? (uint32_t)device->flash_real.bytes : 0,
        .device_free_space =
            device->free_space.source != EO_FIGURE_UNKNOWN ? (uint32_t)device->free_space.bytes : 0,
        .espota = req->espota,
        .web = req->web,
        .terminal = req->terminal,
        .device_label = req->device,
        .step = index + 1,
        .steps = run->res->plan.step_count,
        .events = req->events,
        .cancel = req->cancel,
    };
}

/* Pushes by the step's method, then by each fallback while a failure leaves no doubt that
 * nothing reached the device. */
static enum eo_status push_step(struct upgrade_run *run, unsigned index,
                                struct eo_push_result *pushed, struct eo_error *err)
{
    const struct eo_plan_step *step = &run->res->plan.steps[index];
    struct eo_upgrade_step_result *out = &run->res->steps[index];
    const struct eo_image *image = eo_plan_step_image(&run->input, step);
    struct eo_push_request request = push_request(run, index, image);
    unsigned remaining = step->fallback_methods & ~(1u << step->method);
    enum eo_method method = step->method;
    for (;;) {
        out->method = method;
        phase(run, EO_PHASE_PUSH, index + 1, "%s by %s", upgrade_step_image_text(run, step),
              eo_method_name(method));
        enum eo_status status = eo_push(method, &request, pushed, err);
        if (status == EO_OK || !remaining || !eo_push_failed_before_start(pushed, err))
            return status;
        enum eo_method next = upgrade_next_method(&remaining);
        snprintf(out->fallback, sizeof out->fallback, "%s did not start (%.200s); %s was tried",
                 eo_method_name(method), err->message, eo_method_name(next));
        eo_events_note(run->req->events, run->req->device, index + 1, "%s", out->fallback);
        method = next;
    }
}

/* Whether the device may install what it was sent, so that its reboot must be waited for. */
static bool may_have_installed(const struct eo_push_result *pushed, const struct eo_image *image,
                               enum eo_status status)
{
    if (status == EO_OK || status == EO_ERR_UNKNOWN)
        return true;
    if (status == EO_ERR_AUTH || status == EO_ERR_REFUSED || status == EO_ERR_NOFIT ||
        status == EO_ERR_INTERRUPTED)
        return false;
    return pushed->bytes_confirmed >= image->size;
}

/* The name a device is watched by: the host name it announced, so that a new address is still
 * this device; else the user's name for it. */
static const char *watch_name(const struct upgrade_run *run)
{
    return run->current.device.hostname[0] ? run->current.device.hostname : run->req->device;
}

/* Whether an mDNS record names this very device: its host name, or its chip id. */
static bool same_device(const struct eo_device *known, const struct eo_device *seen)
{
    if (known->hostname[0] && strcasecmp(known->hostname, seen->hostname) == 0)
        return true;
    return known->chip_id[0] && strcasecmp(known->chip_id, seen->chip_id) == 0;
}

/* Back from a reboot with its record at another address (a new DHCP lease): reach it there. */
static void follow_address(struct upgrade_run *run, unsigned index, const struct eo_identity *after)
{
    const struct eo_device *seen = &after->device;
    if (!(after->sources & EO_IDENTIFIED_MDNS) || seen->address_count == 0 ||
        !same_device(&run->current.device, seen))
        return;
    for (unsigned i = 0; i < seen->address_count; i++)
        if (strcmp(seen->addresses[i], run->target.address) == 0)
            return;
    eo_events_note(run->req->events, run->req->device, index + 1,
                   "answers at %s now (was %s): its address changed at the reboot",
                   seen->addresses[0], run->target.address);
    snprintf(run->target.address, sizeof run->target.address, "%s", seen->addresses[0]);
    snprintf(run->res->address, sizeof run->res->address, "%s", run->target.address);
}

static enum eo_status wait_for_reboot(struct upgrade_run *run, unsigned index,
                                      struct eo_identity *after, struct eo_error *err)
{
    const struct eo_upgrade_request *req = run->req;
    bool last = index + 1 == run->res->plan.step_count;
    struct eo_reboot_options options = {
        .identify = identify_options(run, last && !upgrade_target_version(run)[0]),
        .timeout_ms =
            req->reboot_timeout_ms ? req->reboot_timeout_ms : EO_UPGRADE_DEFAULT_REBOOT_MS,
        .version_is_enough = last,
        .device_label = req->device,
        .step = index + 1,
        .steps = run->res->plan.step_count,
        .events = req->events,
    };
    struct eo_reboot_seen seen = {0};
    phase(run, EO_PHASE_REBOOT, index + 1, "waiting for %s to reboot", req->device);
    enum eo_status status =
        eo_watch_reboot(&run->target, watch_name(run), &run->current, &options, after, &seen, err);
    run->res->steps[index].reboot_s = seen.total_s;
    run->res->steps[index].back_s = seen.back_s > 0 ? seen.back_s : 0;
    if (status == EO_OK)
        follow_address(run, index, after);
    return status;
}

/* Back on the version it ran before while the step's image has another: it did not install it,
 * whatever kind a record still resolving service by service suggests. */
static bool back_on_old_version(const struct upgrade_run *run, const struct eo_plan_step *step,
                                const struct eo_identity *after)
{
    const char *before = run->current.device.version, *now = after->device.version;
    return before[0] && now[0] && step->expect_version[0] &&
           eo_version_compare(now, before) == EO_VERSION_SAME &&
           eo_version_compare(now, step->expect_version) != EO_VERSION_SAME;
}

/* The device is back: did it take the step's image? */
static enum eo_status judge_step(struct upgrade_run *run, unsigned index,
                                 const struct eo_identity *after, enum eo_status push_status,
                                 const struct eo_error *push_err, struct eo_error *err)
{
    const struct eo_plan_step *step = &run->res->plan.steps[index];
    struct eo_upgrade_step_result *out = &run->res->steps[index];
    snprintf(out->version_after, sizeof out->version_after, "%s", after->device.version);
    out->kind_after = after->device.kind;
    if (!after->device.version[0] && step->expect_kind == EO_KIND_CORE && after->answered) {
        /* a 1.12-1.14 core prints nothing on its terminal: without mDNS its version cannot be
         * read; the next step's push is the check (it cannot fit beside a full image) */
        snprintf(out->note, sizeof out->note,
                 "the core answers but says nothing of its version "
                 "(no mDNS record, a silent terminal): the next step tells");
        return EO_OK;
    }
    if (upgrade_same_build(&run->current, after) || back_on_old_version(run, step, after)) {
        if (push_status != EO_OK)
            return eo_error_set(err, push_status, "%s", push_err->message);
        return eo_error_hinted(err, EO_ERR_VERIFY, EO_HINT_RERUN,
                               "%s came back on the image it ran before (%s): it did not "
                               "install the %s",
                               run->req->device, after->device.version,
                               upgrade_step_image_text(run, step));
    }
    if (!upgrade_took_step(step, after))
        return eo_error_set(err, EO_ERR_VERIFY, "%s came back running %s %s, not the %s %s",
                            run->req->device, eo_device_kind_name(&after->device),
                            after->device.version[0] ? after->device.version : "(unknown)",
                            eo_kind_name(step->expect_kind) ? eo_kind_name(step->expect_kind) : "",
                            step->expect_version);
    if (push_status != EO_OK)
        snprintf(out->note, sizeof out->note,
                 "the transfer reported '%.120s', but the device came "
                 "back on the new image",
                 push_err->message);
    return EO_OK;
}

static void step_event(struct upgrade_run *run, unsigned index, enum eo_status status)
{
    const struct eo_upgrade_step_result *out = &run->res->steps[index];
    char text[300];
    snprintf(text, sizeof text, "%s by %s, %llu bytes confirmed in %.1f s, back in %.1f s%s%s",
             upgrade_step_image_text(run, &run->res->plan.steps[index]),
             eo_method_name(out->method), (unsigned long long)out->bytes, out->push_s,
             out->reboot_s, out->note[0] ? "; " : "", out->note);
    struct eo_event event = {
        .kind = EO_EVENT_STEP_RESULT,
        .device = run->req->device,
        .step = index + 1,
        .steps = run->res->plan.step_count,
        .phase = EO_PHASE_REBOOT,
        .elapsed_s = out->push_s + out->reboot_s,
        .text = text,
        .status = status,
    };
    eo_events_emit(run->req->events, &event);
}

static enum eo_status run_step(struct upgrade_run *run, unsigned index, struct eo_error *err)
{
    struct eo_upgrade_step_result *out = &run->res->steps[index];
    const struct eo_plan_step *step = &run->res->plan.steps[index];
    const struct eo_image *image = eo_plan_step_image(&run->input, step);
    struct eo_push_result pushed = {0};
    struct eo_error push_err = {0};
    out->ran = true;
    out->image = step->image;
    out->push_status = push_step(run, index, &pushed, &push_err);
    out->bytes = pushed.bytes_confirmed;
    out->push_s = pushed.seconds;
    snprintf(out->reply, sizeof out->reply, "%s", pushed.device_reply);
    if (!may_have_installed(&pushed, image, out->push_status)) {
        *err = push_err;
        return out->status = out->push_status;
    }
    if (out->push_status != EO_OK)
        eo_events_note(run->req->events, run->req->device, index + 1,
                       "%s; waiting for its reboot to tell", push_err.message);
    struct eo_identity after;
    enum eo_status status = wait_for_reboot(run, index, &after, err);
    if (status == EO_OK)
        status = judge_step(run, index, &after, out->push_status, &push_err, err);
    else if (status == EO_ERR_UNREACHABLE && out->push_status != EO_OK &&
             err->hint != EO_HINT_CHECK_VERSION)
        *err = push_err; /* it did not reboot: the transfer's failure is the story */
    if (status == EO_OK || (status == EO_ERR_VERIFY &&
                            !back_on_old_version(run, &run->res->plan.steps[index], &after)))
        run->current = after;
    out->status = status;
    step_event(run, index, status);
    return status;
}

/* The device refused a one-step plan's image as too big before anything was written: plan
 * again as two steps. Returns true when a new plan is in place. */
static bool replan_after_nofit(struct upgrade_run *run, const struct eo_error *refusal,
                               struct eo_error *err)
{
    struct eo_plan *plan = &run->res->plan;
    /* "not enough space" comes from the Updater's begin: nothing was written, whatever the
     * device's TCP took of the upload before it answered */
    if (run->replanned || plan->route == EO_ROUTE_TWO_STEP || refusal->status != EO_ERR_NOFIT ||
        plan->steps[0].free_before_certainty != EO_CERTAIN_UNKNOWN)
        return false;
    run->replanned = true;
    eo_events_note(run->req->events, run->req->device, 1, "%s; planning two steps",
                   refusal->message);
    if (eo_plan_after_nofit(&run->input, &run->req->policy, plan, err) != EO_OK) {
        explain_missing_core(run, err);
        return false;
    }
    memset(run->res->steps, 0, sizeof run->res->steps);
    announce_plan(run);
    return true;
}

static enum eo_status run_steps(struct upgrade_run *run, struct eo_error *err)
{
    for (unsigned index = 0; index < run->res->plan.step_count; index++) {
        enum eo_status status = run_step(run, index, err);
        if (status == EO_OK)
            continue;
        struct eo_error refusal = *err;
        if (index == 0 && replan_after_nofit(run, &refusal, err)) {
            index = (unsigned)-1; /* start over with the new plan */
            continue;
        }
        return err->status != EO_OK ? err->status : status;
    }
    return EO_OK;
}

/* ---- verifying -------------------------------------------------------------------------- */

static enum eo_status verify(struct upgrade_run *run, struct eo_error *err)
{
    struct eo_upgrade_result *res = run->res;
    phase(run, EO_PHASE_VERIFY, 0, "checking what %s runs now", run->req->device);
    res->after = run->current;
    snprintf(res->final_version, sizeof res->final_version, "%s", run->current.device.version);
    enum eo_status status = upgrade_check_final(run, err);
    if (status == EO_OK && run->req->soak_s) {
        phase(run, EO_PHASE_SOAK, 0, "watching %s for %u s", run->req->device, run->req->soak_s);
        status =
            eo_watch_soak(&run->target, watch_name(run), run->req->soak_s, run->req->cancel, err);
    }
    return status;
}

/* ---- the whole run ---------------------------------------------------------------------- */

static enum eo_status prepare_and_plan(struct upgrade_run *run, struct eo_error *err)
{
    enum eo_status status = learn(run, err);
    if (status == EO_OK)
        status = find_core(run, err);
    if (status == EO_OK)
        status = prepare_gzip(run, err);
    if (status == EO_OK)
        status = make_plan(run, err);
    return status;
}

static enum eo_status execute(struct upgrade_run *run, struct eo_error *err)
{
    enum eo_status status = prepare_and_plan(run, err);
    if (status != EO_OK)
        return status;
    if (run->res->plan.route == EO_ROUTE_UP_TO_DATE) {
        run->res->up_to_date = true;
        run->res->after = run->current;
        snprintf(run->res->final_version, sizeof run->res->final_version, "%s",
                 run->current.device.version);
        return upgrade_hook_pending(run, err);
    }
    if (run->req->dry_run) {
        run->res->dry_run = true;
        upgrade_hook_dry_run(run);
        return EO_OK;
    }
    status = upgrade_hook_before(run, err);
    if (status != EO_OK)
        return status;
    status = run_steps(run, err);
    if (status == EO_OK)
        status = verify(run, err);
    return upgrade_hook_after(run, status, err);
}

static void release(struct upgrade_run *run)
{
    if (run->core_loaded)
        eo_image_release(&run->core);
    if (run->gzip_made)
        eo_image_release(&run->gzip);
}

enum eo_status eo_upgrade_run(const struct eo_upgrade_request *request,
                              struct eo_upgrade_result *result, struct eo_error *err)
{
    struct upgrade_run run = {.req = request, .res = result, .target = *request->target};
    memset(result, 0, sizeof *result);
    snprintf(result->address, sizeof result->address, "%s", request->target->address);
    eo_error_clear(err);
    double started = eo_net_now();
    enum eo_status status = execute(&run, err);
    result->status = status;
    result->seconds = eo_net_now() - started;
    upgrade_describe_where(&run, status, err);
    struct eo_event event = {
        .kind = EO_EVENT_DEVICE_RESULT,
        .device = request->device,
        .status = status,
        .elapsed_s = result->seconds,
        .text = result->where,
    };
    eo_events_emit(request->events, &event);
    release(&run);
    return status;
}
