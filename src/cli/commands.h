/* commands.h — the CLI's commands, one file each (cmd_<name>.c): their entry points, each
 * returning the process exit code (an enum eo_status value), and their option tables. A row of
 * main.c's command table names both, so that shell completion (complete.c) and the settings
 * (settings.h, `config`) know every command's options without a list of their own. */
#ifndef ESPURNA_OTA_CLI_COMMANDS_H
#define ESPURNA_OTA_CLI_COMMANDS_H

#include "options.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;             /* the line of `espurna-ota --help` */
    const struct command_spec *spec; /* its options, as parsing and --help see them */
};

int cmd_inspect(int argc, char **argv);
int cmd_discover(int argc, char **argv);
int cmd_flash(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_config(int argc, char **argv);

extern const struct command_spec inspect_spec;
extern const struct command_spec discover_spec;
extern const struct command_spec flash_spec;
extern const struct command_spec serve_spec;
extern const struct command_spec upgrade_spec;
extern const struct command_spec batch_spec;
extern const struct command_spec report_spec;
extern const struct command_spec config_spec;

#endif
