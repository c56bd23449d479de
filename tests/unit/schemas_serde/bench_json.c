/* bench_json.c - a benchmark program (not a test): ns per record for decoding and encoding a
 * Nexmark-bid-like JSON record with the JSON serde, copying and borrowing strings, against jansson.
 *
 *   cmake --build BUILD --target bench_serde_json && BUILD/tests/unit/schemas_serde/bench_serde_json [records]
 *   ... bench_serde_json 2000000 copy|borrow|encode|jansson    (one alone, e.g. under perf stat)
 * Build without sanitizers (EDDY_SANITIZE=OFF) for meaningful figures.  Times are CPU time of the
 * thread; on a busy shared machine prefer perf stat's cycles per record.
 */
#include "schemas/serde.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *record = "{\"auction\":1000,\"bidder\":2001,\"price\":12345,\"channel\":\"Google\","
                            "\"url\":\"https://www.nexmark.com/abc/item.htm?query=1\",\"dateTime\":1700000000000,"
                            "\"extra\":\"\"}";

#define BATCH 1000 /* records per arena reset, as a batch would be */

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double bench_decode(const eddy_serde *s, long n, unsigned flags) {
    eddy_arena *a = eddy_arena_new();
    eddy_value vals[8];
    eddy_err err;
    size_t len = strlen(record);
    long checksum = 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (i % BATCH == 0) eddy_arena_reset(a);
        if (eddy_serde_decode_ex(s, record, len, flags, vals, NULL, a, &err)) {
            fprintf(stderr, "decode failed: %s\n", err.msg);
            exit(1);
        }
        checksum += vals[2].u.i + vals[3].v_len;
    }
    double t = (now_ns() - t0) / (double)n;
    eddy_arena_destroy(a);
    if (checksum != n * (12345 + 6)) fprintf(stderr, "bad checksum\n");
    return t;
}

static double bench_encode(const eddy_serde *s, long n, size_t *outlen) {
    eddy_arena *a = eddy_arena_new();
    eddy_value vals[8];
    eddy_err err;
    eddy_strbuf out = EDDY_STRBUF_INIT;
    bool is_null;
    if (eddy_serde_decode(s, record, strlen(record), vals, a, &err)) exit(1);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        eddy_strbuf_reset(&out);
        if (eddy_serde_encode(s, vals, &out, &is_null, &err)) {
            fprintf(stderr, "encode failed: %s\n", err.msg);
            exit(1);
        }
    }
    double t = (now_ns() - t0) / (double)n;
    *outlen = out.len;
    printf("  encoded: %s\n", out.buf);
    eddy_strbuf_fini(&out);
    eddy_arena_destroy(a);
    return t;
}

static double bench_jansson(long n) {
    size_t len = strlen(record);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        json_t *j = json_loadb(record, len, 0, NULL);
        json_decref(j);
    }
    return (now_ns() - t0) / (double)n;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    const char *names[] = {"AUCTION", "BIDDER", "PRICE", "CHANNEL", "URL", "DATETIME", "EXTRA"};
    eddy_type_kind kinds[] = {EDDY_TYPE_BIGINT, EDDY_TYPE_BIGINT, EDDY_TYPE_BIGINT, EDDY_TYPE_STRING,
                              EDDY_TYPE_STRING, EDDY_TYPE_TIMESTAMP, EDDY_TYPE_STRING};
    eddy_column cols[7];
    memset(cols, 0, sizeof cols);
    for (int i = 0; i < 7; i++) {
        cols[i].name = (char *)names[i];
        cols[i].type = eddy_type_primitive(kinds[i]);
    }
    eddy_format_spec spec = {"JSON", NULL, -1, -1, NULL};
    eddy_serde *s;
    eddy_err err;
    if (eddy_serde_new(&spec, false, cols, 7, &s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (argc > 2) { /* one benchmark alone, e.g. under perf stat */
        size_t outlen;
        double t = strcmp(argv[2], "copy") == 0     ? bench_decode(s, n, 0)
                   : strcmp(argv[2], "borrow") == 0 ? bench_decode(s, n, EDDY_SERDE_BORROW)
                   : strcmp(argv[2], "encode") == 0 ? bench_encode(s, n, &outlen)
                                                    : bench_jansson(n);
        printf("%s: %.1f ns/record\n", argv[2], t);
        eddy_serde_destroy(s);
        return 0;
    }
    printf("record (%zu bytes): %s\n", strlen(record), record);
    bench_decode(s, n / 10, 0); /* warm up */
    double copy = bench_decode(s, n, 0);
    double borrow = bench_decode(s, n, EDDY_SERDE_BORROW);
    size_t outlen = 0;
    double encode = bench_encode(s, n, &outlen);
    double jans = bench_jansson(n / 4);
    printf("decode (strings copied into the arena): %6.1f ns/record\n", copy);
    printf("decode (EDDY_SERDE_BORROW):             %6.1f ns/record\n", borrow);
    printf("encode (%zu bytes):                     %6.1f ns/record\n", outlen, encode);
    printf("jansson json_loadb, for reference:      %6.1f ns/record\n", jans);
    eddy_serde_destroy(s);
    return 0;
}
