/* report_complete.h — the answer of `espurna-ota __complete` to the shell completion scripts
 * (completions/), on stdout: a first line saying what to complete, then one candidate per line.
 *
 *     words             the lines that follow are the candidates ("WORD" or
 *                       "WORD<TAB>DESCRIPTION"), already matched against the word typed so far
 *     files | dirs      the shell completes file names | folder names itself
 *     none              nothing to offer (a number, a password, free text)
 *
 * A word is never empty and never holds a control character (those are left out); a
 * description is printable ASCII. */
#ifndef ESPURNA_OTA_REPORT_COMPLETE_H
#define ESPURNA_OTA_REPORT_COMPLETE_H

/* The first line: "words", "files", "dirs" or "none". */
void eo_report_complete_kind(const char *kind);
/* One candidate after "words"; description NULL or "" for none. */
void eo_report_complete_word(const char *word, const char *description);

#endif
