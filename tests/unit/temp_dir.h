/* temp_dir.h — a scratch folder for the unit tests that write files: made fresh by a cmocka
 * setup, removed with all it holds by the teardown. */
#ifndef EO_TEST_TEMP_DIR_H
#define EO_TEST_TEMP_DIR_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Makes /tmp/eo-NAME-XXXXXX (the X's made unique) into `dir`; false when it cannot. */
static inline bool temp_dir_make(char *dir, size_t cap, const char *name)
{
    snprintf(dir, cap, "/tmp/eo-%s-XXXXXX", name);
    return mkdtemp(dir) != NULL;
}

/* Removes `dir` and everything in it: 0, or -1 when that failed (a cmocka teardown's answer). */
static inline int temp_dir_remove(const char *dir)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    return system(command) == 0 ? 0 : -1;
}

#endif
