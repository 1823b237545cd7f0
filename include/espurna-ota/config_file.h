/* config_file.h — where the defaults of command options come from, besides the command line:
 * the environment (ESPURNA_OTA_<KEY>, the key upper-cased with '-' as '_'), the user file
 * ($XDG_CONFIG_HOME/espurna-ota/config, else ~/.config/espurna-ota/config) and the system file
 * (/etc/espurna-ota/config, or the file $ESPURNA_OTA_SYSTEM_CONFIG names), strongest first.
 *
 * A file holds "key = value" lines, blank lines, "#" comments (a whole line) and "[command]"
 * headers: a key before any header applies to every command that has that option, a key under
 * "[batch]" to batch only and wins over the general one of the same file. Which keys exist is
 * the CLI's business (its option tables); this module reads the files, checks their form and
 * answers "where does KEY come from for COMMAND". Nothing here prints. */
#ifndef ESPURNA_OTA_CONFIG_FILE_H
#define ESPURNA_OTA_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "espurna-ota/status.h"

#define EO_CONFIG_SYSTEM_PATH "/etc/espurna-ota/config"
#define EO_CONFIG_SYSTEM_ENV "ESPURNA_OTA_SYSTEM_CONFIG" /* another system file (tests, sites) */
#define EO_CONFIG_ENV_PREFIX "ESPURNA_OTA_"
#define EO_CONFIG_FILE_MAX (64 * 1024) /* bytes: a longer file is refused */
#define EO_CONFIG_LINE_MAX 1024        /* characters of one line */
#define EO_CONFIG_PATH_MAX 4096
#define EO_CONFIG_ENV_MAX 96

/* Where a value comes from, weakest first. */
enum eo_config_origin {
    EO_CONFIG_DEFAULT, /* nothing set it: the command's own default */
    EO_CONFIG_SYSTEM,  /* the system file */
    EO_CONFIG_USER,    /* the user file */
    EO_CONFIG_ENV,     /* ESPURNA_OTA_<KEY> */
    EO_CONFIG_FLAG,    /* the command line (the CLI's to say) */
};

struct eo_config_entry {
    const char *section; /* "" before any [header]: every command */
    const char *key;
    const char *value;
    unsigned line;
    unsigned section_line; /* the line of its [header], 0 before any */
};

struct eo_config_file {
    char path[EO_CONFIG_PATH_MAX]; /* "" when there is no such path (no HOME) */
    bool found;                    /* the file exists; a missing file is no error */
    char *text;                    /* the file's bytes, cut into the entries' strings */
    struct eo_config_entry *entries;
    size_t count;
};

struct eo_config {
    struct eo_config_file system, user;
};

/* What one key resolves to for one command. */
struct eo_config_value {
    enum eo_config_origin origin; /* EO_CONFIG_DEFAULT when nothing set it */
    const char *text;             /* the value; NULL for EO_CONFIG_DEFAULT */
    const char *path;             /* the file, for EO_CONFIG_SYSTEM and EO_CONFIG_USER */
    unsigned line;                /* the value's line in that file */
    char env[EO_CONFIG_ENV_MAX];  /* the environment variable of the key (always filled) */
};

/* Reads one file. A file that does not exist, or whose folder this user may not enter, is EO_OK
 * with found = false (a file that is there but unreadable is an error). Errors: EO_ERR_FILE
 * for a file that cannot be read, is not a regular file or is larger than EO_CONFIG_FILE_MAX;
 * EO_ERR_USAGE, "PATH:LINE: what is wrong", for a line that is neither "key = value", a
 * "[section]" header, a comment nor blank, a key or section that is not a name (lower-case
 * letters, digits, '-'), a key without a value, or a key given twice in one section. */
enum eo_status eo_config_file_read(const char *path, struct eo_config_file *file,
                                   struct eo_error *err);
void eo_config_file_release(struct eo_config_file *file);

/* The entry of `key` in `section` ("" for the general part), NULL when the file has none. */
const struct eo_config_entry *eo_config_file_find(const struct eo_config_file *file,
                                                  const char *section, const char *key);

/* The user file's path ($XDG_CONFIG_HOME when absolute, else $HOME/.config); false when there
 * is neither. */
bool eo_config_user_path(char *buf, size_t cap);
/* The system file's path: $ESPURNA_OTA_SYSTEM_CONFIG when set and not empty, else
 * EO_CONFIG_SYSTEM_PATH. */
void eo_config_system_path(char *buf, size_t cap);

/* Reads the system file and the user file from their paths; on an error nothing is kept. */
enum eo_status eo_config_load(struct eo_config *config, struct eo_error *err);
void eo_config_release(struct eo_config *config);

/* "ESPURNA_OTA_FIRMWARE_DIR" for "firmware-dir"; false when it does not fit. */
bool eo_config_env_name(const char *key, char *buf, size_t cap);

/* Where `key` comes from for `command`: the environment variable (when set and not empty), then
 * the user file's [command] section, its general part, the system file's [command] section,
 * its general part; EO_CONFIG_DEFAULT when none has it. `config` may be NULL (environment only). */
void eo_config_lookup(const struct eo_config *config, const char *command, const char *key,
                      struct eo_config_value *out);

/* "default", "system file", "user file", "environment", "flag". */
const char *eo_config_origin_name(enum eo_config_origin origin);
/* The JSON words: "default", "system", "user", "environment", "flag". */
const char *eo_config_origin_key(enum eo_config_origin origin);

#endif
