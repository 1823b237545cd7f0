/* rollout.h — the policy of `batch` over a fleet, as pure functions (no I/O, no threads, no
 * clock): the --canary / --waves / --max-failures options, which wave each device falls into,
 * whether the next wave may start, which failures are worth a retry and how long to wait
 * before it. The scheduler that runs the devices calls these; they decide, it acts. */
#ifndef ESPURNA_OTA_ROLLOUT_H
#define ESPURNA_OTA_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espurna-ota/status.h"

#define EO_ROLLOUT_WAVES_MAX 16       /* waves after the canary */
#define EO_ROLLOUT_COUNT_MAX 1000000u /* largest --canary and --max-failures count */
#define EO_ROLLOUT_BACKOFF_CAP_MS 60000u

enum eo_rollout_limit {
    EO_ROLLOUT_LIMIT_NONE = 0, /* no --max-failures: every wave starts */
    EO_ROLLOUT_LIMIT_COUNT,    /* --max-failures K */
    EO_ROLLOUT_LIMIT_PERCENT,  /* --max-failures K% */
};

struct eo_rollout_policy {
    unsigned canary;     /* devices upgraded first, before any wave; 0 = no canary */
    unsigned wave_count; /* waves after the canary, 1..EO_ROLLOUT_WAVES_MAX */
    /* cumulative percentages of the devices left after the canary, strictly increasing,
     * the last one 100 */
    unsigned char waves[EO_ROLLOUT_WAVES_MAX];
    enum eo_rollout_limit limit;
    unsigned max_failures; /* K: a count (1..EO_ROLLOUT_COUNT_MAX) or a percentage (1..100) */
};

/* The defaults: no canary, one wave of 100 %, no failure limit. */
void eo_rollout_policy_init(struct eo_rollout_policy *policy);

/* Option parsers. Each fills its part of `policy` and returns EO_OK, or leaves `policy` as it
 * was and returns EO_ERR_USAGE with a one-line message naming the option and the value:
 *   --canary N        decimal digits only, 0..EO_ROLLOUT_COUNT_MAX
 *                     "canary 'x': not a number of devices"
 *                     "canary '2000000': at most 1000000 devices"
 *   --waves P,P,...   decimal percentages separated by commas, nothing else
 *                     "waves '10,,100': not a list of percentages such as 10,50,100"
 *                     "waves '0,100': each wave must be between 1 and 100"
 *                     "waves '10,5,100': each wave must be larger than the one before"
 *                     "waves '10,50': the last wave must be 100"
 *                     "waves '1,2,...': at most 16 waves"
 *   --max-failures K or K%
 *                     "max-failures 'x': not a count or a percentage such as 3 or 10%"
 *                     "max-failures '0': must be at least 1 (the rollout stops once failures
 *                      reach it)"  (also for '0%')
 *                     "max-failures '2000000': at most 1000000"
 *                     "max-failures '150%': a percentage must be at most 100%" */
enum eo_status eo_rollout_parse_canary(const char *text, struct eo_rollout_policy *policy,
                                       struct eo_error *err);
enum eo_status eo_rollout_parse_waves(const char *text, struct eo_rollout_policy *policy,
                                      struct eo_error *err);
enum eo_status eo_rollout_parse_max_failures(const char *text, struct eo_rollout_policy *policy,
                                             struct eo_error *err);

/* The stable hash of a device: FNV-1a 64 over the bytes of `id` upper-cased (ASCII only), so
 * "1a2b3c" and "1A2B3C" are the same device. NULL hashes as "". */
uint64_t eo_rollout_hash(const char *id);

/* Splits a fleet into waves. ids[i] is device i's chip id, or its identity string (name or
 * address) when it has no chip id: the caller chooses, the same way on every run.
 * The devices are ranked by eo_rollout_hash (ties, which only equal ids make, by the upper-case
 * text, then by position), so the split depends on the set of ids, never on their order:
 *  - the canary is the min(canary, count) devices of smallest hash;
 *  - of the R devices left, ranked 0..R-1, wave i takes ranks below ceil(R * waves[i] / 100)
 *    and not taken by an earlier wave. Ceil: a first wave of 10 % of 3 devices is 1 device,
 *    never 0; later waves may be empty (the caller skips empty waves, still gating on them or
 *    not as it likes: an empty wave changes no count).
 * Adding one device shifts each wave boundary by at most one rank, so few devices move.
 * wave_of[i] (count entries, may be NULL when count is 0) receives device i's wave: with a
 * canary, 0 is the canary and 1..wave_count the waves; without one, 0..wave_count-1 are the
 * waves. *wave_count receives the number of waves including the canary's, empty ones counted.
 * Returns EO_OK, or EO_ERR_INTERNAL when out of memory (wave_of then untouched); no error
 * record: there is nothing else that can fail. */
enum eo_status eo_rollout_assign(const char *const *ids, size_t count,
                                 const struct eo_rollout_policy *policy, unsigned *wave_of,
                                 unsigned *wave_count);

/* The gate between waves: whether the next wave may start, given the devices attempted so far
 * over the whole run (canary included) and how many of them failed. Devices offline, skipped
 * (already on the target) or not reached yet are not attempted: the caller leaves them out.
 * The rollout stops once failures REACH the limit:
 *   K    stops when failed >= K (so K-1 failures are tolerated; K = 1 stops at the first);
 *   K%   stops when failed > 0 and failed * 100 >= K * attempted (0 failures never stop it;
 *        100% stops only when every attempted device failed).
 * Without a limit it always continues. The canary is stricter: see eo_rollout_canary_passed. */
bool eo_rollout_may_continue(const struct eo_rollout_policy *policy, unsigned attempted,
                             unsigned failed);

/* After the canary: the waves start only if no canary device failed, whatever --max-failures
 * says (a canary exists to stop the rollout on the first sign of trouble), and only if the
 * gate above passes too. */
bool eo_rollout_canary_passed(const struct eo_rollout_policy *policy, unsigned attempted,
                              unsigned failed);

/* Whether a failed attempt is worth another try (up to --retries):
 *   transient: EO_ERR_UNREACHABLE unless the hint is EO_HINT_WRONG_DEVICE (another device
 *              answers there); EO_ERR_TRANSFER; EO_ERR_REFUSED with EO_HINT_BUSY (another
 *              update was running); EO_ERR_UNKNOWN only once the device came back on the image
 *              it ran before, which the upgrade reports with a hint other than
 *              EO_HINT_CHECK_VERSION (with that hint nobody has looked yet: it may be
 *              installing, so it is not sent again blind);
 *   permanent: everything else — EO_OK, AUTH (password rotation is the caller's, not a retry),
 *              NOFIT, IMAGE, FILE, INPUT, USAGE, INTERNAL, DISCOVERY, VERIFY, REFUSED with any
 *              other hint (downgrade, other app, no space), and INTERRUPTED (never retried). */
bool eo_rollout_is_transient(enum eo_status status, enum eo_hint hint);

/* The wait before retry number `attempt` (1 = the first retry; 0 counts as 1):
 * base_ms * 2^(attempt-1), capped at EO_ROLLOUT_BACKOFF_CAP_MS, then moved by a jitter within
 * ±20 % of that (rounded down) and capped again, so the result is never above 60 s. The
 * jitter is a function of (seed, attempt) only: the same seed gives the same waits; give each
 * device its own seed (its hash) so that retries spread out. base_ms 0 gives 0. */
unsigned eo_rollout_backoff_ms(unsigned attempt, unsigned base_ms, uint64_t seed);

#endif
