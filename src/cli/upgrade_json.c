/* upgrade_json.c — the JSON of an upgrade's plan, core image, steps and hooks (see
 * upgrade_json.h). */
#include "upgrade_json.h"

#include "espurna-ota/output.h"

static json_t *figure_json(uint64_t bytes, enum eo_certainty certainty)
{
    return json_pack("{s:o,s:s}", "bytes",
                     certainty == EO_CERTAIN_UNKNOWN ? json_null()
                                                     : json_integer((json_int_t)bytes),
                     "certainty", eo_certainty_name(certainty));
}

const char *cli_step_image_name(enum eo_step_image image)
{
    return image == EO_STEP_CORE ? "core" : image == EO_STEP_TARGET_GZIP ? "gzip" : "image";
}

json_t *cli_upgrade_plan_json(const struct eo_upgrade_result *result)
{
    if (!result->planned)
        return json_null();
    const struct eo_plan *plan = &result->plan;
    json_t *steps = json_array(), *notes = json_array();
    for (unsigned i = 0; i < plan->step_count; i++) {
        const struct eo_plan_step *step = &plan->steps[i];
        json_array_append_new(
            steps,
            json_pack("{s:i,s:s,s:s,s:I,s:I,s:o,s:o,s:s,s:s}", "step", (int)i + 1, "image",
                      cli_step_image_name(step->image), "method", eo_method_name(step->method),
                      "bytes", (json_int_t)step->bytes, "inflated", (json_int_t)step->inflated,
                      "free_before", figure_json(step->free_before, step->free_before_certainty),
                      "free_after", figure_json(step->free_after, step->free_after_certainty),
                      "expect_version", step->expect_version, "expect_kind",
                      eo_kind_name(step->expect_kind) ? eo_kind_name(step->expect_kind)
                                                      : "unknown"));
    }
    for (unsigned i = 0; i < plan->note_count; i++)
        json_array_append_new(notes, eo_out_json_text(plan->notes[i]));
    return json_pack("{s:s,s:o,s:o,s:o,s:b}", "route", eo_route_name(plan->route), "summary",
                     eo_out_json_text(plan->summary), "steps", steps, "notes", notes, "resumes",
                     plan->resumes);
}

json_t *cli_upgrade_steps_json(const struct eo_upgrade_result *result)
{
    json_t *steps = json_array();
    for (unsigned i = 0; i < EO_PLAN_MAX_STEPS && result->steps[i].ran; i++) {
        const struct eo_upgrade_step_result *step = &result->steps[i];
        json_array_append_new(
            steps,
            json_pack("{s:i,s:s,s:s,s:I,s:f,s:f,s:f,s:s,s:s,s:o,s:o,s:o,s:o}", "step", (int)i + 1,
                      "image", cli_step_image_name(step->image), "method",
                      eo_method_name(step->method), "bytes_confirmed", (json_int_t)step->bytes,
                      "push_seconds", step->push_s, "reboot_seconds", step->reboot_s,
                      "back_seconds", step->back_s, "transfer", eo_status_name(step->push_status),
                      "outcome", eo_status_name(step->status), "version_after",
                      eo_out_json_text(step->version_after), "reply", eo_out_json_text(step->reply),
                      "note", eo_out_json_text(step->note), "fallback",
                      eo_out_json_text(step->fallback)));
    }
    return steps;
}

json_t *cli_upgrade_core_json(const struct eo_upgrade_result *result)
{
    if (!result->core.path[0])
        return json_null();
    return json_pack("{s:o,s:o}", "path", eo_out_json_text(result->core.path), "reason",
                     eo_out_json_text(result->core.reason));
}

static json_t *hook_json(const struct eo_hook_result *hook, bool resumed)
{
    if (!hook->ran)
        return json_null();
    json_t *obj = json_object();
    eo_out_json_hook_end(obj, hook);
    json_object_set_new(obj, "seconds", json_real(hook->seconds));
    json_object_set_new(obj, "timeout_s", json_integer(hook->timeout_s));
    json_object_set_new(obj, "lines", json_integer(hook->lines));
    json_object_set_new(obj, "last_line",
                        hook->last_line[0] ? eo_out_json_text(hook->last_line) : json_null());
    json_object_set_new(obj, "resumed", json_boolean(resumed));
    return obj;
}

json_t *cli_upgrade_hooks_json(const struct eo_upgrade_result *result)
{
    return json_pack("{s:o,s:o}", "before", hook_json(&result->hook_before, false), "after",
                     hook_json(&result->hook_after, result->hook_after_resumed));
}
