/* log.c — the device's log (a file or stderr) and the clock: one line per event, and the
 * monotonic time and interruptible sleeps the emulation uses. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vdh.h"

static FILE *log_file;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER; /* avahi's thread logs too */
volatile sig_atomic_t vdh_stop;

bool vdh_log_open(const char *path)
{
    if (!path)
        return true;
    log_file = fopen(path, "a");
    if (!log_file) {
        fprintf(stderr, "espurna-vdev: cannot open log %s: %s\n", path, strerror(errno));
        return false;
    }
    setvbuf(log_file, NULL, _IOLBF, 0);
    return true;
}

void vdh_log_close(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

void vdh_log(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    pthread_mutex_lock(&log_lock);
    FILE *out = log_file ? log_file : stderr;
    vfprintf(out, format, ap);
    fputc('\n', out);
    fflush(out);
    pthread_mutex_unlock(&log_lock);
    va_end(ap);
}

uint64_t vdh_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool vdh_sleep_ms(unsigned ms)
{
    uint64_t end = vdh_now_ms() + ms;
    while (!vdh_stop) {
        uint64_t now = vdh_now_ms();
        if (now >= end)
            return true;
        uint64_t step = end - now < 50 ? end - now : 50;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}
