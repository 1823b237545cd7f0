/* net.c — sockets bound to the device's address: TCP listeners and the UDP espota socket, and
 * lwIP's shape for the TCP sockets that take an image. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vdh.h"

static int bound_socket(int type, struct in_addr address, uint16_t *port)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(*port), .sin_addr = address};
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

int vdh_listen_tcp(struct in_addr address, uint16_t *port)
{
    int fd = bound_socket(SOCK_STREAM, address, port);
    if (fd >= 0 && listen(fd, 8) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int vdh_bind_udp(struct in_addr address, uint16_t *port)
{
    return bound_socket(SOCK_DGRAM, address, port);
}

/* Linux doubles SO_RCVBUF and advertises about half of it (the rest covers its own overhead),
 * so the window the host sees is about rcvbuf, as lwIP's TCP_WND. rcvbuf 0 leaves the socket
 * as the kernel makes it, MSS included: the tests that ask for the kernel's autotuned buffers
 * were written against its loopback sockets, and lwIP's MSS with such buffers is a mix no
 * device has. */
void vdh_lwip_socket(int fd, unsigned rcvbuf)
{
    int mss = VDH_LWIP_MSS, size = (int)rcvbuf;
    if (rcvbuf == 0)
        return;
    setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

void vdh_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}
