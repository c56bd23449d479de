/* kafka_mock_proto.c - the control protocol of `eddy kafka-mock`: request parsing (one table row
 * per command), topic-name rules, and the ApiKey and error-name tables.
 *
 * Nothing here touches a cluster: eddy_kmock_cmd_parse turns a line into an eddy_kmock_cmd and
 * server/kafka_mock_cmd.c carries it out.  Error names come from librdkafka's own table
 * (rd_kafka_get_err_descs), so every code librdkafka knows can be injected by name.
 */
#include "server/kafka_mock.h"

#include <librdkafka/rdkafka.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- ApiKeys ------------------------------------------------------------------------------ */

/* Kafka protocol request types by ApiKey (the index).  Names as in Kafka's protocol guide. */
static const char *const kmock_api_names[] = {
    "Produce",                    /* 0 */
    "Fetch",                      /* 1 */
    "ListOffsets",                /* 2 */
    "Metadata",                   /* 3 */
    "LeaderAndIsr",               /* 4 */
    "StopReplica",                /* 5 */
    "UpdateMetadata",             /* 6 */
    "ControlledShutdown",         /* 7 */
    "OffsetCommit",               /* 8 */
    "OffsetFetch",                /* 9 */
    "FindCoordinator",            /* 10 */
    "JoinGroup",                  /* 11 */
    "Heartbeat",                  /* 12 */
    "LeaveGroup",                 /* 13 */
    "SyncGroup",                  /* 14 */
    "DescribeGroups",             /* 15 */
    "ListGroups",                 /* 16 */
    "SaslHandshake",              /* 17 */
    "ApiVersions",                /* 18 */
    "CreateTopics",               /* 19 */
    "DeleteTopics",               /* 20 */
    "DeleteRecords",              /* 21 */
    "InitProducerId",             /* 22 */
    "OffsetForLeaderEpoch",       /* 23 */
    "AddPartitionsToTxn",         /* 24 */
    "AddOffsetsToTxn",            /* 25 */
    "EndTxn",                     /* 26 */
    "WriteTxnMarkers",            /* 27 */
    "TxnOffsetCommit",            /* 28 */
    "DescribeAcls",               /* 29 */
    "CreateAcls",                 /* 30 */
    "DeleteAcls",                 /* 31 */
    "DescribeConfigs",            /* 32 */
    "AlterConfigs",               /* 33 */
    "AlterReplicaLogDirs",        /* 34 */
    "DescribeLogDirs",            /* 35 */
    "SaslAuthenticate",           /* 36 */
    "CreatePartitions",           /* 37 */
    "CreateDelegationToken",      /* 38 */
    "RenewDelegationToken",       /* 39 */
    "ExpireDelegationToken",      /* 40 */
    "DescribeDelegationToken",    /* 41 */
    "DeleteGroups",               /* 42 */
    "ElectLeaders",               /* 43 */
    "IncrementalAlterConfigs",    /* 44 */
    "AlterPartitionReassignments", /* 45 */
    "ListPartitionReassignments", /* 46 */
    "OffsetDelete",               /* 47 */
    "DescribeClientQuotas",       /* 48 */
    "AlterClientQuotas",          /* 49 */
    "DescribeUserScramCredentials", /* 50 */
    "AlterUserScramCredentials",  /* 51 */
    "Vote",                       /* 52 */
    "BeginQuorumEpoch",           /* 53 */
    "EndQuorumEpoch",             /* 54 */
    "DescribeQuorum",             /* 55 */
    "AlterPartition",             /* 56 */
    "UpdateFeatures",             /* 57 */
    "Envelope",                   /* 58 */
    "FetchSnapshot",              /* 59 */
    "DescribeCluster",            /* 60 */
    "DescribeProducers",          /* 61 */
    "BrokerRegistration",         /* 62 */
    "BrokerHeartbeat",            /* 63 */
    "UnregisterBroker",           /* 64 */
    "DescribeTransactions",       /* 65 */
    "ListTransactions",           /* 66 */
    "AllocateProducerIds",        /* 67 */
};

#define KMOCK_API_COUNT ((int)(sizeof kmock_api_names / sizeof kmock_api_names[0]))

int eddy_kmock_api_key_count(void) { return KMOCK_API_COUNT; }

const char *eddy_kmock_api_key_name(int16_t key) {
    return key >= 0 && key < KMOCK_API_COUNT ? kmock_api_names[key] : NULL;
}

/* Parses a whole decimal integer in [lo, hi]; returns 0 or -1. */
static int kmock_parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    if (!*s || isspace((unsigned char)*s)) return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int eddy_kmock_api_key_lookup(const char *name, int16_t *key) {
    long v;
    if (kmock_parse_long(name, 0, INT16_MAX, &v) == 0) {
        *key = (int16_t)v;
        return 0;
    }
    /* "ProduceRequest" is accepted for "Produce", as librdkafka's logs name them. */
    size_t n = strlen(name);
    if (n > 7 && strcasecmp(name + n - 7, "Request") == 0) n -= 7;
    for (int i = 0; i < KMOCK_API_COUNT; i++) {
        if (strlen(kmock_api_names[i]) == n && strncasecmp(kmock_api_names[i], name, n) == 0) {
            *key = (int16_t)i;
            return 0;
        }
    }
    return EDDY_NOTFOUND;
}

/* ---- errors ------------------------------------------------------------------------------- */

int eddy_kmock_error_lookup(const char *name, int *code) {
    const struct rd_kafka_err_desc *descs;
    size_t cnt;
    long v;
    rd_kafka_get_err_descs(&descs, &cnt);
    int numeric = kmock_parse_long(name, INT_MIN, INT_MAX, &v) == 0;
    if (!numeric && strncasecmp(name, "RD_KAFKA_RESP_ERR_", 18) == 0) name += 18;
    for (size_t i = 0; i < cnt; i++) {
        if (!descs[i].name) continue; /* holes in the table */
        if (numeric ? (long)descs[i].code == v : strcasecmp(descs[i].name, name) == 0) {
            *code = descs[i].code;
            return 0;
        }
    }
    return EDDY_NOTFOUND;
}

/* ---- topic names ---------------------------------------------------------------------------- */

int eddy_kmock_topic_name_valid(const char *name) {
    size_t n = strlen(name);
    if (n < 1 || n > EDDY_KMOCK_TOPIC_MAX) return 0;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(isascii(c) && (isalnum(c) || c == '.' || c == '_' || c == '-'))) return 0;
    }
    return 1;
}

/* Copies a user-given word into a message: at most 64 bytes, non-printables as '?'. */
static const char *kmock_show(const char *word, char *buf, size_t size) {
    size_t i = 0;
    for (; word[i] && i + 1 < size && i < 64; i++)
        buf[i] = isprint((unsigned char)word[i]) ? word[i] : '?';
    buf[i] = '\0';
    if (word[i] && i + 4 < size) strcpy(buf + i, "...");
    return buf;
}

static int kmock_set_topic(const char *word, eddy_kmock_cmd *cmd, eddy_err *err) {
    char shown[72];
    if (!eddy_kmock_topic_name_valid(word))
        return eddy_err_set(err, EDDY_PARSE,
                            "invalid topic name '%s': use 1..249 characters of [a-zA-Z0-9._-]",
                            kmock_show(word, shown, sizeof shown));
    snprintf(cmd->kc_topic, sizeof cmd->kc_topic, "%s", word);
    return 0;
}

static int kmock_int_arg(const char *word, const char *what, long lo, long hi, long *out,
                         eddy_err *err) {
    char shown[72];
    if (kmock_parse_long(word, lo, hi, out))
        return eddy_err_set(err, EDDY_PARSE, "invalid %s '%s': expected an integer in %ld..%ld",
                            what, kmock_show(word, shown, sizeof shown), lo, hi);
    return 0;
}

/* A broker id, or "all" / -1 for every broker when allow_all ("none" / -1 for LEADER). */
static int kmock_broker_arg(const char *word, const char *all_word, int32_t *out, eddy_err *err) {
    long v;
    if (strcasecmp(word, all_word) == 0) {
        *out = -1;
        return 0;
    }
    int rc = kmock_int_arg(word, "broker id", -1, INT32_MAX, &v, err);
    if (rc == 0) *out = (int32_t)v;
    return rc;
}

/* ---- the command table -------------------------------------------------------------------- */

/* Argument parser of one command: argv holds the words after the command word. */
typedef int (*kmock_args_fn)(int argc, char **argv, eddy_kmock_cmd *cmd, eddy_err *err);

static int args_none(int argc, char **argv, eddy_kmock_cmd *cmd, eddy_err *err) { return 0; }

static int args_create(int argc, char **argv, eddy_kmock_cmd *cmd, eddy_err *err) {
    long v;
    int rc;
    if ((rc = kmock_set_topic(argv[0], cmd, err))) return rc;
    if ((rc = kmock_int_arg(argv[1], "partition count", 1, EDDY_KMOCK_PARTITIONS_MAX, &v, err)))
        return rc;
    cmd->kc_partitions = (int)v;
    if (argc > 2) {
        if ((rc = kmock_int_arg(argv[2], "replication factor", 1, EDDY_KMOCK_REPLICAS_MAX, &v, err)))
            return rc;
        cmd->kc_replicas = (int)v;
    }
    return 0;
}

static int args_topic(int argc, char **argv, eddy_kmock_cmd *cmd, eddy_err *err) {
    return kmock_set_topic(argv[0], cmd, err);
}

static int args_broker(int argc, char **argv, eddy_kmock_cmd *cmd, eddy_err *err) {
    char shown[72];
    if (strcasecmp(argv[0], "DOWN") == 0) cmd->kc_op = EDDY_KMOCK_BROKER_DOWN;
    else if (strcasecmp(argv[0], "UP") == 0) cmd->kc_op = EDDY_KMOCK_BROKER_UP;
    else
        return eddy_err_set(err, EDDY_PARSE, "BROKER: expected DOWN or UP, got '%s'",
                            kmock_show(argv[0], shown, sizeof shown));
    return kmock_broker_arg(argv[1], "all", &cmd->kc_broker, err);
}

static int args_rtt(int argc, char **argv, eddy_kmock_cmd *cmd, eddy_err *err) {
    long v;
    int rc;
    if ((rc = kmock_broker_arg(argv[0], "all", &cmd->kc_broker, err))) return rc;
    if ((rc = kmock_int_arg(argv[1], "RTT in ms", 0, EDDY_KMOCK_RTT_MAX_MS, &v, err))) return rc;
    cmd->kc_rtt_ms = (int)v;
    return 0;
}

static int args_errors(int argc, char **argv, eddy_kmock_cmd *cmd, eddy_err *err) {
    char shown[72];
    long v;
    int rc;
    if (eddy_kmock_api_key_lookup(argv[0], &cmd->kc_api_key))
        return eddy_err_set(err, EDDY_PARSE,
                            "unknown ApiKey '%s': use a request name (Produce, Fetch, EndTxn, ...) "
                            "or a number",
                            kmock_show(argv[0], shown, sizeof shown));
    if ((rc = kmock_int_arg(argv[1], "error count", 1, EDDY_KMOCK_ERRORS_MAX, &v, err))) return rc;
    cmd->kc_count = (int)v;
    if (eddy_kmock_error_lookup(argv[2], &cmd->kc_error))
        return eddy_err_set(err, EDDY_PARSE,
                            "unknown error '%s': use a librdkafka error name "
                            "(NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, _TRANSPORT, ...) or code",
                            kmock_show(argv[2], shown, sizeof shown));
    return 0;
}

static int args_leader(int argc, char **argv, eddy_kmock_cmd *cmd, eddy_err *err) {
    long v;
    int rc;
    if ((rc = kmock_set_topic(argv[0], cmd, err))) return rc;
    if ((rc = kmock_int_arg(argv[1], "partition", 0, EDDY_KMOCK_PARTITIONS_MAX - 1, &v, err)))
        return rc;
    cmd->kc_partition = (int32_t)v;
    return kmock_broker_arg(argv[2], "none", &cmd->kc_broker, err);
}

static const struct kmock_cmd_def {
    const char *kd_name;
    eddy_kmock_op kd_op;
    int kd_min_args, kd_max_args;
    kmock_args_fn kd_args;
    const char *kd_usage;
} kmock_cmds[] = {
    {"PING", EDDY_KMOCK_PING, 0, 0, args_none, "PING"},
    {"HELP", EDDY_KMOCK_HELP, 0, 0, args_none, "HELP"},
    {"CREATE", EDDY_KMOCK_CREATE, 2, 3, args_create, "CREATE <topic> <partitions> [<replicas>]"},
    {"DELETE", EDDY_KMOCK_DELETE, 1, 1, args_topic, "DELETE <topic>"},
    {"TOPICS", EDDY_KMOCK_TOPICS, 0, 0, args_none, "TOPICS"},
    {"BROKER", EDDY_KMOCK_BROKER_DOWN, 2, 2, args_broker, "BROKER DOWN|UP <id|all>"},
    {"RTT", EDDY_KMOCK_RTT, 2, 2, args_rtt, "RTT <id|all> <ms>"},
    {"ERRORS", EDDY_KMOCK_ERRORS, 3, 3, args_errors, "ERRORS <ApiKey> <count> <error>"},
    {"LEADER", EDDY_KMOCK_LEADER, 3, 3, args_leader, "LEADER <topic> <partition> <id|none>"},
    {"CLEAR", EDDY_KMOCK_CLEAR, 0, 0, args_none, "CLEAR"},
};

#define KMOCK_CMD_COUNT (sizeof kmock_cmds / sizeof kmock_cmds[0])

/* "PING, HELP, CREATE <topic> ..., ..." for HELP and unknown commands. */
static void kmock_usage_list(char *buf, size_t size, int with_args) {
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < KMOCK_CMD_COUNT && off < size; i++) {
        int n = snprintf(buf + off, size - off, "%s%s", i ? (with_args ? "; " : ", ") : "",
                         with_args ? kmock_cmds[i].kd_usage : kmock_cmds[i].kd_name);
        if (n < 0) break;
        off += (size_t)n;
    }
}

void eddy_kmock_help_text(char *buf, size_t size) { kmock_usage_list(buf, size, 1); }

int eddy_kmock_cmd_parse(const char *line, eddy_kmock_cmd *cmd, eddy_err *err) {
    char copy[EDDY_KMOCK_LINE_MAX + 1];
    char *argv[8];
    int argc = 0;
    char shown[72];

    memset(cmd, 0, sizeof *cmd);
    size_t n = strlen(line);
    if (n > 0 && line[n - 1] == '\r') n--;
    if (n > EDDY_KMOCK_LINE_MAX)
        return eddy_err_set(err, EDDY_TOOBIG, "line too long (more than %d bytes)",
                            EDDY_KMOCK_LINE_MAX);
    memcpy(copy, line, n);
    copy[n] = '\0';

    char *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (argc == (int)(sizeof argv / sizeof argv[0]))
            return eddy_err_set(err, EDDY_PARSE, "too many arguments");
        argv[argc++] = w;
    }
    if (argc == 0) return eddy_err_set(err, EDDY_PARSE, "empty request (try HELP)");

    for (size_t i = 0; i < KMOCK_CMD_COUNT; i++) {
        const struct kmock_cmd_def *d = &kmock_cmds[i];
        if (strcasecmp(argv[0], d->kd_name) != 0) continue;
        int nargs = argc - 1;
        if (nargs < d->kd_min_args || nargs > d->kd_max_args)
            return eddy_err_set(err, EDDY_PARSE, "usage: %s", d->kd_usage);
        cmd->kc_op = d->kd_op;
        int rc = d->kd_args(nargs, argv + 1, cmd, err);
        if (rc) memset(cmd, 0, sizeof *cmd);
        return rc;
    }
    char names[256];
    kmock_usage_list(names, sizeof names, 0);
    return eddy_err_set(err, EDDY_PARSE, "unknown command '%s' (commands: %s)",
                        kmock_show(argv[0], shown, sizeof shown), names);
}

/* ---- --topic NAME:PARTITIONS[:REPLICAS] ----------------------------------------------------- */

int eddy_kmock_topic_spec_parse(const char *spec, char *name, int *partitions, int *replicas,
                                eddy_err *err) {
    char shown[72];
    const char *c1 = strchr(spec, ':');
    long v;
    if (!c1 || (size_t)(c1 - spec) > EDDY_KMOCK_TOPIC_MAX)
        goto bad;
    memcpy(name, spec, (size_t)(c1 - spec));
    name[c1 - spec] = '\0';
    if (!eddy_kmock_topic_name_valid(name)) goto bad;

    char num[32];
    const char *c2 = strchr(c1 + 1, ':');
    size_t plen = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
    if (plen >= sizeof num) goto bad;
    memcpy(num, c1 + 1, plen);
    num[plen] = '\0';
    if (kmock_parse_long(num, 1, EDDY_KMOCK_PARTITIONS_MAX, &v)) goto bad;
    *partitions = (int)v;
    *replicas = 0;
    if (c2) {
        if (kmock_parse_long(c2 + 1, 1, EDDY_KMOCK_REPLICAS_MAX, &v)) goto bad;
        *replicas = (int)v;
    }
    return 0;
bad:
    name[0] = '\0';
    return eddy_err_set(err, EDDY_PARSE,
                        "--topic '%s': expected NAME:PARTITIONS[:REPLICAS] with a topic name of "
                        "1..249 characters of [a-zA-Z0-9._-], 1..%d partitions and 1..%d replicas",
                        kmock_show(spec, shown, sizeof shown), EDDY_KMOCK_PARTITIONS_MAX,
                        EDDY_KMOCK_REPLICAS_MAX);
}
