/* net.h — small socket helpers shared by the transports: which local address faces a device
 * (the route the kernel would take), numeric socket addresses, a monotonic clock and poll with
 * a deadline. Blocking-I/O-with-timeouts style: every wait is bounded. */
#ifndef ESPURNA_OTA_NET_H
#define ESPURNA_OTA_NET_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "espurna-ota/cancel.h"
#include "espurna-ota/status.h"

#define EO_NET_ADDRESS_MAX 64

/* The local address the kernel would use to reach `remote` (numeric IPv4/IPv6): connects a UDP
 * socket (which sends nothing) and reads its name. EO_ERR_UNREACHABLE when there is no route. */
enum eo_status eo_net_local_address_for(const char *remote, char out[EO_NET_ADDRESS_MAX],
                                        struct eo_error *err);

/* Fills a socket address from a numeric address and a port. EO_ERR_USAGE when not numeric. */
enum eo_status eo_net_sockaddr(const char *address, uint16_t port, struct sockaddr_storage *out,
                               socklen_t *len, struct eo_error *err);

/* The numeric text of a socket address, an IPv4-mapped IPv6 address as IPv4; "" for NULL or
 * another family. */
void eo_net_address_text(const struct sockaddr *address, char *out, size_t cap);

/* The canonical numeric form of an address given as text; false when it is not numeric. */
bool eo_net_canonical_address(const char *text, char *out, size_t cap);

/* The port of a bound socket, 0 on error. */
uint16_t eo_net_bound_port(int fd);

/* Seconds on a monotonic clock. */
double eo_net_now(void);

/* Milliseconds left until `deadline` (eo_net_now() based), clamped to [0, INT_MAX]. */
int eo_net_ms_left(double deadline);

/* Whether something accepts a TCP connection on address:port (numeric) within timeout_ms. */
bool eo_net_port_accepts(const char *address, uint16_t port, unsigned timeout_ms);

/* poll() on one descriptor for `events` up to timeout_ms, restarting on EINTR. Returns the
 * revents (> 0), 0 on timeout, -1 on error (errno set). */
int eo_net_wait(int fd, short events, int timeout_ms);

/* poll() for up to timeout_ms in slices of at most 100 ms, ending early once `cancel` is set
 * (NULL: never). Returns poll()'s count (> 0), 0 on timeout or cancellation, -1 on error. */
int eo_net_poll_cancellable(struct pollfd *fds, nfds_t count, int timeout_ms,
                            const struct eo_cancel *cancel);

#endif
