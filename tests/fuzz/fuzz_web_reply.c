/* fuzz_web_reply.c — libFuzzer target for what a device answers over HTTP (web.h): the answer to
 * POST /upgrade judged from its status and body (every firmware generation's texts), and a
 * GET /discover body. The input's first line is the HTTP status (its first three characters
 * read as decimal digits), the rest the body, cut to the 2048 bytes web_http.c keeps. */
#include "espurna-ota/transport.h"
#include "espurna-ota/web.h"

#include "fuzz_input.h"

#define BODY_MAX 2048u

/* "401" → 401; any other character counts as a 0 digit, so every status 0-999 is reachable. */
static long status_of(const uint8_t *line, size_t len)
{
    long status = 0;
    for (size_t i = 0; i < 3; i++)
        status = status * 10 + (i < len && line[i] >= '0' && line[i] <= '9' ? line[i] - '0' : 0);
    return status;
}

static void judge_upload(long http_status, const char *body, bool password_given)
{
    struct eo_web_reply_context context = {
        .device = "kitchen",
        .image_size = 655360,
        .password_given = password_given,
        .image_flash_size = 1024u * 1024u,
        .device_flash_size = password_given ? 4194304u : 0,
    };
    struct eo_error err;
    eo_error_clear(&err);
    enum eo_status status = eo_web_classify(http_status, body, &context, &err);
    FUZZ_CHECK((status == EO_OK) == (strcmp(body, "OK") == 0));
    if (status != EO_OK)
        FUZZ_CHECK(FUZZ_TERMINATED(err.message) && err.status == status);
}

static void read_discover(const char *body)
{
    struct eo_web_identity identity;
    if (!eo_web_parse_discover(body, &identity))
        return;
    FUZZ_CHECK(identity.known);
    FUZZ_CHECK(FUZZ_TERMINATED(identity.app) && FUZZ_TERMINATED(identity.version));
    FUZZ_CHECK(FUZZ_TERMINATED(identity.hostname) && FUZZ_TERMINATED(identity.device));
    (void)eo_web_hostname_matches("espurna-1a2b3c.local", identity.hostname);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    const uint8_t *bytes = NULL;
    size_t len = 0;
    fuzz_line(&in, &bytes, &len);
    long http_status = status_of(bytes, len);
    len = fuzz_take(&in, BODY_MAX, &bytes);
    char *body = fuzz_text(bytes, len);
    char quoted[128];
    judge_upload(http_status, body, http_status & 1);
    read_discover(body);
    eo_web_quote(body, quoted, sizeof quoted);
    (void)eo_updater_error_code(body);
    free(body);
    return 0;
}
