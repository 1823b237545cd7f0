/* fuzz_device_record.h — a device record built as discovery builds one, from an input in DNS
 * wire style: the instance name and the host name (each a length byte and its bytes), then the
 * TXT strings of its _arduino._tcp service (each a length byte and "key=value" bytes), up to 64
 * as discover.c takes. Shared by fuzz_txt.c and fuzz_device_filter.c. */
#ifndef EO_FUZZ_DEVICE_RECORD_H
#define EO_FUZZ_DEVICE_RECORD_H

#include "espurna-ota/device.h"

#include "fuzz_input.h"

#define FUZZ_TXT_MAX 64

/* What one announcement said; instance and host_name are owned (free with fuzz_record_free). */
struct fuzz_record {
    char *instance;
    char *host_name;
    struct eo_txt_entry txt[FUZZ_TXT_MAX];
    size_t txt_count;
};

static inline void fuzz_record_read(struct fuzz_input *in, struct fuzz_record *out)
{
    const uint8_t *bytes;
    size_t len = fuzz_counted(in, &bytes);
    out->instance = fuzz_text(bytes, len);
    len = fuzz_counted(in, &bytes);
    out->host_name = fuzz_text(bytes, len);
    for (out->txt_count = 0; in->size > 0 && out->txt_count < FUZZ_TXT_MAX; out->txt_count++) {
        struct eo_txt_entry *entry = &out->txt[out->txt_count];
        entry->len = fuzz_counted(in, &entry->data);
    }
}

static inline void fuzz_record_free(struct fuzz_record *record)
{
    free(record->instance);
    free(record->host_name);
}

/* The device the record's three services make in `list` (NULL when the host name is unusable). */
static inline struct eo_device *fuzz_record_add(struct eo_device_list *list,
                                                const struct fuzz_record *record)
{
    struct eo_service_record service = {
        .service = EO_SERVICE_ARDUINO,
        .instance = record->instance,
        .host_name = record->host_name,
        .address = "192.168.1.40",
        .port = 8266,
        .txt = record->txt,
        .txt_count = record->txt_count,
    };
    eo_device_list_add_service(list, &service);
    service.service = EO_SERVICE_HTTP;
    service.port = 80;
    eo_device_list_add_service(list, &service);
    service.service = EO_SERVICE_TELNET;
    service.port = 23;
    service.address = "fe80::1%eth0";
    return eo_device_list_add_service(list, &service);
}

#endif
