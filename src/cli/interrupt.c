/* interrupt.c — signal handlers that turn SIGINT/SIGTERM/SIGHUP into a cancellation request. */
#include "interrupt.h"

#include <signal.h>
#include <string.h>

static struct eo_cancel cancel;

static void on_signal(int signo)
{
    if (cancel.signal == signo) { /* asked twice: stop now, the default way */
        signal(signo, SIG_DFL);
        raise(signo);
        return;
    }
    cancel.signal = signo;
}

const struct eo_cancel *cli_interrupt_install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: waits see EINTR and check the cancellation */
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
    return &cancel;
}
