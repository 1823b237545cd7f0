/* identify.c — learning what a device runs before and after an upgrade: its mDNS record first
 * (everything: version, kind, flash, free space, methods), else GET /discover (app, version,
 * host name), else the terminal's `info` (version, and the firmware MD5 that 1.14 and dev
 * builds print); what none of them told goes into a one-line `missing`. Also the pure parser
 * of `info` output of every era. */
#include "espurna-ota/watch.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "espurna-ota/discover.h"
#include "espurna-ota/image.h"
#include "espurna-ota/net.h"
#include "espurna-ota/terminal.h"
#include "espurna-ota/web.h"

#define SETTLE_PROBE_MS 1000u /* a web port that accepts nothing this long: none */
#define DEFAULT_TIMEOUT_MS 8000u
#define CONNECT_TIMEOUT_MS 2000u /* web and terminal connections */
#define WEB_ANSWER_MS 3000u      /* GET /discover once connected */
#define PROMPT_WAIT_MS 600u      /* a password prompt comes at once when there is one */
#define INFO_SILENCE_MS 2000u    /* a 1.12–1.14 core build never answers `info` */
#define INFO_LINE_MS 2000u       /* between two lines of `info` */
#define TERMINAL_TRIES 3u        /* connections when the terminal is busy with another client */
#define TERMINAL_RETRY_MS 150u

/* ---- `info` output, pure ---------------------------------------------------------------- */

void eo_info_facts_init(struct eo_info_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    facts->kind = EO_KIND_UNKNOWN;
}

static const char *after_prefix(const char *line, const char *prefix)
{
    size_t len = strlen(prefix);
    return strncasecmp(line, prefix, len) == 0 ? line + len : NULL;
}

static void copy_word(char *out, size_t cap, const char *text)
{
    while (*text == ' ')
        text++;
    size_t len = strcspn(text, " \t");
    if (len >= cap)
        len = cap - 1;
    memcpy(out, text, len);
    out[len] = '\0';
}

static void copy_rest(char *out, size_t cap, const char *text)
{
    while (*text == ' ')
        text++;
    snprintf(out, cap, "%s", text);
}

static bool is_md5(const char *text)
{
    size_t len = strspn(text, "0123456789abcdefABCDEF");
    return len == 32 && (text[32] == '\0' || text[32] == ' ');
}

static void take_md5(struct eo_info_facts *facts, const char *text)
{
    while (*text == ' ')
        text++;
    if (!is_md5(text))
        return;
    for (size_t i = 0; i < 32; i++)
        facts->md5[i] = (char)tolower((unsigned char)text[i]);
    facts->md5[32] = '\0';
}

/* The module list: a web server means a full build, none a core one. */
static void take_support(struct eo_info_facts *facts, const char *modules)
{
    char padded[300];
    snprintf(padded, sizeof padded, " %s ", modules);
    facts->kind = strstr(padded, " WEB ") ? EO_KIND_FULL : EO_KIND_CORE;
}

/* Six upper-case hex digits of "0x00000B" / "00000B". */
static void take_chip_id(struct eo_info_facts *facts, const char *text)
{
    char word[16];
    copy_word(word, sizeof word, text);
    const char *hex = strncasecmp(word, "0x", 2) == 0 ? word + 2 : word;
    size_t len = strlen(hex);
    if (len == 0 || len > 6 || strspn(hex, "0123456789abcdefABCDEF") != len)
        return;
    snprintf(facts->chip_id, sizeof facts->chip_id, "%06lX", strtoul(hex, NULL, 16));
}

/* "<APP> <version>[ built <date>]": the app is one upper-case word, the version starts with a
 * digit. */
static bool take_version_line(struct eo_info_facts *facts, const char *text)
{
    char app[32], version[64];
    copy_word(app, sizeof app, text);
    const char *rest = text + strspn(text, " ") + strlen(app);
    copy_word(version, sizeof version, rest);
    if (strcasecmp(app, "ESPURNA") != 0 || !isdigit((unsigned char)version[0]))
        return false;
    snprintf(facts->app, sizeof facts->app, "%s", app);
    snprintf(facts->version, sizeof facts->version, "%s", version);
    const char *built = strstr(rest, " built ");
    if (built)
        copy_rest(facts->build_date, sizeof facts->build_date, built + 7);
    return true;
}

/* "Name  :   614400 bytes / ..." of 1.14's memory layout: the byte count, 0 when malformed. */
static uint32_t layout_bytes(const char *value)
{
    char *end;
    unsigned long bytes = strtoul(value, &end, 10);
    return end != value && strncmp(end, " bytes", 6) == 0 && bytes <= UINT32_MAX ? (uint32_t)bytes
                                                                                 : 0;
}

static bool parse_layout(struct eo_info_facts *facts, const char *text)
{
    static const struct {
        const char *name;
        size_t offset;
    } lines[] = {
        {"Flash size (CHIP)", offsetof(struct eo_info_facts, flash_chip)},
        {"Flash size (SDK)", offsetof(struct eo_info_facts, flash_sdk)},
        {"Firmware size", offsetof(struct eo_info_facts, firmware_size)},
        {"Max OTA size", offsetof(struct eo_info_facts, max_ota)},
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const char *rest = after_prefix(text, lines[i].name);
        if (!rest)
            continue;
        rest += strspn(rest, " ");
        if (*rest != ':')
            return false;
        *(uint32_t *)((char *)facts + lines[i].offset) =
            layout_bytes(rest + 1 + strspn(rest + 1, " "));
        return true;
    }
    return false;
}

static void parse_1_14(struct eo_info_facts *facts, const char *text)
{
    const char *value;
    if (parse_layout(facts, text))
        return;
    if ((value = after_prefix(text, "CPU chip ID:")))
        take_chip_id(facts, value);
    else if ((value = after_prefix(text, "Board:")))
        copy_word(facts->board, sizeof facts->board, value);
    else if ((value = after_prefix(text, "Support:")))
        take_support(facts, value);
    else if ((value = after_prefix(text, "Firmware MD5:")))
        take_md5(facts, value);
    else if (strstr(text, "SAFE MODE"))
        facts->safe_mode = true;
    else if (!facts->version[0])
        take_version_line(facts, text);
}

static void parse_dev(struct eo_info_facts *facts, const char *line)
{
    const char *value;
    if ((value = after_prefix(line, "device:")))
        copy_word(facts->board, sizeof facts->board, value);
    else if ((value = after_prefix(line, "mcu:")) && (value = strstr(value, "chipid:")))
        take_chip_id(facts, value + 7);
    else if ((value = after_prefix(line, "md5:")))
        take_md5(facts, value);
    else if ((value = after_prefix(line, "support:")))
        take_support(facts, value);
    else if ((value = after_prefix(line, "system:")))
        facts->safe_mode = strstr(value, "UNSTABLE") != NULL;
    else if (!facts->version[0] && strstr(line, " built ") && take_version_line(facts, line))
        facts->dev_format = true;
}

void eo_info_parse_line(struct eo_info_facts *facts, const char *clean_line)
{
    const char *main_text = after_prefix(clean_line, "[MAIN] ");
    if (main_text)
        parse_1_14(facts, main_text);
    else
        parse_dev(facts, clean_line);
}

/* ---- one identification ------------------------------------------------------------------ */

struct attempt {
    const struct eo_target *target;
    const char *name;
    const struct eo_identify_options *options;
    struct eo_identity *out;
    double deadline;
    bool answered;        /* something answered, even without saying anything */
    bool mdns_record;     /* the device's mDNS record was read */
    const char *mdns_why; /* why there is no mDNS record */
    char last_error[EO_ERROR_MESSAGE_MAX];
};

static unsigned left_ms(const struct attempt *attempt, unsigned cap)
{
    unsigned left = (unsigned)eo_net_ms_left(attempt->deadline);
    if (left == 0)
        left = 1;
    return left < cap ? left : cap;
}

static bool time_is_up(const struct attempt *attempt)
{
    return eo_net_ms_left(attempt->deadline) <= 0;
}

static enum eo_status interrupted(const struct attempt *attempt, struct eo_error *err)
{
    eo_error_set(err, EO_ERR_INTERRUPTED, "interrupted while identifying %s", attempt->name);
    if (err)
        err->signal = eo_cancel_signal(attempt->options->cancel);
    return EO_ERR_INTERRUPTED;
}

static void remember(struct attempt *attempt, const struct eo_error *err)
{
    snprintf(attempt->last_error, sizeof attempt->last_error, "%s", err->message);
}

static bool version_known(const struct attempt *attempt)
{
    return attempt->out->device.version[0] != '\0';
}

/* ---- mDNS ---- */

void eo_identify_settle_kind(const struct eo_target *target, struct eo_device *device)
{
    bool core_board = strcasecmp(device->board, "ESPURNA_CORE") == 0 ||
                      strcasecmp(device->board, "ESPURNA_MINIMAL_ARDUINO_OTA") == 0;
    if (device->kind != EO_KIND_CORE || core_board || (device->methods & (1u << EO_METHOD_WEB)))
        return;
    if (!eo_net_port_accepts(
            target->address[0] || device->address_count == 0 ? target->address
                                                             : device->addresses[0],
            target->web_port ? target->web_port : EO_DEFAULT_WEB_PORT, SETTLE_PROBE_MS))
        return;
    device->kind = EO_KIND_FULL; /* its web server answers: its _http._tcp is still to come */
    device->methods |= 1u << EO_METHOD_WEB;
}

static enum eo_status from_mdns(struct attempt *attempt, struct eo_error *err)
{
    struct eo_error local;
    struct eo_device record;
    eo_error_clear(&local);
    enum eo_status status =
        eo_discover_device(attempt->name, attempt->target->address, left_ms(attempt, UINT32_MAX),
                           attempt->options->cancel, &record, &local);
    if (status == EO_ERR_INTERRUPTED)
        return interrupted(attempt, err);
    if (status != EO_OK) {
        attempt->mdns_why = status == EO_ERR_DISCOVERY ? "no avahi-daemon" : "no mDNS record";
        remember(attempt, &local);
        return EO_OK;
    }
    attempt->out->device = record;
    eo_identify_settle_kind(attempt->target, &attempt->out->device);
    attempt->out->sources |= EO_IDENTIFIED_MDNS;
    attempt->mdns_record = true;
    attempt->answered = true;
    return EO_OK;
}

/* ---- GET /discover ---- */

static uint16_t port_of(const struct attempt *attempt, enum eo_service service, uint16_t fallback)
{
    uint16_t announced = attempt->out->device.ports[service];
    return announced ? announced : fallback;
}

static void copy_if_empty(char *field, size_t cap, const char *value)
{
    if (!field[0] && value && value[0])
        snprintf(field, cap, "%s", value);
}

static void apply_web(struct attempt *attempt, const struct eo_web_identity *web, uint16_t port)
{
    struct eo_device *device = &attempt->out->device;
    copy_if_empty(device->app, sizeof device->app, web->app);
    copy_if_empty(device->version, sizeof device->version, web->version);
    copy_if_empty(device->hostname, sizeof device->hostname, web->hostname);
    device->methods |= 1u << EO_METHOD_WEB;
    device->ports[EO_SERVICE_HTTP] = port;
    if (device->kind == EO_KIND_UNKNOWN)
        device->kind = EO_KIND_FULL; /* /discover comes with the full build's web server */
    attempt->out->sources |= EO_IDENTIFIED_HTTP;
}

static enum eo_status from_http(struct attempt *attempt, struct eo_error *err)
{
    struct eo_target target = *attempt->target;
    struct eo_web_options web = {
        .skip_discover = true,
        .connect_timeout_ms = left_ms(attempt, CONNECT_TIMEOUT_MS),
        .stall_timeout_ms = left_ms(attempt, WEB_ANSWER_MS),
        .cancel = attempt->options->cancel,
    };
    struct eo_web_identity identity;
    struct eo_error local;
    eo_error_clear(&local);
    target.web_port = port_of(attempt, EO_SERVICE_HTTP, target.web_port);
    enum eo_status status = eo_web_discover(&target, &web, &identity, &local);
    if (eo_cancelled(attempt->options->cancel))
        return interrupted(attempt, err);
    if (status != EO_OK) {
        remember(attempt, &local);
        return EO_OK;
    }
    attempt->answered = true;
    if (identity.known)
        apply_web(attempt, &identity, target.web_port);
    return EO_OK;
}

/* ---- the terminal's `info` ---- */

static void set_figure(struct eo_figure *figure, uint32_t bytes, enum eo_figure_source source)
{
    if (bytes && figure->source == EO_FIGURE_UNKNOWN)
        *figure = (struct eo_figure){bytes, source};
}

/* 1.14 prints its layout: flash sizes in bytes, and "Max OTA size", the free space less one
 * sector rounded down to a sector; the free space itself is a whole number of sectors. */
static void apply_layout(struct eo_device *device, const struct eo_info_facts *facts)
{
    set_figure(&device->flash_real, facts->flash_chip, EO_FIGURE_REPORTED);
    set_figure(&device->flash_built, facts->flash_sdk, EO_FIGURE_REPORTED);
    if (facts->max_ota)
        set_figure(&device->free_space, facts->max_ota + EO_SECTOR_SIZE, EO_FIGURE_CONVERTED);
}

static void apply_info(struct attempt *attempt, const struct eo_info_facts *facts, uint16_t port)
{
    struct eo_device *device = &attempt->out->device;
    if (!facts->version[0] && !facts->md5[0] && facts->kind == EO_KIND_UNKNOWN)
        return;
    copy_if_empty(device->app, sizeof device->app, facts->app);
    copy_if_empty(device->version, sizeof device->version, facts->version);
    copy_if_empty(device->build_date, sizeof device->build_date, facts->build_date);
    copy_if_empty(device->board, sizeof device->board, facts->board);
    copy_if_empty(device->chip_id, sizeof device->chip_id, facts->chip_id);
    /* the module list is surer than a kind guessed from a record without ESPurna's keys */
    if (facts->kind != EO_KIND_UNKNOWN && (device->kind == EO_KIND_UNKNOWN || !device->espurna_txt))
        device->kind = facts->kind;
    apply_layout(device, facts);
    device->methods |= 1u << EO_METHOD_TERMINAL;
    device->ports[EO_SERVICE_TELNET] = port;
    snprintf(attempt->out->firmware_md5, sizeof attempt->out->firmware_md5, "%s", facts->md5);
    attempt->out->sources |= EO_IDENTIFIED_TERMINAL;
}

/* Reads `info` until "+OK" / "-ERROR", the connection closes, or silence. */
static enum eo_status read_info(struct attempt *attempt, struct eo_telnet *session,
                                struct eo_info_facts *facts, struct eo_error *err)
{
    char line[256];
    unsigned wait = INFO_SILENCE_MS;
    for (;;) {
        int got = eo_telnet_read_line(session, left_ms(attempt, wait), line, sizeof line);
        if (got == 0 && eo_cancelled(attempt->options->cancel))
            return interrupted(attempt, err);
        if (got <= 0)
            return EO_OK;
        enum eo_term_line kind = eo_terminal_classify(line);
        if (kind == EO_TERM_OK || kind == EO_TERM_ERROR || kind == EO_TERM_AUTH_FAILED ||
            kind == EO_TERM_PROMPT || kind == EO_TERM_PROMPT_RETRY ||
            kind == EO_TERM_PROMPT_ONE_TRY)
            return EO_OK;
        eo_info_parse_line(facts, line);
        if (time_is_up(attempt))
            return EO_OK; /* a terminal that never ends its answer: what came so far */
        wait = INFO_LINE_MS;
    }
}

/* One session: login, `info`, its lines into facts. */
static enum eo_status terminal_session(struct attempt *attempt, struct eo_telnet *session,
                                       struct eo_info_facts *facts, struct eo_error *err)
{
    struct eo_error local;
    eo_error_clear(&local);
    enum eo_status status = eo_telnet_login(session, attempt->options->password,
                                            left_ms(attempt, PROMPT_WAIT_MS), &local);
    if (status == EO_OK)
        status = eo_telnet_send(session, "info", &local);
    if (status == EO_OK)
        status = read_info(attempt, session, facts, err);
    else if (status != EO_ERR_INTERRUPTED)
        remember(attempt, &local);
    if (status == EO_ERR_INTERRUPTED || eo_cancelled(attempt->options->cancel))
        return interrupted(attempt, err);
    return EO_OK;
}

/* The terminal takes one client at a time and closes the others at once: a connection made
 * just before (a probe of its port) may still hold it for a moment. */
static bool closed_at_once(const struct eo_telnet *session, const struct eo_info_facts *facts)
{
    return session->closed && !facts->version[0] && !facts->md5[0] &&
           facts->kind == EO_KIND_UNKNOWN;
}

static void pause_ms(const struct attempt *attempt, unsigned ms)
{
    eo_net_poll_cancellable(NULL, 0, (int)left_ms(attempt, ms), attempt->options->cancel);
}

static enum eo_status from_terminal(struct attempt *attempt, struct eo_error *err)
{
    struct eo_telnet session;
    struct eo_error local;
    struct eo_info_facts facts;
    uint16_t port = port_of(attempt, EO_SERVICE_TELNET, attempt->target->telnet_port);
    enum eo_status status = EO_OK;
    for (unsigned tries = 0; status == EO_OK && tries < TERMINAL_TRIES; tries++) {
        if (tries > 0)
            pause_ms(attempt, TERMINAL_RETRY_MS);
        if (eo_cancelled(attempt->options->cancel) || time_is_up(attempt))
            break;
        eo_error_clear(&local);
        eo_info_facts_init(&facts);
        status = eo_telnet_connect(&session, attempt->name, attempt->target->address, port,
                                   left_ms(attempt, CONNECT_TIMEOUT_MS), attempt->options->cancel,
                                   &local);
        if (status == EO_ERR_INTERRUPTED)
            return interrupted(attempt, err);
        if (status != EO_OK) {
            remember(attempt, &local);
            return EO_OK;
        }
        attempt->answered = true;
        status = terminal_session(attempt, &session, &facts, err);
        bool again = closed_at_once(&session, &facts);
        eo_telnet_close(&session);
        if (status == EO_OK && !again) {
            apply_info(attempt, &facts, port);
            break;
        }
    }
    return status;
}

/* ---- which sources to ask ---- */

/* A 1.12–1.14 core build prints nothing on its terminal. */
static bool silent_terminal(const struct eo_device *device)
{
    unsigned major, minor;
    return device->kind == EO_KIND_CORE &&
           eo_device_version_parse(device->version, &major, &minor) &&
           (major < 1 || (major == 1 && minor < 15));
}

static bool want_http(const struct attempt *attempt)
{
    const struct eo_device *device = &attempt->out->device;
    if (version_known(attempt) || time_is_up(attempt))
        return false;
    /* its mDNS record lists its services: without _http._tcp there is no web server */
    return !attempt->mdns_record || device->ports[EO_SERVICE_HTTP] != 0;
}

static bool want_terminal(const struct attempt *attempt)
{
    const struct eo_device *device = &attempt->out->device;
    if (time_is_up(attempt))
        return false;
    if (!version_known(attempt))
        return true;
    return attempt->options->want_md5 && !attempt->out->firmware_md5[0] && !silent_terminal(device);
}

/* ---- what is missing ---- */

static void add_missing(char *list, size_t cap, const char *what)
{
    size_t len = strlen(list);
    snprintf(list + len, cap - len, "%s%s", len ? ", " : "", what);
}

static void fill_missing(struct attempt *attempt)
{
    const struct eo_identity *out = attempt->out;
    const struct eo_device *device = &out->device;
    char list[120] = "";
    if (!device->version[0])
        add_missing(list, sizeof list, "version");
    if (device->kind == EO_KIND_UNKNOWN)
        add_missing(list, sizeof list, "kind");
    if (device->free_space.source == EO_FIGURE_UNKNOWN)
        add_missing(list, sizeof list, "free space");
    if (device->flash_real.source == EO_FIGURE_UNKNOWN)
        add_missing(list, sizeof list, "flash size");
    if (attempt->options->want_md5 && !out->firmware_md5[0])
        add_missing(list, sizeof list, "firmware md5");
    if (!list[0]) {
        attempt->out->missing[0] = '\0';
        return;
    }
    const char *why = attempt->mdns_record ? "not in its mDNS record"
                      : attempt->mdns_why  ? attempt->mdns_why
                                           : "mDNS not asked";
    snprintf(attempt->out->missing, sizeof attempt->out->missing, "%s: %s%s", list, why,
             attempt->mdns_record ? "" : ", and neither /discover nor the terminal says");
}

static enum eo_status conclude(struct attempt *attempt, struct eo_error *err)
{
    fill_missing(attempt);
    attempt->out->answered = attempt->answered;
    if (version_known(attempt))
        return EO_OK;
    if (!attempt->answered && !attempt->target->address[0]) /* a name nobody announced */
        return eo_error_set(err, EO_ERR_UNREACHABLE, "%s was not found (%s)", attempt->name,
                            attempt->mdns_why ? attempt->mdns_why : "no mDNS record");
    if (!attempt->answered)
        return eo_error_set(err, EO_ERR_UNREACHABLE, "%s does not answer (%s)", attempt->name,
                            attempt->last_error[0] ? attempt->last_error : "no mDNS record");
    return eo_error_set(err, EO_ERR_UNREACHABLE,
                        "%s answers but does not say which version it runs (a 1.12-1.14 core "
                        "build prints nothing on its terminal)",
                        attempt->name);
}

static void start(struct eo_identity *out)
{
    memset(out, 0, sizeof *out);
    eo_device_init(&out->device);
}

enum eo_status eo_identify(const struct eo_target *target, const char *name,
                           const struct eo_identify_options *options, struct eo_identity *out,
                           struct eo_error *err)
{
    unsigned timeout = options->timeout_ms ? options->timeout_ms : DEFAULT_TIMEOUT_MS;
    struct attempt attempt = {
        .target = target,
        .name = name && name[0] ? name : target->address,
        .options = options,
        .out = out,
        .deadline = eo_net_now() + timeout / 1000.0,
    };
    enum eo_status status = EO_OK;
    if (out->sources == EO_IDENTIFIED_MDNS) {
        attempt.mdns_record = attempt.answered = true;
        out->firmware_md5[0] = out->missing[0] = '\0';
    } else {
        start(out);
        attempt.mdns_why = options->use_mdns ? NULL : "mDNS not used";
        if (options->use_mdns)
            status = from_mdns(&attempt, err);
    }
    if (status == EO_OK && want_http(&attempt))
        status = from_http(&attempt, err);
    if (status == EO_OK && want_terminal(&attempt))
        status = from_terminal(&attempt, err);
    if (status == EO_OK && eo_cancelled(options->cancel))
        status = interrupted(&attempt, err);
    return status == EO_OK ? conclude(&attempt, err) : status;
}
