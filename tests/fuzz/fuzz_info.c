/* fuzz_info.c — libFuzzer target for the terminal's `info` output of every firmware era
 * (watch.h: eo_info_parse_line on lines cleaned by eo_terminal_clean_line, 256 bytes at most as
 * the telnet session hands them out). What it learns keeps its shape: a 6-digit chip id, a
 * 32-digit MD5, terminated texts. */
#include <ctype.h>

#include "espurna-ota/terminal.h"
#include "espurna-ota/watch.h"

#include "fuzz_input.h"

static bool all_hex(const char *text)
{
    for (; *text; text++)
        if (!isxdigit((unsigned char)*text))
            return false;
    return true;
}

static void check_facts(const struct eo_info_facts *facts)
{
    FUZZ_CHECK(FUZZ_TERMINATED(facts->app) && FUZZ_TERMINATED(facts->version));
    FUZZ_CHECK(FUZZ_TERMINATED(facts->build_date) && FUZZ_TERMINATED(facts->board));
    FUZZ_CHECK(FUZZ_TERMINATED(facts->chip_id) && FUZZ_TERMINATED(facts->md5));
    FUZZ_CHECK(facts->chip_id[0] == '\0' ||
               (strlen(facts->chip_id) == 6 && all_hex(facts->chip_id)));
    FUZZ_CHECK(facts->md5[0] == '\0' || (strlen(facts->md5) == 32 && all_hex(facts->md5)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    struct eo_info_facts facts;
    const uint8_t *line;
    size_t len;
    eo_info_facts_init(&facts);
    while (fuzz_line(&in, &line, &len)) {
        char *raw = fuzz_text(line, len);
        char clean[256];
        eo_terminal_clean_line(raw, clean, sizeof clean);
        free(raw);
        eo_info_parse_line(&facts, clean);
    }
    check_facts(&facts);
    return 0;
}
