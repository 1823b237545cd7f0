/* secrets_file.c — loads the secrets file of `batch` (format in secrets_file.h): refuses a link,
 * a file of another user or one open to group or others, then parses NAME=password lines in
 * place, in a block kept out of core dumps and wiped before it is freed. No error quotes a
 * password or any part of a malformed line. */
#include "espurna-ota/secrets_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "espurna-ota/file_open.h"

#define ENV_NAME "ESPURNA_OTA_PASSWORD"
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

struct secret_entry {
    const char *name;     /* inside the block */
    const char *password; /* inside the block */
    unsigned line;
};

struct eo_secrets {
    char *path;
    char *block; /* the file's text, split in place; mmap'ed, not dumpable */
    size_t block_len;
    struct secret_entry *entries; /* sorted by name once loaded */
    size_t count, cap;
};

/* ---- the block: anonymous memory, kept out of core dumps, wiped before unmapping ---- */

static char *block_alloc(size_t len)
{
    void *block = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED)
        return NULL;
#ifdef MADV_DONTDUMP
    (void)madvise(block, len, MADV_DONTDUMP); /* best effort */
#endif
    return block;
}

static void block_free(char *block, size_t len)
{
    if (!block)
        return;
    eo_secret_wipe(block, len);
    munmap(block, len);
}

void eo_secrets_free(struct eo_secrets *secrets)
{
    if (!secrets)
        return;
    block_free(secrets->block, secrets->block_len);
    free(secrets->entries);
    free(secrets->path);
    free(secrets);
}

/* ---- opening: the checks before any byte is read ---- */

static enum eo_status refuse_link(const char *path, struct stat *link_st, struct eo_error *err)
{
    if (lstat(path, link_st) != 0)
        return eo_error_set(err, EO_ERR_FILE, "secrets file %s: cannot open: %s", path,
                            strerror(errno));
    if (S_ISLNK(link_st->st_mode))
        return eo_error_set(err, EO_ERR_INPUT,
                            "%s is a symbolic link; give the secrets file "
                            "itself",
                            path);
    return EO_OK;
}

static enum eo_status check_private(const char *path, const struct stat *st, struct eo_error *err)
{
    uid_t me = geteuid();
    const char *exposure = eo_secret_exposure((unsigned)st->st_mode, 077);
    if (st->st_uid != me)
        return eo_error_set(err, EO_ERR_INPUT,
                            "%s is owned by uid %u, not by the current user "
                            "(uid %u); keep secrets in a file of your own",
                            path, (unsigned)st->st_uid, (unsigned)me);
    if (exposure)
        return eo_error_set(err, EO_ERR_INPUT,
                            "%s is %s by other users (mode %04o); chmod 600 "
                            "it",
                            path, exposure, (unsigned)(st->st_mode & 07777));
    return EO_OK;
}

/* The descriptor's file must be the one lstat saw (not swapped for a link in between), private
 * and small enough. */
static enum eo_status check_opened(int fd, const char *path, const struct stat *link_st,
                                   struct eo_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return eo_error_set(err, EO_ERR_FILE, "secrets file %s: cannot stat: %s", path,
                            strerror(errno));
    if (st.st_dev != link_st->st_dev || st.st_ino != link_st->st_ino)
        return eo_error_set(err, EO_ERR_FILE, "secrets file %s changed while being opened", path);
    enum eo_status status = check_private(path, &st, err);
    if (status == EO_OK && st.st_size > EO_SECRETS_FILE_MAX)
        status = eo_error_set(err, EO_ERR_FILE, "secrets file %s is larger than %d bytes", path,
                              EO_SECRETS_FILE_MAX);
    return status;
}

static enum eo_status open_secrets(const char *path, int *fd, size_t *size, struct eo_error *err)
{
    struct stat link_st;
    enum eo_status status = refuse_link(path, &link_st, err);
    if (status != EO_OK)
        return status;
    status = eo_file_open_regular("secrets file", path, fd, size, err);
    if (status != EO_OK)
        return status;
    status = check_opened(*fd, path, &link_st, err);
    if (status != EO_OK)
        close(*fd);
    return status;
}

static enum eo_status read_all(int fd, const char *path, char *buf, size_t size, size_t *got,
                               struct eo_error *err)
{
    *got = 0;
    while (*got < size) {
        ssize_t n = read(fd, buf + *got, size - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return eo_error_set(err, EO_ERR_FILE, "secrets file %s: cannot read: %s", path,
                                strerror(errno));
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return EO_OK;
}

/* ---- parsing, in place ---- */

static enum eo_status line_error(const struct eo_secrets *s, unsigned line, const char *what,
                                 struct eo_error *err)
{
    return eo_error_set(err, EO_ERR_INPUT, "%s:%u: %s", s->path, line, what);
}

static bool is_blank_or_comment(const char *line)
{
    line += strspn(line, " \t");
    return *line == '\0' || *line == '#';
}

static enum eo_status add_entry(struct eo_secrets *s, const char *name, const char *password,
                                unsigned line, struct eo_error *err)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct secret_entry *grown = realloc(s->entries, cap * sizeof *grown);
        if (!grown)
            return eo_error_set(err, EO_ERR_INTERNAL, "out of memory reading %s", s->path);
        s->entries = grown;
        s->cap = cap;
    }
    s->entries[s->count++] = (struct secret_entry){name, password, line};
    return EO_OK;
}

/* One NUL-terminated line without its line end; `len` counts its bytes up to the line end, so
 * that a NUL byte inside it shows. */
static enum eo_status parse_line(struct eo_secrets *s, char *line, size_t len, unsigned number,
                                 struct eo_error *err)
{
    if (strlen(line) != len)
        return line_error(s, number, "the line holds a NUL byte", err);
    if (is_blank_or_comment(line))
        return EO_OK;
    char *equals = strchr(line, '=');
    if (!equals)
        return line_error(s, number, "expected NAME=password", err);
    size_t name_len = (size_t)(equals - line);
    if (name_len == 0)
        return line_error(s, number, "no NAME before '='", err);
    if (strspn(line, NAME_CHARS) < name_len)
        return line_error(s, number,
                          "the NAME before '=' may hold only letters, digits, '.', "
                          "'_' and '-'",
                          err);
    if (name_len >= EO_SECRET_NAME_MAX)
        return eo_error_set(err, EO_ERR_INPUT, "%s:%u: the NAME is longer than %d characters",
                            s->path, number, EO_SECRET_NAME_MAX - 1);
    *equals = '\0';
    const char *password = equals + 1;
    if (*password == '\0')
        return eo_error_set(err, EO_ERR_INPUT, "%s:%u: '%s' has an empty password", s->path, number,
                            line);
    if (strlen(password) >= EO_SECRET_MAX)
        return eo_error_set(err, EO_ERR_INPUT,
                            "%s:%u: the password of '%s' is longer than %d "
                            "characters; no device accepts it",
                            s->path, number, line, EO_SECRET_MAX - 1);
    return add_entry(s, line, password, number, err);
}

static enum eo_status parse_text(struct eo_secrets *s, char *text, size_t size,
                                 struct eo_error *err)
{
    enum eo_status status = EO_OK;
    char *end = text + size;
    unsigned number = 0;
    for (char *line = text; status == EO_OK && line < end; number++) {
        char *newline = memchr(line, '\n', (size_t)(end - line));
        char *stop = newline ? newline : end;
        *stop = '\0';
        if (stop > line && stop[-1] == '\r')
            *--stop = '\0';
        status = parse_line(s, line, (size_t)(stop - line), number + 1, err);
        line = (newline ? newline : end) + 1;
    }
    return status;
}

/* ---- names: sorted once, duplicates found by neighbours, looked up by bisection ---- */

static int entry_order(const void *a, const void *b)
{
    const struct secret_entry *x = a, *y = b;
    int by_name = strcmp(x->name, y->name);
    if (by_name != 0)
        return by_name;
    return (x->line > y->line) - (x->line < y->line);
}

/* Reports the duplicate found first in the file. */
static enum eo_status refuse_duplicates(struct eo_secrets *s, struct eo_error *err)
{
    const struct secret_entry *first = NULL, *again = NULL;
    if (s->count < 2)
        return EO_OK; /* nothing to sort; qsort wants a non-null array even when empty */
    qsort(s->entries, s->count, sizeof *s->entries, entry_order);
    for (size_t i = 1; i < s->count; i++) {
        const struct secret_entry *a = &s->entries[i - 1], *b = &s->entries[i];
        if (strcmp(a->name, b->name) == 0 && (!again || b->line < again->line)) {
            first = a;
            again = b;
        }
    }
    if (!again)
        return EO_OK;
    return eo_error_set(err, EO_ERR_INPUT, "%s:%u: '%s' is already defined on line %u", s->path,
                        again->line, again->name, first->line);
}

static int name_order(const void *key, const void *entry)
{
    return strcmp(key, ((const struct secret_entry *)entry)->name);
}

const char *eo_secrets_get(const struct eo_secrets *secrets, const char *name)
{
    if (!secrets || !name || secrets->count == 0)
        return NULL;
    const struct secret_entry *found =
        bsearch(name, secrets->entries, secrets->count, sizeof *found, name_order);
    return found ? found->password : NULL;
}

const char *eo_secrets_path(const struct eo_secrets *secrets)
{
    return secrets ? secrets->path : NULL;
}

/* ---- loading ---- */

static enum eo_status fill(struct eo_secrets *s, int fd, size_t size, struct eo_error *err)
{
    size_t got;
    s->block_len = size + 1;
    s->block = block_alloc(s->block_len);
    if (!s->block)
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory reading %s", s->path);
    enum eo_status status = read_all(fd, s->path, s->block, size, &got, err);
    if (status == EO_OK)
        status = parse_text(s, s->block, got, err);
    if (status == EO_OK)
        status = refuse_duplicates(s, err);
    return status;
}

enum eo_status eo_secrets_load(const char *path, struct eo_secrets **out, struct eo_error *err)
{
    int fd;
    size_t size;
    *out = NULL;
    enum eo_status status = open_secrets(path, &fd, &size, err);
    if (status != EO_OK)
        return status;
    struct eo_secrets *s = calloc(1, sizeof *s);
    if (s)
        s->path = strdup(path);
    if (!s || !s->path) {
        close(fd);
        eo_secrets_free(s);
        return eo_error_set(err, EO_ERR_INTERNAL, "out of memory reading %s", path);
    }
    status = fill(s, fd, size, err);
    close(fd);
    if (status != EO_OK)
        eo_secrets_free(s);
    else
        *out = s;
    return status;
}

/* ---- the candidates for one device ---- */

static enum eo_status candidates_by_name(const struct eo_secrets *secrets, const char *const *names,
                                         size_t name_count, char out[][EO_SECRET_MAX],
                                         size_t *count, struct eo_error *err)
{
    for (size_t i = 0; i < name_count; i++) {
        const char *password = eo_secrets_get(secrets, names[i]);
        if (!password && !secrets)
            return eo_error_set(err, EO_ERR_INPUT,
                                "no secret named '%s': no secrets file "
                                "was given",
                                names[i]);
        if (!password)
            return eo_error_set(err, EO_ERR_INPUT, "no secret named '%s' in %s", names[i],
                                secrets->path);
        memcpy(out[i], password, strlen(password) + 1); /* checked on load: it fits */
        *count = i + 1;
    }
    return EO_OK;
}

static enum eo_status candidate_from_env(const char *env_password, char out[][EO_SECRET_MAX],
                                         size_t cap, size_t *count, struct eo_error *err)
{
    size_t len = strlen(env_password);
    if (len >= EO_SECRET_MAX)
        return eo_error_set(err, EO_ERR_INPUT,
                            "password from $" ENV_NAME " is longer than %d "
                            "characters; no device accepts it",
                            EO_SECRET_MAX - 1);
    if (cap == 0)
        return eo_error_set(err, EO_ERR_INPUT, "no room for the password from $" ENV_NAME);
    memcpy(out[0], env_password, len + 1);
    *count = 1;
    return EO_OK;
}

enum eo_status eo_secrets_candidates(const struct eo_secrets *secrets, const char *const *names,
                                     size_t name_count, const char *env_password,
                                     char out[][EO_SECRET_MAX], size_t cap, size_t *count,
                                     struct eo_error *err)
{
    enum eo_status status = EO_OK;
    *count = 0;
    if (name_count > cap)
        status = eo_error_set(err, EO_ERR_INPUT,
                              "%zu password names for one device; at most "
                              "%zu are tried",
                              name_count, cap);
    else if (name_count > 0)
        status = candidates_by_name(secrets, names, name_count, out, count, err);
    else if (env_password && env_password[0])
        status = candidate_from_env(env_password, out, cap, count, err);
    if (status != EO_OK) {
        eo_secret_wipe(&out[0][0], cap * EO_SECRET_MAX);
        *count = 0;
    }
    return status;
}
