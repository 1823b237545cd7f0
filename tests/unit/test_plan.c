/* test_plan.c — the planner over a table of devices × images (exact sector limits, one step,
 * gzip, two steps, refusals with their hints and numbers, up to date, downgrade, other app,
 * unknown free space, resuming from a core, methods), then the pieces it uses: version order,
 * gzip of an image, the release folders and the choice of the core image. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "espurna-ota/image.h"
#include "espurna-ota/image_file.h"
#include "espurna-ota/layout.h"
#include "espurna-ota/plan.h"

#define MIB (1024u * 1024u)
#define SKETCH_END_1M (251u * 4096u) /* 1028096 */
#define FREE_114 413696u             /* 101 sectors beside a 150-sector 1.14.1 build */
#define WEB (1u << EO_METHOD_WEB)
#define ESPOTA (1u << EO_METHOD_ESPOTA)
#define TERMINAL (1u << EO_METHOD_TERMINAL)
#define FULL_METHODS (WEB | ESPOTA | TERMINAL)
#define V114 "1.14.1"
#define VDEV "1.15.0-dev.gita1b2c3d4+github261101"
#define V115 "1.15.0"

/* ---- fixtures ---------------------------------------------------------------------------- */

struct device_spec {
    const char *version;
    uint8_t kind;
    uint64_t free; /* 0: unknown */
    unsigned methods;
    unsigned flash_kib; /* real and built; 0: 1024 */
    const char *app;    /* NULL: ESPURNA */
};

static struct eo_device make_device(const struct device_spec *spec)
{
    struct eo_device d;
    eo_device_init(&d);
    snprintf(d.hostname, sizeof d.hostname, "ESPURNA-1A2B3C");
    snprintf(d.app, sizeof d.app, "%s", spec->app ? spec->app : "ESPURNA");
    snprintf(d.version, sizeof d.version, "%s", spec->version);
    d.kind = spec->kind;
    uint64_t flash = (spec->flash_kib ? spec->flash_kib : 1024u) * 1024ull;
    d.flash_real = (struct eo_figure){flash, EO_FIGURE_CONVERTED};
    d.flash_built = (struct eo_figure){flash, EO_FIGURE_CONVERTED};
    if (spec->free)
        d.free_space = (struct eo_figure){spec->free, EO_FIGURE_REPORTED};
    d.methods = spec->methods;
    return d;
}

/* An image record as loading would fill it (the planner never reads the bytes). */
static struct eo_image make_image(const char *path, size_t size, uint8_t flash_code,
                                  const char *version, uint8_t kind)
{
    struct eo_image image;
    memset(&image, 0, sizeof image);
    image.path = (char *)path;
    image.size = size;
    image.uncompressed_size = (uint32_t)size;
    image.format = EO_IMAGE_FORMAT_ARDUINO;
    image.layout.boot.flash_size_code = flash_code;
    image.identity_source = EO_IDENTITY_FILE_NAME;
    snprintf(image.version, sizeof image.version, "%s", version);
    image.kind = kind;
    image.features = eo_kind_default_features((enum eo_image_kind)kind);
    return image;
}

static struct eo_image make_gzip_of(const struct eo_image *plain, size_t size)
{
    struct eo_image gzip = *plain;
    gzip.path = "espurna-1.15.0-itead-sonoff-basic.bin.gz";
    gzip.size = size;
    gzip.format = EO_IMAGE_FORMAT_GZIP;
    return gzip;
}

enum core_choice { NO_CORE = 0, CORE_DEV, CORE_114 };

static struct eo_image make_core(enum core_choice which)
{
    if (which == CORE_114) /* 90 sectors: 161 sectors (659456 B) beside it */
        return make_image("espurna-1.14.1-espurna-core-1MB.bin", 368640, EO_FLASH_SIZE_1M, V114,
                          EO_KIND_CORE);
    /* 87.5 sectors: 163 sectors (667648 B) beside it */
    return make_image("/fw/espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin", 358400,
                      EO_FLASH_SIZE_1M, V115, EO_KIND_CORE);
}

/* ---- the table -------------------------------------------------------------------------- */

struct expected_step {
    enum eo_step_image image;
    enum eo_method method;
};

struct row {
    const char *what;
    struct device_spec device;
    size_t image_size;
    size_t gzip_size;          /* 0: no gzip made */
    uint8_t image_flash;       /* size code; 0 is 512K so rows always set it through IMG macros */
    const char *image_version; /* NULL: 1.15.0 */
    const char *image_app;     /* NULL: identity from the release file name (ESPurna) */
    bool image_gzip;           /* the image given is gzip (655360 B inflated) */
    enum core_choice core;
    bool force, allow_downgrade, no_gzip, two_step, after_nofit;
    int forced_method; /* 0: none, else enum eo_method + 1 */
    /* expected */
    enum eo_status status;
    enum eo_hint hint;
    enum eo_route route;
    unsigned steps;
    struct expected_step step[2];
    bool resumes;
    const char *text; /* in the summary (EO_OK) or the error message */
    const char *text2;
    const char *note; /* in one of the notes */
};

#define DEV_114(free_)                                                                             \
    {                                                                                              \
        V114, EO_KIND_FULL, (free_), FULL_METHODS, 0, NULL                                         \
    }
#define DEV_DEV(free_)                                                                             \
    {                                                                                              \
        VDEV, EO_KIND_FULL, (free_), FULL_METHODS, 0, NULL                                         \
    }
#define IMG(size_) .image_size = (size_), .image_flash = EO_FLASH_SIZE_1M
#define ONE(img_, m_) .route = EO_ROUTE_ONE_STEP, .steps = 1, .step = {{(img_), (m_)}}
#define TWO(img2_, m1_, m2_)                                                                       \
    .route = EO_ROUTE_TWO_STEP, .steps = 2, .step = {{EO_STEP_CORE, (m1_)}, {(img2_), (m2_)}}
#define REFUSED(status_, hint_) .status = (status_), .hint = (hint_), .route = EO_ROUTE_REFUSED

static const struct row rows[] = {
    /* exact sector limits: 101 sectors free, web accepts 100 */
    {"exactly the free space fits by espota", DEV_114(FREE_114), IMG(FREE_114),
     ONE(EO_STEP_TARGET, EO_METHOD_ESPOTA), .text = "one step: the image (413696 B) by espota",
     .note = "web path needs one sector more"},
    {"one byte more does not fit", DEV_114(FREE_114), IMG(FREE_114 + 1),
     REFUSED(EO_ERR_NOFIT, EO_HINT_CORE_IMAGE), .text = "413697 B", .text2 = "413696 B free"},
    {"one sector less fits by web", DEV_114(FREE_114), IMG(FREE_114 - 4096),
     ONE(EO_STEP_TARGET, EO_METHOD_WEB), .text = "by web"},
    {"one byte over the web limit goes by espota", DEV_114(FREE_114), IMG(FREE_114 - 4095),
     ONE(EO_STEP_TARGET, EO_METHOD_ESPOTA)},
    {"a small image: one step by web", DEV_114(FREE_114), IMG(300000),
     ONE(EO_STEP_TARGET, EO_METHOD_WEB), .text = "one step: the image (300000 B) by web"},
    /* gzip */
    {"gzip fits on a dev device", DEV_DEV(FREE_114), IMG(655360), .gzip_size = 400000,
     .core = CORE_DEV, .route = EO_ROUTE_GZIP_ONE_STEP, .steps = 1,
     .step = {{EO_STEP_TARGET_GZIP, EO_METHOD_WEB}}, .text = "gzip (400000 B, 655360 B inflated)"},
    {"the same on 1.14: two steps", DEV_114(FREE_114), IMG(655360), .gzip_size = 400000,
     .core = CORE_DEV, TWO(EO_STEP_TARGET, EO_METHOD_WEB, EO_METHOD_ESPOTA),
     .text = "two steps: core image espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin (358400 B) "
             "by web, then the image (655360 B) by espota"},
    {"gzip refused by policy", DEV_DEV(FREE_114), IMG(655360), .gzip_size = 400000,
     .core = CORE_DEV, .no_gzip = true, TWO(EO_STEP_TARGET, EO_METHOD_WEB, EO_METHOD_ESPOTA)},
    {"gzip fits, no core: still one step", DEV_DEV(FREE_114), IMG(655360), .gzip_size = 400000,
     .route = EO_ROUTE_GZIP_ONE_STEP, .steps = 1, .step = {{EO_STEP_TARGET_GZIP, EO_METHOD_WEB}}},
    /* two steps */
    {"step 2 fits exactly beside the core", DEV_114(FREE_114), IMG(667648), .core = CORE_DEV,
     TWO(EO_STEP_TARGET, EO_METHOD_WEB, EO_METHOD_ESPOTA)},
    {"step 2 needs the gzip", DEV_114(FREE_114), IMG(720896), .gzip_size = 450000, .core = CORE_DEV,
     TWO(EO_STEP_TARGET_GZIP, EO_METHOD_WEB, EO_METHOD_ESPOTA),
     .text = "then the image's gzip (450000 B, 720896 B inflated) by espota"},
    {"a 1.14 core takes no gzip: serial", DEV_114(FREE_114), IMG(720896), .gzip_size = 450000,
     .core = CORE_114, REFUSED(EO_ERR_NOFIT, EO_HINT_SERIAL), .text = "720896 B, gzip 450000 B",
     .text2 = "659456 B at most"},
    {"impossible: the numbers", DEV_114(FREE_114), IMG(900000), .gzip_size = 800000,
     .core = CORE_DEV, REFUSED(EO_ERR_NOFIT, EO_HINT_SERIAL),
     .text = "ESPURNA-1A2B3C: the image (900000 B, gzip 800000 B) fits neither beside the running "
             "one (413696 B free) nor beside the core image (667648 B at most)",
     .text2 = "an image of at most 667648 B would"},
    {"not even the core fits", DEV_114(90000), IMG(655360), .core = CORE_DEV,
     REFUSED(EO_ERR_NOFIT, EO_HINT_SERIAL), .text = "nor the core image (358400 B)"},
    {"no core given", DEV_114(FREE_114), IMG(655360), .gzip_size = 400000,
     REFUSED(EO_ERR_NOFIT, EO_HINT_CORE_IMAGE),
     .text = "the image (655360 B, gzip 400000 B) does not fit beside the running one (413696 B "
             "free)"},
    {"two steps forced", DEV_DEV(FREE_114), IMG(300000), .core = CORE_DEV, .two_step = true,
     TWO(EO_STEP_TARGET, EO_METHOD_WEB, EO_METHOD_ESPOTA)},
    {"two steps asked without a core", DEV_DEV(FREE_114), IMG(300000), .two_step = true,
     ONE(EO_STEP_TARGET, EO_METHOD_WEB), .note = "no core image"},
    /* checks */
    {"built for 4 MB on 1 MB", DEV_114(FREE_114), .image_size = 300000,
     .image_flash = EO_FLASH_SIZE_4M, .core = CORE_DEV, REFUSED(EO_ERR_NOFIT, EO_HINT_FLASH_SIZE),
     .text = "4096 KiB flash and the device has 1024 KiB"},
    {"built for 4 MB on 4 MB",
     {V114, EO_KIND_FULL, FREE_114, FULL_METHODS, 4096, NULL},
     .image_size = 300000,
     .image_flash = EO_FLASH_SIZE_4M,
     ONE(EO_STEP_TARGET, EO_METHOD_WEB)},
    {"up to date",
     {V115, EO_KIND_FULL, FREE_114, FULL_METHODS, 0, NULL},
     IMG(480000),
     .route = EO_ROUTE_UP_TO_DATE,
     .steps = 0,
     .text = "up to date: ESPURNA-1A2B3C runs 1.15.0"},
    {"a core of the same version is not up to date: resumes",
     {V115, EO_KIND_CORE, 667648, ESPOTA | TERMINAL, 0, NULL},
     IMG(480000),
     ONE(EO_STEP_TARGET, EO_METHOD_ESPOTA),
     .resumes = true,
     .text = "finishing a two-step"},
    {"resuming from a dev core, methods unknown",
     {VDEV, EO_KIND_CORE, 667648, 0, 0, NULL},
     IMG(480000),
     ONE(EO_STEP_TARGET, EO_METHOD_ESPOTA),
     .resumes = true,
     .note = "espota and terminal assumed"},
    {"downgrade refused",
     {V115, EO_KIND_FULL, FREE_114, FULL_METHODS, 0, NULL},
     IMG(300000),
     .image_version = V114,
     REFUSED(EO_ERR_REFUSED, EO_HINT_DOWNGRADE),
     .text = "runs 1.15.0, newer than the image's 1.14.1"},
    {"downgrade allowed",
     {V115, EO_KIND_FULL, FREE_114, FULL_METHODS, 0, NULL},
     IMG(300000),
     .image_version = V114,
     .allow_downgrade = true,
     ONE(EO_STEP_TARGET, EO_METHOD_WEB),
     .note = "downgrade"},
    {"a dev build is older than its release", DEV_DEV(FREE_114), IMG(300000),
     ONE(EO_STEP_TARGET, EO_METHOD_WEB)},
    {"unordered versions are no downgrade",
     {"1.15.0-dev.gitaaaa", EO_KIND_FULL, FREE_114, FULL_METHODS, 0, NULL},
     IMG(300000),
     .image_version = "1.15.0-dev.gitbbbb",
     ONE(EO_STEP_TARGET, EO_METHOD_WEB),
     .note = "cannot be ordered"},
    {"other app refused", DEV_114(FREE_114), IMG(300000), .image_app = "TASMOTA",
     REFUSED(EO_ERR_REFUSED, EO_HINT_OTHER_APP), .text = "runs ESPURNA and the image is TASMOTA"},
    {"other app forced", DEV_114(FREE_114), IMG(300000), .image_app = "TASMOTA", .force = true,
     ONE(EO_STEP_TARGET, EO_METHOD_WEB), .note = "forced"},
    {"device app unknown",
     {V114, EO_KIND_FULL, FREE_114, FULL_METHODS, 0, ""},
     IMG(300000),
     ONE(EO_STEP_TARGET, EO_METHOD_WEB),
     .note = "app of the device unknown"},
    /* what is not known */
    {"free space unknown: one step", DEV_114(0), IMG(655360), .core = CORE_DEV,
     ONE(EO_STEP_TARGET, EO_METHOD_WEB), .note = "free space unknown: one step is tried"},
    {"after a nofit: two steps", DEV_114(0), IMG(655360), .core = CORE_DEV, .after_nofit = true,
     TWO(EO_STEP_TARGET, EO_METHOD_WEB, EO_METHOD_ESPOTA)},
    {"after a nofit, no core", DEV_114(0), IMG(655360), .after_nofit = true,
     REFUSED(EO_ERR_NOFIT, EO_HINT_CORE_IMAGE), .text = "(the device said so)"},
    {"after a nofit, too big beside the core", DEV_114(FREE_114), IMG(900000), .core = CORE_DEV,
     .after_nofit = true, REFUSED(EO_ERR_NOFIT, EO_HINT_SERIAL)},
    {"methods unknown: web assumed",
     {V114, EO_KIND_FULL, FREE_114, 0, 0, NULL},
     IMG(300000),
     ONE(EO_STEP_TARGET, EO_METHOD_WEB),
     .note = "web, espota and terminal assumed"},
    /* methods */
    {"safe mode: no web offered",
     {V114, EO_KIND_FULL, FREE_114, ESPOTA | TERMINAL, 0, NULL},
     IMG(300000),
     ONE(EO_STEP_TARGET, EO_METHOD_ESPOTA)},
    {"terminal only",
     {V114, EO_KIND_FULL, FREE_114, TERMINAL, 0, NULL},
     IMG(300000),
     ONE(EO_STEP_TARGET, EO_METHOD_TERMINAL)},
    {"forced terminal for both steps", DEV_114(FREE_114), IMG(655360), .core = CORE_DEV,
     .forced_method = EO_METHOD_TERMINAL + 1,
     TWO(EO_STEP_TARGET, EO_METHOD_TERMINAL, EO_METHOD_TERMINAL)},
    {"forced web onto a core refused", DEV_114(FREE_114), IMG(655360), .core = CORE_DEV,
     .forced_method = EO_METHOD_WEB + 1, REFUSED(EO_ERR_REFUSED, EO_HINT_NO_WEB),
     .text = "step 2 goes to the core image of step 1, which has no web server"},
    {"forced web onto a running core refused",
     {V115, EO_KIND_CORE, 667648, ESPOTA, 0, NULL},
     IMG(480000),
     .forced_method = EO_METHOD_WEB + 1,
     REFUSED(EO_ERR_REFUSED, EO_HINT_NO_WEB),
     .text = "runs a core image, which has no web server"},
    {"forced espota the device does not announce",
     {V114, EO_KIND_FULL, FREE_114, WEB, 0, NULL},
     IMG(300000),
     .forced_method = EO_METHOD_ESPOTA + 1,
     ONE(EO_STEP_TARGET, EO_METHOD_ESPOTA),
     .note = "espota is used as asked"},
    {"no method offered for a core",
     {V115, EO_KIND_CORE, 667648, WEB, 0, NULL},
     IMG(480000),
     REFUSED(EO_ERR_REFUSED, EO_HINT_NONE),
     .text = "offers no method"},
    /* an image that is gzip itself */
    {"a gzip image onto a dev device", DEV_DEV(FREE_114), IMG(400000), .image_gzip = true,
     ONE(EO_STEP_TARGET, EO_METHOD_WEB), .text = "the image (400000 B gzip, 655360 B inflated)"},
    {"a gzip image onto 1.14 goes through the core", DEV_114(FREE_114), IMG(400000),
     .image_gzip = true, .core = CORE_DEV, TWO(EO_STEP_TARGET, EO_METHOD_WEB, EO_METHOD_ESPOTA)},
    {"a gzip image onto 1.14 with a 1.14 core", DEV_114(FREE_114), IMG(400000), .image_gzip = true,
     .core = CORE_114, REFUSED(EO_ERR_IMAGE, EO_HINT_CORE_IMAGE),
     .text = "runs 1.14.1, which takes no gzip image, and neither does the core image"},
    {"a gzip image onto 1.14 without a core", DEV_114(FREE_114), IMG(400000), .image_gzip = true,
     REFUSED(EO_ERR_IMAGE, EO_HINT_CORE_IMAGE), .text = "and no core image was given"},
    {"forced web when one step fits by web", DEV_114(FREE_114), IMG(300000), .core = CORE_DEV,
     .forced_method = EO_METHOD_WEB + 1, ONE(EO_STEP_TARGET, EO_METHOD_WEB)},
};

static bool has_note(const struct eo_plan *plan, const char *part)
{
    for (unsigned i = 0; i < plan->note_count; i++)
        if (strstr(plan->notes[i], part))
            return true;
    return false;
}

static void expect_text(const char *what, const char *haystack, const char *part)
{
    if (part && !strstr(haystack, part))
        fail_msg("%s: '%s' lacks '%s'", what, haystack, part);
}

static void check_row(const struct row *row, const struct eo_plan *plan, const struct eo_error *err,
                      enum eo_status status)
{
    if (status != row->status)
        fail_msg("%s: status %d (%s), expected %d", row->what, status,
                 status ? err->message : plan->summary, row->status);
    if (status != EO_OK)
        assert_int_equal(err->hint, row->hint);
    if (plan->route != row->route || plan->step_count != row->steps)
        fail_msg("%s: route %s with %u steps", row->what, eo_route_name(plan->route),
                 plan->step_count);
    for (unsigned i = 0; i < row->steps; i++) {
        if (plan->steps[i].image != row->step[i].image ||
            plan->steps[i].method != row->step[i].method)
            fail_msg("%s: step %u sends %d by %s", row->what, i + 1, plan->steps[i].image,
                     eo_method_name(plan->steps[i].method));
    }
    assert_int_equal(plan->resumes, row->resumes);
    const char *text = status == EO_OK ? plan->summary : err->message;
    expect_text(row->what, text, row->text);
    expect_text(row->what, text, row->text2);
    if (row->note && !has_note(plan, row->note))
        fail_msg("%s: no note with '%s' (%u notes, first '%s')", row->what, row->note,
                 plan->note_count, plan->note_count ? plan->notes[0] : "");
}

static void run_row(const struct row *row)
{
    struct eo_device device = make_device(&row->device);
    struct eo_image target =
        make_image("espurna-1.15.0-itead-sonoff-basic.bin", row->image_size, row->image_flash,
                   row->image_version ? row->image_version : V115, EO_KIND_FULL);
    if (row->image_app) {
        target.layout.has_desc = true;
        target.identity_source = EO_IDENTITY_DESCRIPTOR;
        snprintf(target.layout.desc.app, sizeof target.layout.desc.app, "%s", row->image_app);
    }
    if (row->image_gzip) {
        target.format = EO_IMAGE_FORMAT_GZIP;
        target.uncompressed_size = 655360;
    }
    struct eo_image gzip = make_gzip_of(&target, row->gzip_size);
    struct eo_image core = make_core(row->core);
    struct eo_plan_input input = {&device, &target, row->gzip_size ? &gzip : NULL,
                                  row->core ? &core : NULL};
    struct eo_plan_policy policy = {row->force,    row->allow_downgrade,   row->no_gzip,
                                    row->two_step, row->forced_method - 1, NULL};
    struct eo_plan plan;
    struct eo_error err;
    eo_error_clear(&err);
    enum eo_status status = row->after_nofit ? eo_plan_after_nofit(&input, &policy, &plan, &err)
                                             : eo_plan_make(&input, &policy, &plan, &err);
    check_row(row, &plan, &err, status);
}

static void test_plan_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        run_row(&rows[i]);
}

/* ---- figures of the steps ----------------------------------------------------------------- */

static enum eo_status plan_for(const struct device_spec *spec, struct eo_image *target,
                               struct eo_image *core, struct eo_plan *plan, struct eo_error *err)
{
    static struct eo_device device;
    device = make_device(spec);
    struct eo_plan_input input = {&device, target, NULL, core};
    struct eo_plan_policy policy = {.method = -1};
    return eo_plan_make(&input, &policy, plan, err);
}

static void test_two_step_figures(void **state)
{
    (void)state;
    struct device_spec spec = DEV_114(FREE_114);
    struct eo_image target = make_image("t.bin", 655360, EO_FLASH_SIZE_1M, V115, EO_KIND_FULL);
    struct eo_image core = make_core(CORE_DEV);
    struct eo_plan plan;
    struct eo_error err;
    assert_int_equal(plan_for(&spec, &target, &core, &plan, &err), EO_OK);
    const struct eo_plan_step *first = &plan.steps[0], *second = &plan.steps[1];
    assert_int_equal(first->bytes, 358400);
    assert_int_equal(first->free_before, FREE_114);
    assert_int_equal(first->free_before_certainty, EO_CERTAIN_REPORTED);
    assert_int_equal(first->free_after, SKETCH_END_1M - 88 * 4096);
    assert_int_equal(first->free_after_certainty, EO_CERTAIN_COMPUTED);
    assert_int_equal(first->expect_kind, EO_KIND_CORE);
    assert_string_equal(first->expect_version, V115);
    assert_int_equal(first->fallback_methods, ESPOTA | TERMINAL);
    assert_int_equal(second->free_before, 667648);
    assert_int_equal(second->free_before_certainty, EO_CERTAIN_COMPUTED);
    assert_int_equal(second->free_after, SKETCH_END_1M - 655360);
    assert_int_equal(second->expect_kind, EO_KIND_FULL);
    assert_string_equal(second->expect_version, V115);
    assert_int_equal(second->fallback_methods, TERMINAL);
    assert_true(plan.gzip_accepted);
    assert_ptr_equal(eo_plan_step_image(&(struct eo_plan_input){.core = &core}, first), &core);
}

static void test_unknown_free_space_figures(void **state)
{
    (void)state;
    struct device_spec spec = DEV_114(0);
    struct eo_image target = make_image("t.bin", 655360, EO_FLASH_SIZE_1M, "", EO_KIND_FULL);
    struct eo_plan plan;
    struct eo_error err;
    static struct eo_device device;
    device = make_device(&spec);
    struct eo_plan_input input = {&device, &target, NULL, NULL};
    struct eo_plan_policy policy = {.method = -1, .expect_version = "1.15.1"};
    assert_int_equal(eo_plan_make(&input, &policy, &plan, &err), EO_OK);
    assert_int_equal(plan.steps[0].free_before, 0);
    assert_int_equal(plan.steps[0].free_before_certainty, EO_CERTAIN_UNKNOWN);
    assert_string_equal(plan.steps[0].expect_version, "1.15.1");
    assert_int_equal(plan.steps[0].fallback_methods, ESPOTA | TERMINAL);
}

static void test_guessed_free_space(void **state)
{
    (void)state;
    struct device_spec spec = DEV_114(FREE_114);
    struct eo_image target = make_image("t.bin", 300000, EO_FLASH_SIZE_1M, V115, EO_KIND_FULL);
    struct eo_plan plan;
    struct eo_error err;
    static struct eo_device device;
    device = make_device(&spec);
    device.free_space.source = EO_FIGURE_GUESSED;
    device.flash_built.source = EO_FIGURE_UNKNOWN; /* the chip's size stands in */
    struct eo_plan_input input = {&device, &target, NULL, NULL};
    struct eo_plan_policy policy = {.method = -1};
    assert_int_equal(eo_plan_make(&input, &policy, &plan, &err), EO_OK);
    assert_int_equal(plan.steps[0].free_before_certainty, EO_CERTAIN_GUESSED);
    assert_true(has_note(&plan, "the chip's 1048576 B is used"));
}

static void test_notes_said_once(void **state)
{
    (void)state;
    struct device_spec spec = {V114, EO_KIND_FULL, FREE_114, WEB, 0, NULL};
    struct eo_image target = make_image("t.bin", 655360, EO_FLASH_SIZE_1M, V115, EO_KIND_FULL);
    struct eo_image core = make_core(CORE_DEV);
    struct eo_plan plan;
    struct eo_error err;
    static struct eo_device device;
    device = make_device(&spec);
    struct eo_plan_input input = {&device, &target, NULL, &core};
    struct eo_plan_policy policy = {.method = EO_METHOD_ESPOTA};
    assert_int_equal(eo_plan_make(&input, &policy, &plan, &err), EO_OK);
    assert_int_equal(plan.route, EO_ROUTE_TWO_STEP);
    unsigned count = 0;
    for (unsigned i = 0; i < plan.note_count; i++)
        count += strstr(plan.notes[i], "the device does not announce") != NULL;
    assert_int_equal(count, 1);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(eo_route_name(EO_ROUTE_UP_TO_DATE), "up-to-date");
    assert_string_equal(eo_route_name(EO_ROUTE_ONE_STEP), "one-step");
    assert_string_equal(eo_route_name(EO_ROUTE_GZIP_ONE_STEP), "gzip-one-step");
    assert_string_equal(eo_route_name(EO_ROUTE_TWO_STEP), "two-step");
    assert_string_equal(eo_route_name(EO_ROUTE_REFUSED), "refused");
    assert_string_equal(eo_certainty_name(EO_CERTAIN_UNKNOWN), "unknown");
    assert_string_equal(eo_certainty_name(EO_CERTAIN_REPORTED), "reported");
    assert_string_equal(eo_certainty_name(EO_CERTAIN_COMPUTED), "computed");
    assert_string_equal(eo_certainty_name(EO_CERTAIN_GUESSED), "guessed");
}

/* ---- versions ---------------------------------------------------------------------------- */

static void test_version_compare(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        enum eo_version_order order;
    } cases[] = {
        {"1.14.1", "1.14.1", EO_VERSION_SAME},
        {"1.14.0", "1.14.1", EO_VERSION_OLDER},
        {"1.9.0", "1.10.0", EO_VERSION_OLDER},
        {"1.9", "1.10", EO_VERSION_OLDER},
        {"1.9", "1.9.0", EO_VERSION_SAME},
        {"2.0.0", "1.15.0", EO_VERSION_NEWER},
        {"1.15.0", VDEV, EO_VERSION_NEWER},
        {VDEV, "1.14.1", EO_VERSION_NEWER},
        {"1.15.0-dev.gitaaaa+github230330", "1.15.0-dev.gitbbbb+github261101", EO_VERSION_OLDER},
        {"1.15.0-dev.gitbbbb+github261101", "1.15.0-dev.gitaaaa+github230330", EO_VERSION_NEWER},
        {"1.15.0-dev.gitaaaa+github230330", "1.15.0-dev.gitbbbb+github230330",
         EO_VERSION_UNORDERED},
        {"1.15.0-dev.gitaaaa", "1.15.0-dev.gitbbbb", EO_VERSION_UNORDERED},
        {"1.13.6-rc1", "1.13.6-rc2", EO_VERSION_OLDER},
        {"1.13.6-rc10", "1.13.6-rc9", EO_VERSION_NEWER},
        {"1.13.6-rc2", "1.13.6", EO_VERSION_OLDER},
        {"garbage", "1.14.1", EO_VERSION_UNORDERED},
        {"1.14.1", "", EO_VERSION_UNORDERED},
        {"1.14.1x", "1.14.1", EO_VERSION_UNORDERED},
        {"1.14.1-", "1.14.1", EO_VERSION_UNORDERED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (eo_version_compare(cases[i].a, cases[i].b) != cases[i].order)
            fail_msg("%s vs %s: %d, expected %d", cases[i].a, cases[i].b,
                     eo_version_compare(cases[i].a, cases[i].b), cases[i].order);
    assert_int_equal(eo_version_compare(NULL, "1.14.1"), EO_VERSION_UNORDERED);
}

static void test_takes_gzip(void **state)
{
    (void)state;
    assert_true(eo_plan_device_takes_gzip("1.15.0"));
    assert_true(eo_plan_device_takes_gzip(VDEV));
    assert_true(eo_plan_device_takes_gzip("1.15.0-dev"));
    assert_true(eo_plan_device_takes_gzip("2.0.0"));
    assert_false(eo_plan_device_takes_gzip("1.14.1"));
    assert_false(eo_plan_device_takes_gzip("1.12.0"));
    assert_false(eo_plan_device_takes_gzip(""));
    assert_false(eo_plan_device_takes_gzip("unknown"));
}

/* ---- gzip ---------------------------------------------------------------------------------- */

#define GZ_CAP (64u * 1024u)

/* A plain image with a large, compressible segment (and a descriptor when given). */
static size_t build_compressible(uint8_t *out, const struct eo_app_desc *desc)
{
    static uint8_t data[32 * 1024];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i % 64);
    if (desc)
        eo_desc_encode(desc, data + 1024);
    struct eo_image_build_segment segment = {0x40100000u, data, sizeof data};
    return eo_image_build_v1(EO_FLASH_MODE_DOUT, EO_FLASH_SIZE_1M, EO_FLASH_FREQ_40M, 0x40100004u,
                             &segment, 1, out, GZ_CAP);
}

static void test_gzip_round_trip(void **state)
{
    (void)state;
    static uint8_t buf[GZ_CAP];
    size_t len = build_compressible(buf, NULL);
    struct eo_image plain, gzip, again;
    struct eo_error err;
    assert_int_equal(
        eo_image_load_buffer("/tmp/espurna-1.15.0-itead-sonoff-basic.bin", buf, len, &plain, &err),
        EO_OK);
    assert_int_equal(eo_image_gzip(&plain, &gzip, &err), EO_OK);
    assert_int_equal(gzip.format, EO_IMAGE_FORMAT_GZIP);
    assert_true(gzip.size < plain.size / 4);
    assert_int_equal(gzip.uncompressed_size, plain.size);
    assert_string_equal(gzip.path, "/tmp/espurna-1.15.0-itead-sonoff-basic.bin.gz");
    assert_int_equal(gzip.layout.boot.flash_size_code, EO_FLASH_SIZE_1M);
    assert_int_equal(gzip.layout.boot.segment_count, 1);
    assert_string_equal(gzip.version, V115);
    assert_int_equal(gzip.kind, EO_KIND_FULL);
    assert_int_equal(gzip.identity_source, EO_IDENTITY_FILE_NAME);
    /* the gzip stream carries the gzip magic and inflates to the same bytes */
    assert_true(eo_image_is_gzip(gzip.data, gzip.size));
    assert_int_equal(eo_image_gzip(&gzip, &again, &err), EO_ERR_IMAGE);
    assert_non_null(strstr(err.message, "already gzip"));
    eo_image_release(&gzip);
    /* an identity from a file name that does not survive ".gz" is kept anyway */
    plain.identity_source = EO_IDENTITY_FILE_NAME;
    snprintf(plain.version, sizeof plain.version, "1.14.1");
    plain.kind = EO_KIND_CORE;
    assert_int_equal(eo_image_gzip(&plain, &gzip, &err), EO_OK);
    assert_string_equal(gzip.version, "1.14.1");
    assert_int_equal(gzip.kind, EO_KIND_CORE);
    eo_image_release(&gzip);
    eo_image_release(&plain);
}

static void test_gzip_keeps_descriptor(void **state)
{
    (void)state;
    static uint8_t buf[GZ_CAP];
    struct eo_app_desc desc = {
        .kind = EO_KIND_CORE,
        .features = EO_FEATURE_ESPOTA | EO_FEATURE_TELNET,
        .app = "ESPURNA",
        .version = VDEV,
        .environment = "espurna-minimal-arduino-ota-1m",
        .board = "ESPURNA_MINIMAL_ARDUINO_OTA",
        .build_date = "2026-11-01 12:00:00",
    };
    size_t len = build_compressible(buf, &desc);
    struct eo_image plain, gzip;
    struct eo_error err;
    assert_int_equal(eo_image_load_buffer("core.bin", buf, len, &plain, &err), EO_OK);
    assert_int_equal(eo_image_gzip(&plain, &gzip, &err), EO_OK);
    assert_int_equal(gzip.identity_source, EO_IDENTITY_DESCRIPTOR);
    assert_string_equal(gzip.version, VDEV);
    assert_int_equal(gzip.kind, EO_KIND_CORE);
    assert_true(gzip.layout.has_desc);
    eo_image_release(&gzip);
    eo_image_release(&plain);
}

/* ---- release folders ------------------------------------------------------------------------ */

static void touch(const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fclose(file);
}

static void make_release_dir(char *dir)
{
    assert_non_null(mkdtemp(dir));
    static const char *const names[] = {
        "espurna-1.14.1-espurna-core-1MB.bin",
        "espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin",
        "espurna-1.15.0-espurna-minimal-arduino-ota-4m.bin",
        "espurna-1.16.0-espurna-minimal-webui-1m.bin",
        "espurna-1.16.0-itead-sonoff-basic.bin",
        "espurna-1.15.1-espurna-core-1MB.bin.gz",
        "README.md",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        touch(dir, names[i]);
}

static void expect_core(char dirs[][PATH_MAX], size_t count, uint32_t flash, const char *prefer,
                        const char *name, const char *reason)
{
    struct eo_core_choice choice;
    struct eo_error err;
    enum eo_status status =
        eo_firmware_find_core(dirs, count, flash, ESPOTA | TERMINAL, prefer, &choice, &err);
    if (status != EO_OK)
        fail_msg("%s: %s", name, err.message);
    const char *slash = strrchr(choice.path, '/');
    assert_string_equal(slash ? slash + 1 : choice.path, name);
    expect_text(name, choice.reason, reason);
}

static void remove_release_dir(const char *dir)
{
    char command[PATH_MAX + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
}

static void test_find_core(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_plan_fw.XXXXXX";
    make_release_dir(dir);
    char dirs[2][PATH_MAX];
    snprintf(dirs[0], PATH_MAX, "%s/missing", dir);
    snprintf(dirs[1], PATH_MAX, "%s", dir);
    expect_core(dirs, 2, MIB, V115, "espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin",
                "same version as the target");
    expect_core(dirs, 2, MIB, V114, "espurna-1.14.1-espurna-core-1MB.bin", "same version");
    expect_core(dirs, 2, MIB, "2.0.0", "espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin",
                "newest found (1.15.0)");
    expect_core(dirs, 2, MIB, NULL, "espurna-1.15.0-espurna-minimal-arduino-ota-1m.bin", "1 MB");
    expect_core(dirs, 2, 4 * MIB, V115, "espurna-1.15.0-espurna-minimal-arduino-ota-4m.bin",
                "4 MB flash");
    remove_release_dir(dir);
}

static void test_find_core_none(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_plan_fw.XXXXXX";
    make_release_dir(dir);
    char dirs[2][PATH_MAX];
    snprintf(dirs[0], PATH_MAX, "%s", dir);
    snprintf(dirs[1], PATH_MAX, "/nonexistent-release-dir");
    struct eo_core_choice choice;
    struct eo_error err;
    assert_int_equal(eo_firmware_find_core(dirs, 2, 2 * MIB, ESPOTA, V115, &choice, &err),
                     EO_ERR_FILE);
    assert_int_equal(err.hint, EO_HINT_CORE_IMAGE);
    expect_text("2 MB", err.message,
                "espurna-<version>-espurna-minimal-arduino-ota-2m.bin or "
                "espurna-<version>-espurna-core-2MB.bin in ");
    expect_text("2 MB", err.message, dir);
    expect_text("2 MB", err.message, ", /nonexistent-release-dir");
    /* only a web step 2 would do: no core has web */
    assert_int_equal(eo_firmware_find_core(dirs, 1, MIB, WEB, V115, &choice, &err), EO_ERR_FILE);
    assert_int_equal(err.hint, EO_HINT_CORE_IMAGE);
    /* unknown flash size */
    assert_int_equal(eo_firmware_find_core(dirs, 1, 0, ESPOTA, V115, &choice, &err), EO_ERR_FILE);
    /* no folder at all */
    assert_int_equal(eo_firmware_find_core(dirs, 0, MIB, ESPOTA, V115, &choice, &err), EO_ERR_FILE);
    expect_text("no folder", err.message, "in no release folder");
    remove_release_dir(dir);
}

static void test_search_path(void **state)
{
    (void)state;
    char base[] = "/tmp/test_plan_path.XXXXXX", cwd[PATH_MAX], path[PATH_MAX];
    char dirs[EO_FIRMWARE_MAX_DIRS][PATH_MAX];
    assert_non_null(mkdtemp(base));
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(path, sizeof path, "%s/xdg/espurna-ota/firmware", base);
    char command[2 * PATH_MAX];
    snprintf(command, sizeof command, "mkdir -p '%s' '%s/firmware'", path, base);
    assert_int_equal(system(command), 0);
    snprintf(command, sizeof command, "%s/xdg", base);
    setenv("XDG_DATA_HOME", command, 1);
    assert_int_equal(chdir(base), 0);
    size_t count = eo_firmware_search_path(NULL, dirs, EO_FIRMWARE_MAX_DIRS);
    assert_true(count >= 2);
    assert_string_equal(dirs[0], "./firmware");
    assert_string_equal(dirs[1], path);
    assert_int_equal(eo_firmware_search_path(NULL, dirs, 1), 1);
    assert_int_equal(eo_firmware_search_path("/somewhere/else", dirs, EO_FIRMWARE_MAX_DIRS), 1);
    assert_string_equal(dirs[0], "/somewhere/else");
    assert_int_equal(rmdir("firmware"), 0);
    count = eo_firmware_search_path(NULL, dirs, EO_FIRMWARE_MAX_DIRS);
    assert_true(count >= 1);
    assert_string_equal(dirs[0], path);
    assert_int_equal(chdir(cwd), 0);
    unsetenv("XDG_DATA_HOME");
    remove_release_dir(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_table),
        cmocka_unit_test(test_two_step_figures),
        cmocka_unit_test(test_unknown_free_space_figures),
        cmocka_unit_test(test_guessed_free_space),
        cmocka_unit_test(test_notes_said_once),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_version_compare),
        cmocka_unit_test(test_takes_gzip),
        cmocka_unit_test(test_gzip_round_trip),
        cmocka_unit_test(test_gzip_keeps_descriptor),
        cmocka_unit_test(test_find_core),
        cmocka_unit_test(test_find_core_none),
        cmocka_unit_test(test_search_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
