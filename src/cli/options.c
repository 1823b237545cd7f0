/* options.c — table-driven option parsing and --help text for every command; after the command
 * line, the settings (settings.h) give the defaults of the options it did not set. */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espurna-ota/output.h"
#include "espurna-ota/status.h"
#include "settings.h"

/* Options every command takes, after its own. */
static bool no_color;
static const struct option_spec help_option = {
    .name = "help", .short_name = 'h', .type = OPT_FLAG, .help = "show this help and exit"};
static const struct option_spec no_color_option = {.name = "no-color",
                                                   .type = OPT_FLAG,
                                                   .target = &no_color,
                                                   .help = "no colour, even on a terminal"};

static void usage_line(const char *command, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void usage_line(const char *command, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    eo_out_usage_error(command, format, args);
    va_end(args);
}

int options_usage_error(const struct command_spec *spec, const char *format, ...)
{
    char message[EO_CONFIG_PATH_MAX + 1024], note[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    settings_note(spec, message, note, sizeof note); /* a value that came from a setting */
    usage_line(spec->name, "%s%s", message, note);
    return EO_ERR_USAGE;
}

static bool name_is(const char *candidate, const char *name, size_t name_len)
{
    return strlen(candidate) == name_len && strncmp(candidate, name, name_len) == 0;
}

static const struct option_spec *find_long(const struct command_spec *spec, const char *name,
                                           size_t name_len)
{
    for (size_t i = 0; i < spec->option_count; i++)
        if (name_is(spec->options[i].name, name, name_len))
            return &spec->options[i];
    if (name_is(help_option.name, name, name_len))
        return &help_option;
    if (name_is(no_color_option.name, name, name_len))
        return &no_color_option;
    return NULL;
}

static const struct option_spec *find_short(const struct command_spec *spec, char letter)
{
    for (size_t i = 0; i < spec->option_count; i++)
        if (spec->options[i].short_name == letter)
            return &spec->options[i];
    return letter == help_option.short_name ? &help_option : NULL;
}

/* ---- values ------------------------------------------------------------------------------ */

/* `label` says where the value came from: "--jobs", "FILE:LINE: jobs", "ESPURNA_OTA_JOBS". */
static int store_uint(const struct command_spec *spec, const struct option_spec *opt,
                      const char *label, const char *value)
{
    char *end = NULL;
    errno = 0;
    if (value[0] == '-' || value[0] == '+' || value[0] == '\0')
        return options_usage_error(spec, "%s needs a whole number, not '%s'", label, value);
    unsigned long number = strtoul(value, &end, 10);
    if (errno != 0 || *end != '\0')
        return options_usage_error(spec, "%s needs a whole number, not '%s'", label, value);
    if (number < opt->min || number > opt->max)
        return options_usage_error(spec, "%s must be between %lu and %lu, not %lu", label, opt->min,
                                   opt->max, number);
    *(unsigned long *)opt->target = number;
    return 0;
}

/* Keeps a copy of a secret and blanks it in argv, where /proc/PID/cmdline shows it. */
static int store_secret(const struct command_spec *spec, const struct option_spec *opt, char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return options_usage_error(spec, "out of memory");
    memset(value, 'x', strlen(value));
    *(const char **)opt->target = copy;
    return 0;
}

static int store_value(const struct command_spec *spec, const struct option_spec *opt,
                       const char *label, const char *value)
{
    switch (opt->type) {
    case OPT_STRING: *(const char **)opt->target = value; return 0;
    case OPT_UINT: return store_uint(spec, opt, label, value);
    case OPT_LIST: {
        struct opt_list *list = opt->target;
        if (list->count >= OPT_LIST_MAX)
            return options_usage_error(spec, "%s given more than %d times", label, OPT_LIST_MAX);
        list->items[list->count++] = value;
        return 0;
    }
    case OPT_SECRET:
    case OPT_FLAG: break;
    }
    return options_usage_error(spec, "%s takes no value", label);
}

static int store_flag_word(const struct command_spec *spec, const struct option_spec *opt,
                           const char *label, const char *value)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(value, yes[i]) == 0 || strcmp(value, no[i]) == 0) {
            *(bool *)opt->target = strcmp(value, yes[i]) == 0;
            return 0;
        }
    }
    return options_usage_error(spec, "%s needs true or false, not '%s'", label, value);
}

bool options_settable(const struct option_spec *opt)
{
    return opt->settable &&
           (opt->type == OPT_FLAG || opt->type == OPT_STRING || opt->type == OPT_UINT);
}

int options_store_setting(const struct command_spec *spec, const struct option_spec *opt,
                          const char *label, const char *value)
{
    if (!options_settable(opt))
        return options_usage_error(spec, "%s cannot be set outside the command line", label);
    if (opt->type == OPT_FLAG)
        return store_flag_word(spec, opt, label, value);
    return store_value(spec, opt, label, value);
}

/* ---- the command line -------------------------------------------------------------------- */

/* A single-value option (string or number) given twice is a usage error: which one did the
 * user mean? Flags may repeat harmlessly, lists are meant to. given[] is per spec->options. */
static int mark_given(const struct command_spec *spec, const struct option_spec *opt, bool *given)
{
    if (opt == &help_option || opt == &no_color_option)
        return 0;
    size_t index = (size_t)(opt - spec->options);
    bool once = opt->type == OPT_STRING || opt->type == OPT_UINT || opt->type == OPT_SECRET;
    if (once && given[index])
        return options_usage_error(spec, "--%s given more than once; give it once", opt->name);
    given[index] = true;
    return 0;
}

static int take_value(const struct command_spec *spec, const struct option_spec *opt, int argc,
                      char **argv, int *index, char *value)
{
    char label[80];
    if (!value) {
        if (*index + 1 >= argc)
            return options_usage_error(spec, "--%s needs a value (%s)", opt->name, opt->arg_name);
        value = argv[++*index];
    }
    if (opt->type == OPT_SECRET)
        return store_secret(spec, opt, value);
    snprintf(label, sizeof label, "--%s", opt->name);
    return store_value(spec, opt, label, value);
}

/* Handles one option word at argv[*index]; may consume the next word as its value. */
static int parse_option(const struct command_spec *spec, int argc, char **argv, int *index,
                        bool *given)
{
    char *word = argv[*index];
    const struct option_spec *opt;
    char *value = NULL;
    if (word[1] == '-') {
        const char *name = word + 2;
        char *equals = strchr(word + 2, '=');
        size_t name_len = equals ? (size_t)(equals - name) : strlen(name);
        opt = find_long(spec, name, name_len);
        if (!opt)
            return options_usage_error(spec, "unknown option '--%.*s'", (int)name_len, name);
        value = equals ? equals + 1 : NULL;
    } else {
        opt = word[2] == '\0' ? find_short(spec, word[1]) : NULL;
        if (!opt)
            return options_usage_error(spec, "unknown option '%s'", word);
    }
    if (opt == &help_option) {
        options_print_help(spec);
        return -1;
    }
    if (mark_given(spec, opt, given) != 0)
        return EO_ERR_USAGE;
    if (opt->type != OPT_FLAG)
        return take_value(spec, opt, argc, argv, index, value);
    if (value)
        return options_usage_error(spec, "--%s takes no value", opt->name);
    *(bool *)opt->target = true;
    if (opt == &no_color_option)
        eo_out_set_color(false);
    return 0;
}

int options_parse(const struct command_spec *spec, int argc, char **argv, char **args, int *nargs)
{
    bool options_done = false;
    bool given[OPTIONS_MAX] = {false};
    *nargs = 0;
    if (spec->option_count > OPTIONS_MAX)
        return options_usage_error(spec, "internal error: more than %d options", OPTIONS_MAX);
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (!options_done && strcmp(word, "--") == 0) {
            options_done = true;
        } else if (!options_done && word[0] == '-' && word[1] != '\0') {
            int rc = parse_option(spec, argc, argv, &i, given);
            if (rc != 0)
                return rc;
        } else {
            args[(*nargs)++] = argv[i];
        }
    }
    if ((unsigned)*nargs < spec->min_args)
        return options_usage_error(spec, "missing %s", spec->args);
    if ((unsigned)*nargs > spec->max_args)
        return options_usage_error(spec, "unexpected argument '%s'", args[spec->max_args]);
    return settings_apply(spec, given);
}

/* ---- help -------------------------------------------------------------------------------- */

static void print_option(const struct option_spec *opt)
{
    char left[64];
    char shortpart[8] = "    ";
    if (opt->short_name)
        snprintf(shortpart, sizeof shortpart, "-%c, ", opt->short_name);
    if (opt->arg_name)
        snprintf(left, sizeof left, "%s--%s %s", shortpart, opt->name, opt->arg_name);
    else
        snprintf(left, sizeof left, "%s--%s", shortpart, opt->name);
    eo_out_text("  %-30s %s\n", left, opt->help);
}

static bool has_settings(const struct command_spec *spec)
{
    for (size_t i = 0; i < spec->option_count; i++)
        if (options_settable(&spec->options[i]))
            return true;
    return false;
}

void options_print_help(const struct command_spec *spec)
{
    eo_out_text("usage: espurna-ota %s%s%s [options]\n\n%s\n\noptions:\n", spec->name,
                spec->args[0] ? " " : "", spec->args, spec->summary);
    for (size_t i = 0; i < spec->option_count; i++)
        print_option(&spec->options[i]);
    print_option(&no_color_option);
    print_option(&help_option);
    if (has_settings(spec))
        eo_out_text("\nSettings from the environment and config files: 'espurna-ota config %s'.",
                    spec->name);
    eo_out_text("\nSee espurna-ota(1) for details and exit codes.\n");
}

const struct option_spec *options_help_spec(void)
{
    return &help_option;
}

const struct option_spec *options_no_color_spec(void)
{
    return &no_color_option;
}
