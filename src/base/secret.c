/* secret.c — finds a device password: --password-file (or stdin) or --password, then
 * ESPURNA_OTA_PASSWORD, a password file given as a default, then the per-user password store.
 * Never puts a password into an error message. */
#include "espurna-ota/secret.h"
#include "espurna-ota/user_dirs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define ENV_NAME "ESPURNA_OTA_PASSWORD"
#define LINE_MAX_LEN 1024

void eo_secret_wipe(char *secret, size_t len)
{
    volatile char *p = secret;
    while (len--)
        *p++ = 0;
}

const char *eo_secret_exposure(unsigned mode, unsigned forbidden)
{
    unsigned open_bits = mode & forbidden & 077;
    if (open_bits & (S_IRGRP | S_IROTH))
        return "readable";
    if (open_bits & (S_IWGRP | S_IWOTH))
        return "writable";
    if (open_bits & (S_IXGRP | S_IXOTH))
        return "executable";
    return NULL;
}

static void chomp(char *line)
{
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
}

static enum eo_status take(const char *value, const char *where, char out[EO_SECRET_MAX],
                           struct eo_error *err)
{
    if (strlen(value) >= EO_SECRET_MAX)
        return eo_error_set(err, EO_ERR_INPUT,
                            "password from %s is longer than %d characters; no device accepts it",
                            where, EO_SECRET_MAX - 1);
    snprintf(out, EO_SECRET_MAX, "%s", value);
    return EO_OK;
}

/* Reads the first line of an open password file (a regular file, a pipe, a terminal). */
static enum eo_status first_line(FILE *file, const char *where, char *line, size_t cap,
                                 struct eo_error *err)
{
    struct stat st;
    bool known = fstat(fileno(file), &st) == 0;
    if (known && S_ISDIR(st.st_mode))
        return eo_error_set(err, EO_ERR_FILE,
                            "password file %s is a directory; give the file "
                            "whose first line is the password",
                            where);
    const char *exposure = known && S_ISREG(st.st_mode) /* a pipe or a terminal is private */
                               ? eo_secret_exposure((unsigned)st.st_mode, S_IRGRP | S_IROTH)
                               : NULL;
    if (exposure)
        return eo_error_set(err, EO_ERR_FILE,
                            "password file %s is %s by other users (mode "
                            "%03o); run 'chmod 600 %s'",
                            where, exposure, (unsigned)(st.st_mode & 0777), where);
    if (fgets(line, (int)cap, file)) {
        chomp(line);
        if (line[0] != '\0')
            return EO_OK;
    } else if (ferror(file)) {
        return eo_error_set(err, EO_ERR_FILE, "cannot read password file %s: %s", where,
                            strerror(errno));
    }
    return eo_error_set(err, EO_ERR_INPUT,
                        "password file %s is empty; put the password on its "
                        "first line",
                        where);
}

/* First line of a file (or stdin for "-"). A pipe or FIFO is welcome: `--password-file
 * <(pass show device)` gives one; opening it waits for its writer, as reading stdin does. */
static enum eo_status from_file(const char *path, char out[EO_SECRET_MAX], struct eo_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *where = is_stdin ? "standard input" : path;
    FILE *file = is_stdin ? stdin : fopen(path, "r");
    if (!file)
        return eo_error_set(err, EO_ERR_FILE, "cannot read password file %s: %s", path,
                            strerror(errno));
    char line[LINE_MAX_LEN];
    enum eo_status status = first_line(file, where, line, sizeof line, err);
    if (!is_stdin)
        fclose(file);
    if (status == EO_OK)
        status = take(line, where, out, err);
    eo_secret_wipe(line, sizeof line);
    return status;
}

/* The default store path: $XDG_CONFIG_HOME/espurna-ota/passwords or ~/.config/... */
static bool default_store(char *buf, size_t cap)
{
    return eo_user_path("XDG_CONFIG_HOME", ".config", getenv("HOME"), "passwords", buf, cap);
}

static bool key_matches(const char *key, const char *const *keys)
{
    for (size_t i = 0; keys && keys[i]; i++)
        if (keys[i][0] && strcasecmp(key, keys[i]) == 0)
            return true;
    return false;
}

/* Splits "<key> <password>" in place; false when the line has no password. */
static bool split_line(char *line, char **key, char **password)
{
    *key = line + strspn(line, " \t");
    char *space = *key + strcspn(*key, " \t");
    if (*space == '\0')
        return false;
    *space = '\0';
    *password = space + 1 + strspn(space + 1, " \t");
    return **password != '\0';
}

static bool is_blank_or_comment(const char *line)
{
    line += strspn(line, " \t");
    return *line == '\0' || *line == '#';
}

struct store_match {
    char exact[EO_SECRET_MAX];
    char wildcard[EO_SECRET_MAX];
    bool has_exact, has_wildcard;
};

static enum eo_status store_line(char *line, const char *path, unsigned number,
                                 const char *const *keys, struct store_match *m,
                                 struct eo_error *err)
{
    char *key, *password;
    chomp(line);
    if (is_blank_or_comment(line))
        return EO_OK;
    if (!split_line(line, &key, &password))
        return eo_error_set(err, EO_ERR_INPUT,
                            "%s:%u: malformed line; expected "
                            "'<hostname|address|*> <password>'",
                            path, number);
    char where[64];
    snprintf(where, sizeof where, "the password store line %u", number);
    if (!m->has_exact && key_matches(key, keys)) {
        m->has_exact = true;
        return take(password, where, m->exact, err);
    }
    if (!m->has_wildcard && strcmp(key, "*") == 0) {
        m->has_wildcard = true;
        return take(password, where, m->wildcard, err);
    }
    return EO_OK;
}

static enum eo_status check_mode(FILE *file, const char *path, struct eo_error *err)
{
    struct stat st;
    if (fstat(fileno(file), &st) != 0)
        return eo_error_set(err, EO_ERR_FILE, "cannot stat %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return eo_error_set(err, EO_ERR_FILE, "password store %s is not a regular file", path);
    const char *exposure = eo_secret_exposure((unsigned)st.st_mode, S_IRGRP | S_IROTH);
    if (exposure)
        return eo_error_set(err, EO_ERR_FILE,
                            "password store %s is %s by other users "
                            "(mode %03o); run 'chmod 600 %s'",
                            path, exposure, (unsigned)(st.st_mode & 0777), path);
    return EO_OK;
}

static enum eo_status scan_store(FILE *file, const char *path, const char *const *keys,
                                 struct store_match *m, struct eo_error *err)
{
    char line[LINE_MAX_LEN];
    unsigned number = 0;
    enum eo_status status = EO_OK;
    while (status == EO_OK && fgets(line, sizeof line, file)) {
        number++;
        if (strlen(line) == sizeof line - 1 && line[sizeof line - 2] != '\n')
            status = eo_error_set(err, EO_ERR_INPUT, "%s:%u: line too long", path, number);
        else
            status = store_line(line, path, number, keys, m, err);
    }
    eo_secret_wipe(line, sizeof line);
    return status;
}

/* EO_OK with *found=false when the store does not exist or has no entry for keys. */
static enum eo_status from_store(const char *path, const char *const *keys, char out[EO_SECRET_MAX],
                                 bool *found, struct eo_error *err)
{
    *found = false;
    FILE *file = fopen(path, "r");
    if (!file) {
        if (errno == ENOENT)
            return EO_OK;
        return eo_error_set(err, EO_ERR_FILE, "cannot read password store %s: %s", path,
                            strerror(errno));
    }
    struct store_match m = {0};
    enum eo_status status = check_mode(file, path, err);
    if (status == EO_OK)
        status = scan_store(file, path, keys, &m, err);
    fclose(file);
    if (status == EO_OK && (m.has_exact || m.has_wildcard)) {
        snprintf(out, EO_SECRET_MAX, "%s", m.has_exact ? m.exact : m.wildcard);
        *found = true;
    }
    eo_secret_wipe((char *)&m, sizeof m);
    return status;
}

static enum eo_status from_store_or_default(const struct eo_secret_sources *sources,
                                            const char *const *keys, char out[EO_SECRET_MAX],
                                            bool *found, struct eo_error *err)
{
    char path[4096];
    *found = false;
    if (sources->store_path)
        return from_store(sources->store_path, keys, out, found, err);
    if (!default_store(path, sizeof path))
        return EO_OK;
    return from_store(path, keys, out, found, err);
}

enum eo_status eo_secret_resolve(const struct eo_secret_sources *sources, const char *const *keys,
                                 char out[EO_SECRET_MAX], enum eo_secret_origin *origin,
                                 struct eo_error *err)
{
    static const struct eo_secret_sources none = {0};
    enum eo_status status = EO_OK;
    bool found = false;
    const char *env = getenv(ENV_NAME);
    if (!sources)
        sources = &none;
    out[0] = '\0';
    *origin = EO_SECRET_NONE;
    /* what the command line says wins over the environment, which wins over the store */
    if (sources->password_file) {
        status = from_file(sources->password_file, out, err);
        *origin = EO_SECRET_FILE;
    } else if (sources->password_arg) {
        status = take(sources->password_arg, "the command line", out, err);
        *origin = EO_SECRET_ARGUMENT;
    } else if (env && env[0]) {
        status = take(env, "$" ENV_NAME, out, err);
        *origin = EO_SECRET_ENV;
    } else if (sources->password_file_default) {
        status = from_file(sources->password_file_default, out, err);
        *origin = EO_SECRET_FILE;
    } else if ((status = from_store_or_default(sources, keys, out, &found, err)) != EO_OK ||
               found) {
        *origin = EO_SECRET_STORE;
    }
    if (status != EO_OK) {
        eo_secret_wipe(out, EO_SECRET_MAX);
        *origin = EO_SECRET_NONE;
    }
    return status;
}
