/* test_terminal_push.c — unit tests of how the terminal method judges an `ota <url>` from the
 * server side (terminal_push.c), against a fake device on loopback: a thread that accepts the
 * telnet connection, answers "+OK", then fetches the served URL with libcurl the whole way, part
 * of the way, 1000 bytes into a buffer that takes the whole image, slowly (while the push is
 * interrupted) or not at all, and prints an "[OTA] ..." line or just hangs up; a terminal still
 * held by another client (it closes new connections at once) is tried again, a few times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "espurna-ota/terminal.h"

#define IMAGE_SIZE (8u * 1024u * 1024u)
#define SMALL_IMAGE_SIZE (96u * 1024u) /* fits a large receive buffer whole */

enum fetch_mode { FETCH_ALL, FETCH_PART, FETCH_1000, FETCH_SLOW, FETCH_NONE };

struct fake_device {
    int listen_fd;
    uint16_t port;
    enum fetch_mode mode;
    pthread_t pusher;      /* FETCH_SLOW: after 64 KiB it gets SIGUSR1 (the run is interrupted) */
    const char *last_line; /* printed after the fetch, or NULL to hang up silently */
    const char *answer;    /* its answer to the command; NULL: "+OK" and "[OTA] Downloading" */
    unsigned close_first;  /* connections closed at once (another client holds the terminal) */
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

/* A raw GET of the URL ("http://127.0.0.1:PORT/TOKEN") with SO_RCVBUF `rcvbuf`. */
static int raw_get(const char *url, int rcvbuf)
{
    unsigned port = 0;
    char path[64] = "";
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char request[128];
    if (sscanf(url, "http://127.0.0.1:%u/%63s", &port, path) != 2)
        return -1;
    sin.sin_port = htons((uint16_t)port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    int n = snprintf(request, sizeof request, "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
        send(fd, request, (size_t)n, 0) != n) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads n bytes (bounded: 20 s per read). */
static void take(int fd, size_t n)
{
    char buf[4096];
    while (n > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t got =
            poll(&pfd, 1, 20000) == 1 ? recv(fd, buf, n < sizeof buf ? n : sizeof buf, 0) : -1;
        if (got <= 0)
            return;
        n -= (size_t)got;
    }
}

/* FETCH_1000: takes the whole image into a large buffer, reads 1000 bytes and closes, so its
 * kernel resets the connection. */
static void fetch_1000(struct fake_device *dev)
{
    int pending = 0, fd = raw_get(dev->url, 1024 * 1024);
    if (fd < 0)
        return;
    take(fd, 1000);
    for (int i = 0; i < 2000 && pending < (int)(SMALL_IMAGE_SIZE - 1000); i++) {
        usleep(10000);
        ioctl(fd, FIONREAD, &pending);
    }
    close(fd);
}

/* The cancellation of the interrupted push, set by a signal handler as the CLI's is. */
static struct eo_cancel interrupt;
static void on_sigusr1(int signo)
{
    (void)signo;
    interrupt.signal = SIGINT;
}

/* FETCH_SLOW: reads 64 KiB through a small buffer, then the run is interrupted; from then on it
 * reads nothing more (so the image cannot be taken whole however late the pusher runs), waits
 * for the server to end the connection (bounded) and reports how: 1 closed, -1 reset. */
static int server_end_after_cancel;
static void fetch_slow(struct fake_device *dev)
{
    int fd = raw_get(dev->url, 8192);
    if (fd < 0)
        return;
    take(fd, 64 * 1024);
    pthread_kill(dev->pusher, SIGUSR1);
    struct pollfd pfd = {.fd = fd, .events = POLLRDHUP};
    if (poll(&pfd, 1, 20000) == 1) {
        bool reset = (pfd.revents & (POLLERR | POLLHUP)) != 0;
        server_end_after_cancel = reset ? -1 : 1;
    }
    close(fd);
}

static void fetch(struct fake_device *dev)
{
    if (dev->mode == FETCH_1000) {
        fetch_1000(dev);
        return;
    }
    if (dev->mode == FETCH_SLOW) {
        fetch_slow(dev);
        return;
    }
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
    for (unsigned closed = 0; fd >= 0 && closed < dev->close_first; closed++) {
        close(fd);
        fd = accept(dev->listen_fd, NULL, NULL); /* fails once device_stop shuts it */
    }
    if (fd < 0)
        return NULL;
    read_command(dev, fd);
    dprintf(fd, "%s", dev->answer ? dev->answer : "[000100] +OK\n[000101] [OTA] Downloading\n");
    if (dev->mode != FETCH_NONE)
        fetch(dev);
    if (dev->last_line)
        dprintf(fd, "[000200] %s\n", dev->last_line);
    close(fd);
    return NULL;
}

static void device_start_answering(struct fake_device *dev, enum fetch_mode mode,
                                   const char *last_line, const char *answer);
static void device_start_busy(struct fake_device *dev, unsigned close_first);

static void device_start(struct fake_device *dev, enum fetch_mode mode, const char *last_line)
{
    device_start_answering(dev, mode, last_line, NULL);
}

/* Listens and starts the device's thread, its fields set. */
static void device_launch(struct fake_device *dev)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    dev->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(dev->listen_fd >= 0);
    assert_int_equal(bind(dev->listen_fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(listen(dev->listen_fd, 1), 0);
    getsockname(dev->listen_fd, (struct sockaddr *)&sin, &len);
    dev->port = ntohs(sin.sin_port);
    assert_int_equal(pthread_create(&dev->thread, NULL, device_main, dev), 0);
}

/* A device that answers the command with `answer` (NULL: "+OK" and "[OTA] Downloading"). */
static void device_start_answering(struct fake_device *dev, enum fetch_mode mode,
                                   const char *last_line, const char *answer)
{
    memset(dev, 0, sizeof *dev);
    dev->mode = mode;
    dev->last_line = last_line;
    dev->answer = answer;
    device_launch(dev);
}

/* A device whose terminal closes the first `close_first` connections at once, then fetches. */
static void device_start_busy(struct fake_device *dev, unsigned close_first)
{
    memset(dev, 0, sizeof *dev);
    dev->mode = FETCH_ALL;
    dev->last_line = "[OTA] Success: 8388608 bytes";
    dev->close_first = close_first;
    device_launch(dev);
}

/* Ends the device: a thread still waiting for a connection the tool gave up on wakes. */
static void device_stop(struct fake_device *dev)
{
    shutdown(dev->listen_fd, SHUT_RDWR);
    pthread_join(dev->thread, NULL);
    close(dev->listen_fd);
}

/* Pushes a buffer of `size` bytes (at most IMAGE_SIZE) to the fake device; returns the
 * outcome. */
static enum eo_status push_sized(struct fake_device *dev, size_t size,
                                 const struct eo_cancel *cancel, struct eo_push_result *result,
                                 struct eo_error *err)
{
    static uint8_t *data;
    if (!data)
        data = calloc(1, IMAGE_SIZE);
    assert_non_null(data);
    struct eo_image image = {.path = "test.bin", .data = data, .size = size};
    struct eo_target target;
    eo_target_init(&target, "fake-device", "127.0.0.1");
    target.telnet_port = dev->port;
    struct eo_terminal_options options = {
        .fetch_timeout_ms = 500, .stall_timeout_ms = 5000, .linger_ms = 2000, .cancel = cancel};
    eo_error_clear(err);
    enum eo_status status = eo_terminal_push(&target, &image, &options, result, err);
    device_stop(dev);
    return status;
}

/* Pushes an 8 MiB buffer to the fake device; returns the outcome. */
static enum eo_status push(struct fake_device *dev, struct eo_push_result *result,
                           struct eo_error *err)
{
    return push_sized(dev, IMAGE_SIZE, NULL, result, err);
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

/* A 1.12-1.14 core build prints nothing on its terminal, not even "+OK": the fetch decides. */
static void test_silent_device_is_judged_by_the_fetch(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start_answering(&dev, FETCH_ALL, NULL, "");
    assert_int_equal(push(&dev, &result, &err), EO_OK);
    assert_int_equal(result.bytes_confirmed, IMAGE_SIZE);
    assert_string_equal(result.device_reply, "");
}

static void test_silent_device_that_never_fetches(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start_answering(&dev, FETCH_NONE, NULL, "");
    assert_int_equal(push(&dev, &result, &err), EO_ERR_UNREACHABLE);
    assert_non_null(strstr(err.message, "its terminal printed nothing"));
    assert_int_equal(err.hint, EO_HINT_FETCH_BACK);
}

static void test_command_refused(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start_answering(&dev, FETCH_NONE, NULL, "-ERROR: OTA <URL>\n");
    assert_int_equal(push(&dev, &result, &err), EO_ERR_REFUSED);
    assert_string_equal(err.message, "fake-device refused 'ota': OTA <URL>");
    assert_string_equal(result.device_reply, "-ERROR: OTA <URL>");
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

/* Its TCP took every byte, it read 1000 and closed: not delivered. */
static void test_fetch_of_1000_bytes_into_a_big_buffer_is_not_delivered(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start(&dev, FETCH_1000, NULL);
    assert_int_equal(push_sized(&dev, SMALL_IMAGE_SIZE, NULL, &result, &err), EO_ERR_TRANSFER);
    assert_string_equal(err.message, "fake-device: fetch broken off: the device acknowledged all "
                                     "98304 bytes, then reset the connection (it dropped what it "
                                     "had not read)");
    assert_int_equal(err.hint, EO_HINT_RETRY);
}

/* Interrupted in the middle: where the device stands, and the device sees a reset (never a
 * normal close it could take for the end of the image). */
static void test_interrupted_fetch(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    struct sigaction action = {.sa_handler = on_sigusr1};
    (void)state;
    sigaction(SIGUSR1, &action, NULL);
    interrupt.signal = 0;
    device_start(&dev, FETCH_SLOW, NULL);
    dev.pusher = pthread_self();
    server_end_after_cancel = 0;
    assert_int_equal(push_sized(&dev, IMAGE_SIZE, &interrupt, &result, &err), EO_ERR_INTERRUPTED);
    assert_int_equal(err.signal, SIGINT);
    assert_true(result.bytes_confirmed >= 60 * 1024 && result.bytes_confirmed < IMAGE_SIZE);
    char expected[256];
    snprintf(expected, sizeof expected,
             "interrupted (SIGINT): device fake-device received %llu of %u "
             "bytes and drops the update; it keeps its current firmware",
             (unsigned long long)result.bytes_confirmed, IMAGE_SIZE);
    assert_string_equal(err.message, expected);
    assert_int_equal(server_end_after_cancel, -1);
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
    assert_null(strstr(err.message, "--"));    /* no command-line flag: that is the hint's */
    assert_int_equal(err.hint, EO_HINT_FETCH_BACK);
}

/* Its own session of a moment before (identifying the device) may still hold the terminal. */
static void test_terminal_held_a_moment_is_tried_again(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start_busy(&dev, 2);
    assert_int_equal(push(&dev, &result, &err), EO_OK);
    assert_int_equal(result.bytes_confirmed, IMAGE_SIZE);
}

static void test_terminal_held_by_another_client(void **state)
{
    struct fake_device dev;
    struct eo_push_result result;
    struct eo_error err;
    (void)state;
    device_start_busy(&dev, 100);
    assert_int_equal(push(&dev, &result, &err), EO_ERR_UNREACHABLE);
    assert_non_null(strstr(err.message, "closed the terminal connection (another client may be "
                                        "connected: it takes one at a time)"));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_fetch_is_delivered),
        cmocka_unit_test(test_whole_fetch_then_silence_is_delivered),
        cmocka_unit_test(test_silent_device_is_judged_by_the_fetch),
        cmocka_unit_test(test_silent_device_that_never_fetches),
        cmocka_unit_test(test_command_refused),
        cmocka_unit_test(test_partial_fetch_is_a_transfer_error),
        cmocka_unit_test(test_fetch_of_1000_bytes_into_a_big_buffer_is_not_delivered),
        cmocka_unit_test(test_interrupted_fetch),
        cmocka_unit_test(test_partial_fetch_with_device_error),
        cmocka_unit_test(test_device_error_with_updater_code),
        cmocka_unit_test(test_never_fetched_is_unreachable),
        cmocka_unit_test(test_terminal_held_a_moment_is_tried_again),
        cmocka_unit_test(test_terminal_held_by_another_client),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
