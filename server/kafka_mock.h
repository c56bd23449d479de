/* kafka_mock.h - `eddy kafka-mock`: librdkafka's in-process mock Kafka cluster as a development
 * tool, and the line protocol of its control port.
 *
 * The command (server/kafka_mock_cmd.c) starts a mock cluster on 127.0.0.1, prints its
 * bootstrap.servers and the address of a control port, and serves that port until SIGINT or
 * SIGTERM.  The control protocol (server/kafka_mock_proto.c) is one ASCII request line per
 * command and one reply line per request; its parser is a pure function so that it can be tested
 * without a cluster.  docs/kafka.md describes both for users.
 */
#ifndef EDDY_SERVER_KAFKA_MOCK_H
#define EDDY_SERVER_KAFKA_MOCK_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

/* Longest request line in bytes, not counting its "\n". */
#define EDDY_KMOCK_LINE_MAX 4096
/* Kafka's limit on topic names. */
#define EDDY_KMOCK_TOPIC_MAX 249
/* Bounds the parser enforces. */
#define EDDY_KMOCK_PARTITIONS_MAX 10000
#define EDDY_KMOCK_REPLICAS_MAX 64
#define EDDY_KMOCK_BROKERS_MAX 64
#define EDDY_KMOCK_ERRORS_MAX 10000
#define EDDY_KMOCK_RTT_MAX_MS 600000

/* The control commands. */
typedef enum eddy_kmock_op {
    EDDY_KMOCK_PING,        /* PING */
    EDDY_KMOCK_HELP,        /* HELP */
    EDDY_KMOCK_CREATE,      /* CREATE <topic> <partitions> [<replicas>] */
    EDDY_KMOCK_DELETE,      /* DELETE <topic> (always refused: the mock cannot delete) */
    EDDY_KMOCK_TOPICS,      /* TOPICS */
    EDDY_KMOCK_BROKER_DOWN, /* BROKER DOWN <id|all> */
    EDDY_KMOCK_BROKER_UP,   /* BROKER UP <id|all> */
    EDDY_KMOCK_RTT,         /* RTT <id|all> <ms> */
    EDDY_KMOCK_ERRORS,      /* ERRORS <ApiKey> <count> <error> */
    EDDY_KMOCK_LEADER,      /* LEADER <topic> <partition> <id|none> */
    EDDY_KMOCK_CLEAR,       /* CLEAR */
} eddy_kmock_op;

/* A parsed request.  Only the members its op uses are set; the others are zero. */
typedef struct eddy_kmock_cmd {
    eddy_kmock_op kc_op;
    char kc_topic[EDDY_KMOCK_TOPIC_MAX + 1]; /* CREATE, DELETE, LEADER */
    int kc_partitions;                       /* CREATE: 1..EDDY_KMOCK_PARTITIONS_MAX */
    int kc_replicas;                         /* CREATE: 1..EDDY_KMOCK_REPLICAS_MAX, 0 = default */
    int32_t kc_partition;                    /* LEADER */
    int32_t kc_broker;                       /* BROKER, RTT, LEADER: a broker id; -1 = all
                                              * brokers (BROKER, RTT) or no leader (LEADER) */
    int kc_rtt_ms;                           /* RTT */
    int16_t kc_api_key;                      /* ERRORS */
    int kc_count;                            /* ERRORS: 1..EDDY_KMOCK_ERRORS_MAX */
    int kc_error;                            /* ERRORS: an rd_kafka_resp_err_t */
} eddy_kmock_cmd;

/* Parses one request line into *cmd.
 *   line  the request without its "\n" (a trailing "\r" is ignored); NUL-terminated, borrowed.
 *   cmd   filled in on success (caller-owned).
 *   err   on failure, a one-line message to send back after "ERR ".
 * Command words are case-insensitive; topic names are not.  Returns 0, EDDY_PARSE (unknown
 * command, wrong arguments) or EDDY_TOOBIG (line longer than EDDY_KMOCK_LINE_MAX). */
int eddy_kmock_cmd_parse(const char *line, eddy_kmock_cmd *cmd, eddy_err *err);

/* Writes the one-line list of commands with their arguments ("PING; HELP; CREATE <topic> ...")
 * into buf (caller-owned, size bytes; truncated if short). */
void eddy_kmock_help_text(char *buf, size_t size);

/* Parses the --topic option "NAME:PARTITIONS[:REPLICAS]" (replicas 0 when left out).
 *   spec        borrowed.
 *   name        receives the topic name (EDDY_KMOCK_TOPIC_MAX + 1 bytes, caller-owned).
 * Returns 0 or EDDY_PARSE with a message in err. */
int eddy_kmock_topic_spec_parse(const char *spec, char *name, int *partitions, int *replicas,
                                eddy_err *err);

/* 1 if name is a legal Kafka topic name: 1..249 characters of [a-zA-Z0-9._-], not "." or "..". */
int eddy_kmock_topic_name_valid(const char *name);

/* The Kafka protocol ApiKey for a name such as "Produce", "Fetch", "EndTxn" (any case) or a
 * number 0..32767.  Returns 0 and sets *key, or EDDY_NOTFOUND. */
int eddy_kmock_api_key_lookup(const char *name, int16_t *key);
/* The name of an ApiKey ("Produce"), or NULL when the table has none.  Static storage. */
const char *eddy_kmock_api_key_name(int16_t key);
/* One past the largest ApiKey in the name table. */
int eddy_kmock_api_key_count(void);

/* The librdkafka error code for a name such as "NOT_LEADER_FOR_PARTITION" or "_TRANSPORT" (any
 * case, optionally prefixed by "RD_KAFKA_RESP_ERR_"), or for its number.  Returns 0 and sets
 * *code, or EDDY_NOTFOUND. */
int eddy_kmock_error_lookup(const char *name, int *code);

/* `eddy kafka-mock [options]`: argv holds the options only (argv[0] is the first option).
 * Returns the process exit status: 0 after SIGINT/SIGTERM, 1 when it cannot start, 2 on a usage
 * error. */
int eddy_kafka_mock_main(int argc, char **argv);

#endif
