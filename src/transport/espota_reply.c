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

/* Appends to the feed's digits (a prefix is kept when they overflow). */
static void keep_digit(struct eo_espota_reply *reply, size_t *kept, char c)
{
    if (c == ' ' && (*kept == 0 || reply->digits[*kept - 1] == ' '))
        return;
    if (*kept + 1 < sizeof reply->digits) {
        reply->digits[(*kept)++] = c;
        reply->digits[*kept] = '\0';
    }
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
    size_t digits = 0, kept = 0;
    reply->feed_value = 0;
    reply->digits[0] = '\0';
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (!reply->text_started && c >= '0' && c <= '9') {
            add_digit(reply, c);
            keep_digit(reply, &kept, c);
            digits++;
        } else if (!reply->text_started && (c == '\r' || c == '\n' || c == ' ')) {
            keep_digit(reply, &kept, ' '); /* separators some devices put between counts */
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

/* Value of digits[from, to) or UINT64_MAX when it overflows. */
static uint64_t group_value(const char *digits, size_t from, size_t to)
{
    uint64_t value = 0;
    for (size_t i = from; i < to; i++) {
        uint64_t digit = (uint64_t)(digits[i] - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return UINT64_MAX;
        value = value * 10 + digit;
    }
    return value;
}

#define SPLIT_PARTS_MAX 32u /* glued counts read from one feed at most */

/* Glued counts: the split of digits[0, len) into the fewest counts, each in [1, limit] without a
 * leading zero and all together at most `limit`, and among those the one that confirms least;
 * UINT64_MAX when there is none. least[k][i] is the least sum of the first i digits in k counts. */
static uint64_t split_glued(const char *digits, size_t len, uint64_t limit)
{
    static const uint64_t none = UINT64_MAX;
    uint64_t least[SPLIT_PARTS_MAX + 1][EO_ESPOTA_DIGITS_MAX + 1];
    for (size_t k = 0; k <= SPLIT_PARTS_MAX; k++)
        for (size_t i = 0; i <= len; i++)
            least[k][i] = none;
    least[0][0] = 0;
    for (size_t k = 1; k <= SPLIT_PARTS_MAX; k++) {
        for (size_t end = 1; end <= len; end++) {
            for (size_t start = end; start-- > 0 && end - start <= 20;) {
                uint64_t before = least[k - 1][start];
                if (before == none || digits[start] == '0')
                    continue;
                uint64_t count = group_value(digits, start, end);
                if (count <= limit && before + count <= limit && before + count < least[k][end])
                    least[k][end] = before + count;
            }
        }
        if (least[k][len] != none)
            return least[k][len];
    }
    return none;
}

/* What one group of digits confirms within `left`; *over set when it claims more. image_size 0:
 * any group larger than left may be glued counts. */
static uint64_t group_credit(const char *digits, size_t len, bool separated, uint64_t left,
                             uint64_t image_size, bool *over)
{
    uint64_t whole = group_value(digits, 0, len);
    if (whole <= left)
        return whole;
    /* one count (separated, or small enough to be one): more than was sent and unconfirmed */
    if (separated || (image_size && whole <= image_size)) {
        *over = true;
        return 0;
    }
    uint64_t split = split_glued(digits, len, left);
    if (split == UINT64_MAX)
        *over = true; /* no reading of these digits fits what was sent */
    return split == UINT64_MAX ? 0 : split;
}

uint64_t eo_espota_counts_read(const char *digits, uint64_t limit, uint64_t image_size,
                               bool *overclaim)
{
    uint64_t credit = 0;
    size_t i = 0, len = strlen(digits);
    bool separated = strchr(digits, ' ') != NULL; /* each group is one count */
    bool over = false;
    while (i < len) {
        size_t end = i;
        while (end < len && digits[end] != ' ')
            end++;
        credit += group_credit(digits + i, end - i, separated, limit - credit, image_size, &over);
        i = end + 1;
    }
    if (overclaim)
        *overclaim = over;
    return credit;
}

uint64_t eo_espota_counts_credit(const char *digits, uint64_t limit)
{
    return eo_espota_counts_read(digits, limit, 0, NULL);
}
