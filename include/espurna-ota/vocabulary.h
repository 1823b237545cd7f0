/* vocabulary.h — the words the tool (src/) and the virtual device (firmware/) must spell alike:
 * the keys of the `_arduino._tcp` TXT record (ArduinoOTA's and ESPurna's) and the ESP8266
 * Arduino Updater's error numbers. Only names and numbers live here; each side keeps its own
 * parsing and building, and the texts printError() prints stay with the device (the tool reads
 * only the number of "ERROR[n]: text"). Header only, portable C. */
#ifndef ESPURNA_OTA_VOCABULARY_H
#define ESPURNA_OTA_VOCABULARY_H

/* ---- TXT keys ------------------------------------------------------------------------ */

/* String literals, so that they can be glued to a format: EO_TXT_APP_NAME "=%s". */

/* ArduinoOTA's own keys, announced by every build with ArduinoOTA and mDNS. */
#define EO_TXT_TCP_CHECK "tcp_check"
#define EO_TXT_SSH_UPLOAD "ssh_upload"
#define EO_TXT_BOARD "board"             /* ARDUINO_BOARD, set by PlatformIO */
#define EO_TXT_AUTH_UPLOAD "auth_upload" /* "yes" / "no" */

/* ESPurna's keys (full builds). Sizes: mem_size and sdk_size in KiB; free_space in bytes up
 * to 1.14.x, KiB from the dev era; mac with colons up to 1.14.x, without from the dev era. */
#define EO_TXT_APP_NAME "app_name"
#define EO_TXT_APP_VERSION "app_version"
#define EO_TXT_BUILD_DATE "build_date"
#define EO_TXT_MAC "mac"
#define EO_TXT_TARGET_BOARD "target_board"
#define EO_TXT_MEM_SIZE "mem_size"
#define EO_TXT_SDK_SIZE "sdk_size"
#define EO_TXT_FREE_SPACE "free_space"

/* ---- Updater error numbers ----------------------------------------------------------- */

/* UPDATE_ERROR_* of the ESP8266 Arduino core's Updater.h, as printError() shows them in
 * "ERROR[n]: text". Core 2.3.0 knows 0-11, 2.7.4 adds 12, the 3.x cores 13-16. */
enum eo_updater_error {
    EO_UPDATER_ERROR_OK = 0,
    EO_UPDATER_ERROR_WRITE = 1,
    EO_UPDATER_ERROR_ERASE = 2,
    EO_UPDATER_ERROR_READ = 3,
    EO_UPDATER_ERROR_SPACE = 4,
    EO_UPDATER_ERROR_SIZE = 5,
    EO_UPDATER_ERROR_STREAM = 6,
    EO_UPDATER_ERROR_MD5 = 7,
    EO_UPDATER_ERROR_FLASH_CONFIG = 8,     /* the running image's header names a bigger flash */
    EO_UPDATER_ERROR_NEW_FLASH_CONFIG = 9, /* the new image's header names a bigger flash */
    EO_UPDATER_ERROR_MAGIC_BYTE = 10,
    EO_UPDATER_ERROR_BOOTSTRAP = 11,
    EO_UPDATER_ERROR_SIGN = 12,
    EO_UPDATER_ERROR_NO_DATA = 13,
    EO_UPDATER_ERROR_OOM = 14,
    EO_UPDATER_ERROR_RUNNING_ALREADY = 15,
    EO_UPDATER_ERROR_UNKNOWN_COMMAND = 16,
};

#endif
