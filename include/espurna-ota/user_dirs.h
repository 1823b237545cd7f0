/* user_dirs.h — where espurna-ota keeps a user's files: the XDG base directories (config,
 * state, cache, data), each falling back to its folder under the home directory. */
#ifndef ESPURNA_OTA_USER_DIRS_H
#define ESPURNA_OTA_USER_DIRS_H

#include <stdbool.h>
#include <stddef.h>

/* $HOME when it is an absolute path, else the home directory of the user's passwd entry; NULL
 * when neither gives one. */
const char *eo_user_home(void);

/* "$VARIABLE/espurna-ota/NAME" when VARIABLE (XDG_CONFIG_HOME, ...) holds an absolute path
 * (the XDG rule: a relative one is ignored), else "HOME/FALLBACK/espurna-ota/NAME" (FALLBACK:
 * ".config", ".local/state", ...). False when there is no home (NULL or "") or the path does
 * not fit in `cap` bytes. */
bool eo_user_path(const char *variable, const char *fallback, const char *home, const char *name,
                  char *out, size_t cap);

#endif
