/* lies.c — the lying device (--lie): parsing the lies and the answers they give instead of the
 * true ones — over-long TXT records, figures no flash has, counts that run ahead of the data or
 * never end, a terminal that never comes to a prompt, another host name. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "espurna-ota/vocabulary.h"
#include "vdh.h"

#define TXT_STRING_MAX 255u /* one TXT string: a length byte, then at most 255 bytes */
#define LONG_VERSION_LEN 1000u
#define FLOOD_COUNT "1460"
#define FLOOD_BURST_COUNTS 64u
#define FLOOD_TAIL_BYTES 4096u
#define FLOOD_TAIL_PAUSE_MS 10
#define ENDLESS_LONG_EVERY 50u /* every so many lines, one very long run without a line end */
#define ENDLESS_LONG_BYTES 16384u

int vdh_lies_parse(const char *value, struct vdh_lies *lies)
{
    const char *eq = strchr(value, '=');
    size_t name_len = eq ? (size_t)(eq - value) : strlen(value);
    const char *arg = eq ? eq + 1 : NULL;
#define IS(name) (name_len == strlen(name) && strncmp(value, name, name_len) == 0)
    if (IS("txt-long") && !arg)
        lies->txt_long = true;
    else if (IS("ack-flood") && !arg)
        lies->ack_flood = true;
    else if (IS("ack-over") && !arg)
        lies->ack_over = true;
    else if (IS("web-silent") && !arg)
        lies->web_silent = true;
    else if (IS("telnet-endless") && !arg)
        lies->telnet_endless = true;
    else if (IS("numbers") && !arg)
        lies->numbers = true;
    else if (IS("other-host") && arg && arg[0] && strlen(arg) < sizeof lies->other_host &&
             !strpbrk(arg, ". \t"))
        snprintf(lies->other_host, sizeof lies->other_host, "%s", arg);
    else {
        fprintf(stderr,
                "espurna-vdev: --lie '%s': unknown lie or bad value (%s)\n"
                "try 'espurna-vdev --help'\n",
                value, VDH_LIES_NAMES);
        return 2;
    }
#undef IS
    return 0;
}

const char *vdh_lies_hostname(const struct vdh_lies *lies, const char *own)
{
    return lies->other_host[0] ? lies->other_host : own;
}

const char *vdh_lies_version(const struct vdh_lies *lies, const char *own)
{
    static char version[LONG_VERSION_LEN + 1];
    if (!lies->numbers)
        return own;
    for (size_t i = 0; i < LONG_VERSION_LEN; i++) /* 99999999999999999999.999...: huge parts */
        version[i] = i % 21 == 20 ? '.' : '9';
    version[LONG_VERSION_LEN] = '\0';
    return version;
}

/* ---- TXT ----------------------------------------------------------------------------------- */

static void txt_set(struct vd_txt *txt, const char *key, const char *value)
{
    size_t key_len = strlen(key);
    for (unsigned i = 0; i < txt->count; i++)
        if (strncmp(txt->item[i], key, key_len) == 0 && txt->item[i][key_len] == '=') {
            snprintf(txt->item[i], VD_TXT_ITEM_MAX, "%s=%s", key, value);
            return;
        }
}

static void txt_numbers(struct vd_txt *txt)
{
    char version[TXT_STRING_MAX + 1]; /* what fits beside the key */
    size_t len = TXT_STRING_MAX - (sizeof EO_TXT_APP_VERSION - 1) - 1;
    memcpy(version, vdh_lies_version(&(struct vdh_lies){.numbers = true}, ""), len);
    version[len] = '\0';
    txt_set(txt, EO_TXT_FREE_SPACE, "99999999999999999999");
    txt_set(txt, EO_TXT_MEM_SIZE, "0");
    txt_set(txt, EO_TXT_SDK_SIZE, "-1");
    txt_set(txt, EO_TXT_APP_VERSION, version);
}

/* Every string padded to 255 bytes (values grow, keys stay), then extra keys up to the most the
 * record holds here. */
static void txt_long(struct vd_txt *txt)
{
    while (txt->count < VD_TXT_MAX)
        snprintf(txt->item[txt->count], VD_TXT_ITEM_MAX, "x_lie_%02u=", txt->count), txt->count++;
    for (unsigned i = 0; i < txt->count; i++) {
        size_t len = strlen(txt->item[i]);
        if (!strchr(txt->item[i], '='))
            continue;
        memset(txt->item[i] + len, 'L', TXT_STRING_MAX - len);
        txt->item[i][TXT_STRING_MAX] = '\0';
    }
}

void vdh_lies_txt(const struct vdh_lies *lies, struct vd_txt *txt)
{
    if (lies->numbers)
        txt_numbers(txt);
    if (lies->txt_long)
        txt_long(txt);
}

/* ---- espota counts --------------------------------------------------------------------------- */

void vdh_lies_count_text(const struct vdh_lies *lies, uint32_t burst, unsigned index, uint32_t size,
                         char *out, size_t cap)
{
    uint64_t said = burst;
    if (lies->ack_over)
        said = index == 0 ? size : (uint64_t)burst + 4096u;
    snprintf(out, cap, "%llu", (unsigned long long)said);
}

/* Sends what the socket takes now; false once the connection is gone. */
static bool send_now(int fd, const char *data, size_t len)
{
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    return n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

void vdh_lies_flood_burst(int fd)
{
    char text[FLOOD_BURST_COUNTS * (sizeof FLOOD_COUNT - 1) + 1];
    for (unsigned i = 0; i < FLOOD_BURST_COUNTS; i++)
        memcpy(text + i * (sizeof FLOOD_COUNT - 1), FLOOD_COUNT, sizeof FLOOD_COUNT - 1);
    send_now(fd, text, sizeof text - 1);
}

/* Whether the peer closed (or reset) the connection; what it sent is read and dropped. */
static bool peer_gone(int fd, int wait_ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0)
        return false;
    char drop[512];
    ssize_t n = recv(fd, drop, sizeof drop, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

void vdh_lies_flood_until_closed(int fd, unsigned max_ms)
{
    static char text[FLOOD_TAIL_BYTES];
    for (size_t i = 0; i + sizeof FLOOD_COUNT - 1 <= sizeof text; i += sizeof FLOOD_COUNT - 1)
        memcpy(text + i, FLOOD_COUNT, sizeof FLOOD_COUNT - 1);
    uint64_t end = vdh_now_ms() + max_ms;
    unsigned long sent = 0;
    vdh_log("espota: lie ack-flood: counts without end until the host closes");
    while (!vdh_stop && vdh_now_ms() < end) {
        if (!send_now(fd, text, sizeof text) || peer_gone(fd, FLOOD_TAIL_PAUSE_MS))
            break;
        sent++;
    }
    vdh_log("espota: lie ack-flood: stopped after %lu blocks of counts", sent);
}

/* ---- terminal ------------------------------------------------------------------------------ */

/* Sends all of data unless the client goes away, the time is up or the process stops. */
static bool send_all(int fd, const char *data, size_t len, uint64_t end)
{
    while (len > 0) {
        if (vdh_stop || vdh_now_ms() >= end)
            return false;
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return false;
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (peer_gone(fd, 20)) {
            return false;
        }
    }
    return true;
}

void vdh_lies_telnet_endless(int fd, unsigned max_ms)
{
    static char long_run[ENDLESS_LONG_BYTES];
    memset(long_run, 'z', sizeof long_run);
    uint64_t end = vdh_now_ms() + max_ms;
    unsigned long lines = 0;
    char line[128];
    vdh_log("telnet: lie telnet-endless: output without end, no prompt");
    for (bool going = true; going; lines++) {
        int n = snprintf(line, sizeof line, "[%06lu] [MAIN] still busy, line %lu of many\r\n",
                         lines % 1000000u, lines);
        going = send_all(fd, line, (size_t)n, end) && !peer_gone(fd, 0);
        if (going && lines % ENDLESS_LONG_EVERY == ENDLESS_LONG_EVERY - 1)
            going = send_all(fd, long_run, sizeof long_run, end);
    }
    vdh_log("telnet: lie telnet-endless: stopped after %lu lines", lines);
}
