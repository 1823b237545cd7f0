/* interrupt.h — SIGINT, SIGTERM and SIGHUP end a run cleanly: the handler only records the signal
 * in the one struct eo_cancel the commands pass to the library, whose waits notice it and end
 * with EO_ERR_INTERRUPTED and a statement of where the device stands. */
#ifndef ESPURNA_OTA_CLI_INTERRUPT_H
#define ESPURNA_OTA_CLI_INTERRUPT_H

#include "espurna-ota/cancel.h"

/* Installs the handlers (without SA_RESTART, so blocking calls return EINTR) and returns the
 * cancellation they set. A signal the parent process ignores (nohup's SIGHUP, SIGINT in a
 * shell's background job) stays ignored. A second signal of the same kind ends the process at
 * once. */
const struct eo_cancel *cli_interrupt_install(void);

#endif
