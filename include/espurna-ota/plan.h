/* plan.h — deciding before any byte is sent: checks the image against the device (magic, flash
 * size built for vs real, app, version: up to date, downgrade), then chooses the route from
 * ESP8266 flash arithmetic (layout.h, the device's sdk_size layout, sector rounding): one step,
 * one gzip step, two steps through a core image, or a refusal with the numbers and what would
 * work; and the method of each step from what the device offers. Pure: no I/O, unit-tested over
 * a table of devices × images. Also the pieces the plan needs: ESPurna version order, finding the
 * matching core image in release folders, and gzip-compressing an image once. */
#ifndef ESPURNA_OTA_PLAN_H
#define ESPURNA_OTA_PLAN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/device.h"
#include "espurna-ota/image_file.h"
#include "espurna-ota/status.h"
#include "espurna-ota/transport.h"

/* ---- versions ---------------------------------------------------------------------------
 * ESPurna versions: "1.14.1", "1.15.0-dev.gita1b2c3d4+github261101", "1.13.6-rc1". Order by
 * MAJOR.MINOR.PATCH, then a release above any pre-release of it; two pre-releases of the same
 * release order by their build date when both carry one ("+githubYYMMDD"), else by the text
 * after '-' (so "rc2" > "rc1"). Equal texts are equal. */
enum eo_version_order {
    EO_VERSION_OLDER = -1, /* a is older than b */
    EO_VERSION_SAME = 0,
    EO_VERSION_NEWER = 1,
    EO_VERSION_UNORDERED = 2, /* either does not parse, or two different builds nothing orders */
};
enum eo_version_order eo_version_compare(const char *a, const char *b);

/* ---- gzip ------------------------------------------------------------------------------ */

/* Compresses a plain/Arduino image with zlib at level 9 into a new gzip image (loaded through
 * eo_image_load_buffer, so its inner image is checked; path "<image path>.gz", same identity).
 * EO_ERR_IMAGE when `image` is already gzip. */
enum eo_status eo_image_gzip(const struct eo_image *image, struct eo_image *out,
                             struct eo_error *err);

/* ---- finding the core image ------------------------------------------------------------ */

#define EO_FIRMWARE_MAX_DIRS 4

/* Where release images are looked for, in order: `explicit_dir` alone when given; else the
 * project's ./firmware folder, $XDG_DATA_HOME/espurna-ota/firmware (~/.local/share/...), and
 * the installed share folder (EO_INSTALL_DATADIR/espurna-ota/firmware when defined). Folders
 * that do not exist are left out, except `explicit_dir` (so that a message names it). Returns
 * the count written to dirs. */
size_t eo_firmware_search_path(const char *explicit_dir, char dirs[][PATH_MAX], size_t cap);

struct eo_core_choice {
    char path[PATH_MAX];
    char reason[256]; /* "espurna-core-1MB for a 1 MB flash, same version as the target" */
};

/* Finds the core image for a device of flash_size bytes (the build's sdk_size) among the
 * release files (espurna-<version>-<environment>.bin[.gz], release_name in image.h) of `dirs`:
 * a CORE build named for that flash size (core-1MB / minimal-arduino-ota-1m ...), of an era
 * whose step 2 can use `step2_methods` (bit per enum eo_method: espota, terminal), preferring
 * prefer_version (the target's), then the newest. EO_ERR_FILE when none matches, with a message
 * naming the file names that would (e.g. "espurna-<version>-espurna-minimal-arduino-ota-1m.bin")
 * and hint CORE_IMAGE. Reads names only, not files; .bin.gz cores are left out (step 1 may go
 * to a device that takes no gzip). */
enum eo_status eo_firmware_find_core(char dirs[][PATH_MAX], size_t dir_count, uint32_t flash_size,
                                     unsigned step2_methods, const char *prefer_version,
                                     struct eo_core_choice *out, struct eo_error *err);

/* ---- the plan ---------------------------------------------------------------------------- */

enum eo_route {
    EO_ROUTE_UP_TO_DATE = 0, /* the device already runs the target: nothing to do */
    EO_ROUTE_ONE_STEP,       /* the image fits beside the running one */
    EO_ROUTE_GZIP_ONE_STEP,  /* its gzip fits, and the device takes gzip */
    EO_ROUTE_TWO_STEP,       /* a core image first, then the image (or its gzip) */
    EO_ROUTE_REFUSED,        /* see the error */
};
const char *eo_route_name(
    enum eo_route route); /* "up-to-date", "one-step", "gzip-one-step", "two-step", "refused" */

/* Which image a step sends. */
enum eo_step_image { EO_STEP_TARGET = 0, EO_STEP_TARGET_GZIP, EO_STEP_CORE };

/* How sure a figure is: reported by the device (mDNS TXT), computed from reported figures,
 * guessed (e.g. the core's size when only its name is known), or unknown. */
enum eo_certainty {
    EO_CERTAIN_UNKNOWN = 0,
    EO_CERTAIN_REPORTED,
    EO_CERTAIN_COMPUTED,
    EO_CERTAIN_GUESSED
};
const char *eo_certainty_name(enum eo_certainty certainty); /* "unknown", "reported", ... */

struct eo_plan_step {
    enum eo_step_image image;
    enum eo_method method;     /* first choice */
    unsigned fallback_methods; /* bits (1u << method) to try, in enum order, when the first
                                * fails before any byte reached the device */
    uint64_t bytes;            /* what is sent (the gzip size for a gzip step) */
    uint64_t inflated;         /* what is installed (== bytes unless gzip) */
    uint64_t free_before;      /* free OTA space before the step (0: unknown) */
    enum eo_certainty free_before_certainty;
    uint64_t free_after; /* free OTA space beside the installed image afterwards */
    enum eo_certainty free_after_certainty;
    uint8_t expect_kind;     /* enum eo_image_kind the device runs afterwards */
    char expect_version[64]; /* what it reports afterwards ("" unknown) */
};

struct eo_plan_policy {
    bool force; /* allow an image of another app than the device runs */
    bool allow_downgrade;
    bool no_gzip;               /* never send a compressed image */
    bool two_step;              /* through the core even when one step would do (bench, tests) */
    int method;                 /* -1: choose per step; else enum eo_method for every step */
    const char *expect_version; /* the target's version when the image does not carry one */
};

struct eo_plan_input {
    const struct eo_device
        *device;                   /* what is known of it (unknown figures are EO_FIGURE_UNKNOWN) */
    const struct eo_image *target; /* the full image asked for (may itself be gzip) */
    const struct eo_image *target_gzip; /* its gzip (eo_image_gzip), NULL when not made */
    const struct eo_image *core;        /* the core image for step 1, NULL when none was found */
};

#define EO_PLAN_MAX_STEPS 2
#define EO_PLAN_MAX_NOTES 6

struct eo_plan {
    enum eo_route route;
    unsigned step_count;
    struct eo_plan_step steps[EO_PLAN_MAX_STEPS];
    bool resumes;       /* the device already runs a core image: this finishes a two-step */
    bool gzip_accepted; /* the device (or the core of step 1) takes gzip */
    char summary[256];  /* one line: "two steps: core image by web, then the image by espota" */
    char notes[EO_PLAN_MAX_NOTES][160]; /* what could not be learned, what was guessed */
    unsigned note_count;
};

/* Makes the plan. EO_OK for every route but REFUSED (UP_TO_DATE is EO_OK with no steps).
 * Refusals fill err: EO_ERR_IMAGE (a gzip image, and neither the device nor the core image
 * takes gzip: hint CORE_IMAGE), EO_ERR_NOFIT
 * (too big even beside a core image: numbers, hint SERIAL; built for more flash than the
 * device has: hint FLASH_SIZE; two steps needed and no core: hint CORE_IMAGE), EO_ERR_REFUSED
 * (another app: hint OTHER_APP; older version: hint DOWNGRADE; no method the device offers).
 * When free space is unknown the plan is one step with certainty UNKNOWN and a note that a core
 * image goes first if the device says it does not fit (eo_plan_after_nofit). */
enum eo_status eo_plan_make(const struct eo_plan_input *input, const struct eo_plan_policy *policy,
                            struct eo_plan *out, struct eo_error *err);

/* The device refused step 1 of a one-step plan as too big before anything was written (an
 * Updater "not enough space", whatever the method): replans as two steps from the sizes the
 * refusal implies. EO_ERR_NOFIT / CORE_IMAGE as eo_plan_make. */
enum eo_status eo_plan_after_nofit(const struct eo_plan_input *input,
                                   const struct eo_plan_policy *policy, struct eo_plan *out,
                                   struct eo_error *err);

/* Whether the device takes gzip updates: dev era (version ≥ 1.15 or a dev pre-release), unless
 * the device showed otherwise. */
bool eo_plan_device_takes_gzip(const char *version);

/* The image a step sends, from the input. */
const struct eo_image *eo_plan_step_image(const struct eo_plan_input *input,
                                          const struct eo_plan_step *step);

#endif
