/* main.c — espurna-vdev: a virtual ESPurna device on the host. Parses the options, prepares the
 * flash, boots, and runs the poll loop until SIGTERM/SIGINT or the watchdog. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vdh.h"

static volatile sig_atomic_t watchdog_fired;

static void on_signal(int sig)
{
    if (sig == SIGALRM)
        watchdog_fired = 1;
    vdh_stop = 1;
}

static void install_signals(unsigned watchdog)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (watchdog)
        alarm(watchdog);
}

static bool write_pid_file(const char *path)
{
    if (!path)
        return true;
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
        vdh_log("cannot write pid file %s: %m", path);
        return false;
    }
    return true;
}

/* Address, chip id, MAC (Espressif OUI + chip id), hostname. */
static bool derive_identity(struct vdh_device *dev)
{
    if (inet_pton(AF_INET, dev->opts.address, &dev->address) != 1) {
        fprintf(stderr,
                "espurna-vdev: --address '%s' is not an IPv4 address\ntry 'espurna-vdev --help'\n",
                dev->opts.address);
        return false;
    }
    if (dev->opts.chip_id == UINT32_MAX)
        dev->opts.chip_id = ntohl(dev->address.s_addr) & 0xFFFFFF;
    dev->espota_port = (uint16_t)dev->opts.espota_port;
    dev->web_port = (uint16_t)dev->opts.web_port;
    dev->telnet_port = (uint16_t)dev->opts.telnet_port;
    uint32_t id = dev->opts.chip_id;
    const uint8_t mac[6] = {0x5C, 0xCF, 0x7F, (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    memcpy(dev->mac, mac, sizeof mac);
    if (dev->opts.hostname)
        snprintf(dev->hostname, sizeof dev->hostname, "%s", dev->opts.hostname);
    else
        snprintf(dev->hostname, sizeof dev->hostname, "ESPURNA-%06X", (unsigned)id);
    return true;
}

static int add_fd(struct pollfd *fds, int n, int fd)
{
    if (fd >= 0)
        fds[n++] = (struct pollfd){fd, POLLIN, 0};
    return n;
}

static int loop_timeout(struct vdh_device *dev)
{
    int timeout = 1000, web = vdh_web_timeout_ms(dev), timers = vdh_timers_next_ms(dev);
    if (web >= 0 && web < timeout)
        timeout = web;
    if (timers >= 0 && timers < timeout)
        timeout = timers;
    return timeout;
}

static bool loop_once(struct vdh_device *dev)
{
    if (vdh_timers_next_ms(dev) == 0)
        return vdh_timers_run(dev);
    struct pollfd fds[3 + VDH_WEB_POLL_MAX];
    int n = add_fd(fds, 0, dev->udp_fd);
    n = add_fd(fds, n, dev->telnet_fd);
    n = add_fd(fds, n, dev->client_fd);
    n = vdh_web_poll_fds(dev, fds, n, (int)(sizeof fds / sizeof fds[0]));
    if (poll(fds, (nfds_t)n, loop_timeout(dev)) < 0 && errno != EINTR)
        return false;
    for (int i = 0; i < n && !vdh_stop; i++) {
        if (!(fds[i].revents & (POLLIN | POLLERR | POLLHUP)))
            continue;
        if (fds[i].fd == dev->udp_fd)
            vdh_espota_readable(dev);
        else if (fds[i].fd == dev->telnet_fd)
            vdh_telnet_accept(dev);
        else if (fds[i].fd == dev->client_fd)
            vdh_telnet_readable(dev);
    }
    vdh_web_run(dev);
    return true;
}

static int run(struct vdh_device *dev)
{
    const struct vdh_timing *timing = &dev->opts.timing;
    if (!vdh_flash_open(&dev->flash, dev->opts.flash_path, dev->opts.flash_size,
                        vdh_scaled_us(timing, timing->sector_us)))
        return 1;
    if (dev->opts.install && !vdh_flash_install(&dev->flash, dev->opts.install))
        return 1;
    if (!dev->opts.no_mdns)
        vdh_mdns_init(dev);
    if (!vdh_boot(dev))
        return 1;
    while (!vdh_stop)
        if (!loop_once(dev))
            return 1;
    if (watchdog_fired) {
        vdh_log("watchdog: %u s passed, exiting", dev->opts.watchdog);
        return 1;
    }
    vdh_log("stopping");
    return 0;
}

int main(int argc, char **argv)
{
    static struct vdh_device dev;
    int rc = vdh_options_parse(argc, argv, &dev.opts);
    if (rc)
        return rc == 1 ? 0 : 2;
    dev.udp_fd = dev.telnet_fd = dev.client_fd = dev.flash.fd = -1;
    if (!derive_identity(&dev))
        return 2;
    if (!vdh_log_open(dev.opts.log_file))
        return 1;
    install_signals(dev.opts.watchdog);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = write_pid_file(dev.opts.pid_file) ? run(&dev) : 1;
    vdh_shutdown(&dev);
    curl_global_cleanup();
    vdh_log_close();
    return rc;
}
