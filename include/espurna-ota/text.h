/* text.h — text that comes from outside (app descriptors, file names, mDNS records) made safe
 * to show: printable ASCII for a terminal, valid UTF-8 for JSON. The one place that decides
 * what reaches a user's terminal, so `discover` and `inspect` show odd text the same way. */
#ifndef ESPURNA_OTA_TEXT_H
#define ESPURNA_OTA_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Copies `len` bytes of text into out (cap bytes, cap >= 1) as printable ASCII: every other
 * character becomes one '?' — C0 controls, DEL, C1 controls, bidi overrides and every other
 * non-ASCII character (one '?' per UTF-8 sequence), and each byte that is not part of valid
 * UTF-8 (NUL included). Stops at cap - 1 characters, never inside one. Returns false when the
 * text had to be cut. */
bool eo_text_printable(char *out, size_t cap, const void *text, size_t len);

/* A new NUL-terminated copy of `text` that is valid UTF-8: valid sequences are kept as they
 * are, each byte that is not part of one becomes U+FFFD. NULL when out of memory. */
char *eo_text_utf8(const char *text);

#endif
