/* web.c — the web server (libmicrohttpd, its sockets in the device's poll loop): POST
 * /upgrade with Digest or Basic auth as `admin` (the async web server's Digest: realm =
 * hostname, qop="auth", fresh 32-hex nonce and opaque; none for webui builds), the multipart
 * file part into the core's web upgrade logic per era, and GET /discover. Every reply says
 * "Connection: close" (the async server closes after each), /upgrade replies carry ESPurna's
 * security headers. Every answer waits until the request body has been read (a refused body
 * is dropped), unless the client waits for "100 Continue". */
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vd_web.h"
#include "vd_web_auth.h"
#include "vdh.h"

#define POST_BUFFER 16384
#define DROP_LIMIT ((uint64_t)EO_IMAGE_MAX_FILE_SIZE + 65536u) /* largest image + multipart */
#define SILENT_MAX 16u /* lie web-silent: connections kept unanswered */

struct vdh_web {
    struct MHD_Daemon *daemon;
    struct MHD_Connection *silent[SILENT_MAX]; /* lie web-silent: suspended, never answered */
    unsigned silent_count;
};

enum route { ROUTE_UPGRADE, ROUTE_DISCOVER, ROUTE_FORM, ROUTE_NOT_FOUND };

struct request {
    struct vdh_device *dev;
    enum route route;
    bool allowed; /* credentials good, or none needed */
    bool auth_header;
    struct MHD_PostProcessor *post; /* an allowed POST /upgrade */
    struct vd_web_upload upload;
    bool started;        /* a file part arrived */
    bool fault_armed;    /* corrupt-sector armed for this upload's update */
    uint64_t dropped;    /* body bytes read and dropped (nobody takes them) */
    uint64_t body_bytes; /* request body bytes read, whatever became of them */
    uint64_t drop_after; /* fault web-drop-at: close once this much body arrived, or
                          * UINT64_MAX */
    char line[48];       /* "METHOD /path" for the log */
};

static struct MHD_Response *new_response(const char *type, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    return r;
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *body)
{
    return queue(c, status, new_response(type, body));
}

/* An /upgrade answer: ESPurna adds these headers to every one of them. */
static enum MHD_Result reply_upgrade(struct MHD_Connection *c, unsigned status, const char *body)
{
    struct MHD_Response *r = new_response("text/plain", body);
    MHD_add_response_header(r, "X-XSS-Protection", "1; mode=block");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "deny");
    return queue(c, status, r);
}

static enum MHD_Result reply_discover(struct vdh_device *dev, struct MHD_Connection *c)
{
    const struct vdh_lies *lies = &dev->opts.lies;
    json_t *obj =
        json_pack("{s:s, s:s, s:s, s:s}", "app", dev->identity.desc.app, "version",
                  vdh_lies_version(lies, dev->identity.desc.version), "hostname",
                  vdh_lies_hostname(lies, dev->hostname), "device", dev->identity.desc.board);
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!text)
        return MHD_NO;
    vdh_log("web: GET /discover");
    enum MHD_Result ret = reply(c, 200, "application/json", text);
    free(text);
    return ret;
}

static bool basic_ok(struct vdh_device *dev, struct MHD_Connection *c)
{
    char *password = NULL;
    char *user = MHD_basic_auth_get_username_password(c, &password);
    bool ok =
        user && password && strcmp(user, "admin") == 0 && strcmp(password, dev->opts.password) == 0;
    MHD_free(user);
    MHD_free(password);
    return ok;
}

/* Checks the credentials (Digest or Basic as admin); webui builds need none. */
static bool check_auth(struct vdh_device *dev, struct MHD_Connection *c, struct request *req,
                       const char *method)
{
    if (!(dev->identity.desc.features & EO_FEATURE_WEB_AUTH))
        return true;
    const char *header = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    req->auth_header = header != NULL;
    if (header && strncmp(header, "Basic ", 6) == 0)
        return basic_ok(dev, c);
    return header && vd_web_digest_check(&vdh_md5, header, method, "admin", dev->opts.password);
}

/* requestAuthentication(hostname): 401, an empty body and a fresh Digest challenge. */
static enum MHD_Result reply_unauthorized(struct vdh_device *dev, struct MHD_Connection *c,
                                          const struct request *req)
{
    vdh_log("web: %s: 401 unauthorized (%llu body bytes read and dropped)",
            req->auth_header ? "wrong credentials" : "no credentials",
            (unsigned long long)req->dropped);
    char challenge[256];
    vd_web_digest_challenge(&vdh_md5, vdh_random, dev->hostname, challenge, sizeof challenge);
    struct MHD_Response *r = new_response(NULL, "");
    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, challenge);
    return queue(c, 401, r);
}

static void start_upload(struct vdh_device *dev, struct request *req)
{
    vd_web_upload_start(&req->upload, &dev->updater, dev->era);
    vdh_log("web: POST /upgrade: the file part begins");
    req->started = true;
}

/* corrupt-sector: armed once this upload has begun the Updater (its first sector write
 * happens only after the first full sector). */
static void arm_fault(struct vdh_device *dev, struct request *req)
{
    if (req->fault_armed || !req->upload.owner)
        return;
    req->fault_armed = true;
    dev->flash.corrupt_next = dev->opts.faults.corrupt_sector;
}

/* Post processor callback: only file parts count (the field name is ignored). */
static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    struct request *req = cls;
    (void)kind, (void)key, (void)content_type, (void)transfer_encoding, (void)off;
    if (!filename)
        return MHD_YES;
    if (!req->started)
        start_upload(req->dev, req);
    vd_web_upload_data(&req->upload, (const uint8_t *)data, size);
    arm_fault(req->dev, req);
    return MHD_YES;
}

static enum MHD_Result finish_upload(struct vdh_device *dev, struct MHD_Connection *c,
                                     struct request *req)
{
    struct vd_web_result res;
    if (req->started)
        vd_web_upload_finish(&req->upload, &res);
    else
        vd_web_no_file(&dev->updater, dev->era, &res);
    dev->flash.corrupt_next = false;
    char shown[sizeof res.body];
    snprintf(shown, sizeof shown, "%s", res.body);
    shown[strcspn(shown, "\r\n")] = '\0';
    vdh_log("web: POST /upgrade (%u bytes) -> %u %s%s", (unsigned)req->upload.received, res.status,
            shown, req->started ? "" : " (no file part)");
    if (res.reboot)
        vdh_schedule_update_reboot(dev, vd_web_reboot_delay_ms(dev->era));
    return reply_upgrade(c, res.status, res.body);
}

static enum MHD_Result reply_form(struct MHD_Connection *c)
{
    return reply(c, 200, "text/html",
                 "<!DOCTYPE html><title>ESPurna</title><form method=post action=/upgrade "
                 "enctype=multipart/form-data><input type=file name=upgrade>"
                 "<input type=submit></form>\n");
}

/* Lie web-silent: the body has been read; the answer never comes and the connection stays
 * open (suspended until the device stops or reboots; the update stays unfinished). */
static enum MHD_Result keep_silent(struct vdh_device *dev, struct MHD_Connection *c,
                                   const struct request *req)
{
    struct vdh_web *web = dev->web;
    vdh_log("web: lie web-silent: POST /upgrade (%u bytes) read, no answer",
            (unsigned)req->upload.received);
    if (web->silent_count == SILENT_MAX)
        return MHD_NO; /* more than a test needs: this one is closed */
    web->silent[web->silent_count++] = c;
    MHD_suspend_connection(c);
    return MHD_YES;
}

/* The response, once the request body has been read (or when it will not be). */
static enum MHD_Result answer(struct vdh_device *dev, struct MHD_Connection *c, struct request *req,
                              const char *method, const char *url)
{
    if (!req->allowed)
        return reply_unauthorized(dev, c, req);
    switch (req->route) {
    case ROUTE_UPGRADE:
        if (dev->opts.lies.web_silent)
            return keep_silent(dev, c, req);
        return finish_upload(dev, c, req);
    case ROUTE_DISCOVER: return reply_discover(dev, c);
    case ROUTE_FORM: return reply_form(c);
    case ROUTE_NOT_FOUND: break;
    }
    vdh_log("web: %s %s -> 404", method, url);
    return reply(c, 404, "text/plain", "Not found");
}

static enum route route_of(const char *method, const char *url)
{
    bool get = strcmp(method, "GET") == 0;
    if (strcmp(method, "POST") == 0 && strcmp(url, "/upgrade") == 0)
        return ROUTE_UPGRADE;
    if (get && strcmp(url, "/discover") == 0)
        return ROUTE_DISCOVER;
    return get && strcmp(url, "/") == 0 ? ROUTE_FORM : ROUTE_NOT_FOUND;
}

/* The client waits for "100 Continue" before it sends the body. */
static bool expects_continue(struct MHD_Connection *c)
{
    const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
    return expect && strcasecmp(expect, "100-continue") == 0;
}

/* The fault web-drop-at: an allowed upload's connection closes once PERCENT of its body
 * (Content-Length) arrived. */
static uint64_t drop_point(struct vdh_device *dev, struct MHD_Connection *c,
                           const struct request *req)
{
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    int percent = dev->opts.faults.web_drop_at;
    if (percent < 0 || !req->post || !length)
        return UINT64_MAX;
    unsigned long long body = strtoull(length, NULL, 10);
    return body ? body * (unsigned)percent / 100u : UINT64_MAX;
}

/* First call (headers only): route, credentials, and whether the body is taken. */
static struct request *new_request(struct vdh_device *dev, struct MHD_Connection *c,
                                   const char *method, const char *url)
{
    struct request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->dev = dev;
    snprintf(req->line, sizeof req->line, "%.7s %.39s", method, url);
    req->route = route_of(method, url);
    req->allowed = req->route == ROUTE_DISCOVER || req->route == ROUTE_NOT_FOUND ||
                   check_auth(dev, c, req, method);
    if (req->route == ROUTE_UPGRADE && req->allowed)
        req->post = MHD_create_post_processor(c, POST_BUFFER, on_part, req);
    req->drop_after = drop_point(dev, c, req);
    return req;
}

/* A body nobody takes is read and dropped before the answer (as the async web server does):
 * answering first and closing with unread data makes the client's kernel reset the
 * connection, and a client still sending gets a broken pipe instead of the answer. A client
 * that waits for "100 Continue" gets the answer at once instead. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    struct vdh_device *dev = cls;
    struct request *req = *con_cls;
    (void)version;
    if (!req) {
        if (!(req = new_request(dev, c, method, url)))
            return MHD_NO;
        *con_cls = req;
        return req->post || !expects_continue(c) ? MHD_YES : answer(dev, c, req, method, url);
    }
    if (*size == 0)
        return answer(dev, c, req, method, url);
    if (req->body_bytes + *size > req->drop_after) {
        vdh_log("web: fault web-drop-at: closing the connection after %llu of the body's bytes",
                (unsigned long long)req->body_bytes);
        return MHD_NO;
    }
    req->body_bytes += *size;
    if (req->post)
        MHD_post_process(req->post, data, *size);
    else
        req->dropped += *size;
    *size = 0;
    return req->dropped > DROP_LIMIT ? answer(dev, c, req, method, url) : MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    struct vdh_device *dev = cls;
    struct request *req = *con_cls;
    (void)c;
    if (!req)
        return;
    vdh_log("web: %s: request ended, %llu body bytes read", req->line,
            (unsigned long long)req->body_bytes);
    if (req->post)
        MHD_destroy_post_processor(req->post);
    if (req->upload.owner && dev->updater.active) {
        vdh_log("web: upload ended early (code %d); update dropped", (int)code);
        vd_updater_abort(&dev->updater);
        dev->flash.corrupt_next = false;
    }
    free(req);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *format, va_list ap)
{
    char text[256];
    (void)cls;
    vsnprintf(text, sizeof text, format, ap);
    text[strcspn(text, "\n")] = '\0';
    vdh_log("web: libmicrohttpd: %s", text);
}

bool vdh_web_start(struct vdh_device *dev)
{
    int fd = vdh_listen_tcp(dev->address, &dev->web_port);
    if (fd < 0)
        return false;
    vdh_lwip_socket(fd, dev->opts.rcvbuf); /* the connections it accepts inherit it */
    struct vdh_web *web = calloc(1, sizeof *web);
    if (!web) {
        vdh_close(&fd);
        return false;
    }
    /* external select mode, not epoll: MHD's edge-triggered epoll drops a connection's read
     * readiness after a short read, so a client's close queued behind the last data it sent
     * (a client killed mid upload) went unseen until the 30 s timeout, and the update ran on */
    web->daemon = MHD_start_daemon(
        MHD_USE_ERROR_LOG | (dev->opts.lies.web_silent ? MHD_ALLOW_SUSPEND_RESUME : 0), 0, NULL,
        NULL, on_request, dev, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, dev,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!web->daemon) {
        vdh_close(&fd);
        free(web);
        return false;
    }
    dev->web = web;
    return true;
}

void vdh_web_stop(struct vdh_device *dev)
{
    if (!dev->web)
        return;
    for (unsigned i = 0; i < dev->web->silent_count; i++) /* suspended ones must be resumed */
        MHD_resume_connection(dev->web->silent[i]);
    MHD_stop_daemon(dev->web->daemon); /* closes the listening socket and every connection */
    free(dev->web);
    dev->web = NULL;
}

int vdh_web_poll_fds(struct vdh_device *dev, struct pollfd *fds, int n, int cap)
{
    fd_set reads, writes, errors;
    MHD_socket max = -1;
    FD_ZERO(&reads);
    FD_ZERO(&writes);
    FD_ZERO(&errors);
    if (!dev->web || MHD_get_fdset(dev->web->daemon, &reads, &writes, &errors, &max) != MHD_YES)
        return n;
    for (MHD_socket fd = 0; fd <= max && n < cap; fd++) {
        short events =
            (short)((FD_ISSET(fd, &reads) ? POLLIN : 0) | (FD_ISSET(fd, &writes) ? POLLOUT : 0));
        if (events)
            fds[n++] = (struct pollfd){fd, events, 0};
    }
    return n;
}

int vdh_web_timeout_ms(struct vdh_device *dev)
{
    MHD_UNSIGNED_LONG_LONG ms;
    if (!dev->web || MHD_get_timeout(dev->web->daemon, &ms) != MHD_YES)
        return -1;
    return ms > 1000 ? 1000 : (int)ms;
}

void vdh_web_run(struct vdh_device *dev)
{
    if (dev->web)
        MHD_run(dev->web->daemon);
}
