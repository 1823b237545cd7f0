/* fetch.c — the terminal's `ota <url>`: downloads like ESPurna's own HTTP client (plain GET,
 * http only, no redirects, status ignored, body until close) into the Updater, reporting with
 * "[OTA] ..." lines to the telnet client, and reboots on success. */
#include <curl/curl.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "vdh.h"

struct fetch {
    struct vdh_device *dev;
    uint32_t bytes;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct fetch *f = userdata;
    size_t len = size * nmemb;
    if (vd_updater_write(&f->dev->updater, (const uint8_t *)data, (uint32_t)len) != len)
        return 0; /* aborts the transfer */
    f->bytes += (uint32_t)len;
    return len;
}

/* The download's socket has lwIP's MSS and receive window, like the device's other ones. */
static int on_socket(void *userdata, curl_socket_t fd, curlsocktype purpose)
{
    struct fetch *f = userdata;
    if (purpose == CURLSOCKTYPE_IPCXN)
        vdh_lwip_socket(fd, f->dev->opts.rcvbuf);
    return CURL_SOCKOPT_OK;
}

static CURLcode download(struct fetch *f, const char *url, char *errbuf)
{
    char interface[INET_ADDRSTRLEN + 8] = "host!";
    inet_ntop(AF_INET, &f->dev->address, interface + 5, INET_ADDRSTRLEN);
    CURL *curl = curl_easy_init();
    if (!curl)
        return CURLE_OUT_OF_MEMORY;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_INTERFACE, interface);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, on_socket);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTDATA, f);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    return rc;
}

void vdh_fetch_run(struct vdh_device *dev, const char *url)
{
    struct vd_updater *up = &dev->updater;
    uint32_t size = eo_layout_max_new_image_web(&up->layout, up->running.size);
    vdh_telnet_log(dev, "[OTA] Downloading %s", url);
    int error = dev->opts.faults.no_space ? VD_UPDATE_ERROR_SPACE : vd_updater_begin(up, size);
    if (error) {
        char text[64];
        vd_update_error_format(error, text, sizeof text);
        vdh_telnet_log(dev, "[OTA] %s", text);
        return;
    }
    dev->flash.corrupt_next = dev->opts.faults.corrupt_sector;
    struct fetch f = {dev, 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    CURLcode rc = download(&f, url, errbuf);
    dev->flash.corrupt_next = false;
    char text[64];
    if (rc != CURLE_OK && up->error == VD_UPDATE_OK) {
        vd_updater_abort(up);
        vdh_telnet_log(dev, "[OTA] ERROR: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return;
    }
    if (rc != CURLE_OK || !vd_updater_end(up, true)) {
        vd_updater_abort(up);
        vd_updater_error_string(up, text, sizeof text);
        vdh_telnet_log(dev, "[OTA] %s", text);
        return;
    }
    vdh_telnet_log(dev, "[OTA] Success: %u bytes", (unsigned)f.bytes);
    vdh_schedule_reboot(dev, 100);
}
