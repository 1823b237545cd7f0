/* eo-watch.c — test driver for the identification and reboot wait of the upgrade module (there
 * is no `upgrade` command yet): calls eo_identify, eo_watch_reboot or eo_watch_soak on one
 * device and prints the outcome as one JSON object on stdout. SIGINT / SIGTERM cancel the call
 * in progress. For `reboot` it identifies the device first, then writes "ready" on stderr
 * before it starts waiting, so a script knows when to make the device reboot.
 *
 *   eo-watch identify ADDRESS [options]
 *   eo-watch reboot ADDRESS [options] [--timeout MS] [--go-timeout MS]
 *   eo-watch soak ADDRESS --seconds N [options]
 * options: --name NAME, --no-mdns, --md5, --password-file FILE, --identify-timeout MS */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espurna-ota/net.h"
#include "espurna-ota/watch.h"

struct args {
    const char *command;
    const char *address;
    const char *name;
    char password[128];
    bool no_mdns, md5;
    unsigned identify_timeout_ms, timeout_ms, go_timeout_ms, seconds;
};

static struct eo_cancel cancel;

static void on_signal(int signal)
{
    cancel.signal = signal;
}

static void catch_signals(void)
{
    struct sigaction action = {.sa_handler = on_signal}; /* no SA_RESTART: waits wake up */
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

static int usage(const char *why)
{
    fprintf(stderr,
            "eo-watch: %s\nusage: eo-watch identify|reboot|soak ADDRESS [--name NAME] "
            "[--no-mdns] [--md5] [--password-file FILE] [--identify-timeout MS] [--timeout MS] "
            "[--go-timeout MS] [--seconds N]\n",
            why);
    return 2;
}

static bool read_password(const char *path, char *out, size_t cap)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return false;
    bool ok = fgets(out, (int)cap, file) != NULL;
    fclose(file);
    out[strcspn(out, "\r\n")] = '\0';
    return ok;
}

static bool parse_option(struct args *args, const char *option, const char *value)
{
    if (strcmp(option, "--name") == 0)
        args->name = value;
    else if (strcmp(option, "--password-file") == 0)
        return read_password(value, args->password, sizeof args->password);
    else if (strcmp(option, "--identify-timeout") == 0)
        args->identify_timeout_ms = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(option, "--timeout") == 0)
        args->timeout_ms = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(option, "--go-timeout") == 0)
        args->go_timeout_ms = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(option, "--seconds") == 0)
        args->seconds = (unsigned)strtoul(value, NULL, 10);
    else
        return false;
    return true;
}

static bool parse_args(int argc, char **argv, struct args *args)
{
    memset(args, 0, sizeof *args);
    if (argc < 3)
        return false;
    args->command = argv[1];
    args->address = argv[2];
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--no-mdns") == 0)
            args->no_mdns = true;
        else if (strcmp(argv[i], "--md5") == 0)
            args->md5 = true;
        else if (i + 1 >= argc || !parse_option(args, argv[i], argv[i + 1]))
            return false;
        else
            i++;
    }
    return true;
}

/* ---- JSON ---- */

static json_t *sources_json(unsigned sources)
{
    json_t *list = json_array();
    if (sources & EO_IDENTIFIED_MDNS)
        json_array_append_new(list, json_string("mdns"));
    if (sources & EO_IDENTIFIED_HTTP)
        json_array_append_new(list, json_string("http"));
    if (sources & EO_IDENTIFIED_TERMINAL)
        json_array_append_new(list, json_string("terminal"));
    return list;
}

static json_t *identity_json(const struct eo_identity *identity)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "device", eo_device_to_json(&identity->device));
    json_object_set_new(obj, "sources", sources_json(identity->sources));
    json_object_set_new(obj, "answered", json_boolean(identity->answered));
    json_object_set_new(obj, "md5", json_string(identity->firmware_md5));
    json_object_set_new(obj, "missing", json_string(identity->missing));
    return obj;
}

static void add_status(json_t *doc, enum eo_status status, const struct eo_error *err)
{
    const char *hint = status == EO_OK ? NULL : eo_hint_name(err->hint);
    json_object_set_new(doc, "status", json_string(eo_status_name(status)));
    json_object_set_new(doc, "message", json_string(status == EO_OK ? "" : err->message));
    json_object_set_new(doc, "hint", hint ? json_string(hint) : json_null());
    json_object_set_new(doc, "signal", json_integer(status == EO_OK ? 0 : err->signal));
}

static int print(json_t *doc, enum eo_status status, double started)
{
    json_object_set_new(doc, "elapsed_s", json_real(eo_net_now() - started));
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    puts(text ? text : "{}");
    free(text);
    json_decref(doc);
    return status == EO_OK ? 0 : status == EO_ERR_INTERRUPTED ? 130 : (int)status;
}

/* ---- events ---- */

static void collect(void *ctx, const struct eo_event *event)
{
    json_t *item = json_object();
    json_object_set_new(item, "text", json_string(event->text ? event->text : ""));
    json_object_set_new(item, "phase", json_integer(event->phase));
    json_array_append_new(ctx, item);
}

/* ---- commands ---- */

static struct eo_identify_options identify_options(const struct args *args)
{
    return (struct eo_identify_options){
        .password = args->password[0] ? args->password : NULL,
        .use_mdns = !args->no_mdns,
        .want_md5 = args->md5,
        .timeout_ms = args->identify_timeout_ms,
        .cancel = &cancel,
    };
}

static int identify(const struct args *args, const struct eo_target *target, const char *name)
{
    struct eo_identify_options options = identify_options(args);
    struct eo_identity identity = {0};
    struct eo_error err;
    eo_error_clear(&err);
    double started = eo_net_now();
    enum eo_status status = eo_identify(target, name, &options, &identity, &err);
    json_t *doc = json_object();
    add_status(doc, status, &err);
    json_object_set_new(doc, "identity", identity_json(&identity));
    return print(doc, status, started);
}

static json_t *seen_json(const struct eo_reboot_seen *seen)
{
    return json_pack("{s:f, s:f, s:f}", "gone_s", seen->gone_s, "back_s", seen->back_s, "total_s",
                     seen->total_s);
}

static int reboot(const struct args *args, const struct eo_target *target, const char *name)
{
    struct eo_identity before = {0}, after = {0};
    struct eo_reboot_seen seen = {-1, -1, 0};
    struct eo_error err;
    json_t *events = json_array();
    struct eo_events sink = {.emit = collect, .ctx = events};
    struct eo_reboot_options options = {
        .identify = identify_options(args),
        .timeout_ms = args->timeout_ms,
        .go_timeout_ms = args->go_timeout_ms,
        .device_label = name,
        .events = &sink,
    };
    eo_error_clear(&err);
    enum eo_status status = eo_identify(target, name, &options.identify, &before, &err);
    fprintf(stderr, "ready\n");
    fflush(stderr);
    double started = eo_net_now();
    if (status == EO_OK)
        status = eo_watch_reboot(target, name, &before, &options, &after, &seen, &err);
    json_t *doc = json_object();
    add_status(doc, status, &err);
    json_object_set_new(doc, "before", identity_json(&before));
    json_object_set_new(doc, "after", identity_json(&after));
    json_object_set_new(doc, "seen", seen_json(&seen));
    json_object_set_new(doc, "events", events);
    return print(doc, status, started);
}

static int soak(const struct args *args, const struct eo_target *target, const char *name)
{
    struct eo_error err;
    eo_error_clear(&err);
    fprintf(stderr, "ready\n");
    fflush(stderr);
    double started = eo_net_now();
    enum eo_status status = eo_watch_soak(target, name, args->seconds, &cancel, &err);
    json_t *doc = json_object();
    add_status(doc, status, &err);
    return print(doc, status, started);
}

int main(int argc, char **argv)
{
    struct args args;
    struct eo_target target;
    if (!parse_args(argc, argv, &args))
        return usage("bad arguments");
    catch_signals();
    eo_target_init(&target, args.name ? args.name : args.address, args.address);
    const char *name = args.name ? args.name : args.address;
    if (strcmp(args.command, "identify") == 0)
        return identify(&args, &target, name);
    if (strcmp(args.command, "reboot") == 0)
        return reboot(&args, &target, name);
    if (strcmp(args.command, "soak") == 0)
        return soak(&args, &target, name);
    return usage("unknown command");
}
