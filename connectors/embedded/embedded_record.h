/* embedded_record.h - storage formats of the embedded log (private to connectors/embedded).
 *
 * Records are stored in batches, as Kafka stores record batches: the records
 * one write (a transaction, or a single produce) appends to one partition are
 * ONE RocksDB key/value pair, so a write costs one memtable insert per
 * partition rather than one per record.
 *
 * Batch key (12 bytes): partition (4 bytes, big-endian) ‖ offset of the
 * batch's FIRST record (8 bytes, big-endian), so the batches of a partition
 * are adjacent and in offset order.  A batch of count records holds offsets
 * first .. first + count - 1 (dense); the next batch starts at first + count.
 *
 * Batch value, version 2:
 *   u8      version (2)
 *   varint  count of records, >= 1
 *   count frames, in offset order, each:
 *           varint length of the record value, then the record value
 *
 * Record value (inside a frame), version 1:
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
#define EDDY_EMB_BATCH_VERSION 2
#define EDDY_EMB_BATCH_HEADER_MAX (1 + 10) /* version and the longest varint */

void eddy_emb_key_encode(unsigned char out[EDDY_EMB_KEY_LEN], int32_t partition,
                         int64_t offset);
/* Decodes a batch key (partition and first offset).  Returns 0, or EDDY_CORRUPT when len is not 12. */
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

/* ---- batches ---- */

/* Exact size of rec's frame (length varint and value). */
size_t eddy_emb_frame_size(const eddy_log_record *rec);
/* Writes rec's frame, with timestamp in place of rec->timestamp, into out
 * (eddy_emb_frame_size(rec) bytes).  Returns the number of bytes written. */
size_t eddy_emb_frame_encode(const eddy_log_record *rec, int64_t timestamp,
                             unsigned char *out);
/* Writes the header of a batch of count (>= 1) records into out; returns its
 * length (at most EDDY_EMB_BATCH_HEADER_MAX).  The frames follow it. */
size_t eddy_emb_batch_header(unsigned char out[EDDY_EMB_BATCH_HEADER_MAX], uint64_t count);
/* Reads the header of the batch value of n bytes at p: its record count in
 * *count and the position of the first frame in *pos.  0 or EDDY_CORRUPT
 * (bad version, count 0, or a count the bytes cannot hold). */
int eddy_emb_batch_open(const void *p, size_t n, uint64_t *count, size_t *pos);
/* Reads the frame at *pos of the batch value of n bytes at p: the record
 * value is at p + *rec_off, *rec_len bytes; *pos moves past it.  0 or
 * EDDY_CORRUPT when the frame is truncated. */
int eddy_emb_batch_next(const void *p, size_t n, size_t *pos, size_t *rec_off,
                        size_t *rec_len);

#endif
