/* secrets_file.h — the secrets file of `batch`: device passwords by name, so that a device list
 * names a secret (password=NAME) and never holds the password itself.
 *
 * Format: text, one secret per line,
 *
 *     # the living room, rotated in 2024
 *     house=correct horse battery staple
 *     house-2023=Tr0ub4dor&3
 *
 *   NAME=password   NAME: 1 to 63 letters, digits, '.', '_', '-', from the first column
 *                   (case-sensitive). The password is the rest of the line after the first '=',
 *                   verbatim: spaces, '#' and '=' are part of it; only the line end ("\n" or
 *                   "\r\n") is removed. It may not be empty nor longer than EO_SECRET_MAX-1.
 *   # comment       a line whose first non-blank character is '#'
 *   (blank)         empty, or spaces and tabs only
 *
 * The file must be a regular file (not a symbolic link, not a FIFO), owned by the current user,
 * with no permission at all for group or others (chmod 600 or 400), and at most 1 MiB.
 * Errors never quote a password nor any part of a malformed line: they name the file, the line
 * number and, for a well-formed name, the name. */
#ifndef ESPURNA_OTA_SECRETS_FILE_H
#define ESPURNA_OTA_SECRETS_FILE_H

#include <stddef.h>

#include "espurna-ota/secret.h"
#include "espurna-ota/status.h"

#define EO_SECRETS_FILE_MAX (1024 * 1024) /* bytes */
#define EO_SECRET_NAME_MAX 64             /* with the NUL, as a device list's password names */

struct eo_secrets; /* opaque: the loaded file */

/* Reads and checks the secrets file at `path`; on success *out holds it (eo_secrets_free).
 * Errors:
 *   EO_ERR_FILE   cannot open or read it; not a regular file (a FIFO is refused without
 *                 blocking); larger than EO_SECRETS_FILE_MAX.
 *   EO_ERR_INPUT  a symbolic link; owned by another user; any permission for group or others
 *                 ("secrets.txt is readable by other users (mode 0644); chmod 600 it");
 *                 a malformed line, a NAME defined twice, an empty or too long password
 *                 ("FILE:LINE: what is wrong"). */
enum eo_status eo_secrets_load(const char *path, struct eo_secrets **out, struct eo_error *err);

/* The password called `name`, or NULL when the file has none (or `secrets` is NULL). Valid until
 * eo_secrets_free. */
const char *eo_secrets_get(const struct eo_secrets *secrets, const char *name);

/* The path the secrets were loaded from (for messages). */
const char *eo_secrets_path(const struct eo_secrets *secrets);

/* Overwrites every password with zeros, then frees. NULL is allowed. */
void eo_secrets_free(struct eo_secrets *secrets);

/* The passwords to try on one device, in order, for password rotation: batch tries the next one
 * only after an authentication failure and reports which NAME worked, never the password.
 *   - name_count > 0: the passwords of `names`, in that order. Every name must be in `secrets`:
 *     EO_ERR_INPUT "no secret named 'X' in FILE" (or "... no secrets file was given" when
 *     `secrets` is NULL). More names than `cap`: EO_ERR_INPUT.
 *   - else `env_password` (ESPURNA_OTA_PASSWORD) when not NULL nor empty: one candidate;
 *     longer than EO_SECRET_MAX-1 is EO_ERR_INPUT.
 *   - else none: *count is 0 (the device may need no password).
 * On error *count is 0 and `out` is wiped. The caller wipes `out` (eo_secret_wipe) when done. */
enum eo_status eo_secrets_candidates(const struct eo_secrets *secrets, const char *const *names,
                                     size_t name_count, const char *env_password,
                                     char out[][EO_SECRET_MAX], size_t cap, size_t *count,
                                     struct eo_error *err);

#endif
