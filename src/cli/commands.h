/* commands.h — entry points of the CLI commands, one file each (cmd_<name>.c). Each returns
 * the process exit code (an enum eo_status value). */
#ifndef ESPURNA_OTA_CLI_COMMANDS_H
#define ESPURNA_OTA_CLI_COMMANDS_H

int cmd_inspect(int argc, char **argv);
int cmd_discover(int argc, char **argv);
int cmd_flash(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);
int cmd_batch(int argc, char **argv);

#endif
