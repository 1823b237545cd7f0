/* user_dirs.c — the XDG base directory rule, for every file espurna-ota keeps per user. */
#include "espurna-ota/user_dirs.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *eo_user_home(void)
{
    const char *home = getenv("HOME");
    if (home && home[0] == '/')
        return home;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

bool eo_user_path(const char *variable, const char *fallback, const char *home, const char *name,
                  char *out, size_t cap)
{
    const char *xdg = getenv(variable);
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, cap, "%s/espurna-ota/%s", xdg, name);
    else if (home && home[0])
        n = snprintf(out, cap, "%s/%s/espurna-ota/%s", home, fallback, name);
    else
        return false;
    return n > 0 && (size_t)n < cap;
}
