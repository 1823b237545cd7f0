/* options.h — option tables for the CLI: each command declares its options once as data; the
 * same table drives parsing, bounds checks and the --help text (and a test compares it with the
 * man page). */
#ifndef ESPURNA_OTA_CLI_OPTIONS_H
#define ESPURNA_OTA_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

enum opt_type {
    OPT_FLAG,   /* bool*, set to true */
    OPT_STRING, /* const char **; given twice is a usage error */
    OPT_UINT,   /* unsigned long *, checked against [min, max]; given twice is a usage error */
    OPT_LIST,   /* struct opt_list *, every occurrence appended */
    OPT_SECRET, /* const char **: a copy; the word in argv is overwritten with 'x' so that the
                 * process list no longer shows it; given twice is a usage error */
};

#define OPT_LIST_MAX 64
#define OPTIONS_MAX 64 /* options in one command's table */
struct opt_list {
    const char *items[OPT_LIST_MAX];
    size_t count;
};

struct option_spec {
    const char *name; /* long name without "--" */
    char short_name;  /* 0 when none */
    enum opt_type type;
    void *target;
    unsigned long min, max; /* OPT_UINT bounds */
    /* "FILE", "MS" ... (NULL for flags). Shell completion (complete.c) offers by it: files
     * for a name holding FILE or PATH (and IMAGE), folders for one holding DIR, the cached
     * devices for DEV or DEVICE, their host names for PATTERN, the methods for METHOD, the
     * --filter keys for KEY=VALUE, the words of a lower-case list such as "text|json";
     * nothing for any other name. */
    const char *arg_name;
    const char *help; /* one line */
    /* A default for it may come from ESPURNA_OTA_<NAME> or a config file (settings.h). Only for
     * defaults that hold across runs (folders, timeouts, -j, methods): never a target such as
     * --device or --image, never a secret (OPT_SECRET) or a list. */
    bool settable;
    /* With settable: the options (long names, space-separated) that, given on the command line,
     * leave the setting unused because it cannot go with them ("image manifest" for
     * --firmware-dir: a flag for another source of firmware wins over a default folder). */
    const char *unless;
};

struct command_spec {
    const char *name;    /* "inspect" */
    const char *args;    /* "IMAGE" — shown in usage; completion reads its words as arg_name */
    const char *summary; /* one line */
    const struct option_spec *options;
    size_t option_count;
    unsigned min_args, max_args;
};

/* Parses argv (argv[0] is the command name). Positional arguments are returned in args/nargs
 * (pointers into argv; args must hold argc entries). Returns 0 to go on, -1 when --help was
 * printed (exit 0), or EO_ERR_USAGE after printing one line and "try --help" to stderr.
 * "--" ends options. Options may come before or after positional arguments. A string or number
 * option given twice is a usage error (flags may repeat; lists collect every occurrence).
 * Then every settable option not given takes its setting (environment, user file, system file:
 * settings.h), checked as on the command line; a bad one is EO_ERR_USAGE naming FILE:LINE and
 * the key, or the variable. --no-color, accepted by every command, turns colour off. */
int options_parse(const struct command_spec *spec, int argc, char **argv, char **args, int *nargs);

/* Stores a value for `opt` from elsewhere than argv (a setting), with the checks of the command
 * line (a number's bounds; a flag takes true/false, yes/no, on/off or 1/0); `label` names where
 * it came from in an error ("FILE:LINE: jobs", "ESPURNA_OTA_JOBS"). 0 or EO_ERR_USAGE. */
int options_store_setting(const struct command_spec *spec, const struct option_spec *opt,
                          const char *label, const char *value);

/* Whether a setting may give a default for `opt` (settable, and a flag, string or number). */
bool options_settable(const struct option_spec *opt);

void options_print_help(const struct command_spec *spec);

/* The -h, --help option every command has besides its table. */
const struct option_spec *options_help_spec(void);
/* The --no-color option every command has besides its table. */
const struct option_spec *options_no_color_spec(void);

/* One usage line on stderr for a conflict/validation error found after parsing:
 * "espurna-ota <cmd>: <message>" + "try 'espurna-ota <cmd> --help'". Returns EO_ERR_USAGE. */
int options_usage_error(const struct command_spec *spec, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#define OPTION_COUNT(table) (sizeof(table) / sizeof((table)[0]))

#endif
