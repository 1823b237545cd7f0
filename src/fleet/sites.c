/* sites.c — several sites' batch journals as one fleet (sites.h): naming each site, replaying
 * each journal with the journal's own reader, judging every device in batch's states and
 * counting them into batch's summary. */
#include "espurna-ota/sites.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- names -------------------------------------------------------------------------------- */

const char *eo_sites_run_name(enum eo_sites_run run)
{
    switch (run) {
    case EO_SITES_RUN_NONE: return "none";
    case EO_SITES_RUN_FINISHED: return "finished";
    case EO_SITES_RUN_STOPPED: return "stopped";
    case EO_SITES_RUN_OPEN: return "open";
    }
    return "unknown";
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* The first `len` characters of `text` as a name. */
static bool name_valid_n(const char *text, size_t len)
{
    if (len == 0 || len >= EO_SITES_NAME_MAX || text[0] == '.' || text[0] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!name_char(text[i]))
            return false;
    return true;
}

bool eo_sites_name_valid(const char *name)
{
    return name && name_valid_n(name, strlen(name));
}

/* The last component of `path` ending at `end` (exclusive), without trailing slashes. */
static const char *component_before(const char *path, const char *end, size_t *len)
{
    while (end > path && end[-1] == '/')
        end--;
    const char *start = end;
    while (start > path && start[-1] != '/')
        start--;
    *len = (size_t)(end - start);
    return start;
}

bool eo_sites_name_of(const char *path, char *out, size_t cap)
{
    size_t len;
    const char *file = component_before(path, path + strlen(path), &len);
    const char *dot = len ? memrchr(file + 1, '.', len - 1) : NULL;
    size_t stem = dot ? (size_t)(dot - file) : len;
    if (stem == strlen("journal") && strncmp(file, "journal", stem) == 0 && file > path)
        file = component_before(path, file, &stem);
    if (!name_valid_n(file, stem) || stem >= cap)
        return false;
    memcpy(out, file, stem);
    out[stem] = '\0';
    return true;
}

void eo_sites_split_argument(const char *argument, char name[EO_SITES_NAME_MAX], const char **path)
{
    const char *equals = strchr(argument, '=');
    name[0] = '\0';
    *path = argument;
    if (equals && name_valid_n(argument, (size_t)(equals - argument))) {
        memcpy(name, argument, (size_t)(equals - argument));
        name[equals - argument] = '\0';
        *path = equals + 1;
    }
}

/* ---- adding a journal --------------------------------------------------------------------- */

void eo_sites_init(struct eo_sites *sites)
{
    memset(sites, 0, sizeof *sites);
}

void eo_sites_release(struct eo_sites *sites)
{
    for (size_t i = 0; i < sites->count; i++) {
        free(sites->items[i].journal);
        eo_journal_state_free(&sites->items[i].state);
    }
    free(sites->items);
    memset(sites, 0, sizeof *sites);
}

static const struct eo_sites_site *find_site(const struct eo_sites *sites, const char *name)
{
    for (size_t i = 0; i < sites->count; i++)
        if (strcmp(sites->items[i].name, name) == 0)
            return &sites->items[i];
    return NULL;
}

/* The site's name, given or from the journal's file name; checked and free. */
static enum eo_status choose_name(const struct eo_sites *sites, const char *name,
                                  const char *journal, char out[EO_SITES_NAME_MAX],
                                  struct eo_error *err)
{
    if (name && name[0]) {
        if (!eo_sites_name_valid(name))
            return eo_error_set(err, EO_ERR_USAGE,
                                "'%s' cannot name a site: use letters, digits, '.', '_' and '-'",
                                name);
        snprintf(out, EO_SITES_NAME_MAX, "%s", name);
    } else if (!eo_sites_name_of(journal, out, EO_SITES_NAME_MAX)) {
        return eo_error_set(err, EO_ERR_USAGE,
                            "journal %s: its file name cannot name a site: give SITE=%s", journal,
                            journal);
    }
    const struct eo_sites_site *other = find_site(sites, out);
    if (other)
        return eo_error_set(err, EO_ERR_USAGE,
                            "site %s: two journals (%s and %s): name each SITE=JOURNAL", out,
                            other->journal, journal);
    return EO_OK;
}

static enum eo_sites_run last_run_of(const struct eo_journal_state *state)
{
    if (!state->last_run[0])
        return EO_SITES_RUN_NONE;
    if (!state->last_run_ended)
        return EO_SITES_RUN_OPEN;
    switch (state->last_run_status) {
    case EO_OK:
    case EO_ERR_SOME_FAILED:
    case EO_NOTHING_TO_DO: return EO_SITES_RUN_FINISHED;
    default: return EO_SITES_RUN_STOPPED;
    }
}

/* Takes `state` into a new site (on error it is freed). */
static enum eo_status add_site(struct eo_sites *sites, const char *name, const char *journal,
                               struct eo_journal_state *state, struct eo_error *err)
{
    struct eo_sites_site *grown = realloc(sites->items, (sites->count + 1) * sizeof *grown);
    char *path = strdup(journal);
    if (grown)
        sites->items = grown;
    if (!grown || !path) {
        free(path);
        eo_journal_state_free(state);
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    }
    struct eo_sites_site *site = &sites->items[sites->count++];
    *site = (struct eo_sites_site){.journal = path, .state = *state};
    snprintf(site->name, sizeof site->name, "%s", name);
    site->last_run = last_run_of(&site->state);
    return EO_OK;
}

enum eo_status eo_sites_add_file(struct eo_sites *sites, const char *name, const char *path,
                                 struct eo_error *err)
{
    char chosen[EO_SITES_NAME_MAX];
    enum eo_status status = choose_name(sites, name, path, chosen, err);
    if (status != EO_OK)
        return status;
    struct stat st;
    if (stat(path, &st) != 0) /* the replay takes a missing journal for an empty one */
        return eo_error_set(err, EO_ERR_FILE, "journal %s: %s", path, strerror(errno));
    struct eo_journal_state state;
    status = eo_journal_replay(path, &state, err);
    if (status != EO_OK) {
        eo_journal_state_free(&state);
        return status;
    }
    return add_site(sites, chosen, path, &state, err);
}

enum eo_status eo_sites_add_text(struct eo_sites *sites, const char *name, const char *journal,
                                 const char *text, size_t size, struct eo_error *err)
{
    char chosen[EO_SITES_NAME_MAX];
    enum eo_status status = choose_name(sites, name, journal, chosen, err);
    if (status != EO_OK)
        return status;
    struct eo_journal_state state;
    status = eo_journal_replay_text(journal, text, size, &state, err);
    if (status != EO_OK) {
        eo_journal_state_free(&state);
        return status;
    }
    return add_site(sites, chosen, journal, &state, err);
}

/* ---- judging ------------------------------------------------------------------------------ */

/* Why an upgrade the journal shows begun has no end there. */
static void unended(const struct eo_journal_device *record, struct eo_sites_verdict *out)
{
    out->status = EO_ERR_UNKNOWN;
    if (record->standing == EO_JOURNAL_IN_FLIGHT)
        snprintf(out->message, sizeof out->message,
                 "its run ended during step %u of %u (no end in the journal): it may run "
                 "either image; run batch again",
                 record->step, record->steps);
    else if (record->standing == EO_JOURNAL_ON_CORE)
        snprintf(out->message, sizeof out->message,
                 "its run ended after the core step (no end in the journal): it runs the core "
                 "image; run batch again to finish");
    else
        snprintf(out->message, sizeof out->message,
                 "its run ended before its upgrade did (no end in the journal); run batch again");
}

void eo_sites_judge(const struct eo_journal_device *record, struct eo_sites_verdict *out)
{
    memset(out, 0, sizeof *out);
    if (record->standing == EO_JOURNAL_FINISHED) {
        out->state = strcmp(record->route, "up-to-date") == 0 ? EO_BATCH_UP_TO_DATE : EO_BATCH_DONE;
        out->status = EO_OK;
        return;
    }
    out->state = EO_BATCH_FAILED;
    if (!record->where) { /* no end since it started */
        unended(record, out);
        return;
    }
    out->status = record->status != EO_OK ? record->status : EO_ERR_UNKNOWN;
    if (out->status == EO_ERR_HOOK_SKIPPED) /* its --hook before said no: nothing was sent */
        out->state = EO_BATCH_SKIPPED;
    snprintf(out->message, sizeof out->message, "%s",
             record->error ? record->error : eo_status_meaning(out->status));
}

void eo_sites_summarize(struct eo_sites *sites, struct eo_batch_summary *out)
{
    memset(out, 0, sizeof *out);
    for (size_t s = 0; s < sites->count; s++) {
        struct eo_sites_site *site = &sites->items[s];
        memset(site->count, 0, sizeof site->count);
        for (size_t d = 0; d < site->state.count; d++) {
            struct eo_sites_verdict verdict;
            eo_sites_judge(&site->state.devices[d], &verdict);
            site->count[verdict.state]++;
            out->count[verdict.state]++;
        }
        if (site->last_run == EO_SITES_RUN_STOPPED || site->last_run == EO_SITES_RUN_OPEN)
            out->aborted = true;
    }
    out->wave_count = 1;
}
