/* cmd_batch.c — `espurna-ota batch`: a fleet in one command. Which devices (a device list, or
 * everything discovered with filters), which firmware for each (one image, or the matching build
 * of a release folder or manifest), then eo_batch_run upgrades them N at a time; the output is
 * one prefixed line per event, a table at the end (or one JSON object), and an exit status that
 * tells ok / some failed / nothing to do. */
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "commands.h"
#include "interrupt.h"
#include "espurna-ota/batch.h"
#include "espurna-ota/device_cache.h"
#include "espurna-ota/device_list_file.h"
#include "espurna-ota/discover.h"
#include "espurna-ota/firmware_match.h"
#include "espurna-ota/journal.h"
#include "espurna-ota/output.h"
#include "espurna-ota/report.h"
#include "espurna-ota/report_jsonl.h"
#include "espurna-ota/report_junit.h"
#include "espurna-ota/rollout.h"
#include "espurna-ota/secrets_file.h"
#include "espurna-ota/resolve.h"
#include "options.h"
#include "password.h"
#include "upgrade_json.h"

static const char *devices_file, *image_arg, *firmware_dir, *manifest, *password_file;
static const char *secrets_path;
static const char *canary_arg, *waves_arg, *max_failures_arg, *journal_arg, *junit_path;
static const char *hook_arg;
static unsigned long hook_timeout_s;
static struct opt_list filter_args, exclude_args;
static unsigned long jobs = 4, reboot_timeout_s, discover_timeout_s, retries, soak_s;
static bool all, dry_run, force, allow_downgrade, no_gzip, no_mdns, json_output, quiet;
static bool events_output, no_journal;

static const struct option_spec batch_options[] = {
    {"devices", 0, OPT_STRING, &devices_file, 0, 0, "FILE",
     "the device list: one device per line, with optional fields (see the manual)",
     .settable = false},
    {"all", 0, OPT_FLAG, &all, 0, 0, NULL, "every device discovered over mDNS", .settable = false},
    {"filter", 0, OPT_LIST, &filter_args, 0, 0, "KEY=VALUE",
     "with --all: only devices matching (as discover; repeatable)", .settable = false},
    {"exclude", 0, OPT_LIST, &exclude_args, 0, 0, "PATTERN",
     "leave out devices whose host name matches PATTERN (repeatable)", .settable = false},
    {"image", 'i', OPT_STRING, &image_arg, 0, 0, "FILE", "the full image for every device",
     .settable = false},
    {"firmware-dir", 0, OPT_STRING, &firmware_dir, 0, 0, "DIR",
     "release images: each device gets the build for its board, and its core image",
     .settable = true, .unless = "image manifest"},
    {"manifest", 0, OPT_STRING, &manifest, 0, 0, "FILE",
     "a release manifest (JSON: version, file, size, md5 per environment)", .settable = false},
    {"jobs", 'j', OPT_UINT, &jobs, 1, 64, "N", "devices at once (default 4)", .settable = true},
    {"password-file", 0, OPT_STRING, &password_file, 0, 0, "FILE",
     "one device password for every device ('-' = stdin)", .settable = true},
    {"secrets", 0, OPT_STRING, &secrets_path, 0, 0, "FILE",
     "NAME=password lines (mode 600) for the list's password=NAME fields", .settable = true},
    {"canary", 0, OPT_STRING, &canary_arg, 0, 0, "N",
     "upgrade N devices first; any failure among them stops the rollout", .settable = false},
    {"waves", 0, OPT_STRING, &waves_arg, 0, 0, "P,P,...",
     "then waves of these cumulative percentages of the rest (e.g. 10,50,100)", .settable = false},
    {"max-failures", 0, OPT_STRING, &max_failures_arg, 0, 0, "K|K%",
     "no further wave once this many devices (or this share) failed", .settable = false},
    {"soak", 0, OPT_UINT, &soak_s, 1, 86400, "S",
     "watch each upgraded device stay up S seconds (a reboot fails it); a wave ends after them",
     .settable = true},
    {"retries", 0, OPT_UINT, &retries, 0, 10, "N",
     "try a device again after a transient failure, with backoff (default 0)", .settable = true},
    {"journal", 0, OPT_STRING, &journal_arg, 0, 0, "FILE",
     "record every step here and resume from it (default "
     "$XDG_STATE_HOME/espurna-ota/journal.jsonl)",
     .settable = true, .unless = "no-journal"},
    {"no-journal", 0, OPT_FLAG, &no_journal, 0, 0, NULL, "keep no journal", .settable = false},
    {"events", 0, OPT_FLAG, &events_output, 0, 0, NULL,
     "JSON Lines on standard output, one event per line, as they happen", .settable = false},
    {"junit", 0, OPT_STRING, &junit_path, 0, 0, "FILE", "write a JUnit XML report here",
     .settable = false},
    {"dry-run", 'n', OPT_FLAG, &dry_run, 0, 0, NULL, "print every device's plan; send nothing",
     .settable = false},
    {"force", 0, OPT_FLAG, &force, 0, 0, NULL, "allow images of another app", .settable = false},
    {"allow-downgrade", 0, OPT_FLAG, &allow_downgrade, 0, 0, NULL, "allow older images",
     .settable = false},
    {"no-gzip", 0, OPT_FLAG, &no_gzip, 0, 0, NULL, "never send a compressed image",
     .settable = true},
    {"reboot-timeout", 0, OPT_UINT, &reboot_timeout_s, 1, 3600, "S",
     "wait this long for each reboot (default 60)", .settable = true},
    {"timeout", 0, OPT_UINT, &discover_timeout_s, 1, 600, "S",
     "discovery: stop listening after S seconds (default 5)", .settable = true},
    {"no-mdns", 0, OPT_FLAG, &no_mdns, 0, 0, NULL,
     "no mDNS: listed devices by address, learnt over http and their terminal", .settable = true,
     .unless = "all"},
    {"hook", 0, OPT_STRING, &hook_arg, 0, 0, "CMD",
     "run CMD (/bin/sh -c) per device before its first step and after its upgrade (manual)",
     .settable = false},
    {"hook-timeout", 0, OPT_UINT, &hook_timeout_s, 1, 3600, "S",
     "kill a hook after S seconds, a no (default 60)", .settable = true},
    {"json", 0, OPT_FLAG, &json_output, 0, 0, NULL, "print one JSON object instead of text",
     .settable = false},
    {"quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no progress lines, only the result",
     .settable = false},
};

const struct command_spec batch_spec = {
    "batch",
    "",
    "Upgrade a fleet: a device list or everything discovered, N devices at once.",
    batch_options,
    OPTION_COUNT(batch_options),
    0,
    0,
};

struct batch_job {
    struct eo_secrets *secrets;
    struct eo_rollout_policy rollout;
    struct eo_journal *journal;
    char journal_path[PATH_MAX];
    struct eo_journal_state resume;
    bool have_resume;
    struct eo_device_roster roster;
    struct eo_device_list discovered;
    bool have_discovery;
    struct eo_firmware_catalog catalog;
    bool have_catalog;
    char password[EO_SECRET_MAX];
    struct eo_batch_member *members;
    const struct eo_listed_device **listed; /* the list line of each member (--devices) */
    size_t count;
    struct eo_batch_outcome *outcomes;
    struct eo_batch_summary summary;
    struct eo_hook hook;
};

/* ---- checks ------------------------------------------------------------------------------ */

static int validate(void)
{
    if (!devices_file == !all)
        return options_usage_error(&batch_spec, "give the devices: --devices FILE or --all");
    if ((filter_args.count) && !all)
        return options_usage_error(&batch_spec, "--filter is for --all");
    int sources = !!image_arg + !!firmware_dir + !!manifest;
    if (sources != 1)
        return options_usage_error(&batch_spec, "give the firmware: one of --image FILE, "
                                                "--firmware-dir DIR or --manifest FILE");
    if (no_mdns && all)
        return options_usage_error(&batch_spec, "--all discovers over mDNS: not with --no-mdns");
    if (json_output && events_output)
        return options_usage_error(&batch_spec, "--json and --events both write standard output; "
                                                "use one");
    if (journal_arg && no_journal)
        return options_usage_error(&batch_spec, "--journal and --no-journal both given");
    if (hook_arg && !hook_arg[0])
        return options_usage_error(&batch_spec, "--hook needs a command");
    if (hook_timeout_s && !hook_arg)
        return options_usage_error(&batch_spec, "--hook-timeout is for --hook");
    return EO_OK;
}

/* ---- which devices ------------------------------------------------------------------------ */

static enum eo_status discover(struct batch_job *job, struct eo_error *err)
{
    struct eo_discover_options options = {.timeout_ms = (unsigned)discover_timeout_s * 1000u};
    eo_device_list_init(&job->discovered);
    enum eo_status status = eo_discover_run(&options, &job->discovered, NULL, err);
    job->have_discovery = status == EO_OK;
    if (status == EO_OK)
        eo_device_cache_remember_list(&job->discovered, NULL); /* for shell completion */
    return status;
}

static bool excluded(const char *hostname)
{
    for (size_t i = 0; i < exclude_args.count; i++)
        if (fnmatch(exclude_args.items[i], hostname, FNM_CASEFOLD) == 0)
            return true;
    return false;
}

static void member_from_record(struct eo_batch_member *member, const struct eo_device *device)
{
    snprintf(member->label, sizeof member->label, "%s", device->hostname);
    eo_target_from_device(&member->target, device->hostname, device);
    member->known.device = *device;
    member->known.sources = EO_IDENTIFIED_MDNS;
    member->method = -1;
}

static enum eo_status members_from_discovery(struct batch_job *job, struct eo_error *err)
{
    struct eo_device_filter filters[OPT_LIST_MAX];
    for (size_t i = 0; i < filter_args.count; i++)
        if (eo_device_filter_parse(filter_args.items[i], &filters[i], err) != EO_OK)
            return options_usage_error(&batch_spec, "--filter %s", err->message);
    job->members = calloc(job->discovered.count ? job->discovered.count : 1, sizeof *job->members);
    if (!job->members)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < job->discovered.count; i++) {
        const struct eo_device *device = &job->discovered.items[i];
        bool keep = device->address_count > 0 && !excluded(device->hostname);
        for (size_t f = 0; keep && f < filter_args.count; f++)
            keep = eo_device_filter_match(device, &filters[f]);
        if (keep)
            member_from_record(&job->members[job->count++], device);
    }
    return EO_OK;
}

/* The discovered device a list line names: by host name, chip id, MAC or address. */
static const struct eo_device *find_listed(const struct batch_job *job,
                                           const struct eo_listed_device *listed)
{
    for (size_t i = 0; job->have_discovery && i < job->discovered.count; i++) {
        const struct eo_device *device = &job->discovered.items[i];
        bool same = listed->kind == EO_LISTED_CHIP_ID
                        ? strcmp(device->chip_id, listed->identity) == 0
                    : listed->kind == EO_LISTED_MAC ? strcmp(device->mac, listed->identity) == 0
                                                    : eo_device_matches(device, listed->device);
        if (same && device->address_count > 0)
            return device;
    }
    return NULL;
}

static void apply_listed(struct eo_batch_member *member, const struct eo_listed_device *listed)
{
    snprintf(member->label, sizeof member->label, "%s", listed->device);
    if (listed->port)
        member->target.espota_port = listed->port;
    if (listed->web_port)
        member->target.web_port = listed->web_port;
    if (listed->telnet_port)
        member->target.telnet_port = listed->telnet_port;
    member->method = listed->method;
    if (listed->image)
        snprintf(member->image_path, sizeof member->image_path, "%s", listed->image);
}

static void member_from_list(struct batch_job *job, struct eo_batch_member *member,
                             const struct eo_listed_device *listed)
{
    const struct eo_device *found = find_listed(job, listed);
    struct eo_error err;
    member->method = -1;
    if (found) {
        member_from_record(member, found);
    } else if (listed->kind == EO_LISTED_ADDRESS || listed->kind == EO_LISTED_HOST) {
        if (eo_resolve_device(listed->device, &member->target, &err) != EO_OK)
            eo_target_init(&member->target, listed->device, ""); /* offline: learning says so */
    } else {
        eo_target_init(&member->target, listed->device, "");
    }
    apply_listed(member, listed);
}

static enum eo_status members_from_list(struct batch_job *job, struct eo_error *err)
{
    enum eo_status status = eo_roster_load(devices_file, &job->roster, err);
    if (status != EO_OK)
        return status;
    bool named = false;
    for (size_t i = 0; i < job->roster.count; i++)
        named |= job->roster.items[i].kind != EO_LISTED_ADDRESS;
    if (named && !no_mdns && discover(job, err) == EO_ERR_INTERRUPTED)
        return EO_ERR_INTERRUPTED;
    job->members = calloc(job->roster.count, sizeof *job->members);
    job->listed = calloc(job->roster.count, sizeof *job->listed);
    if (!job->members || !job->listed)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < job->roster.count; i++) {
        if (excluded(job->roster.items[i].device))
            continue;
        job->listed[job->count] = &job->roster.items[i];
        member_from_list(job, &job->members[job->count++], &job->roster.items[i]);
    }
    return EO_OK;
}

/* ---- which firmware ------------------------------------------------------------------------ */

static enum eo_status load_catalog(struct batch_job *job, struct eo_error *err)
{
    eo_firmware_catalog_init(&job->catalog);
    enum eo_status status = firmware_dir
                                ? eo_firmware_catalog_load(firmware_dir, &job->catalog, err)
                                : eo_release_manifest_load(manifest, &job->catalog, err);
    job->have_catalog = status == EO_OK;
    return status;
}

/* The full image of the catalogue whose MD5 is `md5` (the journal's record of what a device
 * stranded on a core was being taken to), "" when none. */
static bool image_by_md5(const struct eo_firmware_catalog *catalog, const char *md5, char *out,
                         size_t cap)
{
    for (size_t i = 0; md5[0] && i < catalog->count; i++) {
        const struct eo_firmware_entry *entry = &catalog->entries[i];
        struct eo_image image;
        struct eo_error ignored;
        if (entry->kind != EO_KIND_FULL || eo_image_load(entry->path, &image, &ignored) != EO_OK)
            continue;
        bool same = strcmp(image.md5, md5) == 0;
        eo_image_release(&image);
        if (same) {
            snprintf(out, cap, "%s", entry->path);
            return true;
        }
    }
    return false;
}

/* A device the journal shows between the steps of an upgrade gets the image it was being taken
 * to: its core build's board names no full build. */
static bool resume_image(const struct batch_job *job, struct eo_batch_member *member)
{
    const struct eo_journal_device *seen =
        job->have_resume ? eo_journal_state_find(&job->resume, member->label) : NULL;
    return seen && seen->standing != EO_JOURNAL_FINISHED &&
           image_by_md5(&job->catalog, seen->md5, member->image_path, sizeof member->image_path);
}

static void match_firmware(struct batch_job *job, struct eo_batch_member *member,
                           const struct eo_listed_device *listed)
{
    if (resume_image(job, member))
        return;
    struct eo_firmware_choice choice;
    struct eo_error err;
    const char *env = listed && listed->env[0] ? listed->env : NULL;
    if (eo_firmware_match(&job->catalog, &member->known.device, env, &choice, &err) != EO_OK ||
        !choice.matched) {
        member->skip = true;
        snprintf(member->skip_reason, sizeof member->skip_reason, "%s",
                 choice.matched ? err.message : choice.reason);
        return;
    }
    snprintf(member->image_path, sizeof member->image_path, "%s", choice.path);
    if (choice.core_found)
        snprintf(member->core_path, sizeof member->core_path, "%s", choice.core.path);
}

static void choose_firmware(struct batch_job *job)
{
    for (size_t i = 0; i < job->count; i++) {
        struct eo_batch_member *member = &job->members[i];
        const struct eo_listed_device *listed = job->listed ? job->listed[i] : NULL;
        if (member->image_path[0])
            continue; /* the list named its image */
        if (image_arg)
            snprintf(member->image_path, sizeof member->image_path, "%s", image_arg);
        else if (member->known.device.version[0] || (listed && listed->env[0]))
            match_firmware(job, member, listed);
        if (firmware_dir && !member->core_path[0])
            snprintf(member->firmware_dir, sizeof member->firmware_dir, "%s", firmware_dir);
    }
}

/* ---- passwords ----------------------------------------------------------------------------- */

/* A member the list gives password names: its candidates from the secrets file, in order. */
static enum eo_status named_passwords(const struct batch_job *job, struct eo_batch_member *member,
                                      const struct eo_listed_device *listed, struct eo_error *err)
{
    const char *names[EO_ROSTER_PASSWORDS_MAX];
    size_t count = 0;
    for (unsigned n = 0; n < listed->password_count && n < EO_BATCH_PASSWORDS_MAX; n++) {
        names[n] = listed->passwords[n];
        snprintf(member->password_names[n], sizeof member->password_names[n], "%s",
                 listed->passwords[n]);
    }
    enum eo_status status =
        eo_secrets_candidates(job->secrets, names, listed->password_count, NULL, member->passwords,
                              EO_BATCH_PASSWORDS_MAX, &count, err);
    member->password_count = (unsigned)count;
    return status;
}

static enum eo_status resolve_password(struct batch_job *job, struct eo_error *err)
{
    const char *keys[] = {NULL};
    struct eo_secret_sources sources = {0};
    cli_password_file_sources(password_file, &sources);
    enum eo_secret_origin origin;
    enum eo_status status =
        secrets_path ? eo_secrets_load(secrets_path, &job->secrets, err) : EO_OK;
    if (status == EO_OK)
        status = eo_secret_resolve(&sources, keys, job->password, &origin, err);
    for (size_t i = 0; status == EO_OK && i < job->count; i++) {
        struct eo_batch_member *member = &job->members[i];
        const struct eo_listed_device *listed = job->listed ? job->listed[i] : NULL;
        if (listed && listed->password_count) {
            status = named_passwords(job, member, listed, err);
        } else if (job->password[0]) {
            snprintf(member->passwords[0], sizeof member->passwords[0], "%s", job->password);
            member->password_count = 1;
        }
    }
    return status;
}

/* ---- output -------------------------------------------------------------------------------- */

static const char *from_version(const struct eo_batch_outcome *outcome,
                                const struct eo_batch_member *member)
{
    const char *v = outcome->result.before.device.version;
    return v[0] ? v : member->known.device.version[0] ? member->known.device.version : "?";
}

static const char *route_of(const struct eo_batch_outcome *outcome)
{
    return outcome->result.planned ? eo_route_name(outcome->result.plan.route) : "-";
}

static void print_table(const struct batch_job *job)
{
    struct eo_report_row *rows = calloc(job->count ? job->count : 1, sizeof *rows);
    for (size_t i = 0; rows && i < job->count; i++) {
        const struct eo_batch_outcome *o = &job->outcomes[i];
        rows[i] = (struct eo_report_row){
            .device = job->members[i].label,
            .from = from_version(o, &job->members[i]),
            .to = o->result.final_version,
            .route = route_of(o),
            .seconds = o->seconds,
            .outcome = eo_batch_state_name(o->state),
            .message = o->err.message,
            .wave = job->summary.wave_count > 1 ? job->members[i].wave + 1 : 0,
        };
    }
    if (rows)
        eo_report_table(rows, job->count);
    free(rows);
}

static json_t *device_json(const struct eo_batch_member *member,
                           const struct eo_batch_outcome *outcome)
{
    json_t *obj = json_pack(
        "{s:o,s:o,s:s,s:s,s:o,s:o,s:s,s:f,s:o,s:o}", "device", eo_out_json_text(member->label),
        "address",
        eo_out_json_text(outcome->result.address[0] ? outcome->result.address
                                                    : member->target.address),
        "state", eo_batch_state_name(outcome->state), "status", eo_status_name(outcome->status),
        "from", eo_out_json_text(from_version(outcome, member)), "to",
        eo_out_json_text(outcome->result.final_version), "route", route_of(outcome), "seconds",
        outcome->seconds, "image", eo_out_json_text(member->image_path), "where",
        eo_out_json_text(outcome->result.where));
    json_object_set_new(obj, "error",
                        outcome->err.message[0] ? eo_out_json_text(outcome->err.message)
                                                : json_null());
    json_object_set_new(obj, "attempts", json_integer(outcome->attempts));
    json_object_set_new(obj, "password",
                        outcome->password_used >= 0 &&
                                member->password_names[outcome->password_used][0]
                            ? json_string(member->password_names[outcome->password_used])
                            : json_null());
    const char *hint = eo_hint_name(outcome->err.hint);
    json_object_set_new(obj, "hint", hint ? json_string(hint) : json_null());
    json_object_set_new(obj, "wave", json_integer(member->wave + 1));
    json_object_set_new(obj, "plan", cli_upgrade_plan_json(&outcome->result));
    json_object_set_new(obj, "core", cli_upgrade_core_json(&outcome->result));
    json_object_set_new(obj, "steps", cli_upgrade_steps_json(&outcome->result));
    json_object_set_new(obj, "hooks", cli_upgrade_hooks_json(&outcome->result));
    return obj;
}

static void print_json(const struct batch_job *job, enum eo_status exit_status)
{
    json_t *obj = eo_out_json_object("batch"), *devices = json_array(), *summary = json_object();
    for (size_t i = 0; i < job->count; i++)
        json_array_append_new(devices, device_json(&job->members[i], &job->outcomes[i]));
    for (int state = EO_BATCH_NOT_RUN; state < EO_BATCH_STATE_COUNT; state++)
        json_object_set_new(summary, eo_batch_state_name(state),
                            json_integer(job->summary.count[state]));
    json_object_set_new(obj, "devices", devices);
    json_object_set_new(obj, "summary", summary);
    json_object_set_new(obj, "seconds", json_real(job->summary.seconds));
    json_object_set_new(obj, "status", json_string(eo_status_name(exit_status)));
    json_object_set_new(obj, "exit_code", json_integer(exit_status));
    eo_out_json(obj);
}

/* ---- rollout, journal and outputs --------------------------------------------------------- */

static enum eo_status parse_rollout(struct batch_job *job, struct eo_error *err)
{
    eo_rollout_policy_init(&job->rollout);
    enum eo_status status = EO_OK;
    if (canary_arg)
        status = eo_rollout_parse_canary(canary_arg, &job->rollout, err);
    if (status == EO_OK && waves_arg)
        status = eo_rollout_parse_waves(waves_arg, &job->rollout, err);
    if (status == EO_OK && max_failures_arg)
        status = eo_rollout_parse_max_failures(max_failures_arg, &job->rollout, err);
    return status;
}

/* The journal (unless a dry run or --no-journal): replayed first, so that devices it shows
 * finished are skipped and those stranded on a core go first, then opened for this run. */
static enum eo_status open_journal(struct batch_job *job, struct eo_error *err)
{
    if (no_journal || dry_run)
        return EO_OK;
    if (journal_arg)
        snprintf(job->journal_path, sizeof job->journal_path, "%s", journal_arg);
    else if (!eo_journal_default_path(job->journal_path, sizeof job->journal_path))
        return EO_OK; /* no home to keep it in */
    enum eo_status status = eo_journal_replay(job->journal_path, &job->resume, err);
    job->have_resume = status == EO_OK;
    if (status == EO_OK)
        status = eo_journal_open(job->journal_path, &job->journal, err);
    if (status == EO_OK) {
        struct eo_journal_entry entry = {.event = EO_JOURNAL_RUN_STARTED};
        status = eo_journal_append(job->journal, &entry, err);
    }
    return status;
}

static void close_journal(struct batch_job *job, enum eo_status exit_status)
{
    if (!job->journal)
        return;
    struct eo_journal_entry entry = {.event = EO_JOURNAL_RUN_DONE, .status = exit_status};
    struct eo_error ignored;
    eo_journal_append(job->journal, &entry, &ignored);
    eo_journal_close(job->journal);
    job->journal = NULL;
}

/* Several sinks as one: the human lines and the JSON Lines events. */
struct tee {
    struct eo_events sinks[2];
    unsigned count;
};

static void tee_emit(void *ctx, const struct eo_event *event)
{
    const struct tee *tee = ctx;
    for (unsigned i = 0; i < tee->count; i++)
        eo_events_emit(&tee->sinks[i], event);
}

static void write_junit(const struct batch_job *job, struct eo_error *err)
{
    struct eo_junit *junit = eo_junit_new();
    for (size_t i = 0; junit && i < job->count; i++) {
        const struct eo_batch_outcome *o = &job->outcomes[i];
        char out[400];
        snprintf(out, sizeof out, "route %s, from %s to %s", route_of(o),
                 from_version(o, &job->members[i]),
                 o->result.final_version[0] ? o->result.final_version : "-");
        enum eo_junit_outcome outcome = o->state == EO_BATCH_FAILED ? EO_JUNIT_FAILED
                                        : o->state == EO_BATCH_DONE || o->state == EO_BATCH_PLANNED
                                            ? EO_JUNIT_PASSED
                                            : EO_JUNIT_SKIPPED;
        char skipped[600];
        snprintf(skipped, sizeof skipped, "%s%s%s", eo_batch_state_name(o->state),
                 o->err.message[0] ? ": " : "", o->err.message);
        struct eo_junit_case test_case = {
            .device = job->members[i].label,
            .seconds = o->seconds,
            .outcome = outcome,
            .status_name = eo_status_name(o->status),
            .message = outcome == EO_JUNIT_FAILED ? o->err.message : skipped,
            .detail = o->result.where,
            .system_out = out,
        };
        eo_junit_add(junit, &test_case);
    }
    if (!junit) {
        eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
        return;
    }
    eo_junit_set_time(junit, job->summary.seconds);
    if (eo_junit_write(junit, junit_path, err) != EO_OK)
        eo_out_error(err);
    eo_junit_free(junit);
}

/* ---- entry point ---------------------------------------------------------------------------- */

static enum eo_status gather(struct batch_job *job, struct eo_error *err)
{
    enum eo_status status = image_arg ? EO_OK : load_catalog(job, err);
    if (status == EO_OK && all) {
        status = discover(job, err);
        if (status == EO_OK)
            status = members_from_discovery(job, err);
    } else if (status == EO_OK) {
        status = members_from_list(job, err);
    }
    if (status == EO_OK)
        status = resolve_password(job, err);
    return status;
}

static void fill_request(struct batch_job *job, struct eo_batch_request *request,
                         const struct eo_events *events, const struct eo_cancel *cancel)
{
    job->hook = (struct eo_hook){.command = hook_arg, .timeout_s = (unsigned)hook_timeout_s};
    *request = (struct eo_batch_request){
        .members = job->members,
        .count = job->count,
        .jobs = (unsigned)jobs,
        .rollout = job->rollout,
        .retries = (unsigned)retries,
        .journal = job->journal,
        .resume = job->have_resume ? &job->resume : NULL,
        .options = {.policy = {.force = force,
                               .allow_downgrade = allow_downgrade,
                               .no_gzip = no_gzip,
                               .method = -1},
                    .dry_run = dry_run,
                    .use_mdns = !no_mdns,
                    .reboot_timeout_ms = (unsigned)reboot_timeout_s * 1000u,
                    .soak_s = (unsigned)soak_s,
                    .hook = hook_arg ? &job->hook : NULL},
        .events = events,
        .cancel = cancel,
    };
}

static enum eo_status run(struct batch_job *job, struct eo_error *err)
{
    const struct eo_cancel *cancel = cli_interrupt_install();
    enum eo_status status = parse_rollout(job, err);
    if (status != EO_OK)
        return status;
    status = gather(job, err);
    if (status == EO_OK)
        status = open_journal(job, err);
    if (status != EO_OK)
        return status;
    if (job->count == 0)
        return eo_error_set(err, EO_NOTHING_TO_DO, "no device to upgrade");
    job->outcomes = calloc(job->count, sizeof *job->outcomes);
    if (!job->outcomes)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    struct eo_report_batch_options view = {
        .live = eo_out_stderr_is_tty(),
        .quiet = quiet || json_output,
        .devices = job->count,
    };
    struct eo_report_batch *report = eo_report_batch_new(&view);
    struct tee tee = {.sinks = {eo_report_batch_sink(report)}, .count = 1};
    struct eo_report_jsonl *jsonl = events_output ? eo_report_jsonl_new(stdout) : NULL;
    if (jsonl)
        tee.sinks[tee.count++] = eo_report_jsonl_sink(jsonl);
    struct eo_events events = {.emit = tee_emit, .ctx = &tee};
    struct eo_batch_request request;
    fill_request(job, &request, &events, cancel);
    /* every device is learnt first (the silent ones are offline); then its board is known and
     * its firmware can be matched */
    status = eo_batch_learn(&request, job->outcomes, err);
    if (status == EO_OK) {
        choose_firmware(job);
        status = eo_batch_upgrade(&request, job->outcomes, &job->summary, err);
    } else if (status == EO_ERR_INTERRUPTED) {
        job->summary.interrupted = true;
    }
    eo_report_batch_free(report);
    eo_report_jsonl_free(jsonl);
    return status;
}

static void release(struct batch_job *job)
{
    eo_secret_wipe(job->password, sizeof job->password);
    for (size_t i = 0; i < job->count; i++)
        eo_secret_wipe(job->members[i].passwords[0], sizeof job->members[i].passwords);
    free(job->members);
    free(job->listed);
    free(job->outcomes);
    if (devices_file)
        eo_roster_release(&job->roster);
    if (job->have_discovery)
        eo_device_list_release(&job->discovered);
    if (job->have_catalog)
        eo_firmware_catalog_release(&job->catalog);
    if (job->have_resume)
        eo_journal_state_free(&job->resume);
    eo_secrets_free(job->secrets);
}

int cmd_batch(int argc, char **argv)
{
    char *args[argc > 0 ? argc : 1];
    int nargs;
    int rc = options_parse(&batch_spec, argc, argv, args, &nargs);
    if (rc != 0)
        return rc < 0 ? EO_OK : rc;
    if ((rc = validate()) != EO_OK)
        return rc;
    eo_out_set_quiet(quiet || json_output);
    static struct batch_job job;
    struct eo_error err = {0};
    enum eo_status status = run(&job, &err);
    enum eo_status exit_status = status;
    if (status == EO_OK || status == EO_ERR_INTERRUPTED) {
        exit_status = eo_batch_exit_status(&job.summary);
        close_journal(&job, exit_status);
        if (json_output)
            print_json(&job, exit_status);
        else if (!events_output)
            print_table(&job);
        if (junit_path)
            write_junit(&job, &err);
    } else {
        close_journal(&job, status);
        cli_report_error(&err, "batch", NULL);
        if (json_output) {
            json_t *obj = eo_out_json_object("batch");
            cli_json_status(obj, &err, "batch", NULL);
            eo_out_json(obj);
        }
    }
    release(&job);
    return exit_status == EO_ERR_INTERRUPTED ? 128 + (err.signal ? err.signal : SIGINT)
                                             : (int)exit_status;
}
