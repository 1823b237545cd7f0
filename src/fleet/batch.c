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
#define PROBE_MS 1500u /* a device that accepts no connection this long is offline */

static const char *const state_names[] = {
    [EO_BATCH_NOT_RUN] = "not-run", [EO_BATCH_DONE] = "done",
    [EO_BATCH_UP_TO_DATE] = "up-to-date", [EO_BATCH_PLANNED] = "planned",
    [EO_BATCH_FAILED] = "failed", [EO_BATCH_OFFLINE] = "offline",
    [EO_BATCH_SKIPPED] = "skipped",
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
    atomic_size_t next;
    void (*work)(struct batch_run *run, size_t index);
};

static void *worker(void *ctx)
{
    struct batch_run *run = ctx;
    for (;;) {
        size_t index = atomic_fetch_add(&run->next, 1);
        if (index >= run->req->count || eo_cancelled(run->req->cancel))
            return NULL;
        run->work(run, index);
    }
}

/* Runs run->work over every member, `jobs` at a time. */
static enum eo_status run_all(struct batch_run *run, struct eo_error *err)
{
    unsigned jobs = run->req->jobs ? run->req->jobs : DEFAULT_JOBS;
    if (jobs > run->req->count)
        jobs = run->req->count ? (unsigned)run->req->count : 1;
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
    struct eo_event event = {.kind = EO_EVENT_NOTE, .device = device, .text = text};
    eo_events_emit(run->req->events, &event);
}

/* Whether something accepts a TCP connection on `port` within timeout_ms. */
static bool port_answers(const char *address, uint16_t port, unsigned timeout_ms)
{
    struct sockaddr_storage addr;
    socklen_t len;
    if (!port || eo_net_sockaddr(address, port, &addr, &len, NULL) != EO_OK)
        return false;
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int error = 0;
    socklen_t error_len = sizeof error;
    bool ok = connect(fd, (struct sockaddr *)&addr, len) == 0 ||
              (errno == EINPROGRESS && eo_net_wait(fd, POLLOUT, (int)timeout_ms) > 0 &&
               getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_len) == 0 && error == 0);
    close(fd);
    return ok;
}

/* A record from discovery may outlive its device (a cache, a missed goodbye): it counts as
 * online when its terminal or web port answers. */
static bool still_there(const struct eo_batch_member *member)
{
    const struct eo_target *target = &member->target;
    return target->address[0] &&
           (port_answers(target->address, target->telnet_port, PROBE_MS) ||
            port_answers(target->address, target->web_port, PROBE_MS));
}

static void mark_offline(const struct batch_run *run, struct eo_batch_member *member,
                         struct eo_batch_outcome *outcome, enum eo_status status)
{
    outcome->state = EO_BATCH_OFFLINE;
    outcome->status = status;
    note(run, member->label, "offline: it did not answer");
}

static void learn_one(struct batch_run *run, size_t index)
{
    struct eo_batch_member *member = &run->req->members[index];
    struct eo_batch_outcome *outcome = &run->outcomes[index];
    if (member->skip)
        return;
    if (member->known.device.version[0]) {
        if (!still_there(member)) {
            eo_error_set(&outcome->err, EO_ERR_UNREACHABLE, "%s is announced over mDNS but "
                         "does not answer", member->label);
            mark_offline(run, member, outcome, EO_ERR_UNREACHABLE);
        }
        return;
    }
    struct eo_identify_options options = {
        .password = member->password, .use_mdns = run->req->options.use_mdns,
        .timeout_ms = run->req->learn_timeout_ms ? run->req->learn_timeout_ms : DEFAULT_LEARN_MS,
        .cancel = run->req->cancel,
    };
    enum eo_status status = eo_identify(&member->target, member->label, &options,
                                        &member->known, &outcome->err);
    const struct eo_device *seen = &member->known.device;
    if (status == EO_OK && !member->target.address[0] && seen->address_count > 0)
        snprintf(member->target.address, sizeof member->target.address, "%s",
                 seen->addresses[0]); /* found by name over mDNS */
    if (status == EO_ERR_INTERRUPTED || (status == EO_OK && member->target.address[0]))
        return;
    mark_offline(run, member, outcome, status);
}

/* ---- upgrading ------------------------------------------------------------------------------ */

static struct eo_upgrade_request member_request(const struct batch_run *run,
                                                struct eo_batch_member *member,
                                                const struct image_slot *slot)
{
    struct eo_upgrade_request request = run->req->options;
    request.device = member->label;
    request.target = &member->target;
    request.known = member->known.sources ? &member->known : NULL;
    request.image = &slot->image;
    request.image_gzip = slot->gzipped ? &slot->gzip : NULL;
    request.core_path = member->core_path[0] ? member->core_path : NULL;
    request.firmware_dir = member->firmware_dir[0] ? member->firmware_dir : NULL;
    request.password = member->password;
    if (member->method >= 0)
        request.policy.method = member->method;
    request.events = run->req->events;
    request.cancel = run->req->cancel;
    return request;
}

static enum eo_batch_state state_of(enum eo_status status, const struct eo_upgrade_result *res)
{
    if (status != EO_OK)
        return EO_BATCH_FAILED;
    if (res->up_to_date)
        return EO_BATCH_UP_TO_DATE;
    return res->dry_run ? EO_BATCH_PLANNED : EO_BATCH_DONE;
}

static void skip(struct eo_batch_outcome *outcome, enum eo_status status, const char *why)
{
    outcome->state = EO_BATCH_SKIPPED;
    outcome->status = status;
    snprintf(outcome->err.message, sizeof outcome->err.message, "%s", why);
    outcome->err.status = status;
}

static void upgrade_one(struct batch_run *run, size_t index)
{
    struct eo_batch_member *member = &run->req->members[index];
    struct eo_batch_outcome *outcome = &run->outcomes[index];
    if (outcome->state == EO_BATCH_OFFLINE || outcome->state == EO_BATCH_SKIPPED)
        return;
    if (member->skip) {
        skip(outcome, EO_ERR_INPUT, member->skip_reason);
        return;
    }
    const struct image_slot *slot = slot_for(&run->cache, member->image_path);
    if (!slot || !slot->loaded) {
        skip(outcome, slot ? slot->err.status : EO_ERR_FILE, slot ? slot->err.message : "no image");
        return;
    }
    double started = eo_net_now();
    struct eo_upgrade_request request = member_request(run, member, slot);
    enum eo_status status = eo_upgrade_run(&request, &outcome->result, &outcome->err);
    outcome->seconds = eo_net_now() - started;
    outcome->status = status;
    /* interrupted in flight is a failure: its `where` says where it stands */
    outcome->state = state_of(status, &outcome->result);
}

/* ---- the run -------------------------------------------------------------------------------- */

static void prepare_outcomes(const struct eo_batch_request *req,
                             struct eo_batch_outcome *outcomes)
{
    for (size_t i = 0; i < req->count; i++)
        memset(&outcomes[i], 0, sizeof outcomes[i]);
}

static enum eo_status interrupted(const struct eo_batch_request *request, struct eo_error *err)
{
    eo_error_set(err, EO_ERR_INTERRUPTED, "interrupted: devices not yet started were left as "
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

enum eo_status eo_batch_learn(const struct eo_batch_request *request,
                              struct eo_batch_outcome *outcomes, struct eo_error *err)
{
    struct batch_run run = {.req = request, .outcomes = outcomes, .work = learn_one};
    prepare_outcomes(request, outcomes);
    enum eo_status status = run_all(&run, err);
    if (status == EO_OK && eo_cancelled(request->cancel))
        return interrupted(request, err);
    return status;
}

enum eo_status eo_batch_upgrade(const struct eo_batch_request *request,
                                struct eo_batch_outcome *outcomes,
                                struct eo_batch_summary *summary, struct eo_error *err)
{
    struct batch_run run = {.req = request, .outcomes = outcomes, .work = upgrade_one};
    double started = eo_net_now();
    memset(summary, 0, sizeof *summary);
    enum eo_status status = eo_cancelled(request->cancel) ? EO_OK
                                                          : cache_fill(&run.cache, request, err);
    if (status == EO_OK && !eo_cancelled(request->cancel))
        status = run_all(&run, err);
    cache_release(&run.cache);
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
    if (summary->count[EO_BATCH_FAILED])
        return EO_ERR_SOME_FAILED;
    if (summary->count[EO_BATCH_DONE] || summary->count[EO_BATCH_PLANNED])
        return EO_OK;
    return EO_NOTHING_TO_DO;
}
