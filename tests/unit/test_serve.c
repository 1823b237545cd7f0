/* test_serve.c — unit tests of the one-shot image server (serve.h) on loopback with libcurl and
 * raw sockets as clients: the URL and its token, 404 for other paths, other addresses refused
 * when they connect (which does not stop the server), one complete transfer, 410 afterwards, a
 * partial transfer detected, HEAD not counted, bad and unspecified addresses refused; what a
 * client acknowledged decides: one that takes every byte into a large buffer but reads 1000 and
 * resets is not complete, one that takes everything and never closes is "unknown", one that
 * reads nothing stalls and is reset, and stopping resets an unfinished transfer; the pure
 * rules (body bytes from acknowledged bytes, the end of a transfer) case by case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "espurna-ota/serve.h"

#define IMAGE_SIZE (300u * 1024u)
#define BIG_IMAGE_SIZE (8u * 1024u * 1024u)
#define SMALL_IMAGE_SIZE (96u * 1024u) /* fits any client's receive buffer */

static uint8_t *make_image(size_t size)
{
    uint8_t *data = malloc(size);
    assert_non_null(data);
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)(i * 7u + (i >> 8));
    return data;
}

struct fetched {
    uint8_t *data;
    size_t len, cap;
    size_t abort_after; /* 0: never */
};

static size_t collect(char *data, size_t size, size_t count, void *ctx)
{
    struct fetched *f = ctx;
    size_t n = size * count;
    if (f->abort_after && f->len + n > f->abort_after)
        return 0; /* makes libcurl hang up mid-transfer */
    if (f->len + n > f->cap) {
        f->cap = (f->len + n) * 2;
        f->data = realloc(f->data, f->cap);
        assert_non_null(f->data);
    }
    memcpy(f->data + f->len, data, n);
    f->len += n;
    return n;
}

static int small_receive_buffer(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
    int bytes = 16 * 1024;
    (void)ctx;
    (void)purpose;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    return CURL_SOCKOPT_OK;
}

/* GET (or HEAD) url from source address `from`; returns the HTTP status, 0 on failure. */
static long fetch(const char *url, const char *from, bool head, struct fetched *out)
{
    CURL *curl = curl_easy_init();
    long code = 0;
    assert_non_null(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_INTERFACE, from);
    curl_easy_setopt(curl, CURLOPT_NOBODY, head ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, small_receive_buffer);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(curl);
    return code;
}

static struct eo_serve *start_with_stall(const char *allow, const uint8_t *data, size_t size,
                                         unsigned stall_ms)
{
    struct eo_serve_options options = {
        .bind_address = "127.0.0.1", .allow_address = allow, .stall_timeout_ms = stall_ms};
    struct eo_serve *server = NULL;
    struct eo_error err;
    assert_int_equal(eo_serve_start(&options, data, size, &server, &err), EO_OK);
    return server;
}

static struct eo_serve *start(const char *allow, const uint8_t *data, size_t size)
{
    return start_with_stall(allow, data, size, 0);
}

/* A raw client: connects to the server from 127.0.0.1 with SO_RCVBUF `rcvbuf` (0: default),
 * sends a GET of the image and returns the socket. */
static int raw_get(struct eo_serve *server, int rcvbuf)
{
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons(eo_serve_port(server)),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char request[256];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (rcvbuf)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    int n = snprintf(request, sizeof request, "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n",
                     eo_serve_url(server) + strlen(eo_serve_base_url(server)));
    assert_int_equal(send(fd, request, (size_t)n, 0), n);
    return fd;
}

/* Reads exactly n bytes (bounded: 20 s). */
static void read_exactly(int fd, size_t n)
{
    char buf[16384];
    while (n > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&pfd, 1, 20000), 1);
        ssize_t got = recv(fd, buf, n < sizeof buf ? n : sizeof buf, 0);
        assert_true(got > 0);
        n -= (size_t)got;
    }
}

/* Waits (bounded: 20 s) until at least n bytes sit unread in the socket. */
static void wait_unread(int fd, int n)
{
    int pending = 0;
    for (int i = 0; i < 2000 && pending < n; i++) {
        usleep(10000);
        ioctl(fd, FIONREAD, &pending);
    }
    assert_true(pending >= n);
}

/* How the server ended the connection, as the client sees it (bounded: 30 s): 1 a normal
 * close, -1 a reset. Reads and drops whatever comes first. */
static int server_end(int fd)
{
    char buf[16384];
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&pfd, 1, 30000), 1);
        ssize_t got = recv(fd, buf, sizeof buf, 0);
        if (got == 0)
            return 1;
        if (got < 0)
            return errno == ECONNRESET ? -1 : 0;
    }
}

/* Waits (bounded) for the first transfer to end; returns the status. */
static struct eo_serve_status wait_ended(struct eo_serve *server)
{
    struct eo_serve_status status = {0};
    for (int i = 0; i < 300 && (status.requests == 0 || status.active != 0); i++)
        eo_serve_wait_change(server, status.generation, 100, &status);
    assert_int_equal(status.requests, 1);
    assert_int_equal(status.active, 0);
    return status;
}

/* The URL with its last path character changed. */
static void other_token_url(struct eo_serve *server, char *out, size_t cap)
{
    snprintf(out, cap, "%s", eo_serve_url(server));
    size_t len = strlen(out);
    out[len - 1] = out[len - 1] == '0' ? '1' : '0';
}

static void test_url_has_port_and_random_token(void **state)
{
    uint8_t byte = 0xE9;
    (void)state;
    struct eo_serve *a = start("127.0.0.1", &byte, 1);
    struct eo_serve *b = start("127.0.0.1", &byte, 1);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "http://127.0.0.1:%u/", (unsigned)eo_serve_port(a));
    assert_true(eo_serve_port(a) != 0);
    assert_string_equal(eo_serve_base_url(a), prefix);
    const char *url = eo_serve_url(a);
    assert_int_equal(strlen(url), strlen(prefix) + EO_SERVE_TOKEN_LEN);
    assert_int_equal(strncmp(url, prefix, strlen(prefix)), 0);
    assert_int_equal(strspn(url + strlen(prefix), "0123456789abcdef"), EO_SERVE_TOKEN_LEN);
    assert_string_not_equal(url + strlen(prefix), eo_serve_url(b) + strlen(eo_serve_base_url(b)));
    eo_serve_stop(a);
    eo_serve_stop(b);
}

static void test_path_matching(void **state)
{
    const char *token = "0123456789abcdef0123456789abcdef";
    (void)state;
    assert_true(eo_serve_path_matches("/0123456789abcdef0123456789abcdef", token));
    assert_false(eo_serve_path_matches("/0123456789abcdef0123456789abcdee", token));
    assert_false(eo_serve_path_matches("/0123456789abcdef0123456789abcdef/", token));
    assert_false(eo_serve_path_matches("0123456789abcdef0123456789abcdef", token));
    assert_false(eo_serve_path_matches("/", token));
    assert_false(eo_serve_path_matches(NULL, token));
}

static void test_one_complete_transfer_then_gone(void **state)
{
    struct eo_serve_status status;
    struct fetched got = {0};
    (void)state;
    uint8_t *image = make_image(IMAGE_SIZE);
    struct eo_serve *server = start("127.0.0.1", image, IMAGE_SIZE);
    assert_false(eo_serve_wait_complete(server, 50, &status)); /* nothing yet */
    assert_int_equal(fetch(eo_serve_url(server), "127.0.0.1", false, &got), 200);
    assert_int_equal(got.len, IMAGE_SIZE);
    assert_memory_equal(got.data, image, IMAGE_SIZE);
    assert_true(eo_serve_wait_complete(server, 10000, &status));
    assert_int_equal(status.requests, 1);
    assert_int_equal(status.best_confirmed, IMAGE_SIZE);
    assert_int_equal(status.last_end, EO_SERVE_END_COMPLETE);
    assert_int_equal(eo_serve_percent(&status), 100);
    assert_string_equal(status.client, "127.0.0.1");
    struct fetched again = {0};
    assert_int_equal(fetch(eo_serve_url(server), "127.0.0.1", false, &again), 410);
    eo_serve_stop(server);
    free(got.data);
    free(again.data);
    free(image);
}

static void test_other_path_is_404_and_server_goes_on(void **state)
{
    struct eo_serve_status status;
    struct fetched junk = {0}, got = {0};
    char url[160], root[160];
    (void)state;
    uint8_t *image = make_image(IMAGE_SIZE);
    struct eo_serve *server = start("127.0.0.1", image, IMAGE_SIZE);
    other_token_url(server, url, sizeof url);
    snprintf(root, sizeof root, "%s", eo_serve_base_url(server));
    assert_int_equal(fetch(url, "127.0.0.1", false, &junk), 404);
    assert_int_equal(fetch(root, "127.0.0.1", false, &junk), 404);
    eo_serve_get_status(server, &status);
    assert_int_equal(status.rejected, 2);
    assert_int_equal(status.requests, 0);
    assert_false(status.complete);
    assert_int_equal(fetch(eo_serve_url(server), "127.0.0.1", false, &got), 200);
    assert_true(eo_serve_wait_complete(server, 10000, &status));
    eo_serve_stop(server);
    free(junk.data);
    free(got.data);
    free(image);
}

static void test_other_address_is_refused_and_server_goes_on(void **state)
{
    struct eo_serve_status status;
    struct fetched junk = {0}, got = {0};
    (void)state;
    uint8_t *image = make_image(IMAGE_SIZE);
    struct eo_serve *server = start("127.0.0.2", image, IMAGE_SIZE); /* only 127.0.0.2 */
    assert_int_equal(fetch(eo_serve_url(server), "127.0.0.1", false, &junk), 0); /* no answer */
    assert_int_equal(junk.len, 0);
    eo_serve_get_status(server, &status);
    assert_int_equal(status.rejected, 1);
    assert_int_equal(status.requests, 0);
    assert_int_equal(status.best_confirmed, 0);
    assert_int_equal(fetch(eo_serve_url(server), "127.0.0.2", false, &got), 200);
    assert_int_equal(got.len, IMAGE_SIZE);
    assert_true(eo_serve_wait_complete(server, 10000, &status));
    assert_string_equal(status.client, "127.0.0.2");
    eo_serve_stop(server);
    free(junk.data);
    free(got.data);
    free(image);
}

static void test_partial_transfer_is_not_complete(void **state)
{
    struct eo_serve_status status = {0};
    struct fetched got = {.abort_after = 64 * 1024};
    (void)state;
    uint8_t *image = make_image(BIG_IMAGE_SIZE);
    struct eo_serve *server = start(NULL, image, BIG_IMAGE_SIZE);
    fetch(eo_serve_url(server), "127.0.0.1", false, &got);
    /* wait until the server has seen the request end (bounded: 100 changes or quiet) */
    for (int i = 0; i < 100 && (status.requests == 0 || status.active != 0); i++)
        if (!eo_serve_wait_change(server, status.generation, 10000, &status))
            break;
    assert_int_equal(status.requests, 1);
    assert_int_equal(status.active, 0);
    assert_false(status.complete);
    assert_true(status.best_confirmed >= 64 * 1024);
    assert_true(status.best_confirmed < BIG_IMAGE_SIZE);
    assert_true(eo_serve_percent(&status) < 100);
    assert_false(eo_serve_wait_complete(server, 50, &status));
    eo_serve_stop(server);
    free(got.data);
    free(image);
}

static void test_head_is_not_a_transfer(void **state)
{
    struct eo_serve_status status;
    struct fetched got = {0};
    (void)state;
    uint8_t *image = make_image(IMAGE_SIZE);
    struct eo_serve *server = start("127.0.0.1", image, IMAGE_SIZE);
    assert_int_equal(fetch(eo_serve_url(server), "127.0.0.1", true, &got), 200);
    eo_serve_get_status(server, &status);
    assert_int_equal(status.requests, 0);
    assert_false(status.complete);
    eo_serve_stop(server);
    free(got.data);
    free(image);
}

/* Takes every byte into a large receive buffer, reads 1000 and closes: its kernel resets the
 * connection. Everything was acknowledged, nothing complete. */
static void test_reader_of_1000_bytes_is_not_complete(void **state)
{
    (void)state;
    uint8_t *image = make_image(SMALL_IMAGE_SIZE);
    struct eo_serve *server = start(NULL, image, SMALL_IMAGE_SIZE);
    int fd = raw_get(server, 1024 * 1024); /* the kernel caps it at rmem_max: still enough */
    read_exactly(fd, 1000);
    wait_unread(fd, (int)SMALL_IMAGE_SIZE - 1000); /* the rest, headers aside, arrived unread */
    close(fd);
    struct eo_serve_status status = wait_ended(server);
    assert_false(status.complete);
    assert_false(status.unknown);
    assert_int_equal(status.last_end, EO_SERVE_END_RESET);
    assert_int_equal(status.best_confirmed, SMALL_IMAGE_SIZE); /* its TCP took it all */
    eo_serve_stop(server);
    free(image);
}

/* Takes every byte and keeps the connection open: the outcome is unknown once the stall rule's
 * bound passed (200 ms + 1 s + its buffer drained at the slowest rate). */
static void test_reader_that_never_closes_is_unknown(void **state)
{
    (void)state;
    uint8_t *image = make_image(IMAGE_SIZE);
    struct eo_serve *server = start_with_stall(NULL, image, IMAGE_SIZE, 200);
    int fd = raw_get(server, 4096);
    struct eo_serve_status status = {0};
    read_exactly(fd, IMAGE_SIZE); /* headers aside, all but the headers' length */
    for (int i = 0; i < 300 && !status.unknown; i++)
        eo_serve_wait_change(server, status.generation, 100, &status);
    assert_true(status.unknown);
    assert_false(status.complete);
    assert_int_equal(status.last_end, EO_SERVE_END_UNKNOWN);
    assert_int_equal(status.best_confirmed, IMAGE_SIZE);
    assert_true(eo_serve_delivered(&status));
    assert_false(eo_serve_wait_complete(server, 50, &status));
    close(fd);
    eo_serve_stop(server);
    free(image);
}

/* Asks and reads nothing: no progress and no sign of life, so the server resets it. */
static void test_reader_that_reads_nothing_stalls_and_is_reset(void **state)
{
    (void)state;
    uint8_t *image = make_image(BIG_IMAGE_SIZE);
    struct eo_serve *server = start_with_stall(NULL, image, BIG_IMAGE_SIZE, 200);
    int fd = raw_get(server, 4096);
    struct eo_serve_status status = wait_ended(server);
    assert_int_equal(status.last_end, EO_SERVE_END_STALLED);
    assert_true(status.best_confirmed < 64 * 1024);
    assert_int_equal(server_end(fd), -1);
    close(fd);
    eo_serve_stop(server);
    free(image);
}

/* Stopping in the middle resets the connection: a client reading until the server closes must
 * not take the stop for the end of the image. */
static void test_stop_resets_an_unfinished_transfer(void **state)
{
    struct eo_serve_status status = {0};
    (void)state;
    uint8_t *image = make_image(BIG_IMAGE_SIZE);
    struct eo_serve *server = start(NULL, image, BIG_IMAGE_SIZE);
    int fd = raw_get(server, 16384);
    read_exactly(fd, 100 * 1024);
    for (int i = 0; i < 100 && status.best_confirmed == 0; i++)
        eo_serve_wait_change(server, status.generation, 100, &status);
    assert_true(status.best_confirmed > 0 && status.active == 1);
    eo_serve_stop(server);
    assert_int_equal(server_end(fd), -1);
    close(fd);
    free(image);
}

static void test_body_confirmed(void **state)
{
    (void)state;
    /* while the body is written: acknowledged bytes less a bound for the headers, never more
     * than handed out */
    assert_int_equal(eo_serve_body_confirmed(0, 0, 0, 1000, false), 0);
    assert_int_equal(eo_serve_body_confirmed(200, 0, 1000, 1000, false), 0);
    assert_int_equal(eo_serve_body_confirmed(756, 100, 1000, 100000, false), 500);
    assert_int_equal(eo_serve_body_confirmed(90000, 0, 40000, 100000, false), 40000);
    /* written in full: what is not acknowledged is the end of the body */
    assert_int_equal(eo_serve_body_confirmed(1000, 99140, 100000, 100000, true), 860);
    assert_int_equal(eo_serve_body_confirmed(100140, 0, 100000, 100000, true), 100000);
    assert_int_equal(eo_serve_body_confirmed(10, 100130, 100000, 100000, true), 0);
}

static void test_judge_transfer(void **state)
{
    (void)state;
    struct eo_serve_reading r = {0};
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_NONE); /* still writing */
    r.stalled = true;
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_STALLED);
    r = (struct eo_serve_reading){.write_failed = true};
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_BROKEN);
    /* all written, some unacknowledged */
    r = (struct eo_serve_reading){.all_written = true, .unacked = 5000};
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_NONE);
    r.peer_closed = 1; /* closed with data on the way: it will reset when that arrives */
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_NONE);
    r.gone = true;
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_BROKEN);
    r = (struct eo_serve_reading){.all_written = true, .unacked = 5000, .peer_closed = -1};
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_BROKEN);
    r = (struct eo_serve_reading){.all_written = true, .unacked = 5000, .stalled = true};
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_STALLED);
    /* all acknowledged */
    r = (struct eo_serve_reading){.all_written = true};
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_NONE);
    r.peer_closed = 1;
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_COMPLETE);
    r.closed_early = true; /* it closed before it had taken everything */
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_UNKNOWN);
    r = (struct eo_serve_reading){.all_written = true, .peer_closed = -1};
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_RESET);
    r = (struct eo_serve_reading){.all_written = true, .stalled = true};
    assert_int_equal(eo_serve_judge_transfer(&r), EO_SERVE_END_UNKNOWN);
}

static void test_unspecified_addresses(void **state)
{
    (void)state;
    assert_true(eo_serve_address_unspecified("0.0.0.0"));
    assert_true(eo_serve_address_unspecified("::"));
    assert_true(eo_serve_address_unspecified("0:0::0"));
    assert_true(eo_serve_address_unspecified("::ffff:0.0.0.0"));
    assert_false(eo_serve_address_unspecified("127.0.0.1"));
    assert_false(eo_serve_address_unspecified("::1"));
    assert_false(eo_serve_address_unspecified("::ffff:127.0.0.1"));
    assert_false(eo_serve_address_unspecified("not-an-address"));
}

static void test_bad_addresses(void **state)
{
    struct eo_serve *server = (struct eo_serve *)1;
    struct eo_error err;
    uint8_t byte = 0;
    (void)state;
    struct eo_serve_options options = {.bind_address = "not-an-address"};
    assert_int_equal(eo_serve_start(&options, &byte, 1, &server, &err), EO_ERR_USAGE);
    assert_null(server);
    assert_string_equal(err.message,
                        "cannot serve on 'not-an-address': not a numeric IPv4 or IPv6 address");
    options.bind_address = "192.0.2.1"; /* TEST-NET: not on this machine; bind fails locally */
    assert_int_equal(eo_serve_start(&options, &byte, 1, &server, &err), EO_ERR_UNREACHABLE);
    assert_non_null(strstr(err.message, "not an address of this machine"));
    options.bind_address = "0.0.0.0";
    assert_int_equal(eo_serve_start(&options, &byte, 1, &server, &err), EO_ERR_USAGE);
    assert_int_equal(err.hint, EO_HINT_SERVE_ADDRESS);
    assert_string_equal(err.message, "cannot serve on '0.0.0.0': an unspecified address listens "
                                     "everywhere but cannot be put in the URL the device fetches");
    options.bind_address = "::";
    assert_int_equal(eo_serve_start(&options, &byte, 1, &server, &err), EO_ERR_USAGE);
    assert_int_equal(err.hint, EO_HINT_SERVE_ADDRESS);
    options.bind_address = "127.0.0.1";
    options.allow_address = "device.local";
    assert_int_equal(eo_serve_start(&options, &byte, 1, &server, &err), EO_ERR_USAGE);
    eo_serve_stop(NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_has_port_and_random_token),
        cmocka_unit_test(test_path_matching),
        cmocka_unit_test(test_one_complete_transfer_then_gone),
        cmocka_unit_test(test_other_path_is_404_and_server_goes_on),
        cmocka_unit_test(test_other_address_is_refused_and_server_goes_on),
        cmocka_unit_test(test_partial_transfer_is_not_complete),
        cmocka_unit_test(test_reader_of_1000_bytes_is_not_complete),
        cmocka_unit_test(test_reader_that_never_closes_is_unknown),
        cmocka_unit_test(test_reader_that_reads_nothing_stalls_and_is_reset),
        cmocka_unit_test(test_stop_resets_an_unfinished_transfer),
        cmocka_unit_test(test_body_confirmed),
        cmocka_unit_test(test_judge_transfer),
        cmocka_unit_test(test_unspecified_addresses),
        cmocka_unit_test(test_head_is_not_a_transfer),
        cmocka_unit_test(test_bad_addresses),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
