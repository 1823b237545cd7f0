/* report_complete.c — writes the answer of `espurna-ota __complete` (see report_complete.h):
 * the kind line, then candidate words with their descriptions made safe for a terminal. */
#include "espurna-ota/report_complete.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "espurna-ota/text.h"

void eo_report_complete_kind(const char *kind)
{
    printf("%s\n", kind);
}

static bool is_plain_word(const char *word)
{
    if (!word[0])
        return false;
    for (const unsigned char *c = (const unsigned char *)word; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

void eo_report_complete_word(const char *word, const char *description)
{
    char shown[160];
    if (!is_plain_word(word))
        return;
    if (!description || !description[0]) {
        printf("%s\n", word);
        return;
    }
    eo_text_printable(shown, sizeof shown, description, strlen(description));
    printf("%s\t%s\n", word, shown);
}
