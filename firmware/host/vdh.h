/* vdh.h — the host port of the virtual device: one process, one poll() loop for the sockets
 * (UDP espota, telnet, libmicrohttpd's sockets), avahi in its own threaded poll. Blocking
 * phases (the espota data transfer, an `ota <url>` download) run inside the loop, as they do on
 * the single-threaded ESP8266. Everything the port shares lives in struct vdh_device. */
#ifndef VDH_H
#define VDH_H

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "vd_era.h"
#include "vd_espota.h"
#include "vd_identity.h"
#include "vd_settings.h"
#include "vd_stability.h"
#include "vd_terminal.h"
#include "vd_updater.h"
#include "timing.h"
#include "lies.h"

/* ---- options --------------------------------------------------------------------------- */

struct vdh_faults {
    int drop_at;         /* percent of the image after which the espota connection drops, -1 none */
    bool corrupt_sector; /* flip a byte in one written sector of each update */
    unsigned lose_udp;   /* ignore the first K datagrams (since start) */
    bool no_connect_back;
    bool no_space;
    unsigned slow_reboot_ms;    /* added to every reboot */
    bool never_return;          /* the next reboot never ends */
    bool old_image;             /* boots discard the staged update */
    bool lose_auth_reply;       /* every espota "200 ..." datagram is lost on the way */
    unsigned verdict_delay_ms;  /* the espota verdict goes out this much later */
    bool no_verdict;            /* the espota verdict is lost: the connection closes without it
                                 * (the update itself ends as it would) */
    unsigned crash_loop_ms;     /* every stable boot crashes this long after it (0 = never) */
    struct in_addr new_address; /* taken at the next reboot and kept (a DHCP lease that moved);
                                 * 0.0.0.0: never */
    int web_drop_at;            /* percent of an upload body after which the web connection
                                 * closes, -1 none */
    int fetch_drop_at;          /* percent of an `ota` download after which it breaks off (a
                                 * reset: nothing installed), -1 none */
    bool no_fetch;              /* `ota <url>` never reaches the server: "Connection failed" */
    bool no_reboot;             /* an accepted update is staged, the reboot never comes */
    bool mdns_vanish;           /* boots after the first of this process publish nothing */
    bool power_cut;             /* the next reboot's eboot copy is cut halfway (once) */
};

/* --dialect: auto follows the running image's version at every boot; the others force an era
 * for the process lifetime ("1.14" is 1.14.1). */
enum vdh_dialect_choice {
    VDH_DIALECT_AUTO = 0,
    VDH_DIALECT_FORCE_1_14_0,
    VDH_DIALECT_FORCE_1_14_1,
    VDH_DIALECT_FORCE_DEV,
};

struct vdh_options {
    const char *flash_path;
    uint32_t flash_size;
    const char *install;
    const char *address;
    const char *hostname;
    uint32_t chip_id;
    enum vdh_dialect_choice dialect;
    char password[128];
    unsigned espota_port, web_port, telnet_port;
    bool no_mdns;
    enum vd_txt_mode txt;
    unsigned reboot_ms, ack_latency_ms;
    unsigned rcvbuf;          /* SO_RCVBUF of the sockets that take an image, 0 = the kernel's */
    struct vdh_timing timing; /* flash sector time and time scale */
    bool flash_kbps_given, sector_ms_given; /* both set the sector time: one of them only */
    unsigned system_check_ms; /* uptime after which a boot counts as stable (SYSTEM_CHECK_TIME) */
    struct vdh_faults faults;
    struct vdh_lies lies; /* --lie: answers no real device gives (lies.c) */
    const char *ports_file, *pid_file, *log_file;
    unsigned watchdog;
};

/* Parses argv into opts (defaults applied). Returns 0 to run, 1 after --help, 2 on a usage
 * error (message already on stderr). */
int vdh_options_parse(int argc, char **argv, struct vdh_options *opts);

/* ---- log ------------------------------------------------------------------------------- */

bool vdh_log_open(const char *path);
void vdh_log_close(void);
void vdh_log(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* ---- time ------------------------------------------------------------------------------ */

uint64_t vdh_now_ms(void); /* monotonic */
uint64_t vdh_now_us(void); /* monotonic */
/* Sleeps up to ms (us), returning early (false) when the process is asked to stop. */
bool vdh_sleep_ms(unsigned ms);
bool vdh_sleep_us(uint64_t us);
extern volatile sig_atomic_t vdh_stop;

/* Work that goes on while the device is busy (a flash erase): run() does what is due and
 * returns the microseconds until it wants to run again, or -1 when nothing waits. */
struct vdh_busy_work {
    int64_t (*run)(void *ctx);
    void *ctx;
};
/* Spends us of wall time busy, running `work` (run NULL: none) whenever it asks to. false when
 * the process is asked to stop. */
bool vdh_busy_us(uint64_t us, const struct vdh_busy_work *work);

/* ---- flash file, crypto and inflate ops ---------------------------------------------------------
 */

/* The flash file. Every sector erase (an update's sector, a sector of the boot copy) takes the
 * sector time, during which the device does nothing else: it does not read its sockets; only
 * `while_busy` (acks already in flight) goes on. */
struct vdh_flash {
    int fd;
    uint32_t size;
    uint64_t sector_wall_us; /* one sector erase + write, wall time (scaled), 0 = no time */
    bool timed;              /* erases take time (not while serial-flashing --install) */
    uint32_t sector_writes;  /* sectors erased and written since open (not --install's) */
    struct vdh_busy_work while_busy;
    bool corrupt_next;    /* flip a byte in the next sector-sized write (fault) */
    int64_t erase_budget; /* erases left before the power goes (fault power-cut), -1 none */
    struct vd_flash ops;
};

bool vdh_flash_open(struct vdh_flash *flash, const char *path, uint32_t create_size,
                    uint64_t sector_wall_us);
bool vdh_flash_install(struct vdh_flash *flash, const char *image_path);
void vdh_flash_close(struct vdh_flash *flash);

extern const struct vd_md5 vdh_md5;
extern const struct vd_inflate vdh_inflate; /* zlib, for eboot's copy of a gzip update */
void vdh_random(void *buf, size_t len);

/* ---- the device ------------------------------------------------------------------------ */

struct vdh_web;
struct vdh_mdns;

struct vdh_device {
    struct vdh_options opts;
    struct vdh_flash flash;
    struct in_addr address;
    char address_text[16]; /* the address in use when a fault moved it (opts.address) */
    uint8_t mac[6];
    char hostname[64];
    uint64_t boot_ms; /* when the current boot started (uptime base) */
    unsigned boots;

    struct vd_identity identity;
    enum vd_era era;                 /* this boot's: forced by --dialect, else from the version */
    struct vd_settings settings;     /* the EEPROM sector's record, as of this boot */
    struct vd_stability stability;   /* "RTC memory": kept across reboots of this process */
    bool safe_mode;                  /* this boot is unstable: Wi-Fi, espota and telnet only */
    enum vd_reset_reason next_reset; /* why the next boot happens */
    struct vd_updater updater;
    struct vd_espota espota;
    unsigned udp_seen; /* datagrams received since start (lose-udp) */

    int udp_fd, telnet_fd, client_fd;
    struct vd_terminal term;
    struct vdh_web *web;
    struct vdh_mdns *mdns;

    uint16_t espota_port, web_port, telnet_port; /* bound (after the first boot: reused) */
    bool serving;
    uint64_t reboot_at;   /* scheduled reboot (monotonic ms), 0 = none */
    uint64_t settle_at;   /* when this boot's uptime reaches the system check time, 0 = done */
    uint64_t crash_at;    /* fault crash-loop: when this boot crashes, 0 = never */
    bool power_cut_spent; /* fault power-cut: the one cut copy happened */
};

/* Boot: eboot copy, identity, services. Returns false on a fatal setup error. */
bool vdh_boot(struct vdh_device *dev);
/* The wall time (µs, ms) of device_ms of device time: through --time-scale. */
uint64_t vdh_wall_us(const struct vdh_device *dev, uint64_t device_ms);
unsigned vdh_wall_ms(const struct vdh_device *dev, unsigned device_ms);
/* Stop services, wait the reboot time, boot again. */
bool vdh_reboot(struct vdh_device *dev);
void vdh_shutdown(struct vdh_device *dev);
/* Closes every service (the device is going down): mDNS withdrawn, sockets closed. */
void vdh_stop_services(struct vdh_device *dev);
/* A reboot delay_ms of device time (scaled) from now, for `reason` (what the next boot's system
 * check sees). */
void vdh_schedule_reboot(struct vdh_device *dev, unsigned delay_ms, enum vd_reset_reason reason);
/* The reboot after an accepted update (espota, web, `ota`), unless the fault no-reboot keeps
 * it from coming: the update stays staged until a `reset` or a power-on. */
void vdh_schedule_update_reboot(struct vdh_device *dev, unsigned delay_ms);
/* The device's own timers (reboot, system check, crash fault): ms until the next one is due
 * (-1 = none), and running those that are due; false on a fatal error. */
int vdh_timers_next_ms(const struct vdh_device *dev);
bool vdh_timers_run(struct vdh_device *dev);

/* sockets */
int vdh_listen_tcp(struct in_addr address, uint16_t *port);
int vdh_bind_udp(struct in_addr address, uint16_t *port);
/* Gives a TCP socket that takes an image lwIP's shape: MSS 1460 and, unless rcvbuf is 0 (the
 * kernel's autotuned buffers), a receive buffer of rcvbuf bytes. Before connect / listen. */
void vdh_lwip_socket(int fd, unsigned rcvbuf);
void vdh_close(int *fd);

/* espota */
void vdh_espota_readable(struct vdh_device *dev);

/* telnet */
void vdh_telnet_accept(struct vdh_device *dev);
void vdh_telnet_readable(struct vdh_device *dev);
void vdh_telnet_close(struct vdh_device *dev);
/* The terminal of the connected client, NULL when none (the `ota` client's lines go there). */
struct vd_terminal *vdh_telnet_terminal(struct vdh_device *dev);

/* ota <url> */
void vdh_fetch_run(struct vdh_device *dev, const char *url);

/* web (libmicrohttpd) */
bool vdh_web_start(struct vdh_device *dev);
void vdh_web_stop(struct vdh_device *dev);
#define VDH_WEB_POLL_MAX 32 /* server sockets watched by the loop (the listener + connections) */
/* Adds the server's sockets to fds[n..cap) with the interest libmicrohttpd has in each;
 * returns the new count (n when not serving). */
int vdh_web_poll_fds(struct vdh_device *dev, struct pollfd *fds, int n, int cap);
int vdh_web_timeout_ms(struct vdh_device *dev); /* -1 = none */
void vdh_web_run(struct vdh_device *dev);

/* mDNS (avahi) */
void vdh_mdns_init(struct vdh_device *dev);
void vdh_mdns_publish(struct vdh_device *dev);
void vdh_mdns_withdraw(struct vdh_device *dev);
void vdh_mdns_free(struct vdh_device *dev);

#endif
