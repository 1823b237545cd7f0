/* config_file.c — reads espurna-ota's configuration files ("key = value" lines under optional
 * "[command]" headers) and resolves a key for a command: environment, user file, system file
 * (see config_file.h). */
#include "espurna-ota/config_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "espurna-ota/file_open.h"
#include "espurna-ota/user_dirs.h"

/* ---- reading ----------------------------------------------------------------------------- */

static char *trim(char *text)
{
    text += strspn(text, " \t");
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r'))
        text[--len] = '\0';
    return text;
}

/* A key or a section: lower-case letters, digits and '-', starting with a letter or digit. */
static bool is_name(const char *text)
{
    if (!((text[0] >= 'a' && text[0] <= 'z') || (text[0] >= '0' && text[0] <= '9')))
        return false;
    return strspn(text, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(text);
}

struct reader {
    struct eo_config_file *file;
    size_t cap;
    const char *section;
    unsigned section_line;
};

static enum eo_status line_error(const struct reader *r, unsigned line, struct eo_error *err,
                                 const char *what, const char *name)
{
    return eo_error_set(err, EO_ERR_USAGE, "%s:%u: %s%s%s%s", r->file->path, line, name ? "'" : "",
                        name ? name : "", name ? "' " : "", what);
}

static enum eo_status header(struct reader *r, char *text, unsigned line, struct eo_error *err)
{
    size_t len = strlen(text);
    if (text[len - 1] != ']')
        return line_error(r, line, err, "is not a section header: write [command]", text);
    text[len - 1] = '\0';
    char *name = trim(text + 1);
    if (!is_name(name))
        return line_error(r, line, err, "is not a command name", name);
    r->section = name;
    r->section_line = line;
    return EO_OK;
}

static enum eo_status add_entry(struct reader *r, const char *key, const char *value, unsigned line,
                                struct eo_error *err)
{
    struct eo_config_file *file = r->file;
    const struct eo_config_entry *first = eo_config_file_find(file, r->section, key);
    if (first)
        return eo_error_set(err, EO_ERR_USAGE, "%s:%u: '%s' given twice%s%s%s (first at line %u)",
                            file->path, line, key, r->section[0] ? " in [" : "", r->section,
                            r->section[0] ? "]" : "", first->line);
    if (file->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct eo_config_entry *grown = realloc(file->entries, cap * sizeof *grown);
        if (!grown)
            return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
        file->entries = grown;
        r->cap = cap;
    }
    file->entries[file->count++] = (struct eo_config_entry){
        .section = r->section,
        .key = key,
        .value = value,
        .line = line,
        .section_line = r->section_line,
    };
    return EO_OK;
}

static enum eo_status pair(struct reader *r, char *text, unsigned line, struct eo_error *err)
{
    char *equals = strchr(text, '=');
    if (!equals)
        return line_error(r, line, err, "expected 'key = value', a [command] header or a # comment",
                          NULL);
    *equals = '\0';
    char *key = trim(text), *value = trim(equals + 1);
    if (strchr(key, '.'))
        return line_error(r, line, err, "is not a key: put the option under a [command] line", key);
    if (!is_name(key))
        return line_error(r, line, err,
                          "is not a key (an option's long name: lower-case letters, digits, '-')",
                          key);
    if (!value[0])
        return line_error(r, line, err, "has no value", key);
    return add_entry(r, key, value, line, err);
}

static enum eo_status one_line(struct reader *r, char *text, unsigned line, struct eo_error *err)
{
    if (strlen(text) > EO_CONFIG_LINE_MAX)
        return line_error(r, line, err, "line longer than 1024 characters", NULL);
    text = trim(text);
    if (text[0] == '\0' || text[0] == '#')
        return EO_OK;
    if (text[0] == '[')
        return header(r, text, line, err);
    return pair(r, text, line, err);
}

static enum eo_status parse(struct eo_config_file *file, size_t size, struct eo_error *err)
{
    struct reader r = {.file = file, .section = ""};
    if (memchr(file->text, '\0', size))
        return eo_error_set(err, EO_ERR_USAGE, "%s: not a text file (it holds a NUL byte)",
                            file->path);
    char *cursor = file->text;
    enum eo_status status = EO_OK;
    for (unsigned line = 1; status == EO_OK && cursor; line++) {
        char *newline = strchr(cursor, '\n');
        if (newline)
            *newline = '\0';
        status = one_line(&r, cursor, line, err);
        cursor = newline ? newline + 1 : NULL;
    }
    return status;
}

static enum eo_status slurp(struct eo_config_file *file, struct eo_error *err)
{
    int fd;
    size_t size;
    enum eo_status status = eo_file_open_regular("config file", file->path, &fd, &size, err);
    if (status != EO_OK)
        return status;
    if (size > EO_CONFIG_FILE_MAX) {
        close(fd);
        return eo_error_set(err, EO_ERR_FILE, "config file %s: larger than %d bytes", file->path,
                            EO_CONFIG_FILE_MAX);
    }
    file->text = malloc(size + 1);
    bool read_ok = file->text && eo_file_read_exactly(fd, file->text, size);
    int saved = errno;
    close(fd);
    if (!file->text)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory");
    if (!read_ok)
        return eo_error_set(err, EO_ERR_FILE, "config file %s: cannot read: %s", file->path,
                            saved ? strerror(saved) : "it shrank while being read");
    file->text[size] = '\0';
    return parse(file, size, err);
}

enum eo_status eo_config_file_read(const char *path, struct eo_config_file *file,
                                   struct eo_error *err)
{
    struct stat st;
    memset(file, 0, sizeof *file);
    snprintf(file->path, sizeof file->path, "%s", path);
    /* not there, or on a path closed to this user (another user's HOME): none */
    if (!path[0] ||
        (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR || errno == EACCES)))
        return EO_OK;
    file->found = true;
    enum eo_status status = slurp(file, err);
    if (status != EO_OK) {
        eo_config_file_release(file);
        file->found = true;
    }
    return status;
}

void eo_config_file_release(struct eo_config_file *file)
{
    free(file->entries);
    free(file->text);
    file->entries = NULL;
    file->text = NULL;
    file->count = 0;
    file->found = false;
}

const struct eo_config_entry *eo_config_file_find(const struct eo_config_file *file,
                                                  const char *section, const char *key)
{
    for (size_t i = 0; i < file->count; i++)
        if (strcmp(file->entries[i].section, section) == 0 &&
            strcmp(file->entries[i].key, key) == 0)
            return &file->entries[i];
    return NULL;
}

/* ---- paths ------------------------------------------------------------------------------- */

bool eo_config_user_path(char *buf, size_t cap)
{
    if (eo_user_path("XDG_CONFIG_HOME", ".config", getenv("HOME"), "config", buf, cap))
        return true;
    buf[0] = '\0';
    return false;
}

void eo_config_system_path(char *buf, size_t cap)
{
    const char *other = getenv(EO_CONFIG_SYSTEM_ENV);
    snprintf(buf, cap, "%s", other && other[0] ? other : EO_CONFIG_SYSTEM_PATH);
}

enum eo_status eo_config_load(struct eo_config *config, struct eo_error *err)
{
    char path[EO_CONFIG_PATH_MAX];
    memset(config, 0, sizeof *config);
    eo_config_system_path(path, sizeof path);
    enum eo_status status = eo_config_file_read(path, &config->system, err);
    if (status == EO_OK) {
        eo_config_user_path(path, sizeof path);
        status = eo_config_file_read(path, &config->user, err);
    }
    if (status != EO_OK)
        eo_config_release(config);
    return status;
}

void eo_config_release(struct eo_config *config)
{
    eo_config_file_release(&config->system);
    eo_config_file_release(&config->user);
}

/* ---- precedence -------------------------------------------------------------------------- */

bool eo_config_env_name(const char *key, char *buf, size_t cap)
{
    size_t prefix = strlen(EO_CONFIG_ENV_PREFIX), len = strlen(key);
    if (prefix + len + 1 > cap) {
        buf[0] = '\0';
        return false;
    }
    memcpy(buf, EO_CONFIG_ENV_PREFIX, prefix);
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        buf[prefix + i] = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    buf[prefix + len] = '\0';
    return true;
}

/* The file's entry for the command's section, else its general one. */
static const struct eo_config_entry *file_value(const struct eo_config_file *file,
                                                const char *command, const char *key)
{
    const struct eo_config_entry *entry = eo_config_file_find(file, command, key);
    return entry ? entry : eo_config_file_find(file, "", key);
}

void eo_config_lookup(const struct eo_config *config, const char *command, const char *key,
                      struct eo_config_value *out)
{
    memset(out, 0, sizeof *out);
    const char *env = eo_config_env_name(key, out->env, sizeof out->env) ? getenv(out->env) : NULL;
    if (env && env[0]) {
        out->origin = EO_CONFIG_ENV;
        out->text = env;
        return;
    }
    if (!config)
        return;
    const struct eo_config_file *files[] = {&config->user, &config->system};
    const enum eo_config_origin origins[] = {EO_CONFIG_USER, EO_CONFIG_SYSTEM};
    for (size_t i = 0; i < 2; i++) {
        const struct eo_config_entry *entry = file_value(files[i], command, key);
        if (entry) {
            out->origin = origins[i];
            out->text = entry->value;
            out->path = files[i]->path;
            out->line = entry->line;
            return;
        }
    }
}

const char *eo_config_origin_name(enum eo_config_origin origin)
{
    switch (origin) {
    case EO_CONFIG_SYSTEM: return "system file";
    case EO_CONFIG_USER: return "user file";
    case EO_CONFIG_ENV: return "environment";
    case EO_CONFIG_FLAG: return "flag";
    case EO_CONFIG_DEFAULT: break;
    }
    return "default";
}

const char *eo_config_origin_key(enum eo_config_origin origin)
{
    switch (origin) {
    case EO_CONFIG_SYSTEM: return "system";
    case EO_CONFIG_USER: return "user";
    case EO_CONFIG_ENV: return "environment";
    case EO_CONFIG_FLAG: return "flag";
    case EO_CONFIG_DEFAULT: break;
    }
    return "default";
}
