/* file_open.h — opening a local file that must be a regular file (a firmware image, a CA
 * bundle, a public key) without ever blocking: a FIFO without a writer or a terminal would
 * make a plain open() or read() wait forever, so they are refused up front, naming what the
 * path is. (A password file is different: a pipe from process substitution is welcome there.) */
#ifndef ESPURNA_OTA_FILE_OPEN_H
#define ESPURNA_OTA_FILE_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "espurna-ota/status.h"

/* Opens `path` read-only (close-on-exec, never a controlling terminal) and checks that it is a
 * regular file. On success fills *fd (blocking mode, the caller closes it) and *size. Errors
 * are EO_ERR_FILE with messages "<what> <path>: cannot open: <reason>" or "<what> <path>: not
 * a regular file (it is a directory | a pipe or FIFO | a character device | ...)"; `what` may
 * be NULL or "" for messages that start with the path. */
enum eo_status eo_file_open_regular(const char *what, const char *path, int *fd, size_t *size,
                                    struct eo_error *err);

/* What a file that is not a regular one is, for messages: "a directory", "a pipe or FIFO", "a
 * character device", "a block device", "a socket", else "not a file". */
const char *eo_file_type_name(mode_t mode);

/* Reads exactly `size` bytes, retrying after a signal. False on a read error (errno set) or when
 * the file ends first (errno 0: it shrank while being read). */
bool eo_file_read_exactly(int fd, void *buffer, size_t size);

#endif
