/* release_manifest.c — the release manifest a CI pipeline publishes beside the images of one
 * release (format in firmware_match.h): parsed strictly, every image it names read and checked
 * against its size and MD5, and turned into the same catalogue a release folder gives. */
#include "espurna-ota/firmware_match.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "espurna-ota/file_open.h"
#include "espurna-ota/image.h"
#include "espurna-ota/image_file.h"

#define MANIFEST_MAX_BYTES (1u << 20)

/* What every check needs: where the manifest is, what it said so far, where errors go. */
struct manifest_reader {
    const char *path;
    char dir[PATH_MAX];
    const char *version;
    struct eo_firmware_catalog *catalog;
    struct eo_error *err;
};

/* EO_ERR_INPUT "MANIFEST: <what is wrong>". */
static enum eo_status manifest_error(const struct manifest_reader *reader, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static enum eo_status manifest_error(const struct manifest_reader *reader, const char *format, ...)
{
    char text[EO_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    return eo_error_set(reader->err, EO_ERR_INPUT, "%s: %s", reader->path, text);
}

/* ---- reading files ----------------------------------------------------------------------------
 */

/* Reads the whole of an open file of `size` bytes into a new buffer (NUL-terminated). */
static enum eo_status read_fd(const char *path, int fd, size_t size, char **out,
                              struct eo_error *err)
{
    char *data = malloc(size + 1);
    size_t done = 0;
    if (!data)
        return eo_error_set(err, EO_ERR_INTERNAL, "%s: out of memory", path);
    while (done < size) {
        ssize_t n = read(fd, data + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(data);
            return eo_error_set(err, EO_ERR_FILE, "%s: cannot read: %s", path,
                                n < 0 ? strerror(errno) : "shorter than announced");
        }
        done += (size_t)n;
    }
    data[size] = '\0';
    *out = data;
    return EO_OK;
}

/* Opens and reads a regular file whole; *size is its size. */
static enum eo_status read_file(const char *path, size_t limit, char **data, size_t *size,
                                struct eo_error *err)
{
    int fd;
    enum eo_status status = eo_file_open_regular(NULL, path, &fd, size, err);
    if (status != EO_OK)
        return status;
    if (*size > limit)
        status = eo_error_set(err, EO_ERR_FILE, "%s: larger than %zu bytes", path, limit);
    else
        status = read_fd(path, fd, *size, data, err);
    close(fd);
    return status;
}

/* ---- the fields ---------------------------------------------------------------------------- */

static enum eo_status check_keys(const struct manifest_reader *reader, json_t *object,
                                 const char *where, const char *const *allowed)
{
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value)
    {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            known = known || strcmp(key, allowed[i]) == 0;
        if (!known)
            return manifest_error(reader, "%s%sunknown key \"%s\"", where, where[0] ? ": " : "",
                                  key);
    }
    return EO_OK;
}

/* Whether `version` is one a release file name can carry. */
static bool is_release_version(const char *version)
{
    char name[160];
    struct eo_release_name release;
    int n = snprintf(name, sizeof name, "espurna-%s-environment.bin", version);
    return n > 0 && n < (int)sizeof name && eo_release_name_parse(name, &release) &&
           strcmp(release.version, version) == 0;
}

static enum eo_status read_version(struct manifest_reader *reader, json_t *root)
{
    json_t *version = json_object_get(root, "version");
    if (!version)
        return manifest_error(reader, "version: missing");
    if (!json_is_string(version))
        return manifest_error(reader, "version: not a string");
    if (!is_release_version(json_string_value(version)))
        return manifest_error(reader, "version: not an ESPurna version (\"%.64s\")",
                              json_string_value(version));
    reader->version = json_string_value(version);
    return EO_OK;
}

/* The file name an image must have: "espurna-<version>-<environment>.bin[.gz]". */
static bool is_expected_name(const struct manifest_reader *reader, const char *environment,
                             const char *file)
{
    char plain[PATH_MAX];
    int n = snprintf(plain, sizeof plain, "espurna-%s-%s.bin", reader->version, environment);
    if (n < 0 || n >= (int)sizeof plain || strncmp(file, plain, (size_t)n) != 0)
        return false;
    return file[n] == '\0' || strcmp(file + n, ".gz") == 0;
}

static enum eo_status read_file_name(const struct manifest_reader *reader, const char *environment,
                                     json_t *image, const char **file)
{
    json_t *value = json_object_get(image, "file");
    if (!value)
        return manifest_error(reader, "images.%s.file: missing", environment);
    if (!json_is_string(value))
        return manifest_error(reader, "images.%s.file: not a string", environment);
    *file = json_string_value(value);
    if (!is_expected_name(reader, environment, *file))
        return manifest_error(reader,
                              "images.%s.file: expected espurna-%s-%s.bin or espurna-%s-%s.bin.gz "
                              "(not \"%.96s\")",
                              environment, reader->version, environment, reader->version,
                              environment, *file);
    return EO_OK;
}

static enum eo_status read_size(const struct manifest_reader *reader, const char *environment,
                                json_t *image, uint64_t *size)
{
    json_t *value = json_object_get(image, "size");
    if (!value || !json_is_integer(value) || json_integer_value(value) <= 0)
        return manifest_error(reader, "images.%s.size: not a positive integer", environment);
    *size = (uint64_t)json_integer_value(value);
    return EO_OK;
}

static bool is_md5_text(const char *text)
{
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)text[i]))
            return false;
    return len == 32;
}

static enum eo_status read_md5(const struct manifest_reader *reader, const char *environment,
                               json_t *image, char md5[33])
{
    json_t *value = json_object_get(image, "md5");
    if (!value || !json_is_string(value) || !is_md5_text(json_string_value(value)))
        return manifest_error(reader, "images.%s.md5: not 32 hex digits", environment);
    const char *text = json_string_value(value);
    for (size_t i = 0; i < 32; i++)
        md5[i] = (char)tolower((unsigned char)text[i]);
    md5[32] = '\0';
    return EO_OK;
}

/* ---- one image ------------------------------------------------------------------------------ */

/* Reads the image file and compares it with what the manifest says of it. */
static enum eo_status check_file(const struct manifest_reader *reader, const char *environment,
                                 const struct eo_firmware_entry *entry)
{
    struct eo_error file_err;
    char *data = NULL, md5[33];
    size_t size;
    if (read_file(entry->path, EO_IMAGE_MAX_FILE_SIZE, &data, &size, &file_err) != EO_OK)
        return manifest_error(reader, "images.%s.file: %s", environment, file_err.message);
    eo_md5_hex(data, size, md5);
    free(data);
    if (size != entry->size)
        return manifest_error(reader,
                              "images.%s.size: does not match the file (expected %llu, file has "
                              "%zu)",
                              environment, (unsigned long long)entry->size, size);
    if (strcmp(md5, entry->md5) != 0)
        return manifest_error(reader,
                              "images.%s.md5: does not match the file (expected %s, file has %s)",
                              environment, entry->md5, md5);
    return EO_OK;
}

/* The catalogue entry of one checked image. */
static enum eo_status make_entry(const struct manifest_reader *reader, const char *environment,
                                 const char *file, struct eo_firmware_entry *entry)
{
    struct eo_release_name release;
    int n = snprintf(entry->path, sizeof entry->path, "%s/%s", reader->dir, file);
    if (n < 0 || n >= (int)sizeof entry->path)
        return manifest_error(reader, "images.%s.file: path too long", environment);
    if (!eo_release_name_parse(file, &release) || strcmp(release.environment, environment) != 0 ||
        strcmp(release.version, reader->version) != 0)
        return manifest_error(reader, "images.%s: not a release environment", environment);
    snprintf(entry->environment, sizeof entry->environment, "%s", release.environment);
    snprintf(entry->version, sizeof entry->version, "%s", release.version);
    entry->kind = release.kind;
    entry->flash_size = release.flash_size;
    size_t len = strlen(file);
    entry->gzip = len > 3 && strcmp(file + len - 3, ".gz") == 0;
    return EO_OK;
}

static enum eo_status read_image(const struct manifest_reader *reader, const char *environment,
                                 json_t *image)
{
    static const char *const keys[] = {"file", "size", "md5", NULL};
    char where[160];
    const char *file = NULL;
    struct eo_firmware_entry entry;
    memset(&entry, 0, sizeof entry);
    snprintf(where, sizeof where, "images.%.96s", environment);
    if (!json_is_object(image))
        return manifest_error(reader, "%s: not an object", where);
    enum eo_status status = check_keys(reader, image, where, keys);
    if (status == EO_OK)
        status = read_file_name(reader, environment, image, &file);
    if (status == EO_OK)
        status = read_size(reader, environment, image, &entry.size);
    if (status == EO_OK)
        status = read_md5(reader, environment, image, entry.md5);
    if (status == EO_OK)
        status = make_entry(reader, environment, file, &entry);
    if (status == EO_OK)
        status = check_file(reader, environment, &entry);
    if (status == EO_OK)
        status = eo_firmware_catalog_put(reader->catalog, &entry, reader->err);
    return status;
}

static enum eo_status read_images(const struct manifest_reader *reader, json_t *root)
{
    json_t *images = json_object_get(root, "images");
    if (!images)
        return manifest_error(reader, "images: missing");
    if (!json_is_object(images))
        return manifest_error(reader, "images: not an object");
    if (json_object_size(images) == 0)
        return manifest_error(reader, "images: no image");
    const char *environment;
    json_t *image;
    json_object_foreach(images, environment, image)
    {
        enum eo_status status = read_image(reader, environment, image);
        if (status != EO_OK)
            return status;
    }
    return EO_OK;
}

/* ---- the manifest ------------------------------------------------------------------------------
 */

/* The folder of the manifest ("." when its path names none). */
static void manifest_folder(const char *path, char dir[PATH_MAX])
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, PATH_MAX, ".");
    else if (slash == path)
        snprintf(dir, PATH_MAX, "/");
    else
        snprintf(dir, PATH_MAX, "%.*s", (int)(slash - path), path);
}

static enum eo_status parse_manifest(struct manifest_reader *reader, const char *text, size_t len)
{
    static const char *const keys[] = {"version", "images", NULL};
    json_error_t json_err;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &json_err);
    if (!root)
        return eo_error_set(reader->err, EO_ERR_INPUT, "%s:%d:%d: %s", reader->path, json_err.line,
                            json_err.column, json_err.text);
    enum eo_status status = EO_OK;
    if (!json_is_object(root))
        status = manifest_error(reader, "not a JSON object");
    if (status == EO_OK)
        status = check_keys(reader, root, "", keys);
    if (status == EO_OK)
        status = read_version(reader, root);
    if (status == EO_OK) {
        snprintf(reader->catalog->version, sizeof reader->catalog->version, "%s", reader->version);
        status = read_images(reader, root);
    }
    json_decref(root);
    return status;
}

enum eo_status eo_release_manifest_load(const char *path, struct eo_firmware_catalog *out,
                                        struct eo_error *err)
{
    char *text = NULL;
    size_t len;
    eo_firmware_catalog_init(out);
    enum eo_status status = read_file(path, MANIFEST_MAX_BYTES, &text, &len, err);
    if (status != EO_OK)
        return status;
    status = eo_release_manifest_parse(path, text, len, out, err);
    free(text);
    return status;
}

enum eo_status eo_release_manifest_parse(const char *path, const char *text, size_t len,
                                         struct eo_firmware_catalog *out, struct eo_error *err)
{
    struct manifest_reader reader = {.path = path, .catalog = out, .err = err};
    eo_firmware_catalog_init(out);
    manifest_folder(path, reader.dir);
    snprintf(out->dir, sizeof out->dir, "%s", reader.dir);
    snprintf(out->manifest, sizeof out->manifest, "%s", path);
    enum eo_status status = parse_manifest(&reader, text, len);
    if (status != EO_OK)
        eo_firmware_catalog_release(out);
    return status;
}
