/* options.c — table-driven option parsing and --help text for every command. */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espurna-ota/status.h"

static const struct option_spec help_option = {
    "help", 'h', OPT_FLAG, NULL, 0, 0, NULL, "show this help and exit",
};

int options_usage_error(const struct command_spec *spec, const char *format, ...)
{
    va_list args;
    fprintf(stderr, "espurna-ota %s: ", spec->name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\ntry 'espurna-ota %s --help'\n", spec->name);
    return EO_ERR_USAGE;
}

static const struct option_spec *find_long(const struct command_spec *spec, const char *name,
                                           size_t name_len)
{
    for (size_t i = 0; i < spec->option_count; i++) {
        const char *candidate = spec->options[i].name;
        if (strlen(candidate) == name_len && strncmp(candidate, name, name_len) == 0)
            return &spec->options[i];
    }
    if (strlen(help_option.name) == name_len && strncmp(help_option.name, name, name_len) == 0)
        return &help_option;
    return NULL;
}

static const struct option_spec *find_short(const struct command_spec *spec, char letter)
{
    for (size_t i = 0; i < spec->option_count; i++)
        if (spec->options[i].short_name == letter)
            return &spec->options[i];
    return letter == help_option.short_name ? &help_option : NULL;
}

static int store_uint(const struct command_spec *spec, const struct option_spec *opt,
                      const char *value)
{
    char *end = NULL;
    errno = 0;
    if (value[0] == '-' || value[0] == '+' || value[0] == '\0')
        return options_usage_error(spec, "--%s needs a whole number, not '%s'", opt->name, value);
    unsigned long number = strtoul(value, &end, 10);
    if (errno != 0 || *end != '\0')
        return options_usage_error(spec, "--%s needs a whole number, not '%s'", opt->name, value);
    if (number < opt->min || number > opt->max)
        return options_usage_error(spec, "--%s must be between %lu and %lu, not %lu", opt->name,
                                   opt->min, opt->max, number);
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

static int store_value(const struct command_spec *spec, const struct option_spec *opt, char *value)
{
    switch (opt->type) {
    case OPT_STRING: *(const char **)opt->target = value; return 0;
    case OPT_SECRET: return store_secret(spec, opt, value);
    case OPT_UINT: return store_uint(spec, opt, value);
    case OPT_LIST: {
        struct opt_list *list = opt->target;
        if (list->count >= OPT_LIST_MAX)
            return options_usage_error(spec, "--%s given more than %d times", opt->name,
                                       OPT_LIST_MAX);
        list->items[list->count++] = value;
        return 0;
    }
    case OPT_FLAG: break;
    }
    return options_usage_error(spec, "--%s takes no value", opt->name);
}

/* A single-value option (string or number) given twice is a usage error: which one did the
 * user mean? Flags may repeat harmlessly, lists are meant to. seen[] is per spec->options. */
static int check_once(const struct command_spec *spec, const struct option_spec *opt, bool *seen)
{
    if (opt->type != OPT_STRING && opt->type != OPT_UINT && opt->type != OPT_SECRET)
        return 0;
    size_t index = (size_t)(opt - spec->options);
    if (seen[index])
        return options_usage_error(spec, "--%s given more than once; give it once", opt->name);
    seen[index] = true;
    return 0;
}

/* Handles one option word at argv[*index]; may consume the next word as its value. */
static int parse_option(const struct command_spec *spec, int argc, char **argv, int *index,
                        bool *seen)
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
    if (check_once(spec, opt, seen) != 0)
        return EO_ERR_USAGE;
    if (opt->type == OPT_FLAG) {
        if (value)
            return options_usage_error(spec, "--%s takes no value", opt->name);
        *(bool *)opt->target = true;
        return 0;
    }
    if (!value) {
        if (*index + 1 >= argc)
            return options_usage_error(spec, "--%s needs a value (%s)", opt->name, opt->arg_name);
        value = argv[++*index];
    }
    return store_value(spec, opt, value);
}

int options_parse(const struct command_spec *spec, int argc, char **argv, char **args, int *nargs)
{
    bool options_done = false;
    bool seen[OPTIONS_MAX] = {false};
    *nargs = 0;
    if (spec->option_count > OPTIONS_MAX) {
        fprintf(stderr, "espurna-ota %s: internal error: more than %d options\n", spec->name,
                OPTIONS_MAX);
        return EO_ERR_INTERNAL;
    }
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (!options_done && strcmp(word, "--") == 0) {
            options_done = true;
        } else if (!options_done && word[0] == '-' && word[1] != '\0') {
            int rc = parse_option(spec, argc, argv, &i, seen);
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
    return 0;
}

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
    printf("  %-30s %s\n", left, opt->help);
}

void options_print_help(const struct command_spec *spec)
{
    printf("usage: espurna-ota %s%s%s [options]\n\n%s\n\noptions:\n", spec->name,
           spec->args[0] ? " " : "", spec->args, spec->summary);
    for (size_t i = 0; i < spec->option_count; i++)
        print_option(&spec->options[i]);
    print_option(&help_option);
    printf("\nSee espurna-ota(1) for details and exit codes.\n");
}

const struct option_spec *options_help_spec(void)
{
    return &help_option;
}
