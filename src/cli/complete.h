/* complete.h — `espurna-ota __complete CWORD WORD0 WORD1 ...`: the candidates for word CWORD
 * (0-based; WORD0 is the program) of a command line being typed, for the bash and zsh
 * completion scripts in completions/. Not listed in --help: an interface of those scripts,
 * documented in the manual's SHELL COMPLETION section. Answers from the command table, the
 * option tables and the device cache only; never touches the network. */
#ifndef ESPURNA_OTA_CLI_COMPLETE_H
#define ESPURNA_OTA_CLI_COMPLETE_H

#include <stddef.h>

#include "commands.h"

#define COMPLETE_COMMAND "__complete"

/* argv[0] is CWORD, the rest the words of the line. Prints the answer (report_complete.h) and
 * returns 0, or EO_ERR_USAGE with one line on stderr when CWORD is not a word index. */
int complete_run(const struct command *commands, size_t count, int argc, char **argv);

#endif
