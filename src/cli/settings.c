/* settings.c — the config files and the environment applied onto the option tables: every key
 * in a file must be a settable option of its [command] (or of some command, outside any
 * section), and each command takes the values of the options its command line left unset (see
 * settings.h). */
#include "settings.h"

#include <stdio.h>
#include <string.h>

#include "espurna-ota/output.h"

static const struct command_spec *const *registered;
static struct eo_config files;
static bool files_read;
static enum eo_status files_status;
static struct eo_error files_err; /* why they are refused */
static const struct command_spec *applied;
static struct setting_origin origins[OPTIONS_MAX];

void settings_register(const struct command_spec *const *specs)
{
    registered = specs;
}

const struct command_spec *const *settings_commands(void)
{
    static const struct command_spec *const none[] = {NULL};
    return registered ? registered : none;
}

const struct command_spec *settings_find_command(const char *name)
{
    for (const struct command_spec *const *spec = settings_commands(); *spec; spec++)
        if (strcmp((*spec)->name, name) == 0)
            return *spec;
    return NULL;
}

static const struct option_spec *find_option(const struct command_spec *spec, const char *name)
{
    for (size_t i = 0; i < spec->option_count; i++)
        if (strcmp(spec->options[i].name, name) == 0)
            return &spec->options[i];
    return NULL;
}

/* ---- checking the files ------------------------------------------------------------------ */

static int entry_error(const struct eo_config_file *file, unsigned line, const char *what)
{
    files_status = eo_error_set(&files_err, EO_ERR_USAGE, "%s:%u: %s", file->path, line, what);
    return EO_ERR_USAGE;
}

/* An option that exists but takes no setting: say what to do instead. */
static int not_settable(const struct eo_config_file *file, const struct eo_config_entry *entry,
                        const struct option_spec *opt)
{
    char what[256];
    if (opt->type == OPT_SECRET)
        snprintf(what, sizeof what,
                 "'%s' cannot be set in a config file: a password goes in a password file "
                 "(password-file = FILE) or ESPURNA_OTA_PASSWORD",
                 entry->key);
    else
        snprintf(what, sizeof what,
                 "'%s' cannot be set in a config file: give --%s on the command line", entry->key,
                 entry->key);
    return entry_error(file, entry->line, what);
}

static int unknown_key(const struct eo_config_file *file, const struct eo_config_entry *entry,
                       const char *command)
{
    char what[256];
    snprintf(what, sizeof what, "unknown key '%s'%s%s", entry->key, command ? " for " : "",
             command ? command : "");
    return entry_error(file, entry->line, what);
}

/* A key outside any section: some command must have it as a settable option. */
static int check_general(const struct eo_config_file *file, const struct eo_config_entry *entry)
{
    const struct option_spec *unsettable = NULL;
    for (const struct command_spec *const *spec = settings_commands(); *spec; spec++) {
        const struct option_spec *opt = find_option(*spec, entry->key);
        if (opt && options_settable(opt))
            return 0;
        unsettable = opt ? opt : unsettable;
    }
    if (unsettable)
        return not_settable(file, entry, unsettable);
    return unknown_key(file, entry, NULL);
}

static int check_entry(const struct eo_config_file *file, const struct eo_config_entry *entry)
{
    if (!entry->section[0])
        return check_general(file, entry);
    const struct command_spec *spec = settings_find_command(entry->section);
    if (!spec) {
        char what[128];
        snprintf(what, sizeof what, "[%s] is not a command", entry->section);
        return entry_error(file, entry->section_line, what);
    }
    const struct option_spec *opt = find_option(spec, entry->key);
    if (!opt)
        return unknown_key(file, entry, spec->name);
    return options_settable(opt) ? 0 : not_settable(file, entry, opt);
}

static int check_file(const struct eo_config_file *file)
{
    for (size_t i = 0; i < file->count; i++)
        if (check_entry(file, &file->entries[i]) != 0)
            return EO_ERR_USAGE;
    return 0;
}

/* Reads and checks both files once; remembers a failure for the rest of the run. */
static enum eo_status read_files(void)
{
    if (files_read)
        return files_status;
    files_read = true;
    files_status = eo_config_load(&files, &files_err);
    if (files_status != EO_OK)
        return files_status;
    if (check_file(&files.system) != 0 || check_file(&files.user) != 0)
        eo_config_release(&files);
    return files_status;
}

/* ---- applying them ----------------------------------------------------------------------- */

static bool word_in(const char *word, const char *list, size_t word_len)
{
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, " ");
        if (len == word_len && strncmp(p, word, len) == 0)
            return true;
        p += len + strspn(p + len, " ");
    }
    return false;
}

/* Whether an option named in opt->unless was given on the command line. */
static bool held_back(const struct command_spec *spec, const struct option_spec *opt,
                      const bool *given)
{
    for (size_t i = 0; opt->unless && i < spec->option_count; i++)
        if (given[i] && word_in(spec->options[i].name, opt->unless, strlen(spec->options[i].name)))
            return true;
    return false;
}

static int apply_one(const struct command_spec *spec, const struct option_spec *opt,
                     struct setting_origin *origin)
{
    struct eo_config_value value;
    char label[EO_CONFIG_PATH_MAX + 96];
    eo_config_lookup(&files, spec->name, opt->name, &value);
    snprintf(origin->env, sizeof origin->env, "%s", value.env);
    if (value.origin == EO_CONFIG_DEFAULT)
        return 0;
    if (value.origin == EO_CONFIG_ENV)
        snprintf(label, sizeof label, "%s", value.env);
    else
        snprintf(label, sizeof label, "%s:%u: %s", value.path, value.line, opt->name);
    int rc = options_store_setting(spec, opt, label, value.text);
    if (rc == 0) {
        origin->origin = value.origin;
        origin->text = value.text;
        origin->path = value.path;
        origin->line = value.line;
    }
    return rc;
}

int settings_apply(const struct command_spec *spec, const bool *given)
{
    memset(origins, 0, sizeof origins);
    applied = spec;
    enum eo_status status = read_files();
    if (status == EO_ERR_USAGE)
        return options_usage_error(spec, "%s", files_err.message);
    if (status != EO_OK) {
        eo_out_error(&files_err);
        return status;
    }
    for (size_t i = 0; i < spec->option_count && i < OPTIONS_MAX; i++) {
        const struct option_spec *opt = &spec->options[i];
        eo_config_env_name(opt->name, origins[i].env, sizeof origins[i].env);
        if (given[i])
            origins[i].origin = EO_CONFIG_FLAG;
        else if (options_settable(opt) && !held_back(spec, opt, given)) {
            int rc = apply_one(spec, opt, &origins[i]);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

const struct setting_origin *settings_origin(const char *name)
{
    for (size_t i = 0; applied && i < applied->option_count && i < OPTIONS_MAX; i++)
        if (strcmp(applied->options[i].name, name) == 0)
            return &origins[i];
    return NULL;
}

const struct eo_config *settings_files(void)
{
    return files_read && files_status == EO_OK ? &files : NULL;
}

/* ---- telling where a value came from ----------------------------------------------------- */

/* Whether `message` holds "--NAME" as a whole option word. */
static bool mentions(const char *message, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = strstr(message, "--"); p; p = strstr(p + 2, "--")) {
        char after = p[2 + len];
        bool word_end =
            !(after >= 'a' && after <= 'z') && !(after >= '0' && after <= '9') && after != '-';
        if (strncmp(p + 2, name, len) == 0 && word_end)
            return true;
    }
    return false;
}

static void where(const struct setting_origin *origin, char *out, size_t cap)
{
    if (origin->origin == EO_CONFIG_ENV)
        snprintf(out, cap, "%s", origin->env);
    else
        snprintf(out, cap, "%s:%u", origin->path, origin->line);
}

void settings_note(const struct command_spec *spec, const char *message, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; spec == applied && spec && i < spec->option_count && i < OPTIONS_MAX; i++) {
        const struct setting_origin *origin = &origins[i];
        char from[EO_CONFIG_PATH_MAX + 16];
        if (!origin->text || !mentions(message, spec->options[i].name))
            continue;
        where(origin, from, sizeof from);
        int n = snprintf(out + used, cap - used, "%s%s = %s: %s", used ? "; " : " (",
                         spec->options[i].name, origin->text, from);
        if (n < 0 || (size_t)n >= cap - used)
            break;
        used += (size_t)n;
    }
    if (used && used + 1 < cap)
        snprintf(out + used, cap - used, ")");
}

void settings_reset(void)
{
    if (files_read && files_status == EO_OK)
        eo_config_release(&files);
    files_read = false;
    files_status = EO_OK;
    eo_error_clear(&files_err);
    applied = NULL;
    memset(origins, 0, sizeof origins);
}
