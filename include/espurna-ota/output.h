/* output.h — the report layer: the only code that writes to stdout (data: human blocks,
 * tables, JSON) and the one place that formats errors, warnings and progress for stderr.
 * JSON documents carry "schema_version" so scripts can rely on their keys. */
#ifndef ESPURNA_OTA_OUTPUT_H
#define ESPURNA_OTA_OUTPUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"

#define EO_JSON_SCHEMA_VERSION 1

/* Writes a JSON document (one line, ASCII: other characters as \u escapes, so no control or
 * bidi character reaches a terminal) to stdout; steals the reference to `doc`. */
void eo_out_json(json_t *doc);
/* A JSON string that is never refused: text that is not valid UTF-8 (an app descriptor, a file
 * name) keeps its valid parts and gets U+FFFD for each other byte; NULL text gives null. */
json_t *eo_out_json_text(const char *text);
/* A new object with "schema_version" and "command" already set. */
json_t *eo_out_json_object(const char *command);
/* Adds "status" (name), "exit_code" and, on failure, "error", "hint" (its name, or null) and
 * "advice" (the CLI's words for the hint, or null) to a JSON result object. */
void eo_out_json_status(json_t *obj, const struct eo_error *err, const char *advice);
struct eo_hook_result;
/* Adds how a hook ended to a JSON object: "passed", "end", and "exit_code" / "signal" (null
 * unless it exited / was killed by a signal). */
void eo_out_json_hook_end(json_t *obj, const struct eo_hook_result *hook);

/* "espurna-ota: <message>" on stderr. */
void eo_out_error(const struct eo_error *err);
/* "espurna-ota: <message>; <advice>" on stderr (just the message when advice is NULL or ""). */
void eo_out_error_advice(const struct eo_error *err, const char *advice);
void eo_out_warn(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Informational line on stderr, suppressed by eo_out_set_quiet(true). */
void eo_out_info(const char *format, ...) __attribute__((format(printf, 1, 2)));
void eo_out_set_quiet(bool quiet);

/* Human text without a prefix on stdout (help, overviews, a URL), or on stderr (the overview
 * when no command was given); the format gives the line ends. */
void eo_out_text(const char *format, ...) __attribute__((format(printf, 1, 2)));
void eo_out_text_stderr(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Makes what was written to stdout visible now (a URL another program waits for). */
void eo_out_flush(void);
/* A usage error on stderr: "espurna-ota[ COMMAND]: MESSAGE" then "try 'espurna-ota[ COMMAND]
 * --help'"; command NULL for the tool itself. */
void eo_out_usage_error(const char *command, const char *format, va_list args)
    __attribute__((format(printf, 2, 0)));
/* A table on stdout: `cells` row by row (rows x columns), each column as wide as its widest
 * cell, two spaces apart, the last column not padded. */
void eo_out_table(const char *const *cells, size_t rows, size_t columns);

/* Colour, for a human at a terminal only: a stream gets it when it is a terminal, NO_COLOR is
 * unset or empty (no-color.org), TERM is set and not "dumb", and --no-color was not given; JSON
 * never does. Outcomes are coloured by tone: good (green), bad (red), warn (yellow). */
enum eo_tone { EO_TONE_PLAIN, EO_TONE_GOOD, EO_TONE_BAD, EO_TONE_WARN };
/* The decision itself, from its inputs (for tests): is_tty, $NO_COLOR, $TERM, --no-color. */
bool eo_out_color_wanted(bool is_tty, const char *no_color, const char *term, bool disabled);
/* --no-color: eo_out_set_color(false) turns colour off for the rest of the run. */
void eo_out_set_color(bool enabled);
bool eo_out_color(FILE *stream);
/* The escape sequence that starts (ends) `tone` on `stream`; "" when it gets no colour. */
const char *eo_out_tone_on(FILE *stream, enum eo_tone tone);
const char *eo_out_tone_off(FILE *stream, enum eo_tone tone);

/* Aligned "label  value" lines on stdout for human output (label column width fixed per
 * block: call eo_out_block_begin with the widest label). */
void eo_out_block_begin(int label_width);
void eo_out_field(const char *label, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* The same with the value in a tone (an outcome: "up to date", the version it ended on). */
void eo_out_field_tone(const char *label, enum eo_tone tone, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether stderr is a terminal that wants redrawn progress (not TERM=dumb). */
bool eo_out_stderr_is_tty(void);

/* Progress of one transfer: a redrawn bar with rate and ETA on a terminal; otherwise a plain
 * line when 25, 50, 75 or 100 % is crossed and else at most every 5 s, never the same value
 * twice; nothing when quiet. Feed it eo_progress values; it can be passed directly as an
 * eo_progress_fn with the view as ctx. */
struct eo_progress_view {
    char label[96];
    bool bar; /* redraw a bar (terminal) */
    bool silent;
    double last_print_s;
    unsigned last_quarter;
    uint64_t last_done; /* the value of the last line */
    bool printed;       /* a line was printed */
    bool drawn;
};
void eo_progress_view_init(struct eo_progress_view *view, const char *label);
void eo_progress_view_update(void *view, const struct eo_progress *progress);
void eo_progress_view_finish(struct eo_progress_view *view);

/* Human sizes: "712 KiB", "1.0 MiB", "512000 B" style into buf. */
const char *eo_out_size(uint64_t bytes, char *buf, size_t cap);

/* Flushes stdout; returns EO_ERR_FILE (and prints why) when writing stdout failed. */
enum eo_status eo_out_finish(void);

#endif
