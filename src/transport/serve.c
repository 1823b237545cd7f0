/* serve.c — the one-shot image server: a libmicrohttpd daemon on our own listening socket that
 * hands one image to one client under a random one-time path, and a watcher thread that judges
 * each transfer from the kernel's record of the connection (what the client acknowledged, whether
 * it closed or reset), so the terminal method can tell "never fetched" from "stopped at N%" from
 * "delivered" from "everything acknowledged, outcome unknown".
 *
 * Every accepted connection gets a record holding our own duplicate of its socket, taken when
 * libmicrohttpd announces the connection: we sample, shut down or reset that duplicate and never
 * touch a descriptor libmicrohttpd may have closed or reused. Disallowed addresses are refused at
 * accept time; a connection whose request headers do not arrive in time is shut down. */
#include "espurna-ota/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "espurna-ota/net.h"
#include "espurna-ota/tcp_watch.h"

#define SEND_BUFFER_BYTES (32 * 1024)
#define READER_BLOCK_BYTES (16 * 1024)
#define CONNECTION_LIMIT 8u
#define DEFAULT_IDLE_TIMEOUT_S 30u
#define HEADER_BOUND_BYTES 256u /* the status line and headers of the image response, at most */
#define WATCH_TICK_MS 100u

/* One accepted connection. Owned by the server's list; freed once libmicrohttpd is done with it
 * and, when it carried the image, once that transfer has ended. */
struct link {
    struct link *next;
    struct eo_serve *server;
    int fd;            /* our duplicate of the connection's socket */
    double opened;     /* eo_net_now() at accept */
    bool headers_done; /* the request arrived (or the connection was cut for being slow) */
    bool mhd_closed;   /* libmicrohttpd closed its side */
    /* the image GET on this connection (every answer closes the connection: at most one) */
    bool image;
    uint64_t handed;    /* body bytes given to libmicrohttpd */
    bool all_written;   /* libmicrohttpd wrote the whole response into the socket */
    bool write_failed;  /* libmicrohttpd ended the request with an error */
    bool fin_queued;    /* our FIN went into the send queue after the response */
    bool closed_early;  /* the client closed before it had acknowledged every byte */
    uint64_t confirmed; /* body bytes the client acknowledged */
    struct eo_tcp_watch watch;
    enum eo_serve_end end;
};

struct eo_serve {
    struct MHD_Daemon *daemon;
    int listen_fd;
    const uint8_t *data;
    size_t size;
    char token[EO_SERVE_TOKEN_LEN + 1];
    bool allow_any;
    char allow[INET6_ADDRSTRLEN];
    uint16_t port;
    unsigned stall_ms;
    char url[160];
    char base_url[120];
    pthread_mutex_t lock;
    pthread_cond_t changed; /* status changed: waiters */
    pthread_cond_t wake;    /* stop: the watcher */
    pthread_t watcher;
    bool watcher_running, stopping;
    struct link *links;
    struct eo_serve_status status;
};

static const char body_not_found[] = "not found\n";
static const char body_bad_method[] = "method not allowed\n";
static const char body_gone[] = "already delivered\n";

/* ---- pure helpers ----------------------------------------------------------------------- */

bool eo_serve_path_matches(const char *url_path, const char *token)
{
    if (!url_path || url_path[0] != '/' || strlen(url_path + 1) != EO_SERVE_TOKEN_LEN ||
        strlen(token) != EO_SERVE_TOKEN_LEN)
        return false;
    return CRYPTO_memcmp(url_path + 1, token, EO_SERVE_TOKEN_LEN) == 0;
}

uint64_t eo_serve_body_confirmed(uint64_t acked, uint64_t unacked, uint64_t handed, uint64_t size,
                                 bool all_written)
{
    if (all_written) /* the whole response is in the kernel: what is not acked is at its end */
        return unacked >= size ? 0 : size - unacked;
    uint64_t body = acked > HEADER_BOUND_BYTES ? acked - HEADER_BOUND_BYTES : 0;
    return body < handed ? body : handed;
}

enum eo_serve_end eo_serve_judge_transfer(const struct eo_serve_reading *r)
{
    if (r->write_failed)
        return EO_SERVE_END_BROKEN;
    if (!r->all_written)
        return r->stalled ? EO_SERVE_END_STALLED : EO_SERVE_END_NONE;
    if (r->peer_closed < 0)
        return r->unacked == 0 ? EO_SERVE_END_RESET : EO_SERVE_END_BROKEN;
    if (r->unacked > 0)
        return r->gone      ? EO_SERVE_END_BROKEN
               : r->stalled ? EO_SERVE_END_STALLED
                            : EO_SERVE_END_NONE;
    if (r->peer_closed > 0) /* closed before taking it all: it may have dropped the rest */
        return r->closed_early ? EO_SERVE_END_UNKNOWN : EO_SERVE_END_COMPLETE;
    return r->stalled ? EO_SERVE_END_UNKNOWN : EO_SERVE_END_NONE;
}

bool eo_serve_address_unspecified(const char *address)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, address, &a4) == 1)
        return a4.s_addr == htonl(INADDR_ANY);
    if (inet_pton(AF_INET6, address, &a6) != 1)
        return false;
    static const uint8_t mapped_any[16] = {[10] = 0xff, [11] = 0xff};
    return IN6_IS_ADDR_UNSPECIFIED(&a6) || memcmp(a6.s6_addr, mapped_any, 16) == 0;
}

bool eo_serve_delivered(const struct eo_serve_status *status)
{
    return status->complete || status->unknown;
}

unsigned eo_serve_percent(const struct eo_serve_status *status)
{
    if (status->size == 0)
        return status->complete ? 100u : 0u;
    return (unsigned)(status->best_confirmed * 100u / status->size);
}

/* ---- small helpers ---------------------------------------------------------------------- */

/* Call with the lock held: publish a change to waiters. */
static void note_change(struct eo_serve *server)
{
    server->status.generation++;
    pthread_cond_broadcast(&server->changed);
}

static bool make_token(char out[EO_SERVE_TOKEN_LEN + 1])
{
    unsigned char random_bytes[EO_SERVE_TOKEN_LEN / 2];
    if (RAND_bytes(random_bytes, sizeof random_bytes) != 1)
        return false;
    for (size_t i = 0; i < sizeof random_bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", random_bytes[i]);
    OPENSSL_cleanse(random_bytes, sizeof random_bytes);
    return true;
}

/* Resets a connection at once, whoever else holds its socket: a disconnect (connect() to
 * AF_UNSPEC) sends the peer a reset and drops whatever is still queued, so the peer can never
 * take the end of the connection for the end of the image. */
static void reset_connection(int fd)
{
    struct sockaddr unspecified = {.sa_family = AF_UNSPEC};
    (void)connect(fd, &unspecified, sizeof unspecified);
}

/* Reads and drops what the client sent after its request (nobody else reads it any more), so
 * that its close or reset becomes visible. */
static void discard_unread(int fd)
{
    char sink[4096];
    int pending = 0;
    if (ioctl(fd, FIONREAD, &pending) == 0 && pending > 0)
        (void)recv(fd, sink, (size_t)pending < sizeof sink ? (size_t)pending : sizeof sink,
                   MSG_DONTWAIT);
}

static void free_link(struct link *link)
{
    if (link->fd >= 0)
        close(link->fd);
    free(link);
}

/* ---- the image transfer, judged from the kernel ------------------------------------------ */

/* Response bytes not acknowledged yet, our own FIN left out. */
static uint64_t unacked_bytes(const struct link *link, const struct eo_tcp_sample *sample)
{
    if (link->fin_queued && sample->queued > 0)
        return sample->queued - 1;
    return sample->queued;
}

/* Call with the lock held. */
static void record_confirmed(struct eo_serve *server, struct link *link, uint64_t confirmed)
{
    if (confirmed <= link->confirmed)
        return;
    link->confirmed = confirmed;
    if (confirmed > server->status.best_confirmed)
        server->status.best_confirmed = confirmed;
    note_change(server);
}

/* Call with the lock held: the transfer on `link` ended `end`. */
static void finish_transfer(struct eo_serve *server, struct link *link, enum eo_serve_end end)
{
    link->end = end;
    if (end == EO_SERVE_END_STALLED)
        reset_connection(link->fd);
    if (end == EO_SERVE_END_COMPLETE)
        record_confirmed(server, link, server->size);
    server->status.complete |= end == EO_SERVE_END_COMPLETE;
    server->status.unknown |= end == EO_SERVE_END_UNKNOWN;
    server->status.last_end = end;
    server->status.active--;
    note_change(server);
}

/* Whether the client closed (1) or reset (-1) its side; only once the whole response was
 * written, and what it sent meanwhile is dropped once libmicrohttpd no longer reads. */
static int peer_end(struct link *link)
{
    if (!link->all_written)
        return 0;
    int end = eo_tcp_peer_closed(link->fd);
    if (end == 0 && link->mhd_closed)
        discard_unread(link->fd);
    return end;
}

/* Call with the lock held: one sample of the transfer on `link`. */
static void follow_transfer(struct eo_serve *server, struct link *link, double now)
{
    struct eo_tcp_sample sample;
    eo_tcp_sample(link->fd, &sample);
    eo_tcp_watch_feed(&link->watch, &sample, now);
    uint64_t unacked = unacked_bytes(link, &sample);
    if (sample.valid)
        record_confirmed(server, link,
                         eo_serve_body_confirmed(sample.acked, unacked, link->handed, server->size,
                                                 link->all_written));
    struct eo_serve_reading reading = {
        .all_written = link->all_written,
        .write_failed = link->write_failed,
        .unacked = sample.valid ? unacked : UINT64_MAX,
        .peer_closed = peer_end(link),
        .gone = sample.closed,
        .stalled = eo_tcp_watch_stalled(&link->watch, now, server->stall_ms)};
    if (reading.peer_closed > 0 && reading.unacked > 0)
        link->closed_early = true;
    reading.closed_early = link->closed_early;
    enum eo_serve_end end = eo_serve_judge_transfer(&reading);
    if (end != EO_SERVE_END_NONE)
        finish_transfer(server, link, end);
}

/* Call with the lock held: a connection that has not sent its request headers in time. */
static void cut_slow_headers(struct eo_serve *server, struct link *link)
{
    link->headers_done = true; /* cut once */
    shutdown(link->fd, SHUT_RDWR);
    server->status.rejected++;
    note_change(server);
}

/* Call with the lock held: one look at every connection. */
static void follow_links(struct eo_serve *server, double now)
{
    struct link **at = &server->links;
    while (*at) {
        struct link *link = *at;
        if (!link->mhd_closed && !link->headers_done &&
            now - link->opened > EO_SERVE_HEADER_TIMEOUT_S)
            cut_slow_headers(server, link);
        if (link->image && link->end == EO_SERVE_END_NONE)
            follow_transfer(server, link, now);
        if (link->mhd_closed && (!link->image || link->end != EO_SERVE_END_NONE)) {
            *at = link->next;
            free_link(link);
            continue;
        }
        at = &link->next;
    }
}

static struct timespec deadline_after(unsigned timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000u;
    deadline.tv_nsec += (long)(timeout_ms % 1000u) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    return deadline;
}

static void *watch_links(void *arg)
{
    struct eo_serve *server = arg;
    pthread_mutex_lock(&server->lock);
    while (!server->stopping) {
        struct timespec deadline = deadline_after(WATCH_TICK_MS);
        pthread_cond_timedwait(&server->wake, &server->lock, &deadline);
        if (!server->stopping)
            follow_links(server, eo_net_now());
    }
    pthread_mutex_unlock(&server->lock);
    return NULL;
}

/* ---- libmicrohttpd callbacks ------------------------------------------------------------- */

static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct eo_serve *server = cls;
    char client[INET6_ADDRSTRLEN];
    (void)addrlen;
    if (server->allow_any)
        return MHD_YES;
    eo_net_address_text(addr, client, sizeof client);
    if (strcmp(client, server->allow) == 0)
        return MHD_YES;
    pthread_mutex_lock(&server->lock);
    server->status.rejected++;
    note_change(server);
    pthread_mutex_unlock(&server->lock);
    return MHD_NO;
}

static void track_connection(struct eo_serve *server, struct MHD_Connection *connection,
                             void **socket_context)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct link *link = calloc(1, sizeof *link);
    if (!link)
        return;
    link->server = server;
    link->opened = eo_net_now();
    link->fd = info ? fcntl(info->connect_fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (link->fd < 0) {
        free(link);
        return;
    }
    pthread_mutex_lock(&server->lock);
    link->next = server->links;
    server->links = link;
    pthread_mutex_unlock(&server->lock);
    *socket_context = link;
}

static void notify_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
    struct eo_serve *server = cls;
    struct link *link = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        track_connection(server, connection, socket_context);
        return;
    }
    if (!link)
        return;
    pthread_mutex_lock(&server->lock);
    link->mhd_closed = true; /* the watcher frees it once its transfer, if any, has ended */
    pthread_mutex_unlock(&server->lock);
    *socket_context = NULL;
}

static enum MHD_Result queue_text(struct MHD_Connection *connection, unsigned code,
                                  const char *body)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result result = MHD_queue_response(connection, code, response);
    MHD_destroy_response(response);
    return result;
}

static ssize_t read_image(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct link *link = cls;
    struct eo_serve *server = link->server;
    if (pos >= server->size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = server->size - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, server->data + pos, n);
    pthread_mutex_lock(&server->lock);
    link->handed = pos + n;
    pthread_mutex_unlock(&server->lock);
    return (ssize_t)n;
}

/* Call with the lock held. The answer for a request that is not a GET of the image; 0 when it
 * is one. (Other addresses never get here: they are refused at accept.) */
static unsigned refusal_code(struct eo_serve *server, const char *url, const char *method)
{
    if (!eo_serve_path_matches(url, server->token))
        return MHD_HTTP_NOT_FOUND;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return MHD_HTTP_METHOD_NOT_ALLOWED;
    if (eo_serve_delivered(&server->status))
        return MHD_HTTP_GONE;
    return 0;
}

static enum MHD_Result answer_refusal(struct eo_serve *server, struct MHD_Connection *connection,
                                      unsigned code)
{
    pthread_mutex_lock(&server->lock);
    server->status.rejected++;
    note_change(server);
    pthread_mutex_unlock(&server->lock);
    const char *body = code == MHD_HTTP_NOT_FOUND ? body_not_found
                       : code == MHD_HTTP_GONE    ? body_gone
                                                  : body_bad_method;
    return queue_text(connection, code, body);
}

/* Call with the lock held: a GET of the image starts on `link`. */
static void start_transfer(struct eo_serve *server, struct link *link,
                           struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    link->image = true;
    eo_tcp_watch_start(&link->watch, eo_net_now());
    server->status.requests++;
    server->status.active++;
    eo_net_address_text(info ? info->client_addr : NULL, server->status.client,
                        sizeof server->status.client);
    note_change(server);
    /* from now on the stall rule decides, not libmicrohttpd's idle timeout: a slow device may
     * keep its window closed for long while it writes its flash */
    MHD_set_connection_option(connection, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
}

static enum MHD_Result answer_image(struct eo_serve *server, struct MHD_Connection *connection,
                                    struct link *link, const char *method, void **req_cls)
{
    struct MHD_Response *response =
        MHD_create_response_from_callback(server->size, READER_BLOCK_BYTES, read_image, link, NULL);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    /* the device reads until the server closes: close right after the body */
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    if (strcmp(method, MHD_HTTP_METHOD_GET) == 0) { /* HEAD: no body, not a transfer */
        *req_cls = link;
        pthread_mutex_lock(&server->lock);
        start_transfer(server, link, connection);
        pthread_mutex_unlock(&server->lock);
    }
    enum MHD_Result result = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return result;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *connection, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **req_cls)
{
    struct eo_serve *server = cls;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct link *link = info ? info->socket_context : NULL;
    (void)version;
    (void)upload_data;
    if (!link)
        return MHD_NO; /* untracked (no descriptor left to watch it): close */
    pthread_mutex_lock(&server->lock);
    link->headers_done = true;
    unsigned code = refusal_code(server, url, method);
    pthread_mutex_unlock(&server->lock);
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* ignore any body; we answer once it has been read */
        return MHD_YES;
    }
    if (code != 0)
        return answer_refusal(server, connection, code);
    return answer_image(server, connection, link, method, req_cls);
}

static void request_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                              enum MHD_RequestTerminationCode how)
{
    struct eo_serve *server = cls;
    struct link *link = *req_cls;
    (void)connection;
    if (!link)
        return;
    *req_cls = NULL;
    pthread_mutex_lock(&server->lock);
    if (how == MHD_REQUEST_TERMINATED_COMPLETED_OK && link->handed == server->size) {
        link->all_written = true;
        /* our FIN right after the body: the device reads until the server closes */
        link->fin_queued = shutdown(link->fd, SHUT_WR) == 0;
    } else {
        link->write_failed = true;
    }
    note_change(server);
    pthread_mutex_unlock(&server->lock);
}

/* ---- start and stop ---------------------------------------------------------------------- */

/* Opens, binds and listens; fills server->listen_fd. */
static enum eo_status open_listener(struct eo_serve *server, const char *address, uint16_t port,
                                    struct eo_error *err)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *found = NULL;
    char port_text[8];
    snprintf(port_text, sizeof port_text, "%u", (unsigned)port);
    if (getaddrinfo(address, port_text, &hints, &found) != 0 || !found)
        return eo_error_set(err, EO_ERR_USAGE,
                            "cannot serve on '%s': not a numeric IPv4 or IPv6 address", address);
    int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1, sndbuf = SEND_BUFFER_BYTES;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    }
    if (fd < 0 || bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, 8) != 0) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(found);
        return eo_error_hinted(
            err, EO_ERR_UNREACHABLE, saved == EADDRNOTAVAIL ? EO_HINT_SERVE_ADDRESS : EO_HINT_NONE,
            "cannot serve on %s port %u: %s%s", address, (unsigned)port, strerror(saved),
            saved == EADDRNOTAVAIL ? " (not an address of this machine)" : "");
    }
    freeaddrinfo(found);
    server->listen_fd = fd;
    return EO_OK;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void build_urls(struct eo_serve *server, const char *address)
{
    bool v6 = strchr(address, ':') != NULL;
    snprintf(server->base_url, sizeof server->base_url, "http://%s%s%s:%u/", v6 ? "[" : "", address,
             v6 ? "]" : "", (unsigned)server->port);
    snprintf(server->url, sizeof server->url, "%s%s", server->base_url, server->token);
}

static enum eo_status check_options(const struct eo_serve_options *options, struct eo_serve *server,
                                    char *bind_text, size_t cap, struct eo_error *err)
{
    if (!options->bind_address || !eo_net_canonical_address(options->bind_address, bind_text, cap))
        return eo_error_set(err, EO_ERR_USAGE,
                            "cannot serve on '%s': not a numeric IPv4 or IPv6 address",
                            options->bind_address ? options->bind_address : "");
    if (eo_serve_address_unspecified(bind_text))
        return eo_error_hinted(err, EO_ERR_USAGE, EO_HINT_SERVE_ADDRESS,
                               "cannot serve on '%s': an unspecified address listens everywhere "
                               "but cannot be put in the URL the device fetches",
                               options->bind_address);
    server->allow_any = options->allow_address == NULL;
    if (!server->allow_any &&
        !eo_net_canonical_address(options->allow_address, server->allow, sizeof server->allow))
        return eo_error_set(err, EO_ERR_USAGE,
                            "cannot allow '%s': not a numeric IPv4 or IPv6 address",
                            options->allow_address);
    if (!make_token(server->token))
        return eo_error_set(err, EO_ERR_INTERNAL,
                            "cannot draw a random path: OpenSSL RAND_bytes failed");
    return EO_OK;
}

static enum eo_status start_daemon(struct eo_serve *server, unsigned idle_timeout_s,
                                   struct eo_error *err)
{
    /* poll(), not epoll: we hold duplicates of the connection sockets */
    server->daemon = MHD_start_daemon(
        MHD_USE_POLL_INTERNAL_THREAD, 0, accept_policy, server, handle_request, server,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)server->listen_fd, MHD_OPTION_NOTIFY_COMPLETED,
        request_completed, server, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, server,
        MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout_s ? idle_timeout_s : DEFAULT_IDLE_TIMEOUT_S,
        MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT, MHD_OPTION_END);
    if (!server->daemon)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot start the image server (libmicrohttpd)");
    server->listen_fd = -1; /* the daemon owns and closes it now */
    if (pthread_create(&server->watcher, NULL, watch_links, server) != 0)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot start the image server's watcher");
    server->watcher_running = true;
    return EO_OK;
}

static struct eo_serve *new_server(const struct eo_serve_options *options, const uint8_t *data,
                                   size_t size)
{
    struct eo_serve *server = calloc(1, sizeof *server);
    if (!server)
        return NULL;
    server->listen_fd = -1;
    server->data = data;
    server->size = size;
    server->status.size = size;
    server->stall_ms =
        options->stall_timeout_ms ? options->stall_timeout_ms : EO_SERVE_DEFAULT_STALL_MS;
    pthread_mutex_init(&server->lock, NULL);
    pthread_cond_init(&server->changed, NULL);
    pthread_cond_init(&server->wake, NULL);
    return server;
}

enum eo_status eo_serve_start(const struct eo_serve_options *options, const uint8_t *data,
                              size_t size, struct eo_serve **out, struct eo_error *err)
{
    char bind_text[INET6_ADDRSTRLEN];
    *out = NULL;
    struct eo_serve *server = new_server(options, data, size);
    if (!server)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    enum eo_status status = check_options(options, server, bind_text, sizeof bind_text, err);
    if (status == EO_OK)
        status = open_listener(server, bind_text, options->port, err);
    if (status == EO_OK) {
        server->port = bound_port(server->listen_fd);
        build_urls(server, bind_text);
        status = start_daemon(server, options->idle_timeout_s, err);
    }
    if (status != EO_OK) {
        eo_serve_stop(server);
        return status;
    }
    *out = server;
    return EO_OK;
}

const char *eo_serve_url(const struct eo_serve *server)
{
    return server->url;
}

const char *eo_serve_base_url(const struct eo_serve *server)
{
    return server->base_url;
}

uint16_t eo_serve_port(const struct eo_serve *server)
{
    return server->port;
}

void eo_serve_get_status(struct eo_serve *server, struct eo_serve_status *out)
{
    pthread_mutex_lock(&server->lock);
    if (!server->stopping)
        follow_links(server, eo_net_now()); /* as of now, not as of the watcher's last tick */
    *out = server->status;
    pthread_mutex_unlock(&server->lock);
}

bool eo_serve_wait_change(struct eo_serve *server, uint64_t seen_generation, unsigned timeout_ms,
                          struct eo_serve_status *out)
{
    struct timespec deadline = deadline_after(timeout_ms);
    pthread_mutex_lock(&server->lock);
    int rc = 0;
    while (server->status.generation == seen_generation && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&server->changed, &server->lock, &deadline);
    bool changed = server->status.generation != seen_generation;
    *out = server->status;
    pthread_mutex_unlock(&server->lock);
    return changed;
}

bool eo_serve_wait_complete(struct eo_serve *server, unsigned timeout_ms,
                            struct eo_serve_status *out)
{
    struct timespec deadline = deadline_after(timeout_ms);
    pthread_mutex_lock(&server->lock);
    int rc = 0;
    while (!eo_serve_delivered(&server->status) && rc != ETIMEDOUT) {
        if (timeout_ms == 0)
            pthread_cond_wait(&server->changed, &server->lock);
        else
            rc = pthread_cond_timedwait(&server->changed, &server->lock, &deadline);
    }
    *out = server->status;
    pthread_mutex_unlock(&server->lock);
    return out->complete;
}

/* Resets every transfer the client has not acknowledged in full: stopping must not look like
 * the end of the image to a device that reads until the server closes. */
static void reset_unfinished(struct eo_serve *server)
{
    pthread_mutex_lock(&server->lock); /* libmicrohttpd still runs */
    for (struct link *link = server->links; link; link = link->next) {
        struct eo_tcp_sample sample;
        if (!link->image || link->end != EO_SERVE_END_NONE)
            continue;
        eo_tcp_sample(link->fd, &sample);
        if (!link->all_written || !sample.valid || unacked_bytes(link, &sample) > 0)
            reset_connection(link->fd);
    }
    pthread_mutex_unlock(&server->lock);
}

void eo_serve_stop(struct eo_serve *server)
{
    if (!server)
        return;
    pthread_mutex_lock(&server->lock);
    server->stopping = true;
    pthread_cond_broadcast(&server->wake);
    pthread_mutex_unlock(&server->lock);
    if (server->watcher_running)
        pthread_join(server->watcher, NULL);
    reset_unfinished(server);
    if (server->daemon)
        MHD_stop_daemon(server->daemon);
    if (server->listen_fd >= 0)
        close(server->listen_fd);
    while (server->links) {
        struct link *link = server->links;
        server->links = link->next;
        free_link(link);
    }
    pthread_cond_destroy(&server->wake);
    pthread_cond_destroy(&server->changed);
    pthread_mutex_destroy(&server->lock);
    free(server);
}
