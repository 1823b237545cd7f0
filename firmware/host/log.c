/* log.c — the device's log (a file or stderr) and the clock: one line per event, and the
 * monotonic time, the interruptible sleeps and the busy waits (a flash erase that lets acks in
 * flight go on) the emulation uses. */
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

uint64_t vdh_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t vdh_now_ms(void)
{
    return vdh_now_us() / 1000u;
}

#define SLEEP_STEP_US 50000u /* a stop request is seen within this */

/* Sleeps until the monotonic time `end` (µs); false when asked to stop first. */
static bool sleep_until_us(uint64_t end)
{
    while (!vdh_stop) {
        uint64_t now = vdh_now_us();
        if (now >= end)
            return true;
        uint64_t step = end - now < SLEEP_STEP_US ? end - now : SLEEP_STEP_US;
        struct timespec ts = {0, (long)step * 1000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

bool vdh_sleep_us(uint64_t us)
{
    return sleep_until_us(vdh_now_us() + us);
}

bool vdh_sleep_ms(unsigned ms)
{
    return vdh_sleep_us((uint64_t)ms * 1000u);
}

bool vdh_busy_us(uint64_t us, const struct vdh_busy_work *work)
{
    uint64_t end = vdh_now_us() + us;
    while (work && work->run && !vdh_stop) {
        int64_t next = work->run(work->ctx);
        uint64_t now = vdh_now_us();
        if (next < 0 || now + (uint64_t)next >= end)
            break;
        if (!sleep_until_us(now + (uint64_t)next))
            return false;
    }
    return sleep_until_us(end);
}
