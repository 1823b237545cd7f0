/* device.c — the boot cycle of the virtual device: eboot (the pending copy, one sector time per
 * sector it writes), identity from the image at offset 0 and the era its version answers as,
 * the settings record (board name), the system check (a boot after too many quick restarts is
 * unstable: safe mode, no web, no mDNS of its own), services by the image's features, the ports
 * file and the "listening" line; reboot = stop everything, stay silent for --reboot-ms, boot
 * again. Also the device's timers: the scheduled reboot, the system check's stable time, the
 * crash-loop fault; and the reboot faults no-reboot and power-cut. Device time becomes wall time
 * here (--time-scale). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vdh.h"

uint64_t vdh_wall_us(const struct vdh_device *dev, uint64_t device_ms)
{
    return vdh_scaled_us(&dev->opts.timing, device_ms * 1000u);
}

unsigned vdh_wall_ms(const struct vdh_device *dev, unsigned device_ms)
{
    return (unsigned)((vdh_wall_us(dev, device_ms) + 500u) / 1000u);
}

/* The fault power-cut, at the first reboot (not the power-on) that has a copy pending: the
 * power goes halfway through the copy. eboot's command lives in RTC memory, which the power
 * loss clears, so the copy is never resumed: offset 0 keeps a half-copied image. Returns
 * whether the copy was cut. */
static bool cut_power_during_copy(struct vdh_device *dev, uint8_t *scratch)
{
    struct vd_boot_record rec;
    if (!dev->opts.faults.power_cut || dev->power_cut_spent || dev->boots < 2 ||
        !vd_boot_record_read(&dev->flash.ops, &rec) || !rec.copy_pending)
        return false;
    dev->power_cut_spent = true;
    uint32_t sectors = (rec.len + EO_SECTOR_SIZE - 1) / EO_SECTOR_SIZE;
    dev->flash.erase_budget = sectors / 2;
    vd_boot_run(&dev->flash.ops, &vdh_inflate, false, scratch);
    dev->flash.erase_budget = -1;
    rec.copy_pending = false; /* RTC memory lost with the power */
    if (!vd_boot_record_write(&dev->flash.ops, &rec))
        vdh_log("cannot write the boot record");
    dev->next_reset = VD_RESET_POWER_ON;
    vdh_log("fault power-cut: the power went during eboot's copy (%u of %u sectors copied); "
            "the copy is lost with RTC memory",
            sectors / 2, sectors);
    return true;
}

/* eboot's copy takes one sector time per sector it writes (the inflated ones for gzip). */
static void run_eboot(struct vdh_device *dev)
{
    static uint8_t scratch[VD_BOOT_SCRATCH_SIZE];
    if (cut_power_during_copy(dev, scratch))
        return;
    uint32_t sectors = dev->flash.sector_writes;
    uint64_t start = vdh_now_us();
    enum vd_boot_action action =
        vd_boot_run(&dev->flash.ops, &vdh_inflate, dev->opts.faults.old_image, scratch);
    sectors = dev->flash.sector_writes - sectors;
    unsigned ms = (unsigned)((vdh_now_us() - start) / 1000u);
    switch (action) {
    case VD_BOOT_COPIED:
        vdh_log("eboot: copied the staged update to offset 0 (%u sectors, %u ms)", sectors, ms);
        break;
    case VD_BOOT_DISCARDED: vdh_log("eboot: staged update discarded (fault old-image)"); break;
    case VD_BOOT_BAD_GZIP:
        vdh_log("eboot: the staged gzip update cannot be inflated in place; "
                "dropped, old image kept");
        break;
    case VD_BOOT_FAILED: vdh_log("eboot: copying the staged update failed (flash error)"); break;
    case VD_BOOT_NOTHING: break;
    }
}

static void read_identity(struct vdh_device *dev)
{
    struct eo_layout layout = eo_layout_standard(dev->flash.size);
    uint32_t len = eo_layout_sketch_end(&layout);
    uint8_t *sketch = malloc(len);
    struct vd_boot_record rec = {0};
    vd_boot_record_read(&dev->flash.ops, &rec);
    if (!sketch || !dev->flash.ops.read(dev->flash.ops.ctx, 0, sketch, len)) {
        memset(&dev->identity, 0, sizeof dev->identity);
        snprintf(dev->identity.why, sizeof dev->identity.why, "cannot read the flash");
    } else {
        vd_identity_read(sketch, len, rec.image_size, dev->flash.size, &vdh_md5, &dev->identity);
    }
    free(sketch);
}

static enum vd_era boot_era(const struct vdh_device *dev)
{
    switch (dev->opts.dialect) {
    case VDH_DIALECT_FORCE_1_14_0: return VD_ERA_1_14_0;
    case VDH_DIALECT_FORCE_1_14_1: return VD_ERA_1_14_1;
    case VDH_DIALECT_FORCE_DEV: return VD_ERA_DEV;
    case VDH_DIALECT_AUTO: break;
    }
    return vd_era_for_version(dev->identity.bootable ? dev->identity.desc.version : "");
}

/* The board name this boot announces; a full build stores its own in the EEPROM sector. */
static void settle_board(struct vdh_device *dev)
{
    vd_settings_read(&dev->flash.ops, &dev->settings);
    if (vd_identity_settle_board(&dev->identity, dev->era, &dev->settings) &&
        !vd_settings_write(&dev->flash.ops, &dev->settings))
        vdh_log("cannot write the settings sector");
}

/* The system check for this boot's reset reason; unstable means safe mode. */
static void check_stability(struct vdh_device *dev)
{
    dev->safe_mode = !vd_stability_boot(&dev->stability, dev->era, dev->next_reset);
    dev->next_reset = VD_RESET_SOFTWARE;
    uint64_t now = vdh_now_ms();
    dev->settle_at = now + dev->opts.system_check_ms;
    dev->crash_at = !dev->safe_mode && dev->opts.faults.crash_loop_ms
                        ? now + dev->opts.faults.crash_loop_ms
                        : 0;
}

static void init_core(struct vdh_device *dev)
{
    struct vd_running running = {dev->identity.image_size, dev->identity.built_for};
    vd_updater_init(&dev->updater, &dev->flash.ops, &vdh_md5, &running, vd_era_core(dev->era));
    dev->updater.fault_no_space = dev->opts.faults.no_space;
    struct vd_espota_config config = {
        .md5 = &vdh_md5, .random = vdh_random, .core = vd_era_core(dev->era)};
    if (dev->opts.password[0])
        vd_md5_hex(&vdh_md5, dev->opts.password, strlen(dev->opts.password), config.password_md5);
    vd_espota_init(&dev->espota, &config, &dev->updater);
}

static bool start_services(struct vdh_device *dev)
{
    const struct vd_identity *id = &dev->identity;
    if (vd_identity_has(id, EO_FEATURE_ESPOTA) &&
        (dev->udp_fd = vdh_bind_udp(dev->address, &dev->espota_port)) < 0) {
        vdh_log("cannot bind espota UDP port %u: %m", dev->espota_port);
        return false;
    }
    if (vd_identity_has(id, EO_FEATURE_TELNET) &&
        (dev->telnet_fd = vdh_listen_tcp(dev->address, &dev->telnet_port)) < 0) {
        vdh_log("cannot listen on telnet port %u: %m", dev->telnet_port);
        return false;
    }
    if (!dev->safe_mode && vd_identity_has(id, EO_FEATURE_WEB) && !vdh_web_start(dev)) {
        vdh_log("cannot start the web server on port %u: %m", dev->web_port);
        return false;
    }
    dev->serving = true;
    return true;
}

static void write_ports_file(struct vdh_device *dev, unsigned espota, unsigned web, unsigned telnet)
{
    if (!dev->opts.ports_file)
        return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", dev->opts.ports_file);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "espota=%u web=%u telnet=%u\n", espota, web, telnet) < 0 ||
        fclose(f) != 0 || rename(tmp, dev->opts.ports_file) != 0)
        vdh_log("cannot write ports file %s: %m", dev->opts.ports_file);
}

static void announce(struct vdh_device *dev)
{
    const struct vd_identity *id = &dev->identity;
    unsigned espota = vd_identity_has(id, EO_FEATURE_ESPOTA) ? dev->espota_port : 0;
    unsigned web = dev->web ? dev->web_port : 0;
    unsigned telnet = vd_identity_has(id, EO_FEATURE_TELNET) ? dev->telnet_port : 0;
    write_ports_file(dev, espota, web, telnet);
    vdh_log("listening on %s espota=%u web=%u telnet=%u", dev->opts.address, espota, web, telnet);
}

static void log_boot(const struct vdh_device *dev)
{
    const struct vd_identity *id = &dev->identity;
    vdh_log("booted %s (%s) on %s, %u bytes, free space %u bytes, dialect %s (%s), core %s%s",
            id->desc.version, eo_kind_name(id->desc.kind) ? eo_kind_name(id->desc.kind) : "unknown",
            dev->hostname, (unsigned)id->image_size, (unsigned)id->free_space,
            vd_era_name(dev->era), dev->opts.dialect == VDH_DIALECT_AUTO ? "auto" : "forced",
            vd_core_name(vd_era_core(dev->era)), dev->safe_mode ? ", safe mode" : "");
    if (dev->safe_mode)
        vdh_log("system check: boot unstable after %u quick restarts: safe mode (Wi-Fi, OTA and "
                "telnet only)",
                VD_SYSTEM_CHECK_MAX);
}

bool vdh_boot(struct vdh_device *dev)
{
    dev->boots++;
    dev->boot_ms = vdh_now_ms();
    dev->reboot_at = 0;
    run_eboot(dev);
    read_identity(dev);
    dev->era = boot_era(dev);
    check_stability(dev);
    init_core(dev);
    const struct vd_identity *id = &dev->identity;
    if (!id->bootable) {
        dev->crash_at = 0;
        vdh_log("unbootable flash: %s; serving nothing (install an image with --install)", id->why);
        announce(dev);
        return true;
    }
    settle_board(dev);
    log_boot(dev);
    if (!start_services(dev))
        return false;
    vdh_mdns_publish(dev);
    announce(dev);
    return true;
}

void vdh_stop_services(struct vdh_device *dev)
{
    if (!dev->serving && dev->udp_fd < 0 && dev->telnet_fd < 0 && !dev->web)
        return;
    vdh_mdns_withdraw(dev);
    vdh_telnet_close(dev);
    vdh_close(&dev->udp_fd);
    vdh_close(&dev->telnet_fd);
    vdh_web_stop(dev);
    vd_updater_abort(&dev->updater);
    dev->serving = false;
}

/* The new-address fault: the network hands the device another address at this boot. */
static void take_new_address(struct vdh_device *dev)
{
    struct in_addr next = dev->opts.faults.new_address;
    if (next.s_addr == 0 || next.s_addr == dev->address.s_addr)
        return;
    dev->address = next;
    inet_ntop(AF_INET, &next, dev->address_text, sizeof dev->address_text);
    dev->opts.address = dev->address_text;
    vdh_log("fault new-address: this boot's address is %s", dev->address_text);
}

bool vdh_reboot(struct vdh_device *dev)
{
    vdh_log("rebooting");
    vdh_stop_services(dev);
    dev->reboot_at = dev->settle_at = dev->crash_at = 0;
    if (dev->opts.faults.never_return) {
        vdh_log("fault never-return: staying silent");
        while (vdh_sleep_ms(1000))
            ;
        return true;
    }
    uint64_t boot_us = vdh_wall_us(dev, dev->opts.reboot_ms); /* faults are not scaled */
    if (!vdh_sleep_us(boot_us + (uint64_t)dev->opts.faults.slow_reboot_ms * 1000u))
        return true;
    take_new_address(dev);
    return vdh_boot(dev);
}

void vdh_schedule_reboot(struct vdh_device *dev, unsigned delay_ms, enum vd_reset_reason reason)
{
    dev->reboot_at = vdh_now_ms() + vdh_wall_ms(dev, delay_ms);
    dev->next_reset = reason;
}

void vdh_schedule_update_reboot(struct vdh_device *dev, unsigned delay_ms)
{
    if (dev->opts.faults.no_reboot) {
        vdh_log("fault no-reboot: the update is staged; no reboot until a reset or a power-on");
        return;
    }
    vdh_schedule_reboot(dev, delay_ms, VD_RESET_SOFTWARE);
}

static int until(uint64_t at, uint64_t now, int best)
{
    if (!at)
        return best;
    int left = at > now ? (int)(at - now < 3600000u ? at - now : 3600000u) : 0;
    return best < 0 || left < best ? left : best;
}

int vdh_timers_next_ms(const struct vdh_device *dev)
{
    uint64_t now = vdh_now_ms();
    return until(dev->crash_at, now, until(dev->settle_at, now, until(dev->reboot_at, now, -1)));
}

bool vdh_timers_run(struct vdh_device *dev)
{
    uint64_t now = vdh_now_ms();
    if (dev->settle_at && now >= dev->settle_at) {
        dev->settle_at = 0;
        vd_stability_settled(&dev->stability, dev->era);
        vdh_log("system check: %u s up, counted stable", dev->opts.system_check_ms / 1000u);
    }
    if (dev->crash_at && now >= dev->crash_at) {
        dev->crash_at = 0;
        vdh_log("fault crash-loop: crashing");
        vdh_schedule_reboot(dev, 0, VD_RESET_CRASH);
    }
    if (dev->reboot_at && now >= dev->reboot_at)
        return vdh_reboot(dev);
    return true;
}

void vdh_shutdown(struct vdh_device *dev)
{
    vdh_stop_services(dev);
    vdh_mdns_free(dev);
    vdh_flash_close(&dev->flash);
}
