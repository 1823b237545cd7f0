/* fuzz_journal.c — libFuzzer target for the replay of a fleet journal (journal.h:
 * eo_journal_replay_text): JSON Lines from a file another run, another version or a crash wrote.
 * Every device replayed is found again by its identity and stands somewhere. */
#include "espurna-ota/journal.h"

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
    }
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
    return 0;
}
