/* tls_files.h — what a pinned key and a CA bundle name, checked before anything is sent: a
 * malformed pin or an unusable file would otherwise only show up as a TLS failure after the
 * connection is made. The pin follows libcurl's CURLOPT_PINNEDPUBLICKEY: "sha256//BASE64"
 * (several joined by ';') or else the path of a PEM ("PUBLIC KEY") or DER public key file. */
#ifndef ESPURNA_OTA_TLS_FILES_H
#define ESPURNA_OTA_TLS_FILES_H

#include <stdbool.h>

#include "espurna-ota/status.h"

/* Whether `pin` is given as hashes (starts with "sha256//") rather than as a key file. */
bool eo_tls_pin_is_hashes(const char *pin);

/* Whether every ';'-separated entry of `pin` is "sha256//" followed by the base64 of 32 bytes
 * (44 characters, one '=' of padding). */
bool eo_tls_pin_hashes_valid(const char *pin);

/* A pinned public key file must be a readable regular file (EO_ERR_FILE) of at most 1 MiB
 * holding one PEM or DER public key (EO_ERR_INPUT). */
enum eo_status eo_tls_check_pin_file(const char *path, struct eo_error *err);

/* A CA bundle must be a readable regular file (EO_ERR_FILE) holding at least one PEM
 * certificate (EO_ERR_INPUT). */
enum eo_status eo_tls_check_ca_file(const char *path, struct eo_error *err);

#endif
