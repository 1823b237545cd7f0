/* test_serve.c — unit tests of the one-shot image server (serve.h) on loopback with libcurl as
 * the client: the URL and its token, 404 for other paths, 403 for other addresses (which do
 * not stop the server), one complete transfer, 410 afterwards, a partial transfer detected,
 * HEAD not counted, and bad addresses refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "espurna-ota/serve.h"

#define IMAGE_SIZE (300u * 1024u)
#define BIG_IMAGE_SIZE (8u * 1024u * 1024u)

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

static struct eo_serve *start(const char *allow, const uint8_t *data, size_t size)
{
    struct eo_serve_options options = {.bind_address = "127.0.0.1", .allow_address = allow};
    struct eo_serve *server = NULL;
    struct eo_error err;
    assert_int_equal(eo_serve_start(&options, data, size, &server, &err), EO_OK);
    return server;
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
    assert_string_not_equal(url + strlen(prefix),
                            eo_serve_url(b) + strlen(eo_serve_base_url(b)));
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
    assert_int_equal(status.best_bytes, IMAGE_SIZE);
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

static void test_other_address_is_403_and_server_goes_on(void **state)
{
    struct eo_serve_status status;
    struct fetched junk = {0}, got = {0};
    (void)state;
    uint8_t *image = make_image(IMAGE_SIZE);
    struct eo_serve *server = start("127.0.0.2", image, IMAGE_SIZE); /* only 127.0.0.2 */
    assert_int_equal(fetch(eo_serve_url(server), "127.0.0.1", false, &junk), 403);
    assert_int_equal(junk.len, strlen("forbidden\n"));
    eo_serve_get_status(server, &status);
    assert_int_equal(status.rejected, 1);
    assert_int_equal(status.best_bytes, 0);
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
    assert_true(status.best_bytes >= 64 * 1024);
    assert_true(status.best_bytes < BIG_IMAGE_SIZE);
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
        cmocka_unit_test(test_other_address_is_403_and_server_goes_on),
        cmocka_unit_test(test_partial_transfer_is_not_complete),
        cmocka_unit_test(test_head_is_not_a_transfer),
        cmocka_unit_test(test_bad_addresses),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
