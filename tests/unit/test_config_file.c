/* test_config_file.c — unit tests for config_file.c: the form of a config file (keys, sections,
 * comments, blank lines) and each way a line can be wrong, with FILE:LINE; files that are
 * missing, directories or too large; the paths (XDG_CONFIG_HOME, HOME, ESPURNA_OTA_SYSTEM_CONFIG);
 * the environment variable names; and the order: environment, user file's [command], user
 * file, system file's [command], system file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "temp_dir.h"

#include "espurna-ota/config_file.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    if (!temp_dir_make(dir, sizeof dir, "config"))
        return -1;
    unsetenv("ESPURNA_OTA_JOBS");
    unsetenv("ESPURNA_OTA_FIRMWARE_DIR");
    unsetenv(EO_CONFIG_SYSTEM_ENV);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return temp_dir_remove(dir);
}

/* Writes a file in the test directory and returns its path (a static buffer per call slot). */
static const char *write_file(const char *name, const char *content)
{
    static char paths[4][128];
    static unsigned slot;
    char *path = paths[slot++ % 4];
    snprintf(path, 128, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return path;
}

/* Reads `content` as a config file; returns the status, the error message in err. */
static enum eo_status read_text(const char *content, struct eo_config_file *file,
                                struct eo_error *err)
{
    eo_error_clear(err);
    return eo_config_file_read(write_file("config", content), file, err);
}

/* The message of the error `content` makes, after "DIR/config:". */
static const char *error_of(const char *content)
{
    static struct eo_error err;
    struct eo_config_file file;
    assert_int_equal(read_text(content, &file, &err), EO_ERR_USAGE);
    const char *prefix = strstr(err.message, "/config:");
    assert_non_null(prefix);
    return prefix + strlen("/config:");
}

/* ---- the form of a file ---------------------------------------------------------------- */

static void test_keys_sections_comments(void **state)
{
    (void)state;
    struct eo_config_file file;
    struct eo_error err;
    assert_int_equal(read_text("# defaults\n"
                               "\n"
                               "jobs = 8\n"
                               "  firmware-dir=/srv/fw # not a comment  \r\n"
                               "[batch]\n"
                               "   # indented comment\n"
                               "retries = 2\n"
                               "[ upgrade ]\n"
                               "method = web",
                               &file, &err),
                     EO_OK);
    assert_true(file.found);
    assert_int_equal(file.count, 4);
    const struct eo_config_entry *jobs = eo_config_file_find(&file, "", "jobs");
    assert_non_null(jobs);
    assert_string_equal(jobs->value, "8");
    assert_int_equal(jobs->line, 3);
    /* a value is the rest of the line, trimmed: '#' after it is part of it */
    assert_string_equal(eo_config_file_find(&file, "", "firmware-dir")->value,
                        "/srv/fw # not a comment");
    const struct eo_config_entry *retries = eo_config_file_find(&file, "batch", "retries");
    assert_non_null(retries);
    assert_int_equal(retries->line, 7);
    assert_int_equal(retries->section_line, 5);
    assert_null(eo_config_file_find(&file, "", "retries"));
    assert_string_equal(eo_config_file_find(&file, "upgrade", "method")->value, "web");
    eo_config_file_release(&file);
}

static void test_empty_file(void **state)
{
    (void)state;
    struct eo_config_file file;
    struct eo_error err;
    assert_int_equal(read_text("", &file, &err), EO_OK);
    assert_true(file.found);
    assert_int_equal(file.count, 0);
    eo_config_file_release(&file);
}

static void test_malformed_lines(void **state)
{
    (void)state;
    assert_string_equal(error_of("jobs = 8\njobs 8\n"),
                        "2: expected 'key = value', a [command] header or a # comment");
    assert_string_equal(error_of("jobs =\n"), "1: 'jobs' has no value");
    assert_string_equal(error_of("= 8\n"),
                        "1: '' is not a key (an option's long name: lower-case letters, digits, "
                        "'-')");
    assert_string_equal(error_of("\n\nJobs = 8\n"),
                        "3: 'Jobs' is not a key (an option's long name: lower-case letters, "
                        "digits, '-')");
    assert_string_equal(error_of("batch.jobs = 8\n"),
                        "1: 'batch.jobs' is not a key: put the option under a [command] line");
    assert_string_equal(error_of("[batch\n"),
                        "1: '[batch' is not a section header: write [command]");
    assert_string_equal(error_of("[Batch]\n"), "1: 'Batch' is not a command name");
    assert_string_equal(error_of("[]\n"), "1: '' is not a command name");
}

static void test_duplicates(void **state)
{
    (void)state;
    assert_string_equal(error_of("jobs = 8\n# again\njobs = 9\n"),
                        "3: 'jobs' given twice (first at line 1)");
    assert_string_equal(error_of("[batch]\njobs = 8\n[upgrade]\nsoak = 1\n[batch]\njobs = 9\n"),
                        "6: 'jobs' given twice in [batch] (first at line 2)");
    /* the same key in the general part and in a section is no duplicate */
    struct eo_config_file file;
    struct eo_error err;
    assert_int_equal(read_text("jobs = 8\n[batch]\njobs = 9\n", &file, &err), EO_OK);
    eo_config_file_release(&file);
}

static void test_long_line_and_nul(void **state)
{
    (void)state;
    char text[EO_CONFIG_LINE_MAX + 64];
    memset(text, 'x', sizeof text);
    memcpy(text, "jobs = ", 7);
    text[sizeof text - 2] = '\n';
    text[sizeof text - 1] = '\0';
    assert_string_equal(error_of(text), "1: line longer than 1024 characters");

    const char *path = write_file("binary", "jobs = 8\n");
    FILE *f = fopen(path, "a");
    fputc('\0', f);
    fclose(f);
    struct eo_config_file file;
    struct eo_error err;
    assert_int_equal(eo_config_file_read(path, &file, &err), EO_ERR_USAGE);
    assert_non_null(strstr(err.message, "not a text file"));
}

/* ---- files that are not there or cannot be read --------------------------------------- */

static void test_missing_file_is_no_error(void **state)
{
    (void)state;
    char path[128];
    struct eo_config_file file;
    struct eo_error err = {0};
    snprintf(path, sizeof path, "%s/none", dir);
    assert_int_equal(eo_config_file_read(path, &file, &err), EO_OK);
    assert_false(file.found);
    assert_int_equal(file.count, 0);
    assert_string_equal(file.path, path);
}

/* A folder on the path this user may not enter (another user's HOME): as if there were no file.
 * Checked as an unprivileged user (root enters every folder): the test directory is 0700. */
static void test_closed_folder_is_no_file(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/config", dir);
    write_file("config", "jobs = 1\n");
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct eo_config_file file;
        struct eo_error err = {0};
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(2);
        if (access(dir, X_OK) == 0)
            _exit(3); /* not closed to this user after all */
        _exit(eo_config_file_read(path, &file, &err) == EO_OK && !file.found ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 3)
        skip();
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_directory_and_too_large(void **state)
{
    (void)state;
    struct eo_config_file file;
    struct eo_error err = {0};
    assert_int_equal(eo_config_file_read(dir, &file, &err), EO_ERR_FILE);
    assert_non_null(strstr(err.message, "not a regular file (it is a directory)"));

    const char *path = write_file("large", "");
    assert_int_equal(truncate(path, EO_CONFIG_FILE_MAX + 1), 0);
    assert_int_equal(eo_config_file_read(path, &file, &err), EO_ERR_FILE);
    assert_non_null(strstr(err.message, "larger than 65536 bytes"));
}

/* ---- paths and names ------------------------------------------------------------------- */

static void test_paths(void **state)
{
    (void)state;
    char path[EO_CONFIG_PATH_MAX];
    setenv("XDG_CONFIG_HOME", "/xdg", 1);
    setenv("HOME", "/home/u", 1);
    assert_true(eo_config_user_path(path, sizeof path));
    assert_string_equal(path, "/xdg/espurna-ota/config");
    setenv("XDG_CONFIG_HOME", "relative", 1); /* ignored, as the XDG spec says */
    assert_true(eo_config_user_path(path, sizeof path));
    assert_string_equal(path, "/home/u/.config/espurna-ota/config");
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    assert_false(eo_config_user_path(path, sizeof path));
    assert_string_equal(path, "");

    eo_config_system_path(path, sizeof path);
    assert_string_equal(path, "/etc/espurna-ota/config");
    setenv(EO_CONFIG_SYSTEM_ENV, "", 1);
    eo_config_system_path(path, sizeof path);
    assert_string_equal(path, "/etc/espurna-ota/config");
    setenv(EO_CONFIG_SYSTEM_ENV, "/tmp/site.conf", 1);
    eo_config_system_path(path, sizeof path);
    assert_string_equal(path, "/tmp/site.conf");
    unsetenv(EO_CONFIG_SYSTEM_ENV);
}

static void test_env_names(void **state)
{
    (void)state;
    char name[EO_CONFIG_ENV_MAX];
    assert_true(eo_config_env_name("firmware-dir", name, sizeof name));
    assert_string_equal(name, "ESPURNA_OTA_FIRMWARE_DIR");
    assert_true(eo_config_env_name("j0bs", name, sizeof name));
    assert_string_equal(name, "ESPURNA_OTA_J0BS");
    assert_false(eo_config_env_name("a-very-long-key", name, 20));
}

/* ---- the order ------------------------------------------------------------------------- */

/* Loads a system file and a user file with these contents through the real paths. */
static void load(struct eo_config *config, const char *system_text, const char *user_text)
{
    char xdg[128];
    struct eo_error err = {0};
    snprintf(xdg, sizeof xdg, "%s/xdg", dir);
    mkdir(xdg, 0700);
    strcat(xdg, "/espurna-ota");
    mkdir(xdg, 0700);
    write_file("xdg/espurna-ota/config", user_text);
    setenv(EO_CONFIG_SYSTEM_ENV, write_file("system", system_text), 1);
    xdg[strlen(xdg) - strlen("/espurna-ota")] = '\0';
    setenv("XDG_CONFIG_HOME", xdg, 1);
    assert_int_equal(eo_config_load(config, &err), EO_OK);
    unsetenv(EO_CONFIG_SYSTEM_ENV);
}

static const char *looked_up(const struct eo_config *config, const char *command,
                             enum eo_config_origin *origin, unsigned *line)
{
    static struct eo_config_value value;
    eo_config_lookup(config, command, "jobs", &value);
    *origin = value.origin;
    *line = value.line;
    assert_string_equal(value.env, "ESPURNA_OTA_JOBS");
    return value.text;
}

static void test_precedence(void **state)
{
    (void)state;
    struct eo_config config;
    enum eo_config_origin origin;
    unsigned line;
    load(&config, "jobs = 1\n[batch]\njobs = 2\n", "[upgrade]\njobs = 3\n");
    /* the system file: its [batch] section beats its general part */
    assert_string_equal(looked_up(&config, "batch", &origin, &line), "2");
    assert_int_equal(origin, EO_CONFIG_SYSTEM);
    assert_int_equal(line, 3);
    assert_string_equal(looked_up(&config, "discover", &origin, &line), "1");
    /* the user file beats the system file */
    assert_string_equal(looked_up(&config, "upgrade", &origin, &line), "3");
    assert_int_equal(origin, EO_CONFIG_USER);
    eo_config_release(&config);

    /* the user file's general part beats the system file's section */
    load(&config, "[batch]\njobs = 2\n", "jobs = 5\n");
    assert_string_equal(looked_up(&config, "batch", &origin, &line), "5");
    assert_int_equal(origin, EO_CONFIG_USER);
    assert_int_equal(line, 1);
    /* the environment beats both; empty counts as unset */
    setenv("ESPURNA_OTA_JOBS", "", 1);
    assert_string_equal(looked_up(&config, "batch", &origin, &line), "5");
    setenv("ESPURNA_OTA_JOBS", "7", 1);
    assert_string_equal(looked_up(&config, "batch", &origin, &line), "7");
    assert_int_equal(origin, EO_CONFIG_ENV);
    unsetenv("ESPURNA_OTA_JOBS");
    eo_config_release(&config);

    /* nothing: the default */
    load(&config, "", "# nothing\n");
    assert_null(looked_up(&config, "batch", &origin, &line));
    assert_int_equal(origin, EO_CONFIG_DEFAULT);
    assert_string_equal(eo_config_origin_name(origin), "default");
    eo_config_release(&config);
}

static void test_load_fails_whole(void **state)
{
    (void)state;
    struct eo_config config;
    struct eo_error err = {0};
    char xdg[128];
    snprintf(xdg, sizeof xdg, "%s/xdg2", dir);
    mkdir(xdg, 0700);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    setenv(EO_CONFIG_SYSTEM_ENV, write_file("bad-system", "jobs = 1\nnonsense\n"), 1);
    assert_int_equal(eo_config_load(&config, &err), EO_ERR_USAGE);
    assert_non_null(strstr(err.message, "bad-system:2: expected 'key = value'"));
    assert_int_equal(config.system.count, 0);
    unsetenv(EO_CONFIG_SYSTEM_ENV);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_sections_comments),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_long_line_and_nul),
        cmocka_unit_test(test_missing_file_is_no_error),
        cmocka_unit_test(test_closed_folder_is_no_file),
        cmocka_unit_test(test_directory_and_too_large),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_env_names),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_load_fails_whole),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
