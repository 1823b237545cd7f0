/* upgrade_hook.c — the user's hook in the upgrade flow (upgrade.h, hook.h): what it is told
 * about the device, the events that say it runs and how it ended, and what its "no" means —
 * before the first step the device is skipped (nothing sent), after a verified upgrade the
 * device has failed although the image stays installed. */
#include <stdio.h>
#include <string.h>

#include "upgrade_private.h"

static bool have_hook(const struct upgrade_run *run)
{
    const struct eo_hook *hook = run->req->hook;
    return hook && hook->command && hook->command[0];
}

/* What the hook is told about the device and its plan. */
static struct eo_hook_context context_of(const struct upgrade_run *run, enum eo_hook_when when)
{
    const struct eo_device *device = &run->current.device;
    const struct eo_upgrade_result *res = run->res;
    return (struct eo_hook_context){
        .when = when,
        .device = run->req->device,
        .hostname = device->hostname,
        .address = run->target.address,
        .chip_id = device->chip_id,
        .from_version = res->before.device.version,
        .to_version = upgrade_target_version(run),
        .image = run->req->image->path,
        .image_md5 = run->req->image->md5,
        .route = res->planned ? eo_route_name(res->plan.route) : "",
        .steps = res->planned ? res->plan.step_count : 0,
        .plan = res->planned ? res->plan.summary : "",
    };
}

static void hook_event(struct upgrade_run *run, enum eo_event_kind kind,
                       const struct eo_hook_result *hook, enum eo_status status, const char *text)
{
    struct eo_event event = {
        .kind = kind,
        .device = run->req->device,
        .steps = run->res->planned ? run->res->plan.step_count : 0,
        .phase = EO_PHASE_HOOK,
        .elapsed_s = hook->seconds,
        .text = text,
        .status = status,
        .hook = hook,
    };
    eo_events_emit(run->req->events, &event);
}

/* "; it said: 'LAST LINE'" when it wrote anything. */
static const char *said(const struct eo_hook_result *hook, char *buf, size_t cap)
{
    if (hook->end == EO_HOOK_NOT_STARTED || !hook->last_line[0])
        buf[0] = '\0';
    else
        snprintf(buf, cap, "; it said: '%.200s'", hook->last_line);
    return buf;
}

/* Runs the hook with the PHASE and HOOK_RESULT events around it; `verdict` words a "no". */
static enum eo_status run_hook(struct upgrade_run *run, const struct eo_hook_context *context,
                               struct eo_hook_result *out, enum eo_status no, const char *verdict,
                               struct eo_error *err)
{
    const char *when = eo_hook_when_name(context->when);
    struct eo_hook_result starting = {.when = context->when};
    char text[400], how[300];
    hook_event(run, EO_EVENT_PHASE, &starting, EO_OK,
               context->when == EO_HOOK_BEFORE ? "before the first step" : "after the upgrade");
    struct eo_hook_io io = {
        .device = run->req->device, .events = run->req->events, .cancel = run->req->cancel};
    enum eo_status status = eo_hook_run(run->req->hook, context, &io, out, err);
    bool passed = eo_hook_passed(out);
    const char *meaning = passed || status != EO_OK ? "" : verdict;
    snprintf(text, sizeof text, "%s: %s in %.1f s%s%s", when,
             eo_hook_describe(out, how, sizeof how), out->seconds, meaning[0] ? ": " : "", meaning);
    hook_event(run, EO_EVENT_HOOK_RESULT, out, passed ? EO_OK : no, text);
    return status;
}

enum eo_status upgrade_hook_before(struct upgrade_run *run, struct eo_error *err)
{
    if (!have_hook(run))
        return EO_OK;
    struct eo_hook_context context = context_of(run, EO_HOOK_BEFORE);
    struct eo_hook_result *hook = &run->res->hook_before;
    enum eo_status status = run_hook(run, &context, hook, EO_ERR_HOOK_SKIPPED,
                                     "the device is skipped, nothing was sent", err);
    if (status != EO_OK || eo_hook_passed(hook))
        return status;
    char how[300], words[260];
    return eo_error_hinted(err, EO_ERR_HOOK_SKIPPED, EO_HINT_HOOK_BEFORE,
                           "%s: the hook before the upgrade %s: skipped, nothing was sent%s",
                           run->req->device, eo_hook_describe(hook, how, sizeof how),
                           said(hook, words, sizeof words));
}

/* The "no" of a hook after a verified upgrade (or an up-to-date device). */
static enum eo_status hook_said_no(struct upgrade_run *run, const struct eo_hook_result *hook,
                                   const char *check, struct eo_error *err)
{
    char how[300], words[260];
    const char *version = run->current.device.version;
    return eo_error_hinted(err, EO_ERR_HOOK_FAILED, EO_HINT_HOOK_AFTER,
                           "%s: the hook after the upgrade %s: the image is installed (%s runs "
                           "%s, checked by %s) but the hook said no%s",
                           run->req->device, eo_hook_describe(hook, how, sizeof how),
                           run->req->device, version[0] ? version : "the new image", check,
                           said(hook, words, sizeof words));
}

static enum eo_status after(struct upgrade_run *run, struct eo_hook_context *context,
                            enum eo_status status, struct eo_error *err)
{
    struct eo_hook_result *hook = &run->res->hook_after;
    context->outcome = status == EO_OK ? "done" : "failed";
    context->status = status;
    context->error = status == EO_OK ? "" : err->message;
    context->final_version = run->current.device.version;
    if (!context->check)
        context->check = status == EO_OK ? eo_verify_check_name(run->res->check) : "";
    struct eo_error hook_err = {0};
    enum eo_status ran = run_hook(run, context, hook, EO_ERR_HOOK_FAILED,
                                  status == EO_OK ? "the image is installed, the hook said no"
                                                  : "the upgrade had failed already",
                                  &hook_err);
    if (ran != EO_OK) { /* interrupted */
        *err = hook_err;
        return ran;
    }
    if (status != EO_OK || eo_hook_passed(hook))
        return status;
    return hook_said_no(run, hook, context->check, err);
}

enum eo_status upgrade_hook_after(struct upgrade_run *run, enum eo_status status,
                                  struct eo_error *err)
{
    if (!have_hook(run) || !eo_hook_passed(&run->res->hook_before) || status == EO_ERR_INTERRUPTED)
        return status;
    struct eo_hook_context context = context_of(run, EO_HOOK_AFTER);
    return after(run, &context, status, err);
}

enum eo_status upgrade_hook_pending(struct upgrade_run *run, struct eo_error *err)
{
    if (!have_hook(run) || !run->req->hook_after_pending)
        return EO_OK;
    eo_events_note(run->req->events, run->req->device, 0,
                   "the hook after an earlier run's upgrade never said yes: running it now");
    struct eo_hook_context context = context_of(run, EO_HOOK_AFTER);
    context.from_version = "";
    context.resumed = true;
    context.check = "version"; /* up to date: the plan found it on the image's version */
    run->res->hook_after_resumed = true;
    return after(run, &context, EO_OK, err);
}

void upgrade_hook_dry_run(struct upgrade_run *run)
{
    if (have_hook(run))
        eo_events_note(run->req->events, run->req->device, 0,
                       "dry run: the hook is not run (nothing is sent)");
}
