/* complete.c — `espurna-ota __complete CWORD WORD...`, what the bash and zsh completion scripts
 * ask. The candidates come from main.c's command table, each command's option table (the data
 * that also parses and prints --help, so a new command or option is completed with no change
 * here), what an option's argument name says it takes (options.h), and the device cache of the
 * last discovery (device_cache.h). Nothing here touches the network. The answer's format is in
 * report_complete.h. */
#include "complete.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espurna-ota/device.h"
#include "espurna-ota/device_cache.h"
#include "espurna-ota/output.h"
#include "espurna-ota/report_complete.h"
#include "espurna-ota/transport.h"

#define LINE_WORDS_MAX 256 /* words of a command line looked at */

/* The command line up to the word being completed. Bash splits "--image=fw" into "--image",
 * "=", "fw": such words are joined again, so both shells look the same from here. */
struct line {
    char *words[LINE_WORDS_MAX]; /* owned */
    size_t count;
    size_t current; /* the word being completed: words[current] */
};

/* What an argument takes, from its name (option_spec.arg_name, or a word of command_spec.args). */
enum value_kind {
    VALUE_NONE,
    VALUE_FILES,
    VALUE_DIRS,
    VALUE_DEVICES, /* host names and addresses of the cache */
    VALUE_HOSTS,   /* host names of the cache */
    VALUE_METHODS,
    VALUE_FILTER_KEYS,
    VALUE_CHOICES, /* the words of "text|json" */
};

static const struct {
    const char *arg_name;
    enum value_kind kind;
} named_kinds[] = {
    {"DEV", VALUE_DEVICES},    {"DEVICE", VALUE_DEVICES},        {"PATTERN", VALUE_HOSTS},
    {"METHOD", VALUE_METHODS}, {"KEY=VALUE", VALUE_FILTER_KEYS}, {"IMAGE", VALUE_FILES},
};

/* ---- the line ----------------------------------------------------------------------------- */

static bool line_push(struct line *line, const char *word)
{
    if (line->count == LINE_WORDS_MAX)
        return false;
    line->words[line->count] = strdup(word);
    return line->words[line->count++] != NULL;
}

static bool line_append(struct line *line, const char *tail)
{
    char *last = line->words[line->count - 1];
    size_t len = strlen(last), add = strlen(tail);
    char *joined = realloc(last, len + add + 1);
    if (!joined)
        return false;
    memcpy(joined + len, tail, add + 1);
    line->words[line->count - 1] = joined;
    return true;
}

/* Whether the last word is an option waiting for bash's "=" word. */
static bool takes_equals(const struct line *line)
{
    const char *last = line->count ? line->words[line->count - 1] : "";
    return strncmp(last, "--", 2) == 0 && last[2] && !strchr(last, '=');
}

static bool line_build(struct line *line, size_t cword, size_t nwords, char **words)
{
    bool joining = false, ok = true;
    memset(line, 0, sizeof *line);
    for (size_t i = 0; ok && i <= cword && i < nwords; i++) {
        if (strcmp(words[i], "=") == 0 && takes_equals(line)) {
            ok = line_append(line, "=");
            joining = true;
        } else if (joining) {
            ok = line_append(line, words[i]);
            joining = false;
        } else {
            ok = line_push(line, words[i]);
        }
    }
    if (ok && cword >= nwords && !joining)
        ok = line_push(line, ""); /* the cursor is past the last word */
    line->current = line->count ? line->count - 1 : 0;
    return ok && line->count > 0;
}

static void line_release(struct line *line)
{
    for (size_t i = 0; i < line->count; i++)
        free(line->words[i]);
    line->count = 0;
}

/* ---- candidates --------------------------------------------------------------------------- */

static void offer(const char *word, const char *description, const char *typed)
{
    if (strncmp(word, typed, strlen(typed)) == 0)
        eo_report_complete_word(word, description);
}

/* "text|json": lower-case words (letters, digits, '-') between bars. */
static bool is_choice_list(const char *name)
{
    if (!strchr(name, '|') || name[0] == '|' || name[strlen(name) - 1] == '|' || strstr(name, "||"))
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '|'))
            return false;
    return true;
}

static enum value_kind value_kind(const char *arg_name)
{
    if (!arg_name || !arg_name[0])
        return VALUE_NONE;
    for (size_t i = 0; i < sizeof named_kinds / sizeof named_kinds[0]; i++)
        if (strcmp(named_kinds[i].arg_name, arg_name) == 0)
            return named_kinds[i].kind;
    if (strstr(arg_name, "DIR"))
        return VALUE_DIRS;
    if (strstr(arg_name, "FILE") || strstr(arg_name, "PATH"))
        return VALUE_FILES;
    return is_choice_list(arg_name) ? VALUE_CHOICES : VALUE_NONE;
}

static void offer_devices(const char *typed, bool addresses)
{
    char path[PATH_MAX], about[3 * EO_DEVICE_CACHE_FIELD_MAX + 4];
    struct eo_device_cache *cache = malloc(sizeof *cache);
    eo_report_complete_kind("words");
    if (!cache || !eo_device_cache_default_path(path, sizeof path)) {
        free(cache);
        return;
    }
    eo_device_cache_load(path, cache);
    for (size_t i = 0; i < cache->count; i++) {
        const struct eo_device_cache_entry *entry = &cache->entries[i];
        snprintf(about, sizeof about, "%s%s%s%s%s", entry->address,
                 entry->address[0] && entry->board[0] ? " " : "", entry->board,
                 (entry->address[0] || entry->board[0]) && entry->version[0] ? " " : "",
                 entry->version);
        if (entry->hostname[0])
            offer(entry->hostname, about, typed);
        if (addresses && entry->address[0])
            offer(entry->address, entry->hostname, typed);
    }
    free(cache);
}

static void offer_choices(const char *list, const char *typed)
{
    char word[64];
    eo_report_complete_kind("words");
    for (const char *start = list; *start;) {
        size_t len = strcspn(start, "|");
        if (len < sizeof word) {
            memcpy(word, start, len);
            word[len] = '\0';
            offer(word, NULL, typed);
        }
        start += len + (start[len] == '|');
    }
}

static void offer_filter_keys(const char *typed)
{
    char key[32];
    if (strchr(typed, '=')) { /* a pattern now: anything goes */
        eo_report_complete_kind("none");
        return;
    }
    eo_report_complete_kind("words");
    for (size_t i = 0; eo_device_filter_key(i); i++) {
        snprintf(key, sizeof key, "%s=", eo_device_filter_key(i));
        offer(key, NULL, typed);
    }
}

/* The candidates for the value of an argument named `arg_name`, typed so far. */
static void answer_value(const char *arg_name, const char *typed)
{
    switch (value_kind(arg_name)) {
    case VALUE_FILES: eo_report_complete_kind("files"); return;
    case VALUE_DIRS: eo_report_complete_kind("dirs"); return;
    case VALUE_DEVICES: offer_devices(typed, true); return;
    case VALUE_HOSTS: offer_devices(typed, false); return;
    case VALUE_CHOICES: offer_choices(arg_name, typed); return;
    case VALUE_METHODS:
        eo_report_complete_kind("words");
        for (int m = 0; m < EO_METHOD_COUNT; m++)
            offer(eo_method_name((enum eo_method)m), NULL, typed);
        return;
    case VALUE_FILTER_KEYS: offer_filter_keys(typed); return;
    case VALUE_NONE: break;
    }
    eo_report_complete_kind("none");
}

/* ---- commands and options ---------------------------------------------------------------- */

static void offer_commands(const struct command *commands, size_t count, const char *typed,
                           bool with_summaries)
{
    eo_report_complete_kind("words");
    if (typed[0] == '-' && with_summaries) {
        offer("--help", "show the commands, or a command's options", typed);
        offer("--version", "show the version", typed);
        return;
    }
    for (size_t i = 0; i < count; i++)
        offer(commands[i].name, with_summaries ? commands[i].summary : NULL, typed);
    if (with_summaries)
        offer("help", "show a command's options", typed);
}

/* The option `word` names ("--name", "--name=value" or "-x"), or NULL. */
static const struct option_spec *find_option(const struct command_spec *spec, const char *word)
{
    const struct option_spec *help = options_help_spec();
    if (word[0] == '-' && word[1] == '-') {
        size_t len = strcspn(word + 2, "=");
        for (size_t i = 0; i < spec->option_count; i++)
            if (strlen(spec->options[i].name) == len &&
                strncmp(spec->options[i].name, word + 2, len) == 0)
                return &spec->options[i];
        return strlen(help->name) == len && strncmp(help->name, word + 2, len) == 0 ? help : NULL;
    }
    for (size_t i = 0; word[0] == '-' && word[1] && !word[2] && i < spec->option_count; i++)
        if (spec->options[i].short_name == word[1])
            return &spec->options[i];
    return word[0] == '-' && word[1] == help->short_name && !word[2] ? help : NULL;
}

/* What the words before the current one settled. */
struct scan {
    bool seen[OPTIONS_MAX];
    unsigned positional;
    bool options_done;                 /* after "--" */
    const struct option_spec *pending; /* the current word is this option's value */
};

static void scan_line(const struct command_spec *spec, const struct line *line, struct scan *scan)
{
    memset(scan, 0, sizeof *scan);
    for (size_t i = 2; i < line->current; i++) {
        const char *word = line->words[i];
        const struct option_spec *opt = NULL;
        if (scan->options_done || word[0] != '-' || !word[1]) {
            scan->positional++;
        } else if (strcmp(word, "--") == 0) {
            scan->options_done = true;
        } else if ((opt = find_option(spec, word)) != NULL && opt >= spec->options &&
                   opt < spec->options + spec->option_count) {
            scan->seen[opt - spec->options] = true;
            if (opt->type != OPT_FLAG && !strchr(word, '=') && ++i == line->current)
                scan->pending = opt;
        }
    }
}

static void offer_options(const struct command_spec *spec, const struct scan *scan,
                          const char *typed)
{
    char word[80];
    eo_report_complete_kind("words");
    for (size_t i = 0; i < spec->option_count && i < OPTIONS_MAX; i++) {
        const struct option_spec *opt = &spec->options[i];
        if (scan->seen[i] && opt->type != OPT_LIST)
            continue; /* given once is all it may be given */
        snprintf(word, sizeof word, "--%s", opt->name);
        offer(word, opt->help, typed);
    }
    const struct option_spec *common[] = {options_no_color_spec(), options_help_spec()};
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) {
        snprintf(word, sizeof word, "--%s", common[i]->name);
        offer(word, common[i]->help, typed);
    }
}

/* A usage word without its brackets and "...": "[VALUE]..." is "VALUE". */
static const char *bare_word(const char *word, size_t len, char *out, size_t cap)
{
    size_t skip = strspn(word, "[(");
    while (len > skip && strchr("]).", word[len - 1]))
        len--;
    snprintf(out, cap, "%.*s", (int)(len - (skip < len ? skip : len)), word + skip);
    return out;
}

/* The argument name of positional argument `index` in a usage such as "IMAGE" or
 * "NAME [VALUE]..."; NULL past the last word, unless that one repeats ("..."). */
static const char *positional_name(const char *args, unsigned index, char *out, size_t cap)
{
    const char *word = args, *last = NULL;
    size_t last_len = 0;
    for (unsigned n = 0;; n++) {
        word += strspn(word, " ");
        size_t len = strcspn(word, " ");
        if (len == 0)
            break;
        if (n == index)
            return bare_word(word, len, out, cap);
        last = word;
        last_len = len;
        word += len;
    }
    if (!last || last_len < 3 || strncmp(last + last_len - 3, "...", 3) != 0)
        return NULL;
    return bare_word(last, last_len, out, cap);
}

/* Completes the words after the command name. */
static void answer_command(const struct command_spec *spec, const struct line *line)
{
    const char *typed = line->words[line->current];
    struct scan scan;
    char name[64];
    scan_line(spec, line, &scan);
    if (scan.pending) {
        answer_value(scan.pending->arg_name, typed);
    } else if (!scan.options_done && strncmp(typed, "--", 2) == 0 && strchr(typed, '=')) {
        const struct option_spec *opt = find_option(spec, typed);
        if (opt && opt->type != OPT_FLAG)
            answer_value(opt->arg_name, strchr(typed, '=') + 1);
        else
            eo_report_complete_kind("none");
    } else if (!scan.options_done && typed[0] == '-') {
        offer_options(spec, &scan, typed);
    } else if (scan.positional < spec->max_args &&
               positional_name(spec->args, scan.positional, name, sizeof name)) {
        answer_value(name, typed);
    } else if (!scan.options_done) {
        offer_options(spec, &scan, typed);
    } else {
        eo_report_complete_kind("none");
    }
}

static bool is_help_word(const char *word)
{
    return strcmp(word, "help") == 0 || strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0;
}

static void answer(const struct command *commands, size_t count, const struct line *line)
{
    const char *typed = line->words[line->current];
    if (line->current == 0) {
        eo_report_complete_kind("none");
        return;
    }
    if (line->current == 1) {
        offer_commands(commands, count, typed, true);
        return;
    }
    const char *name = line->words[1];
    if (is_help_word(name)) { /* help COMMAND */
        if (line->current == 2)
            offer_commands(commands, count, typed, false);
        else
            eo_report_complete_kind("none");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        if (strcmp(commands[i].name, name) == 0 && commands[i].spec) {
            answer_command(commands[i].spec, line);
            return;
        }
    }
    eo_report_complete_kind("none");
}

/* ---- entry point -------------------------------------------------------------------------- */

static bool parse_cword(const char *text, size_t *out)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || value >= LINE_WORDS_MAX)
        return false;
    *out = value;
    return true;
}

int complete_run(const struct command *commands, size_t count, int argc, char **argv)
{
    struct line line;
    struct eo_error err;
    size_t cword = 0;
    if (argc < 2 || !parse_cword(argv[0], &cword)) {
        eo_error_set(&err, EO_ERR_USAGE,
                     "%s CWORD WORD... answers the shell completion scripts: CWORD is the index "
                     "of the word to complete (0-%d), the words are the command line",
                     COMPLETE_COMMAND, LINE_WORDS_MAX - 1);
        eo_out_error(&err);
        return EO_ERR_USAGE;
    }
    if (!line_build(&line, cword, (size_t)argc - 1, argv + 1)) {
        line_release(&line);
        return EO_ERR_INTERNAL;
    }
    answer(commands, count, &line);
    line_release(&line);
    return eo_out_finish();
}
