/* test_config.c - unit tests of the configuration table and object (server/config.c).
 *
 * Run as `server_config.test_config --markdown FILE` it writes the
 * configuration reference instead (how docs/configuration.md is regenerated).
 */
#include "server/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static int setup(void **state) {
    *state = eddy_config_new();
    return *state ? 0 : -1;
}

static int teardown(void **state) {
    eddy_config_destroy(*state);
    return 0;
}

static int load(eddy_config *c, const char *text, eddy_err *err) {
    eddy_err_clear(err);
    return eddy_config_load_string(c, text, strlen(text), "test.properties", err);
}

static void test_defaults_are_ksqldb_defaults(void **state) {
    eddy_config *c = *state;
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_LISTENERS), "http://0.0.0.0:8088");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_SERVICE_ID), "default_");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_BOOTSTRAP_SERVERS), "");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_STATE_DIR), "./eddy-data");
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_NUM_STREAM_THREADS), 4);
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_COMMIT_INTERVAL_MS), 2000);
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_CACHE_MAX_BYTES), 10485760);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_AUTO_OFFSET_RESET), "latest");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_PROCESSING_GUARANTEE), "at_least_once");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_DEFAULT_KEY_FORMAT), "KAFKA");
    assert_false(eddy_config_has_value(c, EDDY_CFG_DEFAULT_VALUE_FORMAT));
    assert_null(eddy_config_get_string(c, EDDY_CFG_DEFAULT_VALUE_FORMAT));
    assert_false(eddy_config_has_value(c, EDDY_CFG_WRAP_SINGLE_VALUES));
    assert_true(eddy_config_get_bool(c, EDDY_CFG_PULL_TABLE_SCAN));
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_PULL_MAX_OFFSET_LAG), INT64_MAX);
    assert_false(eddy_config_get_bool(c, EDDY_CFG_FAIL_ON_DESER_ERROR));
    assert_true(eddy_config_get_bool(c, EDDY_CFG_VARIABLE_SUBSTITUTION));
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_INTERNAL_TOPIC_REPLICAS), 1);
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_EMIT_INTERVAL_MS), 1000);
}

static void test_every_row_is_well_formed(void **state) {
    eddy_config *c = *state;
    assert_int_equal(eddy_config_count(c), eddy_config_ndefs);
    for (int i = 0; i < eddy_config_ndefs; i++) {
        const eddy_config_def *d = &eddy_config_defs[i];
        if (!d->cd_doc || !d->cd_doc[0]) fail_msg("%s has no doc", d->cd_name);
        for (int j = 0; j < i; j++)
            if (strcmp(eddy_config_defs[j].cd_name, d->cd_name) == 0) fail_msg("%s twice", d->cd_name);
        eddy_config_item it;
        assert_int_equal(eddy_config_item_at(c, i, &it), 0);
        assert_string_equal(it.ci_name, d->cd_name);
        assert_int_equal(it.ci_origin, EDDY_CONFIG_DEFAULT);
        assert_true(it.ci_known);
        if (d->cd_default) assert_non_null(it.ci_value);
        else assert_null(it.ci_value);
    }
    assert_ptr_equal(eddy_config_def_find("listeners"), &eddy_config_defs[0]);
}

static void test_file_accepts_all_three_separators(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(load(c,
                          "ksql.service.id=alpha_\n"
                          "ksql.streams.num.stream.threads : 8\n"
                          "ksql.streams.auto.offset.reset   earliest\n"
                          "ksql.output.topic.name.prefix=\n",
                          &err),
                     0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_SERVICE_ID), "alpha_");
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_NUM_STREAM_THREADS), 8);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_AUTO_OFFSET_RESET), "earliest");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_OUTPUT_TOPIC_PREFIX), "");
}

static void test_file_skips_comments_and_blank_lines(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(load(c,
                          "# a comment\n"
                          "   ! another comment = ignored\n"
                          "\n"
                          "   \t\n"
                          "# comment ending in a backslash \\\n"
                          "ksql.service.id = after_comment\n",
                          &err),
                     0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_SERVICE_ID), "after_comment");
    assert_int_equal(eddy_config_count(c), eddy_config_ndefs); /* nothing else was set */
}

static void test_file_joins_continued_lines(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(load(c,
                          "listeners = http://127.0.0.1:1, \\\n"
                          "            http://127.0.0.1:2\r\n"
                          "ksql.service.id = ends_with_backslash\\\\\n"
                          "ksql.output.topic.name.prefix = a\\\n"
                          "   b\\\n"
                          "\n"
                          "ksql.streams.state.dir = /tmp/x\n",
                          &err),
                     0);
    const char *const *items;
    assert_int_equal(eddy_config_get_list(c, EDDY_CFG_LISTENERS, &items), 2);
    assert_string_equal(items[0], "http://127.0.0.1:1");
    assert_string_equal(items[1], "http://127.0.0.1:2");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_SERVICE_ID), "ends_with_backslash\\");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_OUTPUT_TOPIC_PREFIX), "ab");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_STATE_DIR), "/tmp/x");
}

static void test_file_resolves_escapes(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(load(c,
                          "ksql.service.id = caf\\u00e9_\\u20AC_\\uD83D\\uDE00\n"
                          "ksql.output.topic.name.prefix = tab\\there\\=\\:\\\\\\q\n"
                          "my\\ odd\\=key = x\n",
                          &err),
                     0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_SERVICE_ID),
                        "caf\xc3\xa9_\xe2\x82\xac_\xf0\x9f\x98\x80");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_OUTPUT_TOPIC_PREFIX), "tab\there=:\\q");
    assert_string_equal(eddy_config_get_string(c, "my odd=key"), "x");
}

static void test_file_malformed_unicode_escape_names_the_line(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(load(c, "# one\nksql.service.id = \\u12G4\n", &err), EDDY_CONFIG);
    assert_non_null(strstr(err.msg, "test.properties:2:"));
    assert_non_null(strstr(err.msg, "Malformed \\uxxxx encoding"));
    assert_int_equal(load(c, "ksql.service.id = \\uD83D alone\n", &err), EDDY_CONFIG);
}

static void test_file_bad_value_names_file_line_and_property(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(load(c, "ksql.service.id = ok_\n\nksql.streams.num.stream.threads = lots\n", &err),
                     EDDY_CONFIG);
    assert_string_equal(err.msg, "test.properties:3: Invalid value lots for configuration "
                                 "ksql.streams.num.stream.threads: Not a number of type INT");
    /* Pairs before the bad one stay set; the bad one is unchanged. */
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_SERVICE_ID), "ok_");
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_NUM_STREAM_THREADS), 4);
}

static void test_load_file_reads_a_file_and_reports_a_missing_one(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    char path[] = "/tmp/eddy-config-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "bootstrap.servers=broker:9092\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    eddy_err_clear(&err);
    assert_int_equal(eddy_config_load_file(c, path, &err), 0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_BOOTSTRAP_SERVERS), "broker:9092");
    unlink(path);
    assert_int_equal(eddy_config_load_file(c, path, &err), EDDY_IO);
    assert_non_null(strstr(err.msg, path));
}

static void test_cmdline_wins_over_file_whichever_comes_first(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_set_arg(c, "ksql.service.id=from_cmdline_", &err), 0);
    assert_int_equal(load(c, "ksql.service.id=from_file_\nksql.streams.num.stream.threads=2\n", &err), 0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_SERVICE_ID), "from_cmdline_");
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_NUM_STREAM_THREADS), 2);
    assert_int_equal(eddy_config_set_arg(c, " ksql.streams.num.stream.threads = 3", &err), 0);
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_NUM_STREAM_THREADS), 3);
    /* The same for names eddy does not know. */
    assert_int_equal(eddy_config_set_arg(c, "ksql.some.other=cmd", &err), 0);
    assert_int_equal(load(c, "ksql.some.other=file\n", &err), 0);
    assert_string_equal(eddy_config_get_string(c, "ksql.some.other"), "cmd");
}

static void test_set_arg_requires_key_equals_value(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_set_arg(c, "ksql.service.id", &err), EDDY_CONFIG);
    assert_non_null(strstr(err.msg, "key=value"));
    assert_int_equal(eddy_config_set_arg(c, "=x", &err), EDDY_CONFIG);
    assert_int_equal(eddy_config_set_arg(c, "ksql.output.topic.name.prefix=a=b", &err), 0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_OUTPUT_TOPIC_PREFIX), "a=b");
}

static void test_bad_int_is_rejected_with_a_message(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    const char *bad[] = {"abc", "", "12x", "1.5", "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eddy_err_clear(&err);
        assert_int_equal(eddy_config_set(c, EDDY_CFG_NUM_STREAM_THREADS, bad[i], &err), EDDY_CONFIG);
        assert_non_null(strstr(err.msg, "ksql.streams.num.stream.threads"));
        assert_non_null(strstr(err.msg, "Not a number of type INT"));
    }
    assert_int_equal(eddy_config_set(c, EDDY_CFG_COMMIT_INTERVAL_MS, "99999999999999999999", &err),
                     EDDY_CONFIG);
    assert_non_null(strstr(err.msg, "Not a number of type LONG"));
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_NUM_STREAM_THREADS), 4);
    assert_int_equal(eddy_config_set(c, EDDY_CFG_NUM_STREAM_THREADS, " 16 ", &err), 0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_NUM_STREAM_THREADS), "16");
}

static void test_int_out_of_range_is_rejected(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_set(c, EDDY_CFG_NUM_STREAM_THREADS, "0", &err), EDDY_CONFIG);
    assert_string_equal(err.msg, "Invalid value 0 for configuration ksql.streams.num.stream.threads: "
                                 "Value must be at least 1");
    assert_int_equal(eddy_config_set(c, EDDY_CFG_HTTP_MAX_BODY_BYTES, "10", &err), EDDY_CONFIG);
    assert_int_equal(eddy_config_set(c, EDDY_CFG_HTTP_MAX_BODY_BYTES, "1048576", &err), 0);
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_HTTP_MAX_BODY_BYTES), 1048576);
}

static void test_bad_bool_is_rejected_with_a_message(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_set(c, EDDY_CFG_FAIL_ON_DESER_ERROR, "yes", &err), EDDY_CONFIG);
    assert_string_equal(err.msg, "Invalid value yes for configuration ksql.fail.on.deserialization.error: "
                                 "Expected value to be either true or false");
    assert_int_equal(eddy_config_set(c, EDDY_CFG_FAIL_ON_DESER_ERROR, "TRUE", &err), 0);
    assert_true(eddy_config_get_bool(c, EDDY_CFG_FAIL_ON_DESER_ERROR));
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_FAIL_ON_DESER_ERROR), "true");
}

static void test_valid_values_are_checked_and_canonicalised(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_set(c, EDDY_CFG_DEFAULT_VALUE_FORMAT, "json", &err), 0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_DEFAULT_VALUE_FORMAT), "JSON");
    assert_int_equal(eddy_config_set(c, EDDY_CFG_DEFAULT_VALUE_FORMAT, "XML", &err), EDDY_CONFIG);
    assert_non_null(strstr(err.msg, "String must be one of (case insensitive): KAFKA, JSON"));
    assert_int_equal(eddy_config_set(c, EDDY_CFG_AUTO_OFFSET_RESET, "EARLIEST", &err), EDDY_CONFIG);
    assert_string_equal(err.msg, "Invalid value EARLIEST for configuration ksql.streams.auto.offset.reset: "
                                 "String must be one of: latest, earliest");
    assert_int_equal(eddy_config_set(c, EDDY_CFG_PROCESSING_GUARANTEE, "exactly_once_v2", &err), 0);
}

static void test_streams_prefix_names_the_same_property(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_set(c, "auto.offset.reset", "earliest", &err), 0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_AUTO_OFFSET_RESET), "earliest");
    assert_string_equal(eddy_config_get_string(c, "auto.offset.reset"), "earliest");
    assert_int_equal(eddy_config_set(c, "ksql.streams.bootstrap.servers", "k:9092", &err), 0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_BOOTSTRAP_SERVERS), "k:9092");
    assert_int_equal(eddy_config_count(c), eddy_config_ndefs);
    assert_ptr_equal(eddy_config_def_find("num.stream.threads"),
                     eddy_config_def_find(EDDY_CFG_NUM_STREAM_THREADS));
}

static void test_unknown_property_from_file_is_kept_but_marked_unknown(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(load(c, "ksql.connect.url=http://localhost:8083\n", &err), 0);
    assert_string_equal(eddy_config_get_string(c, "ksql.connect.url"), "http://localhost:8083");
    eddy_config_item it;
    assert_int_equal(eddy_config_item_at(c, eddy_config_ndefs, &it), 0);
    assert_string_equal(it.ci_name, "ksql.connect.url");
    assert_false(it.ci_known);
    assert_int_equal(it.ci_origin, EDDY_CONFIG_FILE);
    assert_null(it.ci_def);
}

static void test_override_rejects_an_unknown_property(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_override(c, "foo.bar", "1", &err), EDDY_CONFIG);
    assert_string_equal(err.msg, "Not recognizable as ksql, streams, consumer, or producer property: 'foo.bar'");
    assert_int_equal(eddy_config_override(c, "ksql.no.such.thing", "1", &err), EDDY_CONFIG);
    assert_int_equal(eddy_config_override(c, "ksql.streams.no.such.thing", "1", &err), EDDY_CONFIG);
    assert_int_equal(eddy_config_count(c), eddy_config_ndefs);
}

static void test_override_rejects_a_server_property(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_override(c, EDDY_CFG_SERVICE_ID, "x_", &err), EDDY_CONFIG);
    assert_string_equal(err.msg, "Cannot override property 'ksql.service.id'");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_SERVICE_ID), "default_");
}

static void test_override_accepts_query_and_kafka_client_settings(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_override(c, "auto.offset.reset", "earliest", &err), 0);
    assert_int_equal(eddy_config_override(c, EDDY_CFG_EMIT_INTERVAL_MS, "0", &err), 0);
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_EMIT_INTERVAL_MS), 0);
    assert_int_equal(eddy_config_override(c, "ksql.streams.producer.linger.ms", "5", &err), 0);
    assert_int_equal(eddy_config_override(c, "security.protocol", "SASL_SSL", &err), 0);
    assert_string_equal(eddy_config_get_string(c, "security.protocol"), "sasl_ssl");
    assert_int_equal(eddy_config_override(c, "consumer.fetch.min.bytes", "1", &err), 0);
    assert_int_equal(eddy_config_override(c, "ksql.streams.topic.retention.ms", "100", &err), 0);

    eddy_config_item it;
    assert_int_equal(eddy_config_item_at(c, eddy_config_ndefs, &it), 0);
    assert_string_equal(it.ci_name, "ksql.streams.producer.linger.ms");
    assert_int_equal(it.ci_scope, EDDY_CONFIG_PASSTHROUGH);
    assert_string_equal(it.ci_client_name, "linger.ms");
    assert_int_equal(it.ci_client, EDDY_CONFIG_CLIENT_PRODUCER);
    assert_int_equal(it.ci_origin, EDDY_CONFIG_OVERRIDE);
    assert_true(it.ci_known);
    assert_int_equal(eddy_config_item_at(c, eddy_config_ndefs + 1, &it), 0);
    assert_int_equal(it.ci_client, EDDY_CONFIG_CLIENT_CONSUMER);
    assert_string_equal(it.ci_client_name, "fetch.min.bytes");
    assert_int_equal(eddy_config_item_at(c, eddy_config_ndefs + 2, &it), 0);
    assert_int_equal(it.ci_client, EDDY_CONFIG_CLIENT_TOPIC);
    assert_string_equal(it.ci_client_name, "retention.ms");
    assert_int_equal(eddy_config_item_at(c, eddy_config_ndefs + 3, &it), EDDY_RANGE);
}

static void test_functions_properties_are_free_form(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_override(c, "ksql.functions.my_udf.secret.setting", "v", &err), 0);
    eddy_config_item it;
    assert_int_equal(eddy_config_item_at(c, eddy_config_ndefs, &it), 0);
    assert_true(it.ci_known);
    assert_int_equal(it.ci_scope, EDDY_CONFIG_QUERY);
    assert_true(it.ci_sensitive);
    /* A row of the table under ksql.functions. is still checked. */
    assert_int_equal(eddy_config_override(c, "ksql.functions.collect_list.limit", "x", &err), EDDY_CONFIG);
}

static void test_list_values_are_split_and_trimmed(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    const char *const *items;
    assert_int_equal(eddy_config_set(c, EDDY_CFG_LISTENERS, " http://a:1 ,http://b:2,  http://c:3 ", &err), 0);
    assert_int_equal(eddy_config_get_list(c, EDDY_CFG_LISTENERS, &items), 3);
    assert_string_equal(items[2], "http://c:3");
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_LISTENERS), "http://a:1,http://b:2,http://c:3");
    assert_int_equal(eddy_config_set(c, EDDY_CFG_LISTENERS, "", &err), 0);
    assert_int_equal(eddy_config_get_list(c, EDDY_CFG_LISTENERS, &items), 0);
    assert_true(eddy_config_has_value(c, EDDY_CFG_LISTENERS));
}

static void test_getters_give_zero_for_unknown_names_and_wrong_types(void **state) {
    eddy_config *c = *state;
    assert_null(eddy_config_get_string(c, "no.such.property"));
    assert_int_equal(eddy_config_get_int(c, "no.such.property"), 0);
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_SERVICE_ID), 0);
    assert_false(eddy_config_get_bool(c, EDDY_CFG_NUM_STREAM_THREADS));
    assert_true(eddy_config_get_double(c, EDDY_CFG_NUM_STREAM_THREADS) == 4.0);
    const char *const *items = (const char *const *)1;
    assert_int_equal(eddy_config_get_list(c, EDDY_CFG_SERVICE_ID, &items), 0);
    assert_null(items);
    assert_null(eddy_config_get_string(NULL, EDDY_CFG_SERVICE_ID));
}

static void test_iteration_reports_values_and_origins(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_set(c, EDDY_CFG_SERVICE_ID, "api_", &err), 0);
    assert_int_equal(eddy_config_override(c, EDDY_CFG_CACHE_MAX_BYTES, "0", &err), 0);
    int seen = 0;
    for (int i = 0; i < eddy_config_count(c); i++) {
        eddy_config_item it;
        assert_int_equal(eddy_config_item_at(c, i, &it), 0);
        if (strcmp(it.ci_name, EDDY_CFG_SERVICE_ID) == 0) {
            assert_string_equal(it.ci_value, "api_");
            assert_int_equal(it.ci_origin, EDDY_CONFIG_API);
            assert_int_equal(it.ci_scope, EDDY_CONFIG_SERVER);
            seen++;
        } else if (strcmp(it.ci_name, EDDY_CFG_CACHE_MAX_BYTES) == 0) {
            assert_string_equal(it.ci_value, "0");
            assert_int_equal(it.ci_origin, EDDY_CONFIG_OVERRIDE);
            assert_int_equal(it.ci_type, EDDY_CONFIG_LONG);
            seen++;
        } else if (strcmp(it.ci_name, "sasl.password") == 0) {
            assert_true(it.ci_sensitive);
            assert_string_equal(it.ci_client_name, "sasl.password");
            seen++;
        } else {
            assert_int_equal(it.ci_origin, EDDY_CONFIG_DEFAULT);
        }
    }
    assert_int_equal(seen, 3);
}

static void test_copy_is_independent(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_set(c, EDDY_CFG_SERVICE_ID, "orig_", &err), 0);
    assert_int_equal(eddy_config_set(c, "ksql.unknown.one", "1", &err), 0);
    eddy_config *copy = eddy_config_copy(c);
    assert_non_null(copy);
    assert_string_equal(eddy_config_get_string(copy, EDDY_CFG_SERVICE_ID), "orig_");
    assert_string_equal(eddy_config_get_string(copy, "ksql.unknown.one"), "1");
    assert_int_equal(eddy_config_override(copy, "auto.offset.reset", "earliest", &err), 0);
    assert_int_equal(eddy_config_set(copy, "ksql.unknown.one", "2", &err), 0);
    assert_int_equal(eddy_config_set(c, EDDY_CFG_SERVICE_ID, "changed_", &err), 0);
    assert_string_equal(eddy_config_get_string(c, EDDY_CFG_AUTO_OFFSET_RESET), "latest");
    assert_string_equal(eddy_config_get_string(c, "ksql.unknown.one"), "1");
    assert_string_equal(eddy_config_get_string(copy, EDDY_CFG_SERVICE_ID), "orig_");
    assert_string_equal(eddy_config_get_string(copy, EDDY_CFG_AUTO_OFFSET_RESET), "earliest");
    eddy_config_destroy(copy);
    eddy_config_destroy(NULL);
}

static void test_unset_restores_the_default(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_override(c, EDDY_CFG_NUM_STREAM_THREADS, "9", &err), 0);
    assert_int_equal(eddy_config_unset(c, EDDY_CFG_NUM_STREAM_THREADS), 0);
    assert_int_equal(eddy_config_get_int(c, EDDY_CFG_NUM_STREAM_THREADS), 4);
    assert_int_equal(eddy_config_set(c, "ksql.x.y", "1", &err), 0);
    assert_int_equal(eddy_config_unset(c, "ksql.x.y"), 0);
    assert_null(eddy_config_get_string(c, "ksql.x.y"));
    assert_int_equal(eddy_config_unset(c, "ksql.x.y"), EDDY_NOTFOUND);
    assert_int_equal(eddy_config_count(c), eddy_config_ndefs);
}

static void test_properties_json_has_ksqldb_shape(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_set(c, "sasl.password", "s3cret", &err), 0);
    assert_int_equal(eddy_config_override(c, EDDY_CFG_AUTO_OFFSET_RESET, "earliest", &err), 0);
    json_t *body = eddy_config_properties_json(c, NULL);
    assert_non_null(body);
    json_t *props = json_object_get(body, "properties");
    assert_int_equal(json_array_size(props), (size_t)eddy_config_count(c));
    const char *prev = "";
    size_t i;
    json_t *p;
    bool saw_hidden = false, saw_null = false;
    json_array_foreach(props, i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        assert_non_null(name);
        assert_true(strcmp(prev, name) < 0);
        prev = name;
        assert_string_equal(json_string_value(json_object_get(p, "scope")), "KSQL");
        json_t *v = json_object_get(p, "value");
        assert_non_null(v);
        if (strcmp(name, "sasl.password") == 0) {
            assert_string_equal(json_string_value(v), "[hidden]");
            saw_hidden = true;
        }
        if (strcmp(name, EDDY_CFG_DEFAULT_VALUE_FORMAT) == 0) {
            assert_true(json_is_null(v));
            saw_null = true;
        }
    }
    assert_true(saw_hidden && saw_null);
    json_t *over = json_object_get(body, "overwrittenProperties");
    assert_int_equal(json_array_size(over), 1);
    assert_string_equal(json_string_value(json_array_get(over, 0)), EDDY_CFG_AUTO_OFFSET_RESET);
    json_t *dflt = json_object_get(body, "defaultProperties");
    assert_int_equal(json_array_size(dflt), (size_t)eddy_config_ndefs - 2);
    json_decref(body);
}

static void test_properties_json_applies_request_overrides(void **state) {
    eddy_config *c = *state;
    json_t *over = json_pack("{s:s, s:i, s:s}", "auto.offset.reset", "earliest",
                             "ksql.streams.num.stream.threads", 2, "ksql.service.id", "ignored_");
    json_t *body = eddy_config_properties_json(c, over);
    assert_non_null(body);
    size_t i;
    json_t *p;
    int seen = 0;
    json_array_foreach(json_object_get(body, "properties"), i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *value = json_string_value(json_object_get(p, "value"));
        if (strcmp(name, EDDY_CFG_AUTO_OFFSET_RESET) == 0) seen += strcmp(value, "earliest") == 0;
        if (strcmp(name, EDDY_CFG_NUM_STREAM_THREADS) == 0) seen += strcmp(value, "2") == 0;
        if (strcmp(name, EDDY_CFG_SERVICE_ID) == 0) seen += strcmp(value, "default_") == 0;
    }
    assert_int_equal(seen, 3);
    json_t *ow = json_object_get(body, "overwrittenProperties");
    assert_int_equal(json_array_size(ow), 2);
    assert_string_equal(json_string_value(json_array_get(ow, 0)), EDDY_CFG_AUTO_OFFSET_RESET);
    assert_string_equal(json_string_value(json_array_get(ow, 1)), EDDY_CFG_NUM_STREAM_THREADS);
    /* c itself is unchanged. */
    assert_string_equal(eddy_config_get(c, EDDY_CFG_AUTO_OFFSET_RESET), "latest");
    json_decref(body);
    json_decref(over);
}

static void test_check_override_validates_without_setting(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(eddy_config_check_override(c, "auto.offset.reset", "earliest", &err), 0);
    assert_string_equal(eddy_config_get(c, EDDY_CFG_AUTO_OFFSET_RESET), "latest");
    assert_int_equal(eddy_config_check_override(c, "auto.offset.reset", "soon", &err), EDDY_CONFIG);
    assert_non_null(strstr(err.msg, "String must be one of"));
    assert_int_equal(eddy_config_check_override(c, EDDY_CFG_SERVICE_ID, "x", &err), EDDY_CONFIG);
    assert_string_equal(err.msg, "Cannot override property 'ksql.service.id'");
    assert_int_equal(eddy_config_check_override(c, "bogus", "x", &err), EDDY_CONFIG);
    assert_int_equal(eddy_config_check_override(c, "ksql.streams.producer.acks", "all", &err), 0);
    assert_int_equal(eddy_config_count(c), eddy_config_ndefs);
    assert_string_equal(eddy_config_canonical_name("auto.offset.reset"), EDDY_CFG_AUTO_OFFSET_RESET);
    assert_string_equal(eddy_config_canonical_name("ksql.streams.bootstrap.servers"), EDDY_CFG_BOOTSTRAP_SERVERS);
    assert_string_equal(eddy_config_canonical_name("linger.ms"), "linger.ms");
}

static void test_properties_json_survives_values_that_are_not_utf8(void **state) {
    eddy_config *c = *state;
    eddy_err err;
    assert_int_equal(load(c, "ksql.output.topic.name.prefix=caf\xe9\n", &err), 0);
    json_t *body = eddy_config_properties_json(c, NULL);
    assert_non_null(body);
    size_t i;
    json_t *p;
    bool seen = false;
    json_array_foreach(json_object_get(body, "properties"), i, p) {
        if (strcmp(json_string_value(json_object_get(p, "name")), EDDY_CFG_OUTPUT_TOPIC_PREFIX) == 0) {
            assert_string_equal(json_string_value(json_object_get(p, "value")), "caf?");
            seen = true;
        }
    }
    assert_true(seen);
    json_decref(body);
}

static char *markdown(void) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(eddy_config_write_markdown(f), 0);
    fclose(f);
    return buf;
}

static void test_markdown_lists_every_property(void **state) {
    (void)state;
    char *md = markdown();
    for (int i = 0; i < eddy_config_ndefs; i++) {
        char cell[256];
        snprintf(cell, sizeof cell, "| `%s` |", eddy_config_defs[i].cd_name);
        if (!strstr(md, cell)) fail_msg("no row for %s", eddy_config_defs[i].cd_name);
    }
    assert_non_null(strstr(md, "## Server settings"));
    assert_non_null(strstr(md, "`exactly_once_v2`"));
    free(md);
}

/* docs/configuration.md is generated from the table; regenerate it (see the
 * top of this file) whenever the table changes. */
static void test_committed_docs_match_the_table(void **state) {
    (void)state;
    const char *src = getenv("EDDY_SOURCE_DIR");
    if (!src) skip();
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/configuration.md", src);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    char *want = markdown();
    size_t n = strlen(want);
    char *got = malloc(n + 2);
    size_t r = fread(got, 1, n + 1, f);
    fclose(f);
    bool same = r == n && memcmp(got, want, n) == 0;
    free(got);
    free(want);
    if (!same)
        fail_msg("%s is out of date: regenerate it with `server_config.test_config --markdown %s`", path, path);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--markdown") == 0) {
        FILE *f = fopen(argv[2], "w");
        if (!f) return 1;
        int rc = eddy_config_write_markdown(f);
        return (fclose(f) || rc) ? 1 : 0;
    }
    const struct CMUnitTest tests[] = {
        T(test_defaults_are_ksqldb_defaults),
        T(test_every_row_is_well_formed),
        T(test_file_accepts_all_three_separators),
        T(test_file_skips_comments_and_blank_lines),
        T(test_file_joins_continued_lines),
        T(test_file_resolves_escapes),
        T(test_file_malformed_unicode_escape_names_the_line),
        T(test_file_bad_value_names_file_line_and_property),
        T(test_load_file_reads_a_file_and_reports_a_missing_one),
        T(test_cmdline_wins_over_file_whichever_comes_first),
        T(test_set_arg_requires_key_equals_value),
        T(test_bad_int_is_rejected_with_a_message),
        T(test_int_out_of_range_is_rejected),
        T(test_bad_bool_is_rejected_with_a_message),
        T(test_valid_values_are_checked_and_canonicalised),
        T(test_streams_prefix_names_the_same_property),
        T(test_unknown_property_from_file_is_kept_but_marked_unknown),
        T(test_override_rejects_an_unknown_property),
        T(test_override_rejects_a_server_property),
        T(test_override_accepts_query_and_kafka_client_settings),
        T(test_functions_properties_are_free_form),
        T(test_list_values_are_split_and_trimmed),
        T(test_getters_give_zero_for_unknown_names_and_wrong_types),
        T(test_iteration_reports_values_and_origins),
        T(test_copy_is_independent),
        T(test_unset_restores_the_default),
        T(test_properties_json_has_ksqldb_shape),
        T(test_properties_json_survives_values_that_are_not_utf8),
        T(test_properties_json_applies_request_overrides),
        T(test_check_override_validates_without_setting),
        T(test_markdown_lists_every_property),
        T(test_committed_docs_match_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
