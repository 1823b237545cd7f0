/* fuzz_espota.c — libFuzzer target for what an espota device answers (espota.h): the TCP stream
 * of byte counts and verdict (espota_reply.c), fed in pieces cut where the input says, with the
 * credit each feed's counts give against what is unconfirmed; and the same bytes as the UDP
 * answer to an invitation ("OK", "AUTH <nonce>", "ERR: ERROR[n]: ..."), whose nonce picks the
 * auth scheme and is hashed into a response. */
#include "espurna-ota/espota.h"
#include "espurna-ota/transport.h"

#include "fuzz_input.h"

#define IMAGE_SIZE 655360u /* the bytes sent: what the counts may confirm at most */

static void fuzz_stream(struct fuzz_input in)
{
    struct eo_espota_reply reply;
    uint64_t unconfirmed = IMAGE_SIZE;
    eo_espota_reply_init(&reply);
    while (in.size > 0) {
        const uint8_t *piece;
        size_t len = fuzz_take(&in, (size_t)(fuzz_byte(&in) % 64u) + 1u, &piece);
        if (eo_espota_reply_feed(&reply, (const char *)piece, len) > 0) {
            FUZZ_CHECK(strlen(reply.digits) < EO_ESPOTA_DIGITS_MAX);
            uint64_t credit = eo_espota_counts_credit(reply.digits, unconfirmed);
            FUZZ_CHECK(credit <= unconfirmed);
            unconfirmed -= credit;
        }
        FUZZ_CHECK(reply.text_len < sizeof reply.text && FUZZ_TERMINATED(reply.text));
        (void)eo_espota_reply_verdict(&reply);
    }
    eo_espota_reply_close(&reply);
    (void)eo_espota_reply_verdict(&reply);
    (void)eo_updater_error_code(eo_espota_reply_text(&reply));
}

/* As send_and_wait keeps a datagram: cut at the first line end. */
static void fuzz_answer(const uint8_t *data, size_t size)
{
    char *answer = fuzz_text(data, size < 255 ? size : 255); /* espota.c reads into 256 bytes */
    answer[strcspn(answer, "\r\n")] = '\0';
    if (strncmp(answer, "AUTH ", 5) == 0) {
        char cnonce[EO_ESPOTA_AUTH_HEX_MAX], response[EO_ESPOTA_AUTH_HEX_MAX];
        struct eo_error err;
        (void)eo_espota_auth_scheme_for(answer + 5);
        if (eo_espota_auth_compute("secret", answer + 5, "espurna.bin", IMAGE_SIZE,
                                   "0123456789abcdef0123456789abcdef", "192.168.1.40", cnonce,
                                   response, &err) == EO_OK)
            FUZZ_CHECK(FUZZ_TERMINATED(cnonce) && FUZZ_TERMINATED(response));
    } else {
        int code = eo_updater_error_code(strncmp(answer, "ERR: ", 5) == 0 ? answer + 5 : answer);
        if (code >= 0)
            (void)eo_updater_error_status(code);
    }
    free(answer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_stream((struct fuzz_input){data, size});
    fuzz_answer(data, size);
    return 0;
}
