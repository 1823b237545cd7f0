/* test_device_cache.c — unit tests for the cache of devices seen that shell completion reads
 * (device_cache.h): a round trip; refreshing an entry keeps what the new sighting does not
 * say; an address that moved to another device leaves the old one; unsafe host names and
 * addresses left out; the bound (EO_DEVICE_CACHE_MAX, oldest out) on noting and on reading a
 * long file; the atomic write (a reader that opened the old file still reads it whole, no
 * temporary file left, a failed write leaves the old file); a corrupt or foreign cache read as
 * the lines that can be trusted; a FIFO in its place not waited on; the default path; and
 * what the commands call creating folders 0700 and the file 0600. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "temp_dir.h"

#include "espurna-ota/device_cache.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    alarm(20); /* a read that blocked (a FIFO) fails the test instead of hanging it */
    return temp_dir_make(dir, sizeof dir, "device-cache") ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    alarm(0);
    return temp_dir_remove(dir);
}

/* ---- helpers ---- */

static const char *path_of(const char *name)
{
    static char paths[4][160];
    static unsigned slot;
    char *path = paths[slot++ % 4];
    snprintf(path, 160, "%s/%s", dir, name);
    return path;
}

static void write_bytes(const char *path, const char *content, size_t len)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path)
{
    static char text[EO_DEVICE_CACHE_READ_MAX * 2];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static struct eo_device device(const char *hostname, const char *address, const char *board,
                               const char *version)
{
    struct eo_device d;
    eo_device_init(&d);
    snprintf(d.hostname, sizeof d.hostname, "%s", hostname);
    if (address[0]) {
        snprintf(d.addresses[0], sizeof d.addresses[0], "%s", address);
        d.address_count = 1;
    }
    snprintf(d.board, sizeof d.board, "%s", board);
    snprintf(d.version, sizeof d.version, "%s", version);
    return d;
}

static void note(struct eo_device_cache *cache, const char *hostname, const char *address,
                 int64_t now)
{
    struct eo_device d = device(hostname, address, "ITEAD_SONOFF_BASIC", "1.14.1");
    assert_true(eo_device_cache_note(cache, &d, NULL, now));
}

static struct eo_device_cache *new_cache(void)
{
    static struct eo_device_cache cache;
    memset(&cache, 0, sizeof cache);
    return &cache;
}

static struct eo_device_cache *load(const char *path)
{
    static struct eo_device_cache cache;
    memset(&cache, 0xa5, sizeof cache); /* whatever was there is replaced */
    eo_device_cache_load(path, &cache);
    return &cache;
}

static void save_ok(const char *path, const struct eo_device_cache *cache)
{
    struct eo_error err;
    eo_error_clear(&err);
    enum eo_status status = eo_device_cache_save(path, cache, &err);
    if (status != EO_OK)
        print_error("unexpected error: %s\n", err.message);
    assert_int_equal(status, EO_OK);
}

static void expect_entry(const struct eo_device_cache_entry *entry, const char *hostname,
                         const char *address, const char *board, const char *version, int64_t seen)
{
    assert_string_equal(entry->hostname, hostname);
    assert_string_equal(entry->address, address);
    assert_string_equal(entry->board, board);
    assert_string_equal(entry->version, version);
    assert_int_equal(entry->seen, seen);
}

static unsigned files_in_dir(const char *folder)
{
    unsigned count = 0;
    DIR *d = opendir(folder);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        count += e->d_name[0] != '.';
    closedir(d);
    return count;
}

/* ---- tests ---- */

static void test_round_trip(void **state)
{
    (void)state;
    struct eo_device_cache *cache = new_cache();
    const char *path = path_of("devices.tsv");
    struct eo_device kitchen = device("kitchen", "127.0.1.15", "ITEAD_SONOFF_BASIC", "1.14.0");
    struct eo_device core = device("ESPURNA-00000D", "127.0.1.13", "ESPURNA_CORE", "1.14.1");
    struct eo_device six = device("", "fe80::1%lo", "", "1.15.0-dev.gita1b2c3d4+github261101");
    assert_true(eo_device_cache_note(cache, &kitchen, NULL, 100));
    assert_true(eo_device_cache_note(cache, &core, "127.0.1.99", 300)); /* where it answered */
    assert_true(eo_device_cache_note(cache, &six, NULL, 200));
    save_ok(path, cache);
    struct eo_device_cache *read = load(path);
    assert_int_equal(read->count, 3);
    expect_entry(&read->entries[0], "ESPURNA-00000D", "127.0.1.99", "ESPURNA_CORE", "1.14.1", 300);
    expect_entry(&read->entries[1], "", "fe80::1%lo", "", "1.15.0-dev.gita1b2c3d4+github261101",
                 200);
    expect_entry(&read->entries[2], "kitchen", "127.0.1.15", "ITEAD_SONOFF_BASIC", "1.14.0", 100);
    assert_int_equal(
        strncmp(read_all(path), EO_DEVICE_CACHE_HEADER "", strlen(EO_DEVICE_CACHE_HEADER)), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_refresh_keeps_what_is_known(void **state)
{
    (void)state;
    struct eo_device_cache *cache = new_cache();
    struct eo_device first = device("Kitchen", "127.0.1.15", "ITEAD_SONOFF_BASIC", "1.14.0");
    struct eo_device again = device("kitchen", "", "", "1.15.0"); /* same host, any case */
    assert_true(eo_device_cache_note(cache, &first, NULL, 100));
    assert_true(eo_device_cache_note(cache, &again, NULL, 150));
    assert_int_equal(cache->count, 1);
    expect_entry(&cache->entries[0], "kitchen", "127.0.1.15", "ITEAD_SONOFF_BASIC", "1.15.0", 150);
}

static void test_address_moves(void **state)
{
    (void)state;
    struct eo_device_cache *cache = new_cache();
    note(cache, "", "127.0.1.20", 50);     /* known by its address only */
    note(cache, "hall", "127.0.1.20", 60); /* that address was hall */
    assert_int_equal(cache->count, 1);
    expect_entry(&cache->entries[0], "hall", "127.0.1.20", "ITEAD_SONOFF_BASIC", "1.14.1", 60);
    note(cache, "garage", "127.0.1.20", 70); /* a new DHCP lease went to garage */
    assert_int_equal(cache->count, 2);
    expect_entry(&cache->entries[0], "garage", "127.0.1.20", "ITEAD_SONOFF_BASIC", "1.14.1", 70);
    expect_entry(&cache->entries[1], "hall", "", "ITEAD_SONOFF_BASIC", "1.14.1", 60);
}

static void test_unsafe_names_left_out(void **state)
{
    (void)state;
    struct eo_device_cache *cache = new_cache();
    const char *bad_hosts[] = {"$(reboot)", "a b",       "-rf",         ".hidden",
                               "x;y",       "tab\there", "caf\xc3\xa9", "back`tick`"};
    for (size_t i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
        struct eo_device d = device(bad_hosts[i], "", "B", "V");
        assert_false(eo_device_cache_note(cache, &d, NULL, 10));
    }
    const char *bad_addresses[] = {"127.0.0.1; rm", "300.1.1.1", "fe80::1%$(x)", "fe80::1%",
                                   "localhost"};
    for (size_t i = 0; i < sizeof bad_addresses / sizeof bad_addresses[0]; i++) {
        struct eo_device d = device("", bad_addresses[i], "B", "V");
        assert_false(eo_device_cache_note(cache, &d, NULL, 10));
    }
    assert_int_equal(cache->count, 0);
    /* an unsafe host name with a good address keeps the address; board text made printable */
    struct eo_device d = device("bad name", "127.0.1.30", "BOARD\twith\ttabs\n", "1.0\x1b[2J");
    assert_true(eo_device_cache_note(cache, &d, NULL, 20));
    expect_entry(&cache->entries[0], "", "127.0.1.30", "BOARD?with?tabs?", "1.0?[2J", 20);
    const char *path = path_of("devices.tsv");
    save_ok(path, cache);
    assert_int_equal(load(path)->count, 1);
}

static void test_bounded_when_noting(void **state)
{
    (void)state;
    struct eo_device_cache *cache = new_cache();
    char name[32];
    for (int i = 0; i < EO_DEVICE_CACHE_MAX + 10; i++) {
        snprintf(name, sizeof name, "dev-%03d", i);
        note(cache, name, "", 1000 + i);
    }
    assert_int_equal(cache->count, EO_DEVICE_CACHE_MAX);
    snprintf(name, sizeof name, "dev-%03d", EO_DEVICE_CACHE_MAX + 9);
    assert_string_equal(cache->entries[0].hostname, name); /* the newest first */
    assert_string_equal(cache->entries[EO_DEVICE_CACHE_MAX - 1].hostname, "dev-010");
    /* a sighting older than everything kept does not push a newer one out */
    struct eo_device old = device("ancient", "", "", "");
    assert_true(eo_device_cache_note(cache, &old, NULL, 5));
    assert_string_equal(cache->entries[EO_DEVICE_CACHE_MAX - 1].hostname, "dev-010");
    const char *path = path_of("devices.tsv");
    save_ok(path, cache);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true((size_t)st.st_size < EO_DEVICE_CACHE_READ_MAX);
    assert_int_equal(load(path)->count, EO_DEVICE_CACHE_MAX);
}

static void test_bounded_when_reading(void **state)
{
    (void)state;
    const char *path = path_of("devices.tsv");
    size_t cap = 4 * EO_DEVICE_CACHE_READ_MAX, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text, cap, "%s\n", EO_DEVICE_CACHE_HEADER);
    for (int i = 0; len + 100 < cap; i++)
        len += (size_t)snprintf(text + len, cap - len, "host-%05d\t\t\t\t%d\n", i, i);
    write_bytes(path, text, len);
    free(text);
    struct eo_device_cache *read = load(path);
    assert_int_equal(read->count, EO_DEVICE_CACHE_MAX);
    /* only the first EO_DEVICE_CACHE_READ_MAX bytes were read: the newest of those come first */
    assert_true(strcmp(read->entries[0].hostname, "host-04000") < 0);
}

static void test_corrupt_cache(void **state)
{
    (void)state;
    const char *path = path_of("devices.tsv");
    static const char garbage[] = "\x7f"
                                  "ELF\x02\x01\x01\0\0\0garbage\n\n\t\t\t";
    write_bytes(path, garbage, sizeof garbage - 1);
    assert_int_equal(load(path)->count, 0);
    write_bytes(path, "ESPURNA-1\t1.2.3.4\tB\tV\t1\n", 24); /* no header: a foreign file */
    assert_int_equal(load(path)->count, 0);
    write_bytes(path, "", 0);
    assert_int_equal(load(path)->count, 0);
    static const char mixed[] = EO_DEVICE_CACHE_HEADER "\n"
                                                       "good-1\t127.0.1.11\tBOARD\t1.14.1\t30\n"
                                                       "too\tfew\tfields\n"
                                                       "too\tmany\tfields\tfor\tone\tline\n"
                                                       "$(reboot)\t127.0.1.12\tB\tV\t40\n"
                                                       "bad-address\t1.2.3\tB\tV\t40\n"
                                                       "bad-seen\t127.0.1.13\tB\tV\tsoon\n"
                                                       "negative\t127.0.1.13\tB\tV\t-5\n"
                                                       "\t\tB\tV\t40\n"
                                                       "nul\0byte\t127.0.1.14\tB\tV\t40\n"
                                                       "good-2\t\t\t\t20\n"
                                                       "good-1\t127.0.1.11\tOLDER\t1.0\t10\n"
                                                       "cut-short\t127.0.1.15\tB\tV\t5";
    write_bytes(path, mixed, sizeof mixed - 1);
    struct eo_device_cache *read = load(path);
    assert_int_equal(read->count, 2);
    expect_entry(&read->entries[0], "good-1", "127.0.1.11", "BOARD", "1.14.1", 30);
    expect_entry(&read->entries[1], "good-2", "", "", "", 20);
    /* a field longer than any entry holds */
    char long_line[600];
    int n = snprintf(long_line, sizeof long_line, "%s\n%0200d\t\t\t\t1\nok\t\t\t\t2\n",
                     EO_DEVICE_CACHE_HEADER, 0);
    write_bytes(path, long_line, (size_t)n);
    read = load(path);
    assert_int_equal(read->count, 1);
    assert_string_equal(read->entries[0].hostname, "ok");
}

static void test_not_a_file(void **state)
{
    (void)state;
    assert_int_equal(load(path_of("missing.tsv"))->count, 0);
    assert_int_equal(load(dir)->count, 0);
    const char *fifo = path_of("fifo.tsv");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(load(fifo)->count, 0); /* at once: no writer is waited for */
}

static void test_atomic_write(void **state)
{
    (void)state;
    struct eo_device_cache *cache = new_cache();
    const char *path = path_of("devices.tsv");
    note(cache, "first", "127.0.1.11", 10);
    save_ok(path, cache);
    char before[512];
    snprintf(before, sizeof before, "%s", read_all(path));
    int reader = open(path, O_RDONLY);
    assert_true(reader >= 0);
    note(cache, "second", "127.0.1.12", 20);
    save_ok(path, cache);
    /* the reader that opened the old file still reads all of it, unchanged */
    char seen[512];
    ssize_t n = read(reader, seen, sizeof seen - 1);
    close(reader);
    assert_true(n > 0);
    seen[n] = '\0';
    assert_string_equal(seen, before);
    assert_int_equal(load(path)->count, 2);
    assert_int_equal(files_in_dir(dir), 1); /* no temporary file left */
}

static void test_failed_write_leaves_old(void **state)
{
    (void)state;
    struct eo_device_cache *cache = new_cache();
    struct eo_error err;
    note(cache, "first", "127.0.1.11", 10);
    /* the path is a folder that holds a file: rename cannot replace it */
    const char *folder = path_of("devices.tsv");
    assert_int_equal(mkdir(folder, 0700), 0);
    write_bytes(path_of("devices.tsv/keep"), "x", 1);
    eo_error_clear(&err);
    assert_int_equal(eo_device_cache_save(folder, cache, &err), EO_ERR_FILE);
    assert_non_null(strstr(err.message, "cannot write"));
    assert_int_equal(files_in_dir(dir), 1); /* the temporary file was removed */
    /* a folder that cannot be made: a file stands where it would go */
    write_bytes(path_of("plain"), "x", 1);
    eo_error_clear(&err);
    assert_int_equal(eo_device_cache_save(path_of("plain/espurna-ota/devices.tsv"), cache, &err),
                     EO_ERR_FILE);
    assert_non_null(strstr(err.message, "cannot create folder"));
}

static void test_default_path(void **state)
{
    (void)state;
    char path[256];
    setenv("XDG_CACHE_HOME", "/somewhere/cache", 1);
    assert_true(eo_device_cache_default_path(path, sizeof path));
    assert_string_equal(path, "/somewhere/cache/espurna-ota/devices.tsv");
    setenv("XDG_CACHE_HOME", "relative/cache", 1); /* not absolute: ignored, as XDG says */
    setenv("HOME", "/home/someone", 1);
    assert_true(eo_device_cache_default_path(path, sizeof path));
    assert_string_equal(path, "/home/someone/.cache/espurna-ota/devices.tsv");
    unsetenv("XDG_CACHE_HOME");
    assert_true(eo_device_cache_default_path(path, sizeof path));
    assert_string_equal(path, "/home/someone/.cache/espurna-ota/devices.tsv");
    assert_false(eo_device_cache_default_path(path, 10));
}

static void test_remember(void **state)
{
    (void)state;
    char cache_home[160], folder[200];
    struct eo_device_list list;
    struct eo_error err;
    snprintf(cache_home, sizeof cache_home, "%s/xdg", dir);
    setenv("XDG_CACHE_HOME", cache_home, 1);
    eo_device_list_init(&list);
    eo_device_list_release(&list);
    eo_error_clear(&err);
    assert_int_equal(eo_device_cache_remember_list(&list, &err), EO_OK); /* nothing seen */
    struct eo_device one = device("ESPURNA-00000B", "127.0.1.11", "ITEAD_SONOFF_BASIC", "1.14.1");
    assert_int_equal(eo_device_cache_remember_one(&one, NULL, &err), EO_OK);
    snprintf(folder, sizeof folder, "%s/espurna-ota", cache_home);
    struct stat st;
    assert_int_equal(stat(folder, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char path[256];
    assert_true(eo_device_cache_default_path(path, sizeof path));
    struct eo_device_cache *read = load(path);
    assert_int_equal(read->count, 1);
    assert_string_equal(read->entries[0].hostname, "ESPURNA-00000B");
    assert_true(read->entries[0].seen > 1700000000);
    unsetenv("XDG_CACHE_HOME");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_keeps_what_is_known, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_names_left_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_when_noting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_when_reading, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_leaves_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remember, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
