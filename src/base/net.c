/* net.c — socket helpers: local address facing a device, numeric addresses, clock, bounded
 * waits. */
#include "espurna-ota/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum eo_status eo_net_sockaddr(const char *address, uint16_t port, struct sockaddr_storage *out,
                               socklen_t *len, struct eo_error *err)
{
    memset(out, 0, sizeof *out);
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *len = sizeof *v4;
        return EO_OK;
    }
    if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *len = sizeof *v6;
        return EO_OK;
    }
    return eo_error_set(err, EO_ERR_USAGE, "'%s' is not a numeric IP address", address);
}

enum eo_status eo_net_local_address_for(const char *remote, char out[EO_NET_ADDRESS_MAX],
                                        struct eo_error *err)
{
    struct sockaddr_storage peer, local;
    socklen_t peer_len, local_len = sizeof local;
    enum eo_status status = eo_net_sockaddr(remote, 9, &peer, &peer_len, err);
    if (status != EO_OK)
        return status;
    int fd = socket(peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot create a socket: %s", strerror(errno));
    int rc = connect(fd, (struct sockaddr *)&peer, peer_len);
    if (rc == 0)
        rc = getsockname(fd, (struct sockaddr *)&local, &local_len);
    int saved = errno;
    close(fd);
    if (rc != 0)
        return eo_error_set(err, EO_ERR_UNREACHABLE,
                            "no route to %s: %s; check the address and "
                            "this host's network",
                            remote, strerror(saved));
    if (getnameinfo((struct sockaddr *)&local, local_len, out, EO_NET_ADDRESS_MAX, NULL, 0,
                    NI_NUMERICHOST) != 0)
        return eo_error_set(err, EO_ERR_INTERNAL, "cannot format the local address facing %s",
                            remote);
    return EO_OK;
}

void eo_net_address_text(const struct sockaddr *address, char *out, size_t cap)
{
    out[0] = '\0';
    if (address && address->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)address)->sin_addr, out, (socklen_t)cap);
    } else if (address && address->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)address)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6))
            inet_ntop(AF_INET, &a6->s6_addr[12], out, (socklen_t)cap);
        else
            inet_ntop(AF_INET6, a6, out, (socklen_t)cap);
    }
}

bool eo_net_canonical_address(const char *text, char *out, size_t cap)
{
    struct sockaddr_storage address;
    socklen_t len;
    if (!text || eo_net_sockaddr(text, 0, &address, &len, NULL) != EO_OK)
        return false;
    eo_net_address_text((const struct sockaddr *)&address, out, cap);
    return out[0] != '\0';
}

uint16_t eo_net_bound_port(int fd)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &len) != 0)
        return 0;
    if (local.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&local)->sin_port);
    if (local.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&local)->sin6_port);
    return 0;
}

double eo_net_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int eo_net_ms_left(double deadline)
{
    double ms = (deadline - eo_net_now()) * 1000.0;
    if (ms <= 0)
        return 0;
    if (ms >= (double)INT_MAX)
        return INT_MAX;
    return (int)(ms + 0.999);
}

int eo_net_wait(int fd, short events, int timeout_ms)
{
    double deadline = eo_net_now() + timeout_ms / 1000.0;
    struct pollfd pfd = {.fd = fd, .events = events};
    for (;;) {
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc > 0)
            return pfd.revents;
        if (rc == 0)
            return 0;
        if (errno != EINTR)
            return -1;
        timeout_ms = eo_net_ms_left(deadline);
    }
}

#define CANCEL_SLICE_MS 100

int eo_net_poll_cancellable(struct pollfd *fds, nfds_t count, int timeout_ms,
                            const struct eo_cancel *cancel)
{
    double deadline = eo_net_now() + timeout_ms / 1000.0;
    for (;;) {
        if (eo_cancelled(cancel))
            return 0;
        int left = eo_net_ms_left(deadline);
        int rc = poll(fds, count, left < CANCEL_SLICE_MS ? left : CANCEL_SLICE_MS);
        if (rc > 0 || (rc < 0 && errno != EINTR))
            return rc;
        if (eo_net_ms_left(deadline) == 0)
            return 0;
    }
}

bool eo_net_port_accepts(const char *address, uint16_t port, unsigned timeout_ms)
{
    struct sockaddr_storage addr;
    socklen_t len;
    if (!port || !address || !address[0] ||
        eo_net_sockaddr(address, port, &addr, &len, NULL) != EO_OK)
        return false;
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int error = 0;
    socklen_t error_len = sizeof error;
    bool ok = connect(fd, (struct sockaddr *)&addr, len) == 0 ||
              (errno == EINPROGRESS && eo_net_wait(fd, POLLOUT, (int)timeout_ms) > 0 &&
               getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_len) == 0 && error == 0);
    close(fd);
    return ok;
}
