/* telnet.c — the telnet session of the terminal method: recognising each firmware dialect's
 * prompts and replies, and a line-oriented session (connect, log in, one command, read lines)
 * over a plain TCP socket with bounded waits that a cancellation ends within 100 ms. The push
 * itself is in terminal.c. */
#include "espurna-ota/terminal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "espurna-ota/net.h"

#define TELNET_IAC 0xFF
#define DEFAULT_TIMEOUT_MS 10000u

/* ---- pure parsing ---------------------------------------------------------------------- */

/* Length of a "[NNNNNN] " timestamp at the start of line, 0 when there is none. */
static size_t prefix_length(const char *line)
{
    size_t i = 1;
    if (line[0] != '[' || !isdigit((unsigned char)line[1]))
        return 0;
    while (isdigit((unsigned char)line[i]))
        i++;
    if (line[i] != ']')
        return 0;
    return line[i + 1] == ' ' ? i + 2 : i + 1;
}

void eo_terminal_clean_line(const char *line, char *out, size_t cap)
{
    if (cap == 0)
        return;
    line += prefix_length(line);
    size_t len = strlen(line);
    while (len > 0 && isspace((unsigned char)line[len - 1]))
        len--;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, line, len);
    out[len] = '\0';
}

static bool starts_with(const char *text, const char *prefix)
{
    return strncasecmp(text, prefix, strlen(prefix)) == 0;
}

static enum eo_term_line classify_prompt(const char *line)
{
    size_t len = strlen(line);
    if (!starts_with(line, "Password") || len == 0 || line[len - 1] != ':')
        return EO_TERM_TEXT;
    if (strcasestr(line, "try again"))
        return EO_TERM_PROMPT_RETRY;
    if (strcasestr(line, "disconnects"))
        return EO_TERM_PROMPT_ONE_TRY;
    return EO_TERM_PROMPT;
}

static enum eo_term_line classify_ota(const char *line)
{
    const char *rest = line + strlen("[OTA]");
    if (strcasestr(rest, "success"))
        return EO_TERM_OTA_SUCCESS;
    if (strcasestr(rest, "error") || strcasestr(rest, "fail"))
        return EO_TERM_OTA_ERROR;
    return EO_TERM_TEXT;
}

enum eo_term_line eo_terminal_classify(const char *line)
{
    enum eo_term_line prompt = classify_prompt(line);
    if (prompt != EO_TERM_TEXT)
        return prompt;
    if (strcmp(line, "+OK") == 0)
        return EO_TERM_OK;
    if (starts_with(line, "-ERROR"))
        return strcasestr(line, "invalid password") ? EO_TERM_AUTH_FAILED : EO_TERM_ERROR;
    if (strcasecmp(line, "Welcome!") == 0 || strcasestr(line, "correct, welcome"))
        return EO_TERM_WELCOME;
    if (starts_with(line, "[OTA]"))
        return classify_ota(line);
    if (starts_with(line, "ERROR[") && eo_updater_error_code(line) >= 0)
        return EO_TERM_OTA_ERROR; /* 1.14.1 prints the Updater's error raw during `ota` */
    return EO_TERM_TEXT;
}

enum eo_term_line eo_terminal_prompt_kind(const char *partial)
{
    char clean[256];
    eo_terminal_clean_line(partial, clean, sizeof clean);
    return classify_prompt(clean);
}

const char *eo_terminal_error_text(const char *line)
{
    const char *colon = NULL;
    if (starts_with(line, "-ERROR") || starts_with(line, "[OTA]"))
        colon = strchr(line, ':');
    if (!colon)
        return line;
    colon++;
    while (*colon == ' ')
        colon++;
    return *colon ? colon : line;
}

/* ---- session --------------------------------------------------------------------------- */

/* eo_net_wait that ends early (0) once `cancel` is set: the revents, 0, or -1. */
static int wait_cancellable(int fd, short events, unsigned timeout_ms,
                            const struct eo_cancel *cancel)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    int rc = eo_net_poll_cancellable(&pfd, 1, (int)timeout_ms, cancel);
    return rc > 0 ? pfd.revents : rc;
}

static enum eo_status interrupted(const struct eo_telnet *session, struct eo_error *err)
{
    eo_error_set(err, EO_ERR_INTERRUPTED, "interrupted while talking to the terminal of %s",
                 session->device);
    if (err)
        err->signal = eo_cancel_signal(session->cancel);
    return EO_ERR_INTERRUPTED;
}

static enum eo_status connect_with_timeout(int fd, const struct sockaddr_storage *addr,
                                           socklen_t len, unsigned timeout_ms,
                                           const struct eo_cancel *cancel)
{
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = connect(fd, (const struct sockaddr *)addr, len);
    if (rc != 0 && errno == EINPROGRESS) {
        int ready = wait_cancellable(fd, POLLOUT, timeout_ms, cancel);
        int soerr = ready > 0 ? 0 : ETIMEDOUT;
        socklen_t soerr_len = sizeof soerr;
        if (ready > 0)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len);
        errno = soerr;
        rc = soerr == 0 ? 0 : -1;
    }
    fcntl(fd, F_SETFL, flags);
    return rc == 0 ? EO_OK : EO_ERR_UNREACHABLE;
}

enum eo_status eo_telnet_connect(struct eo_telnet *session, const char *device, const char *address,
                                 uint16_t port, unsigned timeout_ms, const struct eo_cancel *cancel,
                                 struct eo_error *err)
{
    struct sockaddr_storage addr;
    socklen_t len;
    memset(session, 0, sizeof *session);
    session->fd = -1;
    session->cancel = cancel;
    snprintf(session->device, sizeof session->device, "%s", device);
    session->timeout_ms = timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS;
    enum eo_status status = eo_net_sockaddr(address, port, &addr, &len, err);
    if (status != EO_OK)
        return status;
    session->fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (session->fd < 0)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot open a socket: %s", strerror(errno));
    if (connect_with_timeout(session->fd, &addr, len, session->timeout_ms, cancel) != EO_OK) {
        int saved = errno;
        eo_telnet_close(session);
        if (eo_cancelled(cancel))
            return interrupted(session, err);
        return eo_error_set(err, EO_ERR_UNREACHABLE,
                            "cannot reach the terminal of %s at %s port %u: %s (is telnet "
                            "enabled on the device?)",
                            device, address, (unsigned)port, strerror(saved));
    }
    return EO_OK;
}

/* Appends received bytes, dropping NULs and telnet option negotiation (IAC x y). */
static void append_filtered(struct eo_telnet *session, const unsigned char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] == TELNET_IAC) {
            i += 2;
            continue;
        }
        if (data[i] == '\0')
            continue;
        if (session->len + 1 >= sizeof session->buf) /* an endless line: keep the tail */
            session->len = 0;
        session->buf[session->len++] = (char)data[i];
    }
    session->buf[session->len] = '\0';
}

/* Reads what arrives within timeout_ms. Returns 1 (data), 0 (timeout), -1 (closed). */
static int fill(struct eo_telnet *session, unsigned timeout_ms)
{
    unsigned char chunk[1024];
    if (session->closed)
        return -1;
    int ready = wait_cancellable(session->fd, POLLIN, timeout_ms, session->cancel);
    if (ready == 0)
        return 0;
    ssize_t n = ready > 0 ? recv(session->fd, chunk, sizeof chunk, 0) : -1;
    if (n <= 0) {
        session->closed = true;
        return -1;
    }
    append_filtered(session, chunk, (size_t)n);
    return 1;
}

/* Takes one complete line out of the buffer (cleaned). */
static bool take_line(struct eo_telnet *session, char *line, size_t cap)
{
    char *newline = memchr(session->buf, '\n', session->len);
    if (!newline)
        return false;
    *newline = '\0';
    eo_terminal_clean_line(session->buf, line, cap);
    size_t used = (size_t)(newline - session->buf) + 1;
    memmove(session->buf, newline + 1, session->len - used + 1);
    session->len -= used;
    return true;
}

/* A prompt ("Password...: ") is not followed by a newline: hand it out as a line of its own,
 * keeping whatever came after it (a fast device's verdict). */
static bool take_prompt(struct eo_telnet *session, char *line, size_t cap)
{
    char candidate[256];
    size_t first_line = strcspn(session->buf, "\n");
    char *colon = memchr(session->buf, ':', first_line);
    if (!colon || (colon[1] != ' ' && colon[1] != '\0'))
        return false;
    size_t used = (size_t)(colon - session->buf) + 1;
    if (used >= sizeof candidate)
        return false;
    memcpy(candidate, session->buf, used);
    candidate[used] = '\0';
    if (eo_terminal_prompt_kind(candidate) == EO_TERM_TEXT)
        return false;
    eo_terminal_clean_line(candidate, line, cap);
    if (colon[1] == ' ')
        used++;
    memmove(session->buf, session->buf + used, session->len - used + 1);
    session->len -= used;
    return true;
}

int eo_telnet_read_line(struct eo_telnet *session, unsigned timeout_ms, char *line, size_t cap)
{
    double deadline = eo_net_now() + timeout_ms / 1000.0;
    for (;;) {
        if (take_prompt(session, line, cap) || take_line(session, line, cap))
            return 1;
        int got = fill(session, (unsigned)eo_net_ms_left(deadline));
        if (got == 0)
            return 0;
        if (got < 0) {
            if (session->len == 0)
                return -1;
            eo_terminal_clean_line(session->buf, line, cap); /* the last, unterminated line */
            session->len = 0;
            return 1;
        }
    }
}

static bool is_prompt(enum eo_term_line kind)
{
    return kind == EO_TERM_PROMPT || kind == EO_TERM_PROMPT_RETRY || kind == EO_TERM_PROMPT_ONE_TRY;
}

/* Waits up to timeout_ms for a password prompt. Returns its kind, EO_TERM_TEXT when none came
 * (session->closed tells whether the device hung up). */
static enum eo_term_line wait_prompt(struct eo_telnet *session, unsigned timeout_ms)
{
    double deadline = eo_net_now() + timeout_ms / 1000.0;
    char line[256];
    for (;;) {
        int got =
            eo_telnet_read_line(session, (unsigned)eo_net_ms_left(deadline), line, sizeof line);
        if (got <= 0)
            return EO_TERM_TEXT;
        if (is_prompt(eo_terminal_classify(line)))
            return eo_terminal_classify(line);
        if (eo_net_now() >= deadline)
            return EO_TERM_TEXT; /* lines without end, none a prompt */
    }
}

enum eo_status eo_telnet_send(struct eo_telnet *session, const char *text, struct eo_error *err)
{
    char packet[1024];
    int n = snprintf(packet, sizeof packet, "%s\r\n", text);
    if (n < 0 || (size_t)n >= sizeof packet)
        return eo_error_set(err, EO_ERR_INTERNAL, "terminal line too long");
    ssize_t sent = send(session->fd, packet, (size_t)n, MSG_NOSIGNAL);
    explicit_bzero(packet, sizeof packet); /* it may hold the password */
    if (sent != n) {
        session->closed = true;
        return eo_error_set(err, EO_ERR_UNREACHABLE, "%s closed the terminal connection",
                            session->device);
    }
    return EO_OK;
}

static enum eo_status wrong_password(struct eo_telnet *session, struct eo_error *err)
{
    return eo_error_hinted(err, EO_ERR_AUTH, EO_HINT_PASSWORD_WRONG,
                           "wrong password for the terminal of %s", session->device);
}

/* After the password was sent: reads until the device accepts or refuses it. */
static enum eo_status read_login_reply(struct eo_telnet *session, struct eo_error *err)
{
    char line[256];
    unsigned long other = 0; /* lines that were neither a welcome nor a refusal */
    double deadline = eo_net_now() + session->timeout_ms / 1000.0;
    for (;;) {
        int got =
            eo_telnet_read_line(session, (unsigned)eo_net_ms_left(deadline), line, sizeof line);
        if (got < 0)
            return wrong_password(session, err); /* 1.15-dev disconnects */
        if (got == 0 && eo_cancelled(session->cancel))
            return interrupted(session, err);
        if (got == 1 && eo_net_now() >= deadline)
            got = 0; /* lines without end: the time is up all the same */
        if (got == 0 && other == 0)
            return eo_error_set(err, EO_ERR_UNREACHABLE,
                                "%s did not answer after the terminal password", session->device);
        if (got == 0)
            return eo_error_set(err, EO_ERR_UNREACHABLE,
                                "%s sent %lu lines after the terminal "
                                "password but neither accepted nor refused it within %.1f s",
                                session->device, other, session->timeout_ms / 1000.0);
        enum eo_term_line kind = eo_terminal_classify(line);
        if (kind == EO_TERM_WELCOME || kind == EO_TERM_OK) {
            session->authenticated = true;
            return EO_OK;
        }
        if (kind == EO_TERM_AUTH_FAILED || is_prompt(kind))
            return wrong_password(session, err); /* refused, or asked again */
        other++;
    }
}

enum eo_status eo_telnet_login(struct eo_telnet *session, const char *password,
                               unsigned prompt_wait_ms, struct eo_error *err)
{
    enum eo_term_line prompt = wait_prompt(session, prompt_wait_ms);
    if (eo_cancelled(session->cancel))
        return interrupted(session, err);
    if (prompt == EO_TERM_TEXT)
        return session->closed ? eo_error_set(err, EO_ERR_UNREACHABLE,
                                              "%s closed the terminal connection (another "
                                              "client may be connected: it takes one at a time)",
                                              session->device)
                               : EO_OK; /* no password asked */
    if (!password || !password[0])
        return eo_error_hinted(err, EO_ERR_AUTH, EO_HINT_PASSWORD_MISSING,
                               "the terminal of %s asks for the admin password and none was "
                               "given",
                               session->device);
    if (prompt == EO_TERM_PROMPT_RETRY)
        return wrong_password(session, err);
    enum eo_status status = eo_telnet_send(session, password, err);
    return status == EO_OK ? read_login_reply(session, err) : status;
}

/* The first word of a command, for messages (the rest may hold a one-time URL). */
static void command_word(const char *command, char *out, size_t cap)
{
    size_t n = strcspn(command, " ");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, command, n);
    out[n] = '\0';
}

static enum eo_status read_command_reply(struct eo_telnet *session, const char *word, char *reply,
                                         size_t reply_cap, struct eo_error *err)
{
    char line[256];
    unsigned long other = 0; /* lines that were not the answer */
    double deadline = eo_net_now() + session->timeout_ms / 1000.0;
    for (;;) {
        int got =
            eo_telnet_read_line(session, (unsigned)eo_net_ms_left(deadline), line, sizeof line);
        if (got == 0 && eo_cancelled(session->cancel))
            return interrupted(session, err);
        if (got == 1 && eo_net_now() >= deadline)
            got = 0; /* lines without end: the time is up all the same */
        if (got == 0 && other > 0)
            return eo_error_set(err, EO_ERR_UNREACHABLE,
                                "%s sent %lu lines but no answer to "
                                "'%s' within %.1f s",
                                session->device, other, word, session->timeout_ms / 1000.0);
        if (got <= 0)
            return eo_error_set(err, EO_ERR_UNREACHABLE, "%s %s before answering '%s'",
                                session->device, got < 0 ? "closed the terminal" : "timed out",
                                word);
        enum eo_term_line kind = eo_terminal_classify(line);
        if (is_prompt(kind))
            return eo_error_hinted(err, EO_ERR_AUTH, EO_HINT_PASSWORD_MISSING,
                                   "the terminal of %s asks for a password", session->device);
        if (kind == EO_TERM_OK || kind == EO_TERM_ERROR || kind == EO_TERM_AUTH_FAILED) {
            snprintf(reply, reply_cap, "%s", line);
            if (kind == EO_TERM_OK)
                return EO_OK;
            return eo_error_set(err, kind == EO_TERM_AUTH_FAILED ? EO_ERR_AUTH : EO_ERR_REFUSED,
                                "%s refused '%s': %s", session->device, word,
                                eo_terminal_error_text(line));
        }
        other++;
    }
}

enum eo_status eo_telnet_command(struct eo_telnet *session, const char *command, char *reply,
                                 size_t reply_cap, struct eo_error *err)
{
    char word[32];
    command_word(command, word, sizeof word);
    if (reply_cap)
        reply[0] = '\0';
    enum eo_status status = eo_telnet_send(session, command, err);
    return status == EO_OK ? read_command_reply(session, word, reply, reply_cap, err) : status;
}

void eo_telnet_close(struct eo_telnet *session)
{
    if (session->fd >= 0)
        close(session->fd);
    session->fd = -1;
    session->closed = true;
}
