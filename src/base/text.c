/* text.c — showing text from outside safely: printable ASCII for terminals, valid UTF-8 for
 * JSON (see text.h). Decodes UTF-8 strictly (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
#include "espurna-ota/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD in UTF-8 */

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when s[0] does not start one. */
static size_t utf8_sequence(const uint8_t *s, size_t len)
{
    uint8_t lead = s[0], low = 0x80, high = 0xBF;
    size_t tail;
    if (lead < 0x80)
        return 1;
    if (lead >= 0xC2 && lead <= 0xDF) {
        tail = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        tail = 2;
        low = lead == 0xE0 ? 0xA0 : low;   /* overlong */
        high = lead == 0xED ? 0x9F : high; /* surrogates */
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        tail = 3;
        low = lead == 0xF0 ? 0x90 : low;   /* overlong */
        high = lead == 0xF4 ? 0x8F : high; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (len <= tail || s[1] < low || s[1] > high)
        return 0;
    for (size_t i = 2; i <= tail; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return tail + 1;
}

bool eo_text_printable(char *out, size_t cap, const void *text, size_t len)
{
    const uint8_t *in = text;
    size_t i = 0, n = 0;
    while (i < len && n + 1 < cap) {
        size_t step = utf8_sequence(in + i, len - i);
        bool printable = step == 1 && in[i] >= 0x20 && in[i] < 0x7F;
        out[n++] = printable ? (char)in[i] : '?';
        i += step ? step : 1;
    }
    out[n] = '\0';
    return i >= len;
}

char *eo_text_utf8(const char *text)
{
    const uint8_t *in = (const uint8_t *)text;
    size_t len = strlen(text), n = 0;
    char *out = malloc(3 * len + 1); /* each byte at most one U+FFFD */
    if (!out)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t step = utf8_sequence(in + i, len - i);
        if (step) {
            memcpy(out + n, in + i, step);
            n += step;
            i += step;
        } else {
            memcpy(out + n, replacement, 3);
            n += 3;
            i++;
        }
    }
    out[n] = '\0';
    return out;
}
