/* expr_ops.c - eddy's operator functions: SQLite UDFs where SQLite's semantics differ from ksqlDB's.
 *
 * The compiler (expr_compile.c) uses SQLite's own operators where they mean
 * what ksqlDB means, and these functions where they do not:
 *   e_add64 e_sub64 e_mul64 e_neg64   BIGINT arithmetic that wraps like Java's long
 *   e_idiv e_imod                     integer / and % (Java: wraps, / by zero is an error)
 *   e_ddiv e_dmod                     DOUBLE / and % (Java: Infinity, NaN, fmod)
 *   e_dec e_decneg                    DECIMAL arithmetic with ksqlDB's result types
 *   e_cmp e_eq e_distinct e_isnull    comparisons of DECIMALs and complex values, NULL tests
 *   e_in                              IN over DECIMALs and complex values
 *   e_cast                            CAST with ksqlDB's results (NULL + error on bad input)
 *   e_field e_elem e_mapget           struct field, array and map subscripts
 *   e_array e_map e_struct            constructors
 * Type arguments are indexes into the compiled expression's type table
 * (eddy_x_type_id); every function has the eddy_exprs as user data.
 */
#include "engine/expr_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static eddy_exprs *X(sqlite3_context *ctx) { return sqlite3_user_data(ctx); }

static eddy_type *T(sqlite3_context *ctx, sqlite3_value *v) {
    eddy_exprs *x = X(ctx);
    int id = sqlite3_value_int(v);
    return id >= 0 && id < x->nttab ? x->ttab[id] : NULL;
}

static eddy_arena *scratch(sqlite3_context *ctx) {
    eddy_sqlval_env *env = eddy_sqlval_env_get();
    return env && env->scratch ? env->scratch : X(ctx)->scratch;
}

static void row_error(sqlite3_context *ctx, const char *msg) {
    sqlite3_result_null(ctx);
    eddy_x_row_error(X(ctx), msg);
}

/* ---- integer arithmetic ---------------------------------------------------- */

#define NULL2(argv)                                                              \
    do {                                                                         \
        if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return; \
    } while (0)

static void e_add64(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    NULL2(argv);
    sqlite3_result_int64(ctx, (int64_t)((uint64_t)sqlite3_value_int64(argv[0]) + (uint64_t)sqlite3_value_int64(argv[1])));
}

static void e_sub64(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    NULL2(argv);
    sqlite3_result_int64(ctx, (int64_t)((uint64_t)sqlite3_value_int64(argv[0]) - (uint64_t)sqlite3_value_int64(argv[1])));
}

static void e_mul64(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    NULL2(argv);
    sqlite3_result_int64(ctx, (int64_t)((uint64_t)sqlite3_value_int64(argv[0]) * (uint64_t)sqlite3_value_int64(argv[1])));
}

static void e_neg64(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    sqlite3_result_int64(ctx, (int64_t)(0 - (uint64_t)sqlite3_value_int64(argv[0])));
}

/* e_idiv(a, b, bits) and e_imod(a, b, bits) */
static void int_divmod(sqlite3_context *ctx, sqlite3_value **argv, bool mod) {
    NULL2(argv);
    int64_t a = sqlite3_value_int64(argv[0]), b = sqlite3_value_int64(argv[1]);
    int bits = sqlite3_value_int(argv[2]);
    if (b == 0) {
        row_error(ctx, "/ by zero");
        return;
    }
    if (b == -1) {
        /* Java: MIN / -1 == MIN, x % -1 == 0 */
        int64_t r = mod ? 0 : (int64_t)(0 - (uint64_t)a);
        if (bits == 32) r = (int32_t)(uint32_t)(uint64_t)r;
        sqlite3_result_int64(ctx, r);
        return;
    }
    sqlite3_result_int64(ctx, mod ? a % b : a / b);
}

static void e_idiv(sqlite3_context *ctx, int argc, sqlite3_value **argv) { int_divmod(ctx, argv, false); }
static void e_imod(sqlite3_context *ctx, int argc, sqlite3_value **argv) { int_divmod(ctx, argv, true); }

/* ---- DOUBLE ------------------------------------------------------------- */

/* A DOUBLE argument (NaN arrives as a pointer); false when NULL. */
static bool dbl(sqlite3_value *v, double *d) {
    const eddy_sqlbox *b = eddy_sqlval_box(v);
    if (b) {
        if (b->value.v_kind != EDDY_V_DOUBLE) return false;
        *d = b->value.u.d;
        return true;
    }
    if (sqlite3_value_type(v) == SQLITE_NULL) return false;
    *d = sqlite3_value_double(v);
    return true;
}

static void e_ddiv(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    double a, b;
    if (!dbl(argv[0], &a) || !dbl(argv[1], &b)) return;
    eddy_sqlval_result_double(ctx, a / b);
}

static void e_dmod(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    double a, b;
    if (!dbl(argv[0], &a) || !dbl(argv[1], &b)) return;
    eddy_sqlval_result_double(ctx, fmod(a, b));
}

/* ---- DECIMAL ------------------------------------------------------------- */

/* A DECIMAL (or integer) argument; false when NULL. */
static bool dec(sqlite3_value *v, eddy_int128 *u, int *s) {
    const eddy_sqlbox *b = eddy_sqlval_box(v);
    if (b) {
        if (b->value.v_kind != EDDY_V_DECIMAL) return false;
        *u = *b->value.u.dec;
        *s = b->value.v_scale;
        return true;
    }
    if (sqlite3_value_type(v) != SQLITE_INTEGER) return false;
    *u = sqlite3_value_int64(v);
    *s = 0;
    return true;
}

static void result_dec(sqlite3_context *ctx, eddy_int128 u, int s) {
    eddy_arena *a = scratch(ctx);
    eddy_value v = eddy_value_decimal(a, u, s);
    if (v.v_kind != EDDY_V_DECIMAL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    eddy_sqlval_result_ref(ctx, &v, NULL);
}

/* e_dec(op, a, b, precision, scale) */
static void e_dec(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_int128 a, b, r;
    int sa, sb;
    if (!dec(argv[1], &a, &sa) || !dec(argv[2], &b, &sb)) return;
    const char *why = NULL;
    if (eddy_decimal_arith(sqlite3_value_int(argv[0]), a, sa, b, sb, sqlite3_value_int(argv[3]),
                           sqlite3_value_int(argv[4]), &r, &why)) {
        row_error(ctx, why);
        return;
    }
    result_dec(ctx, r, sqlite3_value_int(argv[4]));
}

static void e_decneg(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_int128 a;
    int sa;
    if (!dec(argv[0], &a, &sa)) return;
    result_dec(ctx, -a, sa);
}

/* ---- comparisons ------------------------------------------------------------ */

static bool is_num(const eddy_type *t) {
    return t->ty_kind == EDDY_TYPE_INT || t->ty_kind == EDDY_TYPE_BIGINT || t->ty_kind == EDDY_TYPE_DOUBLE ||
           t->ty_kind == EDDY_TYPE_DECIMAL;
}

static double as_double(const eddy_value *v) {
    switch (v->v_kind) {
    case EDDY_V_DOUBLE: return v->u.d;
    case EDDY_V_DECIMAL: return eddy_decimal_to_double(*v->u.dec, v->v_scale);
    default: return (double)v->u.i;
    }
}

/* Compares two non-NULL values of types ta and tb (comparable types). */
static int compare(const eddy_value *a, const eddy_type *ta, const eddy_value *b, const eddy_type *tb) {
    if (is_num(ta) && is_num(tb)) {
        if (a->v_kind == EDDY_V_DOUBLE || b->v_kind == EDDY_V_DOUBLE) {
            double x = as_double(a), y = as_double(b);
            return x < y ? -1 : x > y ? 1 : 0;
        }
        eddy_int128 x = a->v_kind == EDDY_V_DECIMAL ? *a->u.dec : a->u.i;
        eddy_int128 y = b->v_kind == EDDY_V_DECIMAL ? *b->u.dec : b->u.i;
        return eddy_decimal_cmp(x, a->v_kind == EDDY_V_DECIMAL ? a->v_scale : 0, y,
                                b->v_kind == EDDY_V_DECIMAL ? b->v_scale : 0);
    }
    return eddy_value_compare(a, b);
}

/* Reads argv[i] as a value of type t (no copy); false when NULL or unreadable. */
static bool arg(sqlite3_value *v, const eddy_type *t, eddy_value *out) {
    if (!t || eddy_sqlval_get(v, t, NULL, out)) return false;
    return out->v_kind != EDDY_V_NULL;
}

/* e_cmp(a, type a, b, type b): -1, 0, 1 or NULL */
static void e_cmp(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_type *ta = T(ctx, argv[1]), *tb = T(ctx, argv[3]);
    eddy_value a, b;
    if (!arg(argv[0], ta, &a) || !arg(argv[2], tb, &b)) return;
    sqlite3_result_int(ctx, compare(&a, ta, &b, tb));
}

/* e_eq(a, b, type): equality of complex values; 1, 0 or NULL */
static void e_eq(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_type *t = T(ctx, argv[2]);
    eddy_value a, b;
    if (!arg(argv[0], t, &a) || !arg(argv[1], t, &b)) return;
    sqlite3_result_int(ctx, is_num(t) ? compare(&a, t, &b, t) == 0 : eddy_value_equal(&a, &b));
}

static void e_isnull(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    sqlite3_result_int(ctx, eddy_sqlval_is_null(argv[0]));
}

/* e_distinct(a, type a, b, type b): 1 when distinct (NULL-safe) */
static void e_distinct(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_type *ta = T(ctx, argv[1]), *tb = T(ctx, argv[3]);
    eddy_value a, b;
    bool na = !arg(argv[0], ta, &a), nb = !arg(argv[2], tb, &b);
    if (na || nb) {
        sqlite3_result_int(ctx, na != nb);
        return;
    }
    bool eq = (is_num(ta) && is_num(tb)) ? compare(&a, ta, &b, tb) == 0 : eddy_value_equal(&a, &b);
    sqlite3_result_int(ctx, !eq);
}

/* e_in(x, type, v1, v2, ...): 1 when x equals a value, 0 otherwise (NULL x: 0) */
static void e_in(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_type *t = T(ctx, argv[1]);
    eddy_value x, v;
    if (!arg(argv[0], t, &x)) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    for (int i = 2; i < argc; i++) {
        if (!arg(argv[i], t, &v)) continue;
        if (is_num(t) ? compare(&x, t, &v, t) == 0 : eddy_value_equal(&x, &v)) {
            sqlite3_result_int(ctx, 1);
            return;
        }
    }
    sqlite3_result_int(ctx, 0);
}

/* ---- CAST ------------------------------------------------------------------ */

/* e_cast(x, from type, to type) */
static void e_cast(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    eddy_type *from = T(ctx, argv[1]), *to = T(ctx, argv[2]);
    eddy_value in, out;
    if (!from || !to) {
        sqlite3_result_error(ctx, "e_cast: bad type", -1);
        return;
    }
    if (eddy_sqlval_get(argv[0], from, NULL, &in)) {
        sqlite3_result_error(ctx, "e_cast: value does not match its type", -1);
        return;
    }
    if (in.v_kind == EDDY_V_NULL) return;
    const char *why = NULL;
    eddy_arena *a = scratch(ctx);
    int rc = eddy_cast_value(&in, from, to, a, &out, &why);
    if (rc == EDDY_NOMEM) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (rc) {
        char msg[200];
        snprintf(msg, sizeof msg, "Cannot cast a value of %s to %s: %s", eddy_type_kind_name(from->ty_kind),
                 eddy_type_kind_name(to->ty_kind), why ? why : "invalid value");
        row_error(ctx, msg);
        return;
    }
    eddy_sqlval_result_ref(ctx, &out, to);
}

/* ---- access --------------------------------------------------------------- */

static bool container(sqlite3_value *v, eddy_vkind k, const eddy_value **out) {
    const eddy_sqlbox *b = eddy_sqlval_box(v);
    if (!b || b->value.v_kind != k) return false;
    *out = &b->value;
    return true;
}

/* e_field(struct, index, field type) */
static void e_field(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const eddy_value *s;
    if (!container(argv[0], EDDY_V_STRUCT, &s)) return;
    int i = sqlite3_value_int(argv[1]);
    if (i < 0 || (uint32_t)i >= s->v_len) return;
    eddy_sqlval_result_ref(ctx, &s->u.items[i], T(ctx, argv[2]));
}

/* e_elem(array, 1-based index, element type): negative indexes count from the end */
static void e_elem(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const eddy_value *a;
    if (!container(argv[0], EDDY_V_ARRAY, &a) || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
    int64_t i = sqlite3_value_int64(argv[1]);
    int64_t idx = i >= 0 ? i - 1 : (int64_t)a->v_len + i;
    if (idx < 0 || idx >= (int64_t)a->v_len) return;
    eddy_sqlval_result_ref(ctx, &a->u.items[idx], T(ctx, argv[2]));
}

/* e_mapget(map, key, map type) */
static void e_mapget(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const eddy_value *m;
    eddy_type *t = T(ctx, argv[2]);
    eddy_value k;
    if (!t || !container(argv[0], EDDY_V_MAP, &m) || !arg(argv[1], t->ty_key, &k)) return;
    for (uint32_t i = 0; i < m->v_len; i++) {
        if (eddy_value_equal(&m->u.items[2 * i], &k)) {
            eddy_sqlval_result_ref(ctx, &m->u.items[2 * i + 1], t->ty_elem);
            return;
        }
    }
}

/* ---- constructors -------------------------------------------------------- */

static void build(sqlite3_context *ctx, int argc, sqlite3_value **argv, eddy_vkind k) {
    eddy_type *t = T(ctx, argv[0]);
    eddy_arena *a = scratch(ctx);
    int n = argc - 1;
    uint32_t len = (uint32_t)(k == EDDY_V_MAP ? n / 2 : n);
    eddy_value v = eddy_value_container(a, k, len);
    if (!t || (n && v.v_kind == EDDY_V_NULL)) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    for (int i = 0; i < n; i++) {
        const eddy_type *et;
        if (k == EDDY_V_ARRAY) et = t->ty_elem;
        else if (k == EDDY_V_MAP) et = i % 2 ? t->ty_elem : t->ty_key;
        else et = t->ty_fields[i].type;
        if (eddy_sqlval_get(argv[i + 1], et, a, &v.u.items[i])) {
            sqlite3_result_error(ctx, "constructor: value does not match its type", -1);
            return;
        }
    }
    if (k == EDDY_V_MAP) {
        /* a later entry with the same key replaces an earlier one */
        uint32_t out = 0;
        for (uint32_t i = 0; i < len; i++) {
            uint32_t j;
            for (j = 0; j < out; j++)
                if (eddy_value_equal(&v.u.items[2 * j], &v.u.items[2 * i])) break;
            v.u.items[2 * j] = v.u.items[2 * i];
            v.u.items[2 * j + 1] = v.u.items[2 * i + 1];
            if (j == out) out++;
        }
        v.v_len = out;
    }
    eddy_sqlval_result_ref(ctx, &v, t);
}

static void e_array(sqlite3_context *ctx, int argc, sqlite3_value **argv) { build(ctx, argc, argv, EDDY_V_ARRAY); }
static void e_map(sqlite3_context *ctx, int argc, sqlite3_value **argv) { build(ctx, argc, argv, EDDY_V_MAP); }
static void e_struct(sqlite3_context *ctx, int argc, sqlite3_value **argv) { build(ctx, argc, argv, EDDY_V_STRUCT); }

/* ---- registration ------------------------------------------------------------ */

void eddy_x_lambda_udf(sqlite3_context *ctx, int argc, sqlite3_value **argv); /* expr_lambda.c */

int eddy_x_register_ops(eddy_exprs *x) {
    static const struct {
        const char *name;
        int nargs;
        void (*fn)(sqlite3_context *, int, sqlite3_value **);
    } ops[] = {
        {"e_add64", 2, e_add64},    {"e_sub64", 2, e_sub64},   {"e_mul64", 2, e_mul64}, {"e_neg64", 1, e_neg64},
        {"e_idiv", 3, e_idiv},      {"e_imod", 3, e_imod},     {"e_ddiv", 2, e_ddiv},   {"e_dmod", 2, e_dmod},
        {"e_dec", 5, e_dec},        {"e_decneg", 1, e_decneg}, {"e_cmp", 4, e_cmp},     {"e_eq", 3, e_eq},
        {"e_isnull", 1, e_isnull},  {"e_distinct", 4, e_distinct}, {"e_in", -1, e_in},  {"e_cast", 3, e_cast},
        {"e_field", 3, e_field},    {"e_elem", 3, e_elem},     {"e_mapget", 3, e_mapget},
        {"e_array", -1, e_array},   {"e_map", -1, e_map},      {"e_struct", -1, e_struct},
        {"e_lambda", -1, eddy_x_lambda_udf},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
        int rc = sqlite3_create_function_v2(x->db, ops[i].name, ops[i].nargs, flags, x, ops[i].fn, NULL, NULL, NULL);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}
