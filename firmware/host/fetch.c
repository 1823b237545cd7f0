/* fetch.c — the terminal's `ota <url>`: downloads like ESPurna's own HTTP client (plain GET,
 * http only, no redirects, status ignored, body until close) with libcurl, and hands every
 * event (connected, body bytes, how it ended) to the core's `ota` client, which checks, writes
 * and prints the "[OTA] ..." lines of the running era; a copy of each goes to the log. How it
 * ended: the server closed (or stopped early), the client closed, or no data came for the
 * client's receive timeout — all a disconnect, which installs what arrived; a reset; or no
 * connection at all. Reboots when the client staged the download. The faults fetch-drop-at (the
 * download breaks off: a reset) and no-fetch (it never connects). */
#include <curl/curl.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "vd_ota_client.h"
#include "vdh.h"

struct fetch {
    struct vdh_device *dev;
    struct vd_ota_client client;
    struct vd_url url;
    bool connected;
    CURL *curl;
    uint64_t received;
    bool broken; /* fault fetch-drop-at: the download broke off */
};

/* Each message the client prints, for the log (line ends dropped, blank ones skipped). */
static void echo_to_log(void *ctx, const char *text)
{
    (void)ctx;
    char line[600];
    snprintf(line, sizeof line, "%s", text);
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0])
        vdh_log("telnet: %s", line);
}

/* CURLOPT_PREREQFUNCTION: the connection is up, the request about to go out. */
static int on_connected(void *userdata, char *ip, char *local_ip, int remote_port, int local_port)
{
    struct fetch *f = userdata;
    (void)ip, (void)local_ip, (void)remote_port, (void)local_port;
    f->connected = true;
    vd_ota_client_connected(&f->client, &f->url);
    return CURL_PREREQFUNC_OK;
}

/* The fault fetch-drop-at: the download breaks off (the network goes) once PERCENT of the
 * served Content-Length arrived. */
static bool breaks_off(struct fetch *f, size_t len)
{
    curl_off_t total = -1;
    int percent = f->dev->opts.faults.fetch_drop_at;
    if (percent < 0 ||
        curl_easy_getinfo(f->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total) != CURLE_OK ||
        total <= 0)
        return false;
    if (f->received + len <= (uint64_t)total * (unsigned)percent / 100u)
        return false;
    vdh_log("telnet: ota: fault fetch-drop-at: the download breaks off after %llu of %lld bytes",
            (unsigned long long)f->received, (long long)total);
    f->broken = true;
    return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct fetch *f = userdata;
    size_t len = size * nmemb;
    if (breaks_off(f, len))
        return 0;
    f->received += len;
    return vd_ota_client_data(&f->client, (const uint8_t *)data, len) ? len : 0;
}

/* No receive timeout in the firmware (1.14.0): the download still ends after this long
 * without data, as a reset (nothing installed), so that a test can never hang the device. */
#define SILENCE_BOUND_S 30L

/* The download's socket has lwIP's MSS and receive window, like the device's other ones. */
static int on_socket(void *userdata, curl_socket_t fd, curlsocktype purpose)
{
    struct fetch *f = userdata;
    if (purpose == CURLSOCKTYPE_IPCXN)
        vdh_lwip_socket(fd, f->dev->opts.rcvbuf);
    return CURL_SOCKOPT_OK;
}

static CURLcode download(struct fetch *f, const char *url)
{
    unsigned rx_timeout = vd_ota_client_rx_timeout_s(f->dev->era);
    char interface[INET_ADDRSTRLEN + 8] = "host!";
    inet_ntop(AF_INET, &f->dev->address, interface + 5, INET_ADDRSTRLEN);
    CURL *curl = curl_easy_init();
    if (!curl)
        return CURLE_OUT_OF_MEMORY;
    f->curl = curl;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_INTERFACE, interface);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, rx_timeout ? (long)rx_timeout : SILENCE_BOUND_S);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, on_connected);
    curl_easy_setopt(curl, CURLOPT_PREREQDATA, f);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, on_socket);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTDATA, f);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    return rc;
}

/* Whether the download ended the way ESPurna's client sees as a disconnect. */
static bool ended_by_disconnect(CURLcode rc, enum vd_era era)
{
    switch (rc) {
    case CURLE_OK:
    case CURLE_PARTIAL_FILE: /* the server closed before its Content-Length: ignored */
    case CURLE_WRITE_ERROR:  /* the client closed it itself */
    case CURLE_GOT_NOTHING: return true;
    case CURLE_OPERATION_TIMEDOUT: /* the receive timeout closes it, if there is one */
        return vd_ota_client_rx_timeout_s(era) != 0;
    default: return false;
    }
}

void vdh_fetch_run(struct vdh_device *dev, const char *url)
{
    struct fetch f = {.dev = dev};
    struct vd_ota_client_echo echo = {dev, echo_to_log};
    vd_url_parse(url, &f.url);
    vd_ota_client_start(&f.client, vdh_telnet_terminal(dev), &echo, &dev->updater, dev->era);
    dev->flash.corrupt_next = dev->opts.faults.corrupt_sector;
    CURLcode rc = CURLE_COULDNT_CONNECT;
    if (dev->opts.faults.no_fetch)
        vdh_log("telnet: ota: fault no-fetch: not connecting to %s", url);
    else
        rc = download(&f, url);
    if (rc != CURLE_OK)
        vdh_log("telnet: ota: download ended: %s", curl_easy_strerror(rc));
    bool staged = false;
    if (!f.connected)
        vd_ota_client_connect_failed(&f.client);
    else if (!f.broken && ended_by_disconnect(rc, dev->era))
        staged = vd_ota_client_disconnected(&f.client);
    else
        vd_ota_client_reset(&f.client);
    dev->flash.corrupt_next = false;
    if (staged)
        vdh_schedule_update_reboot(dev, vd_ota_client_reboot_delay_ms(dev->era));
}
