/* bench_expr.c - nanoseconds per row of compiled expressions over batches of Nexmark-like bids (a program, not a test).
 *
 * Usage: bench_expr [rows per batch (1000)] [batches (2000)]
 * Prints ns/row for: a pass-through projection (q0), a projection with
 * arithmetic (q1: price * 908 / 1000), a filter (q2: auction % 123 = 0) and
 * the filter with the projection, plus a few heavier expressions.  Times are
 * the thread's CPU time, so that other processes on the machine do not count.
 */
#include "engine/expr.h"
#include "sql/parse.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: the machine may be shared, wall time would count others' work. */
static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static eddy_schema *bid_schema(void) {
    eddy_schema *s = eddy_schema_new();
    eddy_schema_add(s, "AUCTION", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL);
    eddy_schema_add(s, "BIDDER", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL);
    eddy_schema_add(s, "PRICE", eddy_type_primitive(EDDY_TYPE_BIGINT), EDDY_COL_VALUE, NULL);
    eddy_schema_add(s, "CHANNEL", eddy_type_primitive(EDDY_TYPE_STRING), EDDY_COL_VALUE, NULL);
    eddy_schema_add(s, "URL", eddy_type_primitive(EDDY_TYPE_STRING), EDDY_COL_VALUE, NULL);
    eddy_schema_add(s, "DATETIME", eddy_type_primitive(EDDY_TYPE_TIMESTAMP), EDDY_COL_VALUE, NULL);
    eddy_schema_add(s, "EXTRA", eddy_type_primitive(EDDY_TYPE_STRING), EDDY_COL_VALUE, NULL);
    return s;
}

static void fill(eddy_batch *b, int n, uint64_t *seed) {
    static const char *channels[] = {"Google", "Facebook", "Baidu", "Apple"};
    for (int i = 0; i < n; i++) {
        eddy_row *r = eddy_batch_append(b);
        *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t x = *seed >> 16;
        r->cols[0] = eddy_value_bigint(1000 + (int64_t)(x % 10000));
        r->cols[1] = eddy_value_bigint(2000 + (int64_t)(x / 7 % 50000));
        r->cols[2] = eddy_value_bigint(100 + (int64_t)(x / 13 % 100000));
        const char *c = channels[x % 4];
        r->cols[3] = eddy_value_str(EDDY_V_STRING, c, strlen(c));
        r->cols[4] = eddy_value_str(EDDY_V_STRING, "https://www.nexmark.com/item.htm?query=1", 41);
        r->cols[5] = eddy_value_i64(EDDY_V_TIMESTAMP, 1650000000000LL + i);
        r->cols[6] = eddy_value_str(EDDY_V_STRING, "", 0);
        r->ts = 1650000000000LL + i;
        r->partition = 0;
        r->offset = i;
    }
}

static void run(const char *name, const eddy_expr_scope *scope, const char *where, const char **projs, int n,
                const eddy_batch *in, int batches) {
    eddy_arena *a = eddy_arena_new();
    eddy_err err = {0};
    const eddy_expr *ps[16];
    for (int i = 0; i < n; i++) {
        eddy_expr *e;
        if (eddy_parse_expr(projs[i], a, &e, &err)) {
            fprintf(stderr, "%s: %s\n", projs[i], err.msg);
            exit(1);
        }
        ps[i] = e;
    }
    eddy_expr *w = NULL;
    if (where && eddy_parse_expr(where, a, &w, &err)) {
        fprintf(stderr, "%s: %s\n", where, err.msg);
        exit(1);
    }
    eddy_exprs *x;
    if (eddy_exprs_compile(scope, w, ps, n, &x, NULL, &err)) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        exit(1);
    }
    eddy_batch out;
    eddy_batch_init(&out, n);
    size_t kept = 0;
    /* warm up */
    eddy_exprs_eval(x, in, &out, NULL, NULL);
    eddy_batch_reset(&out);
    /* the best of 5 rounds: the machine may be busy */
    double best = 0;
    int per_round = batches / 5 > 0 ? batches / 5 : 1;
    for (int round = 0; round < 5; round++) {
        double t0 = now_ns();
        kept = 0;
        for (int i = 0; i < per_round; i++) {
            if (eddy_exprs_eval(x, in, &out, NULL, NULL)) {
                fprintf(stderr, "eval failed\n");
                exit(1);
            }
            kept += out.count;
            eddy_batch_reset(&out);
        }
        double t = now_ns() - t0;
        if (round == 0 || t < best) best = t;
    }
    double rows = (double)in->count * per_round;
    printf("%-34s %7.1f ns/row  %6.2f M rows/s  (%.1f%% kept)\n", name, best / rows, rows / best * 1e3,
           100.0 * (double)kept / rows);
    eddy_batch_fini(&out);
    eddy_exprs_destroy(x);
    eddy_arena_destroy(a);
}

int main(int argc, char **argv) {
    int rows = argc > 1 ? atoi(argv[1]) : 1000;
    int batches = argc > 2 ? atoi(argv[2]) : 2000;
    eddy_schema *s = bid_schema();
    eddy_scope_source src = {.name = "BID", .schema = s, .first_col = 0};
    eddy_expr_scope scope = {.nsources = 1, .sources = &src, .pseudo = EDDY_PSEUDO_ROWTIME, .ncols = s->ncols};
    eddy_batch in;
    eddy_batch_init(&in, s->ncols);
    uint64_t seed = 42;
    fill(&in, rows, &seed);
    printf("%d rows per batch, %d batches\n", rows, batches);

    const char *q0[] = {"AUCTION", "BIDDER", "PRICE", "CHANNEL", "URL", "DATETIME", "EXTRA"};
    run("q0 pass-through (7 columns)", &scope, NULL, q0, 7, &in, batches);
    const char *q1[] = {"AUCTION", "BIDDER", "PRICE * 908 / 1000", "DATETIME"};
    run("q1 price * 908 / 1000", &scope, NULL, q1, 4, &in, batches);
    const char *q2[] = {"AUCTION", "PRICE"};
    run("q2 WHERE auction % 123 = 0", &scope, "AUCTION % 123 = 0", q2, 2, &in, batches);
    run("filter + projection", &scope, "AUCTION % 123 = 0", q1, 4, &in, batches);
    const char *p1[] = {"PRICE * 908 / 1000"};
    run("one computed column", &scope, NULL, p1, 1, &in, batches);
    const char *p2[] = {"AUCTION + BIDDER * 2 - PRICE"};
    run("BIGINT + * - (wrapping UDFs)", &scope, NULL, p2, 1, &in, batches);
    const char *p3[] = {"CAST(PRICE AS INT) * 3 + 1"};
    run("INT arithmetic (native, masked)", &scope, NULL, p3, 1, &in, batches);
    const char *p4[] = {"CASE WHEN CHANNEL = 'Google' THEN 'g' ELSE 'o' END"};
    run("CASE on strings", &scope, NULL, p4, 1, &in, batches);
    const char *p5[] = {"CHANNEL LIKE 'G%'"};
    run("LIKE", &scope, NULL, p5, 1, &in, batches);
    const char *p6[] = {"CAST(PRICE AS DECIMAL(10, 2)) * 1.5"};
    run("DECIMAL multiply", &scope, NULL, p6, 1, &in, batches);
    const char *p7[] = {"CAST(PRICE AS STRING)"};
    run("CAST BIGINT AS STRING", &scope, NULL, p7, 1, &in, batches);

    /* memory held by a compiled filter + projection (its SQLite connection included) */
    {
        enum { N = 100 };
        eddy_arena *a = eddy_arena_new();
        eddy_err err = {0};
        eddy_expr *w, *p[4];
        eddy_parse_expr("AUCTION % 123 = 0", a, &w, &err);
        for (int i = 0; i < 4; i++) eddy_parse_expr(q1[i], a, &p[i], &err);
        eddy_exprs *xs[N];
        struct mallinfo2 m0 = mallinfo2();
        for (int i = 0; i < N; i++)
            if (eddy_exprs_compile(&scope, w, (const eddy_expr *const *)p, 4, &xs[i], NULL, &err)) return 1;
        for (int i = 0; i < N; i++) {
            eddy_batch out;
            eddy_batch_init(&out, 4);
            eddy_exprs_eval(xs[i], &in, &out, NULL, NULL);
            eddy_batch_fini(&out);
        }
        struct mallinfo2 m1 = mallinfo2();
        double t0 = now_ns();
        for (int i = 0; i < N; i++) eddy_exprs_destroy(xs[i]);
        printf("compiled filter + projection: %.1f KB each (heap in use)\n",
               (double)(m1.uordblks - m0.uordblks) / N / 1024.0);
        for (int i = 0; i < N; i++)
            if (eddy_exprs_compile(&scope, w, (const eddy_expr *const *)p, 4, &xs[i], NULL, &err)) return 1;
        double t1 = now_ns();
        for (int i = 0; i < N; i++) eddy_exprs_destroy(xs[i]);
        printf("compiling it: %.0f us each\n", (t1 - t0) / N / 1000.0);
        eddy_arena_destroy(a);
    }

    eddy_batch_fini(&in);
    eddy_schema_free(s);
    return 0;
}
