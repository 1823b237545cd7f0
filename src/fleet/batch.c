/* batch.c — the fleet scheduler (batch.h): learn every device first (the silent ones are
 * offline), load and compress each image once, then upgrade N devices at a time in worker
 * threads, each through eo_upgrade_run with its own request. No protocol knowledge here. */
#include "espurna-ota/batch.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "espurna-ota/net.h"

#define DEFAULT_JOBS 4u
#define DEFAULT_LEARN_MS 8000u
#define DEFAULT_RETRY_MS 2000u
#define PROBE_MS 1500u /* a device that accepts no connection this long is offline */

static const char *const state_names[] = {
    [EO_BATCH_NOT_RUN] = "not-run",       [EO_BATCH_DONE] = "done",
    [EO_BATCH_UP_TO_DATE] = "up-to-date", [EO_BATCH_PLANNED] = "planned",
    [EO_BATCH_FAILED] = "failed",         [EO_BATCH_OFFLINE] = "offline",
    [EO_BATCH_SKIPPED] = "skipped",       [EO_BATCH_FINISHED_EARLIER] = "finished-earlier",
};

const char *eo_batch_state_name(enum eo_batch_state state)
{
    return (unsigned)state < sizeof state_names / sizeof state_names[0] ? state_names[state]
                                                                        : "unknown";
}

/* ---- images, each loaded and compressed once ------------------------------------------- */

struct image_slot {
    const char *path;
    struct eo_image image, gzip;
    bool loaded, gzipped;
    struct eo_error err; /* why it could not be loaded */
};

struct image_cache {
    struct image_slot *slots;
    size_t count;
};

static struct image_slot *slot_for(struct image_cache *cache, const char *path)
{
    for (size_t i = 0; i < cache->count; i++)
        if (strcmp(cache->slots[i].path, path) == 0)
            return &cache->slots[i];
    return NULL;
}

static void load_slot(struct image_slot *slot, bool want_gzip)
{
    if (eo_image_load(slot->path, &slot->image, &slot->err) != EO_OK)
        return;
    slot->loaded = true;
    if (want_gzip && slot->image.format != EO_IMAGE_FORMAT_GZIP) {
        struct eo_error ignored;
        slot->gzipped = eo_image_gzip(&slot->image, &slot->gzip, &ignored) == EO_OK;
    }
}

static enum eo_status cache_fill(struct image_cache *cache, const struct eo_batch_request *req,
                                 struct eo_error *err)
{
    cache->slots = calloc(req->count ? req->count : 1, sizeof *cache->slots);
    if (!cache->slots)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < req->count; i++) {
        const struct eo_batch_member *member = &req->members[i];
        if (member->skip || !member->image_path[0] || slot_for(cache, member->image_path))
            continue;
        struct image_slot *slot = &cache->slots[cache->count++];
        slot->path = member->image_path;
        load_slot(slot, !req->options.policy.no_gzip);
    }
    return EO_OK;
}

static void cache_release(struct image_cache *cache)
{
    for (size_t i = 0; i < cache->count; i++) {
        if (cache->slots[i].loaded)
            eo_image_release(&cache->slots[i].image);
        if (cache->slots[i].gzipped)
            eo_image_release(&cache->slots[i].gzip);
    }
    free(cache->slots);
}

/* ---- workers ----------------------------------------------------------------------------- */

struct batch_run {
    const struct eo_batch_request *req;
    struct eo_batch_outcome *outcomes;
    struct image_cache cache;
    size_t *order; /* the members this pass works on, in order */
    size_t order_count;
    atomic_size_t next;
    void (*work)(struct batch_run *run, size_t index);
};

static void *worker(void *ctx)
{
    struct batch_run *run = ctx;
    for (;;) {
        size_t position = atomic_fetch_add(&run->next, 1);
        if (position >= run->order_count || eo_cancelled(run->req->cancel))
            return NULL;
        run->work(run, run->order[position]);
    }
}

/* Runs run->work over every member, `jobs` at a time. */
static enum eo_status run_all(struct batch_run *run, struct eo_error *err)
{
    unsigned jobs = run->req->jobs ? run->req->jobs : DEFAULT_JOBS;
    if (run->order_count == 0)
        return EO_OK;
    if (jobs > run->order_count)
        jobs = (unsigned)run->order_count;
    pthread_t threads[jobs];
    unsigned started = 0;
    atomic_store(&run->next, 0);
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker, run) != 0)
            break;
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    if (started == 0)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot start a worker thread");
    return EO_OK;
}

/* ---- learning: who answers ---------------------------------------------------------------- */

static void note(const struct batch_run *run, const char *device, const char *text)
{
    eo_events_note(run->req->events, device, 0, "%s", text);
}

/* Tells the sink where a device stands in the run: "running", or its final state. */
static void announce(const struct eo_batch_request *req, const char *device, const char *state,
                     enum eo_status status)
{
    struct eo_event event = {
        .kind = EO_EVENT_STANDING, .device = device, .text = state, .status = status};
    eo_events_emit(req->events, &event);
}

static void announce_outcome(const struct eo_batch_request *req, const char *device,
                             const struct eo_batch_outcome *outcome)
{
    announce(req, device, eo_batch_state_name(outcome->state), outcome->status);
}

/* A record from discovery may outlive its device (a cache, a missed goodbye): it counts as
 * online when its terminal or web port answers. */
static bool still_there(const struct eo_batch_member *member)
{
    const struct eo_target *target = &member->target;
    return target->address[0] &&
           (eo_net_port_accepts(target->address, target->telnet_port, PROBE_MS) ||
            eo_net_port_accepts(target->address, target->web_port, PROBE_MS));
}

static void mark_offline(const struct batch_run *run, struct eo_batch_member *member,
                         struct eo_batch_outcome *outcome, enum eo_status status)
{
    outcome->state = EO_BATCH_OFFLINE;
    outcome->status = status;
    note(run, member->label, "offline: it did not answer");
    announce_outcome(run->req, member->label, outcome);
}

static void learn_one(struct batch_run *run, size_t index)
{
    struct eo_batch_member *member = &run->req->members[index];
    struct eo_batch_outcome *outcome = &run->outcomes[index];
    if (member->skip)
        return;
    if (member->known.device.version[0]) {
        eo_identify_settle_kind(&member->target, &member->known.device);
        if (!still_there(member)) {
            eo_error_set(&outcome->err, EO_ERR_UNREACHABLE,
                         "%s is announced over mDNS but "
                         "does not answer",
                         member->label);
            mark_offline(run, member, outcome, EO_ERR_UNREACHABLE);
        }
        return;
    }
    struct eo_identify_options options = {
        .password = member->password_count ? member->passwords[0] : NULL,
        .use_mdns = run->req->options.use_mdns,
        .timeout_ms = run->req->learn_timeout_ms ? run->req->learn_timeout_ms : DEFAULT_LEARN_MS,
        .cancel = run->req->cancel,
    };
    enum eo_status status =
        eo_identify(&member->target, member->label, &options, &member->known, &outcome->err);
    const struct eo_device *seen = &member->known.device;
    if (status == EO_OK && !member->target.address[0] && seen->address_count > 0)
        snprintf(member->target.address, sizeof member->target.address, "%s",
                 seen->addresses[0]); /* found by name over mDNS */
    if (status == EO_ERR_INTERRUPTED || (status == EO_OK && member->target.address[0]))
        return;
    mark_offline(run, member, outcome, status);
}

/* ---- upgrading ------------------------------------------------------------------------------ */

/* Whether the journal of an earlier run leaves the device's hook after pending (journal.h). */
static bool hook_pending_in_journal(const struct batch_run *run, const char *label)
{
    const struct eo_journal_device *seen =
        run->req->resume ? eo_journal_state_find(run->req->resume, label) : NULL;
    return seen && seen->hook_pending;
}

static struct eo_upgrade_request member_request(const struct batch_run *run,
                                                struct eo_batch_member *member,
                                                const struct image_slot *slot,
                                                const struct eo_events *events)
{
    struct eo_upgrade_request request = run->req->options;
    request.device = member->label;
    request.target = &member->target;
    request.known = member->known.sources ? &member->known : NULL;
    request.image = &slot->image;
    request.image_gzip = slot->gzipped ? &slot->gzip : NULL;
    request.core_path = member->core_path[0] ? member->core_path : NULL;
    request.firmware_dir = member->firmware_dir[0] ? member->firmware_dir : NULL;
    request.password = member->password_count ? member->passwords[0] : NULL;
    if (member->method >= 0)
        request.policy.method = member->method;
    request.hook_after_pending = hook_pending_in_journal(run, member->label);
    request.events = events;
    request.cancel = run->req->cancel;
    return request;
}

static enum eo_batch_state state_of(enum eo_status status, const struct eo_upgrade_result *res)
{
    if (status == EO_ERR_HOOK_SKIPPED)
        return EO_BATCH_SKIPPED; /* the hook before the first step said no: nothing was sent */
    if (status != EO_OK)
        return EO_BATCH_FAILED;
    if (res->up_to_date)
        return EO_BATCH_UP_TO_DATE;
    return res->dry_run ? EO_BATCH_PLANNED : EO_BATCH_DONE;
}

static void skip(const struct batch_run *run, const struct eo_batch_member *member,
                 struct eo_batch_outcome *outcome, enum eo_status status, const char *why)
{
    outcome->state = EO_BATCH_SKIPPED;
    outcome->status = status;
    snprintf(outcome->err.message, sizeof outcome->err.message, "%s", why);
    outcome->err.status = status;
    eo_events_note(run->req->events, member->label, 0, "skipped: %s", why);
    announce_outcome(run->req, member->label, outcome);
}

/* Waits before a retry; false when cancelled meanwhile. */
static bool back_off(const struct batch_run *run, const struct eo_batch_member *member,
                     unsigned attempt)
{
    unsigned base = run->req->retry_base_ms ? run->req->retry_base_ms : DEFAULT_RETRY_MS;
    unsigned wait = eo_rollout_backoff_ms(attempt, base, eo_rollout_hash(member->label));
    char text[160];
    snprintf(text, sizeof text, "transient failure: trying again in %.1f s (attempt %u of %u)",
             wait / 1000.0, attempt + 1, run->req->retries + 1);
    note(run, member->label, text);
    eo_net_poll_cancellable(NULL, 0, (int)wait, run->req->cancel);
    return !eo_cancelled(run->req->cancel);
}

/* After an attempt, as the journal would replay it: a hook before that said yes leaves the hook
 * after pending until one says yes. */
static bool hook_still_pending(bool pending, const struct eo_upgrade_result *result)
{
    if (result->hook_before.ran)
        pending = eo_hook_passed(&result->hook_before);
    if (result->hook_after.ran && eo_hook_passed(&result->hook_after))
        pending = false;
    return pending;
}

/* One attempt with each password candidate in turn, the next only after the device rejected
 * the previous one. */
static enum eo_status attempt_upgrade(struct batch_run *run, struct eo_batch_member *member,
                                      struct eo_batch_outcome *outcome,
                                      struct eo_upgrade_request *request)
{
    enum eo_status status = EO_ERR_INTERNAL;
    unsigned tries = member->password_count ? member->password_count : 1;
    for (unsigned i = 0; i < tries; i++) {
        request->password = member->password_count ? member->passwords[i] : NULL;
        status = eo_upgrade_run(request, &outcome->result, &outcome->err);
        request->hook_after_pending =
            hook_still_pending(request->hook_after_pending, &outcome->result);
        if (outcome->result.address[0]) /* a reboot may have moved it: a retry goes there */
            snprintf(member->target.address, sizeof member->target.address, "%s",
                     outcome->result.address);
        outcome->password_used = member->password_count && status != EO_ERR_AUTH ? (int)i : -1;
        if (status != EO_ERR_AUTH || i + 1 == tries)
            return status;
        char text[200];
        snprintf(text, sizeof text, "password %s rejected: trying %s",
                 member->password_names[i][0] ? member->password_names[i] : "1",
                 member->password_names[i + 1][0] ? member->password_names[i + 1] : "the next");
        note(run, member->label, text);
    }
    return status;
}

static void upgrade_one(struct batch_run *run, size_t index)
{
    struct eo_batch_member *member = &run->req->members[index];
    struct eo_batch_outcome *outcome = &run->outcomes[index];
    if (outcome->state != EO_BATCH_NOT_RUN)
        return; /* offline, skipped, finished earlier */
    if (member->skip) {
        skip(run, member, outcome, EO_ERR_INPUT, member->skip_reason);
        return;
    }
    const struct image_slot *slot = slot_for(&run->cache, member->image_path);
    if (!slot || !slot->loaded) {
        skip(run, member, outcome, slot ? slot->err.status : EO_ERR_FILE,
             slot ? slot->err.message : "no image");
        return;
    }
    struct eo_journal_device_sink journal = {
        .journal = run->req->journal,
        .device = member->label,
        .image = slot->image.path,
        .md5 = slot->image.md5,
        .version = slot->image.version,
        .result = &outcome->result,
        .next = run->req->events,
        .failure = &outcome->err,
    };
    struct eo_events journal_events = eo_journal_sink(&journal);
    struct eo_upgrade_request request =
        member_request(run, member, slot, run->req->journal ? &journal_events : run->req->events);
    double started = eo_net_now();
    enum eo_status status;
    announce(run->req, member->label, "running", EO_OK);
    for (;;) {
        outcome->attempts++;
        status = attempt_upgrade(run, member, outcome, &request);
        if (status == EO_OK || outcome->attempts > run->req->retries ||
            !eo_rollout_is_transient(status, outcome->err.hint) ||
            !back_off(run, member, outcome->attempts))
            break;
    }
    outcome->seconds = eo_net_now() - started;
    outcome->status = status;
    /* interrupted in flight is a failure: its `where` says where it stands */
    outcome->state = state_of(status, &outcome->result);
    announce_outcome(run->req, member->label, outcome);
}

/* ---- the run -------------------------------------------------------------------------------- */

static void prepare_outcomes(const struct eo_batch_request *req, struct eo_batch_outcome *outcomes)
{
    for (size_t i = 0; i < req->count; i++) {
        memset(&outcomes[i], 0, sizeof outcomes[i]);
        outcomes[i].password_used = -1;
    }
}

static enum eo_status interrupted(const struct eo_batch_request *request, struct eo_error *err)
{
    eo_error_set(err, EO_ERR_INTERRUPTED,
                 "interrupted: devices not yet started were left as "
                 "they were");
    if (err)
        err->signal = eo_cancel_signal(request->cancel);
    return EO_ERR_INTERRUPTED;
}

static void summarize(const struct eo_batch_request *req, const struct eo_batch_outcome *outcomes,
                      struct eo_batch_summary *summary)
{
    for (size_t i = 0; i < req->count; i++)
        summary->count[outcomes[i].state]++;
    summary->interrupted = eo_cancelled(req->cancel);
}

static size_t *identity_order(size_t count)
{
    size_t *order = calloc(count ? count : 1, sizeof *order);
    for (size_t i = 0; order && i < count; i++)
        order[i] = i;
    return order;
}

enum eo_status eo_batch_learn(const struct eo_batch_request *request,
                              struct eo_batch_outcome *outcomes, struct eo_error *err)
{
    struct batch_run run = {.req = request, .outcomes = outcomes, .work = learn_one};
    prepare_outcomes(request, outcomes);
    run.order = identity_order(request->count);
    if (!run.order)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    run.order_count = request->count;
    enum eo_status status = run_all(&run, err);
    free(run.order);
    if (status == EO_OK && eo_cancelled(request->cancel))
        return interrupted(request, err);
    return status;
}

/* The journal of an earlier run: a device it shows finished on this very image is not touched
 * again. */
static void skip_finished(const struct eo_batch_request *req, struct eo_batch_outcome *outcomes,
                          struct image_cache *cache)
{
    for (size_t i = 0; req->resume && i < req->count; i++) {
        const struct eo_batch_member *member = &req->members[i];
        const struct eo_journal_device *seen = eo_journal_state_find(req->resume, member->label);
        const struct image_slot *slot = slot_for(cache, member->image_path);
        if (outcomes[i].state != EO_BATCH_NOT_RUN || !seen || !slot || !slot->loaded)
            continue;
        if (seen->standing == EO_JOURNAL_FINISHED && strcmp(seen->md5, slot->image.md5) == 0) {
            outcomes[i].state = EO_BATCH_FINISHED_EARLIER;
            snprintf(outcomes[i].result.final_version, sizeof outcomes[i].result.final_version,
                     "%s", seen->version);
            eo_events_note(req->events, member->label, 0, "finished earlier on %s (journal)",
                           seen->version[0] ? seen->version : "this image");
            announce_outcome(req, member->label, &outcomes[i]);
        }
    }
}

/* Whether the journal shows the device stranded on a core image (it goes first). */
static bool on_core(const struct eo_batch_request *req, size_t index)
{
    const struct eo_journal_device *seen =
        req->resume ? eo_journal_state_find(req->resume, req->members[index].label) : NULL;
    return seen && seen->on_core && seen->standing != EO_JOURNAL_FINISHED;
}

/* The members of one wave, devices stranded on a core image first. */
static size_t wave_order(const struct eo_batch_request *req, unsigned wave, size_t *order)
{
    size_t count = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < req->count; i++)
            if (req->members[i].wave == wave && on_core(req, i) == (pass == 0))
                order[count++] = i;
    return count;
}

static void assign_waves(const struct eo_batch_request *req, struct eo_batch_summary *summary)
{
    const char **ids = calloc(req->count ? req->count : 1, sizeof *ids);
    unsigned *waves = calloc(req->count ? req->count : 1, sizeof *waves);
    unsigned wave_count = 1;
    for (size_t i = 0; ids && i < req->count; i++) {
        const struct eo_device *device = &req->members[i].known.device;
        ids[i] = device->chip_id[0] ? device->chip_id : req->members[i].label;
    }
    if (!ids || !waves ||
        eo_rollout_assign(ids, req->count, &req->rollout, waves, &wave_count) != EO_OK)
        wave_count = 1, memset(waves, 0, waves ? req->count * sizeof *waves : 0);
    for (size_t i = 0; waves && i < req->count; i++)
        req->members[i].wave = waves[i];
    summary->wave_count = wave_count;
    free(ids);
    free(waves);
}

/* Failures among the devices attempted so far (offline and skipped ones are not attempted). */
static void tally(const struct eo_batch_request *req, const struct eo_batch_outcome *outcomes,
                  unsigned *attempted, unsigned *failed)
{
    *attempted = *failed = 0;
    for (size_t i = 0; i < req->count; i++) {
        enum eo_batch_state state = outcomes[i].state;
        *attempted += state == EO_BATCH_DONE || state == EO_BATCH_UP_TO_DATE ||
                      state == EO_BATCH_PLANNED || state == EO_BATCH_FAILED;
        *failed += state == EO_BATCH_FAILED;
    }
}

static bool gate_passed(const struct eo_batch_request *req, const struct eo_batch_outcome *outcomes,
                        unsigned wave, struct eo_batch_summary *summary)
{
    unsigned attempted, failed;
    tally(req, outcomes, &attempted, &failed);
    bool canary = req->rollout.canary > 0 && wave == 0;
    bool passed = canary ? eo_rollout_canary_passed(&req->rollout, attempted, failed)
                         : eo_rollout_may_continue(&req->rollout, attempted, failed);
    if (!passed) {
        char text[200];
        snprintf(text, sizeof text, "%u of %u devices failed%s: the rollout stops here", failed,
                 attempted, canary ? " in the canary" : "");
        struct eo_event event = {.kind = EO_EVENT_NOTE, .device = "batch", .text = text};
        eo_events_emit(req->events, &event);
        summary->aborted = true;
    }
    return passed;
}

static enum eo_status run_waves(struct batch_run *run, struct eo_batch_summary *summary,
                                struct eo_error *err)
{
    const struct eo_batch_request *req = run->req;
    enum eo_status status = EO_OK;
    for (unsigned wave = 0; status == EO_OK && wave < summary->wave_count; wave++) {
        if (eo_cancelled(req->cancel))
            break;
        run->order_count = wave_order(req, wave, run->order);
        if (run->order_count == 0)
            continue;
        status = run_all(run, err);
        summary->waves_run++;
        if (status == EO_OK && wave + 1 < summary->wave_count &&
            !gate_passed(req, run->outcomes, wave, summary))
            break;
    }
    return status;
}

enum eo_status eo_batch_upgrade(const struct eo_batch_request *request,
                                struct eo_batch_outcome *outcomes, struct eo_batch_summary *summary,
                                struct eo_error *err)
{
    struct batch_run run = {.req = request, .outcomes = outcomes, .work = upgrade_one};
    double started = eo_net_now();
    memset(summary, 0, sizeof *summary);
    run.order = identity_order(request->count);
    enum eo_status status = run.order ? EO_OK : eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    if (status == EO_OK && !eo_cancelled(request->cancel))
        status = cache_fill(&run.cache, request, err);
    if (status == EO_OK && !eo_cancelled(request->cancel)) {
        skip_finished(request, outcomes, &run.cache);
        assign_waves(request, summary);
        status = run_waves(&run, summary, err);
    }
    cache_release(&run.cache);
    free(run.order);
    summarize(request, outcomes, summary);
    summary->seconds = eo_net_now() - started;
    if (status == EO_OK && summary->interrupted)
        return interrupted(request, err);
    return status;
}

enum eo_status eo_batch_run(const struct eo_batch_request *request,
                            struct eo_batch_outcome *outcomes, struct eo_batch_summary *summary,
                            struct eo_error *err)
{
    enum eo_status status = eo_batch_learn(request, outcomes, err);
    if (status != EO_OK && status != EO_ERR_INTERRUPTED)
        return status;
    return eo_batch_upgrade(request, outcomes, summary, err);
}

enum eo_status eo_batch_exit_status(const struct eo_batch_summary *summary)
{
    if (summary->interrupted)
        return EO_ERR_INTERRUPTED;
    if (summary->aborted)
        return EO_ERR_ABORTED;
    if (summary->count[EO_BATCH_FAILED])
        return EO_ERR_SOME_FAILED;
    if (summary->count[EO_BATCH_DONE] || summary->count[EO_BATCH_PLANNED])
        return EO_OK;
    return EO_NOTHING_TO_DO;
}
