/* test_text.c — unit tests for text.c: what reaches a terminal (printable ASCII, one '?' per
 * other character, cut between characters) and what reaches JSON (valid UTF-8, U+FFFD for
 * each stray byte), with the strict UTF-8 rules (overlong forms, surrogates, > U+10FFFF). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "espurna-ota/text.h"

static void expect_printable(const char *in, const char *expected)
{
    char out[64];
    assert_true(eo_text_printable(out, sizeof out, in, strlen(in)));
    assert_string_equal(out, expected);
}

static void test_printable_keeps_ascii(void **state)
{
    (void)state;
    expect_printable("1.15.0-dev+github261101 ~!@#$%^&*()", "1.15.0-dev+github261101 ~!@#$%^&*()");
    expect_printable("", "");
}

static void test_printable_replaces_controls(void **state)
{
    (void)state;
    expect_printable("\x1b[31mRED\x7f\t\n", "?[31mRED???");
    expect_printable("a\xc2\x9b"
                     "2Jb",
                     "a?2Jb"); /* C1 CSI as UTF-8: one character */
    expect_printable("a\x9b"
                     "2Jb",
                     "a?2Jb"); /* C1 CSI as a raw byte */
}

static void test_printable_replaces_bidi_and_other_characters(void **state)
{
    (void)state;
    expect_printable("1.0\xe2\x80\xae-evil", "1.0?-evil"); /* U+202E RIGHT-TO-LEFT OVERRIDE */
    expect_printable("a\xe2\x81\xa6"
                     "b\xe2\x81\xa9",
                     "a?b?");                                   /* U+2066 ... U+2069 isolates */
    expect_printable("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf? ?"); /* é, an emoji */
    expect_printable("\xef\xbb\xbfX", "?X");                    /* U+FEFF */
}

static void test_printable_invalid_bytes(void **state)
{
    (void)state;
    expect_printable("A\xff\xfe"
                     "B",
                     "A??B");
    expect_printable("\xc0\xaf", "??");           /* overlong '/' */
    expect_printable("\xed\xa0\x80", "???");      /* a surrogate */
    expect_printable("\xf4\x90\x80\x80", "????"); /* above U+10FFFF */
    expect_printable("x\xe2\x80", "x??");         /* sequence cut by the end */
}

static void test_printable_nul_and_cut(void **state)
{
    (void)state;
    char out[4];
    static const char with_nul[] = {'E', 0, 'X'};
    assert_true(eo_text_printable(out, sizeof out, with_nul, sizeof with_nul));
    assert_string_equal(out, "E?X");
    assert_false(eo_text_printable(out, sizeof out, "abcd", 4));
    assert_string_equal(out, "abc");
    /* the cut falls between characters: three of them, a 3-byte one counted once */
    assert_true(eo_text_printable(out, sizeof out, "a\xe2\x80\xaeZ", 5));
    assert_string_equal(out, "a?Z");
    assert_false(eo_text_printable(out, sizeof out, "ab\xe2\x80\xaeZ", 6));
    assert_string_equal(out, "ab?");
}

static void expect_utf8(const char *in, const char *expected)
{
    char *out = eo_text_utf8(in);
    assert_non_null(out);
    assert_string_equal(out, expected);
    free(out);
}

static void test_utf8_keeps_valid_text(void **state)
{
    (void)state;
    expect_utf8("", "");
    expect_utf8("plain", "plain");
    expect_utf8("caf\xc3\xa9 \xe2\x80\xae \xf0\x9f\x98\x80",
                "caf\xc3\xa9 \xe2\x80\xae \xf0\x9f\x98\x80");
}

static void test_utf8_replaces_each_stray_byte(void **state)
{
    (void)state;
    expect_utf8("B\xff\xfe", "B\xef\xbf\xbd\xef\xbf\xbd");
    expect_utf8("\x9b"
                "2J",
                "\xef\xbf\xbd"
                "2J");
    expect_utf8("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
    expect_utf8("x\xe2\x80", "x\xef\xbf\xbd\xef\xbf\xbd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printable_keeps_ascii),
        cmocka_unit_test(test_printable_replaces_controls),
        cmocka_unit_test(test_printable_replaces_bidi_and_other_characters),
        cmocka_unit_test(test_printable_invalid_bytes),
        cmocka_unit_test(test_printable_nul_and_cut),
        cmocka_unit_test(test_utf8_keeps_valid_text),
        cmocka_unit_test(test_utf8_replaces_each_stray_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
