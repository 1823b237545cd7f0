/* upgrade_judge.c — the upgrade's judgements and words: whether the device took a step, the
 * final check against the target (version, firmware MD5, or at least a change), and the one line
 * that says where the device stands and how to finish. */
#include <stdio.h>
#include <string.h>

#include "espurna-ota/output.h"
#include "upgrade_private.h"

const char *upgrade_target_version(const struct upgrade_run *run)
{
    const char *expected = run->req->policy.expect_version;
    return expected && expected[0] ? expected : run->req->image->version;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

const char *upgrade_step_image_text(struct upgrade_run *run, const struct eo_plan_step *step)
{
    size_t index = (size_t)(step - run->res->plan.steps);
    char *text = run->step_text[index < EO_PLAN_MAX_STEPS ? index : 0];
    const struct eo_image *image = eo_plan_step_image(&run->input, step);
    const char *name = image ? base_name(image->path) : "?";
    if (step->image == EO_STEP_CORE)
        snprintf(text, sizeof run->step_text[0], "core image %s", name);
    else if (step->image == EO_STEP_TARGET_GZIP)
        snprintf(text, sizeof run->step_text[0], "gzip of image %s (%llu of %llu bytes)",
                 base_name(run->req->image->path), (unsigned long long)step->bytes,
                 (unsigned long long)step->inflated);
    else
        snprintf(text, sizeof run->step_text[0], "image %s", name);
    return text;
}

enum eo_method upgrade_next_method(unsigned *remaining)
{
    for (unsigned method = 0; method < EO_METHOD_COUNT; method++)
        if (*remaining & (1u << method)) {
            *remaining &= ~(1u << method);
            return (enum eo_method)method;
        }
    return EO_METHOD_ESPOTA;
}

static const char *sources_text(unsigned sources, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s%s", sources & EO_IDENTIFIED_MDNS ? "mdns " : "",
             sources & EO_IDENTIFIED_HTTP ? "http " : "",
             sources & EO_IDENTIFIED_TERMINAL ? "terminal " : "");
    size_t len = strlen(buf);
    if (len)
        buf[len - 1] = '\0';
    return buf;
}

void upgrade_note_identity(struct upgrade_run *run, unsigned step, const char *verb,
                           const struct eo_identity *identity)
{
    const struct eo_device *device = &identity->device;
    char free_text[64] = "free space unknown", sources[32];
    if (device->free_space.source != EO_FIGURE_UNKNOWN)
        snprintf(free_text, sizeof free_text, "free %llu B (%s)",
                 (unsigned long long)device->free_space.bytes,
                 eo_figure_source_name(device->free_space.source));
    eo_events_note(run->req->events, run->req->device, step, "%s %s (%s), %s; from %s%s%s", verb,
                   device->version[0] ? device->version : "an unknown version",
                   eo_device_kind_name(device), free_text,
                   sources_text(identity->sources, sources, sizeof sources),
                   identity->missing[0] ? "; " : "", identity->missing);
}

bool upgrade_same_build(const struct eo_identity *before, const struct eo_identity *after)
{
    const struct eo_device *a = &before->device, *b = &after->device;
    bool kinds_differ =
        a->kind != EO_KIND_UNKNOWN && b->kind != EO_KIND_UNKNOWN && a->kind != b->kind;
    if (strcmp(a->version, b->version) != 0 || kinds_differ)
        return false;
    return !a->build_date[0] || !b->build_date[0] || strcmp(a->build_date, b->build_date) == 0;
}

/* A 1.14 core build keeps announcing the previous board, so its kind may read "full": a device
 * without a web server that reports the core's version is running the core. */
static bool runs_core(const struct eo_device *device)
{
    return device->kind == EO_KIND_CORE || !(device->methods & (1u << EO_METHOD_WEB));
}

bool upgrade_took_step(const struct eo_plan_step *step, const struct eo_identity *after)
{
    const struct eo_device *device = &after->device;
    if (step->expect_version[0] &&
        eo_version_compare(device->version, step->expect_version) != EO_VERSION_SAME)
        return false;
    if (step->expect_kind == EO_KIND_CORE)
        return runs_core(device);
    return step->expect_kind != EO_KIND_FULL || device->kind != EO_KIND_CORE;
}

static enum eo_status check_version(struct upgrade_run *run, const char *target,
                                    struct eo_error *err)
{
    const struct eo_device *device = &run->current.device;
    if (eo_version_compare(device->version, target) == EO_VERSION_SAME &&
        device->kind != EO_KIND_CORE) {
        run->res->check = EO_CHECK_VERSION;
        return EO_OK;
    }
    return eo_error_set(err, EO_ERR_VERIFY, "%s came back running %s %s, not %s", run->req->device,
                        eo_device_kind_name(device),
                        device->version[0] ? device->version : "an unknown version", target);
}

enum eo_status upgrade_check_final(struct upgrade_run *run, struct eo_error *err)
{
    const char *target = upgrade_target_version(run);
    const struct eo_image *image = run->req->image;
    if (target[0])
        return check_version(run, target, err);
    if (run->current.firmware_md5[0] && image->format != EO_IMAGE_FORMAT_GZIP) {
        if (strcmp(run->current.firmware_md5, image->md5) != 0)
            return eo_error_set(err, EO_ERR_VERIFY,
                                "%s runs firmware with MD5 %s, not the "
                                "image's %s",
                                run->req->device, run->current.firmware_md5, image->md5);
        run->res->check = EO_CHECK_MD5;
        return EO_OK;
    }
    run->res->check =
        upgrade_same_build(&run->res->before, &run->current) ? EO_CHECK_NONE : EO_CHECK_CHANGED;
    return EO_OK;
}

const char *eo_verify_check_name(enum eo_verify_check check)
{
    static const char *const names[] = {"none", "version", "md5", "changed"};
    return (unsigned)check < sizeof names / sizeof names[0] ? names[check] : "none";
}

/* ---- where the device stands ------------------------------------------------------------ */

/* The last step that ran, NULL when none did. */
static const struct eo_upgrade_step_result *last_step(const struct upgrade_run *run)
{
    const struct eo_upgrade_step_result *last = NULL;
    for (unsigned i = 0; i < EO_PLAN_MAX_STEPS && run->res->steps[i].ran; i++)
        last = &run->res->steps[i];
    return last;
}

/* The device took the whole image of a step, and the step then failed before the device was seen
 * again (interrupted in the reboot wait): it is rebooting into that image, or about to. */
static bool took_then_unseen(const struct upgrade_run *run)
{
    const struct eo_upgrade_step_result *last = last_step(run);
    return last && last->push_status == EO_OK && last->status != EO_OK && !last->version_after[0];
}

static void where_failed(struct upgrade_run *run, const struct eo_error *err, char *out, size_t cap)
{
    const char *name = run->req->device;
    const struct eo_device *device = &run->current.device;
    const char *version = device->version[0] ? device->version : "an unknown version";
    if (err && err->hint == EO_HINT_CHECK_VERSION && err->status == EO_ERR_UNREACHABLE)
        snprintf(out, cap,
                 "%s may be installing what it was sent (last seen running %s %s): "
                 "once it is back, the same command again finishes or reports it up to date; if "
                 "it never answers again it may be bricked (a cut copy leaves a broken image): "
                 "flash it over serial",
                 name, eo_device_kind_name(device), version);
    else if (err && err->hint == EO_HINT_CHECK_VERSION)
        snprintf(out, cap,
                 "%s may be installing what it was sent (last seen running %s %s): "
                 "once it is back, the same command again finishes or reports it up to date",
                 name, eo_device_kind_name(device), version);
    else if (err && err->hint == EO_HINT_RESTART)
        snprintf(out, cap,
                 "%s still runs %s %s and holds what it was sent: it installs it at its "
                 "next restart (power-cycle it, or 'reset' on its terminal); then the same "
                 "command again checks it",
                 name, eo_device_kind_name(device), version);
    else if (took_then_unseen(run))
        snprintf(out, cap,
                 "%s took the %s and may be rebooting into it (last seen running %s "
                 "%s): once it is back, the same command again finishes or reports it up to date",
                 name, last_step(run)->image == EO_STEP_CORE ? "core image" : "image",
                 eo_device_kind_name(device), version);
    else if (run->res->planned && runs_core(device) && device->kind == EO_KIND_CORE)
        snprintf(out, cap,
                 "%s is running the core image %s (no web UI, no sensors) - run the "
                 "same command again to finish",
                 name, version);
    else if (!run->res->steps[0].ran)
        snprintf(out, cap, "%s was not changed: nothing was sent; it runs %s %s", name,
                 eo_device_kind_name(device), version);
    else if (run->res->steps[0].status != EO_OK)
        snprintf(out, cap, "%s was not changed: it still runs %s %s", name,
                 eo_device_kind_name(device), version);
    else
        snprintf(out, cap, "%s runs %s %s", name, eo_device_kind_name(device), version);
}

void upgrade_describe_where(struct upgrade_run *run, enum eo_status status,
                            const struct eo_error *err)
{
    struct eo_upgrade_result *res = run->res;
    const char *name = run->req->device;
    const char *version = run->current.device.version;
    if (!run->current.sources && !run->current.device.version[0])
        snprintf(res->where, sizeof res->where, "%s was not changed: nothing was sent", name);
    else if (status == EO_ERR_HOOK_SKIPPED)
        snprintf(res->where, sizeof res->where,
                 "%s was not changed: the hook before the upgrade said no, nothing was sent; it "
                 "runs %s %s",
                 name, eo_device_kind_name(&run->current.device), version);
    else if (status == EO_ERR_HOOK_FAILED)
        snprintf(res->where, sizeof res->where,
                 "%s runs %s (the image is installed), but the hook after the upgrade said no",
                 name, version[0] ? version : "the new image");
    else if (status != EO_OK)
        where_failed(run, err, res->where, sizeof res->where);
    else if (res->up_to_date)
        snprintf(res->where, sizeof res->where, "%s already runs %s: nothing to do", name, version);
    else if (res->dry_run)
        snprintf(res->where, sizeof res->where, "%s was not changed (dry run): it runs %s %s", name,
                 eo_device_kind_name(&run->current.device), version);
    else
        snprintf(res->where, sizeof res->where, "%s runs %s, checked by %s", name,
                 version[0] ? version : "the new image", eo_verify_check_name(res->check));
}
