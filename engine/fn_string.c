/* fn_string.c - ksqlDB's string functions: CONCAT, CONCAT_WS, ELT, FIELD,
 * SUBSTRING, LCASE, UCASE, TRIM, LPAD, RPAD, REPLACE, LEN, INSTR, INITCAP,
 * SPLIT, SPLIT_TO_MAP, MASK and its variants, ENCODE, CHR, UUID, TO_BYTES,
 * FROM_BYTES.
 *
 * Positions and lengths are Java's: UTF-16 code units of the string (a
 * character outside the BMP counts two), so these functions work on the
 * UTF-16 form where a position matters; a surrogate left alone by a cut is
 * written as '?', as Java's UTF-8 encoder writes it.  Case mapping uses the
 * C.UTF-8 locale's Unicode tables.
 */
#include "engine/fn_impl.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

typedef struct u16s {
    uint16_t *u;
    size_t n;
} u16s;

static bool to_u16(eddy_arena *a, sqlite3_value *v, u16s *out) {
    size_t n;
    const char *s = fn_text(v, &n);
    out->u = fn_u16_from_utf8(a, s, n, &out->n);
    return out->u != NULL;
}

static void result_u16(sqlite3_context *ctx, const uint16_t *u, size_t n) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    fn_u16_to_utf8(&sb, u, n);
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

static const char *blob(sqlite3_value *v, size_t *n) {
    const char *p = sqlite3_value_blob(v);
    *n = p ? (size_t)sqlite3_value_bytes(v) : 0;
    return p ? p : "";
}

/* ------------------------------------------------------------------------ */
/* CONCAT, CONCAT_WS, ELT, FIELD                                            */

static void concat_text(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    for (int i = 0; i < argc; i++) {
        if (fn_isnull(argv[i])) continue;
        size_t n;
        const char *s = fn_text(argv[i], &n);
        eddy_strbuf_append(&sb, s, n);
    }
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

static void concat_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    for (int i = 0; i < argc; i++) {
        if (fn_isnull(argv[i])) continue;
        size_t n;
        const char *p = blob(argv[i], &n);
        eddy_strbuf_append(&sb, p, n);
    }
    if (sb.failed) fn_nomem(ctx);
    else fn_result_blob(ctx, sb.buf, sb.len);
    eddy_strbuf_fini(&sb);
}

static void concat_ws(sqlite3_context *ctx, int argc, sqlite3_value **argv, bool bytes) {
    if (argc < 2) {
        fn_fail(ctx, "Function Concat_WS expects at least two input arguments.");
        return;
    }
    if (fn_isnull(argv[0])) {
        sqlite3_result_null(ctx);
        return;
    }
    size_t sepn;
    const char *sep = bytes ? blob(argv[0], &sepn) : fn_text(argv[0], &sepn);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    bool first = true;
    for (int i = 1; i < argc; i++) {
        if (fn_isnull(argv[i])) continue;
        if (!first) eddy_strbuf_append(&sb, sep, sepn);
        first = false;
        size_t n;
        const char *s = bytes ? blob(argv[i], &n) : fn_text(argv[i], &n);
        eddy_strbuf_append(&sb, s, n);
    }
    if (sb.failed) fn_nomem(ctx);
    else if (bytes) fn_result_blob(ctx, sb.buf, sb.len);
    else fn_result_text(ctx, eddy_strbuf_cstr(&sb), sb.len);
    eddy_strbuf_fini(&sb);
}

static void concat_ws_text(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    concat_ws(ctx, argc, argv, false);
}

static void concat_ws_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    concat_ws(ctx, argc, argv, true);
}

static void fn_elt(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (fn_isnull(argv[0])) {
        sqlite3_result_null(ctx);
        return;
    }
    int64_t n = sqlite3_value_int64(argv[0]);
    if (n < 1 || n >= argc || fn_isnull(argv[n])) {
        sqlite3_result_null(ctx);
        return;
    }
    size_t len;
    const char *s = fn_text(argv[n], &len);
    fn_result_text(ctx, s, len);
}

static void fn_field(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (fn_isnull(argv[0])) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    size_t n;
    const char *s = fn_text(argv[0], &n);
    for (int i = 1; i < argc; i++) {
        if (fn_isnull(argv[i])) continue;
        size_t m;
        const char *t = fn_text(argv[i], &m);
        if (m == n && memcmp(s, t, n) == 0) {
            sqlite3_result_int(ctx, i);
            return;
        }
    }
    sqlite3_result_int(ctx, 0);
}

/* ------------------------------------------------------------------------ */
/* SUBSTRING                                                                */

static size_t substr_start(int64_t len, int64_t pos) {
    int64_t s = pos < 0 ? len + pos : pos - 1;
    if (pos >= 0 && s > len) s = len;
    return (size_t)(s < 0 ? 0 : s);
}

static size_t substr_end(int64_t len, size_t start, int64_t length) {
    int64_t e = (int64_t)start + length;
    if (e > len) e = len;
    if (e < (int64_t)start) e = (int64_t)start;
    return (size_t)e;
}

static void substring_text(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_arena *a = fn_scratch();
    u16s s;
    if (!a || !to_u16(a, argv[0], &s)) {
        fn_nomem(ctx);
        return;
    }
    size_t start = substr_start((int64_t)s.n, sqlite3_value_int64(argv[1]));
    size_t end = argc > 2 ? substr_end((int64_t)s.n, start, sqlite3_value_int64(argv[2])) : s.n;
    result_u16(ctx, s.u + start, end - start);
}

static void substring_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n;
    const char *p = blob(argv[0], &n);
    size_t start = substr_start((int64_t)n, sqlite3_value_int64(argv[1]));
    size_t end = argc > 2 ? substr_end((int64_t)n, start, sqlite3_value_int64(argv[2])) : n;
    fn_result_blob(ctx, p + start, end - start);
}

/* ------------------------------------------------------------------------ */
/* Case, TRIM, LEN                                                          */

static void fn_lcase(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n;
    const char *s = fn_text(argv[0], &n);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    fn_str_lower(&sb, s, n);
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

static void fn_ucase(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n;
    const char *s = fn_text(argv[0], &n);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    fn_str_upper(&sb, s, n);
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

/* String.trim(): drops characters <= U+0020 at both ends. */
static void fn_trim(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n;
    const char *s = fn_text(argv[0], &n);
    size_t b = 0, e = n;
    while (b < e && (unsigned char)s[b] <= ' ') b++;
    while (e > b && (unsigned char)s[e - 1] <= ' ') e--;
    fn_result_text(ctx, s + b, e - b);
}

static void len_text(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n;
    const char *s = fn_text(argv[0], &n);
    sqlite3_result_int64(ctx, (int64_t)fn_utf16_length(s, n));
}

static void len_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    sqlite3_result_int64(ctx, sqlite3_value_bytes(argv[0]));
}

/* INITCAP: lower-cases, then upper-cases the first character of each run of
 * non-space characters; leading whitespace is dropped (ksqlDB joins the
 * matches of "[^\s]+\s*"). */
static bool java_space(uint16_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
}

static void fn_initcap(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n;
    const char *s = fn_text(argv[0], &n);
    eddy_strbuf low = EDDY_STRBUF_INIT, out = EDDY_STRBUF_INIT;
    fn_str_lower(&low, s, n);
    eddy_arena *a = fn_scratch();
    size_t un = 0;
    uint16_t *u = a && !low.failed ? fn_u16_from_utf8(a, eddy_strbuf_cstr(&low), low.len, &un) : NULL;
    if (!u) {
        eddy_strbuf_fini(&low);
        fn_nomem(ctx);
        return;
    }
    size_t i = 0;
    while (i < un && java_space(u[i])) i++;
    while (i < un) {
        if (java_space(u[i])) {
            fn_u16_to_utf8(&out, &u[i], 1);
            i++;
            continue;
        }
        size_t j = i;
        while (j < un && !java_space(u[j])) j++;
        if (u[i] >= 0xD800 && u[i] <= 0xDFFF) {
            /* toUpperCase of half a pair leaves it: the word comes out as it is */
            fn_u16_to_utf8(&out, &u[i], j - i);
        } else {
            eddy_strbuf one = EDDY_STRBUF_INIT;
            fn_utf8_put(&one, u[i]);
            fn_str_upper(&out, eddy_strbuf_cstr(&one), one.len);
            if (one.failed) out.failed = 1;
            eddy_strbuf_fini(&one);
            fn_u16_to_utf8(&out, &u[i + 1], j - i - 1);
        }
        i = j;
    }
    fn_result_strbuf(ctx, &out);
    eddy_strbuf_fini(&low);
    eddy_strbuf_fini(&out);
}

/* ------------------------------------------------------------------------ */
/* LPAD, RPAD                                                               */

static void pad_text(sqlite3_context *ctx, sqlite3_value **argv, bool left) {
    int64_t target = sqlite3_value_int64(argv[1]);
    eddy_arena *a = fn_scratch();
    u16s in, pad;
    if (!a || !to_u16(a, argv[0], &in) || !to_u16(a, argv[2], &pad)) {
        fn_nomem(ctx);
        return;
    }
    if (pad.n == 0 || target < 0) {
        sqlite3_result_null(ctx);
        return;
    }
    if (target > (1 << 24)) {
        fn_fail(ctx, "target length %lld is too large", (long long)target);
        return;
    }
    size_t t = (size_t)target;
    uint16_t *out = eddy_arena_alloc(a, (t + 1) * sizeof *out);
    if (!out) {
        fn_nomem(ctx);
        return;
    }
    size_t padn = t > in.n ? t - in.n : 0;
    if (left) {
        for (size_t i = 0; i < padn; i++) out[i] = pad.u[i % pad.n];
        for (size_t i = padn; i < t; i++) out[i] = in.u[i - padn];
    } else {
        size_t keep = in.n < t ? in.n : t;
        memcpy(out, in.u, keep * sizeof *out);
        for (size_t i = keep; i < t; i++) out[i] = pad.u[(i - keep) % pad.n];
    }
    result_u16(ctx, out, t);
}

static void pad_bytes(sqlite3_context *ctx, sqlite3_value **argv, bool left) {
    int64_t target = sqlite3_value_int64(argv[1]);
    size_t n, pn;
    const char *in = blob(argv[0], &n);
    const char *pad = blob(argv[2], &pn);
    if (pn == 0 || target < 0) {
        sqlite3_result_null(ctx);
        return;
    }
    if (target > (1 << 24)) {
        fn_fail(ctx, "target length %lld is too large", (long long)target);
        return;
    }
    size_t t = (size_t)target;
    char *out = malloc(t ? t : 1);
    if (!out) {
        fn_nomem(ctx);
        return;
    }
    size_t padn = t > n ? t - n : 0;
    if (left) {
        for (size_t i = 0; i < padn; i++) out[i] = pad[i % pn];
        for (size_t i = padn; i < t; i++) out[i] = in[i - padn];
    } else {
        size_t keep = n < t ? n : t;
        memcpy(out, in, keep);
        for (size_t i = keep; i < t; i++) out[i] = pad[(i - keep) % pn];
    }
    fn_result_blob(ctx, out, t);
    free(out);
}

static void lpad_text(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    pad_text(ctx, argv, true);
}

static void rpad_text(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    pad_text(ctx, argv, false);
}

static void lpad_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    pad_bytes(ctx, argv, true);
}

static void rpad_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    pad_bytes(ctx, argv, false);
}

/* ------------------------------------------------------------------------ */
/* REPLACE, INSTR                                                           */

/* String.replace(target, replacement): every occurrence, left to right; an
 * empty target puts the replacement around every character. */
static void fn_replace(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n, tn, rn;
    const char *s = fn_text(argv[0], &n);
    const char *t = fn_text(argv[1], &tn);
    const char *r = fn_text(argv[2], &rn);
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    if (tn == 0) {
        eddy_strbuf_append(&sb, r, rn);
        for (size_t i = 0; i < n;) {
            size_t j = i;
            fn_utf8_next(s, n, &j);
            eddy_strbuf_append(&sb, s + i, j - i);
            eddy_strbuf_append(&sb, r, rn);
            i = j;
        }
    } else {
        size_t i = 0;
        while (i < n) {
            const char *hit = tn <= n - i ? memmem(s + i, n - i, t, tn) : NULL;
            if (!hit) break;
            size_t at = (size_t)(hit - s);
            eddy_strbuf_append(&sb, s + i, at - i);
            eddy_strbuf_append(&sb, r, rn);
            i = at + tn;
        }
        eddy_strbuf_append(&sb, s + i, n - i);
    }
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

/* StringUtils.ordinalIndexOf over UTF-16 units. */
static long ordinal_index(const uint16_t *s, size_t n, const uint16_t *t, size_t tn, int64_t ordinal) {
    if (ordinal <= 0) return -1;
    if (tn == 0) return 0;
    int64_t found = 0;
    long idx = -1;
    size_t from = 0;
    for (;;) {
        long hit = -1;
        for (size_t i = from; i + tn <= n; i++) {
            if (memcmp(s + i, t, tn * sizeof *t) == 0) {
                hit = (long)i;
                break;
            }
        }
        if (hit < 0) return -1;
        idx = hit;
        if (++found >= ordinal) return idx;
        from = (size_t)hit + 1;
    }
}

static void reverse_u16(uint16_t *u, size_t n) {
    /* StringUtils.reverse reverses UTF-16 units */
    for (size_t i = 0; i < n / 2; i++) {
        uint16_t c = u[i];
        u[i] = u[n - 1 - i];
        u[n - 1 - i] = c;
    }
}

static void fn_instr(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (fn_isnull(argv[0]) || fn_isnull(argv[1])) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    if ((argc > 2 && fn_isnull(argv[2])) || (argc > 3 && fn_isnull(argv[3]))) {
        fn_fail(ctx, "INSTR: position and occurrence cannot be NULL");
        return;
    }
    int64_t position = argc > 2 ? sqlite3_value_int64(argv[2]) : 1;
    int64_t occurrence = argc > 3 ? sqlite3_value_int64(argv[3]) : 1;
    eddy_arena *a = fn_scratch();
    u16s s, t;
    if (!a || !to_u16(a, argv[0], &s) || !to_u16(a, argv[1], &t)) {
        fn_nomem(ctx);
        return;
    }
    int64_t len = (int64_t)s.n;
    if ((position < 0 ? -position : position) > len) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    bool reversed = position < 0;
    if (reversed) {
        reverse_u16(s.u, s.n);
        reverse_u16(t.u, t.n);
        position = -position;
    }
    /* substring(str, position - 1): a negative start counts from the end */
    int64_t start = position - 1;
    if (start < 0) start += len;
    if (start < 0) start = 0;
    if (start > len) start = len;
    long i = ordinal_index(s.u + start, s.n - (size_t)start, t.u, t.n, occurrence);
    if (i == -1) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    int64_t r = reversed ? len - position - i - (int64_t)t.n + 2 : i + position;
    sqlite3_result_int64(ctx, r);
}

/* ------------------------------------------------------------------------ */
/* SPLIT, SPLIT_TO_MAP                                                      */

static void split_common(sqlite3_context *ctx, sqlite3_value **argv, bool bytes) {
    size_t n, dn;
    const char *s = bytes ? blob(argv[0], &n) : fn_text(argv[0], &n);
    const char *d = bytes ? blob(argv[1], &dn) : fn_text(argv[1], &dn);
    eddy_vkind k = bytes ? EDDY_V_BYTES : EDDY_V_STRING;
    eddy_arena *a = fn_scratch();
    fn_vec v;
    fn_vec_init(&v, a);
    if (n == 0) {
        fn_vec_push(&v, eddy_value_str(k, s, 0));
    } else if (dn == 0) {
        /* every character (Pattern "".split) or every byte */
        for (size_t i = 0; i < n;) {
            size_t j = i;
            if (bytes) j++;
            else fn_utf8_next(s, n, &j);
            fn_vec_push(&v, eddy_value_str(k, s + i, j - i));
            i = j;
        }
    } else {
        size_t i = 0;
        for (;;) {
            const char *hit = dn <= n - i ? memmem(s + i, n - i, d, dn) : NULL;
            if (!hit) break;
            size_t at = (size_t)(hit - s);
            fn_vec_push(&v, eddy_value_str(k, s + i, at - i));
            i = at + dn;
        }
        fn_vec_push(&v, eddy_value_str(k, s + i, n - i));
    }
    if (v.failed) {
        fn_nomem(ctx);
        return;
    }
    eddy_value arr = fn_vec_array(&v);
    fn_result(ctx, &arr);
}

static void split_text(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    split_common(ctx, argv, false);
}

static void split_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    split_common(ctx, argv, true);
}

static void fn_split_to_map(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n, en, kn;
    const char *s = fn_text(argv[0], &n);
    const char *ed = fn_text(argv[1], &en);
    const char *kd = fn_text(argv[2], &kn);
    if (en == 0 || kn == 0 || (en == kn && memcmp(ed, kd, en) == 0)) {
        sqlite3_result_null(ctx);
        return;
    }
    eddy_arena *a = fn_scratch();
    fn_vec v;
    fn_vec_init(&v, a);
    size_t i = 0;
    while (i <= n) {
        const char *hit = en <= n - i ? memmem(s + i, n - i, ed, en) : NULL;
        size_t end = hit ? (size_t)(hit - s) : n;
        const char *e = s + i;
        size_t elen = end - i;
        if (elen > 0) {
            const char *kv = kn <= elen ? memmem(e, elen, kd, kn) : NULL;
            if (kv) {
                size_t klen = (size_t)(kv - e);
                const char *val = kv + kn;
                size_t rest = elen - klen - kn;
                const char *val_end = kn <= rest ? memmem(val, rest, kd, kn) : NULL;
                size_t vlen = val_end ? (size_t)(val_end - val) : rest;
                fn_map_put(&v, eddy_value_str(EDDY_V_STRING, e, klen), eddy_value_str(EDDY_V_STRING, val, vlen));
            }
        }
        if (!hit) break;
        i = end + en;
    }
    if (v.failed) {
        fn_nomem(ctx);
        return;
    }
    eddy_value m = fn_vec_map(&v);
    fn_result(ctx, &m);
}

/* ------------------------------------------------------------------------ */
/* MASK and its variants                                                    */

#define NO_MASK 0xFFFFFFFFu

typedef struct masker {
    uint32_t upper, lower, digit, other;
} masker;

static const masker k_default_masker = {'X', 'x', 'n', '-'};

/* Masker.getMaskCharacter: NULL keeps, else exactly one character. */
static bool mask_char(sqlite3_context *ctx, sqlite3_value *v, uint32_t *out) {
    if (fn_isnull(v)) {
        *out = NO_MASK;
        return true;
    }
    size_t n;
    const char *s = fn_text(v, &n);
    size_t i = 0;
    uint32_t cp = n ? fn_utf8_next(s, n, &i) : 0;
    if (n == 0 || i != n || cp >= 0x10000) {
        fn_fail(ctx, "Invalid mask character. Must be only single character, but was '%.*s'", (int)(n > 100 ? 100 : n),
                s);
        return false;
    }
    *out = cp;
    return true;
}

static uint32_t mask_cp(const masker *m, uint32_t c) {
    uint32_t r;
    if (c >= 0xD800 && c <= 0xDFFF) r = m->other; /* a lone surrogate: Character.SURROGATE */
    else if (fn_cp_is_upper(c)) r = m->upper;
    else if (fn_cp_is_lower(c)) r = m->lower;
    else if (fn_cp_is_digit(c)) r = m->digit;
    else r = m->other;
    return r == NO_MASK ? c : r;
}

/* Masker.mask: each UTF-16 unit in turn, taking the code point there (a
 * kept pair is written whole, then its low half again as a lone surrogate,
 * exactly as Java's loop does). */
static void mask_units(eddy_strbuf *sb, const masker *m, const uint16_t *u, size_t n) {
    for (size_t i = 0; i < n; i++) fn_utf8_put(sb, mask_cp(m, fn_u16_codepoint_at(u, n, i)));
}

/* kind: 0 MASK, 1 KEEP_LEFT, 2 KEEP_RIGHT, 3 LEFT, 4 RIGHT */
static void mask_common(sqlite3_context *ctx, int argc, sqlite3_value **argv, int kind) {
    int first_mask = kind == 0 ? 1 : 2;
    masker m = k_default_masker;
    if (argc > first_mask) {
        if (!mask_char(ctx, argv[first_mask], &m.upper) || !mask_char(ctx, argv[first_mask + 1], &m.lower) ||
            !mask_char(ctx, argv[first_mask + 2], &m.digit) || !mask_char(ctx, argv[first_mask + 3], &m.other))
            return;
    }
    int64_t num = 0;
    if (kind != 0) {
        if (fn_isnull(argv[1])) {
            fn_fail(ctx, "the number of characters cannot be NULL");
            return;
        }
        num = sqlite3_value_int64(argv[1]);
        if (num < 0) {
            static const char *const names[] = {"mask", "mask_keep_left", "mask_keep_right", "mask_left", "mask_right"};
            fn_fail(ctx, "function %s requires a non-negative number of characters to mask or skip", names[kind]);
            return;
        }
    }
    if (fn_isnull(argv[0])) {
        sqlite3_result_null(ctx);
        return;
    }
    eddy_arena *a = fn_scratch();
    u16s s;
    if (!a || !to_u16(a, argv[0], &s)) {
        fn_nomem(ctx);
        return;
    }
    size_t len = s.n, k = (size_t)(num < (int64_t)len ? num : (int64_t)len);
    size_t mask_from = 0, mask_to = len;
    switch (kind) {
    case 1: mask_from = k; break;                  /* keep the first k */
    case 2: mask_to = len - k; break;              /* keep the last k */
    case 3: mask_to = k; break;                    /* mask the first k */
    case 4: mask_from = len - k; break;            /* mask the last k */
    default: break;
    }
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    if (mask_from > 0) fn_u16_to_utf8(&sb, s.u, mask_from);
    /* the masked part is a substring of its own (Java masks input.substring(...)) */
    mask_units(&sb, &m, s.u + mask_from, mask_to - mask_from);
    if (mask_to < len) fn_u16_to_utf8(&sb, s.u + mask_to, len - mask_to);
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

static void fn_mask(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    mask_common(ctx, argc, argv, 0);
}
static void fn_mask_keep_left(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    mask_common(ctx, argc, argv, 1);
}
static void fn_mask_keep_right(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    mask_common(ctx, argc, argv, 2);
}
static void fn_mask_left(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    mask_common(ctx, argc, argv, 3);
}
static void fn_mask_right(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    mask_common(ctx, argc, argv, 4);
}

/* ------------------------------------------------------------------------ */
/* Encodings: ENCODE, TO_BYTES, FROM_BYTES                                  */

enum { ENC_HEX, ENC_UTF8, ENC_ASCII, ENC_BASE64, ENC_BAD };

static int encoding_of(const char *s, size_t n) {
    if (fn_ieq(s, n, "hex")) return ENC_HEX;
    if (fn_ieq(s, n, "utf8")) return ENC_UTF8;
    if (fn_ieq(s, n, "ascii")) return ENC_ASCII;
    if (fn_ieq(s, n, "base64")) return ENC_BASE64;
    return ENC_BAD;
}

/* new String(bytes, US_ASCII): bytes above 0x7F become U+FFFD. */
static void ascii_decode(eddy_strbuf *sb, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) fn_utf8_put(sb, p[i] < 0x80 ? p[i] : 0xFFFD);
}

/* new String(bytes, UTF_8): malformed input becomes U+FFFD. */
static void utf8_decode(eddy_strbuf *sb, const char *p, size_t n) {
    for (size_t i = 0; i < n;) fn_utf8_put(sb, fn_utf8_next(p, n, &i));
}

/* str.getBytes(US_ASCII): characters above 0x7F become '?'. */
static void ascii_encode(eddy_strbuf *sb, const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        uint32_t cp = fn_utf8_next(s, n, &i);
        eddy_strbuf_putc(sb, cp < 0x80 ? (char)cp : '?');
    }
}

/* A String (UTF-8, as Java would re-encode it) to the bytes of an encoding. */
static bool decode_string(eddy_strbuf *bytes, const char *s, size_t n, int enc, bool ksql_bytes) {
    switch (enc) {
    case ENC_HEX:
        if (ksql_bytes) return fn_hex_decode(bytes, s, n, false); /* Guava base16: upper case only */
        /* Encode's hexStrip, then commons-codec (either case) */
        if (n >= 2 && s[0] == '0' && s[1] == 'x') {
            eddy_strbuf tmp = EDDY_STRBUF_INIT;
            if (n % 2) eddy_strbuf_putc(&tmp, '0');
            eddy_strbuf_append(&tmp, s + 2, n - 2);
            bool ok = !tmp.failed && fn_hex_decode(bytes, eddy_strbuf_cstr(&tmp), tmp.len, true);
            eddy_strbuf_fini(&tmp);
            return ok;
        }
        if (n >= 3 && (s[0] == 'x' || s[0] == 'X') && s[1] == '\'' && s[n - 1] == '\'') s += 2, n -= 3;
        return fn_hex_decode(bytes, s, n, true);
    case ENC_UTF8: {
        /* re-encode so that invalid input becomes U+FFFD, as a Java String */
        utf8_decode(bytes, s, n);
        return true;
    }
    case ENC_ASCII: ascii_encode(bytes, s, n); return true;
    case ENC_BASE64: return fn_base64_decode(bytes, s, n, !ksql_bytes);
    default: return false;
    }
}

/* Bytes to a String in an encoding. */
static void encode_bytes(eddy_strbuf *out, const unsigned char *p, size_t n, int enc, bool ksql_bytes) {
    switch (enc) {
    case ENC_HEX: fn_hex_encode(out, p, n, ksql_bytes); break;
    case ENC_UTF8: utf8_decode(out, (const char *)p, n); break;
    case ENC_ASCII: ascii_decode(out, p, n); break;
    case ENC_BASE64: fn_base64_encode(out, p, n, ksql_bytes); break;
    default: break;
    }
}

static void fn_encode(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n, in_n, out_n;
    const char *s = fn_text(argv[0], &n);
    const char *in = fn_text(argv[1], &in_n);
    const char *out = fn_text(argv[2], &out_n);
    int ie = encoding_of(in, in_n), oe = encoding_of(out, out_n);
    if (ie == ENC_BAD || oe == ENC_BAD || ie == oe) {
        fn_fail(ctx, "Supported input and output encodings are: hex, utf8, ascii and base64");
        return;
    }
    eddy_strbuf bytes = EDDY_STRBUF_INIT, res = EDDY_STRBUF_INIT;
    if (!decode_string(&bytes, s, n, ie, false)) {
        fn_fail(ctx, "Invalid input for the %.*s encoding: '%.*s'", (int)in_n, in, (int)(n > 100 ? 100 : n), s);
        goto done;
    }
    encode_bytes(&res, (const unsigned char *)eddy_strbuf_cstr(&bytes), bytes.len, oe, false);
    if (bytes.failed) fn_nomem(ctx);
    else fn_result_strbuf(ctx, &res);
done:
    eddy_strbuf_fini(&bytes);
    eddy_strbuf_fini(&res);
}

static void fn_to_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n, en;
    const char *s = fn_text(argv[0], &n);
    const char *e = fn_text(argv[1], &en);
    int enc = encoding_of(e, en);
    if (enc == ENC_BAD) {
        fn_fail(ctx, "Unknown encoding type '%.*s'. Supported formats are 'hex', 'utf8', 'ascii', and 'base64'.",
                (int)(en > 100 ? 100 : en), e);
        return;
    }
    eddy_strbuf bytes = EDDY_STRBUF_INIT;
    if (!decode_string(&bytes, s, n, enc, true)) {
        fn_fail(ctx, "Invalid %.*s string: '%.*s'", (int)en, e, (int)(n > 100 ? 100 : n), s);
    } else if (bytes.failed) {
        fn_nomem(ctx);
    } else {
        fn_result_blob(ctx, bytes.buf, bytes.len);
    }
    eddy_strbuf_fini(&bytes);
}

static void fn_from_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n, en;
    const char *p = blob(argv[0], &n);
    const char *e = fn_text(argv[1], &en);
    int enc = encoding_of(e, en);
    if (enc == ENC_BAD) {
        fn_fail(ctx, "Unknown encoding type '%.*s'. Supported formats are 'hex', 'utf8', 'ascii', and 'base64'.",
                (int)(en > 100 ? 100 : en), e);
        return;
    }
    eddy_strbuf out = EDDY_STRBUF_INIT;
    encode_bytes(&out, (const unsigned char *)p, n, enc, true);
    fn_result_strbuf(ctx, &out);
    eddy_strbuf_fini(&out);
}

/* ------------------------------------------------------------------------ */
/* CHR, UUID                                                                */

static void chr_int(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t cp = sqlite3_value_int64(argv[0]);
    if (cp < 0 || cp > 0x10FFFF) {
        sqlite3_result_null(ctx);
        return;
    }
    eddy_strbuf sb = EDDY_STRBUF_INIT;
    fn_utf8_put(&sb, (uint32_t)cp); /* a surrogate code point is a lone surrogate: '?' */
    fn_result_strbuf(ctx, &sb);
    eddy_strbuf_fini(&sb);
}

static int hexv(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* StringEscapeUtils.unescapeJava of a string that starts with \u. */
static void chr_text(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    size_t n;
    const char *s = fn_text(argv[0], &n);
    if (fn_utf16_length(s, n) < 6 || s[0] != '\\' || s[1] != 'u') {
        sqlite3_result_null(ctx);
        return;
    }
    eddy_arena *a = fn_scratch();
    uint16_t *u = a ? eddy_arena_alloc(a, (n + 1) * sizeof *u) : NULL;
    if (!u) {
        fn_nomem(ctx);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '\\' && i + 1 < n) {
            char c = s[i + 1];
            if (c == 'u') {
                size_t j = i + 1;
                while (j < n && s[j] == 'u') j++;
                if (j + 4 > n) {
                    fn_fail(ctx, "Less than 4 hex digits in unicode value: '%.*s' due to end of CharSequence",
                            (int)(n - i), s + i);
                    return;
                }
                int v = 0;
                for (int d = 0; d < 4; d++) {
                    int h = hexv(s[j + d]);
                    if (h < 0) {
                        fn_fail(ctx, "Unable to parse unicode value: %.4s", s + j);
                        return;
                    }
                    v = v * 16 + h;
                }
                u[k++] = (uint16_t)v;
                i = j + 4;
                continue;
            }
            static const char from[] = "btnfr'\"\\";
            static const char to[] = "\b\t\n\f\r'\"\\";
            const char *hit = strchr(from, c);
            if (hit && c) {
                u[k++] = (uint16_t)to[hit - from];
                i += 2;
                continue;
            }
            if (c >= '0' && c <= '7') { /* octal: three digits up to \377, else two */
                int v = 0, d = 0, maxd = c <= '3' ? 3 : 2;
                size_t j = i + 1;
                while (j < n && d < maxd && s[j] >= '0' && s[j] <= '7') {
                    v = v * 8 + (s[j] - '0');
                    j++, d++;
                }
                u[k++] = (uint16_t)v;
                i = j;
                continue;
            }
            u[k++] = '\\'; /* an unknown escape is kept */
            i++;
            continue;
        }
        uint32_t cp = fn_utf8_next(s, n, &i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[k++] = (uint16_t)(0xD800 | (cp >> 10));
            u[k++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
        } else {
            u[k++] = (uint16_t)cp;
        }
    }
    result_u16(ctx, u, k);
}

static void fn_uuid(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    unsigned char b[16];
    arc4random_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* IETF variant */
    char out[37];
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
        out[k++] = hex[b[i] >> 4];
        out[k++] = hex[b[i] & 15];
    }
    out[k] = 0;
    fn_result_text(ctx, out, 36);
}

/* ------------------------------------------------------------------------ */
/* Registration                                                             */

const fn_row eddy_fn_string_rows[] = {
    {"CHR", 0, chr_int},
    {"CHR", 1, chr_text},
    {"CONCAT", 0, concat_text},
    {"CONCAT", 1, concat_bytes},
    {"CONCAT_WS", 0, concat_ws_text},
    {"CONCAT_WS", 1, concat_ws_bytes},
    {"ELT", -1, fn_elt},
    {"ENCODE", -1, fn_encode},
    {"FIELD", -1, fn_field},
    {"FROM_BYTES", -1, fn_from_bytes},
    {"INITCAP", -1, fn_initcap},
    {"INSTR", -1, fn_instr},
    {"LCASE", -1, fn_lcase},
    {"LEN", 0, len_text},
    {"LEN", 1, len_bytes},
    {"LPAD", 0, lpad_text},
    {"LPAD", 1, lpad_bytes},
    {"MASK", -1, fn_mask},
    {"MASK_KEEP_LEFT", -1, fn_mask_keep_left},
    {"MASK_KEEP_RIGHT", -1, fn_mask_keep_right},
    {"MASK_LEFT", -1, fn_mask_left},
    {"MASK_RIGHT", -1, fn_mask_right},
    {"REPLACE", -1, fn_replace},
    {"RPAD", 0, rpad_text},
    {"RPAD", 1, rpad_bytes},
    {"SPLIT", 0, split_text},
    {"SPLIT", 1, split_bytes},
    {"SPLIT_TO_MAP", -1, fn_split_to_map},
    {"SUBSTRING", 0, substring_text},
    {"SUBSTRING", 1, substring_text},
    {"SUBSTRING", 2, substring_bytes},
    {"SUBSTRING", 3, substring_bytes},
    {"TO_BYTES", -1, fn_to_bytes},
    {"TRIM", -1, fn_trim},
    {"UCASE", -1, fn_ucase},
    {"UUID", -1, fn_uuid},
};
const int eddy_fn_string_rows_count = (int)(sizeof eddy_fn_string_rows / sizeof eddy_fn_string_rows[0]);
