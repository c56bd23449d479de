/* test_fn_math.c - the mathematical functions (engine/fn_math.c) through SQLite, with math.json's expectations. */
#include "fn_harness.h"

#include <math.h>

static void test_abs_of_int_bigint_double_and_decimal(void **state) {
    (void)state;
    h_fn("abs_i", "ABS", 0, "INT", "INT");
    h_fn("abs_l", "ABS", 1, "BIGINT", "BIGINT");
    h_fn("abs_d", "ABS", 2, "DOUBLE", "DOUBLE");
    h_fn("abs_b", "ABS", 3, "DECIMAL(2,1)", "DECIMAL(2,1)");
    EXPECT("SELECT abs_i(-1)", "1");
    EXPECT("SELECT abs_l(-2)", "2");
    EXPECT("SELECT abs_d(-3.1)", "3.1");
    EXPECT("SELECT abs_b(dec('-3.2'))", "3.2");
    EXPECT("SELECT abs_b(dec('0.0'))", "0.0");
    EXPECT("SELECT abs_i(NULL)", "NULL");
}

static void test_abs_of_min_int_overflows_like_java(void **state) {
    (void)state;
    h_fn("abs_i", "ABS", 0, "INT", "INT");
    EXPECT("SELECT abs_i(-2147483648)", "-2147483648");
}

static void test_ceil_and_floor_keep_the_decimal_scale(void **state) {
    (void)state;
    h_fn("ceil_d", "CEIL", 2, "DOUBLE", "DOUBLE");
    h_fn("ceil_b", "CEIL", 3, "DECIMAL(2,1)", "DECIMAL(2,1)");
    h_fn("floor_d", "FLOOR", 2, "DOUBLE", "DOUBLE");
    h_fn("floor_b", "FLOOR", 3, "DECIMAL(2,1)", "DECIMAL(2,1)");
    h_fn("floor_i", "FLOOR", 0, "INT", "INT");
    EXPECT("SELECT ceil_d(1.1)", "2.0");
    EXPECT("SELECT ceil_b(dec('1.1'))", "2.0");
    EXPECT("SELECT ceil_b(dec('-1.5'))", "-1.0");
    EXPECT("SELECT floor_d(1.7)", "1.0");
    EXPECT("SELECT floor_b(dec('1.7'))", "1.0");
    EXPECT("SELECT floor_b(dec('-1.1'))", "-2.0");
    EXPECT("SELECT floor_i(-1)", "-1");
}

static void test_round_double_returns_bigint_with_halves_up(void **state) {
    (void)state;
    h_fn("r", "ROUND", 2, "BIGINT", "DOUBLE");
    EXPECT("SELECT r(1.5)", "2");
    EXPECT("SELECT r(-1.5)", "-1");
    EXPECT("SELECT r(-1.7)", "-2");
    EXPECT("SELECT r(12345.678)", "12346");
    EXPECT("SELECT r(0.49999999999999994)", "0");
    EXPECT("SELECT r(nan())", "0");
}

static void test_round_double_with_places_matches_math_json(void **state) {
    (void)state;
    h_fn("r", "ROUND", 3, "DOUBLE", "DOUBLE,INT");
    EXPECT("SELECT r(1.234567, 2)", "1.23");
    EXPECT("SELECT r(1.234567, 10)", "1.234567");
    EXPECT("SELECT r(1.5, 0)", "2.0");
    EXPECT("SELECT r(-1.5, 0)", "-1.0");
    EXPECT("SELECT r(111, -1)", "110.0");
    EXPECT("SELECT r(111, -2)", "100.0");
    EXPECT("SELECT r(1.2, -1)", "0.0");
    EXPECT("SELECT r(12345.678, -1)", "12350.0");
    EXPECT("SELECT r(-12345.678, -1)", "-12350.0");
    EXPECT("SELECT r(-12345.678, 2)", "-12345.68");
    EXPECT("SELECT r(0.995, 2)", "1.0");
    EXPECT("SELECT r(3.0, NULL)", "NULL");
}

static void test_round_of_nan_with_places_is_an_error(void **state) {
    (void)state;
    h_fn("r", "ROUND", 3, "DOUBLE", "DOUBLE,INT");
    EXPECT_ERROR("SELECT r(nan(), 2)", "neither a decimal digit");
}

static void test_round_decimal_without_places_has_scale_zero(void **state) {
    (void)state;
    h_fn("r", "ROUND", 4, "DECIMAL(17,0)", "DECIMAL(33,16)");
    EXPECT("SELECT r(dec('12345678987654321.2345678987654321'))", "12345678987654321");
    EXPECT("SELECT r(dec('-1.5000000000000000'))", "-1");
    EXPECT("SELECT r(dec('1.5000000000000000'))", "2");
}

static void test_round_decimal_with_places_keeps_the_scale(void **state) {
    (void)state;
    h_fn("r", "ROUND", 5, "DECIMAL(33,16)", "DECIMAL(33,16),INT");
    const char *v = "dec('12345678987654321.2345678987654321')";
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT r(%s, 0)", v);
    EXPECT(sql, "12345678987654321.0000000000000000");
    snprintf(sql, sizeof sql, "SELECT r(%s, 1)", v);
    EXPECT(sql, "12345678987654321.2000000000000000");
    snprintf(sql, sizeof sql, "SELECT r(%s, 2)", v);
    EXPECT(sql, "12345678987654321.2300000000000000");
    snprintf(sql, sizeof sql, "SELECT r(%s, 10)", v);
    EXPECT(sql, "12345678987654321.2345678988000000");
    snprintf(sql, sizeof sql, "SELECT r(%s, -1)", v);
    EXPECT(sql, "12345678987654320.0000000000000000");
    snprintf(sql, sizeof sql, "SELECT r(%s, -2)", v);
    EXPECT(sql, "12345678987654300.0000000000000000");
}

static void test_trunc_truncates_towards_zero(void **state) {
    (void)state;
    h_fn("t", "TRUNC", 2, "BIGINT", "DOUBLE");
    h_fn("tp", "TRUNC", 3, "DOUBLE", "DOUBLE,INT");
    h_fn("tb", "TRUNC", 5, "DECIMAL(12,7)", "DECIMAL(12,7),INT");
    h_fn("tb0", "TRUNC", 4, "DECIMAL(5,0)", "DECIMAL(12,7)");
    h_fn("ti", "TRUNC", 1, "BIGINT", "INT");
    EXPECT("SELECT t(-1.7)", "-1");
    EXPECT("SELECT t(1.7)", "1");
    EXPECT("SELECT tp(12345.678, 2)", "12345.67");
    EXPECT("SELECT tp(-12345.678, -1)", "-12340.0");
    EXPECT("SELECT tp(1.234567, 10)", "1.234567");
    EXPECT("SELECT tb(dec('-12345.6780000'), -2)", "-12300.0000000");
    EXPECT("SELECT tb(dec('1.2345670'), 2)", "1.2300000");
    EXPECT("SELECT tb0(dec('-1.7000000'))", "-1");
    EXPECT("SELECT ti(12345)", "12345");
}

static void test_sign_of_each_type(void **state) {
    (void)state;
    h_fn("s_i", "SIGN", 0, "INT", "INT");
    h_fn("s_d", "SIGN", 2, "INT", "DOUBLE");
    h_fn("s_b", "SIGN", 3, "INT", "DECIMAL(3,1)");
    EXPECT("SELECT s_i(-7)", "-1");
    EXPECT("SELECT s_i(0)", "0");
    EXPECT("SELECT s_d(3.0)", "1");
    EXPECT("SELECT s_d(nan())", "0");
    EXPECT("SELECT s_b(dec('-0.5'))", "-1");
}

static void test_exp_ln_sqrt_match_java(void **state) {
    (void)state;
    h_fn("e", "EXP", 2, "DOUBLE", "DOUBLE");
    h_fn("ln", "LN", 0, "DOUBLE", "INT");
    h_fn("sq", "SQRT", 1, "DOUBLE", "BIGINT");
    EXPECT("SELECT e(-1)", "0.36787944117144233");
    EXPECT("SELECT e(3.0)", "20.085536923187668");
    EXPECT("SELECT ln(2)", "0.6931471805599453");
    EXPECT("SELECT ln(0)", "-Infinity");
    EXPECT("SELECT ln(-1)", "NaN");
    EXPECT("SELECT sq(2)", "1.4142135623730951");
    EXPECT("SELECT sq(-2)", "NaN");
}

/* ksqlDB's LOG(value) is Math.log (natural), whatever its description says. */
static void test_log_is_natural_and_takes_a_custom_base(void **state) {
    (void)state;
    h_fn("lg", "LOG", 2, "DOUBLE", "DOUBLE");
    h_fn("lb", "LOG", 4, "DOUBLE", "BIGINT,BIGINT");
    EXPECT("SELECT lg(13.0)", "2.5649493574615367");
    EXPECT("SELECT lb(15, 13)", "0.9471572411831843");
    EXPECT("SELECT lb(15, 1)", "0.0");
    EXPECT("SELECT lb(15, 0)", "-Infinity");
    EXPECT("SELECT lb(15, -13)", "NaN");
    EXPECT("SELECT lb(-15, 13)", "NaN");
    EXPECT("SELECT lb(0, 13)", "NaN");
    EXPECT("SELECT lb(1, 13)", "NaN");
}

static void test_cbrt_and_power(void **state) {
    (void)state;
    h_fn("cb", "CBRT", 1, "DOUBLE", "BIGINT");
    h_fn("pw", "POWER", 0, "DOUBLE", "INT,INT");
    h_fn("pwd", "POWER", 2, "DOUBLE", "DOUBLE,DOUBLE");
    EXPECT("SELECT cb(-3)", "-1.4422495703074083");
    EXPECT("SELECT cb(8)", "2.0");
    EXPECT("SELECT pw(15, 13)", "1.946195068359375E15");
    EXPECT("SELECT pw(15, -1)", "0.06666666666666667");
    EXPECT("SELECT pw(0, 0)", "1.0");
    EXPECT("SELECT pwd(1.0, nan())", "NaN");
}

static void test_trigonometric_functions(void **state) {
    (void)state;
    h_fn("rnd", "ROUND", 3, "DOUBLE", "DOUBLE,INT");
    h_fn("acos_", "ACOS", 2, "DOUBLE", "DOUBLE");
    h_fn("sin_", "SIN", 0, "DOUBLE", "INT");
    h_fn("cot_", "COT", 0, "DOUBLE", "INT");
    h_fn("atan2_", "ATAN2", 0, "DOUBLE", "INT,INT");
    h_fn("cosh_", "COSH", 2, "DOUBLE", "DOUBLE");
    h_fn("deg", "DEGREES", 2, "DOUBLE", "DOUBLE");
    h_fn("rad", "RADIANS", 2, "DOUBLE", "DOUBLE");
    EXPECT("SELECT rnd(acos_(-0.43), 13)", "2.0152891037307");
    EXPECT("SELECT acos_(1.1)", "NaN");
    EXPECT("SELECT rnd(sin_(-7), 13)", "-0.6569865987188");
    EXPECT("SELECT cot_(0)", "Infinity");
    EXPECT("SELECT rnd(cot_(7), 13)", "1.1475154224051");
    EXPECT("SELECT rnd(atan2_(-2, -3), 13)", "-2.5535900500422");
    EXPECT("SELECT rnd(cosh_(-9.1), 13)", "4477.646407574158");
    EXPECT("SELECT rnd(deg(1.2345), 12)", "70.7316398089");
    EXPECT("SELECT rnd(rad(70.73163980890013), 13)", "1.2345");
}

static void test_pi_and_random(void **state) {
    (void)state;
    h_fn("pi_", "PI", 0, "DOUBLE", "");
    h_fn("rnd", "RANDOM", 0, "DOUBLE", "");
    EXPECT("SELECT pi_()", "3.141592653589793");
    EXPECT("SELECT rnd() >= 0.0 AND rnd() < 1.0", "1");
    EXPECT("SELECT rnd() != rnd()", "1");
}

static void test_greatest_and_least_skip_nulls(void **state) {
    (void)state;
    h_fn("g3", "GREATEST", 0, "INT", "INT,INT,INT");
    h_fn("l3", "LEAST", 0, "INT", "INT,INT,INT");
    h_fn("gs", "GREATEST", 3, "STRING", "STRING,STRING");
    h_fn("gd", "GREATEST", 2, "DOUBLE", "DOUBLE,DOUBLE");
    h_fn("gb", "GREATEST", 4, "DECIMAL(5,2)", "DECIMAL(5,2),DECIMAL(5,2)");
    h_fn("lb", "LEAST", 5, "BYTES", "BYTES,BYTES");
    EXPECT("SELECT g3(1, NULL, 3)", "3");
    EXPECT("SELECT l3(NULL, 5, 2)", "2");
    EXPECT("SELECT g3(NULL, NULL, NULL)", "NULL");
    EXPECT("SELECT gs('apple', 'banana')", "banana");
    EXPECT("SELECT gd(1.0, nan())", "NaN");
    EXPECT("SELECT gb(dec('1.50'), dec('-2.25'))", "1.50");
    EXPECT("SELECT lb(x'01', x'ff')", "x'ff'"); /* bytes compare signed, as ByteBuffer does */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        H_TEST(test_abs_of_int_bigint_double_and_decimal),
        H_TEST(test_abs_of_min_int_overflows_like_java),
        H_TEST(test_ceil_and_floor_keep_the_decimal_scale),
        H_TEST(test_round_double_returns_bigint_with_halves_up),
        H_TEST(test_round_double_with_places_matches_math_json),
        H_TEST(test_round_of_nan_with_places_is_an_error),
        H_TEST(test_round_decimal_without_places_has_scale_zero),
        H_TEST(test_round_decimal_with_places_keeps_the_scale),
        H_TEST(test_trunc_truncates_towards_zero),
        H_TEST(test_sign_of_each_type),
        H_TEST(test_exp_ln_sqrt_match_java),
        H_TEST(test_log_is_natural_and_takes_a_custom_base),
        H_TEST(test_cbrt_and_power),
        H_TEST(test_trigonometric_functions),
        H_TEST(test_pi_and_random),
        H_TEST(test_greatest_and_least_skip_nulls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
