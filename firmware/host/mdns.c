/* mdns.c — publishing the device over avahi-client (threaded poll): `<hostname>.local` → the
 * device's address, `_arduino._tcp` with the core's TXT values, `_http._tcp` / `_telnet._tcp`
 * when served — or, in safe mode, what the era still publishes then (the core's mDNS plan).
 * Withdrawn while rebooting, re-published after boot; survives avahi-daemon being absent or
 * restarting (the client is re-created when the daemon disconnects). */
#include <arpa/inet.h>
#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/error.h>
#include <avahi-common/thread-watch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdh.h"

struct vdh_mdns {
    AvahiThreadedPoll *poll;
    AvahiClient *client;
    AvahiEntryGroup *group;
    bool want; /* publish when the daemon is there */
    /* what to publish (a copy: the avahi thread reads it) */
    char name[64], fqdn[80];
    char service_host[80]; /* the host the services name: fqdn unless a lie says another */
    AvahiAddress address;
    uint16_t espota_port, web_port, telnet_port; /* 0 = not served */
    struct vd_txt txt;
};

static void client_callback(AvahiClient *client, AvahiClientState state, void *userdata);

static void group_callback(AvahiEntryGroup *g, AvahiEntryGroupState state, void *userdata)
{
    struct vdh_mdns *m = userdata;
    if (state == AVAHI_ENTRY_GROUP_ESTABLISHED)
        vdh_log("mdns: published %s", m->fqdn);
    else if (state == AVAHI_ENTRY_GROUP_COLLISION)
        vdh_log("mdns: name collision for %s; not published", m->fqdn);
    else if (state == AVAHI_ENTRY_GROUP_FAILURE)
        vdh_log("mdns: publishing failed: %s",
                avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
}

static int add_service(struct vdh_mdns *m, const char *type, uint16_t port, AvahiStringList *txt)
{
    return avahi_entry_group_add_service_strlst(m->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET, 0,
                                                m->name, type, NULL, m->service_host, port, txt);
}

static int add_entries(struct vdh_mdns *m)
{
    const char *items[VD_TXT_MAX];
    for (unsigned i = 0; i < m->txt.count; i++)
        items[i] = m->txt.item[i];
    AvahiStringList *txt = avahi_string_list_new_from_array(items, (int)m->txt.count);
    int rc = avahi_entry_group_add_address(m->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
                                           AVAHI_PUBLISH_NO_REVERSE, m->fqdn, &m->address);
    if (rc >= 0 && strcmp(m->service_host, m->fqdn) != 0) /* lie other-host: both names */
        rc = avahi_entry_group_add_address(m->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
                                           AVAHI_PUBLISH_NO_REVERSE, m->service_host, &m->address);
    if (rc >= 0 && m->espota_port)
        rc = add_service(m, "_arduino._tcp", m->espota_port, txt);
    if (rc >= 0 && m->web_port)
        rc = add_service(m, "_http._tcp", m->web_port, NULL);
    if (rc >= 0 && m->telnet_port)
        rc = add_service(m, "_telnet._tcp", m->telnet_port, NULL);
    avahi_string_list_free(txt);
    return rc >= 0 ? avahi_entry_group_commit(m->group) : rc;
}

/* Called with the avahi lock held (or from the avahi thread). */
static void create_entries(struct vdh_mdns *m)
{
    if (!m->client || avahi_client_get_state(m->client) != AVAHI_CLIENT_S_RUNNING)
        return;
    if (!m->group && !(m->group = avahi_entry_group_new(m->client, group_callback, m))) {
        vdh_log("mdns: cannot create entry group: %s",
                avahi_strerror(avahi_client_errno(m->client)));
        return;
    }
    avahi_entry_group_reset(m->group);
    int rc = add_entries(m);
    if (rc < 0) {
        vdh_log("mdns: cannot publish %s: %s", m->fqdn, avahi_strerror(rc));
        avahi_entry_group_reset(m->group);
    }
}

static void new_client(struct vdh_mdns *m)
{
    int error = 0;
    m->group = NULL;
    m->client = avahi_client_new(avahi_threaded_poll_get(m->poll), AVAHI_CLIENT_NO_FAIL,
                                 client_callback, m, &error);
    if (!m->client)
        vdh_log("mdns: cannot create avahi client: %s", avahi_strerror(error));
}

static void client_callback(AvahiClient *client, AvahiClientState state, void *userdata)
{
    struct vdh_mdns *m = userdata;
    m->client = client; /* the callback can run inside avahi_client_new() */
    if (state == AVAHI_CLIENT_S_RUNNING && m->want) {
        create_entries(m);
    } else if (state == AVAHI_CLIENT_S_COLLISION || state == AVAHI_CLIENT_S_REGISTERING) {
        if (m->group)
            avahi_entry_group_reset(m->group);
    } else if (state == AVAHI_CLIENT_CONNECTING) {
        vdh_log("mdns: avahi-daemon not reachable; will publish when it appears");
    } else if (state == AVAHI_CLIENT_FAILURE) {
        int error = avahi_client_errno(client);
        vdh_log("mdns: avahi client failed: %s; reconnecting", avahi_strerror(error));
        avahi_client_free(client);
        m->client = NULL;
        m->group = NULL;
        new_client(m);
    }
}

void vdh_mdns_init(struct vdh_device *dev)
{
    struct vdh_mdns *m = calloc(1, sizeof *m);
    if (!m || !(m->poll = avahi_threaded_poll_new())) {
        vdh_log("mdns: out of memory; not publishing");
        free(m);
        return;
    }
    new_client(m);
    if (!m->client || avahi_threaded_poll_start(m->poll) < 0) {
        vdh_log("mdns: cannot start avahi; not publishing");
        if (m->client)
            avahi_client_free(m->client);
        avahi_threaded_poll_free(m->poll);
        free(m);
        return;
    }
    dev->mdns = m;
}

static void snapshot(struct vdh_device *dev, const struct vd_mdns_plan *plan, struct vdh_mdns *m)
{
    const char *shown = vdh_lies_hostname(&dev->opts.lies, dev->hostname);
    snprintf(m->name, sizeof m->name, "%s", shown);
    snprintf(m->fqdn, sizeof m->fqdn, "%s.local", dev->hostname);
    snprintf(m->service_host, sizeof m->service_host, "%s.local", shown);
    m->address.proto = AVAHI_PROTO_INET;
    m->address.data.ipv4.address = dev->address.s_addr;
    m->espota_port = plan->arduino ? dev->espota_port : 0;
    m->web_port = plan->http ? dev->web_port : 0;
    m->telnet_port = plan->telnet ? dev->telnet_port : 0;
    struct vd_txt_facts facts = {.auth = dev->opts.password[0] != '\0',
                                 .era = dev->era,
                                 .mode = dev->opts.txt,
                                 .espurna_keys = plan->espurna_keys};
    memcpy(facts.mac, dev->mac, sizeof facts.mac);
    vd_txt_build(&dev->identity, &facts, &m->txt);
    vdh_lies_txt(&dev->opts.lies, &m->txt);
}

void vdh_mdns_publish(struct vdh_device *dev)
{
    struct vdh_mdns *m = dev->mdns;
    struct vd_mdns_plan plan;
    vd_mdns_plan(&dev->identity, dev->era, dev->safe_mode, &plan);
    if (!m || !(plan.arduino || plan.http || plan.telnet))
        return;
    if (dev->opts.faults.mdns_vanish && dev->boots > 1) {
        vdh_log("mdns: fault mdns-vanish: publishing nothing");
        return;
    }
    avahi_threaded_poll_lock(m->poll);
    snapshot(dev, &plan, m);
    m->want = true;
    create_entries(m);
    avahi_threaded_poll_unlock(m->poll);
}

void vdh_mdns_withdraw(struct vdh_device *dev)
{
    struct vdh_mdns *m = dev->mdns;
    if (!m)
        return;
    avahi_threaded_poll_lock(m->poll);
    m->want = false;
    if (m->group)
        avahi_entry_group_reset(m->group);
    avahi_threaded_poll_unlock(m->poll);
}

void vdh_mdns_free(struct vdh_device *dev)
{
    struct vdh_mdns *m = dev->mdns;
    if (!m)
        return;
    avahi_threaded_poll_stop(m->poll);
    if (m->client)
        avahi_client_free(m->client);
    avahi_threaded_poll_free(m->poll);
    free(m);
    dev->mdns = NULL;
}
