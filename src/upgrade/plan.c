/* plan.c — decides, before any byte is sent, whether and how an image goes onto a device: the
 * checks (flash size built for, app, version), then the route from the Updater's arithmetic
 * (layout.h) over what the device reported — one step, one gzip step, two steps through a core
 * image, or a refusal with the numbers — and the method of each step. Pure: no I/O. */
#include "espurna-ota/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "espurna-ota/layout.h"

#define ESPURNA_APP "ESPURNA"
#define ALL_METHODS ((1u << EO_METHOD_ESPOTA) | (1u << EO_METHOD_WEB) | (1u << EO_METHOD_TERMINAL))
#define CORE_METHODS ((1u << EO_METHOD_ESPOTA) | (1u << EO_METHOD_TERMINAL))

/* Outcome of trying one route. */
enum attempt { ATTEMPT_NOFIT = 0, ATTEMPT_DONE, ATTEMPT_FAILED };

/* What the planner knows while it works. */
struct planner {
    const struct eo_plan_input *in;
    const struct eo_plan_policy *policy;
    struct eo_plan *plan;
    struct eo_error *err;
    enum eo_status status;              /* of ATTEMPT_FAILED */
    char name[80];                      /* the device in messages */
    const char *target_version;         /* "" when unknown */
    struct eo_layout now;               /* of the running build */
    enum eo_certainty layout_certainty; /* COMPUTED (sdk_size), GUESSED (fallback), UNKNOWN */
    bool free_known;
    uint64_t free;    /* free OTA space now, bytes */
    uint32_t running; /* running image size the free space implies */
    enum eo_certainty free_certainty;
    unsigned offered;        /* methods the device offers now */
    bool takes_gzip;         /* the device as it runs now */
    bool refused_as_too_big; /* replanning after the device said the image does not fit */
};

const char *eo_route_name(enum eo_route route)
{
    switch (route) {
    case EO_ROUTE_UP_TO_DATE: return "up-to-date";
    case EO_ROUTE_ONE_STEP: return "one-step";
    case EO_ROUTE_GZIP_ONE_STEP: return "gzip-one-step";
    case EO_ROUTE_TWO_STEP: return "two-step";
    case EO_ROUTE_REFUSED: break;
    }
    return "refused";
}

const char *eo_certainty_name(enum eo_certainty certainty)
{
    switch (certainty) {
    case EO_CERTAIN_REPORTED: return "reported";
    case EO_CERTAIN_COMPUTED: return "computed";
    case EO_CERTAIN_GUESSED: return "guessed";
    case EO_CERTAIN_UNKNOWN: break;
    }
    return "unknown";
}

const struct eo_image *eo_plan_step_image(const struct eo_plan_input *input,
                                          const struct eo_plan_step *step)
{
    switch (step->image) {
    case EO_STEP_TARGET: return input->target;
    case EO_STEP_TARGET_GZIP: return input->target_gzip;
    case EO_STEP_CORE: return input->core;
    }
    return NULL;
}

/* ---- small helpers ------------------------------------------------------------------- */

static void add_note(struct planner *p, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void add_note(struct planner *p, const char *format, ...)
{
    struct eo_plan *plan = p->plan;
    char note[sizeof plan->notes[0]];
    va_list args;
    va_start(args, format);
    vsnprintf(note, sizeof note, format, args);
    va_end(args);
    for (unsigned i = 0; i < plan->note_count; i++)
        if (strcmp(plan->notes[i], note) == 0)
            return; /* a route tried twice says the same thing once */
    if (plan->note_count < EO_PLAN_MAX_NOTES)
        memcpy(plan->notes[plan->note_count++], note, sizeof note);
}

static enum attempt failed(struct planner *p, enum eo_status status)
{
    p->status = status;
    return ATTEMPT_FAILED;
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path ? path : "?";
}

static uint32_t image_flash_size(const struct eo_image *image)
{
    return eo_flash_size_bytes(eo_image_flash_header(image)->flash_size_code);
}

static bool is_gzip(const struct eo_image *image)
{
    return image->format == EO_IMAGE_FORMAT_GZIP;
}

/* The layout an image runs with once installed: the flash it is built for, else `fallback`. */
static struct eo_layout running_layout(const struct eo_image *image, struct eo_layout fallback)
{
    uint32_t flash = image_flash_size(image);
    return flash ? eo_layout_standard(flash) : fallback;
}

static enum eo_certainty certainty_of(enum eo_figure_source source)
{
    switch (source) {
    case EO_FIGURE_REPORTED:
    case EO_FIGURE_CONVERTED: return EO_CERTAIN_REPORTED;
    case EO_FIGURE_GUESSED: return EO_CERTAIN_GUESSED;
    case EO_FIGURE_UNKNOWN: break;
    }
    return EO_CERTAIN_UNKNOWN;
}

static void device_name(const struct eo_device *device, char *out, size_t cap)
{
    if (device->hostname[0])
        snprintf(out, cap, "%s", device->hostname);
    else if (device->instance[0])
        snprintf(out, cap, "%s", device->instance);
    else if (device->address_count)
        snprintf(out, cap, "%s", device->addresses[0]);
    else
        snprintf(out, cap, "the device");
}

/* ---- what is known of the device ----------------------------------------------------- */

/* The running build's layout: sdk_size, else the chip, else the image's flash (noted). */
static void settle_layout(struct planner *p)
{
    const struct eo_device *d = p->in->device;
    uint32_t image_flash = image_flash_size(p->in->target);
    p->layout_certainty = EO_CERTAIN_COMPUTED;
    if (d->flash_built.source != EO_FIGURE_UNKNOWN) {
        p->now = eo_layout_standard((uint32_t)d->flash_built.bytes);
        return;
    }
    p->layout_certainty = EO_CERTAIN_GUESSED;
    if (d->flash_real.source != EO_FIGURE_UNKNOWN) {
        p->now = eo_layout_standard((uint32_t)d->flash_real.bytes);
        add_note(p, "flash size of the running build unknown: the chip's %llu B is used",
                 (unsigned long long)d->flash_real.bytes);
    } else if (image_flash) {
        p->now = eo_layout_standard(image_flash);
        add_note(p, "flash size unknown: the image's %u B is used", image_flash);
    } else {
        p->now = eo_layout_standard(0);
        p->layout_certainty = EO_CERTAIN_UNKNOWN;
    }
}

/* Free space now and the running image size it implies in the running layout. */
static void settle_free_space(struct planner *p)
{
    const struct eo_figure *free_space = &p->in->device->free_space;
    uint32_t sketch_end = eo_layout_sketch_end(&p->now);
    p->free_known = false;
    p->free_certainty = EO_CERTAIN_UNKNOWN;
    if (free_space->source == EO_FIGURE_UNKNOWN)
        return;
    if (sketch_end == 0 || free_space->bytes > sketch_end) {
        add_note(p, "free space %llu B does not fit the flash layout: taken as unknown",
                 (unsigned long long)free_space->bytes);
        return;
    }
    p->free_known = true;
    p->free = free_space->bytes;
    p->running = (uint32_t)(sketch_end - free_space->bytes);
    p->free_certainty = certainty_of(free_space->source);
}

static void settle_methods(struct planner *p)
{
    const struct eo_device *d = p->in->device;
    bool core = d->kind == EO_KIND_CORE;
    p->offered = d->methods;
    if (p->offered)
        return;
    p->offered = core ? CORE_METHODS : ALL_METHODS;
    add_note(p, "methods unknown (no mDNS record): %s assumed",
             core ? "espota and terminal" : "web, espota and terminal");
}

static void settle_target_version(struct planner *p)
{
    const char *version = p->in->target->version;
    if (!version[0] && p->policy->expect_version)
        version = p->policy->expect_version;
    p->target_version = version;
}

/* ---- checks ---------------------------------------------------------------------------- */

static enum eo_status check_flash_size(struct planner *p)
{
    const struct eo_figure *real = &p->in->device->flash_real;
    uint32_t built_for = image_flash_size(p->in->target);
    if (real->source == EO_FIGURE_UNKNOWN || built_for == 0) {
        add_note(p, "flash size %s unknown: the image's flash size is not checked",
                 built_for == 0 ? "of the image" : "of the chip");
        return EO_OK;
    }
    if (built_for <= real->bytes)
        return EO_OK;
    return eo_error_hinted(p->err, EO_ERR_NOFIT, EO_HINT_FLASH_SIZE,
                           "%s: the image is built for a %u KiB flash and the device has %llu KiB",
                           p->name, built_for / 1024, (unsigned long long)(real->bytes / 1024));
}

/* The app the image is: its descriptor's, ESPurna for a release file name, "" unknown. */
static const char *image_app(const struct eo_image *image)
{
    if (image->layout.has_desc)
        return image->layout.desc.app;
    return image->identity_source == EO_IDENTITY_FILE_NAME ? ESPURNA_APP : "";
}

static enum eo_status check_app(struct planner *p)
{
    const char *device_app = p->in->device->app;
    const char *app = image_app(p->in->target);
    if (!device_app[0] || !app[0]) {
        add_note(p, "app of the %s unknown: not checked", !device_app[0] ? "device" : "image");
        return EO_OK;
    }
    if (strcasecmp(device_app, app) == 0)
        return EO_OK;
    if (p->policy->force) {
        add_note(p, "the image is %.32s and the device runs %.32s: forced", app, device_app);
        return EO_OK;
    }
    return eo_error_hinted(p->err, EO_ERR_REFUSED, EO_HINT_OTHER_APP,
                           "%s runs %s and the image is %s", p->name, device_app, app);
}

static bool is_up_to_date(const struct planner *p)
{
    const struct eo_device *d = p->in->device;
    uint8_t target_kind = p->in->target->kind;
    return d->kind == EO_KIND_FULL &&
           (target_kind == EO_KIND_FULL || target_kind == EO_KIND_UNKNOWN) &&
           eo_version_compare(d->version, p->target_version) == EO_VERSION_SAME;
}

static void plan_up_to_date(struct planner *p)
{
    p->plan->route = EO_ROUTE_UP_TO_DATE;
    p->plan->step_count = 0;
    snprintf(p->plan->summary, sizeof p->plan->summary, "up to date: %s runs %s", p->name,
             p->in->device->version);
}

/* EO_OK and *done when the device already runs the target. */
static enum eo_status check_version(struct planner *p, bool *done)
{
    const char *running = p->in->device->version;
    *done = false;
    if (!running[0] || !p->target_version[0]) {
        add_note(p, "version of the %s unknown: not checked", !running[0] ? "device" : "image");
        return EO_OK;
    }
    if (is_up_to_date(p)) {
        plan_up_to_date(p);
        *done = true;
        return EO_OK;
    }
    enum eo_version_order order = eo_version_compare(running, p->target_version);
    if (order == EO_VERSION_UNORDERED)
        add_note(p, "%.48s and %.48s cannot be ordered: not checked for a downgrade", running,
                 p->target_version);
    if (order != EO_VERSION_NEWER)
        return EO_OK;
    if (p->policy->allow_downgrade) {
        add_note(p, "downgrade from %.48s to %.48s allowed", running, p->target_version);
        return EO_OK;
    }
    return eo_error_hinted(p->err, EO_ERR_REFUSED, EO_HINT_DOWNGRADE,
                           "%s runs %s, newer than the image's %s", p->name, running,
                           p->target_version);
}

/* ---- methods and limits ------------------------------------------------------------ */

/* Largest image a method stages beside `running` in `layout` (web needs one sector more). */
static uint32_t method_limit(const struct eo_layout *layout, uint32_t running, enum eo_method m)
{
    return m == EO_METHOD_WEB ? eo_layout_max_new_image_web(layout, running)
                              : eo_layout_max_new_image(layout, running);
}

/* Where a step goes: the layout and running size there, whether those are known, what the
 * target offers and whether it is a core image (no web). */
struct destination {
    struct eo_layout layout;
    uint32_t running;
    bool known;
    unsigned offered;
    bool core;
    bool after_core_step; /* the core image step 1 installs (else the device as it runs) */
};

static bool fits_by(const struct destination *to, enum eo_method m, size_t size)
{
    if (!to->known)
        return true;
    return size > 0 && size <= method_limit(&to->layout, to->running, m);
}

/* Order of preference: web, espota, terminal (a core image: espota, terminal). */
static const enum eo_method preference[] = {EO_METHOD_WEB, EO_METHOD_ESPOTA, EO_METHOD_TERMINAL};
#define PREFERENCE_COUNT (sizeof preference / sizeof preference[0])

static unsigned usable_methods(const struct destination *to)
{
    return to->core ? to->offered & ~(1u << EO_METHOD_WEB) : to->offered;
}

struct method_choice {
    enum eo_method method;
    unsigned fallback;
    bool web_too_small; /* web was first choice and only a method with the espota limit fits */
};

/* The forced method for this step, refused when it is web onto a core image. */
static enum attempt forced_method(struct planner *p, const struct destination *to, size_t size,
                                  struct method_choice *out)
{
    enum eo_method m = (enum eo_method)p->policy->method;
    if (m == EO_METHOD_WEB && to->core)
        return failed(p, eo_error_hinted(p->err, EO_ERR_REFUSED, EO_HINT_NO_WEB,
                                         to->after_core_step
                                             ? "%s: step 2 goes to the core image of step 1, "
                                               "which has no web server"
                                             : "%s runs a core image, which has no web server",
                                         p->name));
    if (!(to->offered & (1u << m)))
        add_note(p, "%s is used as asked, though %s does not announce it", eo_method_name(m),
                 to->after_core_step ? "the core image" : "the device");
    out->method = m;
    out->fallback = 0;
    return fits_by(to, m, size) ? ATTEMPT_DONE : ATTEMPT_NOFIT;
}

/* Picks the first preferred method by which `size` fits; the others that fit are fallbacks. */
static enum attempt choose_method(struct planner *p, const struct destination *to, size_t size,
                                  struct method_choice *out)
{
    memset(out, 0, sizeof *out);
    if (p->policy->method >= 0)
        return forced_method(p, to, size, out);
    unsigned usable = usable_methods(to);
    if (!usable)
        return failed(p, eo_error_set(p->err, EO_ERR_REFUSED,
                                      "%s offers no method a %s image can be sent by", p->name,
                                      to->core ? "core" : "full"));
    bool chosen = false, first = true;
    for (size_t i = 0; i < PREFERENCE_COUNT; i++) {
        enum eo_method m = preference[i];
        if (!(usable & (1u << m)))
            continue;
        bool fits = fits_by(to, m, size);
        if (fits && !chosen) {
            out->method = m;
            chosen = true;
        } else if (fits) {
            out->fallback |= 1u << m;
        } else if (first && m == EO_METHOD_WEB) {
            out->web_too_small = true;
        }
        first = false;
    }
    return chosen ? ATTEMPT_DONE : ATTEMPT_NOFIT;
}

static void note_web_too_small(struct planner *p, const struct method_choice *choice, size_t size)
{
    if (choice->web_too_small)
        add_note(p, "%zu B fits by %s only: the web path needs one sector more", size,
                 eo_method_name(choice->method));
}

/* The device as it runs now. */
static struct destination device_now(const struct planner *p)
{
    struct destination to = {
        .layout = p->now,
        .running = p->running,
        .known = p->free_known,
        .offered = p->offered,
        .core = p->in->device->kind == EO_KIND_CORE,
    };
    return to;
}

/* The device once the core image of step 1 runs: the core's layout, its methods. */
static struct destination core_running(const struct planner *p)
{
    const struct eo_image *core = p->in->core;
    unsigned offered = 0;
    if (core->features & EO_FEATURE_ESPOTA)
        offered |= 1u << EO_METHOD_ESPOTA;
    if (core->features & EO_FEATURE_TELNET)
        offered |= 1u << EO_METHOD_TERMINAL;
    struct destination to = {
        .layout = running_layout(core, p->now),
        .running = core->uncompressed_size,
        .known = true,
        .offered = offered ? offered : CORE_METHODS,
        .core = true,
        .after_core_step = true,
    };
    return to;
}

/* ---- steps ----------------------------------------------------------------------------- */

static struct eo_plan_step *add_step(struct planner *p, enum eo_step_image which,
                                     const struct method_choice *choice)
{
    struct eo_plan_step *step = &p->plan->steps[p->plan->step_count++];
    const struct eo_image *image =
        eo_plan_step_image(p->in, &(struct eo_plan_step){.image = which});
    memset(step, 0, sizeof *step);
    step->image = which;
    step->method = choice->method;
    step->fallback_methods = choice->fallback;
    step->bytes = image->size;
    step->inflated = image->uncompressed_size;
    return step;
}

/* Free space before the step (as the destination says) and after the image runs. */
static void fill_space(struct planner *p, struct eo_plan_step *step, const struct destination *to,
                       enum eo_certainty before)
{
    const struct eo_image *image = eo_plan_step_image(p->in, step);
    struct eo_layout after = running_layout(image, p->now);
    bool after_known = image_flash_size(image) || p->layout_certainty != EO_CERTAIN_UNKNOWN;
    step->free_before = to->known ? eo_layout_free_space(&to->layout, to->running) : 0;
    step->free_before_certainty = to->known ? before : EO_CERTAIN_UNKNOWN;
    step->free_after = after_known ? eo_layout_free_space(&after, (uint32_t)step->inflated) : 0;
    step->free_after_certainty = !after_known              ? EO_CERTAIN_UNKNOWN
                                 : image_flash_size(image) ? EO_CERTAIN_COMPUTED
                                                           : p->layout_certainty;
}

/* The free space reported now is the device's own figure. */
static void fill_space_now(struct planner *p, struct eo_plan_step *step)
{
    struct destination to = device_now(p);
    fill_space(p, step, &to, p->free_certainty);
    if (to.known)
        step->free_before = p->free;
}

static void expect(struct eo_plan_step *step, uint8_t kind, const char *version)
{
    step->expect_kind = kind;
    snprintf(step->expect_version, sizeof step->expect_version, "%s", version);
}

static void expect_target(struct planner *p, struct eo_plan_step *step)
{
    expect(step, p->in->target->kind, p->target_version);
}

/* ---- summaries --------------------------------------------------------------------------- */

static void what_step_sends(const struct eo_plan_step *step, char *out, size_t cap)
{
    if (step->image == EO_STEP_TARGET_GZIP)
        snprintf(out, cap, "the image's gzip (%llu B, %llu B inflated)",
                 (unsigned long long)step->bytes, (unsigned long long)step->inflated);
    else if (step->bytes != step->inflated) /* the image given is gzip itself */
        snprintf(out, cap, "the image (%llu B gzip, %llu B inflated)",
                 (unsigned long long)step->bytes, (unsigned long long)step->inflated);
    else
        snprintf(out, cap, "the image (%llu B)", (unsigned long long)step->bytes);
}

static void summarize_one_step(struct planner *p)
{
    const struct eo_plan_step *step = &p->plan->steps[0];
    char what[96];
    what_step_sends(step, what, sizeof what);
    snprintf(p->plan->summary, sizeof p->plan->summary, "one step: %s by %s%s", what,
             eo_method_name(step->method),
             p->plan->resumes ? ", finishing a two-step update (the device runs a core image)"
                              : "");
}

static void summarize_two_steps(struct planner *p)
{
    const struct eo_plan_step *core = &p->plan->steps[0], *final = &p->plan->steps[1];
    char what[96];
    what_step_sends(final, what, sizeof what);
    snprintf(p->plan->summary, sizeof p->plan->summary,
             "two steps: core image %.80s (%llu B) by %s, then %s by %s",
             base_name(p->in->core->path), (unsigned long long)core->bytes,
             eo_method_name(core->method), what, eo_method_name(final->method));
}

/* ---- routes ------------------------------------------------------------------------------ */

/* Whether `image` can be sent to something that takes (or not) gzip. */
static bool sendable(const struct eo_image *image, bool takes_gzip)
{
    return !is_gzip(image) || takes_gzip;
}

/* One step of `which` onto the device as it runs now. */
static enum attempt try_one_step(struct planner *p, enum eo_step_image which)
{
    const struct eo_image *image =
        eo_plan_step_image(p->in, &(struct eo_plan_step){.image = which});
    struct destination to = device_now(p);
    struct method_choice choice;
    if (!image || !sendable(image, p->takes_gzip))
        return ATTEMPT_NOFIT;
    enum attempt attempt = choose_method(p, &to, image->size, &choice);
    if (attempt != ATTEMPT_DONE)
        return attempt;
    note_web_too_small(p, &choice, image->size);
    struct eo_plan_step *step = add_step(p, which, &choice);
    fill_space_now(p, step);
    expect_target(p, step);
    p->plan->route = which == EO_STEP_TARGET_GZIP ? EO_ROUTE_GZIP_ONE_STEP : EO_ROUTE_ONE_STEP;
    p->plan->resumes = to.core;
    p->plan->gzip_accepted = p->takes_gzip;
    summarize_one_step(p);
    return ATTEMPT_DONE;
}

static bool gzip_allowed(const struct planner *p, bool takes_gzip)
{
    const struct eo_image *gzip = p->in->target_gzip;
    return gzip && takes_gzip && !p->policy->no_gzip && !is_gzip(p->in->target);
}

/* The image step 2 sends beside the core: the image itself, else its gzip. */
static enum attempt choose_final(struct planner *p, const struct destination *beside_core,
                                 bool core_takes_gzip, enum eo_step_image *which,
                                 struct method_choice *choice)
{
    const struct eo_image *target = p->in->target;
    enum attempt attempt = ATTEMPT_NOFIT;
    if (sendable(target, core_takes_gzip))
        attempt = choose_method(p, beside_core, target->size, choice);
    *which = EO_STEP_TARGET;
    if (attempt != ATTEMPT_NOFIT || !gzip_allowed(p, core_takes_gzip))
        return attempt;
    *which = EO_STEP_TARGET_GZIP;
    return choose_method(p, beside_core, p->in->target_gzip->size, choice);
}

static void add_core_step(struct planner *p, const struct method_choice *choice)
{
    note_web_too_small(p, choice, p->in->core->size);
    struct eo_plan_step *step = add_step(p, EO_STEP_CORE, choice);
    fill_space_now(p, step);
    expect(step, EO_KIND_CORE, p->in->core->version);
}

static void add_final_step(struct planner *p, enum eo_step_image which,
                           const struct destination *beside_core,
                           const struct method_choice *choice)
{
    struct eo_plan_step *step = add_step(p, which, choice);
    fill_space(p, step, beside_core, EO_CERTAIN_COMPUTED);
    expect_target(p, step);
}

static enum attempt try_two_steps(struct planner *p)
{
    const struct eo_image *core = p->in->core;
    struct destination now = device_now(p), beside_core = core_running(p);
    struct method_choice first, second;
    enum eo_step_image which;
    bool core_takes_gzip = eo_plan_device_takes_gzip(core->version);
    if (!sendable(core, p->takes_gzip))
        return ATTEMPT_NOFIT;
    enum attempt attempt = choose_method(p, &now, core->size, &first);
    if (attempt != ATTEMPT_DONE)
        return attempt;
    attempt = choose_final(p, &beside_core, core_takes_gzip, &which, &second);
    if (attempt != ATTEMPT_DONE)
        return attempt;
    add_core_step(p, &first);
    add_final_step(p, which, &beside_core, &second);
    p->plan->route = EO_ROUTE_TWO_STEP;
    p->plan->gzip_accepted = core_takes_gzip;
    summarize_two_steps(p);
    return ATTEMPT_DONE;
}

/* ---- refusals ---------------------------------------------------------------------------- */

/* ", gzip N B" when a gzip was made, else "". */
static void gzip_size_text(const struct planner *p, char *out, size_t cap)
{
    out[0] = '\0';
    if (p->in->target_gzip)
        snprintf(out, cap, ", gzip %zu B", p->in->target_gzip->size);
}

static void free_text(const struct planner *p, char *out, size_t cap)
{
    if (p->free_known)
        snprintf(out, cap, "%llu B free", (unsigned long long)p->free);
    else if (p->refused_as_too_big)
        snprintf(out, cap, "the device said so");
    else
        snprintf(out, cap, "free space unknown");
}

static enum eo_status refuse_no_core(struct planner *p)
{
    char gzip[48], space[48];
    gzip_size_text(p, gzip, sizeof gzip);
    free_text(p, space, sizeof space);
    return eo_error_hinted(p->err, EO_ERR_NOFIT, EO_HINT_CORE_IMAGE,
                           "%s: the image (%zu B%s) does not fit beside the running one (%s) "
                           "and two steps need a core image",
                           p->name, p->in->target->size, gzip, space);
}

static enum eo_status refuse_serial(struct planner *p)
{
    const struct eo_image *core = p->in->core;
    struct destination now = device_now(p), beside_core = core_running(p);
    char gzip[48], space[48];
    gzip_size_text(p, gzip, sizeof gzip);
    free_text(p, space, sizeof space);
    uint32_t largest = method_limit(&beside_core.layout, beside_core.running, EO_METHOD_ESPOTA);
    if (!fits_by(&now, EO_METHOD_ESPOTA, core->size))
        return eo_error_hinted(p->err, EO_ERR_NOFIT, EO_HINT_SERIAL,
                               "%s: neither the image (%zu B%s) nor the core image (%zu B) fits "
                               "beside the running one (%s)",
                               p->name, p->in->target->size, gzip, core->size, space);
    return eo_error_hinted(p->err, EO_ERR_NOFIT, EO_HINT_SERIAL,
                           "%s: the image (%zu B%s) fits neither beside the running one (%s) nor "
                           "beside the core image (%u B at most): an image of at most %u B would",
                           p->name, p->in->target->size, gzip, space, largest, largest);
}

/* A gzip image, a device that takes none, and no core image that would. */
static bool gzip_has_no_taker(const struct planner *p)
{
    const struct eo_image *core = p->in->core;
    return is_gzip(p->in->target) && !p->takes_gzip &&
           !(core && eo_plan_device_takes_gzip(core->version));
}

static enum eo_status refuse_gzip(struct planner *p)
{
    const struct eo_device *d = p->in->device;
    return eo_error_hinted(p->err, EO_ERR_IMAGE, EO_HINT_CORE_IMAGE,
                           "%s runs %s, which takes no gzip image, and %s", p->name,
                           d->version[0] ? d->version : "a version not known to",
                           p->in->core ? "neither does the core image" : "no core image was given");
}

/* ---- making the plan ----------------------------------------------------------------------- */

/* Free space unknown: one step is tried, and a refusal leads to eo_plan_after_nofit. */
static enum attempt try_unknown_space(struct planner *p)
{
    enum attempt attempt = try_one_step(p, EO_STEP_TARGET);
    if (attempt == ATTEMPT_DONE)
        add_note(p, "free space unknown: one step is tried; if the device says it does not fit, "
                    "a core image goes first");
    return attempt;
}

static enum attempt try_one_step_routes(struct planner *p)
{
    if (!p->free_known)
        return try_unknown_space(p);
    enum attempt attempt = try_one_step(p, EO_STEP_TARGET);
    if (attempt == ATTEMPT_NOFIT && gzip_allowed(p, p->takes_gzip))
        attempt = try_one_step(p, EO_STEP_TARGET_GZIP);
    return attempt;
}

static enum eo_status choose_route(struct planner *p, bool image_did_not_fit)
{
    bool through_core = p->policy->two_step && p->in->core;
    if (p->policy->two_step && !p->in->core)
        add_note(p, "two steps asked and no core image given: one step");
    if (!through_core && !image_did_not_fit) {
        enum attempt attempt = try_one_step_routes(p);
        if (attempt != ATTEMPT_NOFIT)
            return attempt == ATTEMPT_DONE ? EO_OK : p->status;
    }
    if (gzip_has_no_taker(p))
        return refuse_gzip(p);
    if (!p->in->core)
        return refuse_no_core(p);
    enum attempt attempt = try_two_steps(p);
    if (attempt == ATTEMPT_DONE)
        return EO_OK;
    return attempt == ATTEMPT_FAILED ? p->status : refuse_serial(p);
}

static void planner_init(struct planner *p, const struct eo_plan_input *input,
                         const struct eo_plan_policy *policy, struct eo_plan *out,
                         struct eo_error *err)
{
    memset(p, 0, sizeof *p);
    memset(out, 0, sizeof *out);
    out->route = EO_ROUTE_REFUSED;
    p->in = input;
    p->policy = policy;
    p->plan = out;
    p->err = err;
    device_name(input->device, p->name, sizeof p->name);
    settle_target_version(p);
    settle_layout(p);
    settle_free_space(p);
    settle_methods(p);
    p->takes_gzip = eo_plan_device_takes_gzip(input->device->version);
}

static enum eo_status run_checks(struct planner *p, bool *up_to_date)
{
    enum eo_status status = check_flash_size(p);
    if (status == EO_OK)
        status = check_app(p);
    if (status == EO_OK)
        status = check_version(p, up_to_date);
    return status;
}

static enum eo_status plan_run(const struct eo_plan_input *input,
                               const struct eo_plan_policy *policy, struct eo_plan *out,
                               struct eo_error *err, bool image_did_not_fit)
{
    struct planner p;
    bool up_to_date = false;
    planner_init(&p, input, policy, out, err);
    if (image_did_not_fit) {
        p.free_known = false; /* what the device said overrides what it announced */
        p.refused_as_too_big = true;
        p.free_certainty = EO_CERTAIN_UNKNOWN;
    }
    enum eo_status status = run_checks(&p, &up_to_date);
    if (status == EO_OK && !up_to_date)
        status = choose_route(&p, image_did_not_fit);
    if (status != EO_OK) {
        out->route = EO_ROUTE_REFUSED;
        out->step_count = 0;
    }
    return status;
}

enum eo_status eo_plan_make(const struct eo_plan_input *input, const struct eo_plan_policy *policy,
                            struct eo_plan *out, struct eo_error *err)
{
    return plan_run(input, policy, out, err, false);
}

enum eo_status eo_plan_after_nofit(const struct eo_plan_input *input,
                                   const struct eo_plan_policy *policy, struct eo_plan *out,
                                   struct eo_error *err)
{
    return plan_run(input, policy, out, err, true);
}
