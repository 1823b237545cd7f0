/* options.c — espurna-vdev's command line: one table of options (name, argument, help, how to
 * store it) drives parsing, validation and --help. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdh.h"

enum opt_kind {
    K_STRING,
    K_UINT,
    K_FLAG,
    K_FLASH_SIZE,
    K_DIALECT,
    K_PASSWORD,
    K_PASSWORD_FILE,
    K_CHIP_ID,
    K_FAULT,
    K_TXT,
    K_SECTOR_MS,
    K_FLASH_KBPS,
    K_TIME_SCALE,
    K_LIE
};

struct opt {
    const char *name;
    enum opt_kind kind;
    size_t offset;     /* into struct vdh_options */
    unsigned long max; /* K_UINT bound */
    const char *arg;
    const char *help;
};

#define OFF(field) offsetof(struct vdh_options, field)
#define CRASH_LOOP_DEFAULT_MS 500u

static const struct opt table[] = {
    {"flash", K_STRING, OFF(flash_path), 0, "FILE",
     "the device's flash (created, filled with 0xFF, when missing)"},
    {"flash-size", K_FLASH_SIZE, OFF(flash_size), 0, "1M|2M|4M",
     "size when creating (default 1M); an existing file's size wins"},
    {"install", K_STRING, OFF(install), 0, "IMAGE",
     "serial-flash IMAGE at offset 0 before booting"},
    {"address", K_STRING, OFF(address), 0, "ADDR", "IPv4 address every service binds to"},
    {"hostname", K_STRING, OFF(hostname), 0, "NAME", "default ESPURNA-<chip id>"},
    {"chip-id", K_CHIP_ID, OFF(chip_id), 0, "HEX",
     "chip id, up to 6 hex digits (default: from the address)"},
    {"dialect", K_DIALECT, OFF(dialect), 0, "auto|1.14.0|1.14.1|dev",
     "era whose answers the device gives (default auto: from the running version at each boot; "
     "1.14 is taken as 1.14.1)"},
    {"password-file", K_PASSWORD_FILE, OFF(password), 0, "FILE",
     "admin password (default \"fibonacci\")"},
    {"password", K_PASSWORD, OFF(password), 0, "PW", "admin password (prefer --password-file)"},
    {"espota-port", K_UINT, OFF(espota_port), 65535, "N", "espota UDP port (8266; 0 = ephemeral)"},
    {"web-port", K_UINT, OFF(web_port), 65535, "N", "web port (80; 0 = ephemeral)"},
    {"telnet-port", K_UINT, OFF(telnet_port), 65535, "N", "telnet port (23; 0 = ephemeral)"},
    {"no-mdns", K_FLAG, OFF(no_mdns), 0, NULL, "don't publish over avahi"},
    {"txt", K_TXT, OFF(txt), 0, "full|minimal|malformed", "mDNS TXT keys (default full)"},
    {"reboot-ms", K_UINT, OFF(reboot_ms), 3600000, "N",
     "boot time: nothing answers while rebooting (default 3000), on top of eboot's copy of a "
     "staged update"},
    {"ack-latency-ms", K_UINT, OFF(ack_latency_ms), 60000, "N",
     "network delay of each espota ack, sent when due (default 0)"},
    {"flash-sector-ms", K_SECTOR_MS, OFF(timing), 0, "MS",
     "erase + write of one 4096-byte sector, by the Updater or eboot's copy (default 33; 0 = no "
     "flash time)"},
    {"flash-kbps", K_FLASH_KBPS, OFF(timing), 1000000, "N",
     "the same as a flash-sector-ms of 4000/N (0 = no flash time)"},
    {"time-scale", K_TIME_SCALE, OFF(timing), 0, "F",
     "scales every emulated time: flash, boot copy, reboot, ack latency, espota pauses (default "
     "1; e.g. 0.1 for tests; faults are not scaled)"},
    {"rcvbuf", K_UINT, OFF(rcvbuf), 16777216, "BYTES",
     "SO_RCVBUF of the sockets that take an image (espota, web, ota; default 5840, lwIP's "
     "window, with its MSS 1460; 0 = the kernel's socket: autotuned buffers, loopback MSS)"},
    {"system-check-ms", K_UINT, OFF(system_check_ms), 3600000, "N",
     "uptime after which a boot counts as stable (SYSTEM_CHECK_TIME, default 60000)"},
    {"fault", K_FAULT, OFF(faults), 0, "NAME[=VALUE]",
     "repeatable: drop-at=PERCENT, corrupt-sector, lose-udp=K, "
     "no-connect-back, no-space, slow-reboot=MS, never-return, old-image, lose-auth-reply, "
     "new-address=IPV4, "
     "verdict-delay=MS, no-verdict, crash-loop[=MS], web-drop-at=PERCENT, fetch-drop-at=PERCENT, "
     "no-fetch, "
     "no-reboot, mdns-vanish, power-cut"},
    {"lie", K_LIE, OFF(lies), 0, "NAME[=V]",
     "repeatable, a lying device (lies.c): " VDH_LIES_NAMES},
    {"ports-file", K_STRING, OFF(ports_file), 0, "FILE",
     "written once listening: \"espota=P web=P telnet=P\""},
    {"pid-file", K_STRING, OFF(pid_file), 0, "FILE", "process id, written at start"},
    {"log", K_STRING, OFF(log_file), 0, "FILE", "log lines (default stderr)"},
    {"watchdog", K_UINT, OFF(watchdog), 86400 * 7, "SECONDS",
     "exit after this long no matter what (default 0 = none)"},
};

#define TABLE_SIZE (sizeof table / sizeof table[0])

static void print_help(void)
{
    printf("usage: espurna-vdev --flash FILE --address ADDR [options]\n"
           "A virtual ESPurna (ESP8266) device: espota, web upgrade, telnet terminal, mDNS.\n\n");
    for (size_t i = 0; i < TABLE_SIZE; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", table[i].name, table[i].arg ? " " : "",
                 table[i].arg ? table[i].arg : "");
        printf("  %-30s %s\n", left, table[i].help);
    }
    printf("  %-30s %s\n", "--help", "this help");
}

static int usage(const char *format, const char *a, const char *b)
{
    fprintf(stderr, "espurna-vdev: ");
    fprintf(stderr, format, a, b);
    fprintf(stderr, "\ntry 'espurna-vdev --help'\n");
    return 2;
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

static int read_password_file(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return usage("--password-file %s: %s", path, strerror(errno));
    size_t n = fread(out, 1, cap - 1, f);
    fclose(f);
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return 0;
}

static int parse_fault(const char *value, struct vdh_faults *f)
{
    const char *eq = strchr(value, '=');
    size_t name_len = eq ? (size_t)(eq - value) : strlen(value);
    const char *arg = eq ? eq + 1 : NULL;
    unsigned long n = 0;
#define IS(name) (name_len == strlen(name) && strncmp(value, name, name_len) == 0)
    if (IS("drop-at") && arg && parse_ulong(arg, 99, &n))
        f->drop_at = (int)n;
    else if (IS("web-drop-at") && arg && parse_ulong(arg, 99, &n))
        f->web_drop_at = (int)n;
    else if (IS("fetch-drop-at") && arg && parse_ulong(arg, 99, &n))
        f->fetch_drop_at = (int)n;
    else if (IS("no-fetch") && !arg)
        f->no_fetch = true;
    else if (IS("no-reboot") && !arg)
        f->no_reboot = true;
    else if (IS("mdns-vanish") && !arg)
        f->mdns_vanish = true;
    else if (IS("power-cut") && !arg)
        f->power_cut = true;
    else if (IS("lose-udp") && arg && parse_ulong(arg, 1000000, &n))
        f->lose_udp = (unsigned)n;
    else if (IS("slow-reboot") && arg && parse_ulong(arg, 3600000, &n))
        f->slow_reboot_ms = (unsigned)n;
    else if (IS("corrupt-sector") && !arg)
        f->corrupt_sector = true;
    else if (IS("no-connect-back") && !arg)
        f->no_connect_back = true;
    else if (IS("no-space") && !arg)
        f->no_space = true;
    else if (IS("never-return") && !arg)
        f->never_return = true;
    else if (IS("old-image") && !arg)
        f->old_image = true;
    else if (IS("lose-auth-reply") && !arg)
        f->lose_auth_reply = true;
    else if (IS("verdict-delay") && arg && parse_ulong(arg, 3600000, &n))
        f->verdict_delay_ms = (unsigned)n;
    else if (IS("no-verdict") && !arg)
        f->no_verdict = true;
    else if (IS("crash-loop") && !arg)
        f->crash_loop_ms = CRASH_LOOP_DEFAULT_MS;
    else if (IS("crash-loop") && arg && parse_ulong(arg, 3600000, &n) && n > 0)
        f->crash_loop_ms = (unsigned)n;
    else if (IS("new-address") && arg && inet_pton(AF_INET, arg, &f->new_address) == 1 &&
             f->new_address.s_addr != 0) { /* taken at the next reboot */
    } else
        return usage(
            "--fault '%s': unknown fault or bad value%s", value,
            " (drop-at=0..99, web-drop-at=0..99, fetch-drop-at=0..99, lose-udp=K, slow-reboot=MS, "
            "verdict-delay=MS, crash-loop[=MS>0], new-address=IPV4, or a name without value)");
#undef IS
    return 0;
}

static int store_choice(const char *value, const char *const names[], int n, int *out,
                        const char *option)
{
    for (int i = 0; i < n; i++)
        if (strcmp(value, names[i]) == 0) {
            *out = i;
            return 0;
        }
    return usage("--%s: '%s' is not a valid choice", option, value);
}

static int store_flash_size(const char *value, uint32_t *out)
{
    static const char *const names[] = {"1M", "2M", "4M"};
    int i;
    if (store_choice(value, names, 3, &i, "flash-size"))
        return 2;
    *out = (1u << 20) << i;
    return 0;
}

static int store_chip_id(const char *value, uint32_t *out)
{
    char *end;
    size_t len = strlen(value);
    unsigned long v = strtoul(value, &end, 16);
    if (len == 0 || len > 8 || *end || v > 0xFFFFFF || value[0] == '-' || value[0] == '+')
        return usage("--chip-id '%s': needs up to 6 hex digits%s", value, "");
    *out = (uint32_t)v;
    return 0;
}

#define SECTOR_MS_MAX 10000u /* a sector time beyond 10 s is no flash */

static int store_timing(const struct opt *o, const char *value, struct vdh_options *opts)
{
    struct vdh_timing *t = &opts->timing;
    uint64_t n;
    switch (o->kind) {
    case K_SECTOR_MS:
        if (!vdh_parse_decimal(value, 3, SECTOR_MS_MAX * 1000u, &n))
            return usage("--%s: '%s' is not a time in milliseconds (0 to 10000, up to 3 decimals)",
                         o->name, value);
        t->sector_us = (uint32_t)n;
        opts->sector_ms_given = true;
        return 0;
    case K_FLASH_KBPS:
        if (!vdh_parse_decimal(value, 0, o->max, &n))
            return usage("--%s: '%s' is not a number in range", o->name, value);
        t->sector_us = vdh_sector_us_for_kbps((unsigned)n);
        opts->flash_kbps_given = true;
        return 0;
    default:
        if (!vdh_parse_decimal(value, 6, VDH_SCALE_MAX, &n))
            return usage("--%s: '%s' is not a scale from 0 to 100 (e.g. 0.1)", o->name, value);
        t->scale = (uint32_t)n;
        return 0;
    }
}

static int store(const struct opt *o, const char *value, struct vdh_options *opts)
{
    void *target = (char *)opts + o->offset;
    unsigned long n;
    static const char *const dialects[] = {"auto", "1.14.0", "1.14.1",
                                           "dev"}; /* vdh_dialect_choice */
    static const char *const txts[] = {"full", "minimal", "malformed"};
    switch (o->kind) {
    case K_STRING: *(const char **)target = value; return 0;
    case K_FLAG: *(bool *)target = true; return 0;
    case K_UINT:
        if (!parse_ulong(value, o->max, &n))
            return usage("--%s: '%s' is not a number in range", o->name, value);
        *(unsigned *)target = (unsigned)n;
        return 0;
    case K_FLASH_SIZE: return store_flash_size(value, target);
    case K_DIALECT:
        if (strcmp(value, "1.14") == 0) /* the 1.14 of earlier versions: the latest 1.14 */
            value = "1.14.1";
        return store_choice(value, dialects, 4, (int *)target, o->name);
    case K_TXT: return store_choice(value, txts, 3, (int *)target, o->name);
    case K_PASSWORD: snprintf(target, sizeof opts->password, "%s", value); return 0;
    case K_PASSWORD_FILE: return read_password_file(value, target, sizeof opts->password);
    case K_CHIP_ID: return store_chip_id(value, target);
    case K_FAULT: return parse_fault(value, target);
    case K_LIE: return vdh_lies_parse(value, target);
    case K_SECTOR_MS:
    case K_FLASH_KBPS:
    case K_TIME_SCALE: return store_timing(o, value, opts);
    }
    return 2;
}

static void set_defaults(struct vdh_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->flash_size = 1u << 20;
    opts->dialect = VDH_DIALECT_AUTO;
    snprintf(opts->password, sizeof opts->password, "fibonacci");
    opts->espota_port = 8266;
    opts->web_port = 80;
    opts->telnet_port = 23;
    opts->reboot_ms = 3000;
    opts->system_check_ms = VD_SYSTEM_CHECK_TIME_MS;
    opts->rcvbuf = VDH_LWIP_WINDOW;
    opts->timing = (struct vdh_timing){VDH_SECTOR_US_DEFAULT, VDH_SCALE_ONE};
    opts->chip_id = UINT32_MAX; /* derived from the address later */
    opts->faults.drop_at = -1;
    opts->faults.web_drop_at = -1;
    opts->faults.fetch_drop_at = -1;
}

static const struct opt *find(const char *name, size_t len)
{
    for (size_t i = 0; i < TABLE_SIZE; i++)
        if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0)
            return &table[i];
    return NULL;
}

int vdh_options_parse(int argc, char **argv, struct vdh_options *opts)
{
    set_defaults(opts);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help();
            return 1;
        }
        if (strncmp(a, "--", 2) != 0)
            return usage("unexpected argument '%s'%s", a, "");
        const char *eq = strchr(a + 2, '=');
        const struct opt *o = find(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
        if (!o)
            return usage("unknown option '%s'%s", a, "");
        const char *value = eq ? eq + 1 : NULL;
        if (o->kind != K_FLAG && !value && (value = (i + 1 < argc ? argv[++i] : NULL)) == NULL)
            return usage("--%s needs a value (%s)", o->name, o->arg);
        if (o->kind == K_FLAG && value)
            return usage("--%s takes no value%s", o->name, "");
        if (store(o, value, opts))
            return 2;
    }
    if (!opts->flash_path || !opts->address)
        return usage("--flash FILE and --address ADDR are required%s%s", "", "");
    if (opts->flash_kbps_given && opts->sector_ms_given)
        return usage("--flash-kbps and --flash-sector-ms both set the flash time; give one%s%s", "",
                     "");
    return 0;
}
