/* device.h — the device record, the second currency of the tool: how to reach a device
 * (addresses, ports), who it is (hostname, instance, chip id / mac, app, version, board, core or
 * full), its flash (real size, built-for size, free OTA space — always in bytes, each marked
 * reported / converted / guessed), the upgrade methods it offers and whether it wants a password.
 * Also the pure decoding of ESPurna's mDNS TXT records (both dialects), merging the services of
 * one host into one record, and a sorted list of records. No I/O here: discover.c feeds it. */
#ifndef ESPURNA_OTA_DEVICE_H
#define ESPURNA_OTA_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"

/* How a flash figure came to be known. */
enum eo_figure_source {
    EO_FIGURE_UNKNOWN = 0, /* not announced, or announced as garbage */
    EO_FIGURE_REPORTED,    /* announced in bytes */
    EO_FIGURE_CONVERTED,   /* announced in KiB (documented unit), converted to bytes */
    EO_FIGURE_GUESSED,     /* the unit had to be guessed from plausibility */
};

struct eo_figure {
    uint64_t bytes;
    enum eo_figure_source source;
};

/* The mDNS services an ESPurna device announces, one per upgrade method. */
enum eo_service { EO_SERVICE_ARDUINO = 0, EO_SERVICE_HTTP, EO_SERVICE_TELNET, EO_SERVICE_COUNT };

#define EO_DEVICE_MAX_ADDRESSES 4
#define EO_DEVICE_MAX_NOTES 6
#define EO_DEVICE_TEXT_MAX 64 /* longest kept TXT value + 1; longer values are cut and noted */

enum eo_auth { EO_AUTH_UNKNOWN = 0, EO_AUTH_REQUIRED, EO_AUTH_NONE };

struct eo_device {
    /* reach */
    char hostname[EO_DEVICE_TEXT_MAX]; /* without ".local" */
    char instance[EO_DEVICE_TEXT_MAX]; /* mDNS instance name of its _arduino._tcp (or first) service
                                        */
    char addresses[EO_DEVICE_MAX_ADDRESSES][64];
    unsigned address_count;
    uint16_t ports[EO_SERVICE_COUNT]; /* 0 = service not announced */
    /* the instance name that announced each service ("" = not announced) */
    char service_instance[EO_SERVICE_COUNT][EO_DEVICE_TEXT_MAX];
    /* identity (empty string = unknown) */
    bool espurna_txt; /* announced at least one ESPurna TXT key */
    char app[EO_DEVICE_TEXT_MAX];
    char version[EO_DEVICE_TEXT_MAX];
    char build_date[EO_DEVICE_TEXT_MAX];
    char mac[18];                           /* "AA:BB:CC:DD:EE:FF" whatever the dialect */
    char chip_id[7];                        /* 6 upper-case hex digits */
    char board[EO_DEVICE_TEXT_MAX];         /* target_board */
    char arduino_board[EO_DEVICE_TEXT_MAX]; /* ArduinoOTA's own "board" key */
    uint8_t kind;                           /* enum eo_image_kind: FULL, CORE or UNKNOWN */
    /* flash */
    struct eo_figure flash_real;  /* mem_size */
    struct eo_figure flash_built; /* sdk_size */
    struct eo_figure free_space;  /* free_space */
    /* what it takes */
    unsigned methods; /* bit (1u << enum eo_method) per offered method */
    enum eo_auth auth;
    /* things the decoder had to say ("free_space unit guessed: ..."), each one line */
    char notes[EO_DEVICE_MAX_NOTES][96];
    unsigned note_count;
};

/* One TXT string as announced: "key=value" bytes, not NUL-terminated, may hold anything. */
struct eo_txt_entry {
    const uint8_t *data;
    size_t len;
};

/* One resolved mDNS service of a host, as discover hands it over. */
struct eo_service_record {
    enum eo_service service;
    const char *instance;  /* service instance name */
    const char *host_name; /* "ESPURNA-1A2B3C.local" */
    const char *address;   /* numeric, may be NULL */
    uint16_t port;
    const struct eo_txt_entry *txt; /* only read for EO_SERVICE_ARDUINO */
    size_t txt_count;
};

void eo_device_init(struct eo_device *device);

/* Replaces every TXT-derived field of device with what `entries` say, normalising units:
 * mem_size / sdk_size are KiB; free_space is bytes up to 1.14 and KiB since 1.15, decided by
 * plausibility against the flash size (and the version when both readings are plausible).
 * Garbage numbers leave a figure UNKNOWN with a note, over-long values are cut with a note,
 * control characters are replaced by '?'. Never fails. */
void eo_device_apply_txt(struct eo_device *device, const struct eo_txt_entry *entries,
                         size_t count);

/* Recomputes kind and methods from the board, the TXT and the announced services. Called by
 * the merge functions; call it after changing ports by hand. */
void eo_device_update_derived(struct eo_device *device);

/* Normalises a MAC in either dialect ("aa:bb:cc:dd:ee:ff", "AABBCCDDEEFF", also '-') to
 * "AA:BB:CC:DD:EE:FF". Returns false (out untouched) when it is not a MAC. */
bool eo_device_normalize_mac(const char *text, char out[18]);

/* Parses "MAJOR.MINOR[...]" of an ESPurna version. Returns false when it does not start so. */
bool eo_device_version_parse(const char *version, unsigned *major, unsigned *minor);

/* Whether `name` designates this device: hostname (with or without ".local", any case),
 * instance name, or one of its addresses. */
bool eo_device_matches(const struct eo_device *device, const char *name);

/* How to reach the device: named `name`, its first address, the ports its services announce
 * (the defaults for those it does not). */
void eo_target_from_device(struct eo_target *target, const char *name,
                           const struct eo_device *device);

/* Names for display and JSON. */
const char *eo_figure_source_name(enum eo_figure_source source); /* "reported", ... , "unknown" */
const char *eo_device_kind_name(const struct eo_device *device); /* "full", "core", "unknown" */
const char *eo_auth_name(enum eo_auth auth);                     /* "yes", "no", "unknown" */
/* "espota,web,terminal" style list of the offered methods ("-" when none) into buf. */
const char *eo_device_methods_text(const struct eo_device *device, char *buf, size_t cap);

/* The device as a JSON object with stable keys (every key always present, null when unknown):
 * hostname, instance, addresses[], ports{espota,web,telnet}, app, version, build_date, mac,
 * chip_id, board, kind, flash_real{bytes,source}, flash_built{…}, free_space{…}, methods[],
 * auth (true/false/null), notes[]. Returns a new reference (NULL only when out of memory). */
json_t *eo_device_to_json(const struct eo_device *device);

/* Steps an image of image_size bytes (built for a flash of image_flash bytes, 0 = unknown)
 * takes on this device, from layout.h arithmetic on the standard layout of the flash size the
 * running build is for (sdk_size; the chip size when unknown): 1 when it fits beside the
 * running image (running size = sketch area - free space); 2 when a core image of
 * EO_DEVICE_CORE_IMAGE_BYTES fits beside the running image and the new image fits beside that
 * core in the layout of the new image's flash size; 0 when neither, or when the image is built
 * for a larger flash than the chip has; -1 when the flash size or free space is unknown. */
#define EO_DEVICE_CORE_IMAGE_BYTES 296960u /* 290 KiB, the smallest ESPurna core images */
int eo_device_image_steps(const struct eo_device *device, uint32_t image_size,
                          uint32_t image_flash);

/* ---- a set of devices, merged by host name --------------------------------------------- */

struct eo_device_list {
    struct eo_device *items;
    size_t count;
    size_t capacity;
};

void eo_device_list_init(struct eo_device_list *list);
void eo_device_list_release(struct eo_device_list *list);

/* Adds one resolved service to the device of its host (creating it), updates address, port,
 * TXT (arduino only) and derived fields. Returns the device, or NULL when out of memory or the
 * record has no host name. */
struct eo_device *eo_device_list_add_service(struct eo_device_list *list,
                                             const struct eo_service_record *record);

/* Forgets a service that was withdrawn; a device with no service left is removed. Returns
 * true when something changed. */
bool eo_device_list_remove_service(struct eo_device_list *list, enum eo_service service,
                                   const char *instance);

/* The first device that eo_device_matches `name`, or NULL. */
struct eo_device *eo_device_list_find(const struct eo_device_list *list, const char *name);

/* Sorts by hostname (case-insensitive), then instance. */
void eo_device_list_sort(struct eo_device_list *list);

/* ---- --filter KEY=VALUE ---------------------------------------------------------------
 * KEY is one of hostname, instance, address, app, version, board, kind, mac, chip_id, method,
 * auth; VALUE is a shell pattern (fnmatch: '*', '?', '[...]') matched without regard to case
 * against the same text the table and JSON show (address and method match any of them). */
struct eo_device_filter {
    char key[16];
    char pattern[128];
};

/* EO_ERR_USAGE with a one-line message naming the valid keys when text is not KEY=VALUE. */
enum eo_status eo_device_filter_parse(const char *text, struct eo_device_filter *out,
                                      struct eo_error *err);
bool eo_device_filter_match(const struct eo_device *device, const struct eo_device_filter *filter);
/* The KEYs --filter knows, by index from 0; NULL past the last (shell completion lists them). */
const char *eo_device_filter_key(size_t index);

#endif
