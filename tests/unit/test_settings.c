/* test_settings.c — unit tests for the CLI's settings (src/cli/settings.c over options.c): on a
 * table of two made-up commands, the command line beats the environment, which beats the user
 * file, which beats the system file; a value from anywhere passes the checks of the command line
 * and an error names FILE:LINE and the key, or the variable; unknown keys, sections and options
 * that take no setting (a target, a password) are refused with their line; `unless` leaves a
 * setting unused when a conflicting option is given; flags take true/false words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/options.h"
#include "cli/settings.h"

static unsigned long jobs, retries, port;
static const char *device, *image, *firmware_dir, *password_file, *password;
static bool no_gzip;

static const struct option_spec fleet_options[] = {
    {"device", 'd', OPT_STRING, &device, 0, 0, "DEV", "the device", false, NULL},
    {"image", 'i', OPT_STRING, &image, 0, 0, "FILE", "the image", false, NULL},
    {"firmware-dir", 0, OPT_STRING, &firmware_dir, 0, 0, "DIR", "release images", true, "image"},
    {"jobs", 'j', OPT_UINT, &jobs, 1, 64, "N", "devices at once", true, NULL},
    {"retries", 0, OPT_UINT, &retries, 0, 10, "N", "tries again", true, NULL},
    {"password-file", 0, OPT_STRING, &password_file, 0, 0, "FILE", "password", true, "password"},
    {"password", 0, OPT_SECRET, &password, 0, 0, "PW", "password", true, NULL},
    {"no-gzip", 0, OPT_FLAG, &no_gzip, 0, 0, NULL, "plain images", true, NULL},
};
static const struct command_spec fleet_spec = {
    "fleet", "", "A made-up command.", fleet_options, OPTION_COUNT(fleet_options), 0, 0,
};

static unsigned long probe_jobs;
static const struct option_spec probe_options[] = {
    {"port", 0, OPT_UINT, &port, 1, 65535, "N", "a port", true, NULL},
    {"jobs", 0, OPT_UINT, &probe_jobs, 1, 8, "N", "not settable here", false, NULL},
};
static const struct command_spec probe_spec = {
    "probe", "", "Another one.", probe_options, OPTION_COUNT(probe_options), 0, 0,
};
static const struct command_spec *const specs[] = {&fleet_spec, &probe_spec, NULL};

static char dir[64], user_path[160], system_path[160], stderr_text[4096];

static int setup(void **state)
{
    (void)state;
    char xdg[128];
    snprintf(dir, sizeof dir, "/tmp/eo-settings-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(xdg, sizeof xdg, "%s/espurna-ota", dir);
    mkdir(xdg, 0700);
    snprintf(user_path, sizeof user_path, "%s/config", xdg);
    snprintf(system_path, sizeof system_path, "%s/system", dir);
    setenv("XDG_CONFIG_HOME", dir, 1);
    setenv("ESPURNA_OTA_SYSTEM_CONFIG", system_path, 1);
    unsetenv("ESPURNA_OTA_JOBS");
    unsetenv("ESPURNA_OTA_RETRIES");
    settings_register(specs);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char command[128];
    settings_reset();
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    return system(command) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *content)
{
    if (!content) {
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

/* Parses `words` (space-separated, after the command name) for `spec` with these files (NULL:
 * none), as a fresh run would; what went to stderr lands in stderr_text. */
static int run(const struct command_spec *spec, const char *system_text, const char *user_text,
               const char *words)
{
    char line[256], *argv[32], *args[32];
    int argc = 0, nargs;
    write_file(system_path, system_text);
    write_file(user_path, user_text);
    settings_reset();
    jobs = 4, retries = 0, port = 0, probe_jobs = 0;
    device = image = firmware_dir = password_file = password = NULL;
    no_gzip = false;
    snprintf(line, sizeof line, "%s %s", spec->name, words);
    for (char *word = strtok(line, " "); word && argc < 31; word = strtok(NULL, " "))
        argv[argc++] = word;
    argv[argc] = NULL;

    FILE *capture = tmpfile();
    assert_non_null(capture);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(capture), STDERR_FILENO);
    int rc = options_parse(spec, argc, argv, args, &nargs);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(capture);
    size_t n = fread(stderr_text, 1, sizeof stderr_text - 1, capture);
    stderr_text[n] = '\0';
    fclose(capture);
    if (password) /* a copy made by the parser */
        free((char *)password);
    password = NULL;
    return rc;
}

static enum eo_config_origin origin_of(const char *name)
{
    const struct setting_origin *origin = settings_origin(name);
    assert_non_null(origin);
    return origin->origin;
}

/* The first line of stderr after "espurna-ota fleet: " with the test directory as "DIR". */
static const char *first_error(void)
{
    static char text[1024];
    const char *start = strchr(stderr_text, ':');
    assert_non_null(start);
    size_t len = strcspn(start + 2, "\n");
    snprintf(text, sizeof text, "%.*s", (int)len, start + 2);
    for (char *at = strstr(text, dir); at; at = strstr(text, dir)) {
        memmove(at + 3, at + strlen(dir), strlen(at + strlen(dir)) + 1);
        memcpy(at, "DIR", 3);
    }
    return text;
}

/* ---- the order ----------------------------------------------------------------------------- */

static void test_order(void **state)
{
    (void)state;
    const char *system_text = "jobs = 2\n", *user_text = "jobs = 3\n";
    assert_int_equal(run(&fleet_spec, NULL, NULL, ""), 0);
    assert_int_equal(jobs, 4);
    assert_int_equal(origin_of("jobs"), EO_CONFIG_DEFAULT);
    assert_int_equal(run(&fleet_spec, system_text, NULL, ""), 0);
    assert_int_equal(jobs, 2);
    assert_int_equal(origin_of("jobs"), EO_CONFIG_SYSTEM);
    assert_int_equal(run(&fleet_spec, system_text, user_text, ""), 0);
    assert_int_equal(jobs, 3);
    const struct setting_origin *origin = settings_origin("jobs");
    assert_int_equal(origin->origin, EO_CONFIG_USER);
    assert_string_equal(origin->path, user_path);
    assert_int_equal(origin->line, 1);
    setenv("ESPURNA_OTA_JOBS", "5", 1);
    assert_int_equal(run(&fleet_spec, system_text, user_text, ""), 0);
    assert_int_equal(jobs, 5);
    assert_int_equal(origin_of("jobs"), EO_CONFIG_ENV);
    assert_string_equal(settings_origin("jobs")->env, "ESPURNA_OTA_JOBS");
    assert_int_equal(run(&fleet_spec, system_text, user_text, "-j 7"), 0);
    assert_int_equal(jobs, 7);
    assert_int_equal(origin_of("jobs"), EO_CONFIG_FLAG);
    unsetenv("ESPURNA_OTA_JOBS");
}

/* [fleet] beats the general part of the same file; another command's section is not read. */
static void test_sections(void **state)
{
    (void)state;
    assert_int_equal(
        run(&fleet_spec, NULL, "jobs = 3\n[fleet]\njobs = 6\n[probe]\nport = 80\n", ""), 0);
    assert_int_equal(jobs, 6);
    assert_int_equal(
        run(&probe_spec, NULL, "jobs = 3\n[fleet]\njobs = 6\n[probe]\nport = 80\n", ""), 0);
    assert_int_equal(port, 80);
    assert_int_equal(probe_jobs,
                     0); /* jobs is not settable for probe: the general one is fleet's */
}

/* ---- checks ------------------------------------------------------------------------------ */

static void test_values_checked_as_flags(void **state)
{
    (void)state;
    assert_int_equal(run(&fleet_spec, NULL, "\n[fleet]\njobs = 100\n", ""), 2);
    assert_string_equal(first_error(),
                        "DIR/espurna-ota/config:3: jobs must be between 1 and 64, not 100");
    assert_non_null(strstr(stderr_text, "\ntry 'espurna-ota fleet --help'\n"));
    /* a flag wins and the setting it replaces is never used */
    assert_int_equal(run(&fleet_spec, NULL, "\n[fleet]\njobs = 100\n", "--jobs 2"), 0);
    assert_int_equal(jobs, 2);
    assert_int_equal(run(&fleet_spec, "retries = two\n", NULL, ""), 2);
    assert_string_equal(first_error(), "DIR/system:1: retries needs a whole number, not 'two'");
    setenv("ESPURNA_OTA_RETRIES", "-1", 1);
    assert_int_equal(run(&fleet_spec, NULL, NULL, ""), 2);
    assert_string_equal(first_error(), "ESPURNA_OTA_RETRIES needs a whole number, not '-1'");
    unsetenv("ESPURNA_OTA_RETRIES");
    /* the command line's own rules hold as before */
    assert_int_equal(run(&fleet_spec, NULL, NULL, "-j 1 -j 2"), 2);
    assert_string_equal(first_error(), "--jobs given more than once; give it once");
}

static void test_keys_checked_against_every_command(void **state)
{
    (void)state;
    assert_int_equal(run(&fleet_spec, NULL, "jobs = 2\njbos = 2\n", ""), 2);
    assert_string_equal(first_error(), "DIR/espurna-ota/config:2: unknown key 'jbos'");
    assert_int_equal(run(&fleet_spec, NULL, "[fleet]\nport = 80\n", ""), 2);
    assert_string_equal(first_error(), "DIR/espurna-ota/config:2: unknown key 'port' for fleet");
    /* a general key some command has is fine for the others; another section's errors count */
    assert_int_equal(run(&fleet_spec, NULL, "port = 80\n", ""), 0);
    assert_int_equal(run(&fleet_spec, "[probe]\nport = 0\n", NULL, ""), 0);
    assert_int_equal(run(&probe_spec, "[probe]\nport = 0\n", NULL, ""), 2);
    assert_int_equal(run(&fleet_spec, NULL, "\n[nosuch]\nport = 80\n", ""), 2);
    assert_string_equal(first_error(), "DIR/espurna-ota/config:2: [nosuch] is not a command");
    assert_int_equal(run(&fleet_spec, NULL, "[probe]\njobs = 2\n", ""), 2);
    assert_string_equal(first_error(), "DIR/espurna-ota/config:2: 'jobs' cannot be set in a config "
                                       "file: give --jobs on the command line");
    assert_int_equal(run(&fleet_spec, "device = x\n", NULL, ""), 2);
    assert_string_equal(first_error(), "DIR/system:1: 'device' cannot be set in a config file: "
                                       "give --device on the command line");
}

/* A password never comes from a config file, even from an option table that says settable. */
static void test_password_refused(void **state)
{
    (void)state;
    assert_false(options_settable(&fleet_options[6]));
    assert_int_equal(run(&fleet_spec, NULL, "password = secret\n", ""), 2);
    assert_string_equal(first_error(),
                        "DIR/espurna-ota/config:1: 'password' cannot be set in a config file: a "
                        "password goes in a password file (password-file = FILE) or "
                        "ESPURNA_OTA_PASSWORD");
    assert_null(strstr(stderr_text, "secret"));
}

static void test_unless(void **state)
{
    (void)state;
    const char *user_text = "firmware-dir = /srv/fw\npassword-file = /pw\n";
    assert_int_equal(run(&fleet_spec, NULL, user_text, ""), 0);
    assert_string_equal(firmware_dir, "/srv/fw");
    assert_string_equal(password_file, "/pw");
    assert_int_equal(run(&fleet_spec, NULL, user_text, "--image x.bin --password pw"), 0);
    assert_null(firmware_dir);
    assert_null(password_file);
    assert_int_equal(origin_of("firmware-dir"), EO_CONFIG_DEFAULT);
}

static void test_flag_words(void **state)
{
    (void)state;
    assert_int_equal(run(&fleet_spec, NULL, "no-gzip = yes\n", ""), 0);
    assert_true(no_gzip);
    assert_int_equal(run(&fleet_spec, NULL, "no-gzip = 0\n", ""), 0);
    assert_false(no_gzip);
    assert_int_equal(run(&fleet_spec, NULL, "no-gzip = maybe\n", ""), 2);
    assert_string_equal(first_error(),
                        "DIR/espurna-ota/config:1: no-gzip needs true or false, not 'maybe'");
}

/* A usage error about an option whose value came from a setting says where it came from. */
static void test_usage_error_names_setting(void **state)
{
    (void)state;
    assert_int_equal(run(&fleet_spec, NULL, "retries = 3\n", ""), 0);
    FILE *capture = tmpfile();
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(capture), STDERR_FILENO);
    options_usage_error(&fleet_spec, "--retries is not for --jobs");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(capture);
    size_t n = fread(stderr_text, 1, sizeof stderr_text - 1, capture);
    stderr_text[n] = '\0';
    fclose(capture);
    assert_string_equal(first_error(),
                        "--retries is not for --jobs (retries = 3: DIR/espurna-ota/config:1)");
}

static void test_unreadable_file(void **state)
{
    (void)state;
    mkdir(system_path, 0700); /* a directory where the system file should be */
    settings_reset();
    assert_int_equal(run(&fleet_spec, NULL, NULL, ""), EO_ERR_FILE);
    assert_non_null(strstr(stderr_text, "not a regular file (it is a directory)"));
    rmdir(system_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_values_checked_as_flags),
        cmocka_unit_test(test_keys_checked_against_every_command),
        cmocka_unit_test(test_password_refused),
        cmocka_unit_test(test_unless),
        cmocka_unit_test(test_flag_words),
        cmocka_unit_test(test_usage_error_names_setting),
        cmocka_unit_test(test_unreadable_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
