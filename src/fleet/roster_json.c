/* roster_json.c — the JSON form of a device list: an array of device objects, or {"devices":
 * [...]}. jansson checks the syntax (duplicate keys refused) and gives the line of a syntax
 * error; each entry's line, for the other errors, is found by walking the array's text with
 * jansson measuring one entry at a time. */
#include "roster_build.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

struct json_key {
    const char *name;
    enum roster_field field;
};

/* The string-valued keys, in the order they are checked ("passwords" apart). */
static const struct json_key text_keys[] = {
    {"image", ROSTER_IMAGE},
    {"env", ROSTER_ENV},
    {"password", ROSTER_PASSWORD},
    {"method", ROSTER_METHOD},
};
static const struct json_key port_keys[] = {
    {"port", ROSTER_PORT},
    {"web_port", ROSTER_WEB_PORT},
    {"telnet_port", ROSTER_TELNET_PORT},
};

static bool is_known_key(const char *key)
{
    static const char *const known[] = {"device", "image", "env",      "passwords",  "password",
                                        "method", "port",  "web_port", "telnet_port"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(key, known[i]) == 0)
            return true;
    return false;
}

static enum eo_status check_keys(const struct roster_place *place, json_t *object)
{
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value)
    {
        (void)value;
        if (!is_known_key(key))
            return roster_fail(place,
                               "unknown key '%s' (device, image, env, passwords, "
                               "password, method, port, web_port, telnet_port)",
                               roster_show(key).text);
    }
    return EO_OK;
}

/* A key left out or null: not given. */
static json_t *given(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    return json_is_null(value) ? NULL : value;
}

static enum eo_status start_entry(const struct roster_place *place, json_t *object,
                                  struct roster_entry *entry)
{
    json_t *device = given(object, "device");
    if (!device)
        return roster_fail(place, "entry without 'device'");
    if (!json_is_string(device))
        return roster_fail(place, "'device' must be a string");
    return roster_entry_start(place, entry, json_string_value(device));
}

static enum eo_status read_text_key(const struct roster_place *place, json_t *object,
                                    const struct json_key *key, struct roster_entry *entry)
{
    json_t *value = given(object, key->name);
    if (!value)
        return EO_OK;
    if (!json_is_string(value))
        return roster_fail(place, "'%s' must be a string", key->name);
    return roster_entry_set_text(place, entry, key->field, key->name, json_string_value(value));
}

static enum eo_status read_password_list(const struct roster_place *place, json_t *object,
                                         struct roster_entry *entry)
{
    json_t *list = given(object, "passwords");
    if (!list)
        return EO_OK;
    if (given(object, "password"))
        return roster_fail(place, "both 'password' and 'passwords' given: use one");
    if (!json_is_array(list))
        return roster_fail(place, "'passwords' must be an array of secret names");
    size_t i;
    json_t *name;
    json_array_foreach(list, i, name)
    {
        if (!json_is_string(name))
            return roster_fail(place, "'passwords' must be an array of secret names");
        enum eo_status status = roster_entry_set_text(place, entry, ROSTER_PASSWORD, "passwords",
                                                      json_string_value(name));
        if (status != EO_OK)
            return status;
    }
    return EO_OK;
}

static enum eo_status read_port_key(const struct roster_place *place, json_t *object,
                                    const struct json_key *key, struct roster_entry *entry)
{
    json_t *value = given(object, key->name);
    if (!value)
        return EO_OK;
    if (!json_is_integer(value))
        return roster_fail(place, "'%s' must be a number from 1 to 65535", key->name);
    char shown[24];
    snprintf(shown, sizeof shown, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    return roster_entry_set_port(place, entry, key->field, key->name,
                                 (long long)json_integer_value(value), shown);
}

static enum eo_status read_fields(const struct roster_place *place, json_t *object,
                                  struct roster_entry *entry)
{
    enum eo_status status = EO_OK;
    for (size_t i = 0; status == EO_OK && i < sizeof text_keys / sizeof text_keys[0]; i++)
        status = read_text_key(place, object, &text_keys[i], entry);
    if (status == EO_OK)
        status = read_password_list(place, object, entry);
    for (size_t i = 0; status == EO_OK && i < sizeof port_keys / sizeof port_keys[0]; i++)
        status = read_port_key(place, object, &port_keys[i], entry);
    return status;
}

static enum eo_status read_entry(const struct roster_place *place, json_t *object,
                                 struct roster_builder *builder)
{
    if (!json_is_object(object))
        return roster_fail(place, "a device entry must be an object");
    enum eo_status status = check_keys(place, object);
    if (status != EO_OK)
        return status;
    struct roster_entry entry;
    status = start_entry(place, object, &entry);
    if (status != EO_OK)
        return status; /* entry may not even be initialised: nothing to discard */
    status = read_fields(place, object, &entry);
    if (status != EO_OK) {
        roster_entry_discard(&entry);
        return status;
    }
    return roster_builder_add(place, builder, &entry);
}

/* Walks the text of a document jansson already accepted, counting lines. */
struct json_walk {
    const char *text;
    size_t len;
    size_t pos;
    unsigned line;
};

static void walk_to(struct json_walk *walk, size_t pos)
{
    for (; walk->pos < pos && walk->pos < walk->len; walk->pos++)
        if (walk->text[walk->pos] == '\n')
            walk->line++;
}

static bool is_json_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void walk_blanks(struct json_walk *walk)
{
    size_t pos = walk->pos;
    while (pos < walk->len && is_json_blank(walk->text[pos]))
        pos++;
    walk_to(walk, pos);
}

/* Steps over the value at the walk's position (an object: jansson stops at its '}'). */
static void walk_value(struct json_walk *walk)
{
    json_error_t error;
    json_t *value = json_loadb(walk->text + walk->pos, walk->len - walk->pos,
                               JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &error);
    size_t consumed = value ? (size_t)error.position : walk->len - walk->pos;
    json_decref(value);
    walk_to(walk, walk->pos + consumed);
}

static enum eo_status read_entries(const struct roster_place *start, struct json_walk *walk,
                                   json_t *array, struct roster_builder *builder)
{
    struct roster_place place = *start;
    walk_to(walk, walk->pos + 1); /* the '[' */
    for (size_t i = 0; i < json_array_size(array); i++) {
        walk_blanks(walk);
        if (i > 0 && walk->pos < walk->len && walk->text[walk->pos] == ',') {
            walk_to(walk, walk->pos + 1);
            walk_blanks(walk);
        }
        place.line = walk->line;
        enum eo_status status = read_entry(&place, json_array_get(array, i), builder);
        if (status != EO_OK)
            return status;
        walk_value(walk);
    }
    return EO_OK;
}

/* {"devices": [...]}: its one key, an array. */
static enum eo_status devices_of(const struct roster_place *place, json_t *root, json_t **array)
{
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value)
    {
        (void)value;
        if (strcmp(key, "devices") != 0)
            return roster_fail(place, "unknown key '%s' around the list (devices)",
                               roster_show(key).text);
    }
    *array = json_object_get(root, "devices");
    if (!*array)
        return roster_fail(place, "expected [device objects] or {\"devices\": [device objects]}");
    if (!json_is_array(*array))
        return roster_fail(place, "'devices' must be an array");
    return EO_OK;
}

static enum eo_status syntax_error(const char *name, const json_error_t *error,
                                   struct eo_error *err)
{
    struct roster_place place = {name, error->line > 0 ? (unsigned)error->line : 1, err};
    return roster_fail(&place, "invalid JSON (column %d): %s", error->column,
                       roster_show(error->text).text);
}

enum eo_status roster_read_json(const char *name, const char *text, size_t len, size_t start,
                                struct roster_builder *builder, struct eo_error *err)
{
    json_error_t error;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
    if (!root)
        return syntax_error(name, &error, err);
    struct json_walk walk = {text, len, 0, 1};
    walk_to(&walk, start);
    struct roster_place place = {name, walk.line, err};
    json_t *array = root;
    enum eo_status status = json_is_object(root) ? devices_of(&place, root, &array) : EO_OK;
    if (status == EO_OK && json_is_object(root)) {
        /* the one key is "devices" (its letters, even escaped, hold no '['): the array is at
         * the first '[' */
        const char *bracket = memchr(text + start, '[', len - start);
        walk_to(&walk, bracket ? (size_t)(bracket - text) : len);
    }
    if (status == EO_OK)
        status = read_entries(&place, &walk, array, builder);
    json_decref(root);
    return status;
}
