/* telnet.c — the terminal over TCP: one client at a time (a second one is closed at once),
 * bytes into the core terminal, its actions (close, reboot, reset.safe, ota <url>) carried out
 * here. A 1.14 core build runs the commands and prints nothing (DEBUG_TELNET_SUPPORT 0). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vdh.h"

#define LIE_ENDLESS_MAX_MS 120000 /* telnet-endless: the output ends by then at the latest */

static void client_write(void *ctx, const char *data, size_t len)
{
    struct vdh_device *dev = ctx;
    if (dev->client_fd < 0)
        return;
    while (len > 0) {
        ssize_t n = send(dev->client_fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            vdh_sleep_ms(5);
            continue;
        }
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

static uint64_t uptime_ms(void *ctx)
{
    const struct vdh_device *dev = ctx;
    return vdh_now_ms() - dev->boot_ms;
}

void vdh_telnet_accept(struct vdh_device *dev)
{
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    int fd = accept4(dev->telnet_fd, (struct sockaddr *)&from, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    char addr[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &from.sin_addr, addr, sizeof addr);
    if (dev->client_fd >= 0) {
        vdh_log("telnet: %s refused: a client is already connected", addr);
        close(fd);
        return;
    }
    vdh_log("telnet: client %s connected", addr);
    dev->client_fd = fd;
    struct vd_terminal_config config = {
        .era = dev->era,
        .silent = vd_era_is_1_14(dev->era) && dev->identity.desc.kind == EO_KIND_CORE,
        /* core/minimal builds skip the password */
        .password = dev->identity.desc.kind == EO_KIND_FULL ? dev->opts.password : NULL,
        .identity = &dev->identity,
        .hostname = vdh_lies_hostname(&dev->opts.lies, dev->hostname),
        .chip_id = dev->opts.chip_id,
        .safe_mode = dev->safe_mode,
        .boot_counter = dev->stability.counter,
    };
    memcpy(config.mac, dev->mac, sizeof config.mac);
    struct vd_terminal_io io = {dev, client_write, uptime_ms};
    vd_terminal_open(&dev->term, &config, &io);
}

void vdh_telnet_close(struct vdh_device *dev)
{
    if (dev->client_fd >= 0)
        vdh_log("telnet: client disconnected");
    vdh_close(&dev->client_fd);
}

void vdh_telnet_readable(struct vdh_device *dev)
{
    char buf[1024];
    ssize_t n = recv(dev->client_fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        vdh_telnet_close(dev);
        return;
    }
    if (dev->opts.lies.telnet_endless && memchr(buf, '\n', (size_t)n)) {
        vdh_lies_telnet_endless(dev->client_fd, LIE_ENDLESS_MAX_MS);
        vdh_telnet_close(dev);
        return;
    }
    int actions = vd_terminal_input(&dev->term, buf, (size_t)n);
    if (actions & VD_TERM_OTA) {
        vdh_log("telnet: ota %s", dev->term.ota_url);
        vdh_fetch_run(dev, dev->term.ota_url);
    }
    if (actions & VD_TERM_REBOOT) {
        vdh_log("telnet: reset");
        vdh_schedule_reboot(dev, 100, VD_RESET_SOFTWARE);
    }
    if (actions & VD_TERM_REBOOT_SAFE) {
        vdh_log("telnet: reset.safe: stability counter at its maximum");
        vd_stability_force_unstable(&dev->stability);
        vdh_schedule_reboot(dev, 100, VD_RESET_SOFTWARE);
    }
    if (actions & VD_TERM_CLOSE) {
        vdh_log("telnet: wrong password");
        vdh_telnet_close(dev);
    }
}

struct vd_terminal *vdh_telnet_terminal(struct vdh_device *dev)
{
    return dev->client_fd >= 0 ? &dev->term : NULL;
}
