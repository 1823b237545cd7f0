/* fuzz_input.h — what every fuzz target of tests/fuzz shares: cutting one libFuzzer input into
 * the pieces a parser takes (bytes, NUL-terminated texts, lines, DNS-style length-prefixed
 * strings), and FUZZ_CHECK, which turns a broken promise of a parser into a crash libFuzzer
 * reports like any sanitizer finding. Header only: each target is one translation unit. */
#ifndef EO_FUZZ_INPUT_H
#define EO_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The libFuzzer entry point every target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #condition);        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Whether a fixed-size text field is NUL-terminated within its array. */
#define FUZZ_TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

/* What is left of the input. */
struct fuzz_input {
    const uint8_t *data;
    size_t size;
};

/* The next byte, 0 once the input is used up. */
static inline uint8_t fuzz_byte(struct fuzz_input *in)
{
    if (in->size == 0)
        return 0;
    in->size--;
    return *in->data++;
}

/* The next `len` bytes (fewer when the input ends first); returns how many. */
static inline size_t fuzz_take(struct fuzz_input *in, size_t len, const uint8_t **out)
{
    if (len > in->size)
        len = in->size;
    *out = in->data;
    in->data += len;
    in->size -= len;
    return len;
}

/* The bytes up to the next '\n' (not included; consumed) or the end. False when none are left. */
static inline bool fuzz_line(struct fuzz_input *in, const uint8_t **line, size_t *len)
{
    if (in->size == 0)
        return false;
    const uint8_t *newline = memchr(in->data, '\n', in->size);
    *len = newline ? (size_t)(newline - in->data) : in->size;
    fuzz_take(in, *len, line);
    if (newline)
        fuzz_byte(in);
    return true;
}

/* One string as DNS wire format carries TXT and names: a length byte, then that many bytes. */
static inline size_t fuzz_counted(struct fuzz_input *in, const uint8_t **out)
{
    size_t len = fuzz_byte(in);
    return fuzz_take(in, len, out);
}

/* A new NUL-terminated copy of len bytes (a NUL inside ends the text early, as it would for the
 * C string the parser receives). Never NULL: out of memory aborts. */
static inline char *fuzz_text(const uint8_t *data, size_t len)
{
    char *text = malloc(len + 1);
    FUZZ_CHECK(text != NULL);
    if (len)
        memcpy(text, data, len);
    text[len] = '\0';
    return text;
}

#endif
