/* serde_kafka.c - the KAFKA format: one column written with Kafka's standard serializers.
 *
 * INT as IntegerSerializer (4 bytes, big-endian), BIGINT as LongSerializer (8
 * bytes), DOUBLE as DoubleSerializer (IEEE-754 bits, 8 bytes big-endian),
 * STRING as StringSerializer (UTF-8; invalid bytes read as U+FFFD, as Java's
 * decoder does), BYTES raw.  A NULL column is a null key or value.  A record
 * of the wrong size is EDDY_CORRUPT with Kafka's message, e.g. "Size of data
 * received by IntegerDeserializer is not 4".
 */
#include "schemas/serde_impl.h"

int serde_kafka_init(eddy_serde *s, eddy_err *err) {
    if (s->ncols > 1) {
        eddy_strbuf sb = EDDY_STRBUF_INIT;
        for (int i = 0; i < s->ncols; i++) {
            eddy_strbuf_printf(&sb, "%s`%s` ", i ? ", " : "", s->cols[i].name);
            eddy_type_format(s->cols[i].type, &sb);
        }
        eddy_err_set(err, EDDY_INVAL, "The 'KAFKA' format only supports a single field. Got: [%s]",
                     eddy_strbuf_cstr(&sb));
        eddy_strbuf_fini(&sb);
        return EDDY_INVAL;
    }
    for (int i = 0; i < s->ncols; i++) {
        switch (s->cols[i].type->ty_kind) {
        case EDDY_TYPE_INT:
        case EDDY_TYPE_BIGINT:
        case EDDY_TYPE_DOUBLE:
        case EDDY_TYPE_STRING:
        case EDDY_TYPE_BYTES: break;
        default:
            return eddy_err_set(err, EDDY_INVAL, "The 'KAFKA' format does not support type '%s', column: `%s`",
                                eddy_type_kind_name(s->cols[i].type->ty_kind), s->cols[i].name);
        }
    }
    return 0;
}

static uint64_t be_read(const unsigned char *p, size_t n) {
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++) u = (u << 8) | p[i];
    return u;
}

int serde_kafka_decode(const eddy_serde *s, const char *data, size_t len, unsigned flags, eddy_value *out,
                       eddy_arena *a, eddy_err *err) {
    const unsigned char *p = (const unsigned char *)data;
    bool borrow = (flags & EDDY_SERDE_BORROW) != 0;
    switch (s->cols[0].type->ty_kind) {
    case EDDY_TYPE_INT:
        if (len != 4) return eddy_err_set(err, EDDY_CORRUPT, "Size of data received by IntegerDeserializer is not 4");
        out[0] = eddy_value_int((int32_t)(uint32_t)be_read(p, 4));
        return 0;
    case EDDY_TYPE_BIGINT:
        if (len != 8) return eddy_err_set(err, EDDY_CORRUPT, "Size of data received by LongDeserializer is not 8");
        out[0] = eddy_value_bigint((int64_t)be_read(p, 8));
        return 0;
    case EDDY_TYPE_DOUBLE: {
        if (len != 8) return eddy_err_set(err, EDDY_CORRUPT, "Size of data received by Deserializer is not 8");
        uint64_t bits = be_read(p, 8);
        double d;
        memcpy(&d, &bits, sizeof d);
        out[0] = eddy_value_double(d);
        return 0;
    }
    case EDDY_TYPE_STRING: out[0] = serde_string_value(data, len, borrow, a); break;
    case EDDY_TYPE_BYTES:
        out[0] = borrow ? eddy_value_str(EDDY_V_BYTES, data, len) : eddy_value_str_copy(a, EDDY_V_BYTES, data, len);
        break;
    default: return eddy_err_set(err, EDDY_CORRUPT, "The 'KAFKA' format does not support this type");
    }
    return out[0].v_kind == EDDY_V_NULL ? eddy_err_set(err, EDDY_NOMEM, "out of memory") : 0;
}

static void be_write(eddy_strbuf *sb, uint64_t u, size_t n) {
    char *o = serde_reserve(sb, n);
    if (!o) return;
    for (size_t i = 0; i < n; i++) o[i] = (char)(u >> (8 * (n - 1 - i)));
    serde_commit(sb, o + n);
}

int serde_kafka_encode(const eddy_serde *s, const eddy_value *cols, eddy_strbuf *out, bool *is_null, eddy_err *err) {
    const eddy_value *v = &cols[0];
    if (v->v_kind == EDDY_V_NULL) {
        *is_null = true;
        return 0;
    }
    switch (s->cols[0].type->ty_kind) {
    case EDDY_TYPE_INT: be_write(out, (uint32_t)v->u.i, 4); return 0;
    case EDDY_TYPE_BIGINT: be_write(out, (uint64_t)v->u.i, 8); return 0;
    case EDDY_TYPE_DOUBLE: {
        double d = v->v_kind == EDDY_V_DOUBLE ? v->u.d : (double)v->u.i;
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        be_write(out, bits, 8);
        return 0;
    }
    case EDDY_TYPE_STRING:
    case EDDY_TYPE_BYTES:
        if (v->v_kind != EDDY_V_STRING && v->v_kind != EDDY_V_BYTES)
            return eddy_err_set(err, EDDY_INVAL, "KAFKA: value of column `%s` is not a string", s->cols[0].name);
        serde_put(out, v->u.s ? v->u.s : "", v->v_len);
        return 0;
    default: return eddy_err_set(err, EDDY_INVAL, "The 'KAFKA' format does not support this type");
    }
}
