/* test_kafka_mock_proto.c - unit tests of the `eddy kafka-mock` control protocol parser, its
 * name tables and the --topic option (server/kafka_mock_proto.c). */
#include "server/kafka_mock.h"

#include <librdkafka/rdkafka.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int parse(const char *line, eddy_kmock_cmd *cmd, eddy_err *err) {
    eddy_err_clear(err);
    return eddy_kmock_cmd_parse(line, cmd, err);
}

static void test_ping_parses(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("PING", &c, &err), 0);
    assert_int_equal(c.kc_op, EDDY_KMOCK_PING);
}

static void test_command_words_are_case_insensitive(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("ping", &c, &err), 0);
    assert_int_equal(c.kc_op, EDDY_KMOCK_PING);
    assert_int_equal(parse("broker down 2", &c, &err), 0);
    assert_int_equal(c.kc_op, EDDY_KMOCK_BROKER_DOWN);
}

static void test_trailing_cr_and_extra_blanks_are_ignored(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("  CREATE \t orders   3  1\r", &c, &err), 0);
    assert_int_equal(c.kc_op, EDDY_KMOCK_CREATE);
    assert_string_equal(c.kc_topic, "orders");
    assert_int_equal(c.kc_partitions, 3);
    assert_int_equal(c.kc_replicas, 1);
}

static void test_create_without_replicas_uses_default(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("CREATE t.x_y-z 4", &c, &err), 0);
    assert_string_equal(c.kc_topic, "t.x_y-z");
    assert_int_equal(c.kc_partitions, 4);
    assert_int_equal(c.kc_replicas, 0);
}

static void test_create_topic_name_is_case_sensitive(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("create Orders 1 1", &c, &err), 0);
    assert_string_equal(c.kc_topic, "Orders");
}

static void test_create_with_bad_topic_name_is_rejected(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("CREATE bad/name 1 1", &c, &err), EDDY_PARSE);
    assert_non_null(strstr(err.msg, "invalid topic name 'bad/name'"));
    assert_int_equal(parse("CREATE .. 1 1", &c, &err), EDDY_PARSE);
}

static void test_create_with_zero_partitions_is_rejected(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("CREATE t 0 1", &c, &err), EDDY_PARSE);
    assert_non_null(strstr(err.msg, "partition count"));
    assert_int_equal(parse("CREATE t 3x 1", &c, &err), EDDY_PARSE);
    assert_int_equal(parse("CREATE t 3 0", &c, &err), EDDY_PARSE);
    assert_non_null(strstr(err.msg, "replication factor"));
}

static void test_create_with_wrong_argument_count_shows_usage(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("CREATE t", &c, &err), EDDY_PARSE);
    assert_string_equal(err.msg, "usage: CREATE <topic> <partitions> [<replicas>]");
    assert_int_equal(parse("CREATE t 1 1 1", &c, &err), EDDY_PARSE);
    assert_int_equal(parse("PING now", &c, &err), EDDY_PARSE);
}

static void test_topic_name_rule_is_kafkas(void **state) {
    char name[300];
    assert_true(eddy_kmock_topic_name_valid("a"));
    assert_true(eddy_kmock_topic_name_valid("A-b_c.9"));
    assert_false(eddy_kmock_topic_name_valid(""));
    assert_false(eddy_kmock_topic_name_valid("."));
    assert_false(eddy_kmock_topic_name_valid(".."));
    assert_true(eddy_kmock_topic_name_valid("..."));
    assert_false(eddy_kmock_topic_name_valid("a b"));
    assert_false(eddy_kmock_topic_name_valid("caf\xc3\xa9"));
    memset(name, 'x', 249);
    name[249] = '\0';
    assert_true(eddy_kmock_topic_name_valid(name));
    name[249] = 'x';
    name[250] = '\0';
    assert_false(eddy_kmock_topic_name_valid(name));
}

static void test_delete_parses_to_be_refused_later(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("DELETE t", &c, &err), 0);
    assert_int_equal(c.kc_op, EDDY_KMOCK_DELETE);
    assert_string_equal(c.kc_topic, "t");
}

static void test_broker_up_and_all(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("BROKER UP 3", &c, &err), 0);
    assert_int_equal(c.kc_op, EDDY_KMOCK_BROKER_UP);
    assert_int_equal(c.kc_broker, 3);
    assert_int_equal(parse("BROKER DOWN all", &c, &err), 0);
    assert_int_equal(c.kc_op, EDDY_KMOCK_BROKER_DOWN);
    assert_int_equal(c.kc_broker, -1);
}

static void test_broker_with_bad_verb_is_rejected(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("BROKER SIDEWAYS 1", &c, &err), EDDY_PARSE);
    assert_non_null(strstr(err.msg, "expected DOWN or UP"));
    assert_int_equal(parse("BROKER DOWN one", &c, &err), EDDY_PARSE);
    assert_int_equal(parse("BROKER DOWN -2", &c, &err), EDDY_PARSE);
}

static void test_rtt_parses_broker_and_ms(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("RTT 2 250", &c, &err), 0);
    assert_int_equal(c.kc_op, EDDY_KMOCK_RTT);
    assert_int_equal(c.kc_broker, 2);
    assert_int_equal(c.kc_rtt_ms, 250);
    assert_int_equal(parse("RTT all 0", &c, &err), 0);
    assert_int_equal(c.kc_broker, -1);
    assert_int_equal(parse("RTT 1 -5", &c, &err), EDDY_PARSE);
}

static void test_errors_by_names(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("ERRORS Produce 3 NOT_LEADER_FOR_PARTITION", &c, &err), 0);
    assert_int_equal(c.kc_op, EDDY_KMOCK_ERRORS);
    assert_int_equal(c.kc_api_key, 0);
    assert_int_equal(c.kc_count, 3);
    assert_int_equal(c.kc_error, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    assert_int_equal(parse("ERRORS endtxn 1 request_timed_out", &c, &err), 0);
    assert_int_equal(c.kc_api_key, 26);
    assert_int_equal(c.kc_error, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
}

static void test_errors_by_numbers(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("ERRORS 1 2 7", &c, &err), 0);
    assert_int_equal(c.kc_api_key, 1);
    assert_int_equal(c.kc_count, 2);
    assert_int_equal(c.kc_error, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
}

static void test_errors_with_unknown_names_are_rejected(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("ERRORS Produkt 1 REQUEST_TIMED_OUT", &c, &err), EDDY_PARSE);
    assert_non_null(strstr(err.msg, "unknown ApiKey 'Produkt'"));
    assert_int_equal(parse("ERRORS Fetch 1 NO_SUCH_ERROR", &c, &err), EDDY_PARSE);
    assert_non_null(strstr(err.msg, "unknown error 'NO_SUCH_ERROR'"));
    assert_int_equal(parse("ERRORS Fetch 0 REQUEST_TIMED_OUT", &c, &err), EDDY_PARSE);
    assert_int_equal(parse("ERRORS Fetch 10001 REQUEST_TIMED_OUT", &c, &err), EDDY_PARSE);
}

static void test_api_key_table_names_and_numbers(void **state) {
    int16_t k = -1;
    assert_int_equal(eddy_kmock_api_key_lookup("Fetch", &k), 0);
    assert_int_equal(k, 1);
    assert_int_equal(eddy_kmock_api_key_lookup("ProduceRequest", &k), 0);
    assert_int_equal(k, 0);
    assert_int_equal(eddy_kmock_api_key_lookup("TxnOffsetCommit", &k), 0);
    assert_int_equal(k, 28);
    assert_int_equal(eddy_kmock_api_key_lookup("initproducerid", &k), 0);
    assert_int_equal(k, 22);
    assert_int_equal(eddy_kmock_api_key_lookup("40000", &k), EDDY_NOTFOUND);
    assert_int_equal(eddy_kmock_api_key_lookup("Request", &k), EDDY_NOTFOUND);
    assert_string_equal(eddy_kmock_api_key_name(26), "EndTxn");
    assert_null(eddy_kmock_api_key_name(-1));
    assert_null(eddy_kmock_api_key_name((int16_t)eddy_kmock_api_key_count()));
    /* Every name maps back to its own index. */
    for (int i = 0; i < eddy_kmock_api_key_count(); i++) {
        assert_int_equal(eddy_kmock_api_key_lookup(eddy_kmock_api_key_name((int16_t)i), &k), 0);
        assert_int_equal(k, i);
    }
}

static void test_error_lookup_accepts_prefix_and_internal_codes(void **state) {
    int code = 0;
    assert_int_equal(eddy_kmock_error_lookup("RD_KAFKA_RESP_ERR_NOT_COORDINATOR", &code), 0);
    assert_int_equal(code, RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
    assert_int_equal(eddy_kmock_error_lookup("_TRANSPORT", &code), 0);
    assert_int_equal(code, RD_KAFKA_RESP_ERR__TRANSPORT);
    assert_int_equal(eddy_kmock_error_lookup("-195", &code), 0);
    assert_int_equal(code, RD_KAFKA_RESP_ERR__TRANSPORT);
    assert_int_equal(eddy_kmock_error_lookup("99999", &code), EDDY_NOTFOUND);
}

static void test_leader_parses_and_none_means_leaderless(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("LEADER t 3 2", &c, &err), 0);
    assert_int_equal(c.kc_op, EDDY_KMOCK_LEADER);
    assert_string_equal(c.kc_topic, "t");
    assert_int_equal(c.kc_partition, 3);
    assert_int_equal(c.kc_broker, 2);
    assert_int_equal(parse("LEADER t 0 none", &c, &err), 0);
    assert_int_equal(c.kc_broker, -1);
    assert_int_equal(parse("LEADER t -1 1", &c, &err), EDDY_PARSE);
}

static void test_unknown_command_is_named_in_error(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("FROB 1 2", &c, &err), EDDY_PARSE);
    assert_non_null(strstr(err.msg, "unknown command 'FROB'"));
    assert_non_null(strstr(err.msg, "PING"));
}

static void test_empty_line_is_an_error(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("", &c, &err), EDDY_PARSE);
    assert_int_equal(parse("   \t", &c, &err), EDDY_PARSE);
}

static void test_error_message_hides_control_characters(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    assert_int_equal(parse("FR\x01OB", &c, &err), EDDY_PARSE);
    assert_non_null(strstr(err.msg, "'FR?OB'"));
    assert_null(strchr(err.msg, '\n'));
}

static void test_overlong_line_is_too_big(void **state) {
    eddy_kmock_cmd c;
    eddy_err err;
    char *line = malloc(EDDY_KMOCK_LINE_MAX + 2);
    assert_non_null(line);
    memset(line, 'A', EDDY_KMOCK_LINE_MAX + 1);
    line[EDDY_KMOCK_LINE_MAX + 1] = '\0';
    assert_int_equal(parse(line, &c, &err), EDDY_TOOBIG);
    line[EDDY_KMOCK_LINE_MAX] = '\0'; /* exactly the limit: parsed (as an unknown command) */
    assert_int_equal(parse(line, &c, &err), EDDY_PARSE);
    free(line);
}

static void test_help_lists_every_command(void **state) {
    char buf[1024];
    eddy_kmock_help_text(buf, sizeof buf);
    const char *words[] = {"PING", "CREATE <topic>", "DELETE", "TOPICS", "BROKER DOWN|UP",
                           "RTT", "ERRORS <ApiKey>", "LEADER", "CLEAR"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) assert_non_null(strstr(buf, words[i]));
    assert_null(strchr(buf, '\n'));
}

static void test_topic_spec_with_and_without_replicas(void **state) {
    char name[EDDY_KMOCK_TOPIC_MAX + 1];
    int p = 0, r = -1;
    eddy_err err;
    eddy_err_clear(&err);
    assert_int_equal(eddy_kmock_topic_spec_parse("orders:6", name, &p, &r, &err), 0);
    assert_string_equal(name, "orders");
    assert_int_equal(p, 6);
    assert_int_equal(r, 0);
    assert_int_equal(eddy_kmock_topic_spec_parse("a.b:2:3", name, &p, &r, &err), 0);
    assert_string_equal(name, "a.b");
    assert_int_equal(p, 2);
    assert_int_equal(r, 3);
}

static void test_topic_spec_malformed_is_rejected(void **state) {
    char name[EDDY_KMOCK_TOPIC_MAX + 1];
    int p, r;
    eddy_err err;
    const char *bad[] = {"orders", "orders:", ":3", "orders:0", "orders:x", "orders:3:",
                         "orders:3:0", "orders:3:1:1", "or ders:3", "orders:99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eddy_err_clear(&err);
        assert_int_equal(eddy_kmock_topic_spec_parse(bad[i], name, &p, &r, &err), EDDY_PARSE);
        assert_non_null(strstr(err.msg, "NAME:PARTITIONS[:REPLICAS]"));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping_parses),
        cmocka_unit_test(test_command_words_are_case_insensitive),
        cmocka_unit_test(test_trailing_cr_and_extra_blanks_are_ignored),
        cmocka_unit_test(test_create_without_replicas_uses_default),
        cmocka_unit_test(test_create_topic_name_is_case_sensitive),
        cmocka_unit_test(test_create_with_bad_topic_name_is_rejected),
        cmocka_unit_test(test_create_with_zero_partitions_is_rejected),
        cmocka_unit_test(test_create_with_wrong_argument_count_shows_usage),
        cmocka_unit_test(test_topic_name_rule_is_kafkas),
        cmocka_unit_test(test_delete_parses_to_be_refused_later),
        cmocka_unit_test(test_broker_up_and_all),
        cmocka_unit_test(test_broker_with_bad_verb_is_rejected),
        cmocka_unit_test(test_rtt_parses_broker_and_ms),
        cmocka_unit_test(test_errors_by_names),
        cmocka_unit_test(test_errors_by_numbers),
        cmocka_unit_test(test_errors_with_unknown_names_are_rejected),
        cmocka_unit_test(test_api_key_table_names_and_numbers),
        cmocka_unit_test(test_error_lookup_accepts_prefix_and_internal_codes),
        cmocka_unit_test(test_leader_parses_and_none_means_leaderless),
        cmocka_unit_test(test_unknown_command_is_named_in_error),
        cmocka_unit_test(test_empty_line_is_an_error),
        cmocka_unit_test(test_error_message_hides_control_characters),
        cmocka_unit_test(test_overlong_line_is_too_big),
        cmocka_unit_test(test_help_lists_every_command),
        cmocka_unit_test(test_topic_spec_with_and_without_replicas),
        cmocka_unit_test(test_topic_spec_malformed_is_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
