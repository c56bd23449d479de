/* value_bin.h - a compact, self-describing binary encoding of values: state store entries, changelogs, repartition records.
 *
 * Each value is a kind byte followed by its payload: nothing for NULL, a
 * zig-zag varint for BOOL/INT/BIGINT/DATE/TIME/TIMESTAMP, 8 little-endian
 * bytes for DOUBLE, scale + 16 bytes for DECIMAL, a varint length and the
 * bytes for STRING/BYTES, a varint count and the items for ARRAY/STRUCT, a
 * varint entry count and key, value pairs for MAP.  Struct field names are
 * not stored (the reader knows the type).  The encoding is for eddy's own
 * internal topics and stores only; it is not a public format.
 */
#ifndef EDDY_SCHEMAS_VALUE_BIN_H
#define EDDY_SCHEMAS_VALUE_BIN_H

#include "base/arena.h"
#include "base/error.h"
#include "base/strbuf.h"
#include "schemas/value.h"

#include <stddef.h>

/* Appends the n values to out.  0 or EDDY_NOMEM. */
int eddy_value_bin_encode(const eddy_value *vals, int n, eddy_strbuf *out);

/* Decodes n values from buf (len bytes) into vals; strings, decimals and
 * containers are allocated in a (strings may instead point into buf when
 * `borrow` is true: then buf must outlive the values).  *used (may be NULL)
 * receives the bytes consumed.  EDDY_CORRUPT when the bytes are not n
 * values, EDDY_NOMEM. */
int eddy_value_bin_decode(const void *buf, size_t len, eddy_value *vals, int n, eddy_arena *a, bool borrow,
                          size_t *used, eddy_err *err);

/* Varint helpers shared with the stores: unsigned LEB128. */
void eddy_varint_put(eddy_strbuf *out, uint64_t v);
/* Reads a varint at *p (< end); advances *p.  false when truncated. */
bool eddy_varint_get(const unsigned char **p, const unsigned char *end, uint64_t *v);

#endif
