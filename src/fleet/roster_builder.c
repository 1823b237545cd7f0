/* roster_builder.c — a roster grown one device at a time, with a hash index on each device's
 * one spelling (kind + identity) so a device listed twice is found at once, whatever the
 * length of the list. */
#include "roster_build.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void roster_builder_init(struct roster_builder *builder)
{
    memset(builder, 0, sizeof *builder);
}

static void release_items(struct eo_device_roster *roster)
{
    for (size_t i = 0; i < roster->count; i++)
        free(roster->items[i].image);
    free(roster->items);
    roster->items = NULL;
    roster->count = 0;
}

void eo_roster_release(struct eo_device_roster *roster)
{
    if (roster)
        release_items(roster);
}

static uint64_t identity_hash(const struct eo_listed_device *device)
{
    uint64_t hash = 1469598103934665603ull ^ (uint64_t)device->kind; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)device->identity; *c; c++)
        hash = (hash ^ *c) * 1099511628211ull;
    return hash;
}

static bool same_device(const struct eo_listed_device *a, const struct eo_listed_device *b)
{
    return a->kind == b->kind && strcmp(a->identity, b->identity) == 0;
}

/* The slot holding the device (or the free slot where it belongs). */
static size_t *find_slot(const struct roster_builder *builder,
                         const struct eo_listed_device *device)
{
    size_t mask = builder->slot_count - 1;
    for (size_t i = (size_t)identity_hash(device) & mask;; i = (i + 1) & mask) {
        size_t *slot = &builder->slots[i];
        if (*slot == 0 || same_device(&builder->roster.items[*slot - 1], device))
            return slot;
    }
}

/* Keeps the index at most half full, rebuilding it twice as large when needed. */
static bool grow_index(struct roster_builder *builder)
{
    if ((builder->roster.count + 1) * 2 <= builder->slot_count)
        return true;
    size_t slot_count = builder->slot_count ? builder->slot_count * 2 : 64;
    size_t *slots = calloc(slot_count, sizeof *slots);
    if (!slots)
        return false;
    free(builder->slots);
    builder->slots = slots;
    builder->slot_count = slot_count;
    for (size_t i = 0; i < builder->roster.count; i++)
        *find_slot(builder, &builder->roster.items[i]) = i + 1;
    return true;
}

static bool grow_items(struct roster_builder *builder)
{
    if (builder->roster.count < builder->capacity)
        return true;
    size_t capacity = builder->capacity ? builder->capacity * 2 : 16;
    struct eo_listed_device *items = realloc(builder->roster.items, capacity * sizeof *items);
    if (!items)
        return false;
    builder->roster.items = items;
    builder->capacity = capacity;
    return true;
}

static enum eo_status listed_twice(const struct roster_place *place,
                                   const struct eo_listed_device *first,
                                   const struct eo_listed_device *again)
{
    if (strcmp(first->device, again->device) == 0)
        return roster_fail(place, "%s is listed twice (first on line %u)",
                           roster_show(again->device).text, first->line);
    return roster_fail(place, "%s is listed twice (first on line %u as %s)",
                       roster_show(again->device).text, first->line,
                       roster_show(first->device).text);
}

static enum eo_status add_entry(const struct roster_place *place, struct roster_builder *builder,
                                const struct roster_entry *entry)
{
    if (builder->roster.count == EO_ROSTER_DEVICES_MAX)
        return roster_fail(place, "more than %d devices: split the list", EO_ROSTER_DEVICES_MAX);
    if (!grow_index(builder) || !grow_items(builder))
        return eo_error_set(place->err, EO_ERR_INTERNAL, "%s: out of memory", place->name);
    size_t *slot = find_slot(builder, &entry->device);
    if (*slot)
        return listed_twice(place, &builder->roster.items[*slot - 1], &entry->device);
    builder->roster.items[builder->roster.count++] = entry->device;
    *slot = builder->roster.count;
    return EO_OK;
}

enum eo_status roster_builder_add(const struct roster_place *place, struct roster_builder *builder,
                                  struct roster_entry *entry)
{
    enum eo_status status = add_entry(place, builder, entry);
    if (status != EO_OK)
        roster_entry_discard(entry);
    entry->device.image = NULL; /* the roster owns it now, or it is freed */
    return status;
}

enum eo_status roster_builder_finish(struct roster_builder *builder, enum eo_status status,
                                     const char *name, struct eo_device_roster *out,
                                     struct eo_error *err)
{
    free(builder->slots);
    builder->slots = NULL;
    if (status == EO_OK && builder->roster.count == 0)
        status = eo_error_set(err, EO_ERR_INPUT, "%s: no devices listed", name);
    if (status != EO_OK) {
        release_items(&builder->roster);
        return status;
    }
    *out = builder->roster;
    return EO_OK;
}
