/* discover.c — mDNS discovery through avahi-client on an AvahiSimplePoll driven by the caller's
 * thread: three service browsers, one resolver per announced service, results merged into a
 * device list (device_list.c), and a loop that stops when the network has gone quiet or at the
 * deadline. Also the single-name lookups behind --device (discover_lookup.c shares the
 * session helpers declared in discover_session.h). */
#include "espurna-ota/discover.h"

#include <string.h>
#include <time.h>

#include <avahi-client/lookup.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>

#include "discover_session.h"

#define MAX_TXT_ENTRIES 64

static const char *const service_types[EO_SERVICE_COUNT] = {
    [EO_SERVICE_ARDUINO] = "_arduino._tcp",
    [EO_SERVICE_HTTP] = "_http._tcp",
    [EO_SERVICE_TELNET] = "_telnet._tcp",
};

/* ---- the quiet rule ------------------------------------------------------------------- */

bool eo_discover_settled(const struct eo_settle *settle, double now_s, double settle_s)
{
    return settle->browsers_waiting == 0 && settle->resolves_pending == 0 &&
           now_s - settle->last_event_s >= settle_s;
}

int eo_discover_wait_ms(const struct eo_settle *settle, double now_s, double settle_s,
                        double deadline_s)
{
    double until = deadline_s;
    if (settle->browsers_waiting == 0 && settle->resolves_pending == 0 &&
        settle->last_event_s + settle_s < until)
        until = settle->last_event_s + settle_s;
    double ms = (until - now_s) * 1000.0;
    if (ms < 1.0)
        return 1;
    return ms > 60000.0 ? 60000 : (int)(ms + 0.999);
}

/* ---- session: client + poll ------------------------------------------------------------- */

double discover_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void client_callback(AvahiClient *client, AvahiClientState state, void *userdata)
{
    struct discover_session *session = userdata;
    if (state == AVAHI_CLIENT_FAILURE && !session->failed) {
        session->failed = true;
        eo_error_set(session->err, EO_ERR_DISCOVERY,
                     "lost the connection to avahi-daemon (%s); " EO_DISCOVER_NO_DAEMON_HINT,
                     avahi_strerror(avahi_client_errno(client)));
        avahi_simple_poll_quit(session->poll);
    }
}

enum eo_status discover_session_open(struct discover_session *session, struct eo_error *err)
{
    int error = 0;
    memset(session, 0, sizeof *session);
    session->err = err;
    session->poll = avahi_simple_poll_new();
    if (!session->poll)
        return eo_error_set(err, EO_ERR_INTERNAL,
                            "cannot start an avahi event loop: out of memory");
    session->client =
        avahi_client_new(avahi_simple_poll_get(session->poll), 0, client_callback, session, &error);
    if (!session->client) {
        avahi_simple_poll_free(session->poll);
        session->poll = NULL;
        return eo_error_set(err, EO_ERR_DISCOVERY,
                            "discovery needs avahi-daemon, which is not reachable "
                            "(%s); " EO_DISCOVER_NO_DAEMON_HINT,
                            avahi_strerror(error));
    }
    session->start_s = discover_now();
    session->settle.last_event_s = session->start_s;
    return EO_OK;
}

void discover_session_close(struct discover_session *session)
{
    if (session->client)
        avahi_client_free(session->client); /* frees browsers and resolvers too */
    discover_aside_free(session);
    if (session->poll)
        avahi_simple_poll_free(session->poll);
    session->client = NULL;
    session->poll = NULL;
}

/* Runs the loop until done() says so, the deadline passes or the client fails. Returns
 * false on timeout. */
bool discover_session_loop(struct discover_session *session, double deadline_s, double settle_s,
                           bool (*done)(struct discover_session *session, double now_s))
{
    for (;;) {
        double now = discover_now();
        if (session->failed || eo_cancelled(session->cancel) || done(session, now))
            return true;
        if (now >= deadline_s)
            return false;
        int wait = eo_discover_wait_ms(&session->settle, now, settle_s, deadline_s);
        if (session->max_wait_ms && wait > (int)session->max_wait_ms)
            wait = (int)session->max_wait_ms;
        if (avahi_simple_poll_iterate(session->poll, wait) != 0)
            return true; /* quit (failure) or poll error */
    }
}

/* ---- browse and resolve --------------------------------------------------------------- */

int discover_service_of_type(const char *type)
{
    for (int s = 0; s < EO_SERVICE_COUNT; s++)
        if (type && strcmp(type, service_types[s]) == 0)
            return s;
    return -1;
}

static size_t txt_entries(AvahiStringList *txt, struct eo_txt_entry *out, size_t cap)
{
    size_t count = 0;
    for (AvahiStringList *l = txt; l && count < cap; l = avahi_string_list_get_next(l)) {
        out[count].data = avahi_string_list_get_text(l);
        out[count].len = avahi_string_list_get_size(l);
        count++;
    }
    return count;
}

const char *discover_service_type(enum eo_service service)
{
    return service_types[service];
}

struct eo_device *discover_add_resolved(struct eo_device_list *list, int service, const char *name,
                                        const char *host_name, const AvahiAddress *address,
                                        uint16_t port, AvahiStringList *txt)
{
    char numeric[AVAHI_ADDRESS_STR_MAX] = "";
    struct eo_txt_entry entries[MAX_TXT_ENTRIES];
    if (address)
        avahi_address_snprint(numeric, sizeof numeric, address);
    struct eo_service_record record = {
        .service = (enum eo_service)service,
        .instance = name,
        .host_name = host_name,
        .address = numeric,
        .port = port,
        .txt = entries,
        .txt_count = txt_entries(txt, entries, MAX_TXT_ENTRIES),
    };
    return eo_device_list_add_service(list, &record);
}

static void resolve_callback(AvahiServiceResolver *resolver, AvahiIfIndex interface,
                             AvahiProtocol protocol, AvahiResolverEvent event, const char *name,
                             const char *type, const char *domain, const char *host_name,
                             const AvahiAddress *address, uint16_t port, AvahiStringList *txt,
                             AvahiLookupResultFlags flags, void *userdata)
{
    struct discover_session *session = userdata;
    (void)interface, (void)protocol, (void)domain, (void)flags;
    int service = discover_service_of_type(type);
    if (event == AVAHI_RESOLVER_FOUND && service >= 0) {
        if (discover_add_resolved(session->list, service, name, host_name, address, port, txt))
            session->last_change_s = discover_now();
        session->resolved++;
    } else {
        session->failures++;
    }
    session->settle.resolves_pending--;
    session->settle.last_event_s = discover_now();
    avahi_service_resolver_free(resolver);
}

static void start_resolve(struct discover_session *session, AvahiIfIndex interface,
                          AvahiProtocol protocol, const char *name, const char *type,
                          const char *domain)
{
    if (avahi_service_resolver_new(session->client, interface, protocol, name, type, domain,
                                   AVAHI_PROTO_INET, 0, resolve_callback, session))
        session->settle.resolves_pending++;
    else
        session->failures++;
}

static void resolve_aside(void *ctx, AvahiIfIndex interface, AvahiProtocol protocol, int service,
                          const char *name, const char *domain)
{
    start_resolve(ctx, interface, protocol, name, service_types[service], domain);
}

static int browser_service(const struct discover_session *session,
                           const AvahiServiceBrowser *browser)
{
    for (int s = 0; s < EO_SERVICE_COUNT; s++)
        if (session->browsers[s] == browser)
            return s;
    return -1;
}

static void browse_callback(AvahiServiceBrowser *browser, AvahiIfIndex interface,
                            AvahiProtocol protocol, AvahiBrowserEvent event, const char *name,
                            const char *type, const char *domain, AvahiLookupResultFlags flags,
                            void *userdata)
{
    struct discover_session *session = userdata;
    int service = browser_service(session, browser); /* type is NULL for ALL_FOR_NOW */
    (void)type, (void)flags;
    session->settle.last_event_s = discover_now();
    if (event == AVAHI_BROWSER_NEW) {
        if (eo_discover_focus_wants(&session->focus, service, name))
            start_resolve(session, interface, protocol, name, type, domain);
        else
            discover_aside_keep(session, interface, protocol, service, name, domain);
    } else if (event == AVAHI_BROWSER_REMOVE && service >= 0) {
        discover_aside_drop(session, service, name);
        if (eo_device_list_remove_service(session->list, (enum eo_service)service, name))
            session->last_change_s = session->settle.last_event_s;
    } else if ((event == AVAHI_BROWSER_ALL_FOR_NOW || event == AVAHI_BROWSER_FAILURE) &&
               service >= 0 && session->browsing[service]) {
        if (eo_discover_focus_listed(&session->focus, service))
            discover_aside_release(session, service, resolve_aside, session);
        session->browsing[service] = false;
        session->settle.browsers_waiting--;
    }
}

enum eo_status discover_session_browse(struct discover_session *session, struct eo_error *err)
{
    for (int s = 0; s < EO_SERVICE_COUNT; s++) {
        session->browsers[s] =
            avahi_service_browser_new(session->client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                      service_types[s], NULL, 0, browse_callback, session);
        if (!session->browsers[s])
            return eo_error_set(err, EO_ERR_DISCOVERY, "cannot browse %s through avahi-daemon: %s",
                                service_types[s],
                                avahi_strerror(avahi_client_errno(session->client)));
        session->browsing[s] = true;
        session->settle.browsers_waiting++;
    }
    return EO_OK;
}

static bool quiet(struct discover_session *session, double now_s)
{
    return eo_discover_settled(&session->settle, now_s, session->settle_s);
}

static void fill_stats(const struct discover_session *session, bool finished,
                       struct eo_discover_stats *stats)
{
    if (!stats)
        return;
    stats->elapsed_s = discover_now() - session->start_s;
    stats->last_change_s =
        session->last_change_s > 0 ? session->last_change_s - session->start_s : 0;
    stats->resolved = session->resolved;
    stats->failed = session->failures;
    stats->timed_out = !finished;
}

enum eo_status eo_discover_run(const struct eo_discover_options *options,
                               struct eo_device_list *out, struct eo_discover_stats *stats,
                               struct eo_error *err)
{
    struct discover_session session;
    unsigned timeout_ms =
        options && options->timeout_ms ? options->timeout_ms : EO_DISCOVER_DEFAULT_TIMEOUT_MS;
    unsigned settle_ms =
        options && options->settle_ms ? options->settle_ms : EO_DISCOVER_DEFAULT_SETTLE_MS;
    enum eo_status status = discover_session_open(&session, err);
    if (status != EO_OK)
        return status;
    session.list = out;
    session.settle_s = settle_ms / 1000.0;
    status = discover_session_browse(&session, err);
    bool finished =
        status == EO_OK && discover_session_loop(&session, session.start_s + timeout_ms / 1000.0,
                                                 session.settle_s, quiet);
    if (status == EO_OK && session.failed)
        status = EO_ERR_DISCOVERY;
    fill_stats(&session, finished, stats);
    discover_session_close(&session);
    eo_device_list_sort(out);
    return status;
}
