/* main.c — the espurna-ota command: dispatches to one command file per verb, and exits in one
 * place with the code the command returned (the table in status.h / the man page). */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "commands.h"
#include "complete.h"
#include "settings.h"
#include "espurna-ota/output.h"
#include "espurna-ota/status.h"
#include "espurna-ota/version.h"

/* Every command: a row here is all that `--help`, shell completion and the settings need to know
 * of it. */
static const struct command commands[] = {
    {"inspect", cmd_inspect, "show what a firmware image is and what it fits beside",
     &inspect_spec},
    {"discover", cmd_discover, "find the devices on the network: what each runs and takes",
     &discover_spec},
    {"flash", cmd_flash, "send one image to one device by one method", &flash_spec},
    {"batch", cmd_batch, "upgrade a fleet: a device list or everything discovered, N at once",
     &batch_spec},
    {"upgrade", cmd_upgrade, "take one device to an image: plan, one step or two, verify",
     &upgrade_spec},
    {"serve", cmd_serve, "serve one image once under a one-time URL (for 'ota <url>')",
     &serve_spec},
    {"report", cmd_report, "merge batch journals of several sites into one result", &report_spec},
    {"config", cmd_config, "show the defaults each command takes from the environment and files",
     &config_spec},
};

/* The settings (settings.h) check a config file's keys against every command's options. */
static void register_settings(void)
{
    static const struct command_spec *specs[sizeof commands / sizeof commands[0] + 1];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        specs[i] = commands[i].spec;
    settings_register(specs);
}

static void print_usage(void (*print)(const char *format, ...)
                            __attribute__((format(printf, 1, 2))))
{
    print("usage: espurna-ota <command> [options]\n"
          "       espurna-ota --version | --help [<command>]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        print("  %-10s %s\n", commands[i].name, commands[i].summary);
    print("\n'espurna-ota <command> --help' shows a command's options; "
          "espurna-ota(1) has the rest.\n");
}

static int usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    eo_out_usage_error(NULL, format, args);
    va_end(args);
    return EO_ERR_USAGE;
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static bool is_help(const char *word)
{
    return strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0;
}

/* Runs a command and exits with its code, or with EO_ERR_FILE when stdout could not be
 * written. */
static int run_command(const struct command *command, int argc, char **argv)
{
    int code = command->run(argc, argv);
    enum eo_status flushed = eo_out_finish();
    return code != EO_OK ? code : (int)flushed;
}

/* `espurna-ota help [COMMAND]` (or --help, -h): the overview, or one command's --help. */
static int help(int argc, char **argv)
{
    if (argc > 3)
        return usage_error("%s takes at most one command name, not '%s'", argv[1], argv[3]);
    if (argc == 2) {
        print_usage(eo_out_text);
        return eo_out_finish();
    }
    const struct command *command = find_command(argv[2]);
    if (!command)
        return usage_error("'%s' is not a command", argv[2]);
    char help_flag[] = "--help";
    char *command_argv[] = {argv[2], help_flag, NULL};
    return run_command(command, 2, command_argv);
}

/* Passwords live in this process's memory: no core file may hold them, and no other process of
 * the same user may read them (ptrace, /proc/PID/mem or /proc/PID/environ). */
static void keep_memory_private(void)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    keep_memory_private();
    register_settings();
    if (argc < 2) {
        print_usage(eo_out_text_stderr);
        return EO_ERR_USAGE;
    }
    if (is_help(argv[1]))
        return help(argc, argv);
    if (strcmp(argv[1], COMPLETE_COMMAND) == 0) /* the completion scripts' own, not in --help */
        return complete_run(commands, sizeof commands / sizeof commands[0], argc - 2, argv + 2);
    if (strcmp(argv[1], "--version") == 0) {
        if (argc > 2)
            return usage_error("--version takes no arguments, not '%s'", argv[2]);
        eo_out_text("espurna-ota %s\n", EO_VERSION);
        return eo_out_finish();
    }
    const struct command *command = find_command(argv[1]);
    if (!command)
        return usage_error("'%s' is not a command", argv[1]);
    return run_command(command, argc - 1, argv + 1);
}
