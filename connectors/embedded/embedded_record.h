/* embedded_record.h - storage formats of the embedded log (private to connectors/embedded).
 *
 * Record key (12 bytes): partition (4 bytes, big-endian) ‖ offset (8 bytes,
 * big-endian), so the keys of a partition are adjacent and in offset order.
 *
 * Record value, version 1:
 *   u8      version (1)
 *   i64     timestamp, ms since the epoch, big-endian
 *   varint  key length + 1 (0 = NULL key), then the key bytes and a NUL
 *   varint  value length + 1 (0 = NULL value), then the value bytes and a NUL
 *   varint  number of headers, then for each:
 *           varint name length, name bytes, a NUL;
 *           varint value length + 1 (0 = NULL), value bytes and a NUL
 * Varints are unsigned LEB128 (7 bits a byte, low first).  The NULs cost one
 * byte per field and let a fetched batch hand out C strings and NUL-terminated
 * keys and values that point straight into the copied value.
 */
#ifndef EDDY_CONNECTORS_EMBEDDED_RECORD_H
#define EDDY_CONNECTORS_EMBEDDED_RECORD_H

#include "connectors/log.h"

#include <stddef.h>
#include <stdint.h>

#define EDDY_EMB_KEY_LEN 12
#define EDDY_EMB_VALUE_VERSION 1

void eddy_emb_key_encode(unsigned char out[EDDY_EMB_KEY_LEN], int32_t partition,
                         int64_t offset);
/* Decodes a record key.  Returns 0, or EDDY_CORRUPT when len is not 12. */
int eddy_emb_key_decode(const void *key, size_t len, int32_t *partition, int64_t *offset);

void eddy_emb_put_be64(unsigned char out[8], int64_t v);
int64_t eddy_emb_get_be64(const unsigned char in[8]);

/* Exact size of rec's encoded value. */
size_t eddy_emb_value_size(const eddy_log_record *rec);
/* Writes rec's value, with timestamp in place of rec->timestamp, into out
 * (eddy_emb_value_size(rec) bytes).  Returns the number of bytes written. */
size_t eddy_emb_value_encode(const eddy_log_record *rec, int64_t timestamp,
                             unsigned char *out);
/* Decodes a value of n bytes at p into rec (offset untouched): key, value
 * and header names and values point into p.  When hdrs is NULL only
 * rec->header_count is set (rec->headers = NULL): a check and a count; else
 * the headers are written to hdrs[0 .. header_count) and rec->headers = hdrs.
 * Returns 0 or EDDY_CORRUPT (message in err). */
int eddy_emb_value_decode(const void *p, size_t n, eddy_log_record *rec,
                          eddy_log_header *hdrs, eddy_err *err);
/* Just the timestamp of an encoded value.  0 or EDDY_CORRUPT. */
int eddy_emb_value_timestamp(const void *p, size_t n, int64_t *timestamp);

#endif
