/* web_http.c — the web method's libcurl side: GET /discover, GET / to learn which auth the device
 * wants, and POST /upgrade watched through its connection's TCP state (tcp_watch.h): progress
 * is what the device's TCP acknowledged, a stall is silence beyond the stall rule, the answer
 * after the whole body has a bound of its own, and a cancellation ends the transfer saying
 * where the device stands. */
#include "espurna-ota/web.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "espurna-ota/net.h"
#include "espurna-ota/tcp_watch.h"
#include "espurna-ota/terminal.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_STALL_TIMEOUT_MS 30000u
#define DEFAULT_RESULT_TIMEOUT_MS 60000u
#define TERMINAL_CHECK_TIMEOUT_MS 2000u
#define BODY_MAX 2048u

struct body {
    char text[BODY_MAX + 1];
    size_t len;
};

struct upload;

/* One libcurl request and the connection it runs on. */
struct request {
    CURL *curl;
    const struct eo_target *target;
    const struct eo_web_options *options;
    char url[256];
    char errbuf[CURL_ERROR_SIZE];
    struct body body;
    int fd;           /* the connection's socket while libcurl has it open, else -1 */
    unsigned sockets; /* sockets opened so far */
    bool cancelled;
    CURLcode code;
    long http_status;
    long os_errno;         /* errno of the last failed connect */
    struct upload *upload; /* POST /upgrade only */
};

enum stop_reason { GOING = 0, STOP_CANCELLED, STOP_STALLED, STOP_NO_ANSWER };

/* The image as the form's file part, read in place (libcurl would otherwise copy it). */
struct image_reader {
    const struct eo_image *image;
    size_t offset;
};

/* POST /upgrade: what the device's TCP took and when. */
struct upload {
    struct request req;
    struct image_reader reader;
    uint64_t image_size;
    uint64_t taken;                                 /* image bytes the device's TCP acknowledged */
    curl_off_t form_sent, form_total, answer_bytes; /* as libcurl last reported them */
    unsigned watched;                               /* the socket (req.sockets) the watch follows */
    struct eo_tcp_watch watch;
    double start, all_taken_at, silence_s;
    enum stop_reason stop;
};

static unsigned or_default(unsigned value, unsigned fallback)
{
    return value ? value : fallback;
}

/* ---- requests ------------------------------------------------------------------------ */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void init_curl(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t collect_body(char *data, size_t size, size_t count, void *ctx)
{
    struct body *body = ctx;
    size_t n = size * count;
    size_t room = BODY_MAX - body->len;
    size_t take = n < room ? n : room; /* the rest is ignored: replies are short */
    memcpy(body->text + body->len, data, take);
    body->len += take;
    body->text[body->len] = '\0';
    return n;
}

/* GET /: the status line and headers tell what we need; its body (a web UI) is not read. */
static size_t stop_at_body(char *data, size_t size, size_t count, void *ctx)
{
    (void)data, (void)size, (void)count, (void)ctx;
    return 0;
}

static int note_socket(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
    struct request *req = ctx;
    if (purpose == CURLSOCKTYPE_IPCXN) {
        req->fd = fd;
        req->sockets++;
    }
    return CURL_SOCKOPT_OK;
}

static void last_look(struct upload *up, int fd);

static int close_socket(void *ctx, curl_socket_t fd)
{
    struct request *req = ctx;
    if (fd == req->fd) {
        if (req->upload)
            last_look(req->upload, fd);
        req->fd = -1;
    }
    return close(fd);
}

static int check_cancel(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                        curl_off_t ulnow)
{
    struct request *req = ctx;
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    req->cancelled = eo_cancelled(req->options->cancel);
    return req->cancelled;
}

static bool use_https(const struct eo_web_options *options)
{
    return options->https || options->ca_file || options->pinned_key;
}

static void build_url(struct request *req, const char *path)
{
    const char *address = req->target->address;
    bool v6 = strchr(address, ':') != NULL;
    snprintf(req->url, sizeof req->url, "%s://%s%s%s:%u%s",
             use_https(req->options) ? "https" : "http", v6 ? "[" : "", address, v6 ? "]" : "",
             (unsigned)req->target->web_port, path);
}

static void setup_tls(CURL *curl, const struct eo_web_options *options)
{
    if (options->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, options->ca_file);
    if (options->pinned_key) {
        curl_easy_setopt(curl, CURLOPT_PINNEDPUBLICKEY, options->pinned_key);
        if (!options->ca_file) { /* self-signed device certificate: the pin is the check */
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
    }
}

/* Options every request shares: no signals, the body collector, the socket callbacks, the
 * cancellation check, TLS. GET requests are bounded in all by connect + stall time. */
static void setup_common(struct request *req)
{
    CURL *curl = req->curl;
    const struct eo_web_options *options = req->options;
    unsigned connect_ms = or_default(options->connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS);
    unsigned stall_ms = or_default(options->stall_timeout_ms, DEFAULT_STALL_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, req->errbuf);
    curl_easy_setopt(curl, CURLOPT_URL, req->url);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)connect_ms + (long)stall_ms);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &req->body);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, note_socket);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTDATA, req);
    curl_easy_setopt(curl, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(curl, CURLOPT_CLOSESOCKETDATA, req);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_cancel);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, req);
    setup_tls(curl, options);
}

static enum eo_status request_open(struct request *req, const struct eo_target *target,
                                   const struct eo_web_options *options, const char *path,
                                   struct eo_error *err)
{
    memset(req, 0, sizeof *req);
    req->target = target;
    req->options = options;
    req->fd = -1;
    build_url(req, path);
    pthread_once(&curl_once, init_curl);
    req->curl = curl_easy_init();
    if (!req->curl)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot start libcurl");
    setup_common(req);
    return EO_OK;
}

static void request_perform(struct request *req)
{
    req->code = curl_easy_perform(req->curl);
    curl_easy_getinfo(req->curl, CURLINFO_RESPONSE_CODE, &req->http_status);
    curl_easy_getinfo(req->curl, CURLINFO_OS_ERRNO, &req->os_errno);
}

/* Closes the handle and every connection it kept (their sockets go through close_socket). */
static void request_close(struct request *req)
{
    curl_easy_cleanup(req->curl);
    req->curl = NULL;
}

/* ---- failures before an answer ------------------------------------------------------- */

/* Whether the device's terminal port takes a TCP connection (a core build has one). */
static bool terminal_answers(const struct request *req)
{
    struct eo_telnet session;
    unsigned connect_ms = or_default(req->options->connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS);
    unsigned timeout_ms =
        connect_ms < TERMINAL_CHECK_TIMEOUT_MS ? connect_ms : TERMINAL_CHECK_TIMEOUT_MS;
    bool answers = eo_telnet_connect(&session, req->target->name, req->target->address,
                                     req->target->telnet_port, timeout_ms, req->options->cancel,
                                     NULL) == EO_OK;
    eo_telnet_close(&session);
    return answers;
}

/* The connection was not made. Only a device that refused port 80 while another of its ports
 * answers is known to have no web server. */
static enum eo_status connect_failure(const struct request *req, const char *why,
                                      struct eo_error *err)
{
    const char *name = req->target->name;
    if (req->os_errno == ECONNREFUSED && terminal_answers(req))
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_NO_WEB,
                               "%s refused a connection to its web server at %s while its "
                               "terminal port %u answers: it runs no web server (a core build)",
                               name, req->url, (unsigned)req->target->telnet_port);
    if (req->os_errno == ECONNREFUSED)
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_RETRY,
                               "%s refused the connection to %s, and to its terminal port too: "
                               "it may be rebooting, or it is not an ESPurna device",
                               name, req->url);
    enum eo_hint hint = req->os_errno == ENETUNREACH ? EO_HINT_NONE : EO_HINT_RETRY;
    return eo_error_hinted(err, EO_ERR_UNREACHABLE, hint, "cannot reach %s at %s: %s", name,
                           req->url, req->os_errno ? strerror((int)req->os_errno) : why);
}

static bool is_tls_failure(CURLcode code)
{
    return code == CURLE_SSL_PINNEDPUBKEYNOTMATCH || code == CURLE_PEER_FAILED_VERIFICATION ||
           code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CONNECT_ERROR;
}

/* Whether a failed request never got to send anything. */
static bool failed_to_connect(CURLcode code)
{
    return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
           code == CURLE_OPERATION_TIMEDOUT || is_tls_failure(code);
}

/* A request that got no answer. */
static enum eo_status request_failure(const struct request *req, struct eo_error *err)
{
    const char *why = req->errbuf[0] ? req->errbuf : curl_easy_strerror(req->code);
    const char *name = req->target->name;
    if (req->cancelled)
        return eo_push_interrupted(req->options->cancel, name, 0, 0, false, err);
    if (req->code == CURLE_COULDNT_CONNECT)
        return connect_failure(req, why, err);
    if (is_tls_failure(req->code))
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_TLS, "tls with %s failed: %s", name,
                               why);
    if (req->code == CURLE_OPERATION_TIMEDOUT)
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_RETRY,
                               "%s did not answer at %s: %s", name, req->url, why);
    return eo_error_set(err, EO_ERR_UNREACHABLE, "cannot reach %s at %s: %s", name, req->url, why);
}

/* ---- GET /discover and GET / ----------------------------------------------------------- */

enum eo_status eo_web_discover(const struct eo_target *target, const struct eo_web_options *options,
                               struct eo_web_identity *identity, struct eo_error *err)
{
    struct request req;
    memset(identity, 0, sizeof *identity);
    enum eo_status status = request_open(&req, target, options, "/discover", err);
    if (status == EO_OK) {
        request_perform(&req);
        if (req.code != CURLE_OK)
            status = request_failure(&req, err);
        else if (req.http_status == 200)
            eo_web_parse_discover(req.body.text, identity);
    }
    request_close(&req);
    return status;
}

enum eo_status eo_web_confirm(const struct eo_target *target, const struct eo_web_options *options,
                              struct eo_web_identity *identity, struct eo_error *err)
{
    enum eo_status status = eo_web_discover(target, options, identity, err);
    if (status != EO_OK)
        return status;
    if (options->expect_hostname && identity->known && identity->hostname[0] &&
        !eo_web_hostname_matches(options->expect_hostname, identity->hostname))
        return eo_error_hinted(err, EO_ERR_UNREACHABLE, EO_HINT_WRONG_DEVICE,
                               "%s answers as %s, not %s: refusing to upload", target->address,
                               identity->hostname, options->expect_hostname);
    return EO_OK;
}

/* GET / without credentials: 401 and the methods of its challenge (*offered), or no auth. */
static enum eo_status probe_auth(const struct eo_target *target,
                                 const struct eo_web_options *options, bool *wants_auth,
                                 long *offered, struct eo_error *err)
{
    struct request req;
    enum eo_status status = request_open(&req, target, options, "/", err);
    *wants_auth = false;
    *offered = CURLAUTH_NONE;
    if (status == EO_OK) {
        curl_easy_setopt(req.curl, CURLOPT_WRITEFUNCTION, stop_at_body);
        request_perform(&req);
        bool answered = req.http_status != 0 && !req.cancelled &&
                        (req.code == CURLE_OK || req.code == CURLE_WRITE_ERROR);
        if (!answered)
            status = request_failure(&req, err);
        *wants_auth = answered && req.http_status == 401;
        if (*wants_auth)
            curl_easy_getinfo(req.curl, CURLINFO_HTTPAUTH_AVAIL, offered);
    }
    request_close(&req);
    return status;
}

/* The one auth method to POST with: Digest when offered (the password never crosses the wire),
 * else Basic, else none when GET / did not ask. Without a password nothing is sent. */
static enum eo_status choose_auth(const struct eo_target *target,
                                  const struct eo_web_options *options, long *auth,
                                  struct eo_error *err)
{
    bool wants_auth;
    long offered;
    *auth = CURLAUTH_NONE;
    enum eo_status status = probe_auth(target, options, &wants_auth, &offered, err);
    if (status != EO_OK || !wants_auth)
        return status;
    if (!options->password || !options->password[0])
        return eo_error_hinted(err, EO_ERR_AUTH, EO_HINT_PASSWORD_MISSING,
                               "%s asks for the admin password and none was given; nothing "
                               "was sent",
                               target->name);
    if (offered & CURLAUTH_DIGEST)
        *auth = CURLAUTH_DIGEST;
    else if (offered & CURLAUTH_BASIC)
        *auth = CURLAUTH_BASIC;
    else
        return eo_error_set(err, EO_ERR_AUTH,
                            "%s asks for a password by an auth method other "
                            "than Digest or Basic; nothing was sent",
                            target->name);
    return EO_OK;
}

/* ---- POST /upgrade --------------------------------------------------------------------- */

static void report_progress(const struct upload *up, double now)
{
    const struct eo_web_options *options = up->req.options;
    if (!options->progress)
        return;
    struct eo_progress progress = {
        .done = up->taken, .total = up->image_size, .elapsed_s = now - up->start};
    options->progress(options->progress_ctx, &progress);
}

static void note_taken(struct upload *up, uint64_t taken, double now)
{
    if (taken <= up->taken)
        return;
    up->taken = taken;
    if (taken == up->image_size)
        up->all_taken_at = now;
    report_progress(up, now);
}

/* Samples the connection: life for the stall rule, and what the device's TCP took. A new
 * connection (libcurl's Digest round, a reconnect) starts a new watch. */
static void look_at_connection(struct upload *up, double now)
{
    struct eo_tcp_sample sample;
    if (up->req.fd < 0)
        return;
    if (up->watched != up->req.sockets) {
        eo_tcp_watch_start(&up->watch, now);
        up->watched = up->req.sockets;
    }
    eo_tcp_sample(up->req.fd, &sample);
    eo_tcp_watch_feed(&up->watch, &sample, now);
    if (sample.valid && !sample.closed) /* a reset empties the queue: it says nothing then */
        note_taken(up,
                   eo_web_body_taken((uint64_t)up->form_sent, (uint64_t)up->form_total,
                                     sample.queued, up->image_size),
                   now);
}

static enum stop_reason stop_reason(struct upload *up, double now)
{
    const struct eo_web_options *options = up->req.options;
    unsigned stall_ms = or_default(options->stall_timeout_ms, DEFAULT_STALL_TIMEOUT_MS);
    unsigned result_ms = or_default(options->result_timeout_ms, DEFAULT_RESULT_TIMEOUT_MS);
    if (eo_cancelled(options->cancel))
        return STOP_CANCELLED;
    if (up->all_taken_at > 0)
        return now - up->all_taken_at > result_ms / 1000.0 ? STOP_NO_ANSWER : GOING;
    up->silence_s = now - up->watch.last_life;
    return eo_tcp_watch_stalled(&up->watch, now, stall_ms) ? STOP_STALLED : GOING;
}

/* libcurl's progress callback, at least once a second: replaces its byte-rate rule. */
static int watch_upload(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                        curl_off_t ulnow)
{
    struct upload *up = ctx;
    double now = eo_net_now();
    (void)dltotal;
    up->form_sent = ulnow;
    up->form_total = ultotal;
    if (dlnow > up->answer_bytes) { /* the device is answering */
        up->answer_bytes = dlnow;
        up->watch.last_life = now;
    }
    look_at_connection(up, now);
    up->stop = stop_reason(up, now);
    up->req.cancelled = up->stop == STOP_CANCELLED;
    return up->stop != GOING;
}

/* The connection is closing: one last sample; a transfer we stop before the device took the
 * whole body is reset, so that no byte still queued here reaches it afterwards. */
static void last_look(struct upload *up, int fd)
{
    look_at_connection(up, eo_net_now());
    if (up->stop != GOING && up->taken < up->image_size) {
        struct linger reset = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    }
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : (path ? path : "firmware.bin");
}

static size_t read_image(char *buffer, size_t size, size_t count, void *ctx)
{
    struct image_reader *reader = ctx;
    size_t left = reader->image->size - reader->offset;
    size_t n = size * count < left ? size * count : left;
    memcpy(buffer, reader->image->data + reader->offset, n);
    reader->offset += n;
    return n;
}

/* libcurl rewinds the part when it sends the body again (an auth round). */
static int seek_image(void *ctx, curl_off_t offset, int origin)
{
    struct image_reader *reader = ctx;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > reader->image->size)
        return CURL_SEEKFUNC_CANTSEEK;
    reader->offset = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

/* The form: one file part read from the image in place, so that N uploads at once do not
 * hold N copies of it. */
static curl_mime *build_form(CURL *curl, struct image_reader *reader)
{
    const struct eo_image *image = reader->image;
    curl_mime *mime = curl_mime_init(curl);
    curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
    reader->offset = 0;
    if (!part || curl_mime_name(part, "upgrade") != CURLE_OK ||
        curl_mime_filename(part, base_name(image->path)) != CURLE_OK ||
        curl_mime_type(part, "application/octet-stream") != CURLE_OK ||
        curl_mime_data_cb(part, (curl_off_t)image->size, read_image, seek_image, NULL, reader) !=
            CURLE_OK) {
        curl_mime_free(mime);
        return NULL;
    }
    return mime;
}

static void setup_auth(CURL *curl, const struct eo_web_options *options, long auth)
{
    if (auth == CURLAUTH_NONE)
        return;
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, auth);
    curl_easy_setopt(curl, CURLOPT_USERNAME, EO_WEB_USER);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options->password);
}

/* Runs the POST: no overall timeout, the watch decides (watch_upload). */
static enum eo_status post_image(struct upload *up, const struct eo_image *image, long auth,
                                 struct eo_error *err)
{
    CURL *curl = up->req.curl;
    up->reader.image = image;
    curl_mime *mime = build_form(curl, &up->reader);
    if (!mime)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot build the upload form (out of memory)");
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, watch_upload);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, up);
    setup_auth(curl, up->req.options, auth);
    up->req.upload = up;
    up->start = eo_net_now();
    eo_tcp_watch_start(&up->watch, up->start);
    request_perform(&up->req);
    request_close(&up->req); /* the last look at the connection happens here */
    curl_mime_free(mime);
    return EO_OK;
}

/* libcurl failed and the device gave no answer: what it took tells what it does. */
static enum eo_status broken_off(const struct upload *up, struct eo_error *err)
{
    const struct request *req = &up->req;
    const char *why = req->errbuf[0] ? req->errbuf : curl_easy_strerror(req->code);
    if (up->taken == 0 && failed_to_connect(req->code))
        return request_failure(req, err);
    if (up->taken >= up->image_size)
        return eo_error_hinted(err, EO_ERR_UNKNOWN, EO_HINT_CHECK_VERSION,
                               "%s took all %llu bytes, then the connection ended without an "
                               "answer (%s); it may install the image and reboot",
                               req->target->name, (unsigned long long)up->image_size, why);
    return eo_error_hinted(err, EO_ERR_TRANSFER, EO_HINT_RETRY,
                           "the upload to %s broke off after the device took %llu of %llu bytes "
                           "(%s); it drops the update",
                           req->target->name, (unsigned long long)up->taken,
                           (unsigned long long)up->image_size, why);
}

static enum eo_status judge_stop(const struct upload *up, struct eo_error *err)
{
    const struct eo_web_options *options = up->req.options;
    const char *name = up->req.target->name;
    unsigned result_ms = or_default(options->result_timeout_ms, DEFAULT_RESULT_TIMEOUT_MS);
    if (up->stop == STOP_CANCELLED)
        return eo_push_interrupted(options->cancel, name, up->taken, up->image_size, up->taken > 0,
                                   err);
    if (up->stop == STOP_NO_ANSWER)
        return eo_error_hinted(err, EO_ERR_UNKNOWN, EO_HINT_CHECK_VERSION,
                               "%s took all %llu bytes but gave no answer within %g s; it may "
                               "install the image and reboot",
                               name, (unsigned long long)up->image_size, result_ms / 1000.0);
    return eo_error_hinted(err, EO_ERR_TRANSFER, EO_HINT_RETRY,
                           "the upload to %s stalled: the device took %llu of %llu bytes, then "
                           "its TCP showed no sign of life for %.0f s; it drops the update",
                           name, (unsigned long long)up->taken, (unsigned long long)up->image_size,
                           up->silence_s);
}

static enum eo_status judge_upload(const struct upload *up, const struct eo_image *image,
                                   struct eo_error *err)
{
    const struct request *req = &up->req;
    bool said_ok = req->http_status != 0 && strcmp(req->body.text, "OK") == 0;
    if (up->stop != GOING && !said_ok) /* an answer that came as we stopped still counts */
        return judge_stop(up, err);
    if (req->code != CURLE_OK && req->body.len == 0)
        return broken_off(up, err);
    const struct eo_image_header *header = eo_image_flash_header(image);
    struct eo_web_reply_context ctx = {
        .device = req->target->name,
        .image_size = up->image_size,
        .password_given = req->options->password && req->options->password[0],
        .image_flash_size = eo_flash_size_bytes(header->flash_size_code),
        .device_flash_size = req->options->device_flash_size};
    return eo_web_classify(req->http_status, req->body.text, &ctx, err);
}

static enum eo_status upload(const struct eo_target *target, const struct eo_image *image,
                             const struct eo_web_options *options, long auth,
                             struct eo_push_result *result, struct eo_error *err)
{
    struct upload up;
    memset(&up, 0, sizeof up);
    enum eo_status status = request_open(&up.req, target, options, "/upgrade", err);
    up.image_size = image->size;
    if (status == EO_OK)
        status = post_image(&up, image, auth, err);
    else
        request_close(&up.req);
    if (status == EO_OK)
        status = judge_upload(&up, image, err);
    eo_web_quote(up.req.body.text, result->device_reply, sizeof result->device_reply);
    result->bytes_confirmed = status == EO_OK ? image->size : up.taken;
    result->seconds = up.start > 0 ? eo_net_now() - up.start : 0.0;
    return status;
}

enum eo_status eo_web_push(const struct eo_target *target, const struct eo_image *image,
                           const struct eo_web_options *options, struct eo_push_result *result,
                           struct eo_web_identity *identity, struct eo_error *err)
{
    struct eo_web_identity seen;
    const struct eo_image_header *header = eo_image_flash_header(image);
    struct eo_web_reply_context ctx = {.device = target->name,
                                       .image_size = image->size,
                                       .image_flash_size =
                                           eo_flash_size_bytes(header->flash_size_code),
                                       .device_flash_size = options->device_flash_size};
    long auth = CURLAUTH_NONE;
    memset(result, 0, sizeof *result);
    memset(&seen, 0, sizeof seen);
    enum eo_status status = eo_web_check_fit(&ctx, options->free_space, err);
    if (status == EO_OK && !options->skip_discover)
        status = eo_web_confirm(target, options, &seen, err);
    if (identity)
        *identity = seen;
    if (status == EO_OK)
        status = choose_auth(target, options, &auth, err);
    if (status == EO_OK)
        status = upload(target, image, options, auth, result, err);
    result->status = status;
    return status;
}
