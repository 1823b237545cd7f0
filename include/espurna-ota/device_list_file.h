/* device_list_file.h — the device list of `batch --devices FILE`, read into a roster: which
 * devices to upgrade and, per device, which image or environment, which password names, which
 * method and ports. Pure parsing plus one function that reads the file; nothing is printed.
 *
 * TEXT FORMAT (written by hand or generated): one device per line.
 *
 *     # kitchen and hall
 *     ESPURNA-1A2B3C                    # chip id form: the default host name
 *     kitchen.local  env=nodemcu-lolin  password=house password=house-2023
 *     192.168.1.40   image=builds/espurna-1.15.0-itead-sonoff-basic.bin method=web
 *     AA:BB:CC:DD:EE:FF  method=espota port=8266
 *     fe80::1%eth0   web-port=8080 telnet-port=2323
 *
 *   - The first field is the device: a host name (`kitchen`, `kitchen.local`), an IPv4 or IPv6
 *     address (with an optional `%interface`), a chip id (`ESPURNA-1A2B3C` or `1A2B3C`: six hex
 *     digits) or a MAC (`AA:BB:CC:DD:EE:FF`, any case).
 *   - Then `key=value` fields separated by spaces or tabs, in any order:
 *       image=PATH        the firmware file (no spaces; relative to the list's folder)
 *       env=ENVIRONMENT   the release environment (`espurna-<version>-<env>.bin`), letters,
 *                         digits, '.', '_', '-'; image and env exclude each other
 *       password=NAME     the NAME of a secret in the secrets file, never a password: letters,
 *                         digits, '.', '_', '-', up to 63. Repeat it for rotation: up to 4
 *                         candidates, tried in the order written
 *       method=espota|web|terminal
 *       port=N            espota port, 1-65535 (web-port=N, telnet-port=N likewise)
 *   - `#` at the start of a line or after a space or tab starts a comment (`image=a#1.bin`
 *     keeps its '#'). Blank lines are ignored; a final "\r" (CRLF files) and a leading UTF-8
 *     byte order mark are dropped.
 *   - Errors: a line longer than 1024 bytes, a NUL or control character (tab aside), a first
 *     field that is not a device, a field that is not key=value, an unknown key, an empty or bad
 *     value, a single-valued key given twice, the same password name twice, more than 4
 *     passwords, image with env, a device listed twice (the same host name with or without
 *     ".local" in any case, chip id, MAC or address), more than 10000 devices, no device at all.
 *
 * JSON FORMAT (when the first non-blank character is '[' or '{'): an array of objects, or
 * {"devices": [objects]}. Keys: "device" (required), "image", "env", "passwords" (array of
 * names) or "password" (one name), "method", "port", "web_port", "telnet_port" (integers). A
 * null value is the same as leaving the key out. Duplicate keys, unknown keys and every rule of
 * the text format are errors; the line of an entry's error is the line where its object starts.
 *
 * ERRORS are EO_ERR_INPUT with the message "FILE:LINE: what is wrong" (or "FILE: no devices
 * listed"), FILE being the name given (the path for eo_roster_load). Parsing stops at the first
 * wrong line and returns an empty roster, so a caller that parses before it does anything runs
 * nothing when any line is wrong. Values echoed in messages are shown as printable text; a
 * password= value is never echoed (it may be a password written by mistake). */
#ifndef ESPURNA_OTA_DEVICE_LIST_FILE_H
#define ESPURNA_OTA_DEVICE_LIST_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/status.h"

#define EO_ROSTER_PASSWORDS_MAX 4
#define EO_ROSTER_PASSWORD_NAME_MAX 64 /* with the NUL */
#define EO_ROSTER_ENV_MAX 96           /* with the NUL */
#define EO_ROSTER_LINE_MAX 1024        /* bytes per text line, without its line end */
#define EO_ROSTER_DEVICES_MAX 10000
#define EO_ROSTER_FILE_MAX (16u * 1024u * 1024u) /* eo_roster_load refuses larger files */

/* What the device field names. */
enum eo_listed_kind {
    EO_LISTED_HOST = 0, /* a host name */
    EO_LISTED_CHIP_ID,  /* ESPURNA-1A2B3C or 1A2B3C */
    EO_LISTED_MAC,      /* AA:BB:CC:DD:EE:FF */
    EO_LISTED_ADDRESS,  /* an IPv4 or IPv6 address */
};

/* One line (or JSON entry) of the list. Unset fields are empty strings, NULL, -1 or 0. */
struct eo_listed_device {
    char device[256]; /* as written */
    enum eo_listed_kind kind;
    /* the device in one spelling, for matching and duplicates: a host name in lower case without
     * ".local" or a final dot; a chip id as 6 upper-case hex digits; a MAC in upper case; an
     * address as inet_ntop writes it (IPv6 scope kept, lower case) */
    char identity[256];
    char *image; /* NULL when not given; owned by the roster */
    char env[EO_ROSTER_ENV_MAX];
    char passwords[EO_ROSTER_PASSWORDS_MAX][EO_ROSTER_PASSWORD_NAME_MAX]; /* secret names */
    unsigned password_count;
    int method;    /* enum eo_method, -1 when not given */
    uint16_t port; /* espota; 0 when not given */
    uint16_t web_port;
    uint16_t telnet_port;
    unsigned line; /* where it was written (the line an entry's JSON object starts on) */
};

struct eo_device_roster {
    struct eo_listed_device *items; /* in the order listed */
    size_t count;
};

/* Parses a list held in memory (`len` bytes, NUL bytes included). `name` is the file name used
 * in messages. Image paths are kept as written. On success *out holds at least one device (the
 * caller releases it); on failure *out is empty and err says the first thing wrong
 * (EO_ERR_INPUT, or EO_ERR_INTERNAL when out of memory). */
enum eo_status eo_roster_parse(const char *name, const char *text, size_t len,
                               struct eo_device_roster *out, struct eo_error *err);

/* Reads the list at `path` (a regular file: a FIFO, a directory or a device is refused without
 * blocking, EO_ERR_FILE; so is a file larger than EO_ROSTER_FILE_MAX) and parses it. A relative
 * image path is made relative to the list's folder ("fleet/devices.txt" with image=a.bin gives
 * "fleet/a.bin"); absolute ones are kept. */
enum eo_status eo_roster_load(const char *path, struct eo_device_roster *out, struct eo_error *err);

/* Frees what a roster holds and leaves it empty; safe on an empty roster. */
void eo_roster_release(struct eo_device_roster *roster);

#endif
