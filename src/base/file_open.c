/* file_open.c — opens a file that must be regular without blocking on a FIFO or a terminal:
 * open with O_NONBLOCK, fstat the descriptor, refuse anything else by name (see file_open.h). */
#include "espurna-ota/file_open.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *eo_file_type_name(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a pipe or FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a file";
}

static enum eo_status not_regular(const char *what, const char *path, mode_t mode,
                                  struct eo_error *err)
{
    return eo_error_set(err, EO_ERR_FILE, "%s%s%s: not a regular file (it is %s)", what,
                        what[0] ? " " : "", path, eo_file_type_name(mode));
}

/* open() failed: a socket fails with ENXIO, which says nothing useful; name it instead. */
static enum eo_status open_failed(const char *what, const char *path, int error,
                                  struct eo_error *err)
{
    struct stat st;
    if (error == ENXIO && stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        return not_regular(what, path, st.st_mode, err);
    return eo_error_set(err, EO_ERR_FILE, "%s%s%s: cannot open: %s", what, what[0] ? " " : "", path,
                        strerror(error));
}

enum eo_status eo_file_open_regular(const char *what, const char *path, int *fd_out,
                                    size_t *size_out, struct eo_error *err)
{
    struct stat st;
    what = what ? what : "";
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return open_failed(what, path, errno, err);
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        return eo_error_set(err, EO_ERR_FILE, "%s%s%s: cannot stat: %s", what, what[0] ? " " : "",
                            path, strerror(saved));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return not_regular(what, path, st.st_mode, err);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    *fd_out = fd;
    *size_out = (size_t)st.st_size;
    return EO_OK;
}

bool eo_file_read_exactly(int fd, void *buffer, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, (char *)buffer + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = 0;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    return true;
}
