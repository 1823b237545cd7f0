/* serve.c — the one-shot image server: a libmicrohttpd daemon on our own listening socket that
 * hands one image to one client under a random one-time path and records how much of it each
 * request received, so the terminal method can tell "never fetched" from "stopped at N%" from
 * "delivered". */
#include "espurna-ota/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#define SEND_BUFFER_BYTES (32 * 1024) /* small, so "bytes handed out" stays close to "received" */
#define READER_BLOCK_BYTES (16 * 1024)
#define CONNECTION_LIMIT 8u
#define DEFAULT_IDLE_TIMEOUT_S 30u

struct eo_serve {
    struct MHD_Daemon *daemon;
    int listen_fd;
    const uint8_t *data;
    size_t size;
    char token[EO_SERVE_TOKEN_LEN + 1];
    bool allow_any;
    char allow[INET6_ADDRSTRLEN];
    uint16_t port;
    char url[160];
    char base_url[120];
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct eo_serve_status status;
};

/* One GET of the image. */
struct transfer {
    struct eo_serve *server;
    uint64_t handed; /* bytes given to libmicrohttpd for this request */
};

static const char body_forbidden[] = "forbidden\n";
static const char body_not_found[] = "not found\n";
static const char body_bad_method[] = "method not allowed\n";
static const char body_gone[] = "already delivered\n";

bool eo_serve_path_matches(const char *url_path, const char *token)
{
    if (!url_path || url_path[0] != '/' || strlen(url_path + 1) != EO_SERVE_TOKEN_LEN ||
        strlen(token) != EO_SERVE_TOKEN_LEN)
        return false;
    return CRYPTO_memcmp(url_path + 1, token, EO_SERVE_TOKEN_LEN) == 0;
}

unsigned eo_serve_percent(const struct eo_serve_status *status)
{
    if (status->size == 0)
        return status->complete ? 100u : 0u;
    return (unsigned)(status->best_bytes * 100u / status->size);
}

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

/* Numeric text of a socket address (IPv4-mapped IPv6 shown as IPv4). */
static void address_text(const struct sockaddr *sa, char *out, size_t cap)
{
    out[0] = '\0';
    if (!sa)
        return;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6))
            inet_ntop(AF_INET, &a6->s6_addr[12], out, (socklen_t)cap);
        else
            inet_ntop(AF_INET6, a6, out, (socklen_t)cap);
    }
}

/* Canonical numeric form of an address given by the user; false when it is not numeric. */
static bool canonical_address(const char *text, char *out, size_t cap)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, text, &a4) == 1)
        return inet_ntop(AF_INET, &a4, out, (socklen_t)cap) != NULL;
    if (inet_pton(AF_INET6, text, &a6) == 1)
        return inet_ntop(AF_INET6, &a6, out, (socklen_t)cap) != NULL;
    return false;
}

static enum MHD_Result queue_text(struct MHD_Connection *connection, unsigned code,
                                  const char *body)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    enum MHD_Result result = MHD_queue_response(connection, code, response);
    MHD_destroy_response(response);
    return result;
}

static ssize_t read_image(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct transfer *transfer = cls;
    struct eo_serve *server = transfer->server;
    if (pos >= server->size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = server->size - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, server->data + pos, n);
    pthread_mutex_lock(&server->lock);
    transfer->handed = pos + n;
    if (transfer->handed > server->status.best_bytes)
        server->status.best_bytes = transfer->handed;
    note_change(server);
    pthread_mutex_unlock(&server->lock);
    return (ssize_t)n;
}

/* Decides the answer for a request that is not a GET of the image; 0 when it is one. */
static unsigned refusal_code(struct eo_serve *server, struct MHD_Connection *connection,
                             const char *url, const char *method, char *client, size_t cap)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    address_text(info ? info->client_addr : NULL, client, cap);
    if (!server->allow_any && strcmp(client, server->allow) != 0)
        return MHD_HTTP_FORBIDDEN;
    if (!eo_serve_path_matches(url, server->token))
        return MHD_HTTP_NOT_FOUND;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return MHD_HTTP_METHOD_NOT_ALLOWED;
    if (server->status.complete)
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
    const char *body = code == MHD_HTTP_FORBIDDEN   ? body_forbidden
                       : code == MHD_HTTP_NOT_FOUND ? body_not_found
                       : code == MHD_HTTP_GONE      ? body_gone
                                                    : body_bad_method;
    return queue_text(connection, code, body);
}

static enum MHD_Result answer_image(struct eo_serve *server, struct MHD_Connection *connection,
                                    const char *method, const char *client, void **req_cls)
{
    struct transfer *transfer = calloc(1, sizeof *transfer);
    if (!transfer)
        return MHD_NO;
    transfer->server = server;
    struct MHD_Response *response = MHD_create_response_from_callback(
        server->size, READER_BLOCK_BYTES, read_image, transfer, NULL);
    if (!response) {
        free(transfer);
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    if (strcmp(method, MHD_HTTP_METHOD_GET) == 0) {
        *req_cls = transfer; /* counted and freed when the request completes */
        pthread_mutex_lock(&server->lock);
        server->status.requests++;
        server->status.active++;
        snprintf(server->status.client, sizeof server->status.client, "%s", client);
        note_change(server);
        pthread_mutex_unlock(&server->lock);
    }
    enum MHD_Result result = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    if (!*req_cls)
        free(transfer); /* HEAD: the reader is never called */
    return result;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *connection,
                                      const char *url, const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **req_cls)
{
    struct eo_serve *server = cls;
    (void)version;
    (void)upload_data;
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* ignore any body; we answer once it has been read */
        return MHD_YES;
    }
    char client[INET6_ADDRSTRLEN];
    pthread_mutex_lock(&server->lock);
    unsigned code = refusal_code(server, connection, url, method, client, sizeof client);
    pthread_mutex_unlock(&server->lock);
    if (code != 0)
        return answer_refusal(server, connection, code);
    return answer_image(server, connection, method, client, req_cls);
}

static void request_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                              enum MHD_RequestTerminationCode how)
{
    struct eo_serve *server = cls;
    struct transfer *transfer = *req_cls;
    (void)connection;
    if (!transfer)
        return;
    *req_cls = NULL;
    pthread_mutex_lock(&server->lock);
    server->status.active--;
    if (how == MHD_REQUEST_TERMINATED_COMPLETED_OK && transfer->handed == server->size)
        server->status.complete = true;
    note_change(server);
    pthread_mutex_unlock(&server->lock);
    free(transfer);
}

/* Opens, binds and listens; fills *fd. */
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
        return eo_error_set(err, EO_ERR_UNREACHABLE, "cannot serve on %s port %u: %s%s", address,
                            (unsigned)port, strerror(saved),
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
    snprintf(server->base_url, sizeof server->base_url, "http://%s%s%s:%u/", v6 ? "[" : "",
             address, v6 ? "]" : "", (unsigned)server->port);
    snprintf(server->url, sizeof server->url, "%s%s", server->base_url, server->token);
}

static enum eo_status check_options(const struct eo_serve_options *options, struct eo_serve *server,
                                    char *bind_text, size_t cap, struct eo_error *err)
{
    if (!options->bind_address || !canonical_address(options->bind_address, bind_text, cap))
        return eo_error_set(err, EO_ERR_USAGE,
                            "cannot serve on '%s': not a numeric IPv4 or IPv6 address",
                            options->bind_address ? options->bind_address : "");
    server->allow_any = options->allow_address == NULL;
    if (!server->allow_any &&
        !canonical_address(options->allow_address, server->allow, sizeof server->allow))
        return eo_error_set(err, EO_ERR_USAGE,
                            "cannot allow '%s': not a numeric IPv4 or IPv6 address",
                            options->allow_address);
    if (!make_token(server->token))
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot draw a random path: OpenSSL RAND_bytes failed");
    return EO_OK;
}

static enum eo_status start_daemon(struct eo_serve *server, unsigned idle_timeout_s,
                                   struct eo_error *err)
{
    server->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, handle_request, server,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)server->listen_fd, MHD_OPTION_NOTIFY_COMPLETED,
        request_completed, server, MHD_OPTION_CONNECTION_TIMEOUT,
        idle_timeout_s ? idle_timeout_s : DEFAULT_IDLE_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
        CONNECTION_LIMIT, MHD_OPTION_END);
    if (!server->daemon)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot start the image server (libmicrohttpd)");
    server->listen_fd = -1; /* the daemon owns and closes it now */
    return EO_OK;
}

enum eo_status eo_serve_start(const struct eo_serve_options *options, const uint8_t *data,
                              size_t size, struct eo_serve **out, struct eo_error *err)
{
    char bind_text[INET6_ADDRSTRLEN];
    *out = NULL;
    struct eo_serve *server = calloc(1, sizeof *server);
    if (!server)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    server->listen_fd = -1;
    server->data = data;
    server->size = size;
    server->status.size = size;
    pthread_mutex_init(&server->lock, NULL);
    pthread_cond_init(&server->changed, NULL);
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
    *out = server->status;
    pthread_mutex_unlock(&server->lock);
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
    while (!server->status.complete && rc != ETIMEDOUT) {
        if (timeout_ms == 0)
            pthread_cond_wait(&server->changed, &server->lock);
        else
            rc = pthread_cond_timedwait(&server->changed, &server->lock, &deadline);
    }
    *out = server->status;
    pthread_mutex_unlock(&server->lock);
    return out->complete;
}

void eo_serve_stop(struct eo_serve *server)
{
    if (!server)
        return;
    if (server->daemon)
        MHD_stop_daemon(server->daemon);
    if (server->listen_fd >= 0)
        close(server->listen_fd);
    pthread_cond_destroy(&server->changed);
    pthread_mutex_destroy(&server->lock);
    free(server);
}
