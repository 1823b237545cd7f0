/* journal.h — the record a fleet run keeps of every step of every device, so that a run killed
 * at any moment (even by SIGKILL) can be resumed: finished devices are skipped, devices stranded
 * on a core image are finished first. A journal is a JSON Lines file that runs append to; the
 * writer makes each line durable before returning, the reader replays all of them into the last
 * known state of each device. `batch` writes it (directly or through eo_journal_sink) and reads
 * it back; nothing here knows a protocol.
 *
 * ---- the line format -----------------------------------------------------------------------
 * One JSON object per line, ending in "\n", written with a single write() then fdatasync().
 * Every line has these keys, in this order:
 *   "run"    32 lower-case hex digits: 128 random bits drawn when the journal is opened (one run)
 *   "seq"    1, 2, 3 ... : the line's number within its run
 *   "time"   when it was written, ISO 8601 UTC with milliseconds: "2026-12-02T22:47:09.123Z"
 *   "device" the device's identity (hostname, or chip id when it has none); null for run events
 *   "event"  one of the names below
 * and then, by event (keys listed are always present; null where the value is unknown):
 *   "run-started"   (none)
 *   "run-done"      "status"
 *   "started"       "image", "md5", "version"   the upgrade of a device begins, towards this full
 *                                               image (path, MD5 hex, version it carries)
 *   "plan"          "route", "steps", "text", "from"
 *                                               route: eo_route_name; text: the plan's summary;
 *                                               from: the version the device ran when planned
 *   "step-started"  "step", "steps", "role", "method"
 *                                               step is 1-based; role "core" or "target" (the
 *                                               image the step sends); method eo_method_name
 *   "step-done"     "step", "steps", "role", "method", "status", "seconds", "text"
 *                                               status of the step (eo_status_name: "ok", ...)
 *   "device-done"   "status", "image", "md5", "version", "seconds", "where", "error"
 *                                               the upgrade ended; status "ok" means verified or
 *                                               already up to date, on the image named by md5;
 *                                               where: one line saying where the device stands;
 *                                               error: one line saying why it failed (null: ok)
 *   "hook"          "when", "passed", "end", "exit_code", "seconds"
 *                                               the user's --hook ran: when "before" (the first
 *                                               step) or "after" (the upgrade); passed: it exited
 *                                               with 0; end: eo_hook_end_name; exit_code: its
 *                                               exit status, null when it did not exit
 * A reader ignores keys it does not know, so later versions may add keys but never rename one;
 * it takes a key added later ("from", "error") as null when a line lacks it.
 *
 * ---- replay --------------------------------------------------------------------------------
 * Lines are taken in file order, whatever their run, so the latest line about a device wins.
 * A last line that lacks its newline or does not parse is torn (the process died writing it)
 * and is ignored; any other line that is not a journal line is an error. Opening a journal for
 * append cuts such a torn last line first, so it never ends up in the middle of the file. */
#ifndef ESPURNA_OTA_JOURNAL_H
#define ESPURNA_OTA_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "espurna-ota/events.h"
#include "espurna-ota/status.h"

struct eo_upgrade_result;

#define EO_JOURNAL_RUN_ID_LEN 32 /* hex digits, without the terminating NUL */

enum eo_journal_event {
    EO_JOURNAL_RUN_STARTED = 0,
    EO_JOURNAL_RUN_DONE,
    EO_JOURNAL_STARTED,
    EO_JOURNAL_PLAN,
    EO_JOURNAL_STEP_STARTED,
    EO_JOURNAL_STEP_DONE,
    EO_JOURNAL_DEVICE_DONE,
    EO_JOURNAL_HOOK,
    EO_JOURNAL_EVENT_COUNT
};
/* "run-started", "run-done", "started", "plan", "step-started", "step-done", "device-done",
 * "hook". */
const char *eo_journal_event_name(enum eo_journal_event event);
bool eo_journal_event_parse(const char *name, enum eo_journal_event *out);

/* What a step sends: written as "role". */
enum eo_journal_role {
    EO_JOURNAL_ROLE_UNKNOWN = 0, /* null: a reader takes step 1 of 2 to be the core */
    EO_JOURNAL_ROLE_CORE,        /* "core" */
    EO_JOURNAL_ROLE_TARGET,      /* "target" (the full image, or its gzip) */
};

/* One line to append. Only the fields of its event (see the format above) are written; a NULL
 * string is written as null. */
struct eo_journal_entry {
    enum eo_journal_event event;
    const char *device;        /* the identity; ignored for run events */
    unsigned step, steps;      /* step entries: 1-based step of steps; plan: steps */
    const char *route;         /* plan */
    const char *text;          /* plan: summary; step-done: the step's description */
    enum eo_journal_role role; /* step entries */
    const char *method;        /* step entries */
    const char *image;         /* started, device-done: path of the full image */
    const char *md5;           /* started, device-done: its MD5 (32 hex digits) */
    const char *version;       /* started: the image's; device-done: what the device runs */
    enum eo_status status;     /* step-done, device-done, run-done */
    double seconds;            /* step-done, device-done: how long it took */
    const char *where;         /* device-done */
    const char *hook_when;     /* hook: "before" or "after" */
    bool hook_passed;          /* hook: it exited with 0 */
    const char *hook_end;      /* hook: how it ended (eo_hook_end_name) */
    int hook_exit_code;        /* hook: its exit status, -1 (null) when it did not exit */
    const char *from;          /* plan: the version the device ran */
    const char *error;         /* device-done: why it failed (NULL when it did not) */
};

/* ---- writing -------------------------------------------------------------------------------- */

struct eo_journal;

/* Opens `path` for appending as a new run (a fresh run id, seq from 1). Missing parent folders
 * are created with mode 0700; a new journal is created with mode 0600 (existing folders and
 * files keep theirs). Refused with EO_ERR_FILE: a symbolic link ("journal PATH: is a symbolic
 * link"), anything but a regular file ("journal PATH: not a regular file (it is ...)"), a journal
 * another process has open ("journal PATH: in use by another run"), or any system error. A torn
 * last line is cut (see above). The descriptor is close-on-exec and O_APPEND. Thread-safe: lines
 * from several threads never interleave and their seq follow the file order. */
enum eo_status eo_journal_open(const char *path, struct eo_journal **out, struct eo_error *err);

/* Appends one line with one write() and makes it durable (fdatasync) before returning. A kill
 * at any moment loses at most this line. EO_ERR_FILE on a short or failed write (disk full). */
enum eo_status eo_journal_append(struct eo_journal *journal, const struct eo_journal_entry *entry,
                                 struct eo_error *err);

/* This run's id (EO_JOURNAL_RUN_ID_LEN hex digits). */
const char *eo_journal_run_id(const struct eo_journal *journal);

/* Closes the journal (NULL is a no-op). */
void eo_journal_close(struct eo_journal *journal);

/* Where the journal goes by default: $XDG_STATE_HOME/espurna-ota/journal.jsonl when that is an
 * absolute path, else ~/.local/state/espurna-ota/journal.jsonl. false when no home is known or
 * the path does not fit in cap. */
bool eo_journal_default_path(char *out, size_t cap);

/* ---- journalling an upgrade's events ----------------------------------------------------------
 * An event sink (events.h) for the upgrade of one device: PHASE learn → "started", PHASE plan →
 * "plan", PHASE push → "step-started" (again on a method fallback), STEP_RESULT → "step-done",
 * DEVICE_RESULT → "device-done". Progress and notes are not journalled. Every event, journalled
 * or not, is passed on to `next`. One per device; the journal itself may be shared. */
struct eo_journal_device_sink {
    struct eo_journal *journal;
    const char *device; /* the identity written as "device" */
    const char *image;  /* the full image: path, MD5, version (NULL: unknown) */
    const char *md5;
    const char *version;
    /* The result eo_upgrade_run is filling for this device, read as events arrive (same thread)
     * for the route, each step's image and method, the final version, and whether it is a dry run
     * (whose end is not journalled). NULL: the role is inferred (step 1 of 2 is the core), route
     * and method are null. */
    const struct eo_upgrade_result *result;
    const struct eo_events *next; /* NULL: none */
    /* The error record eo_upgrade_run fills for this device: its message is journalled as the
     * "error" of a failed end. NULL: null. */
    const struct eo_error *failure;
    /* Out: the first append that failed (EO_OK when none); later events are still passed on. */
    enum eo_status status;
    struct eo_error error;
};

/* The sink writing into `sink` (which must outlive its use). Clears sink->status. */
struct eo_events eo_journal_sink(struct eo_journal_device_sink *sink);

/* ---- replaying ------------------------------------------------------------------------------ */

/* Where a device stands according to its latest lines, in this order of precedence. */
enum eo_journal_standing {
    EO_JOURNAL_IN_FLIGHT = 0, /* a step started and never ended: the process died during it */
    EO_JOURNAL_FINISHED,      /* its last upgrade ended "ok" (verified, or up to date) */
    EO_JOURNAL_ON_CORE,       /* the core step of a two-step is done, the target's is not */
    EO_JOURNAL_FAILED,        /* its last upgrade ended with an error */
    EO_JOURNAL_PENDING,       /* started, nothing decided yet (killed before or between steps) */
};
const char *eo_journal_standing_name(enum eo_journal_standing standing); /* "in-flight", ... */

struct eo_journal_device {
    char *device; /* the identity */
    enum eo_journal_standing standing;
    bool on_core;                        /* its last step done was a core step (also when IN_FLIGHT
                                          * or FAILED after it) */
    unsigned step, steps;                /* IN_FLIGHT: the step in flight; else the last step done
                                          * (0: none since it started) */
    enum eo_journal_role role;           /* of `step` */
    enum eo_status status;               /* FAILED, and after a failed step: the last failure */
    char md5[33];                        /* FINISHED: the image it finished on; else the target of
                                          * its latest start ("" unknown) */
    char version[64];                    /* FINISHED: what it runs ("" unknown) */
    bool hook_pending;                   /* a --hook before its first step said yes and no hook
                                          * after its upgrade has said yes since (the run died
                                          * before, or the hook after said no): a run that
                                          * finds it up to date runs the hook after it */
    char run[EO_JOURNAL_RUN_ID_LEN + 1]; /* the run of its latest line */
    size_t line;                         /* 1-based line of its latest line */
    char time[32];                       /* the time of its latest line */
    /* What its latest upgrade said, for a report (each reset when an upgrade starts): */
    char route[16]; /* the plan's eo_route_name ("" not planned) */
    char from[64];  /* the version it ran when planned ("" unknown) */
    double seconds; /* the upgrade's time when it ended, else its steps' so far */
    char *image;    /* path of the full image it was taken to (NULL unknown) */
    char *where;    /* its end: where it stands (NULL: no end yet) */
    char *error;    /* its end: why it failed (NULL: none, or not said) */
};

struct eo_journal_state {
    struct eo_journal_device *devices; /* in order of first appearance */
    size_t count;
    size_t lines;                             /* journal lines read (a torn one not counted) */
    bool torn;                                /* a torn last line was ignored */
    char last_run[EO_JOURNAL_RUN_ID_LEN + 1]; /* the run of the last line ("" none) */
    size_t runs;                              /* "run-started" lines */
    bool last_run_ended;                      /* the last run wrote its "run-done" */
    enum eo_status last_run_status;           /* and this status (EO_OK when it did not) */
};

/* Reads the journal at `path` into *out (freed with eo_journal_state_free, also on error). A
 * missing journal is an empty state. EO_ERR_INPUT "PATH:LINE: not a journal line (WHY)" for a
 * line that is not JSON, not an object, lacks a key its event needs or has one of the wrong
 * type; EO_ERR_FILE when it cannot be read. */
enum eo_status eo_journal_replay(const char *path, struct eo_journal_state *out,
                                 struct eo_error *err);

/* The same replay of a journal's `size` bytes already in memory (NUL bytes included); `name`
 * stands for PATH in messages. */
enum eo_status eo_journal_replay_text(const char *name, const char *text, size_t size,
                                      struct eo_journal_state *out, struct eo_error *err);

/* The record of `device` (exact identity), NULL when the journal never named it. */
const struct eo_journal_device *eo_journal_state_find(const struct eo_journal_state *state,
                                                      const char *device);

void eo_journal_state_free(struct eo_journal_state *state);

#endif
