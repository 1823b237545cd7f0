/* settings.h — defaults of command options from the environment and the config files
 * (config_file.h), applied onto the option tables (options.h): a key is an option's long name,
 * only settable options have one, and a value passes the checks of the command line. Order:
 * the command line, ESPURNA_OTA_<NAME>, the user file ([command] section, then its general
 * part), the system file (the same). */
#ifndef ESPURNA_OTA_CLI_SETTINGS_H
#define ESPURNA_OTA_CLI_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "espurna-ota/config_file.h"
#include "options.h"

/* Where one option's value came from. */
struct setting_origin {
    enum eo_config_origin origin;
    const char *text; /* the setting as written (environment, files); NULL otherwise */
    const char *path; /* the file */
    unsigned line;
    char env[EO_CONFIG_ENV_MAX]; /* the option's environment variable */
};

/* Every command's table, NULL-terminated: a file's keys are checked against all of them, and
 * `config` lists them. main() registers them before running a command. */
void settings_register(const struct command_spec *const *specs);
const struct command_spec *const *settings_commands(void);
const struct command_spec *settings_find_command(const char *name);

/* Reads the files (once per run) and checks every key in them; then each settable option of
 * `spec` the command line did not give (given[] runs parallel to spec->options) takes its
 * setting, unless one of its `unless` options was given. Records where every option's value
 * came from. Returns 0, else EO_ERR_USAGE (a line, key or value that is wrong: "FILE:LINE: ..."
 * or the variable's name) or EO_ERR_FILE (a file that cannot be read), after one error line. */
int settings_apply(const struct command_spec *spec, const bool *given);

/* Where option `name` of the command applied last got its value; NULL for an unknown name. */
const struct setting_origin *settings_origin(const char *name);

/* The files as read by settings_apply (NULL before). */
const struct eo_config *settings_files(void);

/* For a usage error about `message`: " (method = web: FILE:LINE)" naming each option of `spec`
 * that the message mentions as --NAME and whose value came from a setting; "" when none. */
void settings_note(const struct command_spec *spec, const char *message, char *out, size_t cap);

/* Forgets the files read and the origins (tests read changed files again). */
void settings_reset(void);

#endif
