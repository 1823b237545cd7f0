/* eo-waves.c — test driver for the rollout split of `batch`: which wave each device of a fleet
 * falls into, by the same eo_rollout_assign (stable FNV-1a hash of the chip id) the tool runs,
 * so an end-to-end script can say which devices a wave holds instead of guessing. Prints one
 * line per id, in the order given: "ID WAVE" (with --canary, wave 0 is the canary).
 *
 *   eo-waves [--canary N] [--waves P,P,...] ID...
 * Exit status: 0, or 2 with a one-line message for a bad option. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espurna-ota/rollout.h"

static int usage(const char *why)
{
    fprintf(stderr, "eo-waves: %s\nusage: eo-waves [--canary N] [--waves P,P,...] ID...\n", why);
    return 2;
}

int main(int argc, char **argv)
{
    struct eo_rollout_policy policy;
    struct eo_error err;
    eo_rollout_policy_init(&policy);
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        enum eo_status status;
        if (strcmp(argv[i], "--canary") == 0)
            status = eo_rollout_parse_canary(argv[i + 1], &policy, &err);
        else if (strcmp(argv[i], "--waves") == 0)
            status = eo_rollout_parse_waves(argv[i + 1], &policy, &err);
        else
            return usage("unknown option");
        if (status != EO_OK)
            return usage(err.message);
    }
    size_t count = (size_t)(argc - i);
    if (count == 0)
        return usage("no device ids");
    const char *const *ids = (const char *const *)&argv[i];
    unsigned *wave_of = calloc(count, sizeof *wave_of), wave_count = 0;
    if (!wave_of || eo_rollout_assign(ids, count, &policy, wave_of, &wave_count) != EO_OK) {
        free(wave_of);
        return usage("out of memory");
    }
    for (size_t d = 0; d < count; d++)
        printf("%s %u\n", ids[d], wave_of[d]);
    free(wave_of);
    return 0;
}
