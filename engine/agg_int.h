/* agg_int.h - internals shared by the aggregate implementations: their table entries and helpers (engine/agg*.c). */
#ifndef EDDY_ENGINE_AGG_INT_H
#define EDDY_ENGINE_AGG_INT_H

#include "engine/agg.h"

#include <stdbool.h>
#include <stdint.h>

/* The implementations, one per function (agg_basic.c, agg_collect.c,
 * agg_offset.c); agg.c lists them by name. */
extern const eddy_agg_def eddy_agg_impl_attr;
extern const eddy_agg_def eddy_agg_impl_avg;
extern const eddy_agg_def eddy_agg_impl_correlation;
extern const eddy_agg_def eddy_agg_impl_count;
extern const eddy_agg_def eddy_agg_impl_max;
extern const eddy_agg_def eddy_agg_impl_min;
extern const eddy_agg_def eddy_agg_impl_stddev_samp;
extern const eddy_agg_def eddy_agg_impl_sum;
extern const eddy_agg_def eddy_agg_impl_sum_list;
extern const eddy_agg_def eddy_agg_impl_collect_list;
extern const eddy_agg_def eddy_agg_impl_collect_set;
extern const eddy_agg_def eddy_agg_impl_count_distinct;
extern const eddy_agg_def eddy_agg_impl_histogram;
extern const eddy_agg_def eddy_agg_impl_topk;
extern const eddy_agg_def eddy_agg_impl_topkdistinct;
extern const eddy_agg_def eddy_agg_impl_earliest_by_offset;
extern const eddy_agg_def eddy_agg_impl_latest_by_offset;

/* ---- prepare helpers (agg.c) --------------------------------------------- */

/* ksqlDB's message for argument types no variant takes:
 *     Function 'SUM' does not accept parameters (BOOLEAN).
 *     Valid alternatives are:
 *     SUM(INT val)
 *     ...
 * Returns EDDY_ANALYSIS. */
int eddy_agg_refuse(const eddy_agg_call *call, eddy_err *err);
/* Sets call->result, taking over the reference t (NULL: EDDY_NOMEM). */
int eddy_agg_set_result(eddy_agg_call *call, eddy_type *t, eddy_err *err);
/* The kind of argument i's type, or -1 when it has none (a bare NULL). */
int eddy_agg_arg_kind(const eddy_agg_call *call, int i);
/* Argument i must be a literal (ksqlDB's message otherwise); *out its value
 * as an integer / boolean.  EDDY_ANALYSIS when not a literal or NULL. */
int eddy_agg_literal_int(const eddy_agg_call *call, int i, int64_t *out, eddy_err *err);
int eddy_agg_literal_bool(const eddy_agg_call *call, int i, bool *out, eddy_err *err);

/* ---- value helpers (agg.c) ----------------------------------------------- */

/* Java's compareTo for values of the same kind (Double.compare, String's
 * UTF-16 order, ByteBuffer's signed bytes, BigDecimal by value); other
 * pairs as eddy_value_compare (NULL first). */
int eddy_agg_cmp(const eddy_value *a, const eddy_value *b);
/* Java's equals for two values (NULL equals NULL; doubles as Double.equals). */
bool eddy_agg_eq(const eddy_value *a, const eddy_value *b);
/* Deep copy of v into a: 0 or EDDY_NOMEM. */
int eddy_agg_copy(eddy_arena *a, const eddy_value *v, eddy_value *out);
/* A container (ARRAY / STRUCT of n items, MAP of n entries) in a, items NULL.
 * 0 or EDDY_NOMEM. */
int eddy_agg_container(eddy_arena *a, eddy_vkind k, uint32_t n, eddy_value *out);
/* A numeric value (INT, BIGINT, DECIMAL, DOUBLE) as a double, as Java's
 * widening does (a DECIMAL correctly rounded). */
double eddy_agg_to_double(const eddy_value *v);
/* A numeric value as the kind `to` (INT, BIGINT or DOUBLE; widening only). */
eddy_value eddy_agg_widen(const eddy_value *v, eddy_vkind to);

#endif
