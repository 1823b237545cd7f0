/* fuzz_journal.c — libFuzzer target for the replay of a fleet journal (journal.h:
 * eo_journal_replay_text): JSON Lines from a file another run, another version or a crash wrote.
 * Every device replayed is found again by its identity and stands somewhere, and the same text
 * as a site of `report` (sites.h) judges every device into one of batch's states. */
#include <math.h>
#include <string.h>

#include "espurna-ota/journal.h"
#include "espurna-ota/sites.h"

#include "fuzz_input.h"

static void check_state(const struct eo_journal_state *state)
{
    FUZZ_CHECK(FUZZ_TERMINATED(state->last_run));
    for (size_t i = 0; i < state->count; i++) {
        const struct eo_journal_device *device = &state->devices[i];
        FUZZ_CHECK(device->device != NULL);
        FUZZ_CHECK(eo_journal_state_find(state, device->device) == device);
        FUZZ_CHECK(eo_journal_standing_name(device->standing) != NULL);
        FUZZ_CHECK(FUZZ_TERMINATED(device->md5) && FUZZ_TERMINATED(device->version));
        FUZZ_CHECK(FUZZ_TERMINATED(device->run));
        FUZZ_CHECK(device->line >= 1 && device->line <= state->lines);
        FUZZ_CHECK(FUZZ_TERMINATED(device->route) && FUZZ_TERMINATED(device->from));
        FUZZ_CHECK(FUZZ_TERMINATED(device->time));
        FUZZ_CHECK(isfinite(device->seconds) && device->seconds >= 0);
    }
}

/* The text as one site of a report: every device judged, counted once. */
static void check_site(const uint8_t *data, size_t size)
{
    struct eo_sites sites;
    struct eo_error err;
    eo_sites_init(&sites);
    if (eo_sites_add_text(&sites, "site", "site.jsonl", (const char *)data, size, &err) == EO_OK) {
        struct eo_batch_summary summary;
        eo_sites_summarize(&sites, &summary);
        unsigned judged = 0;
        for (int state = 0; state < EO_BATCH_STATE_COUNT; state++)
            judged += summary.count[state];
        FUZZ_CHECK(judged == sites.items[0].state.count);
        for (size_t i = 0; i < sites.items[0].state.count; i++) {
            struct eo_sites_verdict verdict;
            eo_sites_judge(&sites.items[0].state.devices[i], &verdict);
            FUZZ_CHECK(FUZZ_TERMINATED(verdict.message));
            FUZZ_CHECK((verdict.state == EO_BATCH_FAILED) == (verdict.status != EO_OK));
        }
    }
    eo_sites_release(&sites);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eo_journal_state state;
    struct eo_error err;
    if (eo_journal_replay_text("journal.jsonl", (const char *)data, size, &state, &err) == EO_OK)
        check_state(&state);
    else
        FUZZ_CHECK(FUZZ_TERMINATED(err.message));
    eo_journal_state_free(&state);
    check_site(data, size);
    return 0;
}
