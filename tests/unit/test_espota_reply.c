/* test_espota_reply.c — the parser of the device's espota TCP replies: byte counts and the
 * verdict, fed whole, glued together and split at every possible position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "espurna-ota/espota.h"

/* Feeds text split at `cut` (0 = whole). */
static void feed_split(struct eo_espota_reply *r, const char *text, size_t cut)
{
    size_t len = strlen(text);
    eo_espota_reply_init(r);
    if (cut == 0 || cut >= len) {
        eo_espota_reply_feed(r, text, len);
        return;
    }
    eo_espota_reply_feed(r, text, cut);
    eo_espota_reply_feed(r, text + cut, len - cut);
}

static void test_counts_only(void **state)
{
    (void)state;
    struct eo_espota_reply r;
    eo_espota_reply_init(&r);
    assert_int_equal(eo_espota_reply_feed(&r, "1460", 4), 4);
    assert_int_equal(r.feed_value, 1460);
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_NONE);
    assert_int_equal(eo_espota_reply_feed(&r, "1460146", 7), 7);
    assert_int_equal(r.feed_value, 1460146); /* glued: one meaningless number */
    assert_int_equal(eo_espota_reply_feed(&r, "0", 1), 1);
    assert_int_equal(r.feed_value, 0);
    assert_int_equal(r.digit_chars, 12);
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_NONE);
}

static void test_ok_every_split(void **state)
{
    (void)state;
    const char *inputs[] = {"OK", "0OK", "392OK", "14601460392OK", "4096\r\nOK"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        for (size_t cut = 0; cut < strlen(inputs[i]); cut++) {
            struct eo_espota_reply r;
            feed_split(&r, inputs[i], cut);
            assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_OK);
            assert_string_equal(eo_espota_reply_text(&r), "OK");
        }
    }
}

static void test_ok_not_before_complete(void **state)
{
    (void)state;
    struct eo_espota_reply r;
    eo_espota_reply_init(&r);
    eo_espota_reply_feed(&r, "392", 3);
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_NONE);
    eo_espota_reply_feed(&r, "O", 1);
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_OK);
}

static void test_error_every_split(void **state)
{
    (void)state;
    const char *input = "1460ERROR[7]: MD5 verification failed\n";
    for (size_t cut = 0; cut < strlen(input); cut++) {
        struct eo_espota_reply r;
        feed_split(&r, input, cut);
        assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_ERROR);
        assert_string_equal(eo_espota_reply_text(&r), "ERROR[7]: MD5 verification failed");
        assert_int_equal(eo_updater_error_code(eo_espota_reply_text(&r)), 7);
    }
}

static void test_error_before_ok(void **state)
{
    (void)state;
    /* "ERROR" contains an O: it must never count as success, even half-received */
    struct eo_espota_reply r;
    eo_espota_reply_init(&r);
    eo_espota_reply_feed(&r, "ERRO", 4);
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_ERROR_PARTIAL);
    eo_espota_reply_feed(&r, "R[10]: Magic byte is wrong, not 0xE9", 36);
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_ERROR_PARTIAL);
    eo_espota_reply_close(&r); /* no newline, then the connection closed */
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_ERROR);
    assert_int_equal(eo_updater_error_code(eo_espota_reply_text(&r)), 10);
}

static void test_esp32_plain_error(void **state)
{
    (void)state;
    struct eo_espota_reply r;
    feed_split(&r, "1024MD5 Check Failed\n", 9);
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_ERROR);
    assert_string_equal(eo_espota_reply_text(&r), "MD5 Check Failed");
    assert_int_equal(eo_updater_error_code(eo_espota_reply_text(&r)), -1);
}

static void test_unknown_text(void **state)
{
    (void)state;
    struct eo_espota_reply r;
    feed_split(&r, "??", 0);
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_NONE);
    eo_espota_reply_close(&r);
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_ERROR);
}

static void test_long_text_truncated(void **state)
{
    (void)state;
    char input[600];
    memset(input, 'x', sizeof input);
    memcpy(input, "ERROR[1]: ", 10);
    struct eo_espota_reply r;
    eo_espota_reply_init(&r);
    eo_espota_reply_feed(&r, input, sizeof input);
    eo_espota_reply_feed(&r, "\n", 1);
    assert_int_equal(strlen(eo_espota_reply_text(&r)), EO_ESPOTA_REPLY_TEXT_MAX - 1);
    assert_int_equal(eo_espota_reply_verdict(&r), EO_ESPOTA_VERDICT_ERROR);
}

/* The digits a feed brought, separators kept as one space. */
static void test_feed_digits(void **state)
{
    (void)state;
    struct eo_espota_reply r;
    eo_espota_reply_init(&r);
    eo_espota_reply_feed(&r, "14601460", 8);
    assert_string_equal(r.digits, "14601460");
    eo_espota_reply_feed(&r, "\r\n4096\r\n\r\n4096 ", 15);
    assert_string_equal(r.digits, "4096 4096 ");
    eo_espota_reply_feed(&r, "392OK", 5);
    assert_string_equal(r.digits, "392");
    eo_espota_reply_feed(&r, "OK", 2);
    assert_string_equal(r.digits, "");
}

/* What counts confirm: one count when it fits, glued counts read as the fewest counts that fit
 * (the smallest total among those), nothing for what no split explains, never over the limit. */
static void test_counts_credit(void **state)
{
    (void)state;
    assert_int_equal(eo_espota_counts_credit("1460", 23360), 1460);
    assert_int_equal(eo_espota_counts_credit("23360", 23360), 23360);    /* one count per burst */
    assert_int_equal(eo_espota_counts_credit("655360", 655360), 655360); /* one for everything */
    assert_int_equal(eo_espota_counts_credit("14601460", 2920), 2920);   /* glued, only one split */
    assert_int_equal(eo_espota_counts_credit("14601460", 5000), 2920);   /* 2 counts, one way */
    /* "4096","4096" and "409","64096" both fit: the smaller total */
    assert_int_equal(eo_espota_counts_credit("40964096", 100000), 8192);
    assert_int_equal(eo_espota_counts_credit("409640964096", 20000), 12288); /* three glued */
    assert_int_equal(eo_espota_counts_credit("4096 4096", 10000), 8192);     /* separated */
    assert_int_equal(eo_espota_counts_credit("4096 4096", 5000), 4096); /* the second: no room */
    assert_int_equal(eo_espota_counts_credit("99999", 8), 0); /* no split of counts <= 8 */
    assert_int_equal(eo_espota_counts_credit("100", 99), 0);  /* "1","00": no zero counts */
    assert_int_equal(eo_espota_counts_credit("", 1000), 0);
    assert_int_equal(eo_espota_counts_credit("1460", 0), 0);
    assert_true(eo_espota_counts_credit("18446744073709551616", 1000) <= 1000); /* overflows */
    char many[EO_ESPOTA_DIGITS_MAX];
    memset(many, '7', sizeof many - 1);
    many[sizeof many - 1] = '\0';
    assert_true(eo_espota_counts_credit(many, 1000000) <= 1000000);
}

/* Counts that claim more than was sent: a count (at most the image size) above what is
 * unconfirmed, a separated count above it, digits no reading fits; glued counts are not. */
static void test_counts_overclaim(void **state)
{
    bool over = true;
    (void)state;
    assert_int_equal(eo_espota_counts_read("1460", 2920, 296960, &over), 1460);
    assert_false(over);
    assert_int_equal(eo_espota_counts_read("14601460", 2920, 296960, &over), 2920); /* glued */
    assert_false(over);
    assert_int_equal(eo_espota_counts_read("296960", 46720, 296960, &over), 0); /* all at once */
    assert_true(over);
    assert_int_equal(eo_espota_counts_read("8192", 4096, 296960, &over), 0); /* count + 4096 */
    assert_true(over);
    assert_int_equal(eo_espota_counts_read("1460", 0, 296960, &over), 0); /* nothing unconfirmed */
    assert_true(over);
    assert_int_equal(eo_espota_counts_read("4096 4096", 5000, 296960, &over), 4096);
    assert_true(over);                /* the second, separated, has no room */
    char flood[EO_ESPOTA_DIGITS_MAX]; /* a stream of "1460"s, cut to the buffer */
    for (size_t i = 0; i + 1 < sizeof flood; i++)
        flood[i] = "1460"[i % 4];
    flood[sizeof flood - 1] = '\0';
    assert_int_equal(eo_espota_counts_read(flood, 11680, 296960, &over), 0);
    assert_true(over);
    assert_int_equal(eo_espota_counts_read("", 1000, 296960, &over), 0);
    assert_false(over);
    assert_int_equal(eo_espota_counts_read("296960", 296960, 296960, NULL), 296960);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_only),         cmocka_unit_test(test_feed_digits),
        cmocka_unit_test(test_counts_credit),       cmocka_unit_test(test_counts_overclaim),
        cmocka_unit_test(test_ok_every_split),      cmocka_unit_test(test_ok_not_before_complete),
        cmocka_unit_test(test_error_every_split),   cmocka_unit_test(test_error_before_ok),
        cmocka_unit_test(test_esp32_plain_error),   cmocka_unit_test(test_unknown_text),
        cmocka_unit_test(test_long_text_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
