/* push.c — the transport table (push.h): maps one push request onto each method's own options
 * and turns its byte-count callbacks into PROGRESS events. The only place that knows which
 * options each method takes. */
#include "espurna-ota/push.h"

#include <stddef.h>

/* ---- progress as events ---------------------------------------------------------------- */

static void emit_progress(void *ctx, const struct eo_progress *progress)
{
    const struct eo_push_request *request = ctx;
    struct eo_event event = {
        .kind = EO_EVENT_PROGRESS,
        .device = request->device_label,
        .step = request->step,
        .steps = request->steps,
        .phase = EO_PHASE_PUSH,
        .done = progress->done,
        .total = progress->total,
        .elapsed_s = progress->elapsed_s,
    };
    eo_events_emit(request->events, &event);
}

static unsigned pick(unsigned common, unsigned own)
{
    return common ? common : own;
}

/* ---- the three methods ----------------------------------------------------------------- */

static enum eo_status push_espota(const struct eo_push_request *request,
                                  struct eo_push_result *result, struct eo_error *err)
{
    struct eo_espota_options options;
    if (request->espota)
        options = *request->espota;
    else
        eo_espota_options_init(&options);
    options.password = request->password;
    options.connect_timeout_ms = pick(request->connect_timeout_ms, options.connect_timeout_ms);
    options.stall_timeout_ms = pick(request->stall_timeout_ms, options.stall_timeout_ms);
    options.result_timeout_ms = pick(request->result_timeout_ms, options.result_timeout_ms);
    if (request->device_flash_size)
        options.device_flash_size = request->device_flash_size;
    if (request->device_free_space)
        options.device_free_space = request->device_free_space;
    options.progress = emit_progress;
    options.progress_ctx = (void *)request;
    options.cancel = request->cancel;
    return eo_espota_push(request->target, request->image, &options, result, err);
}

static enum eo_status push_web(const struct eo_push_request *request, struct eo_push_result *result,
                               struct eo_error *err)
{
    struct eo_web_options options = {0};
    if (request->web)
        options = *request->web;
    options.password = request->password;
    options.connect_timeout_ms = pick(request->connect_timeout_ms, options.connect_timeout_ms);
    options.stall_timeout_ms = pick(request->stall_timeout_ms, options.stall_timeout_ms);
    options.result_timeout_ms = pick(request->result_timeout_ms, options.result_timeout_ms);
    if (request->device_flash_size)
        options.device_flash_size = request->device_flash_size;
    if (request->device_free_space)
        options.free_space = request->device_free_space;
    options.progress = emit_progress;
    options.progress_ctx = (void *)request;
    options.cancel = request->cancel;
    struct eo_web_identity identity = {0};
    enum eo_status status =
        eo_web_push(request->target, request->image, &options, result, &identity, err);
    if (identity.known)
        eo_events_note(request->events, request->device_label, request->step,
                       "%s answers as %s (%s %s)", request->target->address, identity.hostname,
                       identity.app, identity.version);
    return status;
}

static enum eo_status push_terminal(const struct eo_push_request *request,
                                    struct eo_push_result *result, struct eo_error *err)
{
    struct eo_terminal_options options = {0};
    if (request->terminal)
        options = *request->terminal;
    options.password = request->password;
    options.connect_timeout_ms = pick(request->connect_timeout_ms, options.connect_timeout_ms);
    options.stall_timeout_ms = pick(request->stall_timeout_ms, options.stall_timeout_ms);
    options.progress = emit_progress;
    options.progress_ctx = (void *)request;
    options.cancel = request->cancel;
    return eo_terminal_push(request->target, request->image, &options, result, err);
}

static const struct eo_transport transports[EO_METHOD_COUNT] = {
    [EO_METHOD_ESPOTA] = {EO_METHOD_ESPOTA, "espota", push_espota},
    [EO_METHOD_WEB] = {EO_METHOD_WEB, "web", push_web},
    [EO_METHOD_TERMINAL] = {EO_METHOD_TERMINAL, "terminal", push_terminal},
};

const struct eo_transport *eo_transport_for(enum eo_method method)
{
    return (unsigned)method < EO_METHOD_COUNT ? &transports[method] : NULL;
}

enum eo_status eo_push(enum eo_method method, const struct eo_push_request *request,
                       struct eo_push_result *result, struct eo_error *err)
{
    const struct eo_transport *transport = eo_transport_for(method);
    *result = (struct eo_push_result){0};
    if (!transport)
        return eo_error_set(err, EO_ERR_INTERNAL, "no method %d", (int)method);
    enum eo_status status = transport->push(request, result, err);
    result->status = status;
    return status;
}

bool eo_push_failed_before_start(const struct eo_push_result *result, const struct eo_error *err)
{
    if (result->bytes_confirmed > 0 || !err)
        return false;
    switch (err->status) {
    case EO_ERR_UNREACHABLE: return true;
    case EO_ERR_REFUSED: return err->hint == EO_HINT_NO_WEB || err->hint == EO_HINT_NO_ESPOTA;
    default: return false;
    }
}
