/* vd_settings.c — the settings record in the EEPROM sector: magic "VDSET001", the board name
 * (48 bytes, NUL-padded), an FNV-1a check of both. Written with one sector erase + write. */
#include "vd_settings.h"

#include <string.h>

#include "espurna-ota/image.h"
#include "espurna-ota/layout.h"

#define SETTINGS_MAGIC "VDSET001"
#define BOARD_AT 8u
#define CHECK_AT (BOARD_AT + sizeof((struct vd_settings *)0)->board)
#define RECORD_SIZE (CHECK_AT + 4u)

uint32_t vd_settings_offset(const struct vd_flash *flash)
{
    return flash->size - (EO_LAYOUT_EEPROM_SECTORS + EO_LAYOUT_RESERVED_SECTORS) * EO_SECTOR_SIZE;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool vd_settings_read(const struct vd_flash *flash, struct vd_settings *out)
{
    uint8_t raw[RECORD_SIZE];
    memset(out, 0, sizeof *out);
    if (!flash->read(flash->ctx, vd_settings_offset(flash), raw, sizeof raw) ||
        memcmp(raw, SETTINGS_MAGIC, 8) != 0 || vd_check32(raw, CHECK_AT) != get_u32(raw + CHECK_AT))
        return false;
    memcpy(out->board, raw + BOARD_AT, sizeof out->board);
    out->board[sizeof out->board - 1] = '\0';
    return true;
}

bool vd_settings_write(const struct vd_flash *flash, const struct vd_settings *settings)
{
    uint8_t raw[RECORD_SIZE] = {0};
    memcpy(raw, SETTINGS_MAGIC, 8);
    const char *end = memchr(settings->board, '\0', sizeof settings->board);
    size_t len = end ? (size_t)(end - settings->board) : sizeof settings->board - 1;
    memcpy(raw + BOARD_AT, settings->board,
           len < sizeof settings->board ? len : sizeof settings->board - 1);
    uint32_t check = vd_check32(raw, CHECK_AT);
    for (int i = 0; i < 4; i++)
        raw[CHECK_AT + i] = (uint8_t)(check >> (8 * i));
    uint32_t offset = vd_settings_offset(flash);
    return flash->erase_sector(flash->ctx, offset) &&
           flash->write(flash->ctx, offset, raw, sizeof raw);
}
