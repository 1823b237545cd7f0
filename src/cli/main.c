/* main.c — the espurna-ota command: dispatches to one command file per verb, and exits in one
 * place with the code the command returned (the table in status.h / the man page). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "espurna-ota/output.h"
#include "espurna-ota/status.h"
#include "espurna-ota/version.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"inspect", cmd_inspect, "show what a firmware image is and what it fits beside"},
    {"discover", cmd_discover, "find the devices on the network: what each runs and takes"},
    {"flash", cmd_flash, "send one image to one device by one method"},
    {"serve", cmd_serve, "serve one image once under a one-time URL (for 'ota <url>')"},
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: espurna-ota <command> [options]\n"
                 "       espurna-ota --version | --help\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'espurna-ota <command> --help' shows a command's options; "
                 "espurna-ota(1) has the rest.\n");
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EO_ERR_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return eo_out_finish();
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("espurna-ota %s\n", EO_VERSION);
        return eo_out_finish();
    }
    const struct command *command = find_command(argv[1]);
    if (!command) {
        fprintf(stderr, "espurna-ota: '%s' is not a command\ntry 'espurna-ota --help'\n", argv[1]);
        return EO_ERR_USAGE;
    }
    int code = command->run(argc - 1, argv + 1);
    enum eo_status flushed = eo_out_finish();
    return code != EO_OK ? code : (int)flushed;
}
