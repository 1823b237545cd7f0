/* cmd_config.c — `espurna-ota config [COMMAND]`: the defaults each command (or one) takes from
 * the environment and the config files, with where each comes from (the environment variable,
 * the user file and line, the system file and line, or the command's own default), as a table
 * or one JSON object. The values pass the same checks as when the command runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "espurna-ota/output.h"
#include "options.h"
#include "settings.h"

static bool json_output;

static const struct option_spec config_options[] = {
    {"json", 0, OPT_FLAG, &json_output, 0, 0, NULL, "print one JSON object instead of a table",
     .settable = false},
};

const struct command_spec config_spec = {
    "config",
    "[COMMAND]",
    "Show the defaults each command takes from the environment and the config files, and where "
    "each comes from.",
    config_options,
    OPTION_COUNT(config_options),
    0,
    1,
};

#define COLUMNS 4
#define ROWS_MAX 1024

struct listing {
    json_t *settings;               /* --json */
    char *cells[ROWS_MAX][COLUMNS]; /* the table, its heading first */
    size_t rows;
};

/* ---- one option -------------------------------------------------------------------------- */

/* The value an option holds now; false when it holds none of its own (the command decides). */
static bool value_text(const struct option_spec *opt, char *buf, size_t cap)
{
    switch (opt->type) {
    case OPT_FLAG: snprintf(buf, cap, "%s", *(bool *)opt->target ? "true" : "false"); return true;
    case OPT_UINT: {
        unsigned long number = *(unsigned long *)opt->target;
        snprintf(buf, cap, "%lu", number);
        return number >= opt->min && number <= opt->max;
    }
    case OPT_STRING: {
        const char *text = *(const char **)opt->target;
        snprintf(buf, cap, "%s", text ? text : "");
        return text != NULL;
    }
    case OPT_LIST:
    case OPT_SECRET: break;
    }
    return false;
}

static json_t *value_json(const struct option_spec *opt, const char *text, bool held)
{
    if (!held)
        return json_null();
    if (opt->type == OPT_FLAG)
        return json_boolean(strcmp(text, "true") == 0);
    if (opt->type == OPT_UINT)
        return json_integer((json_int_t) * (unsigned long *)opt->target);
    return eo_out_json_text(text);
}

/* "user file PATH:LINE", "environment ESPURNA_OTA_JOBS", "default" */
static char *from_text(const struct setting_origin *origin)
{
    char *text = NULL;
    int n;
    if (origin->origin == EO_CONFIG_ENV)
        n = asprintf(&text, "environment %s", origin->env);
    else if (origin->origin == EO_CONFIG_USER || origin->origin == EO_CONFIG_SYSTEM)
        n = asprintf(&text, "%s %s:%u", eo_config_origin_name(origin->origin), origin->path,
                     origin->line);
    else
        n = asprintf(&text, "%s", eo_config_origin_name(origin->origin));
    return n < 0 ? NULL : text;
}

static json_t *setting_json(const struct command_spec *spec, const struct option_spec *opt,
                            const struct setting_origin *origin, const char *value, bool held)
{
    bool in_file = origin->origin == EO_CONFIG_USER || origin->origin == EO_CONFIG_SYSTEM;
    json_t *obj = json_object();
    json_object_set_new(obj, "command", json_string(spec->name));
    json_object_set_new(obj, "option", json_string(opt->name));
    json_object_set_new(obj, "env", json_string(origin->env));
    json_object_set_new(obj, "value", value_json(opt, value, held));
    json_object_set_new(obj, "source", json_string(eo_config_origin_key(origin->origin)));
    json_object_set_new(obj, "file", in_file ? eo_out_json_text(origin->path) : json_null());
    json_object_set_new(obj, "line", in_file ? json_integer(origin->line) : json_null());
    return obj;
}

static void add_row(struct listing *list, const char *command, const char *option,
                    const char *value, char *from)
{
    if (list->rows >= ROWS_MAX) {
        free(from);
        return;
    }
    char **row = list->cells[list->rows++];
    row[0] = strdup(command);
    row[1] = strdup(option);
    row[2] = strdup(value);
    row[3] = from ? from : strdup("?");
}

/* ---- one command ------------------------------------------------------------------------- */

/* Applies the settings to `spec` as if it ran without options, then lists its settable ones. */
static int list_command(const struct command_spec *spec, struct listing *list)
{
    bool given[OPTIONS_MAX] = {false};
    int rc = settings_apply(spec, given);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < spec->option_count; i++) {
        const struct option_spec *opt = &spec->options[i];
        const struct setting_origin *origin = settings_origin(opt->name);
        char value[EO_CONFIG_LINE_MAX + 32];
        if (!options_settable(opt) || !origin)
            continue;
        bool held = value_text(opt, value, sizeof value);
        if (json_output)
            json_array_append_new(list->settings, setting_json(spec, opt, origin, value, held));
        else
            add_row(list, spec->name, opt->name, held ? value : "-", from_text(origin));
    }
    return 0;
}

/* ---- output ------------------------------------------------------------------------------ */

static json_t *file_json(const struct eo_config_file *file)
{
    return json_pack("{s:o,s:b}", "path",
                     file->path[0] ? eo_out_json_text(file->path) : json_null(), "found",
                     file->found);
}

static void print_json(struct listing *list)
{
    const struct eo_config *files = settings_files();
    json_t *obj = eo_out_json_object("config");
    json_object_set_new(obj, "files",
                        json_pack("{s:o,s:o}", "user", file_json(&files->user), "system",
                                  file_json(&files->system)));
    json_object_set_new(obj, "settings", list->settings);
    list->settings = NULL;
    eo_out_json_status(obj, NULL, NULL);
    eo_out_json(obj);
}

static void file_field(const char *label, const struct eo_config_file *file)
{
    if (!file->path[0])
        eo_out_field(label, "- (no HOME)");
    else
        eo_out_field(label, "%s%s", file->path, file->found ? "" : " (none)");
}

static void print_text(const struct listing *list)
{
    const struct eo_config *files = settings_files();
    eo_out_block_begin(11);
    file_field("user file", &files->user);
    file_field("system file", &files->system);
    eo_out_text("\n");
    eo_out_table((const char *const *)list->cells, list->rows, COLUMNS);
}

static void release(struct listing *list)
{
    for (size_t r = 0; r < list->rows; r++)
        for (size_t c = 0; c < COLUMNS; c++)
            free(list->cells[r][c]);
    json_decref(list->settings);
}

/* ---- entry point ------------------------------------------------------------------------- */

int cmd_config(int argc, char **argv)
{
    char *args[argc > 0 ? argc : 1];
    int nargs;
    int rc = options_parse(&config_spec, argc, argv, args, &nargs);
    if (rc != 0)
        return rc < 0 ? EO_OK : rc;
    const struct command_spec *only = nargs ? settings_find_command(args[0]) : NULL;
    if (nargs && !only)
        return options_usage_error(&config_spec, "'%s' is not a command", args[0]);
    static struct listing list;
    list.settings = json_array();
    add_row(&list, "COMMAND", "OPTION", "VALUE", strdup("FROM"));
    for (const struct command_spec *const *spec = settings_commands(); rc == 0 && *spec; spec++)
        if (!only || *spec == only)
            rc = list_command(*spec, &list);
    if (rc == 0 && json_output)
        print_json(&list);
    else if (rc == 0)
        print_text(&list);
    release(&list);
    return rc;
}
