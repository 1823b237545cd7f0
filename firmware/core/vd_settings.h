/* vd_settings.h — what the firmware keeps in its EEPROM sector (the sector below the four
 * reserved ones) across reboots and updates. Only one setting matters on the wire: the board
 * name ("boardName") that full builds store at every boot and that 1.12-1.14 core builds,
 * which never set it, read back — so after a full -> core update a 1.14 core announces the
 * previous full build's board as target_board. */
#ifndef VD_SETTINGS_H
#define VD_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "vd_ports.h"

struct vd_settings {
    char board[48]; /* "" = never stored */
};

/* Offset of the EEPROM sector: flash size - 5 sectors. */
uint32_t vd_settings_offset(const struct vd_flash *flash);
/* false (and out cleared) when the sector holds no valid record, e.g. a fresh flash. */
bool vd_settings_read(const struct vd_flash *flash, struct vd_settings *out);
bool vd_settings_write(const struct vd_flash *flash, const struct vd_settings *settings);

#endif
