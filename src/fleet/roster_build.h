/* roster_build.h — what the text and the JSON readers of a device list share (internal to
 * src/fleet): the "FILE:LINE: ..." error, the checks of a device and of each field's value,
 * and adding devices to a roster while refusing one listed twice. */
#ifndef ESPURNA_OTA_ROSTER_BUILD_H
#define ESPURNA_OTA_ROSTER_BUILD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "espurna-ota/device_list_file.h"

/* Where the reader is, for messages. */
struct roster_place {
    const char *name; /* the file name */
    unsigned line;
    struct eo_error *err;
};

/* Sets EO_ERR_INPUT "NAME:LINE: <format>" and returns it. */
enum eo_status roster_fail(const struct roster_place *place, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Text from the file made safe to echo: printable, cut to about 60 characters with "...". */
struct roster_shown {
    char text[72];
};
struct roster_shown roster_show(const char *text);

/* The fields a device may carry, whatever their spelling in each format. */
enum roster_field {
    ROSTER_IMAGE = 0,
    ROSTER_ENV,
    ROSTER_PASSWORD,
    ROSTER_METHOD,
    ROSTER_PORT,
    ROSTER_WEB_PORT,
    ROSTER_TELNET_PORT,
    ROSTER_FIELD_COUNT
};

/* A device being read: the record and which single-valued fields it already has. */
struct roster_entry {
    struct eo_listed_device device;
    unsigned given; /* bit (1u << enum roster_field) */
};

/* Starts an entry for the device written as `device` (checked and classified here). */
enum eo_status roster_entry_start(const struct roster_place *place, struct roster_entry *entry,
                                  const char *device);
/* Sets a string-valued field (image, env, password, method); `key` is the spelling the user
 * wrote, for messages. */
enum eo_status roster_entry_set_text(const struct roster_place *place, struct roster_entry *entry,
                                     enum roster_field field, const char *key, const char *value);
/* Sets a port field to a number the reader parsed (any range: checked here). `shown` is the
 * value as written, for messages. */
enum eo_status roster_entry_set_port(const struct roster_place *place, struct roster_entry *entry,
                                     enum roster_field field, const char *key, long long number,
                                     const char *shown);
/* Frees what an entry holds that was not handed to a roster. */
void roster_entry_discard(struct roster_entry *entry);

/* A roster being built, with the index that finds a device listed twice. */
struct roster_builder {
    struct eo_device_roster roster;
    size_t capacity;
    size_t *slots; /* open addressing on identity: index + 1, 0 = free */
    size_t slot_count;
};

void roster_builder_init(struct roster_builder *builder);
/* Moves the entry into the roster (the entry's image goes with it, even on failure: the entry
 * is spent either way). Refuses a device listed twice and more than EO_ROSTER_DEVICES_MAX. */
enum eo_status roster_builder_add(const struct roster_place *place, struct roster_builder *builder,
                                  struct roster_entry *entry);
/* Hands the roster over (checking it is not empty) or, on failure, frees everything. */
enum eo_status roster_builder_finish(struct roster_builder *builder, enum eo_status status,
                                     const char *name, struct eo_device_roster *out,
                                     struct eo_error *err);

/* The JSON reader (roster_json.c): `text` starts with '[' or '{' at `start`. */
enum eo_status roster_read_json(const char *name, const char *text, size_t len, size_t start,
                                struct roster_builder *builder, struct eo_error *err);

#endif
