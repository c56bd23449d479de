/* fn_math.c - ksqlDB's mathematical functions: ABS, CEIL, FLOOR, ROUND, TRUNC,
 * SIGN, EXP, LN, LOG, SQRT, CBRT, POWER, the trigonometric and hyperbolic
 * functions, DEGREES, RADIANS, PI, RANDOM, GREATEST and LEAST.
 *
 * Doubles follow java.lang.Math; DECIMAL follows java.math.BigDecimal on a
 * 128-bit unscaled value.  ROUND rounds halves towards positive infinity as
 * ksqlDB does (Math.round, and BigDecimal HALF_UP / HALF_DOWN by sign);
 * ROUND and TRUNC with decimal places go through BigDecimal.valueOf(double),
 * i.e. through the shortest decimal text of the double.
 */
#include "engine/fn_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* Java's (long) cast of a double. */
static int64_t java_d2l(double d) {
    if (isnan(d)) return 0;
    if (d >= 9223372036854775807.0) return INT64_MAX;
    if (d <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)d;
}

/* Java's Math.round(double): the closest long, halves up. */
static int64_t java_round(double d) {
    if (isnan(d)) return 0;
    double f = floor(d);
    double r = d - f >= 0.5 ? f + 1 : f;
    return java_d2l(r);
}

/* BigDecimal.valueOf(v).setScale(places, mode).doubleValue(), for finite v.
 * mode: FN_ROUND_DOWN, or HALF_UP for positive / HALF_DOWN for negative
 * values (ksqlDB's ROUND). */
static double decimal_round_double(double v, int places, bool truncate) {
    if (v == 0) return 0.0;
    char digits[40];
    int e;
    int n = fn_double_digits(v, digits, &e);
    long keep = (long)e + places;
    if (keep >= n) return v;
    if (keep < 0) return 0.0;
    bool up = false;
    if (!truncate) {
        char next = digits[keep];
        if (v > 0) {
            up = next >= '5';
        } else {
            bool rest = false;
            for (int i = (int)keep + 1; i < n; i++) rest |= digits[i] != '0';
            up = next > '5' || (next == '5' && rest);
        }
    }
    char buf[64];
    int k = 0;
    if (v < 0) buf[k++] = '-';
    buf[k++] = '0';
    buf[k++] = '.';
    char kept[40];
    memcpy(kept, digits, (size_t)keep);
    int exp = e;
    if (up) {
        long i = keep - 1;
        while (i >= 0 && kept[i] == '9') kept[i--] = '0';
        if (i >= 0) {
            kept[i]++;
        } else { /* all nines (or nothing kept): 0.999 -> 0.1e+1 */
            memmove(kept + 1, kept, (size_t)keep);
            kept[0] = '1';
            keep++;
            exp++;
        }
    }
    if (keep == 0) return 0.0;
    memcpy(buf + k, kept, (size_t)keep);
    k += (int)keep;
    k += snprintf(buf + k, sizeof buf - (size_t)k, "e%d", exp);
    double r = strtod(buf, NULL);
    return r == 0 ? 0.0 : r;
}

/* Reads a DECIMAL argument or fails the call. */
static bool arg_dec(sqlite3_context *ctx, sqlite3_value *v, eddy_int128 *x, int *scale) {
    if (fn_arg_decimal(v, x, scale)) return true;
    fn_fail(ctx, "expected a DECIMAL value");
    return false;
}

/* ------------------------------------------------------------------------ */
/* ABS, CEIL, FLOOR, SIGN                                                   */

static void abs_int(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t x = sqlite3_value_int64(argv[0]);
    if (x == INT32_MIN) sqlite3_result_int64(ctx, x); /* Math.abs(Integer.MIN_VALUE) */
    else sqlite3_result_int64(ctx, x < 0 ? -x : x);
}

static void abs_bigint(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t x = sqlite3_value_int64(argv[0]);
    sqlite3_result_int64(ctx, x == INT64_MIN ? x : x < 0 ? -x : x);
}

static void abs_double(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_sqlval_result_double(ctx, fabs(fn_double(argv[0])));
}

static void abs_decimal(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_int128 x;
    int s;
    if (!arg_dec(ctx, argv[0], &x, &s)) return;
    fn_result_decimal(ctx, x < 0 ? -x : x, s);
}

/* Integer CEIL and FLOOR return their argument. */
static void identity_int(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]));
}

static void ceil_double(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_sqlval_result_double(ctx, ceil(fn_double(argv[0])));
}

static void floor_double(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_sqlval_result_double(ctx, floor(fn_double(argv[0])));
}

/* setScale(0, mode).setScale(scale) */
static void dec_integral(sqlite3_context *ctx, sqlite3_value **argv, int mode) {
    eddy_int128 x, r;
    int s;
    if (!arg_dec(ctx, argv[0], &x, &s)) return;
    if (!fn_dec_rescale(x, s, 0, mode, &r) || !fn_dec_rescale(r, 0, s > 0 ? s : 0, FN_ROUND_DOWN, &r)) {
        fn_fail(ctx, "decimal overflow");
        return;
    }
    fn_result_decimal(ctx, r, s > 0 ? s : 0);
}

static void ceil_decimal(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    dec_integral(ctx, argv, FN_ROUND_CEILING);
}

static void floor_decimal(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    dec_integral(ctx, argv, FN_ROUND_FLOOR);
}

static void sign_int(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    int64_t x = sqlite3_value_int64(argv[0]);
    sqlite3_result_int(ctx, (x > 0) - (x < 0));
}

static void sign_double(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    double x = fn_double(argv[0]);
    sqlite3_result_int(ctx, (x > 0) - (x < 0)); /* (int) Math.signum: NaN gives 0 */
}

static void sign_decimal(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_int128 x;
    int s;
    if (!arg_dec(ctx, argv[0], &x, &s)) return;
    sqlite3_result_int(ctx, (x > 0) - (x < 0));
}

/* ------------------------------------------------------------------------ */
/* ROUND and TRUNC                                                          */

static void round_double(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    sqlite3_result_int64(ctx, java_round(fn_double(argv[0])));
}

static void trunc_double(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    sqlite3_result_int64(ctx, java_d2l(fn_double(argv[0])));
}

static void places_double(sqlite3_context *ctx, sqlite3_value **argv, bool truncate) {
    double v = fn_double(argv[0]);
    int64_t places = sqlite3_value_int64(argv[1]);
    if (!isfinite(v)) {
        fn_fail(ctx, "Character %s is neither a decimal digit number, decimal point, nor \"e\" notation exponential mark.",
                isnan(v) ? "N" : "I");
        return;
    }
    if (places > 400) places = 400;
    if (places < -400) places = -400;
    eddy_sqlval_result_double(ctx, decimal_round_double(v, (int)places, truncate));
}

static void round_double_places(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    places_double(ctx, argv, false);
}

static void trunc_double_places(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    places_double(ctx, argv, true);
}

/* setScale(places, mode), then back to the argument's scale when keep_scale. */
static void places_decimal(sqlite3_context *ctx, sqlite3_value **argv, int64_t places, bool truncate,
                           bool keep_scale) {
    eddy_int128 x, r;
    int s;
    if (!arg_dec(ctx, argv[0], &x, &s)) return;
    if (places > 76) places = 76;
    if (places < -76) places = -76;
    int mode = truncate ? FN_ROUND_DOWN : x > 0 ? FN_ROUND_HALF_UP : FN_ROUND_HALF_DOWN;
    int to = (int)places;
    if (to >= s) {
        r = x; /* no digits dropped */
        to = s;
    } else if (!fn_dec_rescale(x, s, to, mode, &r)) {
        fn_fail(ctx, "decimal overflow");
        return;
    }
    int out_scale = keep_scale ? s : to;
    if (out_scale < 0) out_scale = 0;
    if (!fn_dec_rescale(r, to, out_scale, FN_ROUND_DOWN, &r)) {
        fn_fail(ctx, "decimal overflow");
        return;
    }
    fn_result_decimal(ctx, r, out_scale);
}

static void round_decimal(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    places_decimal(ctx, argv, 0, false, false);
}

static void round_decimal_places(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    places_decimal(ctx, argv, sqlite3_value_int64(argv[1]), false, true);
}

static void trunc_decimal(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    places_decimal(ctx, argv, 0, true, false);
}

static void trunc_decimal_places(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    places_decimal(ctx, argv, sqlite3_value_int64(argv[1]), true, true);
}

/* ------------------------------------------------------------------------ */
/* Functions of doubles                                                     */

#define UNARY_DOUBLE(name, expr)                                                   \
    static void name(sqlite3_context *ctx, int argc, sqlite3_value **argv) {       \
        FN_NULL_IF_ANY_NULL(ctx, argc, argv);                                      \
        double x = fn_double(argv[0]);                                  \
        eddy_sqlval_result_double(ctx, (expr));                                        \
    }

UNARY_DOUBLE(fn_exp, exp(x))
UNARY_DOUBLE(fn_ln, log(x))
UNARY_DOUBLE(fn_sqrt, sqrt(x))
UNARY_DOUBLE(fn_cbrt, cbrt(x))
UNARY_DOUBLE(fn_sin, sin(x))
UNARY_DOUBLE(fn_cos, cos(x))
UNARY_DOUBLE(fn_tan, tan(x))
UNARY_DOUBLE(fn_asin, asin(x))
UNARY_DOUBLE(fn_acos, acos(x))
UNARY_DOUBLE(fn_atan, atan(x))
UNARY_DOUBLE(fn_sinh, sinh(x))
UNARY_DOUBLE(fn_cosh, cosh(x))
UNARY_DOUBLE(fn_tanh, tanh(x))
UNARY_DOUBLE(fn_cot, 1.0 / tan(x))
UNARY_DOUBLE(fn_degrees, x * 57.29577951308232)      /* Math.toDegrees */
UNARY_DOUBLE(fn_radians, x * 0.017453292519943295)   /* Math.toRadians */

/* LOG(base, value): NaN for a base that is not positive or is 1. */
static void fn_log_base(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    double b = fn_double(argv[0]), v = fn_double(argv[1]);
    if (b <= 0 || b == 1) eddy_sqlval_result_double(ctx, NAN);
    else eddy_sqlval_result_double(ctx, log(v) / log(b));
}

/* Math.pow: where C's pow differs (1^NaN, (-1)^inf) Java gives NaN. */
static void fn_power(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    double b = fn_double(argv[0]), e = fn_double(argv[1]);
    if (isnan(e) || (isinf(e) && fabs(b) == 1)) {
        eddy_sqlval_result_double(ctx, NAN);
        return;
    }
    eddy_sqlval_result_double(ctx, pow(b, e));
}

static void fn_atan2(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    FN_NULL_IF_ANY_NULL(ctx, argc, argv);
    eddy_sqlval_result_double(ctx, atan2(fn_double(argv[0]), fn_double(argv[1])));
}

static void fn_pi(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    eddy_sqlval_result_double(ctx, 3.141592653589793);
}

static void fn_random(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    uint64_t r = ((uint64_t)arc4random() << 32) | arc4random();
    eddy_sqlval_result_double(ctx, (double)(r >> 11) * 0x1.0p-53);
}

/* ------------------------------------------------------------------------ */
/* GREATEST and LEAST                                                       */

/* Picks the largest (sign 1) or smallest (sign -1) non-NULL argument. */
static void extreme(sqlite3_context *ctx, int argc, sqlite3_value **argv, int sign) {
    int best = -1;
    eddy_value bv = {0};
    for (int i = 0; i < argc; i++) {
        if (fn_isnull(argv[i])) continue;
        eddy_value v = fn_arg(ctx, argv, i);
        if (best < 0 || sign * fn_java_compare(&v, &bv) > 0) {
            best = i;
            bv = v;
        }
    }
    if (best < 0) {
        sqlite3_result_null(ctx);
        return;
    }
    if (bv.v_kind == EDDY_V_DECIMAL) {
        fn_result_decimal(ctx, *bv.u.dec, bv.v_scale);
        return;
    }
    fn_result(ctx, &bv);
}

/* Integer, double and text variants read the SQLite values directly. */
static void extreme_typed(sqlite3_context *ctx, int argc, sqlite3_value **argv, int sign, eddy_vkind k) {
    int best = -1;
    eddy_value bv = {0};
    for (int i = 0; i < argc; i++) {
        if (fn_isnull(argv[i])) continue;
        eddy_value v;
        switch (k) {
        case EDDY_V_DOUBLE: v = eddy_value_double(fn_double(argv[i])); break;
        case EDDY_V_STRING: {
            size_t n;
            const char *s = fn_text(argv[i], &n);
            v = eddy_value_str(EDDY_V_STRING, s, n);
            break;
        }
        case EDDY_V_BYTES: {
            const char *p = sqlite3_value_blob(argv[i]);
            v = eddy_value_str(EDDY_V_BYTES, p ? p : "", (size_t)sqlite3_value_bytes(argv[i]));
            break;
        }
        default: v = eddy_value_i64(k, sqlite3_value_int64(argv[i])); break;
        }
        if (best < 0 || sign * fn_java_compare(&v, &bv) > 0) {
            best = i;
            bv = v;
        }
    }
    if (best < 0) sqlite3_result_null(ctx);
    else fn_result(ctx, &bv);
}

#define EXTREMES(suffix, kind)                                                              \
    static void greatest_##suffix(sqlite3_context *ctx, int argc, sqlite3_value **argv) {  \
        extreme_typed(ctx, argc, argv, 1, kind);                                            \
    }                                                                                       \
    static void least_##suffix(sqlite3_context *ctx, int argc, sqlite3_value **argv) {     \
        extreme_typed(ctx, argc, argv, -1, kind);                                           \
    }

EXTREMES(int, EDDY_V_INT)
EXTREMES(bigint, EDDY_V_BIGINT)
EXTREMES(double, EDDY_V_DOUBLE)
EXTREMES(string, EDDY_V_STRING)
EXTREMES(bytes, EDDY_V_BYTES)
EXTREMES(date, EDDY_V_DATE)
EXTREMES(time, EDDY_V_TIME)
EXTREMES(timestamp, EDDY_V_TIMESTAMP)

static void greatest_decimal(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    extreme(ctx, argc, argv, 1);
}

static void least_decimal(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    extreme(ctx, argc, argv, -1);
}

/* ------------------------------------------------------------------------ */
/* Registration                                                             */

const fn_row eddy_fn_math_rows[] = {
    {"ABS", 0, abs_int},
    {"ABS", 1, abs_bigint},
    {"ABS", 2, abs_double},
    {"ABS", 3, abs_decimal},
    {"ACOS", -1, fn_acos},
    {"ASIN", -1, fn_asin},
    {"ATAN", -1, fn_atan},
    {"ATAN2", -1, fn_atan2},
    {"CBRT", -1, fn_cbrt},
    {"CEIL", 0, identity_int},
    {"CEIL", 1, identity_int},
    {"CEIL", 2, ceil_double},
    {"CEIL", 3, ceil_decimal},
    {"COS", -1, fn_cos},
    {"COSH", -1, fn_cosh},
    {"COT", -1, fn_cot},
    {"DEGREES", -1, fn_degrees},
    {"EXP", -1, fn_exp},
    {"FLOOR", 0, identity_int},
    {"FLOOR", 1, identity_int},
    {"FLOOR", 2, floor_double},
    {"FLOOR", 3, floor_decimal},
    {"GREATEST", 0, greatest_int},
    {"GREATEST", 1, greatest_bigint},
    {"GREATEST", 2, greatest_double},
    {"GREATEST", 3, greatest_string},
    {"GREATEST", 4, greatest_decimal},
    {"GREATEST", 5, greatest_bytes},
    {"GREATEST", 6, greatest_date},
    {"GREATEST", 7, greatest_time},
    {"GREATEST", 8, greatest_timestamp},
    {"LEAST", 0, least_int},
    {"LEAST", 1, least_bigint},
    {"LEAST", 2, least_double},
    {"LEAST", 3, least_string},
    {"LEAST", 4, least_decimal},
    {"LEAST", 5, least_bytes},
    {"LEAST", 6, least_date},
    {"LEAST", 7, least_time},
    {"LEAST", 8, least_timestamp},
    {"LN", -1, fn_ln},
    {"LOG", 0, fn_ln}, /* ksqlDB's one-argument LOG is Math.log, the natural logarithm */
    {"LOG", 1, fn_ln},
    {"LOG", 2, fn_ln},
    {"LOG", 3, fn_log_base},
    {"LOG", 4, fn_log_base},
    {"LOG", 5, fn_log_base},
    {"PI", -1, fn_pi},
    {"POWER", -1, fn_power},
    {"RADIANS", -1, fn_radians},
    {"RANDOM", -1, fn_random},
    {"ROUND", 0, identity_int},
    {"ROUND", 1, identity_int},
    {"ROUND", 2, round_double},
    {"ROUND", 3, round_double_places},
    {"ROUND", 4, round_decimal},
    {"ROUND", 5, round_decimal_places},
    {"SIGN", 0, sign_int},
    {"SIGN", 1, sign_int},
    {"SIGN", 2, sign_double},
    {"SIGN", 3, sign_decimal},
    {"SIN", -1, fn_sin},
    {"SINH", -1, fn_sinh},
    {"SQRT", -1, fn_sqrt},
    {"TAN", -1, fn_tan},
    {"TANH", -1, fn_tanh},
    {"TRUNC", 0, identity_int},
    {"TRUNC", 1, identity_int},
    {"TRUNC", 2, trunc_double},
    {"TRUNC", 3, trunc_double_places},
    {"TRUNC", 4, trunc_decimal},
    {"TRUNC", 5, trunc_decimal_places},
};
const int eddy_fn_math_rows_count = (int)(sizeof eddy_fn_math_rows / sizeof eddy_fn_math_rows[0]);
