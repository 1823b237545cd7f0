/* fuzz_telnet.c — libFuzzer target for the terminal session (terminal.h) over what a device
 * prints: the input is everything the device sends, through a local socketpair (no network)
 * that it then closes. The session logs in (each era's prompts and verdicts), runs `info`, then
 * reads the remaining lines as identify.c does; every line goes through the pure classifiers
 * and the `info` parser. */
#include <sys/socket.h>
#include <unistd.h>

#include "espurna-ota/terminal.h"
#include "espurna-ota/watch.h"

#include "fuzz_input.h"

#define INPUT_MAX 65536u /* well inside a socketpair's buffer: the write never blocks */
#define WAIT_MS 100u     /* the device has said all it will: reads end at its close */

static void read_rest(struct eo_telnet *session)
{
    struct eo_info_facts facts;
    char line[256];
    eo_info_facts_init(&facts);
    while (eo_telnet_read_line(session, WAIT_MS, line, sizeof line) > 0) {
        FUZZ_CHECK(strlen(line) < sizeof line);
        (void)eo_terminal_classify(line);
        (void)eo_terminal_prompt_kind(line);
        FUZZ_CHECK(eo_terminal_error_text(line) != NULL);
        eo_info_parse_line(&facts, line);
    }
}

static void run_session(int fd)
{
    struct eo_telnet session;
    struct eo_error err;
    char reply[256];
    memset(&session, 0, sizeof session);
    session.fd = fd;
    session.timeout_ms = WAIT_MS;
    snprintf(session.device, sizeof session.device, "ESPURNA-1A2B3C");
    if (eo_telnet_login(&session, "secret", WAIT_MS, &err) == EO_OK &&
        eo_telnet_command(&session, "info", reply, sizeof reply, &err) != EO_ERR_INTERNAL)
        FUZZ_CHECK(FUZZ_TERMINATED(reply));
    FUZZ_CHECK(session.len < sizeof session.buf);
    read_rest(&session);
    eo_telnet_close(&session);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int pair[2];
    if (size > INPUT_MAX)
        return 0;
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    FUZZ_CHECK(size == 0 || write(pair[1], data, size) == (ssize_t)size);
    shutdown(pair[1], SHUT_WR);
    run_session(pair[0]); /* closes pair[0] */
    close(pair[1]);
    return 0;
}
