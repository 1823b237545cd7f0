/* output.c — the report layer: JSON and aligned human output on stdout, errors, warnings and
 * progress on stderr (bar on a terminal, plain lines otherwise, nothing when quiet), usage
 * errors and help text, and the one decision whether a stream gets colour. */
#include "espurna-ota/output.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "espurna-ota/hook.h"
#include "espurna-ota/text.h"

static bool quiet;
static bool color_disabled; /* --no-color */
static int block_label_width = 12;

void eo_out_set_quiet(bool value)
{
    quiet = value;
}

/* ---- colour ------------------------------------------------------------------------------ */

bool eo_out_color_wanted(bool is_tty, const char *no_color, const char *term, bool disabled)
{
    if (disabled || !is_tty || (no_color && no_color[0]))
        return false;
    return term && term[0] && strcmp(term, "dumb") != 0;
}

void eo_out_set_color(bool enabled)
{
    color_disabled = !enabled;
}

bool eo_out_color(FILE *stream)
{
    return eo_out_color_wanted(isatty(fileno(stream)), getenv("NO_COLOR"), getenv("TERM"),
                               color_disabled);
}

const char *eo_out_tone_on(FILE *stream, enum eo_tone tone)
{
    static const char *const starts[] = {
        [EO_TONE_PLAIN] = "",
        [EO_TONE_GOOD] = "\033[32m",
        [EO_TONE_BAD] = "\033[1;31m",
        [EO_TONE_WARN] = "\033[33m",
    };
    return tone != EO_TONE_PLAIN && eo_out_color(stream) ? starts[tone] : "";
}

const char *eo_out_tone_off(FILE *stream, enum eo_tone tone)
{
    return tone != EO_TONE_PLAIN && eo_out_color(stream) ? "\033[0m" : "";
}

/* ---- text, usage errors and tables ------------------------------------------------------- */

void eo_out_text(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
}

void eo_out_text_stderr(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
}

void eo_out_flush(void)
{
    fflush(stdout);
}

void eo_out_usage_error(const char *command, const char *format, va_list args)
{
    const char *space = command ? " " : "", *name = command ? command : "";
    fprintf(stderr, "%sespurna-ota%s%s:%s ", eo_out_tone_on(stderr, EO_TONE_BAD), space, name,
            eo_out_tone_off(stderr, EO_TONE_BAD));
    vfprintf(stderr, format, args);
    fprintf(stderr, "\ntry 'espurna-ota%s%s --help'\n", space, name);
}

void eo_out_table(const char *const *cells, size_t rows, size_t columns)
{
    int widths[columns > 0 ? columns : 1];
    for (size_t c = 0; c < columns; c++) {
        widths[c] = 0;
        for (size_t r = 0; r < rows; r++) {
            int len = (int)strlen(cells[r * columns + c]);
            widths[c] = len > widths[c] ? len : widths[c];
        }
    }
    for (size_t r = 0; r < rows && columns > 0; r++) {
        const char *const *row = cells + r * columns;
        for (size_t c = 0; c + 1 < columns; c++)
            printf("%-*s  ", widths[c], row[c]);
        printf("%s\n", row[columns - 1]);
    }
}

/* ---- stdout and stderr ------------------------------------------------------------------- */

bool eo_out_stderr_is_tty(void)
{
    const char *term = getenv("TERM");
    return isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

void eo_out_json(json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    }
    json_decref(doc);
}

json_t *eo_out_json_text(const char *text)
{
    if (!text)
        return json_null();
    char *valid = eo_text_utf8(text);
    json_t *value = valid ? json_string(valid) : NULL;
    free(valid);
    return value ? value : json_null();
}

json_t *eo_out_json_object(const char *command)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "schema_version", json_integer(EO_JSON_SCHEMA_VERSION));
    json_object_set_new(obj, "command", json_string(command));
    return obj;
}

void eo_out_json_hook_end(json_t *obj, const struct eo_hook_result *hook)
{
    json_object_set_new(obj, "passed", json_boolean(eo_hook_passed(hook)));
    json_object_set_new(obj, "end", json_string(eo_hook_end_name(hook->end)));
    json_object_set_new(obj, "exit_code",
                        hook->end == EO_HOOK_EXITED ? json_integer(hook->exit_code) : json_null());
    json_object_set_new(obj, "signal",
                        hook->end == EO_HOOK_SIGNALLED ? json_integer(hook->signal) : json_null());
}

void eo_out_json_status(json_t *obj, const struct eo_error *err, const char *advice)
{
    enum eo_status status = err ? err->status : EO_OK;
    json_object_set_new(obj, "status", json_string(eo_status_name(status)));
    json_object_set_new(obj, "exit_code", json_integer(eo_error_exit_code(err)));
    if (status == EO_OK)
        return;
    const char *hint = eo_hint_name(err->hint);
    json_object_set_new(obj, "error", eo_out_json_text(err->message));
    json_object_set_new(obj, "hint", hint ? json_string(hint) : json_null());
    json_object_set_new(obj, "advice", advice && advice[0] ? json_string(advice) : json_null());
}

static void vprint_stderr(const char *prefix, const char *format, va_list args)
{
    fprintf(stderr, "espurna-ota: %s", prefix);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
}

void eo_out_error(const struct eo_error *err)
{
    eo_out_error_advice(err, NULL);
}

void eo_out_error_advice(const struct eo_error *err, const char *advice)
{
    bool more = advice && advice[0];
    fprintf(stderr, "%sespurna-ota:%s %s%s%s\n", eo_out_tone_on(stderr, EO_TONE_BAD),
            eo_out_tone_off(stderr, EO_TONE_BAD), err->message, more ? "; " : "",
            more ? advice : "");
}

void eo_out_warn(const char *format, ...)
{
    char prefix[32];
    va_list args;
    snprintf(prefix, sizeof prefix, "%swarning:%s ", eo_out_tone_on(stderr, EO_TONE_WARN),
             eo_out_tone_off(stderr, EO_TONE_WARN));
    va_start(args, format);
    vprint_stderr(prefix, format, args);
    va_end(args);
}

void eo_out_info(const char *format, ...)
{
    if (quiet)
        return;
    va_list args;
    va_start(args, format);
    vprint_stderr("", format, args);
    va_end(args);
}

void eo_out_block_begin(int label_width)
{
    block_label_width = label_width;
}

void eo_out_field(const char *label, const char *format, ...)
{
    va_list args;
    printf("%-*s  ", block_label_width, label);
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    putchar('\n');
}

void eo_out_field_tone(const char *label, enum eo_tone tone, const char *format, ...)
{
    va_list args;
    printf("%-*s  %s", block_label_width, label, eo_out_tone_on(stdout, tone));
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf("%s\n", eo_out_tone_off(stdout, tone));
}

const char *eo_out_size(uint64_t bytes, char *buf, size_t cap)
{
    if (bytes >= 1024u * 1024u && bytes % (1024u * 1024u) == 0)
        snprintf(buf, cap, "%llu MiB", (unsigned long long)(bytes >> 20));
    else if (bytes >= 1024u * 1024u)
        snprintf(buf, cap, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
    else if (bytes >= 1024u && bytes % 1024u == 0)
        snprintf(buf, cap, "%llu KiB", (unsigned long long)(bytes >> 10));
    else if (bytes >= 1024u)
        snprintf(buf, cap, "%.1f KiB", (double)bytes / 1024.0);
    else
        snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
    return buf;
}

/* ---- progress ------------------------------------------------------------------------- */

#define PROGRESS_LINE_INTERVAL_S 5.0
#define PROGRESS_BAR_WIDTH 30

void eo_progress_view_init(struct eo_progress_view *view, const char *label)
{
    memset(view, 0, sizeof *view);
    snprintf(view->label, sizeof view->label, "%s", label);
    view->silent = quiet;
    view->bar = !quiet && eo_out_stderr_is_tty();
    view->last_print_s = 0.0; /* the first periodic line after one interval */
}

static void draw_bar(struct eo_progress_view *view, const struct eo_progress *p, double rate)
{
    double fraction = p->total ? (double)p->done / (double)p->total : 0.0;
    int filled = (int)(fraction * PROGRESS_BAR_WIDTH);
    char bar[PROGRESS_BAR_WIDTH + 1];
    for (int i = 0; i < PROGRESS_BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '-';
    bar[PROGRESS_BAR_WIDTH] = '\0';
    double eta = rate > 0 && p->total > p->done ? (double)(p->total - p->done) / rate : 0.0;
    fprintf(stderr, "\r%s [%s] %3.0f%% %7.1f KiB/s ETA %3.0fs ", view->label, bar, fraction * 100.0,
            rate / 1024.0, eta);
    fflush(stderr);
    view->drawn = true;
}

static void print_line(struct eo_progress_view *view, const struct eo_progress *p, double rate)
{
    unsigned percent = p->total ? (unsigned)(p->done * 100 / p->total) : 0;
    fprintf(stderr, "espurna-ota: %s: %u%% (%llu of %llu bytes, %.1f KiB/s)\n", view->label,
            percent, (unsigned long long)p->done, (unsigned long long)p->total, rate / 1024.0);
    view->last_print_s = p->elapsed_s;
    view->last_done = p->done;
    view->printed = true;
}

void eo_progress_view_update(void *ctx, const struct eo_progress *p)
{
    struct eo_progress_view *view = ctx;
    if (view->silent)
        return;
    double rate = p->elapsed_s > 0 ? (double)p->done / p->elapsed_s : 0.0;
    if (view->bar) {
        draw_bar(view, p, rate);
        return;
    }
    /* a line when 25, 50, 75 or 100 % is crossed, else at most one per interval; never the
     * same value twice */
    unsigned quarter = p->total ? (unsigned)(p->done * 4 / p->total) : 0;
    bool crossed = quarter > view->last_quarter;
    bool due = p->elapsed_s - view->last_print_s >= PROGRESS_LINE_INTERVAL_S;
    bool moved = !view->printed || p->done != view->last_done;
    if (moved && (crossed || due)) {
        if (crossed)
            view->last_quarter = quarter;
        print_line(view, p, rate);
    }
}

void eo_progress_view_finish(struct eo_progress_view *view)
{
    if (view->bar && view->drawn)
        fputc('\n', stderr);
    view->drawn = false;
}

enum eo_status eo_out_finish(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "espurna-ota: error writing to standard output\n");
        return EO_ERR_FILE;
    }
    return EO_OK;
}
