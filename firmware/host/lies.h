/* lies.h — a lying device (--lie NAME[=V], repeatable): answers no real ESPurna gives, so the
 * tests can show that the host tool stays bounded in time and memory and says what happened.
 * Kept apart from the faults (--fault), which emulate things that go wrong on real devices. */
#ifndef VDH_LIES_H
#define VDH_LIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vd_identity.h"

#define VDH_LIES_NAMES                                                                             \
    "txt-long, ack-flood, ack-over, web-silent, telnet-endless, numbers, "                         \
    "other-host=NAME"

struct vdh_lies {
    bool txt_long;       /* every TXT value padded to 255 bytes, extra keys */
    bool ack_flood;      /* espota: counts without end, faster than the data */
    bool ack_over;       /* espota: counts run ahead of what the host sent */
    bool web_silent;     /* POST /upgrade: the body is read, the answer never comes */
    bool telnet_endless; /* terminal: output without end after the first line, no prompt */
    bool numbers;        /* huge, negative and zero figures in TXT and /discover */
    char other_host[64]; /* answers (mDNS, /discover, info) as this host name; "" = its own */
};

/* One --lie value into lies. 0, or 2 after a usage message on stderr. */
int vdh_lies_parse(const char *value, struct vdh_lies *lies);

/* The host name the device answers as: other-host's, else its own. */
const char *vdh_lies_hostname(const struct vdh_lies *lies, const char *own);

/* The version /discover shows: 1000 characters of huge numbers with `numbers`, else own. */
const char *vdh_lies_version(const struct vdh_lies *lies, const char *own);

/* Rewrites the _arduino._tcp TXT strings for txt-long and numbers. */
void vdh_lies_txt(const struct vdh_lies *lies, struct vd_txt *txt);

/* The text of one espota count: `burst` bytes read, the `index`-th count of a transfer of
 * `size` bytes; ack-over makes the first one the whole size and every later one 4096 more. */
void vdh_lies_count_text(const struct vdh_lies *lies, uint32_t burst, unsigned index, uint32_t size,
                         char *out, size_t cap);

/* ack-flood: a burst of count texts on fd, sent at once (no wait). */
void vdh_lies_flood_burst(int fd);

/* ack-flood after the last byte: counts without end until the host closes the connection,
 * the process is asked to stop, or max_ms pass. */
void vdh_lies_flood_until_closed(int fd, unsigned max_ms);

/* telnet-endless: output lines (some very long, none a prompt or +OK) until the client closes,
 * the process is asked to stop, or max_ms pass. */
void vdh_lies_telnet_endless(int fd, unsigned max_ms);

#endif
