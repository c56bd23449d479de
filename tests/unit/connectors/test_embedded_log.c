/* test_embedded_log.c - what is particular to the embedded (RocksDB) log: its
 * directory, round-robin placement, crash durability, cleanup on topic delete,
 * and record batches (fetches and retention that start inside a batch). */
#include "connectors/log.h"

#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* A fresh temporary directory per test, removed afterwards. */
static int dir_setup(void **state) {
    const char *tmp = getenv("TMPDIR");
    char *dir = NULL;
    if (asprintf(&dir, "%s/eddy-embedded-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0) return -1;
    if (!mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int dir_teardown(void **state) {
    nftw(*state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(*state);
    return 0;
}

static char *path_in(const char *dir, const char *rel) {
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, rel) < 0) return NULL;
    return p;
}

static eddy_log *open_log(const char *dir) {
    eddy_log *log = NULL;
    eddy_err err;
    if (eddy_log_open_embedded(dir, &log, &err) != 0) fail_msg("open %s: %s", dir, err.msg);
    return log;
}

static void create_topic(eddy_log *log, const char *name, int32_t partitions) {
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    cfg.partitions = partitions;
    eddy_err err;
    if (eddy_log_topic_create(log, name, &cfg, &err)) fail_msg("create: %s", err.msg);
}

static void test_open_creates_missing_directories(void **state) {
    char *dir = path_in(*state, "a/b/c");
    eddy_log *log = open_log(dir);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_string_equal(eddy_log_backend_name(log), "embedded");
    eddy_log_close(log);
    free(dir);
}

static void test_open_on_a_file_fails_with_io_error(void **state) {
    char *file = path_in(*state, "plain");
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    eddy_log *log = (eddy_log *)1;
    eddy_err err;
    assert_int_equal(eddy_log_open_embedded(file, &log, &err), EDDY_IO);
    assert_null(log);
    assert_non_null(strstr(err.msg, "plain"));
    free(file);
}

static void test_second_open_of_a_directory_fails(void **state) {
    eddy_log *log = open_log(*state), *other = NULL;
    eddy_err err;
    assert_int_equal(eddy_log_open_embedded(*state, &other, &err), EDDY_STORAGE);
    assert_null(other);
    eddy_log_close(log);
    other = open_log(*state);
    eddy_log_close(other);
}

static void test_close_of_null_is_a_no_op(void **state) {
    (void)state;
    eddy_log_close(NULL);
    eddy_log_txn_destroy(NULL);
    eddy_log_batch_fini(NULL);
}

static void test_null_keys_go_round_robin(void **state) {
    eddy_log *log = open_log(*state);
    create_topic(log, "t", 3);
    int counts[3] = {0};
    eddy_err err;
    for (int i = 0; i < 9; i++) {
        eddy_log_record r = {.timestamp = 1, .value = "v", .value_len = 1};
        int32_t p = -1;
        assert_int_equal(eddy_log_produce(log, "t", EDDY_LOG_PARTITION_ANY, &r, 0, &p, NULL,
                                          &err), 0);
        counts[p]++;
    }
    assert_int_equal(counts[0], 3);
    assert_int_equal(counts[1], 3);
    assert_int_equal(counts[2], 3);
    eddy_log_close(log);
}

static void test_topic_delete_removes_its_group_positions(void **state) {
    eddy_log *log = open_log(*state);
    eddy_err err;
    int64_t pos;
    create_topic(log, "t", 1);
    create_topic(log, "u", 1);
    assert_int_equal(eddy_log_group_commit(log, "g", "t", 0, 5, 0, &err), 0);
    assert_int_equal(eddy_log_group_commit(log, "g/t", "u", 0, 6, 0, &err), 0);
    assert_int_equal(eddy_log_topic_delete(log, "t", &err), 0);
    create_topic(log, "t", 1);
    assert_int_equal(eddy_log_group_committed(log, "g", "t", 0, &pos, &err), EDDY_NOTFOUND);
    assert_int_equal(eddy_log_group_committed(log, "g/t", "u", 0, &pos, &err), 0);
    assert_int_equal(pos, 6);
    eddy_log_close(log);
}

static void test_flush_succeeds(void **state) {
    eddy_log *log = open_log(*state);
    eddy_err err;
    create_topic(log, "t", 1);
    eddy_log_record r = {.timestamp = 1, .value = "v", .value_len = 1};
    assert_int_equal(eddy_log_produce(log, "t", 0, &r, 0, NULL, NULL, &err), 0);
    assert_int_equal(eddy_log_flush(log, &err), 0);
    eddy_log_close(log);
}

static void test_retention_with_extreme_now_does_not_overflow(void **state) {
    eddy_log *log = open_log(*state);
    eddy_err err;
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    cfg.retention_ms = 1000;
    assert_int_equal(eddy_log_topic_create(log, "t", &cfg, &err), 0);
    eddy_log_record r = {.timestamp = 0, .value = "v", .value_len = 1};
    assert_int_equal(eddy_log_produce(log, "t", 0, &r, 0, NULL, NULL, &err), 0);
    int64_t deleted = -1;
    assert_int_equal(eddy_log_enforce_retention(log, INT64_MIN, &deleted, &err), 0);
    assert_int_equal(deleted, 0);
    eddy_log_close(log);
}

/* The child writes, tells the parent, and is killed with SIGKILL: what
 * returned must be there when the parent opens the directory. */
static void crash_child(const char *dir, int fd) {
    eddy_log *log = NULL;
    eddy_err err;
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    cfg.partitions = 2;
    eddy_log_record r = {.timestamp = 42, .key = "k", .key_len = 1, .value = "synced",
                         .value_len = 6};
    eddy_log_txn *tx = NULL;
    if (eddy_log_open_embedded(dir, &log, &err) ||
        eddy_log_topic_create(log, "t", &cfg, &err) ||
        eddy_log_produce(log, "t", 0, &r, EDDY_LOG_SYNC, NULL, NULL, &err))
        _exit(2);
    r.value = "in-txn";
    if (eddy_log_txn_begin(log, &tx, &err) ||
        eddy_log_txn_produce(tx, "t", 1, &r, NULL, &err) ||
        eddy_log_txn_commit_position(tx, "g", "t", 0, 1, &err) ||
        eddy_log_txn_commit(tx, EDDY_LOG_SYNC, &err))
        _exit(3);
    r.value = "unsynced";
    r.value_len = 8;
    if (eddy_log_produce(log, "t", 0, &r, 0, NULL, NULL, &err)) _exit(4);
    if (write(fd, "x", 1) != 1) _exit(5);
    for (;;) pause();
}

static void test_committed_writes_survive_sigkill(void **state) {
    const char *dir = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        crash_child(dir, fds[1]);
    }
    close(fds[1]);
    char c = 0;
    ssize_t n = read(fds[0], &c, 1);
    close(fds[0]);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_int_equal(n, 1);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    eddy_log *log = open_log(dir);
    eddy_log_batch b;
    eddy_log_batch_init(&b);
    eddy_err err;
    assert_int_equal(eddy_log_fetch(log, "t", 0, 0, 10, 0, &b, &err), 0);
    assert_int_equal(b.count, 2);
    assert_int_equal(b.records[0].timestamp, 42);
    assert_memory_equal(b.records[0].value, "synced", 6);
    assert_int_equal(b.records[1].value_len, 8);
    assert_memory_equal(b.records[1].value, "unsynced", 8);
    assert_int_equal(eddy_log_fetch(log, "t", 1, 0, 10, 0, &b, &err), 0);
    assert_int_equal(b.count, 1);
    assert_memory_equal(b.records[0].value, "in-txn", 6);
    int64_t pos = -1;
    assert_int_equal(eddy_log_group_committed(log, "g", "t", 0, &pos, &err), 0);
    assert_int_equal(pos, 1);
    eddy_log_batch_fini(&b);
    eddy_log_close(log);
}

static void test_many_partitions_recover_their_offsets(void **state) {
    eddy_log *log = open_log(*state);
    eddy_err err;
    create_topic(log, "wide", 40);
    for (int32_t p = 0; p < 40; p += 3) {
        for (int i = 0; i <= p % 5; i++) {
            eddy_log_record r = {.timestamp = 1, .value = "v", .value_len = 1};
            assert_int_equal(eddy_log_produce(log, "wide", p, &r, 0, NULL, NULL, &err), 0);
        }
    }
    eddy_log_close(log);
    log = open_log(*state);
    for (int32_t p = 0; p < 40; p++) {
        int64_t start = -1, end = -1;
        assert_int_equal(eddy_log_partition_offsets(log, "wide", p, &start, &end, &err), 0);
        assert_int_equal(start, 0);
        assert_int_equal(end, p % 3 == 0 ? p % 5 + 1 : 0);
    }
    eddy_log_close(log);
}

/* Commits one transaction of n records to (topic, p) with timestamps ts[i]
 * and values "0", "1", ... */
static void commit_batch(eddy_log *log, const char *topic, int32_t p, const int64_t *ts,
                         int n) {
    eddy_log_txn *tx = NULL;
    eddy_err err;
    char vals[10][2];
    assert_true(n <= 10);
    assert_int_equal(eddy_log_txn_begin(log, &tx, &err), 0);
    for (int i = 0; i < n; i++) {
        snprintf(vals[i], sizeof vals[i], "%d", i);
        eddy_log_record r = {.timestamp = ts[i], .value = vals[i], .value_len = 1};
        assert_int_equal(eddy_log_txn_produce(tx, topic, p, &r, NULL, &err), 0);
    }
    assert_int_equal(eddy_log_txn_commit(tx, 0, &err), 0);
    eddy_log_txn_destroy(tx);
}

static void test_fetch_from_inside_a_batch_starts_at_that_record(void **state) {
    eddy_log *log = open_log(*state);
    eddy_err err;
    eddy_log_batch b;
    eddy_log_batch_init(&b);
    create_topic(log, "t", 1);
    static const int64_t ts[5] = {1, 2, 3, 4, 5};
    commit_batch(log, "t", 0, ts, 5); /* 0..4 */
    commit_batch(log, "t", 0, ts, 3); /* 5..7 */
    assert_int_equal(eddy_log_fetch(log, "t", 0, 3, 4, 0, &b, &err), 0);
    assert_int_equal(b.count, 4); /* 3, 4 from the first batch, 5, 6 from the second */
    for (size_t i = 0; i < 4; i++) assert_int_equal(b.records[i].offset, 3 + (int64_t)i);
    assert_memory_equal(b.records[0].value, "3", 1);
    assert_memory_equal(b.records[2].value, "0", 1);
    assert_int_equal(b.next_offset, 7);
    assert_int_equal(eddy_log_fetch(log, "t", 0, 7, 10, 0, &b, &err), 0);
    assert_int_equal(b.count, 1);
    assert_memory_equal(b.records[0].value, "2", 1);
    assert_int_equal(b.next_offset, 8);
    eddy_log_batch_fini(&b);
    eddy_log_close(log);
}

static void test_txn_over_partitions_and_topics_is_dense_in_each(void **state) {
    eddy_log *log = open_log(*state);
    eddy_err err;
    eddy_log_txn *tx = NULL;
    create_topic(log, "a", 2);
    create_topic(log, "b", 1);
    eddy_log_record r = {.timestamp = 1, .value = "v", .value_len = 1};
    assert_int_equal(eddy_log_produce(log, "a", 1, &r, 0, NULL, NULL, &err), 0);
    assert_int_equal(eddy_log_txn_begin(log, &tx, &err), 0);
    static const struct { const char *topic; int32_t p; int64_t off; } want[] = {
        {"a", 0, 0}, {"a", 1, 1}, {"b", 0, 0}, {"a", 0, 1}, {"a", 1, 2}, {"a", 0, 2},
    };
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(eddy_log_txn_produce(tx, want[i].topic, want[i].p, &r, NULL, &err), 0);
    assert_int_equal(eddy_log_txn_commit(tx, 0, &err), 0);
    for (size_t i = 0; i < 6; i++) {
        int32_t p = -1;
        int64_t off = -1;
        assert_int_equal(eddy_log_txn_result(tx, i, &p, &off), 0);
        assert_int_equal(p, want[i].p);
        assert_int_equal(off, want[i].off);
    }
    eddy_log_txn_destroy(tx);
    eddy_log_close(log);
    log = open_log(*state); /* end offsets come back from the batches */
    int64_t end = -1;
    assert_int_equal(eddy_log_partition_offsets(log, "a", 0, NULL, &end, &err), 0);
    assert_int_equal(end, 3);
    assert_int_equal(eddy_log_partition_offsets(log, "a", 1, NULL, &end, &err), 0);
    assert_int_equal(end, 3);
    assert_int_equal(eddy_log_partition_offsets(log, "b", 0, NULL, &end, &err), 0);
    assert_int_equal(end, 1);
    eddy_log_close(log);
}

static void test_retention_inside_a_batch_keeps_the_start_exact(void **state) {
    eddy_log *log = open_log(*state);
    eddy_err err;
    eddy_log_batch b;
    eddy_log_batch_init(&b);
    eddy_log_topic_config cfg;
    eddy_log_topic_config_init(&cfg);
    cfg.retention_ms = 1000;
    assert_int_equal(eddy_log_topic_create(log, "t", &cfg, &err), 0);
    static const int64_t old[2] = {100, 200}, mixed[4] = {300, 400, 9000, 500};
    commit_batch(log, "t", 0, old, 2);   /* 0..1: all old */
    commit_batch(log, "t", 0, mixed, 4); /* 2..5: 2, 3 old, then a newer one */
    int64_t deleted = -1, start = -1, end = -1;
    assert_int_equal(eddy_log_enforce_retention(log, 5000, &deleted, &err), 0);
    assert_int_equal(deleted, 4);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(eddy_log_partition_offsets(log, "t", 0, &start, &end, &err), 0);
        assert_int_equal(start, 4);
        assert_int_equal(end, 6);
        assert_int_equal(eddy_log_fetch(log, "t", 0, 3, 10, 0, &b, &err), EDDY_RANGE);
        assert_int_equal(eddy_log_fetch(log, "t", 0, 4, 10, 0, &b, &err), 0);
        assert_int_equal(b.count, 2);
        assert_int_equal(b.records[0].offset, 4);
        assert_int_equal(b.records[0].timestamp, 9000);
        eddy_log_close(log);
        log = open_log(*state);
    }
    assert_int_equal(eddy_log_enforce_retention(log, 5000, &deleted, &err), 0);
    assert_int_equal(deleted, 0);
    assert_int_equal(eddy_log_enforce_retention(log, 20000, &deleted, &err), 0);
    assert_int_equal(deleted, 2);
    assert_int_equal(eddy_log_partition_offsets(log, "t", 0, &start, &end, &err), 0);
    assert_int_equal(start, 6);
    assert_int_equal(end, 6);
    eddy_log_batch_fini(&b);
    eddy_log_close(log);
}

static void test_max_bytes_can_stop_inside_a_batch(void **state) {
    eddy_log *log = open_log(*state);
    eddy_err err;
    eddy_log_batch b;
    eddy_log_batch_init(&b);
    create_topic(log, "t", 1);
    static const int64_t ts[4] = {1, 1, 1, 1};
    commit_batch(log, "t", 0, ts, 4);
    assert_int_equal(eddy_log_fetch(log, "t", 0, 1, 10, 1, &b, &err), 0);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.records[0].offset, 1);
    assert_int_equal(b.next_offset, 2);
    eddy_log_batch_fini(&b);
    eddy_log_close(log);
}

/* A transaction of more than a megabyte for one partition is stored as
 * several batches; its offsets stay dense and come back after a reopen. */
static void test_large_txn_is_split_into_batches_with_dense_offsets(void **state) {
    eddy_log *log = open_log(*state);
    eddy_err err;
    eddy_log_batch b;
    eddy_log_batch_init(&b);
    eddy_log_txn *tx = NULL;
    create_topic(log, "t", 1);
    enum { BIG = 600 * 1024 };
    char *big = malloc(BIG);
    assert_non_null(big);
    memset(big, 'x', BIG);
    assert_int_equal(eddy_log_txn_begin(log, &tx, &err), 0);
    for (int i = 0; i < 4; i++) {
        big[0] = (char)('a' + i);
        eddy_log_record r = {.timestamp = 1, .value = big, .value_len = i < 3 ? BIG : 1};
        assert_int_equal(eddy_log_txn_produce(tx, "t", 0, &r, NULL, &err), 0);
    }
    assert_int_equal(eddy_log_txn_commit(tx, 0, &err), 0);
    eddy_log_txn_destroy(tx);
    for (int round = 0; round < 2; round++) {
        int64_t end = -1;
        assert_int_equal(eddy_log_partition_offsets(log, "t", 0, NULL, &end, &err), 0);
        assert_int_equal(end, 4);
        assert_int_equal(eddy_log_fetch(log, "t", 0, 0, 10, 0, &b, &err), 0);
        assert_int_equal(b.count, 4);
        for (int i = 0; i < 4; i++) {
            assert_int_equal(b.records[i].offset, i);
            assert_int_equal(((const char *)b.records[i].value)[0], 'a' + i);
            assert_int_equal(b.records[i].value_len, i < 3 ? BIG : 1);
        }
        assert_int_equal(eddy_log_fetch(log, "t", 0, 2, 10, 0, &b, &err), 0);
        assert_int_equal(b.count, 2);
        assert_int_equal(b.records[0].offset, 2);
        eddy_log_close(log);
        log = open_log(*state);
    }
    free(big);
    eddy_log_batch_fini(&b);
    eddy_log_close(log);
}

#define T(name) cmocka_unit_test_setup_teardown(name, dir_setup, dir_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(test_open_creates_missing_directories),
        T(test_open_on_a_file_fails_with_io_error),
        T(test_second_open_of_a_directory_fails),
        T(test_close_of_null_is_a_no_op),
        T(test_null_keys_go_round_robin),
        T(test_topic_delete_removes_its_group_positions),
        T(test_flush_succeeds),
        T(test_retention_with_extreme_now_does_not_overflow),
        T(test_committed_writes_survive_sigkill),
        T(test_many_partitions_recover_their_offsets),
        T(test_fetch_from_inside_a_batch_starts_at_that_record),
        T(test_txn_over_partitions_and_topics_is_dense_in_each),
        T(test_retention_inside_a_batch_keeps_the_start_exact),
        T(test_max_bytes_can_stop_inside_a_batch),
        T(test_large_txn_is_split_into_batches_with_dense_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
