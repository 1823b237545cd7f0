/* journal.c — the fleet journal (journal.h): appending durable JSON lines under a fresh run id,
 * an event sink that journals one device's upgrade, and replaying a journal into the last known
 * standing of each device so that a killed run can be resumed. */
#include "espurna-ota/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "espurna-ota/file_open.h"
#include "espurna-ota/hook.h"
#include "espurna-ota/output.h"
#include "espurna-ota/upgrade.h"
#include "espurna-ota/user_dirs.h"

#define JOURNAL_MAX_BYTES (1024u * 1024u * 1024u) /* refuse to replay anything larger */

struct eo_journal {
    int fd;
    char *path;
    char run[EO_JOURNAL_RUN_ID_LEN + 1];
    unsigned long long seq; /* of the last line written */
    pthread_mutex_t lock;
};

/* ---- names -------------------------------------------------------------------------------- */

static const char *const event_names[EO_JOURNAL_EVENT_COUNT] = {
    [EO_JOURNAL_RUN_STARTED] = "run-started",   [EO_JOURNAL_RUN_DONE] = "run-done",
    [EO_JOURNAL_STARTED] = "started",           [EO_JOURNAL_PLAN] = "plan",
    [EO_JOURNAL_STEP_STARTED] = "step-started", [EO_JOURNAL_STEP_DONE] = "step-done",
    [EO_JOURNAL_DEVICE_DONE] = "device-done",   [EO_JOURNAL_HOOK] = "hook",
};

const char *eo_journal_event_name(enum eo_journal_event event)
{
    return (unsigned)event < EO_JOURNAL_EVENT_COUNT ? event_names[event] : "unknown";
}

bool eo_journal_event_parse(const char *name, enum eo_journal_event *out)
{
    for (unsigned i = 0; i < EO_JOURNAL_EVENT_COUNT; i++) {
        if (strcmp(name, event_names[i]) == 0) {
            *out = (enum eo_journal_event)i;
            return true;
        }
    }
    return false;
}

const char *eo_journal_standing_name(enum eo_journal_standing standing)
{
    switch (standing) {
    case EO_JOURNAL_IN_FLIGHT: return "in-flight";
    case EO_JOURNAL_FINISHED: return "finished";
    case EO_JOURNAL_ON_CORE: return "on-core";
    case EO_JOURNAL_FAILED: return "failed";
    case EO_JOURNAL_PENDING: return "pending";
    }
    return "unknown";
}

static const char *role_name(enum eo_journal_role role)
{
    switch (role) {
    case EO_JOURNAL_ROLE_CORE: return "core";
    case EO_JOURNAL_ROLE_TARGET: return "target";
    case EO_JOURNAL_ROLE_UNKNOWN: break;
    }
    return NULL;
}

/* A status name: of a device (up to EO_ERR_UNKNOWN, a hook's, or interrupted), or with `of_run`
 * also of a whole run (some_failed, aborted, nothing_to_do). */
static bool status_parse(const char *name, bool of_run, enum eo_status *out)
{
    for (int code = EO_OK; code <= EO_ERR_INTERRUPTED; code++) {
        bool device_status = code <= EO_ERR_UNKNOWN || code == EO_ERR_HOOK_SKIPPED ||
                             code == EO_ERR_HOOK_FAILED || code == EO_ERR_INTERRUPTED;
        bool run_status =
            code == EO_ERR_SOME_FAILED || code == EO_ERR_ABORTED || code == EO_NOTHING_TO_DO;
        if ((device_status || (of_run && run_status)) &&
            strcmp(name, eo_status_name((enum eo_status)code)) == 0) {
            *out = (enum eo_status)code;
            return true;
        }
    }
    return false;
}

static bool is_run_event(enum eo_journal_event event)
{
    return event == EO_JOURNAL_RUN_STARTED || event == EO_JOURNAL_RUN_DONE;
}

/* A step whose role was not written: in a two-step plan the core goes first. */
static enum eo_journal_role inferred_role(unsigned step, unsigned steps)
{
    if (steps == 2 && step == 1)
        return EO_JOURNAL_ROLE_CORE;
    return steps ? EO_JOURNAL_ROLE_TARGET : EO_JOURNAL_ROLE_UNKNOWN;
}

/* ---- building a line ---------------------------------------------------------------------- */

static void set_text(json_t *obj, const char *key, const char *text)
{
    json_object_set_new(obj, key, eo_out_json_text(text));
}

static void format_now(char out[32])
{
    struct timespec now;
    struct tm utc;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &utc);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(now.tv_nsec / 1000000L) % 1000u);
}

static void add_step_fields(json_t *obj, const struct eo_journal_entry *entry)
{
    json_object_set_new(obj, "step", json_integer(entry->step));
    json_object_set_new(obj, "steps", json_integer(entry->steps));
    set_text(obj, "role", role_name(entry->role));
    set_text(obj, "method", entry->method);
}

static void add_event_fields(json_t *obj, const struct eo_journal_entry *entry)
{
    switch (entry->event) {
    case EO_JOURNAL_RUN_STARTED: break;
    case EO_JOURNAL_RUN_DONE: set_text(obj, "status", eo_status_name(entry->status)); break;
    case EO_JOURNAL_STARTED:
        set_text(obj, "image", entry->image);
        set_text(obj, "md5", entry->md5);
        set_text(obj, "version", entry->version);
        break;
    case EO_JOURNAL_PLAN:
        set_text(obj, "route", entry->route);
        json_object_set_new(obj, "steps", json_integer(entry->steps));
        set_text(obj, "text", entry->text);
        set_text(obj, "from", entry->from);
        break;
    case EO_JOURNAL_STEP_STARTED: add_step_fields(obj, entry); break;
    case EO_JOURNAL_STEP_DONE:
        add_step_fields(obj, entry);
        set_text(obj, "status", eo_status_name(entry->status));
        json_object_set_new(obj, "seconds", json_real(entry->seconds));
        set_text(obj, "text", entry->text);
        break;
    case EO_JOURNAL_DEVICE_DONE:
        set_text(obj, "status", eo_status_name(entry->status));
        set_text(obj, "image", entry->image);
        set_text(obj, "md5", entry->md5);
        set_text(obj, "version", entry->version);
        json_object_set_new(obj, "seconds", json_real(entry->seconds));
        set_text(obj, "where", entry->where);
        set_text(obj, "error", entry->status == EO_OK ? NULL : entry->error);
        break;
    case EO_JOURNAL_HOOK:
        set_text(obj, "when", entry->hook_when);
        json_object_set_new(obj, "passed", json_boolean(entry->hook_passed));
        set_text(obj, "end", entry->hook_end);
        json_object_set_new(obj, "exit_code",
                            entry->hook_exit_code >= 0 ? json_integer(entry->hook_exit_code)
                                                       : json_null());
        json_object_set_new(obj, "seconds", json_real(entry->seconds));
        break;
    case EO_JOURNAL_EVENT_COUNT: break;
    }
}

/* The whole line, newline included; NULL when out of memory. */
static char *format_line(const struct eo_journal *journal, unsigned long long seq,
                         const struct eo_journal_entry *entry, size_t *len)
{
    char time_text[32];
    format_now(time_text);
    json_t *obj = json_object();
    json_object_set_new(obj, "run", json_string(journal->run));
    json_object_set_new(obj, "seq", json_integer((json_int_t)seq));
    json_object_set_new(obj, "time", json_string(time_text));
    set_text(obj, "device", is_run_event(entry->event) ? NULL : entry->device);
    json_object_set_new(obj, "event", json_string(eo_journal_event_name(entry->event)));
    add_event_fields(obj, entry);
    /* ten significant digits: "seconds" reads 5.2, not 5.2000000000000002 */
    char *text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(obj);
    if (!text)
        return NULL;
    size_t n = strlen(text);
    char *line = realloc(text, n + 2);
    if (!line) {
        free(text);
        return NULL;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    *len = n + 1;
    return line;
}

/* ---- opening ------------------------------------------------------------------------------ */

static bool fill_random(unsigned char *bytes, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(bytes + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got == len)
        return true;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, bytes, len);
    close(fd);
    return n == (ssize_t)len;
}

static bool make_run_id(char out[EO_JOURNAL_RUN_ID_LEN + 1])
{
    unsigned char bytes[EO_JOURNAL_RUN_ID_LEN / 2];
    if (!fill_random(bytes, sizeof bytes))
        return false;
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    return true;
}

/* mkdir -p of the folders above `path`, each new one with mode 0700. */
static enum eo_status make_parents(const char *path, struct eo_error *err)
{
    char *copy = strdup(path);
    if (!copy)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    enum eo_status status = EO_OK;
    for (char *slash = strchr(copy + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
            status = eo_error_set(err, EO_ERR_FILE, "journal %s: cannot create folder %s: %s", path,
                                  copy, strerror(errno));
            break;
        }
        *slash = '/';
    }
    free(copy);
    return status;
}

static enum eo_status open_failed(const char *path, int error, struct eo_error *err)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        return eo_error_set(err, EO_ERR_FILE, "journal %s: is a symbolic link", path);
    if ((error == EISDIR || error == ENXIO) && stat(path, &st) == 0)
        return eo_error_set(err, EO_ERR_FILE, "journal %s: not a regular file (it is %s)", path,
                            eo_file_type_name(st.st_mode));
    return eo_error_set(err, EO_ERR_FILE, "journal %s: cannot open: %s", path, strerror(error));
}

/* Opens without following a link or blocking on a FIFO; checks it is a regular file and that no
 * other process has it. */
static enum eo_status open_regular(const char *path, int *fd_out, struct eo_error *err)
{
    int flags = O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
    int fd = open(path, flags, 0600);
    if (fd < 0)
        return open_failed(path, errno, err);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        return eo_error_set(err, EO_ERR_FILE, "journal %s: cannot stat: %s", path, strerror(saved));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return eo_error_set(err, EO_ERR_FILE, "journal %s: not a regular file (it is %s)", path,
                            eo_file_type_name(st.st_mode));
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        close(fd);
        if (saved == EWOULDBLOCK)
            return eo_error_set(err, EO_ERR_FILE, "journal %s: in use by another run", path);
        return eo_error_set(err, EO_ERR_FILE, "journal %s: cannot lock: %s", path, strerror(saved));
    }
    *fd_out = fd;
    return EO_OK;
}

/* Offset just after the last '\n' before `end` (0 when there is none). */
static off_t line_start_before(int fd, off_t end)
{
    char chunk[4096];
    while (end > 0) {
        off_t from = end > (off_t)sizeof chunk ? end - (off_t)sizeof chunk : 0;
        ssize_t n = pread(fd, chunk, (size_t)(end - from), from);
        if (n <= 0)
            return 0;
        for (ssize_t i = n - 1; i >= 0; i--)
            if (chunk[i] == '\n')
                return from + i + 1;
        end = from;
    }
    return 0;
}

static bool region_is_json(int fd, off_t from, off_t to)
{
    size_t len = (size_t)(to - from);
    char *text = malloc(len ? len : 1);
    if (!text)
        return true; /* cannot tell: keep it */
    bool json = false;
    if (pread(fd, text, len, from) == (ssize_t)len) {
        json_t *value = json_loadb(text, len, 0, NULL);
        json = value != NULL;
        json_decref(value);
    }
    free(text);
    return json;
}

/* Where the journal should end: before a torn last line (no newline, or not JSON). */
static off_t sound_end(int fd, off_t size)
{
    char last = '\n';
    if (size == 0 || pread(fd, &last, 1, size - 1) != 1)
        return size;
    if (last != '\n')
        return line_start_before(fd, size);
    off_t start = line_start_before(fd, size - 1);
    return region_is_json(fd, start, size - 1) ? size : start;
}

static enum eo_status cut_torn_tail(int fd, const char *path, struct eo_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return eo_error_set(err, EO_ERR_FILE, "journal %s: cannot stat: %s", path, strerror(errno));
    off_t end = sound_end(fd, st.st_size);
    if (end != st.st_size && (ftruncate(fd, end) != 0 || fdatasync(fd) != 0))
        return eo_error_set(err, EO_ERR_FILE, "journal %s: cannot cut its torn last line: %s", path,
                            strerror(errno));
    return EO_OK;
}

static enum eo_status open_fd(const char *path, int *fd, struct eo_error *err)
{
    enum eo_status status = make_parents(path, err);
    if (status == EO_OK)
        status = open_regular(path, fd, err);
    if (status == EO_OK && (status = cut_torn_tail(*fd, path, err)) != EO_OK)
        close(*fd);
    return status;
}

enum eo_status eo_journal_open(const char *path, struct eo_journal **out, struct eo_error *err)
{
    *out = NULL;
    struct eo_journal *journal = calloc(1, sizeof *journal);
    if (!journal || !(journal->path = strdup(path))) {
        free(journal);
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    }
    if (!make_run_id(journal->run)) {
        free(journal->path);
        free(journal);
        return eo_error_set(err, EO_ERR_INTERNAL, "journal %s: no random run id: %s", path,
                            strerror(errno));
    }
    enum eo_status status = open_fd(path, &journal->fd, err);
    if (status != EO_OK) {
        free(journal->path);
        free(journal);
        return status;
    }
    pthread_mutex_init(&journal->lock, NULL);
    *out = journal;
    return EO_OK;
}

const char *eo_journal_run_id(const struct eo_journal *journal)
{
    return journal->run;
}

void eo_journal_close(struct eo_journal *journal)
{
    if (!journal)
        return;
    close(journal->fd);
    pthread_mutex_destroy(&journal->lock);
    free(journal->path);
    free(journal);
}

/* ---- appending ---------------------------------------------------------------------------- */

/* One write() of the whole line; a short one is undone so that no fragment stays. */
static enum eo_status write_line(struct eo_journal *journal, const char *line, size_t len,
                                 struct eo_error *err)
{
    struct stat st;
    if (fstat(journal->fd, &st) != 0)
        return eo_error_set(err, EO_ERR_FILE, "journal %s: cannot stat: %s", journal->path,
                            strerror(errno));
    ssize_t n;
    do
        n = write(journal->fd, line, len);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)len)
        return EO_OK;
    int saved = n < 0 ? errno : ENOSPC;
    if (n > 0 && ftruncate(journal->fd, st.st_size) != 0)
        saved = errno;
    return eo_error_set(err, EO_ERR_FILE, "journal %s: cannot write: %s", journal->path,
                        strerror(saved));
}

static enum eo_status append_locked(struct eo_journal *journal,
                                    const struct eo_journal_entry *entry, struct eo_error *err)
{
    size_t len = 0;
    char *line = format_line(journal, journal->seq + 1, entry, &len);
    if (!line)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    enum eo_status status = write_line(journal, line, len, err);
    free(line);
    if (status != EO_OK)
        return status;
    if (fdatasync(journal->fd) != 0)
        return eo_error_set(err, EO_ERR_FILE, "journal %s: cannot sync: %s", journal->path,
                            strerror(errno));
    journal->seq++;
    return EO_OK;
}

enum eo_status eo_journal_append(struct eo_journal *journal, const struct eo_journal_entry *entry,
                                 struct eo_error *err)
{
    pthread_mutex_lock(&journal->lock);
    enum eo_status status = append_locked(journal, entry, err);
    pthread_mutex_unlock(&journal->lock);
    return status;
}

/* ---- the default path --------------------------------------------------------------------- */

bool eo_journal_default_path(char *out, size_t cap)
{
    return eo_user_path("XDG_STATE_HOME", ".local/state", eo_user_home(), "journal.jsonl", out,
                        cap);
}

/* ---- the event sink ----------------------------------------------------------------------- */

static const struct eo_upgrade_step_result *result_step(const struct eo_journal_device_sink *sink,
                                                        unsigned step)
{
    if (!sink->result || step == 0 || step > EO_PLAN_MAX_STEPS)
        return NULL;
    return &sink->result->steps[step - 1];
}

static enum eo_journal_role sink_role(const struct eo_journal_device_sink *sink, unsigned step,
                                      unsigned steps)
{
    const struct eo_upgrade_result *result = sink->result;
    if (result && result->planned && step >= 1 && step <= result->plan.step_count)
        return result->plan.steps[step - 1].image == EO_STEP_CORE ? EO_JOURNAL_ROLE_CORE
                                                                  : EO_JOURNAL_ROLE_TARGET;
    return inferred_role(step, steps);
}

static void sink_step(const struct eo_journal_device_sink *sink, const struct eo_event *event,
                      struct eo_journal_entry *entry)
{
    const struct eo_upgrade_step_result *step = result_step(sink, event->step);
    entry->step = event->step;
    entry->steps = event->steps;
    entry->role = sink_role(sink, event->step, event->steps);
    entry->method = step ? eo_method_name(step->method) : NULL;
}

static const char *sink_final_version(const struct eo_journal_device_sink *sink,
                                      enum eo_status status)
{
    if (sink->result && sink->result->final_version[0])
        return sink->result->final_version;
    return status == EO_OK ? sink->version : NULL;
}

static bool sink_phase(const struct eo_journal_device_sink *sink, const struct eo_event *event,
                       struct eo_journal_entry *entry)
{
    const struct eo_upgrade_result *result = sink->result;
    switch (event->phase) {
    case EO_PHASE_LEARN:
        *entry = (struct eo_journal_entry){.event = EO_JOURNAL_STARTED,
                                           .image = sink->image,
                                           .md5 = sink->md5,
                                           .version = sink->version};
        return true;
    case EO_PHASE_PLAN:
        *entry = (struct eo_journal_entry){
            .event = EO_JOURNAL_PLAN, .steps = event->steps, .text = event->text};
        entry->route = result && result->planned ? eo_route_name(result->plan.route) : NULL;
        entry->from =
            result && result->before.device.version[0] ? result->before.device.version : NULL;
        return true;
    case EO_PHASE_PUSH:
        *entry = (struct eo_journal_entry){.event = EO_JOURNAL_STEP_STARTED};
        sink_step(sink, event, entry);
        return event->step > 0;
    default: return false;
    }
}

static bool sink_hook(const struct eo_event *event, struct eo_journal_entry *entry)
{
    const struct eo_hook_result *hook = event->hook;
    if (!hook)
        return false;
    *entry = (struct eo_journal_entry){
        .event = EO_JOURNAL_HOOK,
        .hook_when = eo_hook_when_name(hook->when),
        .hook_passed = eo_hook_passed(hook),
        .hook_end = eo_hook_end_name(hook->end),
        .hook_exit_code = hook->end == EO_HOOK_EXITED ? hook->exit_code : -1,
        .seconds = hook->seconds,
    };
    return true;
}

/* Why the upgrade failed, one line, NULL when nobody said. */
static const char *sink_failure(const struct eo_journal_device_sink *sink)
{
    return sink->failure && sink->failure->message[0] ? sink->failure->message : NULL;
}

/* The entry an event makes, false when it is not journalled. */
static bool sink_entry(const struct eo_journal_device_sink *sink, const struct eo_event *event,
                       struct eo_journal_entry *entry)
{
    switch (event->kind) {
    case EO_EVENT_PHASE: return sink_phase(sink, event, entry);
    case EO_EVENT_STEP_RESULT:
        *entry = (struct eo_journal_entry){.event = EO_JOURNAL_STEP_DONE,
                                           .status = event->status,
                                           .seconds = event->elapsed_s,
                                           .text = event->text};
        sink_step(sink, event, entry);
        return true;
    case EO_EVENT_DEVICE_RESULT:
        *entry = (struct eo_journal_entry){.event = EO_JOURNAL_DEVICE_DONE,
                                           .status = event->status,
                                           .image = sink->image,
                                           .md5 = sink->md5,
                                           .version = sink_final_version(sink, event->status),
                                           .seconds = event->elapsed_s,
                                           .where = event->text};
        entry->error = sink_failure(sink);
        return !(sink->result && sink->result->dry_run);
    case EO_EVENT_HOOK_RESULT: return sink_hook(event, entry);
    case EO_EVENT_PROGRESS:
    case EO_EVENT_NOTE:
    case EO_EVENT_STANDING: break;
    }
    return false;
}

static void sink_emit(void *ctx, const struct eo_event *event)
{
    struct eo_journal_device_sink *sink = ctx;
    struct eo_journal_entry entry;
    if (sink_entry(sink, event, &entry)) {
        entry.device = sink->device;
        struct eo_error error;
        enum eo_status status = eo_journal_append(sink->journal, &entry, &error);
        if (status != EO_OK && sink->status == EO_OK) {
            sink->status = status;
            sink->error = error;
        }
    }
    eo_events_emit(sink->next, event);
}

struct eo_events eo_journal_sink(struct eo_journal_device_sink *sink)
{
    sink->status = EO_OK;
    eo_error_clear(&sink->error);
    return (struct eo_events){.emit = sink_emit, .ctx = sink};
}

/* ---- replay: one line --------------------------------------------------------------------- */

/* Why a line is not a journal line, written into `why` (the return is false then). */
struct line_check {
    char why[200];
    bool no_memory; /* not the line's fault */
};

static bool refuse(struct line_check *check, const char *format, const char *key)
{
    snprintf(check->why, sizeof check->why, format, key);
    return false;
}

static bool get_string(json_t *obj, const char *key, bool nullable, const char **out,
                       struct line_check *check)
{
    json_t *value = json_object_get(obj, key);
    *out = NULL;
    if (!value)
        return refuse(check, "no \"%s\"", key);
    if (nullable && json_is_null(value))
        return true;
    if (!json_is_string(value))
        return refuse(check, nullable ? "\"%s\" is not a string or null" : "\"%s\" is not a string",
                      key);
    *out = json_string_value(value);
    return true;
}

/* A key added to the format later: a line that lacks it reads as null. */
static bool get_later_string(json_t *obj, const char *key, const char **out,
                             struct line_check *check)
{
    *out = NULL;
    return !json_object_get(obj, key) || get_string(obj, key, true, out, check);
}

/* "seconds": a number of seconds, 0 when absent or null (a report's figure, not a decision). */
static bool get_seconds(json_t *obj, double *out, struct line_check *check)
{
    json_t *value = json_object_get(obj, "seconds");
    *out = 0.0;
    if (!value || json_is_null(value))
        return true;
    if (!json_is_number(value) || json_number_value(value) < 0)
        return refuse(check, "\"%s\" is not a non-negative number", "seconds");
    *out = json_number_value(value);
    return true;
}

static bool get_count(json_t *obj, const char *key, json_int_t min, unsigned *out,
                      struct line_check *check)
{
    json_t *value = json_object_get(obj, key);
    if (!value)
        return refuse(check, "no \"%s\"", key);
    if (!json_is_integer(value) || json_integer_value(value) < min ||
        json_integer_value(value) > UINT32_MAX)
        return refuse(
            check,
            min ? "\"%s\" is not a positive integer" : "\"%s\" is not a non-negative integer", key);
    *out = (unsigned)json_integer_value(value);
    return true;
}

static bool get_status(json_t *obj, bool of_run, enum eo_status *out, struct line_check *check)
{
    const char *name;
    if (!get_string(obj, "status", false, &name, check))
        return false;
    if (!status_parse(name, of_run, out))
        return refuse(check, "\"%s\" is not a status name", "status");
    return true;
}

static bool get_role(json_t *obj, unsigned step, unsigned steps, enum eo_journal_role *out,
                     struct line_check *check)
{
    const char *name;
    if (!get_string(obj, "role", true, &name, check))
        return false;
    if (!name)
        *out = inferred_role(step, steps);
    else if (strcmp(name, "core") == 0)
        *out = EO_JOURNAL_ROLE_CORE;
    else if (strcmp(name, "target") == 0)
        *out = EO_JOURNAL_ROLE_TARGET;
    else
        return refuse(check, "\"%s\" is neither \"core\" nor \"target\"", "role");
    return true;
}

/* The keys of every line, with the entry's event and device. */
struct line_head {
    const char *run, *time, *device;
    unsigned seq;
    enum eo_journal_event event;
};

static bool read_head(json_t *obj, struct line_head *head, struct line_check *check)
{
    const char *event;
    if (!get_string(obj, "run", false, &head->run, check) ||
        !get_count(obj, "seq", 1, &head->seq, check) ||
        !get_string(obj, "time", false, &head->time, check) ||
        !get_string(obj, "event", false, &event, check))
        return false;
    if (!eo_journal_event_parse(event, &head->event)) {
        snprintf(check->why, sizeof check->why, "unknown event \"%.100s\"", event);
        return false;
    }
    bool run_event = is_run_event(head->event);
    if (!get_string(obj, "device", run_event, &head->device, check))
        return false;
    if (!run_event && !head->device[0])
        return refuse(check, "\"%s\" is empty", "device");
    return true;
}

/* ---- replay: a device's standing ---------------------------------------------------------- */

struct device_facts {
    unsigned in_flight; /* the step started and not ended, 0 none */
    bool finished, failed;
};

static struct eo_journal_device *find_device(const struct eo_journal_state *state,
                                             const char *device)
{
    for (size_t i = 0; i < state->count; i++)
        if (strcmp(state->devices[i].device, device) == 0)
            return &state->devices[i];
    return NULL;
}

const struct eo_journal_device *eo_journal_state_find(const struct eo_journal_state *state,
                                                      const char *device)
{
    return find_device(state, device);
}

static struct eo_journal_device *add_device(struct eo_journal_state *state, const char *device)
{
    if (state->count % 16 == 0) {
        struct eo_journal_device *grown =
            realloc(state->devices, (state->count + 16) * sizeof *grown);
        if (!grown)
            return NULL;
        state->devices = grown;
    }
    struct eo_journal_device *record = &state->devices[state->count];
    *record = (struct eo_journal_device){
        .device = strdup(device), .status = EO_OK, .standing = EO_JOURNAL_PENDING};
    if (!record->device)
        return NULL;
    state->count++;
    return record;
}

static void copy_text(char *out, size_t cap, const char *text)
{
    snprintf(out, cap, "%s", text ? text : "");
}

/* Replaces a record's text with a copy of `text` (NULL clears it); false when out of memory. */
static bool keep_text(char **slot, const char *text)
{
    char *copy = text ? strdup(text) : NULL;
    if (text && !copy)
        return false;
    free(*slot);
    *slot = copy;
    return true;
}

static bool out_of_memory(struct line_check *check)
{
    check->no_memory = true;
    return false;
}

/* What the latest upgrade said, forgotten when the next one starts. */
static void forget_upgrade(struct eo_journal_device *record)
{
    record->route[0] = record->from[0] = '\0';
    record->seconds = 0.0;
    keep_text(&record->where, NULL);
    keep_text(&record->error, NULL);
}

static bool apply_started(struct eo_journal_device *record, json_t *obj, struct line_check *check)
{
    const char *md5, *image, *version;
    if (!get_string(obj, "image", true, &image, check) ||
        !get_string(obj, "md5", true, &md5, check) ||
        !get_string(obj, "version", true, &version, check))
        return false;
    copy_text(record->md5, sizeof record->md5, md5);
    record->version[0] = '\0';
    record->step = record->steps = 0;
    record->role = EO_JOURNAL_ROLE_UNKNOWN;
    record->status = EO_OK;
    record->standing = EO_JOURNAL_PENDING;
    forget_upgrade(record);
    return keep_text(&record->image, image) || out_of_memory(check);
}

static bool apply_plan(struct eo_journal_device *record, json_t *obj, struct line_check *check)
{
    unsigned steps;
    const char *route, *from;
    if (!get_count(obj, "steps", 0, &steps, check) ||
        !get_later_string(obj, "route", &route, check) ||
        !get_later_string(obj, "from", &from, check))
        return false;
    copy_text(record->route, sizeof record->route, route);
    copy_text(record->from, sizeof record->from, from);
    return true;
}

static bool read_step(struct eo_journal_device *record, json_t *obj, struct line_check *check)
{
    unsigned step, steps;
    enum eo_journal_role role;
    const char *method;
    if (!get_count(obj, "step", 1, &step, check) || !get_count(obj, "steps", 0, &steps, check) ||
        !get_role(obj, step, steps, &role, check) ||
        !get_string(obj, "method", true, &method, check))
        return false;
    record->step = step;
    record->steps = steps;
    record->role = role;
    return true;
}

static bool apply_step_done(struct eo_journal_device *record, json_t *obj, struct line_check *check)
{
    enum eo_status status;
    double seconds;
    if (!read_step(record, obj, check) || !get_status(obj, false, &status, check) ||
        !get_seconds(obj, &seconds, check))
        return false;
    record->seconds += seconds;
    if (status == EO_OK)
        record->on_core = record->role == EO_JOURNAL_ROLE_CORE;
    else
        record->status = status;
    return true;
}

static bool apply_device_done(struct eo_journal_device *record, struct device_facts *facts,
                              json_t *obj, struct line_check *check)
{
    enum eo_status status;
    const char *md5, *image, *version, *where, *error;
    if (!get_status(obj, false, &status, check) || !get_string(obj, "image", true, &image, check) ||
        !get_string(obj, "md5", true, &md5, check) ||
        !get_string(obj, "version", true, &version, check) ||
        !get_string(obj, "where", true, &where, check) ||
        !get_later_string(obj, "error", &error, check) ||
        !get_seconds(obj, &record->seconds, check))
        return false;
    if (!keep_text(&record->where, where) || !keep_text(&record->error, error))
        return out_of_memory(check);
    record->status = status;
    facts->finished = status == EO_OK;
    facts->failed = status != EO_OK;
    if (facts->finished) {
        record->on_core = false;
        copy_text(record->md5, sizeof record->md5, md5);
        copy_text(record->version, sizeof record->version, version);
    }
    return true;
}

/* A hook before the first step that said yes leaves the device's hook after pending until a hook
 * after says yes; one before that said no sent nothing. */
static bool apply_hook(struct eo_journal_device *record, json_t *obj, struct line_check *check)
{
    const char *when;
    json_t *passed = json_object_get(obj, "passed");
    if (!get_string(obj, "when", false, &when, check))
        return false;
    if (!json_is_boolean(passed))
        return refuse(check, "\"%s\" is not true or false", "passed");
    if (strcmp(when, "before") == 0)
        record->hook_pending = json_is_true(passed);
    else if (strcmp(when, "after") == 0)
        record->hook_pending = record->hook_pending && !json_is_true(passed);
    else
        return refuse(check, "\"%s\" is neither \"before\" nor \"after\"", "when");
    return true;
}

static bool apply_event(struct eo_journal_device *record, struct device_facts *facts,
                        enum eo_journal_event event, json_t *obj, struct line_check *check)
{
    switch (event) {
    case EO_JOURNAL_STARTED:
        *facts = (struct device_facts){0};
        return apply_started(record, obj, check);
    case EO_JOURNAL_PLAN: return apply_plan(record, obj, check);
    case EO_JOURNAL_STEP_STARTED: facts->in_flight = 1; return read_step(record, obj, check);
    case EO_JOURNAL_STEP_DONE: facts->in_flight = 0; return apply_step_done(record, obj, check);
    case EO_JOURNAL_DEVICE_DONE:
        facts->in_flight = 0;
        return apply_device_done(record, facts, obj, check);
    case EO_JOURNAL_HOOK: return apply_hook(record, obj, check);
    default: return true;
    }
}

static enum eo_journal_standing standing_of(const struct eo_journal_device *record,
                                            const struct device_facts *facts)
{
    if (facts->in_flight)
        return EO_JOURNAL_IN_FLIGHT;
    if (facts->finished)
        return EO_JOURNAL_FINISHED;
    if (record->on_core)
        return EO_JOURNAL_ON_CORE;
    if (facts->failed)
        return EO_JOURNAL_FAILED;
    return EO_JOURNAL_PENDING;
}

/* ---- replay: the file --------------------------------------------------------------------- */

struct replay {
    const char *path;
    struct eo_journal_state *state;
    struct device_facts *facts; /* parallel to state->devices */
    size_t facts_cap;
};

static struct device_facts *facts_for(struct replay *replay, size_t index)
{
    if (index >= replay->facts_cap) {
        size_t cap = replay->facts_cap ? 2 * replay->facts_cap : 16;
        struct device_facts *grown = realloc(replay->facts, cap * sizeof *grown);
        if (!grown)
            return NULL;
        memset(grown + replay->facts_cap, 0, (cap - replay->facts_cap) * sizeof *grown);
        replay->facts = grown;
        replay->facts_cap = cap;
    }
    return &replay->facts[index];
}

/* A run's start or end: the state says whether the last run ended, and how. */
static bool apply_run_event(struct eo_journal_state *state, enum eo_journal_event event,
                            json_t *obj, struct line_check *check)
{
    state->last_run_ended = event == EO_JOURNAL_RUN_DONE;
    state->last_run_status = EO_OK;
    if (event == EO_JOURNAL_RUN_STARTED) {
        state->runs++;
        return true;
    }
    return get_status(obj, true, &state->last_run_status, check);
}

static enum eo_status apply_object(struct replay *replay, json_t *obj, size_t line,
                                   struct line_check *check, struct eo_error *err)
{
    struct line_head head;
    if (!json_is_object(obj)) {
        snprintf(check->why, sizeof check->why, "not an object");
        return EO_ERR_INPUT;
    }
    if (!read_head(obj, &head, check))
        return EO_ERR_INPUT;
    copy_text(replay->state->last_run, sizeof replay->state->last_run, head.run);
    if (is_run_event(head.event))
        return apply_run_event(replay->state, head.event, obj, check) ? EO_OK : EO_ERR_INPUT;
    replay->state->last_run_ended = false;
    struct eo_journal_device *record = find_device(replay->state, head.device);
    if (!record && !(record = add_device(replay->state, head.device)))
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    struct device_facts *facts = facts_for(replay, (size_t)(record - replay->state->devices));
    if (!facts)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    if (!apply_event(record, facts, head.event, obj, check))
        return check->no_memory ? eo_error_set(err, EO_ERR_INTERNAL, "out of memory")
                                : EO_ERR_INPUT;
    copy_text(record->run, sizeof record->run, head.run);
    copy_text(record->time, sizeof record->time, head.time);
    record->line = line;
    record->standing = standing_of(record, facts);
    return EO_OK;
}

/* One line (without its newline). A line that is not JSON is torn when it is the last one. */
static enum eo_status replay_line(struct replay *replay, const char *text, size_t len, size_t line,
                                  bool last, struct eo_error *err)
{
    struct line_check check = {{0}, false};
    json_error_t jerr;
    json_t *obj = json_loadb(text, len, 0, &jerr);
    if (!obj && last) {
        replay->state->torn = true;
        return EO_OK;
    }
    if (!obj)
        return eo_error_set(err, EO_ERR_INPUT, "%s:%zu: not a journal line (not JSON: %s)",
                            replay->path, line, jerr.text);
    enum eo_status status = apply_object(replay, obj, line, &check, err);
    json_decref(obj);
    if (status == EO_ERR_INPUT)
        return eo_error_set(err, EO_ERR_INPUT, "%s:%zu: not a journal line (%s)", replay->path,
                            line, check.why);
    if (status == EO_OK)
        replay->state->lines++;
    return status;
}

static enum eo_status replay_text(struct replay *replay, const char *text, size_t size,
                                  struct eo_error *err)
{
    const char *end = text + size;
    size_t line = 1;
    for (const char *at = text; at < end; line++) {
        const char *newline = memchr(at, '\n', (size_t)(end - at));
        if (!newline) { /* the last line lacks its newline: torn */
            replay->state->torn = true;
            return EO_OK;
        }
        enum eo_status status =
            replay_line(replay, at, (size_t)(newline - at), line, newline + 1 == end, err);
        if (status != EO_OK)
            return status;
        at = newline + 1;
    }
    return EO_OK;
}

static enum eo_status read_whole(const char *path, char **text, size_t *size, struct eo_error *err)
{
    int fd;
    size_t length;
    enum eo_status status = eo_file_open_regular("journal", path, &fd, &length, err);
    if (status != EO_OK)
        return status;
    if (length > JOURNAL_MAX_BYTES) {
        close(fd);
        return eo_error_set(err, EO_ERR_FILE, "journal %s: too large (%zu bytes)", path, length);
    }
    char *buffer = malloc(length ? length : 1);
    size_t got = 0;
    ssize_t n = 1;
    while (buffer && got < length && (n = read(fd, buffer + got, length - got)) != 0) {
        if (n < 0 && errno != EINTR)
            break;
        got += n > 0 ? (size_t)n : 0;
    }
    int saved = errno;
    close(fd);
    if (!buffer)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    if (n < 0) {
        free(buffer);
        return eo_error_set(err, EO_ERR_FILE, "journal %s: cannot read: %s", path, strerror(saved));
    }
    *text = buffer;
    *size = got; /* a journal that shrank while read is taken as it was */
    return EO_OK;
}

enum eo_status eo_journal_replay(const char *path, struct eo_journal_state *out,
                                 struct eo_error *err)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return EO_OK;
    char *text = NULL;
    size_t size = 0;
    enum eo_status status = read_whole(path, &text, &size, err);
    if (status != EO_OK)
        return status;
    status = eo_journal_replay_text(path, text, size, out, err);
    free(text);
    return status;
}

enum eo_status eo_journal_replay_text(const char *name, const char *text, size_t size,
                                      struct eo_journal_state *out, struct eo_error *err)
{
    memset(out, 0, sizeof *out);
    struct replay replay = {.path = name, .state = out};
    enum eo_status status = replay_text(&replay, text, size, err);
    free(replay.facts);
    return status;
}

void eo_journal_state_free(struct eo_journal_state *state)
{
    for (size_t i = 0; i < state->count; i++) {
        free(state->devices[i].device);
        free(state->devices[i].image);
        free(state->devices[i].where);
        free(state->devices[i].error);
    }
    free(state->devices);
    memset(state, 0, sizeof *state);
}
