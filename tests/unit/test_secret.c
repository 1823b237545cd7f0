/* test_secret.c — unit tests for secret.c: each password source, their precedence, the store's
 * permission check and line format, the length limit, a directory and a FIFO as the file. */
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

#include "espurna-ota/secret.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    if (!temp_dir_make(dir, sizeof dir, "secret"))
        return -1;
    unsetenv("ESPURNA_OTA_PASSWORD");
    setenv("XDG_CONFIG_HOME", dir, 1); /* keeps the real ~/.config store out of the tests */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return temp_dir_remove(dir);
}

/* Writes a file in the test directory and returns its path (static buffer per call slot). */
static const char *write_file(const char *name, const char *content, mode_t mode)
{
    static char paths[4][128];
    static unsigned slot;
    char *path = paths[slot++ % 4];
    snprintf(path, 128, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static const char *const keys[] = {"ESPURNA-0A0B0C", "127.0.1.11", NULL};

static enum eo_status resolve(const struct eo_secret_sources *s, char out[EO_SECRET_MAX],
                              enum eo_secret_origin *origin, struct eo_error *err)
{
    eo_error_clear(err);
    return eo_secret_resolve(s, keys, out, origin, err);
}

static void test_nothing(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX] = "junk";
    enum eo_secret_origin origin;
    struct eo_error err;
    struct eo_secret_sources s = {.store_path = "/nonexistent/passwords"};
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_int_equal(origin, EO_SECRET_NONE);
    assert_string_equal(out, "");
}

static void test_file_first_line(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    enum eo_secret_origin origin;
    struct eo_error err;
    struct eo_secret_sources s = {.password_file =
                                      write_file("pw", "s3cret pass\r\nsecond\n", 0600)};
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_int_equal(origin, EO_SECRET_FILE);
    assert_string_equal(out, "s3cret pass");
}

static void test_file_errors(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    enum eo_secret_origin origin;
    struct eo_error err;
    struct eo_secret_sources s = {.password_file = "/nonexistent/pw"};
    assert_int_equal(resolve(&s, out, &origin, &err), EO_ERR_FILE);
    assert_non_null(strstr(err.message, "/nonexistent/pw"));
    s.password_file = write_file("empty", "", 0600);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_ERR_INPUT);
    assert_non_null(strstr(err.message, "empty"));
}

/* A password file others can read is refused, and the message shows no password. */
static void test_file_readable_by_others(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX] = "";
    enum eo_secret_origin origin;
    struct eo_error err;
    struct eo_secret_sources s = {.password_file = write_file("open", "hunter2\n", 0644)};
    assert_int_equal(resolve(&s, out, &origin, &err), EO_ERR_FILE);
    assert_non_null(strstr(err.message, "is readable by other users (mode 644); run 'chmod 600"));
    assert_null(strstr(err.message, "hunter2"));
    assert_string_equal(out, "");
    s.password_file = write_file("group", "hunter2\n", 0640);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_ERR_FILE);
    s.password_file = write_file("mine", "hunter2\n", 0400);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "hunter2");
}

static void test_file_is_directory(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    enum eo_secret_origin origin;
    struct eo_error err;
    struct eo_secret_sources s = {.password_file = dir};
    assert_int_equal(resolve(&s, out, &origin, &err), EO_ERR_FILE);
    assert_non_null(strstr(err.message, "is a directory"));
    assert_null(strstr(err.message, "empty"));
}

/* A FIFO with a writer (what process substitution gives) is read like a file. */
static void test_file_fifo(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX], path[96];
    enum eo_secret_origin origin;
    struct eo_error err;
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    pid_t writer = fork();
    assert_true(writer >= 0);
    if (writer == 0) {
        FILE *f = fopen(path, "w");
        _exit(f && fputs("from-a-pipe\n", f) >= 0 && fclose(f) == 0 ? 0 : 1);
    }
    struct eo_secret_sources s = {.password_file = path};
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "from-a-pipe");
    int wstatus = 0;
    assert_int_equal(waitpid(writer, &wstatus, 0), writer);
    assert_true(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
}

static void test_too_long(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    char longpw[EO_SECRET_MAX + 2];
    enum eo_secret_origin origin;
    struct eo_error err;
    memset(longpw, 'x', EO_SECRET_MAX);
    longpw[EO_SECRET_MAX] = '\0';
    struct eo_secret_sources s = {.password_file = write_file("long", longpw, 0600)};
    assert_int_equal(resolve(&s, out, &origin, &err), EO_ERR_INPUT);
    assert_null(strstr(err.message, "xxxx")); /* never echo the password */
    assert_string_equal(out, "");
    longpw[EO_SECRET_MAX - 1] = '\0'; /* exactly the maximum: accepted */
    s.password_file = write_file("max", longpw, 0600);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_int_equal(strlen(out), EO_SECRET_MAX - 1);
}

static void test_env(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    enum eo_secret_origin origin;
    struct eo_error err;
    struct eo_secret_sources s = {.store_path = write_file("envstore", "* fromstore\n", 0600)};
    setenv("ESPURNA_OTA_PASSWORD", "fromenv", 1);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_int_equal(origin, EO_SECRET_ENV);
    assert_string_equal(out, "fromenv");
    setenv("ESPURNA_OTA_PASSWORD", "", 1); /* empty counts as unset */
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_int_equal(origin, EO_SECRET_STORE);
    unsetenv("ESPURNA_OTA_PASSWORD");
}

static void test_store_lookup(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    enum eo_secret_origin origin;
    struct eo_error err;
    const char *store = write_file("store",
                                   "# comment\n\n* wildpw\nother-host nope\n"
                                   "espurna-0a0b0c   host pw with spaces\n",
                                   0600);
    struct eo_secret_sources s = {.store_path = store};
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_int_equal(origin, EO_SECRET_STORE);
    assert_string_equal(out, "host pw with spaces"); /* exact key beats an earlier '*' */
    s.store_path = write_file("store2", "127.0.1.12 a\n* wildpw\n", 0600);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "wildpw");
    s.store_path = write_file("store3", "127.0.1.11 byaddr\n", 0600);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "byaddr");
    s.store_path = write_file("store4", "127.0.1.99 x\n", 0600);
    s.password_arg = "fromarg";
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_int_equal(origin, EO_SECRET_ARGUMENT);
    assert_string_equal(out, "fromarg");
}

static void test_store_default_path(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    char sub[128];
    enum eo_secret_origin origin;
    struct eo_error err;
    snprintf(sub, sizeof sub, "%s/espurna-ota", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file("espurna-ota/passwords", "* xdgpw\n", 0600);
    assert_int_equal(resolve(NULL, out, &origin, &err), EO_OK);
    assert_int_equal(origin, EO_SECRET_STORE);
    assert_string_equal(out, "xdgpw");
}

static void test_store_mode(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    enum eo_secret_origin origin;
    struct eo_error err;
    struct eo_secret_sources s = {.store_path = write_file("open", "* pw\n", 0644)};
    assert_int_equal(resolve(&s, out, &origin, &err), EO_ERR_FILE);
    assert_non_null(strstr(err.message, "chmod 600"));
    assert_non_null(strstr(err.message, "644"));
    s.store_path = write_file("group", "* pw\n", 0640);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_ERR_FILE);
}

static void test_store_malformed(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    enum eo_secret_origin origin;
    struct eo_error err;
    struct eo_secret_sources s = {.store_path = write_file("bad", "# ok\nhost-only\n", 0600)};
    assert_int_equal(resolve(&s, out, &origin, &err), EO_ERR_INPUT);
    assert_non_null(strstr(err.message, ":2: malformed"));
}

static void test_precedence(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    enum eo_secret_origin origin;
    struct eo_error err;
    struct eo_secret_sources s = {
        .password_arg = "arg",
        .password_file = write_file("pf", "file\n", 0600),
        .store_path = write_file("ps", "* store\n", 0600),
    };
    setenv("ESPURNA_OTA_PASSWORD", "env", 1);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "file");
    s.password_file = NULL;
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "arg"); /* the command line beats the environment */
    assert_int_equal(origin, EO_SECRET_ARGUMENT);
    s.password_arg = NULL;
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "env");
    unsetenv("ESPURNA_OTA_PASSWORD");
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "store");
    assert_int_equal(origin, EO_SECRET_STORE);
    s.store_path = "/nonexistent/passwords";
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "");
    assert_int_equal(origin, EO_SECRET_NONE);
}

/* A password file from the settings (ESPURNA_OTA_PASSWORD_FILE, a config file) comes after the
 * command line and ESPURNA_OTA_PASSWORD, before the store. */
static void test_default_file_order(void **state)
{
    (void)state;
    char out[EO_SECRET_MAX];
    enum eo_secret_origin origin;
    struct eo_error err;
    struct eo_secret_sources s = {
        .password_arg = "arg",
        .password_file_default = write_file("pd", "default file\n", 0600),
        .store_path = write_file("ps", "* store\n", 0600),
    };
    setenv("ESPURNA_OTA_PASSWORD", "env", 1);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "arg");
    s.password_arg = NULL;
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "env");
    unsetenv("ESPURNA_OTA_PASSWORD");
    assert_int_equal(resolve(&s, out, &origin, &err), EO_OK);
    assert_string_equal(out, "default file");
    assert_int_equal(origin, EO_SECRET_FILE);
    s.password_file_default = write_file("pd-open", "default file\n", 0644);
    assert_int_equal(resolve(&s, out, &origin, &err), EO_ERR_FILE); /* the same checks */
    assert_string_equal(out, "");
}

static void test_wipe(void **state)
{
    (void)state;
    char buf[8] = "secret";
    eo_secret_wipe(buf, sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_first_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_readable_by_others, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_is_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_default_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_file_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wipe, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
