/* events.h — how the library tells what it is doing without printing: one event sink that every
 * long operation (a push, an upgrade, later a batch) emits into, and that the report layer renders
 * (human lines and progress bars, JSON, later JSON Lines and JUnit). Nothing below the CLI
 * writes to stdout or stderr. */
#ifndef ESPURNA_OTA_EVENTS_H
#define ESPURNA_OTA_EVENTS_H

#include <stdint.h>

#include "espurna-ota/status.h"

/* Where an upgrade is. Stable names (eo_phase_name) appear in JSON. */
enum eo_phase {
    EO_PHASE_LEARN = 0, /* finding out what the device runs and has */
    EO_PHASE_PLAN,      /* checking the image, choosing the route */
    EO_PHASE_PUSH,      /* sending one image */
    EO_PHASE_REBOOT,    /* waiting for the device to go and come back */
    EO_PHASE_VERIFY,    /* reading what it runs now */
    EO_PHASE_SOAK,      /* watching it stay up */
    EO_PHASE_HOOK,      /* the user's --hook runs (before the first step, after the upgrade) */
    EO_PHASE_COUNT
};

enum eo_event_kind {
    EO_EVENT_PHASE = 0,     /* a phase begins (text says what, e.g. "core image over web") */
    EO_EVENT_PROGRESS,      /* done/total bytes the device confirmed during a push */
    EO_EVENT_NOTE,          /* one line worth telling (a fallback, a figure that was guessed) */
    EO_EVENT_STEP_RESULT,   /* a step ended: status, elapsed_s, text (the device's reply) */
    EO_EVENT_DEVICE_RESULT, /* the whole upgrade of a device ended: status, text (where it stands)
                             */
    EO_EVENT_STANDING,      /* batch: a device's place in the run changed; text is "running" or
                             * its final state ("done", "failed", "offline", "skipped", ...) */
    EO_EVENT_HOOK_RESULT    /* the user's hook ended: hook says which and how, status what it
                             * means for the device (EO_OK: it said yes), text in words */
};

struct eo_hook_result;

struct eo_event {
    enum eo_event_kind kind;
    const char *device; /* how the device is named for the user (host name or address) */
    unsigned step;      /* 1-based step of the plan, 0 outside steps */
    unsigned steps;     /* steps in the plan, 0 when not yet planned */
    enum eo_phase phase;
    uint64_t done, total;  /* PROGRESS: bytes the device confirmed, of total (0: unknown) */
    double elapsed_s;      /* since the phase (PHASE, PROGRESS) or the step (STEP_RESULT) began */
    const char *text;      /* one line, no trailing newline; may be NULL */
    enum eo_status status; /* STEP_RESULT, DEVICE_RESULT, HOOK_RESULT */
    /* PHASE of EO_PHASE_HOOK (which hook starts: ran false) and HOOK_RESULT; NULL otherwise */
    const struct eo_hook_result *hook;
};

/* The sink. emit is called from the thread doing the work; NULL emit drops everything. */
struct eo_events {
    void (*emit)(void *ctx, const struct eo_event *event);
    void *ctx;
};

const char *eo_phase_name(enum eo_phase phase); /* "learn", "plan", "push", ... */

/* Emits one event (a no-op when events or its emit is NULL). */
void eo_events_emit(const struct eo_events *events, const struct eo_event *event);
/* Emits a NOTE built from a format. */
void eo_events_note(const struct eo_events *events, const char *device, unsigned step,
                    const char *format, ...) __attribute__((format(printf, 4, 5)));

#endif
