/* cancel.h — cancellation that every wait honours: the owner (the CLI's signal handler, a test,
 * later a fleet scheduler) sets `signal`; every library loop that waits checks it at least every
 * 100 ms and ends with EO_ERR_INTERRUPTED and a message saying where the device stands. */
#ifndef ESPURNA_OTA_CANCEL_H
#define ESPURNA_OTA_CANCEL_H

#include <signal.h>
#include <stdbool.h>

struct eo_cancel {
    volatile sig_atomic_t signal; /* 0: go on; else the signal (or any positive number) that
                                   * asked to stop */
};

/* Whether the run was asked to stop (NULL: never). */
static inline bool eo_cancelled(const struct eo_cancel *cancel)
{
    return cancel && cancel->signal != 0;
}

/* The signal that asked to stop (SIGINT when it was not a signal), 0 when none. */
static inline int eo_cancel_signal(const struct eo_cancel *cancel)
{
    if (!eo_cancelled(cancel))
        return 0;
    return cancel->signal > 0 && cancel->signal < 64 ? (int)cancel->signal : SIGINT;
}

#endif
