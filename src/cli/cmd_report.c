/* cmd_report.c — `espurna-ota report [SITE=]JOURNAL...`: the fleet-wide result of several sites'
 * batch journals (one `batch --journal` per network, mDNS being link-local). Each journal is a
 * site, replayed as batch's resume sees it; the output is batch's table with a SITE column (or
 * one JSON object, or JUnit with a test suite per site), and batch's exit status: 0 upgraded,
 * 14 some failed, 15 a site's last run did not finish, 16 nothing to do. Reads files only. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "commands.h"
#include "espurna-ota/output.h"
#include "espurna-ota/report.h"
#include "espurna-ota/report_junit.h"
#include "espurna-ota/sites.h"
#include "espurna-ota/text.h"
#include "options.h"

static const char *junit_path;
static bool json_output, quiet;

static const struct option_spec report_options[] = {
    {"junit", 0, OPT_STRING, &junit_path, 0, 0, "FILE",
     "write a JUnit XML report here: a test suite per site, a test case per device",
     .settable = false},
    {"json", 0, OPT_FLAG, &json_output, 0, 0, NULL, "print one JSON object instead of the table",
     .settable = false},
    {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL,
     "no line per site on stderr (warnings stay), only the result", .settable = false},
};

const struct command_spec report_spec = {
    "report",
    "[SITE=]JOURNAL...",
    "The fleet-wide result of batch journals, one per site (the site: SITE=, else the file's "
    "name).",
    report_options,
    OPTION_COUNT(report_options),
    1,
    UINT_MAX,
};

/* One device of one site, with what the table shows of it made printable. */
struct report_device {
    const struct eo_sites_site *site;
    const struct eo_journal_device *record;
    struct eo_sites_verdict verdict;
    char device[256], from[64], to[64], route[16], message[EO_ERROR_MESSAGE_MAX];
};

struct report_job {
    struct eo_sites sites;
    struct report_device *devices;
    size_t count;
    struct eo_batch_summary summary;
};

/* ---- reading ------------------------------------------------------------------------------ */

static enum eo_status load(struct report_job *job, char **args, int nargs, struct eo_error *err)
{
    for (int i = 0; i < nargs; i++) {
        char name[EO_SITES_NAME_MAX];
        const char *path;
        eo_sites_split_argument(args[i], name, &path);
        enum eo_status status = eo_sites_add_file(&job->sites, name, path, err);
        if (status != EO_OK)
            return status;
    }
    return EO_OK;
}

static void printable(char *out, size_t cap, const char *text)
{
    eo_text_printable(out, cap, text ? text : "", text ? strlen(text) : 0);
}

static void fill_device(struct report_device *d, const struct eo_sites_site *site,
                        const struct eo_journal_device *record)
{
    d->site = site;
    d->record = record;
    eo_sites_judge(record, &d->verdict);
    printable(d->device, sizeof d->device, record->device);
    printable(d->from, sizeof d->from, record->from);
    printable(d->to, sizeof d->to, record->version);
    printable(d->route, sizeof d->route, record->route);
    printable(d->message, sizeof d->message, d->verdict.message);
}

/* Every device of every site, in the order of the arguments and then of each journal. */
static enum eo_status gather(struct report_job *job, struct eo_error *err)
{
    size_t total = 0;
    for (size_t s = 0; s < job->sites.count; s++)
        total += job->sites.items[s].state.count;
    job->devices = calloc(total ? total : 1, sizeof *job->devices);
    if (!job->devices)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    for (size_t s = 0; s < job->sites.count; s++) {
        const struct eo_sites_site *site = &job->sites.items[s];
        for (size_t d = 0; d < site->state.count; d++)
            fill_device(&job->devices[job->count++], site, &site->state.devices[d]);
    }
    eo_sites_summarize(&job->sites, &job->summary);
    return EO_OK;
}

/* ---- notes on stderr ---------------------------------------------------------------------- */

static void note_site(const struct eo_sites_site *site)
{
    const struct eo_journal_state *state = &site->state;
    eo_out_info("%s: %zu device%s from %zu run%s in %s", site->name, state->count,
                state->count == 1 ? "" : "s", state->runs, state->runs == 1 ? "" : "s",
                site->journal);
    if (state->torn)
        eo_out_warn("%s: %s ends in a torn line (a run was killed writing it): ignored", site->name,
                    site->journal);
    if (site->last_run == EO_SITES_RUN_OPEN)
        eo_out_warn("%s: the last run in %s has no end (still running, or killed): devices it "
                    "had not reached are in no journal",
                    site->name, site->journal);
    else if (site->last_run == EO_SITES_RUN_STOPPED)
        eo_out_warn("%s: the last run in %s stopped (%s: %s): devices it had not reached are in "
                    "no journal",
                    site->name, site->journal, eo_status_name(state->last_run_status),
                    eo_status_meaning(state->last_run_status));
}

/* ---- the table, JSON, JUnit ---------------------------------------------------------------- */

static void print_table(const struct report_job *job)
{
    struct eo_report_row *rows = calloc(job->count ? job->count : 1, sizeof *rows);
    for (size_t i = 0; rows && i < job->count; i++) {
        const struct report_device *d = &job->devices[i];
        rows[i] = (struct eo_report_row){
            .device = d->device,
            .from = d->from[0] ? d->from : "?",
            .to = d->to,
            .route = d->route,
            .seconds = d->record->seconds,
            .outcome = eo_batch_state_name(d->verdict.state),
            .message = d->message,
            .site = d->site->name,
        };
    }
    if (rows)
        eo_report_table(rows, job->count);
    free(rows);
}

static json_t *text_or_null(const char *text)
{
    return text && text[0] ? eo_out_json_text(text) : json_null();
}

static json_t *device_json(const struct report_device *d)
{
    const struct eo_journal_device *r = d->record;
    json_t *obj = json_object();
    json_object_set_new(obj, "site", json_string(d->site->name));
    json_object_set_new(obj, "journal", eo_out_json_text(d->site->journal));
    json_object_set_new(obj, "device", eo_out_json_text(r->device));
    json_object_set_new(obj, "state", json_string(eo_batch_state_name(d->verdict.state)));
    json_object_set_new(obj, "status", json_string(eo_status_name(d->verdict.status)));
    json_object_set_new(obj, "from", text_or_null(r->from));
    json_object_set_new(obj, "to", text_or_null(r->version));
    json_object_set_new(obj, "route", text_or_null(r->route));
    json_object_set_new(obj, "seconds", json_real(r->seconds));
    json_object_set_new(obj, "image", text_or_null(r->image));
    json_object_set_new(obj, "md5", text_or_null(r->md5));
    json_object_set_new(obj, "where", text_or_null(r->where));
    json_object_set_new(obj, "error", text_or_null(d->verdict.message));
    json_object_set_new(obj, "standing", json_string(eo_journal_standing_name(r->standing)));
    json_object_set_new(obj, "run", eo_out_json_text(r->run));
    json_object_set_new(obj, "time", eo_out_json_text(r->time));
    return obj;
}

static json_t *summary_json(const unsigned count[EO_BATCH_STATE_COUNT])
{
    json_t *summary = json_object();
    for (int state = EO_BATCH_NOT_RUN; state < EO_BATCH_STATE_COUNT; state++)
        json_object_set_new(summary, eo_batch_state_name(state), json_integer(count[state]));
    return summary;
}

static json_t *site_json(const struct eo_sites_site *site)
{
    const struct eo_journal_state *state = &site->state;
    json_t *last = json_object();
    json_object_set_new(last, "run", text_or_null(state->last_run));
    json_object_set_new(last, "end", json_string(eo_sites_run_name(site->last_run)));
    json_object_set_new(last, "status",
                        state->last_run_ended ? json_string(eo_status_name(state->last_run_status))
                                              : json_null());
    json_t *obj = json_object();
    json_object_set_new(obj, "site", json_string(site->name));
    json_object_set_new(obj, "journal", eo_out_json_text(site->journal));
    json_object_set_new(obj, "runs", json_integer((json_int_t)state->runs));
    json_object_set_new(obj, "lines", json_integer((json_int_t)state->lines));
    json_object_set_new(obj, "torn", json_boolean(state->torn));
    json_object_set_new(obj, "last_run", last);
    json_object_set_new(obj, "summary", summary_json(site->count));
    return obj;
}

static void print_json(const struct report_job *job, enum eo_status exit_status)
{
    json_t *obj = eo_out_json_object("report"), *sites = json_array(), *devices = json_array();
    for (size_t s = 0; s < job->sites.count; s++)
        json_array_append_new(sites, site_json(&job->sites.items[s]));
    for (size_t i = 0; i < job->count; i++)
        json_array_append_new(devices, device_json(&job->devices[i]));
    json_object_set_new(obj, "sites", sites);
    json_object_set_new(obj, "devices", devices);
    json_object_set_new(obj, "summary", summary_json(job->summary.count));
    json_object_set_new(obj, "status", json_string(eo_status_name(exit_status)));
    json_object_set_new(obj, "exit_code", json_integer(exit_status));
    eo_out_json(obj);
}

static void add_case(struct eo_junit *junit, const struct report_device *d)
{
    char out[400], skipped[64];
    snprintf(out, sizeof out, "route %s, from %s to %s (run %s, %s)", d->route[0] ? d->route : "-",
             d->from[0] ? d->from : "?", d->to[0] ? d->to : "-", d->record->run, d->record->time);
    snprintf(skipped, sizeof skipped, "%s", eo_batch_state_name(d->verdict.state));
    enum eo_junit_outcome outcome = d->verdict.state == EO_BATCH_FAILED ? EO_JUNIT_FAILED
                                    : d->verdict.state == EO_BATCH_DONE ? EO_JUNIT_PASSED
                                                                        : EO_JUNIT_SKIPPED;
    struct eo_junit_case test_case = {
        .device = d->record->device,
        .seconds = d->record->seconds,
        .outcome = outcome,
        .status_name = eo_status_name(d->verdict.status),
        .message = outcome == EO_JUNIT_FAILED ? d->verdict.message : skipped,
        .detail = d->record->where,
        .system_out = out,
        .suite = d->site->name,
    };
    eo_junit_add(junit, &test_case);
}

static enum eo_status write_junit(const struct report_job *job, struct eo_error *err)
{
    struct eo_junit *junit = eo_junit_new();
    if (!junit)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < job->count; i++)
        add_case(junit, &job->devices[i]);
    enum eo_status status = eo_junit_write(junit, junit_path, err);
    eo_junit_free(junit);
    return status;
}

/* ---- entry point ---------------------------------------------------------------------------- */

static int report_failure(const struct eo_error *err)
{
    if (err->status == EO_ERR_USAGE && !json_output) /* a site's name: one line, then --help */
        return options_usage_error(&report_spec, "%s", err->message);
    cli_report_error(err, "report", NULL);
    if (json_output) {
        json_t *obj = eo_out_json_object("report");
        cli_json_status(obj, err, "report", NULL);
        eo_out_json(obj);
    }
    return err->status;
}

int cmd_report(int argc, char **argv)
{
    char *args[argc > 0 ? argc : 1];
    int nargs = 0;
    int rc = options_parse(&report_spec, argc, argv, args, &nargs);
    if (rc != 0)
        return rc < 0 ? EO_OK : rc;
    eo_out_set_quiet(quiet);
    struct report_job job = {0};
    struct eo_error err = {0};
    eo_sites_init(&job.sites);
    enum eo_status status = load(&job, args, nargs, &err);
    if (status == EO_OK)
        status = gather(&job, &err);
    if (status == EO_OK && junit_path)
        status = write_junit(&job, &err);
    if (status == EO_OK) {
        for (size_t s = 0; s < job.sites.count; s++)
            note_site(&job.sites.items[s]);
        status = eo_batch_exit_status(&job.summary);
        if (json_output)
            print_json(&job, status);
        else
            print_table(&job);
    } else {
        status = report_failure(&err);
    }
    free(job.devices);
    eo_sites_release(&job.sites);
    return (int)status;
}
