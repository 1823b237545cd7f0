/* test_secrets_file.c — unit tests for batch's secrets file (secrets_file.h): a good file with
 * every kind of line, the permission and ownership checks (0644/0640/0604/0620 refused,
 * 0600/0400 accepted), a symbolic link and a FIFO refused, a file too large, each malformed line
 * with its exact "FILE:LINE: ..." message (never holding the password), duplicates, and the
 * rotation candidates of one device: names in order, a missing name, the environment fallback. */
#include <fcntl.h>
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

#include "temp_dir.h"

#include "espurna-ota/secrets_file.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return temp_dir_make(dir, sizeof dir, "secrets") ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return temp_dir_remove(dir);
}

/* ---- helpers ---- */

static const char *path_of(const char *name)
{
    static char paths[4][128];
    static unsigned slot;
    char *path = paths[slot++ % 4];
    snprintf(path, 128, "%s/%s", dir, name);
    return path;
}

/* Writes `len` bytes into the test directory with `mode`; returns the path. */
static const char *write_bytes(const char *name, const char *content, size_t len, mode_t mode)
{
    const char *path = path_of(name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static const char *write_file(const char *name, const char *content, mode_t mode)
{
    return write_bytes(name, content, strlen(content), mode);
}

static struct eo_secrets *load_ok(const char *path)
{
    struct eo_secrets *secrets = NULL;
    struct eo_error err;
    eo_error_clear(&err);
    enum eo_status status = eo_secrets_load(path, &secrets, &err);
    if (status != EO_OK)
        print_error("unexpected error: %s\n", err.message);
    assert_int_equal(status, EO_OK);
    assert_non_null(secrets);
    return secrets;
}

/* Loading fails with `status` and exactly `message`, where "%s" stands for the path. */
static void expect_load_error(const char *path, enum eo_status status, const char *message)
{
    struct eo_secrets *secrets = (struct eo_secrets *)&secrets;
    struct eo_error err;
    char expected[EO_ERROR_MESSAGE_MAX];
    eo_error_clear(&err);
    assert_int_equal(eo_secrets_load(path, &secrets, &err), status);
    assert_null(secrets);
    assert_int_equal(err.status, status);
    snprintf(expected, sizeof expected, message, path);
    assert_string_equal(err.message, expected);
}

/* A malformed file: the exact message, and the password nowhere in it. */
static void expect_line_error(const char *content, size_t len, const char *message,
                              const char *password)
{
    const char *path = write_bytes("bad.txt", content, len, 0600);
    expect_load_error(path, EO_ERR_INPUT, message);
    struct eo_error err;
    struct eo_secrets *secrets;
    eo_error_clear(&err);
    eo_secrets_load(path, &secrets, &err);
    assert_null(strstr(err.message, password));
}

/* ---- a good file ---- */

static void test_good_file(void **state)
{
    (void)state;
    struct eo_secrets *secrets = load_ok(write_file("secrets.txt",
                                                    "# the fleet's passwords\n"
                                                    "\n"
                                                    "   \t\n"
                                                    "  # an indented comment\n"
                                                    "house=correct horse battery staple\n"
                                                    "house-2023=  spaces # and = kept  \n"
                                                    "Garage_1.old=crlf\r\n"
                                                    "last=no newline at the end",
                                                    0600));
    assert_string_equal(eo_secrets_get(secrets, "house"), "correct horse battery staple");
    assert_string_equal(eo_secrets_get(secrets, "house-2023"), "  spaces # and = kept  ");
    assert_string_equal(eo_secrets_get(secrets, "Garage_1.old"), "crlf");
    assert_string_equal(eo_secrets_get(secrets, "last"), "no newline at the end");
    assert_null(eo_secrets_get(secrets, "garage_1.old")); /* names are case-sensitive */
    assert_null(eo_secrets_get(secrets, "missing"));
    assert_null(eo_secrets_get(NULL, "house"));
    assert_string_equal(eo_secrets_path(secrets), path_of("secrets.txt"));
    eo_secrets_free(secrets);
}

static void test_empty_file(void **state)
{
    (void)state;
    struct eo_secrets *secrets = load_ok(write_file("empty.txt", "", 0600));
    assert_null(eo_secrets_get(secrets, "house"));
    eo_secrets_free(secrets);
    eo_secrets_free(NULL);
}

static void test_longest_password(void **state)
{
    (void)state;
    char text[EO_SECRET_MAX + 16];
    char password[EO_SECRET_MAX];
    memset(password, 'p', EO_SECRET_MAX - 1);
    password[EO_SECRET_MAX - 1] = '\0';
    snprintf(text, sizeof text, "long=%s\n", password);
    struct eo_secrets *secrets = load_ok(write_file("long.txt", text, 0600));
    assert_string_equal(eo_secrets_get(secrets, "long"), password);
    eo_secrets_free(secrets);
}

/* ---- what the file must be ---- */

static void test_modes_refused(void **state)
{
    (void)state;
    expect_load_error(write_file("s644", "a=b\n", 0644), EO_ERR_INPUT,
                      "%s is readable by other users (mode 0644); chmod 600 it");
    expect_load_error(write_file("s640", "a=b\n", 0640), EO_ERR_INPUT,
                      "%s is readable by other users (mode 0640); chmod 600 it");
    expect_load_error(write_file("s604", "a=b\n", 0604), EO_ERR_INPUT,
                      "%s is readable by other users (mode 0604); chmod 600 it");
    expect_load_error(write_file("s620", "a=b\n", 0620), EO_ERR_INPUT,
                      "%s is writable by other users (mode 0620); chmod 600 it");
    expect_load_error(write_file("s601", "a=b\n", 0601), EO_ERR_INPUT,
                      "%s is executable by other users (mode 0601); chmod 600 it");
}

static void test_modes_accepted(void **state)
{
    (void)state;
    struct eo_secrets *secrets = load_ok(write_file("s600", "a=b\n", 0600));
    assert_string_equal(eo_secrets_get(secrets, "a"), "b");
    eo_secrets_free(secrets);
    secrets = load_ok(write_file("s400", "a=c\n", 0400));
    assert_string_equal(eo_secrets_get(secrets, "a"), "c");
    eo_secrets_free(secrets);
}

static void test_symlink_refused(void **state)
{
    (void)state;
    const char *target = write_file("real.txt", "a=b\n", 0600);
    const char *link = path_of("link.txt");
    assert_int_equal(symlink(target, link), 0);
    expect_load_error(link, EO_ERR_INPUT, "%s is a symbolic link; give the secrets file itself");
}

static void test_fifo_refused(void **state)
{
    (void)state;
    const char *fifo = path_of("fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_load_error(fifo, EO_ERR_FILE,
                      "secrets file %s: not a regular file (it is a pipe or FIFO)");
}

static void test_directory_and_missing(void **state)
{
    (void)state;
    const char *sub = path_of("sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    expect_load_error(sub, EO_ERR_FILE, "secrets file %s: not a regular file (it is a directory)");
    expect_load_error(path_of("nothing"), EO_ERR_FILE,
                      "secrets file %s: cannot open: No such file or directory");
}

static void test_too_large(void **state)
{
    (void)state;
    size_t len = EO_SECRETS_FILE_MAX + 1;
    char *text = malloc(len);
    assert_non_null(text);
    memset(text, '#', len);
    const char *path = write_bytes("big.txt", text, len, 0600);
    free(text);
    expect_load_error(path, EO_ERR_FILE, "secrets file %s is larger than 1048576 bytes");
}

/* Only root can give a file to another user; as anyone else, the test is skipped. */
static void test_other_owner(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    const char *path = write_file("theirs.txt", "a=b\n", 0600);
    assert_int_equal(chown(path, 1, 1), 0);
    expect_load_error(path, EO_ERR_INPUT,
                      "%s is owned by uid 1, not by the current user "
                      "(uid 0); keep secrets in a file of your own");
}

/* ---- malformed lines: exact messages, never the password ---- */

static void test_malformed_lines(void **state)
{
    (void)state;
    expect_line_error("hunter2\n", 8, "%s:1: expected NAME=password", "hunter2");
    expect_line_error("# c\n\n=hunter2\n", 14, "%s:3: no NAME before '='", "hunter2");
    expect_line_error("my pass=hunter2\n", 16,
                      "%s:1: the NAME before '=' may hold only letters, digits, '.', '_' and "
                      "'-'",
                      "pass");
    expect_line_error("ok=1\n house=hunter2\n", 20,
                      "%s:2: the NAME before '=' may hold only letters, digits, '.', '_' and "
                      "'-'",
                      "hunter2");
    expect_line_error("p@ss=word\n", 10,
                      "%s:1: the NAME before '=' may hold only letters, digits, '.', '_' and "
                      "'-'",
                      "p@ss");
    expect_line_error("house=\n", 7, "%s:1: 'house' has an empty password", "=");
    expect_line_error("house=hun\0ter2\n", 15, "%s:1: the line holds a NUL byte", "hun");
}

static void test_long_name_and_password(void **state)
{
    (void)state;
    char text[512];
    char password[EO_SECRET_MAX + 1];
    memset(password, 'q', EO_SECRET_MAX);
    password[EO_SECRET_MAX] = '\0';
    snprintf(text, sizeof text, "a=1\nlong=%s\n", password);
    expect_line_error(text, strlen(text),
                      "%s:2: the password of 'long' is longer than 127 "
                      "characters; no device accepts it",
                      "qqqq");
    char name[EO_SECRET_NAME_MAX + 1];
    memset(name, 'n', EO_SECRET_NAME_MAX);
    name[EO_SECRET_NAME_MAX] = '\0';
    snprintf(text, sizeof text, "%s=secretpw\n", name);
    expect_line_error(text, strlen(text), "%s:1: the NAME is longer than 63 characters",
                      "secretpw");
}

static void test_duplicates(void **state)
{
    (void)state;
    expect_line_error("a=one\nb=two\na=three\n", 20, "%s:3: 'a' is already defined on line 1",
                      "three");
    /* several: the one that comes first in the file */
    expect_line_error("z=1\ny=2\nz=3\ny=4\nz=5\n", 20, "%s:3: 'z' is already defined on line 1",
                      "=");
}

/* ---- the candidates of one device ---- */

static struct eo_secrets *rotation_file(void)
{
    return load_ok(write_file("rotation.txt", "house=new pw\nhouse-2023=old pw\nother=x\n", 0600));
}

static void test_candidates_in_order(void **state)
{
    (void)state;
    struct eo_secrets *secrets = rotation_file();
    const char *const names[] = {"house-2023", "house"};
    char out[4][EO_SECRET_MAX];
    size_t count = 99;
    struct eo_error err;
    eo_error_clear(&err);
    assert_int_equal(eo_secrets_candidates(secrets, names, 2, "envpw", out, 4, &count, &err),
                     EO_OK);
    assert_int_equal(count, 2);
    assert_string_equal(out[0], "old pw");
    assert_string_equal(out[1], "new pw");
    eo_secret_wipe(&out[0][0], sizeof out);
    eo_secrets_free(secrets);
}

static void expect_candidates_error(const struct eo_secrets *secrets, const char *const *names,
                                    size_t name_count, const char *env, size_t cap,
                                    const char *message)
{
    char out[4][EO_SECRET_MAX];
    size_t count = 99;
    struct eo_error err;
    eo_error_clear(&err);
    memset(out, 'x', sizeof out);
    assert_int_equal(eo_secrets_candidates(secrets, names, name_count, env, out, cap, &count, &err),
                     EO_ERR_INPUT);
    assert_int_equal(count, 0);
    assert_string_equal(err.message, message);
    const char *bytes = (const char *)out;
    for (size_t i = 0; i < cap * EO_SECRET_MAX; i++)
        assert_int_equal(bytes[i], 0); /* wiped, even the candidates found before */
}

static void test_candidates_missing_name(void **state)
{
    (void)state;
    struct eo_secrets *secrets = rotation_file();
    const char *const names[] = {"house", "garage"};
    char message[256];
    snprintf(message, sizeof message, "no secret named 'garage' in %s", path_of("rotation.txt"));
    expect_candidates_error(secrets, names, 2, "envpw", 4, message);
    expect_candidates_error(NULL, names, 2, "envpw", 4,
                            "no secret named 'house': no secrets file was given");
    expect_candidates_error(secrets, names, 2, NULL, 1,
                            "2 password names for one device; at most 1 are tried");
    eo_secrets_free(secrets);
}

static void test_candidates_env_fallback(void **state)
{
    (void)state;
    struct eo_secrets *secrets = rotation_file();
    char out[4][EO_SECRET_MAX];
    size_t count = 99;
    struct eo_error err;
    eo_error_clear(&err);
    assert_int_equal(eo_secrets_candidates(secrets, NULL, 0, "envpw", out, 4, &count, &err), EO_OK);
    assert_int_equal(count, 1);
    assert_string_equal(out[0], "envpw");
    assert_int_equal(eo_secrets_candidates(NULL, NULL, 0, "envpw", out, 4, &count, &err), EO_OK);
    assert_int_equal(count, 1);
    assert_int_equal(eo_secrets_candidates(secrets, NULL, 0, NULL, out, 4, &count, &err), EO_OK);
    assert_int_equal(count, 0);
    assert_int_equal(eo_secrets_candidates(secrets, NULL, 0, "", out, 4, &count, &err), EO_OK);
    assert_int_equal(count, 0);
    eo_secrets_free(secrets);
}

static void test_candidates_env_too_long(void **state)
{
    (void)state;
    char env[EO_SECRET_MAX + 1];
    memset(env, 'e', EO_SECRET_MAX);
    env[EO_SECRET_MAX] = '\0';
    expect_candidates_error(NULL, NULL, 0, env, 4,
                            "password from $ESPURNA_OTA_PASSWORD is "
                            "longer than 127 characters; no device accepts it");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_longest_password, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modes_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modes_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_name_and_password, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_candidates_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_candidates_missing_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_candidates_env_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_candidates_env_too_long, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
