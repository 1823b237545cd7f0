/* test_terminal_push.c — unit tests of how the terminal method judges an `ota <url>` from the
 * server side (terminal_push.c), against a fake device on loopback: a thread that accepts the
 * telnet connection, answers "+OK", then fetches the served URL with libcurl the whole way, part
 * of the way or not at all, and prints an "[OTA] ..." line or just hangs up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "espurna-ota/terminal.h"

#define IMAGE_SIZE (8u * 1024u * 1024u)

enum fetch_mode { FETCH_ALL, FETCH_PART, FETCH_NONE };

struct fake_device {
    int listen_fd;
    uint16_t port;
    enum fetch_mode mode;
    const char *last_line; /* printed after the fetch, or NULL to hang up silently */
    pthread_t thread;
    char url[512];
};

static size_t count_or_abort(char *data, size_t size, size_t count, void *ctx)
{
    size_t *received = ctx;
    (void)data;
    *received += size * count;
    return *received > 64 * 1024 ? 0 : size * count; /* FETCH_PART stops after 64 KiB */
}

static size_t count_all(char *data, size_t size, size_t count, void *ctx)
{
    (void)data;
    *(size_t *)ctx += size * count;
    return size * count;
}

static int small_buffer(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
    int bytes = 16 * 1024;
    (void)ctx;
    (void)purpose;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    return CURL_SOCKOPT_OK;
}

static void fetch(struct fake_device *dev)
{
    size_t received = 0;
    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, dev->url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION,
                     dev->mode == FETCH_PART ? count_or_abort : count_all);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, small_buffer);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_perform(curl);
    curl_easy_cleanup(curl);
}

/* Reads the one command line; keeps the URL after "ota ". */
static void read_command(struct fake_device *dev, int fd)
{
    char line[512];
    size_t len = 0;
    while (len + 1 < sizeof line && read(fd, line + len, 1) == 1 && line[len] != '\n')
        len++;
    line[len] = '\0';
    line[strcspn(line, "\r")] = '\0';
    snprintf(dev->url, sizeof dev->url, "%s", strncmp(line, "ota ", 4) == 0 ? line + 4 : "");
}

static void *device_main(void *arg)
{
    struct fake_device *dev = arg;
    int fd = accept(dev->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    read_command(dev, fd);
    dprintf(fd, "[000100] +OK\n[000101] [OTA] Downloading\n");
    if (dev->mode != FETCH_NONE)
        fetch(dev);
    if (dev->last_line)
        dprintf(fd, "[000200] %s\n", dev->last_line);
    close(fd);
    return NULL;
}

static void device_start(struct fake_device *dev, enum fetch_mode mode, const char *last_line)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    memset(dev, 0, sizeof *dev);
    dev->mode = mode;
    dev->last_line = last_line;
    dev->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(dev->listen_fd >= 0);
    assert_int_equal(bind(dev->listen_fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(listen(dev->listen_fd, 1), 0);
    getsockname(dev->listen_fd, (struct sockaddr *)&sin, &len);
    dev->port = ntohs(sin.sin_port);
    assert_int_equal(pthread_create(&dev->thread, NULL, device_main, dev), 0);
}

static void device_stop(struct fake_device *dev)
{
    pthread_join(dev->thread, NULL);
    close(dev->listen_fd);
}

/* Pushes an 8 MiB buffer to the fake device; returns the outcome. */
static enum eo_status push(struct fake_device *dev, struct eo_push_result *result,
                           struct eo_error *err)
{
    static uint8_t *data;
    if (!data)
        data = calloc(1, IMAGE_SIZE);
    assert_non_null(data);
    struct eo_image image = {.path = "test.bin", .data = data, .size = IMAGE_SIZE};
    struct eo_target target;
    eo_target_init(&target, "fake-device", "127.0.0.1");
    target.telnet_port = dev->port;
    struct eo_terminal_options options = {
        .fetch_timeout_ms = 500, .stall_timeout_ms = 5000, .linger_ms = 2000};
    eo_error_clear(err);
    enum eo_status status = eo_terminal_push(&target, &image, &options, result, err);
    device_stop(dev);
    return status;
}

static void test_whole_fetch_is_delivered(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start(&dev, FETCH_ALL, "[OTA] Success: 8388608 bytes");
    assert_int_equal(push(&dev, &result, &err), EO_OK);
    assert_int_equal(result.bytes_confirmed, IMAGE_SIZE);
    assert_string_equal(result.device_reply, "[OTA] Success: 8388608 bytes");
    assert_non_null(strstr(dev.url, "http://127.0.0.1:"));
}

static void test_whole_fetch_then_silence_is_delivered(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start(&dev, FETCH_ALL, NULL); /* some core builds print nothing */
    assert_int_equal(push(&dev, &result, &err), EO_OK);
    assert_string_equal(result.device_reply, "+OK");
}

static void test_partial_fetch_is_a_transfer_error(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start(&dev, FETCH_PART, NULL);
    assert_int_equal(push(&dev, &result, &err), EO_ERR_TRANSFER);
    assert_non_null(strstr(err.message, "fake-device: fetch stopped at "));
    assert_true(result.bytes_confirmed >= 64 * 1024 && result.bytes_confirmed < IMAGE_SIZE);
}

static void test_partial_fetch_with_device_error(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start(&dev, FETCH_PART, "[OTA] ERROR: Transferred a partial file");
    assert_int_equal(push(&dev, &result, &err), EO_ERR_TRANSFER);
    assert_non_null(strstr(err.message, "(it says 'Transferred a partial file')"));
}

static void test_device_error_with_updater_code(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start(&dev, FETCH_NONE, "[OTA] ERROR[4]: Not Enough Space");
    assert_int_equal(push(&dev, &result, &err), EO_ERR_NOFIT);
    assert_non_null(strstr(err.message, "the terminal ota needs one sector more than espota"));
}

static void test_never_fetched_is_unreachable(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start(&dev, FETCH_NONE, NULL);
    assert_int_equal(push(&dev, &result, &err), EO_ERR_UNREACHABLE);
    assert_non_null(strstr(err.message, "device never fetched the image from http://127.0.0.1:"));
    assert_null(strstr(err.message, dev.url)); /* the one-time path stays out of messages */
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_fetch_is_delivered),
        cmocka_unit_test(test_whole_fetch_then_silence_is_delivered),
        cmocka_unit_test(test_partial_fetch_is_a_transfer_error),
        cmocka_unit_test(test_partial_fetch_with_device_error),
        cmocka_unit_test(test_device_error_with_updater_code),
        cmocka_unit_test(test_never_fetched_is_unreachable),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
