/* hook.c — the user's command around one device's upgrade (hook.h): its environment (the tool's,
 * without any ESPURNA_OTA_* variable of its own, plus what the hook is told), starting it with
 * posix_spawn in a process group of its own, passing its output lines on as notes, and waiting
 * for it within its timeout, killing the group at the timeout or on cancellation. */
#include "espurna-ota/hook.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "espurna-ota/net.h"
#include "espurna-ota/text.h"

#define TICK_MS 100    /* how often the child and the cancellation are looked at */
#define EXIT_TICK_MS 5 /* ... once its output has ended */

/* ---- names and words ------------------------------------------------------------------- */

const char *eo_hook_when_name(enum eo_hook_when when)
{
    return when == EO_HOOK_AFTER ? "after" : "before";
}

const char *eo_hook_end_name(enum eo_hook_end end)
{
    switch (end) {
    case EO_HOOK_EXITED: return "exited";
    case EO_HOOK_SIGNALLED: return "signalled";
    case EO_HOOK_TIMED_OUT: return "timed-out";
    case EO_HOOK_INTERRUPTED: return "interrupted";
    case EO_HOOK_NOT_STARTED: return "not-started";
    }
    return "unknown";
}

bool eo_hook_passed(const struct eo_hook_result *result)
{
    return result->ran && result->end == EO_HOOK_EXITED && result->exit_code == 0;
}

const char *eo_hook_describe(const struct eo_hook_result *result, char *buf, size_t cap)
{
    switch (result->end) {
    case EO_HOOK_EXITED: snprintf(buf, cap, "exited with %d", result->exit_code); break;
    case EO_HOOK_SIGNALLED: snprintf(buf, cap, "was killed by signal %d", result->signal); break;
    case EO_HOOK_TIMED_OUT:
        snprintf(buf, cap, "was killed after %u s (its timeout)", result->timeout_s);
        break;
    case EO_HOOK_INTERRUPTED: snprintf(buf, cap, "was interrupted"); break;
    case EO_HOOK_NOT_STARTED:
        snprintf(buf, cap, "could not be started (%s)", result->last_line);
        break;
    }
    return buf;
}

/* ---- the environment ------------------------------------------------------------------- */

struct env_builder {
    char **vars;
    size_t count, cap;
    bool failed;
};

static void env_add(struct env_builder *env, char *var)
{
    if (!var) {
        env->failed = true;
        return;
    }
    if (env->count + 1 >= env->cap) {
        size_t cap = env->cap ? env->cap * 2 : 64;
        char **grown = realloc(env->vars, cap * sizeof *grown);
        if (!grown) {
            free(var);
            env->failed = true;
            return;
        }
        env->vars = grown;
        env->cap = cap;
    }
    env->vars[env->count++] = var;
    env->vars[env->count] = NULL;
}

/* "ESPURNA_OTA_<name>=<value>", control characters of the value as '?'. */
static void env_set(struct env_builder *env, const char *name, const char *value)
{
    const char *text = value ? value : "";
    size_t prefix = strlen(EO_HOOK_ENV_PREFIX) + strlen(name) + 1, len = strlen(text);
    char *var = malloc(prefix + len + 1);
    if (var) {
        snprintf(var, prefix + 1, "%s%s=", EO_HOOK_ENV_PREFIX, name);
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)text[i];
            var[prefix + i] = c < 0x20 || c == 0x7F ? '?' : (char)c;
        }
        var[prefix + len] = '\0';
    }
    env_add(env, var);
}

static void env_set_number(struct env_builder *env, const char *name, long value)
{
    char text[24];
    snprintf(text, sizeof text, "%ld", value);
    env_set(env, name, text);
}

static void env_set_context(struct env_builder *env, const struct eo_hook_context *ctx)
{
    bool after = ctx->when == EO_HOOK_AFTER;
    env_set(env, "PHASE", eo_hook_when_name(ctx->when));
    env_set(env, "DEVICE", ctx->device);
    env_set(env, "HOSTNAME", ctx->hostname);
    env_set(env, "ADDRESS", ctx->address);
    env_set(env, "CHIP_ID", ctx->chip_id);
    env_set(env, "FROM_VERSION", ctx->from_version);
    env_set(env, "TO_VERSION", ctx->to_version);
    env_set(env, "IMAGE", ctx->image);
    env_set(env, "IMAGE_MD5", ctx->image_md5);
    env_set(env, "ROUTE", ctx->route);
    env_set_number(env, "STEPS", (long)ctx->steps);
    env_set(env, "PLAN", ctx->plan);
    env_set(env, "OUTCOME", after ? ctx->outcome : "");
    env_set(env, "STATUS", after ? eo_status_name(ctx->status) : "");
    if (after)
        env_set_number(env, "EXIT_CODE", (long)ctx->status);
    else
        env_set(env, "EXIT_CODE", "");
    env_set(env, "ERROR", after ? ctx->error : "");
    env_set(env, "FINAL_VERSION", after ? ctx->final_version : "");
    env_set(env, "CHECK", after ? ctx->check : "");
    env_set(env, "RESUMED", after && ctx->resumed ? "1" : "");
}

char **eo_hook_environment(char *const *base, const struct eo_hook_context *context)
{
    struct env_builder env = {0};
    size_t prefix = strlen(EO_HOOK_ENV_PREFIX);
    for (size_t i = 0; base && base[i]; i++)
        if (strncmp(base[i], EO_HOOK_ENV_PREFIX, prefix) != 0)
            env_add(&env, strdup(base[i]));
    env_set_context(&env, context);
    if (env.failed || !env.vars) {
        eo_hook_environment_free(env.vars);
        return NULL;
    }
    return env.vars;
}

void eo_hook_environment_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

/* ---- its output -------------------------------------------------------------------------- */

struct output {
    const struct eo_hook_io *io;
    enum eo_hook_when when;
    struct eo_hook_result *result;
    char line[EO_HOOK_LINE_MAX];
    size_t len;
    bool cut; /* the line in progress is longer than we keep */
};

static void output_flush(struct output *out)
{
    char shown[EO_HOOK_LINE_MAX];
    if (out->len == 0 && !out->cut)
        return;
    if (out->len > 0 && out->line[out->len - 1] == '\r')
        out->len--; /* a CRLF line */
    eo_text_printable(shown, sizeof shown, out->line, out->len);
    out->len = 0;
    out->cut = false;
    if (!shown[0])
        return;
    struct eo_hook_result *result = out->result;
    result->lines++;
    snprintf(result->last_line, sizeof result->last_line, "%s", shown);
    if (result->lines <= EO_HOOK_MAX_LINES)
        eo_events_note(out->io->events, out->io->device, out->io->step, "hook %s: %s",
                       eo_hook_when_name(out->when), shown);
}

static void output_take(struct output *out, const char *data, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n') {
            output_flush(out);
        } else if (out->len + 1 < sizeof out->line) {
            out->line[out->len++] = data[i];
        } else {
            out->cut = true;
        }
    }
}

static void output_finish(struct output *out)
{
    output_flush(out);
    if (out->result->lines > EO_HOOK_MAX_LINES)
        eo_events_note(out->io->events, out->io->device, out->io->step,
                       "hook %s: %u more lines not shown", eo_hook_when_name(out->when),
                       out->result->lines - EO_HOOK_MAX_LINES);
}

/* Reads what the pipe holds now; false once it is at its end (or broken). */
static bool output_read(struct output *out, int fd)
{
    char buffer[4096];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n > 0) {
            output_take(out, buffer, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

/* ---- starting it ------------------------------------------------------------------------- */

static int spawn_child(const char *command, char **env, int out_fd, pid_t *pid)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t none;
    sigemptyset(&none);
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDERR_FILENO);
    /* nothing else of ours: no socket of another device's transfer, no other hook's pipe */
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    int rc = posix_spawn(pid, "/bin/sh", &actions, &attr, argv, env);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return rc;
}

static bool not_started(struct eo_hook_result *result, const char *what, int error)
{
    result->end = EO_HOOK_NOT_STARTED;
    snprintf(result->last_line, sizeof result->last_line, "%s: %s", what, strerror(error));
    return false;
}

/* Starts the command with its output into a pipe whose read end (non-blocking) is *out_fd. */
static bool start(const struct eo_hook *hook, const struct eo_hook_context *context,
                  struct eo_hook_result *result, pid_t *pid, int *out_fd)
{
    extern char **environ;
    int fds[2];
    char **env = eo_hook_environment(environ, context);
    if (!env)
        return not_started(result, "its environment", ENOMEM);
    if (pipe2(fds, O_CLOEXEC) != 0) {
        int error = errno;
        eo_hook_environment_free(env);
        return not_started(result, "a pipe for its output", error);
    }
    int rc = spawn_child(hook->command, env, fds[1], pid);
    eo_hook_environment_free(env);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return not_started(result, "/bin/sh", rc);
    }
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    *out_fd = fds[0];
    return true;
}

/* ---- waiting for it ---------------------------------------------------------------------- */

static void record_exit(struct eo_hook_result *result, int wstatus)
{
    if (WIFEXITED(wstatus)) {
        result->end = EO_HOOK_EXITED;
        result->exit_code = WEXITSTATUS(wstatus);
    } else {
        result->end = EO_HOOK_SIGNALLED;
        result->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    }
}

/* Kills the process group it leads (only the one this run started) and reaps it. */
static void kill_group(pid_t pid)
{
    int wstatus;
    kill(-pid, SIGKILL);
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
}

/* Waits for the child: its output passed on as it comes, its end, the timeout, the
 * cancellation. The pipe is not waited on once the child has exited: something it left
 * behind may hold it open. */
static void wait_child(pid_t pid, int fd, struct output *out, unsigned timeout_s)
{
    struct eo_hook_result *result = out->result;
    double deadline = eo_net_now() + timeout_s, closed_at = 0;
    bool open = true;
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        /* its output just ended: it is about to exit, look again soon */
        int tick = !open && eo_net_now() - closed_at < 0.5 ? EXIT_TICK_MS : TICK_MS;
        int wait_ms = eo_net_ms_left(deadline);
        poll(open ? &pfd : NULL, open ? 1 : 0, wait_ms < tick ? wait_ms : tick);
        if (open && !(open = output_read(out, fd)))
            closed_at = eo_net_now();
        int wstatus;
        pid_t done = waitpid(pid, &wstatus, WNOHANG);
        if (done == pid) {
            output_read(out, fd); /* what it wrote before it ended */
            record_exit(result, wstatus);
            return;
        }
        if (eo_cancelled(out->io->cancel)) {
            kill_group(pid);
            result->end = EO_HOOK_INTERRUPTED;
            return;
        }
        if (eo_net_ms_left(deadline) == 0) {
            kill_group(pid);
            result->end = EO_HOOK_TIMED_OUT;
            return;
        }
    }
}

enum eo_status eo_hook_run(const struct eo_hook *hook, const struct eo_hook_context *context,
                           const struct eo_hook_io *io, struct eo_hook_result *result,
                           struct eo_error *err)
{
    memset(result, 0, sizeof *result);
    result->ran = true;
    result->when = context->when;
    result->exit_code = -1;
    result->timeout_s = hook->timeout_s ? hook->timeout_s : EO_HOOK_DEFAULT_TIMEOUT_S;
    double started = eo_net_now();
    pid_t pid;
    int fd;
    if (!start(hook, context, result, &pid, &fd))
        return EO_OK;
    struct output out = {.io = io, .when = context->when, .result = result};
    wait_child(pid, fd, &out, result->timeout_s);
    close(fd);
    output_finish(&out);
    result->seconds = eo_net_now() - started;
    if (result->end != EO_HOOK_INTERRUPTED)
        return EO_OK;
    eo_error_set(err, EO_ERR_INTERRUPTED, "the hook %s the upgrade of %s was interrupted",
                 eo_hook_when_name(context->when), io->device ? io->device : "the device");
    if (err)
        err->signal = eo_cancel_signal(io->cancel);
    return EO_ERR_INTERRUPTED;
}
