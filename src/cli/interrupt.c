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
    const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction inherited;
        /* a signal the parent ignores stays ignored: nohup's SIGHUP, a shell's background
         * job's SIGINT */
        if (sigaction(signals[i], NULL, &inherited) == 0 && inherited.sa_handler == SIG_IGN)
            continue;
        sigaction(signals[i], &action, NULL);
    }
    return &cancel;
}
