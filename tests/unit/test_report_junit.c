/* test_report_junit.c — unit tests of the JUnit XML report (report_junit.h): passed, failed and
 * skipped devices with hostile text (markup characters, quotes, control characters, UTF-8,
 * invalid bytes) give an ASCII file that an XML parser reads back (python3's xml.etree when
 * present, else a structural check) with counts that match its cases; the file replaces the old
 * one through FILE.tmp; a file that cannot be written is a file error; cases of several suites
 * (report's sites) grouped by suite, each with its own counts, one name at two sites two cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "espurna-ota/report_junit.h"

#define HOSTILE_NAME "dev-<&>\"'"

/* The python check: parses the file, compares the counts with the cases, and reads back the
 * text that had to be escaped. */
static const char *const check_script =
    "import sys, xml.etree.ElementTree as ET\n"
    "root = ET.parse(sys.argv[1]).getroot()\n"
    "assert root.tag == 'testsuites', root.tag\n"
    "suites = root.findall('testsuite')\n"
    "assert len(suites) == 1\n"
    "s = suites[0]\n"
    "assert s.get('name') == 'espurna-ota batch'\n"
    "cases = s.findall('testcase')\n"
    "assert int(s.get('tests')) == len(cases) == 5\n"
    "assert int(s.get('failures')) == len([c for c in cases if c.find('failure') is not None]) == "
    "2\n"
    "assert int(s.get('skipped')) == len([c for c in cases if c.find('skipped') is not None]) == "
    "2\n"
    "assert s.get('errors') == '0'\n"
    "assert all(c.get('classname') == 'espurna-ota.upgrade' for c in cases)\n"
    "names = [c.get('name') for c in cases]\n"
    "assert names == ['dev-ok', 'dev-<&>\"\\'', 'caf\\u00e9', 'gone', 'bad\\ufffd\\U0001F600'], "
    "names\n"
    "f = cases[1].find('failure')\n"
    "assert f.get('message') == 'wrong password for <&> second line', f.get('message')\n"
    "assert f.get('type') == 'auth'\n"
    "assert f.text == 'step 1/2 push: \"rejected\" & <closed>\\n\\tbell', repr(f.text)\n"
    "assert cases[0].find('system-out').text == 'web, 1.14.1 -> 1.15.0'\n"
    "assert cases[2].find('skipped').get('message') == 'offline: no answer \\u2014 mDNS'\n"
    "assert cases[3].find('skipped').get('message') is None\n"
    "assert cases[4].find('failure').text == 'no detail ' + '\\ufffd' * 3\n"
    "assert float(cases[0].get('time')) == 12.5\n";

static char dir[] = "/tmp/test_report_junit.XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    return system(command) == 0 ? 0 : -1;
}

static char *path_in_dir(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static char *read_all(const char *path)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    static char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, file);
    text[n] = '\0';
    fclose(file);
    return text;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static struct eo_junit *hostile_report(void)
{
    struct eo_junit *junit = eo_junit_new();
    assert_non_null(junit);
    eo_junit_add(junit, &(struct eo_junit_case){.device = "dev-ok",
                                                .seconds = 12.5,
                                                .outcome = EO_JUNIT_PASSED,
                                                .status_name = "ok",
                                                .system_out = "web, 1.14.1 -> 1.15.0"});
    eo_junit_add(junit,
                 &(struct eo_junit_case){
                     .device = HOSTILE_NAME,
                     .seconds = 3.25,
                     .outcome = EO_JUNIT_FAILED,
                     .status_name = "auth",
                     .message = "wrong password for <&>\nsecond line",
                     .detail = "step 1/2 push: \"rejected\" & <closed>\n\t\x01\x1b\x7f\r\xc2\x85"
                               "bell"});
    eo_junit_add(junit, &(struct eo_junit_case){.device = "caf\xc3\xa9",
                                                .outcome = EO_JUNIT_SKIPPED,
                                                .status_name = "unreachable",
                                                .message = "offline: no answer \xe2\x80\x94 mDNS"});
    eo_junit_add(junit, &(struct eo_junit_case){.device = "gone", .outcome = EO_JUNIT_SKIPPED});
    eo_junit_add(junit, &(struct eo_junit_case){.device = "bad\xff\xf0\x9f\x98\x80",
                                                .seconds = -1.0,
                                                .outcome = EO_JUNIT_FAILED,
                                                .message = "no detail \xed\xa0\x80"});
    return junit;
}

/* The file is ASCII with no control character but tab and line feed. */
static void assert_ascii(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        assert_true(*p == '\n' || *p == '\t' || (*p >= 0x20 && *p < 0x7F));
}

/* Counts, escapes and references as written, without a parser. */
static void test_structure_and_escapes(void **state)
{
    (void)state;
    struct eo_junit *junit = hostile_report();
    assert_int_equal(eo_junit_count(junit), 5);
    const char *path = path_in_dir("report.xml");
    assert_int_equal(eo_junit_write(junit, path, NULL), EO_OK);
    const char *xml = read_all(path);
    assert_ascii(xml);
    const char *head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=";
    assert_true(strncmp(xml, head, strlen(head)) == 0);
    assert_non_null(strstr(xml, "<testsuite name=\"espurna-ota batch\" tests=\"5\" failures=\"2\" "
                                "skipped=\"2\" errors=\"0\" time=\"15.750\">"));
    assert_int_equal(count(xml, "<testcase classname=\"espurna-ota.upgrade\" name=\""), 5);
    assert_int_equal(count(xml, "</testcase>"), 5);
    assert_int_equal(count(xml, "<failure message=\""), 2);
    assert_int_equal(count(xml, "<skipped"), 2);
    assert_non_null(strstr(xml, "name=\"dev-&lt;&amp;&gt;&quot;&apos;\" time=\"3.250\""));
    assert_non_null(strstr(xml, "message=\"wrong password for &lt;&amp;&gt; second line\" "
                                "type=\"auth\">"));
    assert_non_null(strstr(xml, "name=\"caf&#xE9;\""));
    assert_non_null(strstr(xml, "name=\"bad&#xFFFD;&#x1F600;\" time=\"0.000\""));
    assert_non_null(strstr(xml, "no answer &#x2014; mDNS\"/>"));
    assert_non_null(strstr(xml, "<skipped/>"));
    /* a surrogate's encoding is invalid UTF-8: one U+FFFD per byte */
    assert_non_null(strstr(xml, "no detail &#xFFFD;&#xFFFD;&#xFFFD;</failure>"));
    assert_non_null(strstr(xml, "&lt;closed&gt;\n\tbell</failure>"));
    assert_non_null(strstr(xml, "<system-out>web, 1.14.1 -&gt; 1.15.0</system-out>"));
    assert_int_equal(access(path_in_dir("report.xml.tmp"), F_OK), -1);
    eo_junit_free(junit);
}

/* An XML parser reads the file back: python3's xml.etree when there is a python3. */
static void test_parsed_by_xml_etree(void **state)
{
    (void)state;
    if (system("python3 -c 'import xml.etree.ElementTree' >/dev/null 2>&1") != 0)
        skip();
    struct eo_junit *junit = hostile_report();
    const char *path = path_in_dir("parsed.xml");
    assert_int_equal(eo_junit_write(junit, path, NULL), EO_OK);
    eo_junit_free(junit);
    char script[256], command[640];
    snprintf(script, sizeof script, "%s", path_in_dir("check.py"));
    FILE *file = fopen(script, "w");
    assert_non_null(file);
    fputs(check_script, file);
    assert_int_equal(fclose(file), 0);
    snprintf(command, sizeof command, "python3 '%s' '%s/parsed.xml'", script, dir);
    assert_int_equal(system(command), 0);
}

/* A second write replaces the first; the suite's time can be the run's wall time. */
static void test_rewrite_replaces(void **state)
{
    (void)state;
    const char *path = path_in_dir("again.xml");
    struct eo_junit *junit = hostile_report();
    assert_int_equal(eo_junit_write(junit, path, NULL), EO_OK);
    eo_junit_free(junit);
    junit = eo_junit_new();
    eo_junit_set_time(junit, 2.0);
    eo_junit_add(junit, &(struct eo_junit_case){.device = "one", .seconds = 1.5});
    assert_int_equal(eo_junit_write(junit, path, NULL), EO_OK);
    const char *xml = read_all(path);
    assert_non_null(strstr(xml, "tests=\"1\" failures=\"0\" skipped=\"0\" errors=\"0\" "
                                "time=\"2.000\""));
    assert_int_equal(count(xml, "<testcase "), 1);
    assert_null(strstr(xml, "<failure"));
    eo_junit_free(junit);
}

/* No devices: an empty, well-formed suite. */
static void test_empty_report(void **state)
{
    (void)state;
    struct eo_junit *junit = eo_junit_new();
    const char *path = path_in_dir("empty.xml");
    assert_int_equal(eo_junit_write(junit, path, NULL), EO_OK);
    const char *xml = read_all(path);
    assert_non_null(strstr(xml, "<testsuite name=\"espurna-ota batch\" tests=\"0\" failures=\"0\" "
                                "skipped=\"0\" errors=\"0\" time=\"0.000\">\n  </testsuite>"));
    eo_junit_free(junit);
}

/* report's sites: a suite each, in the order of their first case, each counting its own cases;
 * the class names the site, so one device name at two sites is two cases to a CI system. */
static void test_suites(void **state)
{
    (void)state;
    struct eo_junit *junit = eo_junit_new();
    eo_junit_add(junit,
                 &(struct eo_junit_case){.device = "kitchen", .seconds = 2.0, .suite = "site-a"});
    eo_junit_add(junit, &(struct eo_junit_case){.device = "kitchen",
                                                .seconds = 1.0,
                                                .outcome = EO_JUNIT_FAILED,
                                                .message = "wrong password",
                                                .suite = "site<b>"});
    eo_junit_add(junit, &(struct eo_junit_case){.device = "hall",
                                                .seconds = 0.5,
                                                .outcome = EO_JUNIT_SKIPPED,
                                                .suite = "site-a"});
    const char *path = path_in_dir("suites.xml");
    assert_int_equal(eo_junit_write(junit, path, NULL), EO_OK);
    eo_junit_free(junit);
    const char *xml = read_all(path);
    const char *expected =
        "<testsuites name=\"espurna-ota\" tests=\"3\" failures=\"1\" skipped=\"1\" errors=\"0\" "
        "time=\"3.500\">\n"
        "  <testsuite name=\"site-a\" tests=\"2\" failures=\"0\" skipped=\"1\" errors=\"0\" "
        "time=\"2.500\">\n"
        "    <testcase classname=\"espurna-ota.upgrade.site-a\" name=\"kitchen\" "
        "time=\"2.000\">\n"
        "    </testcase>\n"
        "    <testcase classname=\"espurna-ota.upgrade.site-a\" name=\"hall\" time=\"0.500\">\n"
        "      <skipped/>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "  <testsuite name=\"site&lt;b&gt;\" tests=\"1\" failures=\"1\" skipped=\"0\" "
        "errors=\"0\" time=\"1.000\">\n"
        "    <testcase classname=\"espurna-ota.upgrade.site&lt;b&gt;\" name=\"kitchen\" "
        "time=\"1.000\">\n"
        "      <failure message=\"wrong password\" type=\"failed\">wrong password</failure>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "</testsuites>\n";
    assert_non_null(strstr(xml, expected));
}

/* A folder that does not exist: a file error naming the temporary file. */
static void test_unwritable_path(void **state)
{
    (void)state;
    struct eo_junit *junit = eo_junit_new();
    struct eo_error err;
    const char *path = path_in_dir("missing/report.xml");
    assert_int_equal(eo_junit_write(junit, path, &err), EO_ERR_FILE);
    assert_non_null(strstr(err.message, "missing/report.xml.tmp"));
    eo_junit_free(junit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure_and_escapes), cmocka_unit_test(test_parsed_by_xml_etree),
        cmocka_unit_test(test_rewrite_replaces),      cmocka_unit_test(test_empty_report),
        cmocka_unit_test(test_unwritable_path),       cmocka_unit_test(test_suites),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
