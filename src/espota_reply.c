/* espota_reply.c — parses what the device sends on the espota TCP connection: decimal byte
 * counts with no separator while the image flows, then one verdict ("OK", "ERROR[n]: text\n",
 * or an ESP32 error line). Counts may be glued to each other or to the verdict ("392OK") and
 * any of it may be split across reads, so the parser keeps no assumption about boundaries:
 * digits before the first non-digit are counts, everything from the first non-digit on is the
 * verdict text. */
#include "espurna-ota/espota.h"

#include <stdlib.h>
#include <string.h>

void eo_espota_reply_init(struct eo_espota_reply *reply)
{
    memset(reply, 0, sizeof *reply);
}

static void add_text(struct eo_espota_reply *reply, char c)
{
    if (c == '\n') {
        reply->text_complete = true;
        return;
    }
    if (c == '\r' || c == '\0')
        return;
    if (reply->text_len + 1 < sizeof reply->text)
        reply->text[reply->text_len++] = c;
    reply->text[reply->text_len] = '\0';
}

static void add_digit(struct eo_espota_reply *reply, char c)
{
    uint64_t digit = (uint64_t)(c - '0');
    reply->digit_chars++;
    if (reply->feed_value > (UINT64_MAX - digit) / 10)
        reply->feed_value = UINT64_MAX;
    else
        reply->feed_value = reply->feed_value * 10 + digit;
}

size_t eo_espota_reply_feed(struct eo_espota_reply *reply, const char *data, size_t len)
{
    size_t digits = 0;
    reply->feed_value = 0;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (!reply->text_started && c >= '0' && c <= '9') {
            add_digit(reply, c);
            digits++;
        } else if (!reply->text_started && (c == '\r' || c == '\n' || c == ' ')) {
            continue; /* separators some devices put between counts */
        } else if (!reply->text_complete) {
            reply->text_started = true;
            add_text(reply, c);
        }
    }
    return digits;
}

void eo_espota_reply_close(struct eo_espota_reply *reply)
{
    if (reply->text_started)
        reply->text_complete = true;
}

enum eo_espota_verdict eo_espota_reply_verdict(const struct eo_espota_reply *reply)
{
    if (!reply->text_started)
        return EO_ESPOTA_VERDICT_NONE;
    if (strchr(reply->text, 'E') || strchr(reply->text, 'e'))
        return reply->text_complete ? EO_ESPOTA_VERDICT_ERROR : EO_ESPOTA_VERDICT_ERROR_PARTIAL;
    if (strchr(reply->text, 'O'))
        return EO_ESPOTA_VERDICT_OK;
    /* text that is neither (yet): treat a complete line as an error, else wait */
    return reply->text_complete ? EO_ESPOTA_VERDICT_ERROR : EO_ESPOTA_VERDICT_NONE;
}

const char *eo_espota_reply_text(const struct eo_espota_reply *reply)
{
    return reply->text;
}

