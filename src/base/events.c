/* events.c — emitting into an event sink (events.h), and the names of the phases. */
#include "espurna-ota/events.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const phase_names[EO_PHASE_COUNT] = {
    [EO_PHASE_LEARN] = "learn",   [EO_PHASE_PLAN] = "plan",     [EO_PHASE_PUSH] = "push",
    [EO_PHASE_REBOOT] = "reboot", [EO_PHASE_VERIFY] = "verify", [EO_PHASE_SOAK] = "soak",
    [EO_PHASE_HOOK] = "hook",
};

const char *eo_phase_name(enum eo_phase phase)
{
    return (unsigned)phase < EO_PHASE_COUNT ? phase_names[phase] : "unknown";
}

void eo_events_emit(const struct eo_events *events, const struct eo_event *event)
{
    if (events && events->emit)
        events->emit(events->ctx, event);
}

void eo_events_note(const struct eo_events *events, const char *device, unsigned step,
                    const char *format, ...)
{
    if (!events || !events->emit)
        return;
    char text[512];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    struct eo_event event = {.kind = EO_EVENT_NOTE, .device = device, .step = step, .text = text};
    events->emit(events->ctx, &event);
}
