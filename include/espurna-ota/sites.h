/* sites.h — one fleet-wide result from the batch journals of several sites (`espurna-ota
 * report`). mDNS is link-local: one host sees one network, so a fleet spread over sites is
 * upgraded by one `batch --journal` per site, and the journals are merged here. Each journal is
 * replayed as batch's resume sees it (journal.h): every run it holds, the latest outcome of each
 * device winning. A device is its site and its identity, so one host name at two sites is two
 * devices. Each device is judged into one of batch's states, and the whole is counted into an
 * eo_batch_summary whose exit status is batch's. No protocol, no network: files only. */
#ifndef ESPURNA_OTA_SITES_H
#define ESPURNA_OTA_SITES_H

#include <stdbool.h>
#include <stddef.h>

#include "espurna-ota/batch.h"
#include "espurna-ota/journal.h"
#include "espurna-ota/status.h"

#define EO_SITES_NAME_MAX 64 /* a site's name, NUL included */

/* How the last run of a site's journal ended. */
enum eo_sites_run {
    EO_SITES_RUN_NONE = 0, /* the journal holds no run */
    EO_SITES_RUN_FINISHED, /* its "run-done" says ok, some_failed or nothing_to_do */
    EO_SITES_RUN_STOPPED,  /* its "run-done" says otherwise: the failure limit (aborted), a
                            * signal (interrupted) or an error before any device ran */
    EO_SITES_RUN_OPEN,     /* no "run-done" after its lines: still running, or killed */
};
const char *eo_sites_run_name(enum eo_sites_run run); /* "none", "finished", "stopped", "open" */

struct eo_sites_site {
    char name[EO_SITES_NAME_MAX];
    char *journal; /* its path (or the name its text was given under) */
    struct eo_journal_state state;
    enum eo_sites_run last_run;
    unsigned count[EO_BATCH_STATE_COUNT]; /* its devices per state */
};

struct eo_sites {
    struct eo_sites_site *items; /* in the order added */
    size_t count;
};

void eo_sites_init(struct eo_sites *sites);
void eo_sites_release(struct eo_sites *sites);

/* Whether `name` may name a site: 1 to EO_SITES_NAME_MAX - 1 characters, letters, digits, '.',
 * '_' and '-', not starting with '.' or '-'. */
bool eo_sites_name_valid(const char *name);

/* The site a journal names by itself: its file name without the folder and the last extension
 * ("ci/site-a.jsonl" -> "site-a"); a file named journal.* (batch's default name) is named after
 * its folder ("artifacts/paris/journal.jsonl" -> "paris"). false when that is not a valid name. */
bool eo_sites_name_of(const char *path, char *out, size_t cap);

/* One JOURNAL argument of `report`: "SITE=PATH" when the part before the first '=' is a valid
 * site name (*name filled, *path after the '='), else the whole of it is a path (*name ""). */
void eo_sites_split_argument(const char *argument, char name[EO_SITES_NAME_MAX], const char **path);

/* Adds the journal at `path` as site `name` (NULL or "": eo_sites_name_of). EO_ERR_FILE: it
 * does not exist or cannot be read ("journal PATH: ..."); EO_ERR_INPUT: a line is not a journal
 * line ("PATH:LINE: not a journal line (WHY)"); EO_ERR_USAGE: the name is not valid, or another
 * journal has it already. Nothing is added on error. */
enum eo_status eo_sites_add_file(struct eo_sites *sites, const char *name, const char *path,
                                 struct eo_error *err);

/* The same for a journal's text already in memory; `journal` stands for its path. */
enum eo_status eo_sites_add_text(struct eo_sites *sites, const char *name, const char *journal,
                                 const char *text, size_t size, struct eo_error *err);

/* What a device's latest lines make of it, in batch's words. */
struct eo_sites_verdict {
    /* EO_BATCH_DONE, EO_BATCH_UP_TO_DATE, EO_BATCH_FAILED, or EO_BATCH_SKIPPED when its --hook
     * before said no */
    enum eo_batch_state state;
    /* EO_OK, the failure, or EO_ERR_UNKNOWN for an upgrade the journal shows begun and never
     * ended */
    enum eo_status status;
    char message[EO_ERROR_MESSAGE_MAX]; /* FAILED, SKIPPED: why, one line */
};

/* Finished -> done (up-to-date when its plan was); its end failed, or no end -> failed; its hook
 * before said no (hook_skipped) -> skipped, as batch has it. */
void eo_sites_judge(const struct eo_journal_device *record, struct eo_sites_verdict *out);

/* Every device of every site counted per state (each site's count too); `aborted` when a site's
 * last run stopped or has no end (devices it had not reached are in no journal). seconds 0. */
void eo_sites_summarize(struct eo_sites *sites, struct eo_batch_summary *out);

#endif
