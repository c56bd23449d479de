/* agg.c - the table of aggregate functions (ksqlDB's UDAFs), call-site preparation and the helpers they share.
 *
 * Implementations live in agg_basic.c (COUNT, SUM, AVG, MIN, MAX, ATTR,
 * SUM_LIST, STDDEV_SAMP, CORRELATION), agg_collect.c (COLLECT_LIST,
 * COLLECT_SET, HISTOGRAM, TOPK, TOPKDISTINCT, COUNT_DISTINCT) and
 * agg_offset.c (EARLIEST_BY_OFFSET, LATEST_BY_OFFSET).  Values are compared
 * and tested for equality as Java does, since that is what decides ksqlDB's
 * MIN, MAX, TOPK and COLLECT_SET results.
 */
#include "engine/agg_int.h"

#include "sql/functions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* By name (strcmp order), for the binary search in eddy_agg_lookup. */
static const eddy_agg_def *const agg_table[] = {
    &eddy_agg_impl_attr,
    &eddy_agg_impl_avg,
    &eddy_agg_impl_collect_list,
    &eddy_agg_impl_collect_set,
    &eddy_agg_impl_correlation,
    &eddy_agg_impl_count,
    &eddy_agg_impl_count_distinct,
    &eddy_agg_impl_earliest_by_offset,
    &eddy_agg_impl_histogram,
    &eddy_agg_impl_latest_by_offset,
    &eddy_agg_impl_max,
    &eddy_agg_impl_min,
    &eddy_agg_impl_stddev_samp,
    &eddy_agg_impl_sum,
    &eddy_agg_impl_sum_list,
    &eddy_agg_impl_topk,
    &eddy_agg_impl_topkdistinct,
};

#define AGG_COUNT ((int)(sizeof agg_table / sizeof agg_table[0]))

const eddy_agg_def *eddy_agg_lookup(const char *name) {
    if (!name) return NULL;
    int lo = 0, hi = AGG_COUNT - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int r = strcmp(name, agg_table[mid]->name);
        if (!r) return agg_table[mid];
        if (r < 0) hi = mid - 1;
        else lo = mid + 1;
    }
    return NULL;
}

static void reset_out(eddy_agg_call *call) {
    call->def = NULL;
    call->nrow_args = 0;
    eddy_type_unref(call->result);
    call->result = NULL;
    call->k = 0;
    call->ignore_nulls = true;
    call->variant = 0;
    call->complex_state = false;
}

int eddy_agg_prepare(eddy_agg_call *call, eddy_err *err) {
    reset_out(call);
    const eddy_agg_def *def = eddy_agg_lookup(call->name);
    if (!def)
        return eddy_err_set(err, EDDY_UNSUPPORTED, "The aggregate function '%s' is not supported yet",
                            call->name ? call->name : "(null)");
    if (call->nargs < 0 || call->nargs > EDDY_AGG_MAX_ARGS) return eddy_agg_refuse(call, err);
    if (call->star && call->nargs == 0 && strcmp(def->name, "COUNT"))
        return eddy_err_set(err, EDDY_UNSUPPORTED,
                            "%s(*) is not supported yet: pass ROWTIME as the argument instead", def->name);
    int rc = def->prepare(call, err);
    if (rc) {
        reset_out(call);
        return rc;
    }
    call->def = def;
    return 0;
}

void eddy_agg_call_fini(eddy_agg_call *call) {
    if (call) reset_out(call);
}

/* ---- prepare helpers ----------------------------------------------------- */

int eddy_agg_refuse(const eddy_agg_call *call, eddy_err *err) {
    eddy_strbuf args = EDDY_STRBUF_INIT, alts = EDDY_STRBUF_INIT;
    eddy_strbuf_putc(&args, '(');
    for (int i = 0; i < call->nargs && i < EDDY_AGG_MAX_ARGS; i++) {
        if (i) eddy_strbuf_puts(&args, ", ");
        if (call->args[i].type) eddy_type_format(call->args[i].type, &args);
        else eddy_strbuf_puts(&args, "null");
    }
    eddy_strbuf_putc(&args, ')');
    const eddy_function *fn = eddy_functions_init(NULL) == 0 ? eddy_function_lookup(call->name) : NULL;
    for (int v = 0; fn && v < fn->fn_nvariants; v++) {
        const eddy_function_variant *fv = &fn->fn_variants[v];
        eddy_strbuf_printf(&alts, "%s(", fn->fn_name);
        for (int i = 0; i < fv->fv_nargs; i++) {
            const eddy_function_arg *fa = &fv->fv_args[i];
            eddy_strbuf_printf(&alts, "%s%s%s %s", i ? ", " : "", fa->fa_type, fa->fa_variadic ? "..." : "",
                               fa->fa_name);
        }
        eddy_strbuf_puts(&alts, ")\n");
    }
    int rc = eddy_err_set(err, EDDY_ANALYSIS,
                          "Function '%s' does not accept parameters %s.\nValid alternatives are:\n%s"
                          "For detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;",
                          call->name, eddy_strbuf_cstr(&args), eddy_strbuf_cstr(&alts));
    eddy_strbuf_fini(&args);
    eddy_strbuf_fini(&alts);
    return rc;
}

int eddy_agg_set_result(eddy_agg_call *call, eddy_type *t, eddy_err *err) {
    if (!t) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    eddy_type_unref(call->result);
    call->result = t;
    return 0;
}

int eddy_agg_arg_kind(const eddy_agg_call *call, int i) {
    if (i < 0 || i >= call->nargs || !call->args[i].type) return -1;
    return (int)call->args[i].type->ty_kind;
}

static int not_literal(const eddy_agg_call *call, int i, eddy_err *err) {
    const char *sql = call->args[i].sql;
    if (sql)
        return eddy_err_set(err, EDDY_ANALYSIS,
                            "Parameter %d passed to function %s must be a literal constant, but was expression: '%s'",
                            i + 1, call->name, sql);
    return eddy_err_set(err, EDDY_ANALYSIS, "Parameter %d passed to function %s must be a literal constant", i + 1,
                        call->name);
}

int eddy_agg_literal_int(const eddy_agg_call *call, int i, int64_t *out, eddy_err *err) {
    const eddy_agg_arg *arg = &call->args[i];
    if (!arg->is_literal) return not_literal(call, i, err);
    switch (arg->value.v_kind) {
    case EDDY_V_INT:
    case EDDY_V_BIGINT: *out = arg->value.u.i; return 0;
    case EDDY_V_NULL:
        return eddy_err_set(err, EDDY_ANALYSIS, "Parameter %d passed to function %s must not be NULL", i + 1,
                            call->name);
    default: return eddy_agg_refuse(call, err);
    }
}

int eddy_agg_literal_bool(const eddy_agg_call *call, int i, bool *out, eddy_err *err) {
    const eddy_agg_arg *arg = &call->args[i];
    if (!arg->is_literal) return not_literal(call, i, err);
    switch (arg->value.v_kind) {
    case EDDY_V_BOOL: *out = arg->value.u.i != 0; return 0;
    case EDDY_V_NULL:
        return eddy_err_set(err, EDDY_ANALYSIS, "Parameter %d passed to function %s must not be NULL", i + 1,
                            call->name);
    default: return eddy_agg_refuse(call, err);
    }
}

/* ---- Java's ordering and equality ----------------------------------------- */

/* Double.compare: -0.0 < 0.0, NaN above everything and equal to itself. */
static int double_cmp(double x, double y) {
    if (x < y) return -1;
    if (x > y) return 1;
    bool nx = isnan(x), ny = isnan(y);
    if (nx || ny) return nx == ny ? 0 : nx ? 1 : -1;
    bool sx = signbit(x) != 0, sy = signbit(y) != 0; /* x == y: only the zeros' signs differ */
    return sx == sy ? 0 : sx ? -1 : 1;
}

/* The code point starting at p (at most n bytes), as a key that sorts like
 * its UTF-16 code units: BMP below the surrogates < supplementary < U+E000..U+FFFF. */
static uint32_t utf16_key(const unsigned char *p, size_t n) {
    uint32_t c = p[0];
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (len > n) len = n;
    if (len > 1) c &= 0xFFu >> (len + 1);
    for (size_t i = 1; i < len; i++) c = (c << 6) | (p[i] & 0x3F);
    if (c >= 0x10000) return 0x01000000u + (c - 0x10000);
    if (c >= 0xE000) return 0x02000000u + c;
    return c;
}

/* String.compareTo on UTF-8 text. */
static int string_cmp(const eddy_value *a, const eddy_value *b) {
    const unsigned char *x = (const unsigned char *)a->u.s, *y = (const unsigned char *)b->u.s;
    size_t n = a->v_len < b->v_len ? a->v_len : b->v_len, i = 0;
    while (i < n && x[i] == y[i]) i++;
    if (i == n) return a->v_len < b->v_len ? -1 : a->v_len > b->v_len ? 1 : 0;
    size_t s = i; /* back to the start of the code point both share up to i */
    while (s > 0 && (x[s] & 0xC0) == 0x80) s--;
    uint32_t kx = utf16_key(x + s, a->v_len - s), ky = utf16_key(y + s, b->v_len - s);
    if (kx != ky) return kx < ky ? -1 : 1;
    return x[i] < y[i] ? -1 : 1; /* malformed text: fall back to the bytes */
}

/* ByteBuffer.compareTo: signed bytes, then the length. */
static int bytes_cmp(const eddy_value *a, const eddy_value *b) {
    size_t n = a->v_len < b->v_len ? a->v_len : b->v_len;
    for (size_t i = 0; i < n; i++) {
        signed char x = (signed char)a->u.s[i], y = (signed char)b->u.s[i];
        if (x != y) return x < y ? -1 : 1;
    }
    return a->v_len < b->v_len ? -1 : a->v_len > b->v_len ? 1 : 0;
}

int eddy_agg_cmp(const eddy_value *a, const eddy_value *b) {
    if (a->v_kind == b->v_kind) {
        switch (a->v_kind) {
        case EDDY_V_DOUBLE: return double_cmp(a->u.d, b->u.d);
        case EDDY_V_STRING: return string_cmp(a, b);
        case EDDY_V_BYTES: return bytes_cmp(a, b);
        default: break;
        }
    }
    return eddy_value_compare(a, b);
}

bool eddy_agg_eq(const eddy_value *a, const eddy_value *b) {
    if (a->v_kind != b->v_kind) return false;
    if (a->v_kind == EDDY_V_NULL) return true;
    if (a->v_kind == EDDY_V_DOUBLE) return double_cmp(a->u.d, b->u.d) == 0;
    return eddy_value_equal(a, b);
}

/* ---- values -------------------------------------------------------------- */

int eddy_agg_copy(eddy_arena *a, const eddy_value *v, eddy_value *out) {
    *out = eddy_value_copy(a, v);
    if (v->v_kind != EDDY_V_NULL && out->v_kind == EDDY_V_NULL) return EDDY_NOMEM;
    return 0;
}

int eddy_agg_container(eddy_arena *a, eddy_vkind k, uint32_t n, eddy_value *out) {
    *out = eddy_value_container(a, k, n);
    return out->v_kind == k ? 0 : EDDY_NOMEM;
}

double eddy_agg_to_double(const eddy_value *v) {
    switch (v->v_kind) {
    case EDDY_V_DOUBLE: return v->u.d;
    case EDDY_V_DECIMAL: {
        /* "<digits>e-<scale>" through strtod: correctly rounded, as BigDecimal.doubleValue */
        char buf[64], digits[48];
        eddy_int128 x = *v->u.dec;
        bool neg = x < 0;
        unsigned __int128 u = neg ? (unsigned __int128)0 - (unsigned __int128)x : (unsigned __int128)x;
        int n = 0;
        do {
            digits[n++] = (char)('0' + (int)(u % 10));
            u /= 10;
        } while (u && n < (int)sizeof digits);
        int p = 0;
        if (neg) buf[p++] = '-';
        while (n > 0) buf[p++] = digits[--n];
        snprintf(buf + p, sizeof buf - (size_t)p, "e%d", -(int)v->v_scale);
        return strtod(buf, NULL);
    }
    case EDDY_V_NULL: return 0.0;
    default: return (double)v->u.i;
    }
}

eddy_value eddy_agg_widen(const eddy_value *v, eddy_vkind to) {
    if (v->v_kind == to || v->v_kind == EDDY_V_NULL) return *v;
    switch (to) {
    case EDDY_V_DOUBLE: return eddy_value_double(eddy_agg_to_double(v));
    case EDDY_V_BIGINT:
        if (v->v_kind == EDDY_V_INT) return eddy_value_bigint(v->u.i);
        break;
    default: break;
    }
    return *v;
}
