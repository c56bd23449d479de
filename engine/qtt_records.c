/* qtt_records.c - the records of a conformance run: inputs produced to their topics, output topics compared.
 *
 * A record side (key or value) is written and read as upstream's test serdes
 * do, independently of eddy's own serdes, so that the runner checks them
 * rather than agreeing with them.  The topic's formats and columns come from
 * the source that uses the topic (for outputs preferably the sink of a
 * CREATE ... AS SELECT):
 *
 *   JSON       the record's JSON as text; numbers keep their exact text from
 *              the case file (12.30 stays 12.30).  Read back with exact
 *              number texts.
 *   DELIMITED  the record's string as it is (it already is the raw text);
 *              read back as a string.
 *   KAFKA      Kafka's serializers by the column's type: INT 4 bytes and
 *              BIGINT 8 bytes big-endian, DOUBLE IEEE-754 big-endian, STRING
 *              and BYTES the string's UTF-8 bytes; with no column, the string.
 *   NONE       no bytes (a null key/value).
 *   (no source) the JSON text.
 *
 *   AVRO       Confluent's wire format: the JSON value written with the
 *              latest schema registered under "<topic>-key|value" (ksqlDB's
 *              schema of the columns when there is none), as upstream's
 *              ConnectSerdeSupplier does; read back with the writer schema the
 *              record names (eddy_avro_to_json), decimals with exact texts.
 *
 * PROTOBUF, PROTOBUF_NOSR and JSON_SR records are not handled: the run is
 * skipped.  Windowed keys carry Kafka Streams' suffix: the window start
 * (time windows), or the window end then the start (session windows), each 8
 * bytes big-endian; a time window's end is its start plus the size.
 *
 * Comparison is upstream's (ExpectedRecordComparator, see README): objects
 * must have as many fields as expected, each expected field looked up as
 * written then upper-cased; arrays in order; non-integer numbers as decimals
 * (value and scale; an expected integer matches only a decimal without
 * fraction digits); strings, booleans and nulls equal.  One departure, as the
 * project decided: numbers of DOUBLE columns compare with an absolute
 * tolerance of 1e-6 whatever their text.  An expected output without a
 * timestamp leaves it unchecked (so does 0 in a case without inputs); one
 * without headers requires none.
 *
 * Every output topic is read in offset order.  Inputs go to partition 0, as
 * upstream's driver sends them; for an output topic of several partitions
 * the expected list must be an interleaving of the partitions' records
 * (each partition's order is kept).
 */
#include "engine/qtt_internal.h"

#include "schemas/registry.h"
#include "sql/catalog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- topics and their formats ---------------------------------------------------- */

typedef struct side {
    const char *format;       /* NULL: the topic has no source (JSON text) */
    int wrap_single;          /* -1 unset, 0, 1 */
    int ncols;
    const eddy_column **cols; /* borrowed from the catalog */
    eddy_type *row;           /* STRUCT of the columns (owned), for object comparisons */
    /* AVRO */
    bool is_key;
    const eddy_format_spec *fmt; /* borrowed from the catalog */
    const char *topic;
    eddy_registry *reg;       /* the engine's */
} side;

typedef struct topic_info {
    const char *topic;
    const eddy_source *src;   /* NULL when no source uses the topic */
    side key, value;
    eddy_window_type window;
    int64_t window_size;
} topic_info;

static void side_fini(side *s) {
    free(s->cols);
    eddy_type_unref(s->row);
    memset(s, 0, sizeof *s);
}

static void topic_info_fini(topic_info *ti) {
    side_fini(&ti->key);
    side_fini(&ti->value);
}

static bool is_key_col(const eddy_column *c) { return c->ns == EDDY_COL_KEY; }
static bool is_value_col(const eddy_column *c) { return c->ns == EDDY_COL_VALUE; }

static int side_init(side *s, const eddy_source *src, bool key) {
    const eddy_schema *sc = src->schema;
    memset(s, 0, sizeof *s);
    s->format = key ? src->key_fmt.format : src->value_fmt.format;
    s->wrap_single = key ? -1 : src->value_fmt.wrap_single;
    s->cols = calloc((size_t)sc->ncols + 1, sizeof *s->cols);
    if (!s->cols) return EDDY_NOMEM;
    for (int i = 0; i < sc->ncols; i++)
        if (key ? is_key_col(&sc->cols[i]) : is_value_col(&sc->cols[i])) s->cols[s->ncols++] = &sc->cols[i];
    const char **names = calloc((size_t)s->ncols + 1, sizeof *names);
    eddy_type **types = calloc((size_t)s->ncols + 1, sizeof *types);
    if (!names || !types) {
        free(names);
        free(types);
        return EDDY_NOMEM;
    }
    for (int i = 0; i < s->ncols; i++) {
        names[i] = s->cols[i]->name;
        types[i] = eddy_type_ref(s->cols[i]->type);
    }
    s->row = eddy_type_struct(s->ncols, names, types);
    free(names);
    free(types);
    return s->row ? 0 : EDDY_NOMEM;
}

/* The source whose topic this is: for outputs preferably a sink, for inputs
 * preferably not; otherwise the first by name.  NULL when none. */
static const eddy_source *topic_source(eddy_catalog *cat, const char *topic, bool prefer_sink) {
    int n;
    eddy_source *const *all = eddy_catalog_sources(cat, &n);
    const eddy_source *first = NULL;
    for (int i = 0; i < n; i++) {
        if (!all[i]->topic || strcmp(all[i]->topic, topic) != 0) continue;
        if (all[i]->is_sink == prefer_sink) return all[i];
        if (!first) first = all[i];
    }
    return first;
}

static int topic_info_init(topic_info *ti, eddy_engine *eng, const char *topic, bool output) {
    memset(ti, 0, sizeof *ti);
    ti->topic = topic;
    ti->src = topic_source(eddy_engine_catalog(eng), topic, output);
    if (!ti->src) return 0;
    ti->window = ti->src->window_type;
    ti->window_size = ti->src->window_size_ms;
    int rc = side_init(&ti->key, ti->src, true);
    if (rc == 0) rc = side_init(&ti->value, ti->src, false);
    if (rc) {
        topic_info_fini(ti);
        return rc;
    }
    for (int k = 0; k < 2; k++) {
        side *sd = k ? &ti->value : &ti->key;
        sd->is_key = !k;
        sd->fmt = k ? &ti->src->value_fmt : &ti->src->key_fmt;
        sd->topic = topic;
        sd->reg = eddy_engine_registry(eng);
    }
    return 0;
}

static bool format_is(const side *s, const char *name) { return s->format && strcasecmp(s->format, name) == 0; }

/* NULL when the runner can write and read the side's format, else its name. */
static const char *side_unsupported(const side *s) {
    if (!s->format || format_is(s, "JSON") || format_is(s, "DELIMITED") || format_is(s, "KAFKA") ||
        format_is(s, "NONE") || format_is(s, "AVRO"))
        return NULL;
    return s->format;
}

int eddy_qtt_records_supported(const eddy_qtt_run *run, eddy_engine *eng, char **skip) {
    static const char *const fields[] = {"inputs", "outputs"};
    for (int f = 0; f < 2 && !*skip; f++) {
        json_t *r;
        size_t i;
        json_array_foreach(json_object_get(run->tcase, fields[f]), i, r) {
            const char *topic = json_string_value(json_object_get(r, "topic"));
            topic_info ti;
            if (!topic) continue;
            if (topic_info_init(&ti, eng, topic, f == 1)) return EDDY_NOMEM;
            const char *k = side_unsupported(&ti.key), *v = side_unsupported(&ti.value);
            if (k || v) {
                if (asprintf(skip, "%s records (topic %s) not supported by the runner yet", k ? k : v, topic) < 0)
                    *skip = NULL;
                topic_info_fini(&ti);
                return *skip ? 0 : EDDY_NOMEM;
            }
            topic_info_fini(&ti);
        }
    }
    return 0;
}

/* ---- JSON text with exact numbers --------------------------------------------------- */

/* Where exact number texts come from: the run's case (expected values and
 * inputs) or a map parsed with an actual record. */
typedef struct numsrc {
    const eddy_qtt_run *run;
    json_t *numbers;
} numsrc;

static const char *exact_text(const numsrc *ns, const char *ptr) {
    if (ns->run) return eddy_qtt_number_text(ns->run, ptr);
    return ns->numbers ? json_string_value(json_object_get(ns->numbers, ptr)) : NULL;
}

/* The text of number v at ptr: its exact text when known, else printed. */
static const char *number_text(const numsrc *ns, json_t *v, const char *ptr, char *buf, size_t n) {
    const char *t = exact_text(ns, ptr);
    if (t) return t;
    if (json_is_integer(v)) snprintf(buf, n, "%lld", (long long)json_integer_value(v));
    else snprintf(buf, n, "%.17g", json_real_value(v));
    return buf;
}

static void ptr_push(eddy_strbuf *p, const char *key) {
    eddy_strbuf_putc(p, '/');
    for (const char *k = key; *k; k++) {
        if (*k == '~') eddy_strbuf_puts(p, "~0");
        else if (*k == '/') eddy_strbuf_puts(p, "~1");
        else eddy_strbuf_putc(p, *k);
    }
}

static void ptr_pop(eddy_strbuf *p, size_t at) {
    p->len = at;
    if (p->buf) p->buf[at] = '\0';
}

static void dump_string(const char *s, size_t len, eddy_strbuf *out) {
    json_t *j = json_stringn(s, len);
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    if (t) {
        eddy_strbuf_puts(out, t);
    } else {
        /* Not UTF-8: show the bytes. */
        eddy_strbuf_puts(out, "<bytes 0x");
        for (size_t i = 0; i < len; i++) eddy_strbuf_printf(out, "%02x", (unsigned char)s[i]);
        eddy_strbuf_putc(out, '>');
    }
    free(t);
    json_decref(j);
}

/* Appends v as compact JSON, numbers with their exact texts; ptr is v's
 * pointer (grown and restored while walking). */
static void dump_exact(json_t *v, const numsrc *ns, eddy_strbuf *ptr, eddy_strbuf *out) {
    char buf[64];
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        bool first = true;
        eddy_strbuf_putc(out, '{');
        json_object_foreach(v, k, x) {
            size_t at = ptr->len;
            if (!first) eddy_strbuf_putc(out, ',');
            first = false;
            dump_string(k, strlen(k), out);
            eddy_strbuf_putc(out, ':');
            ptr_push(ptr, k);
            dump_exact(x, ns, ptr, out);
            ptr_pop(ptr, at);
        }
        eddy_strbuf_putc(out, '}');
    } else if (json_is_array(v)) {
        eddy_strbuf_putc(out, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            size_t at = ptr->len;
            if (i) eddy_strbuf_putc(out, ',');
            eddy_strbuf_printf(ptr, "/%zu", i);
            dump_exact(json_array_get(v, i), ns, ptr, out);
            ptr_pop(ptr, at);
        }
        eddy_strbuf_putc(out, ']');
    } else if (json_is_number(v)) {
        eddy_strbuf_puts(out, number_text(ns, v, eddy_strbuf_cstr(ptr), buf, sizeof buf));
    } else if (json_is_string(v)) {
        dump_string(json_string_value(v), json_string_length(v), out);
    } else if (json_is_true(v)) {
        eddy_strbuf_puts(out, "true");
    } else if (json_is_false(v)) {
        eddy_strbuf_puts(out, "false");
    } else {
        eddy_strbuf_puts(out, "null");
    }
}

/* dump_exact of the case's value at pointer base ("/outputs/3/key"). */
static void dump_case_value(const eddy_qtt_run *run, json_t *v, const char *base, eddy_strbuf *out) {
    eddy_strbuf ptr = EDDY_STRBUF_INIT;
    numsrc ns = {run, NULL};
    eddy_strbuf_puts(&ptr, base);
    dump_exact(v, &ns, &ptr, out);
    eddy_strbuf_fini(&ptr);
}

/* ---- decimals ------------------------------------------------------------------------ */

/* A number text as BigDecimal sees it: sign, unscaled digits (no leading
 * zeros, "0" for zero) and scale. */
typedef struct decimal {
    bool neg;
    char digits[160];
    long scale;
} decimal;

static bool text_is_integer(const char *s) { return !strpbrk(s, ".eE"); }

static bool parse_decimal(const char *s, decimal *d) {
    size_t n = 0;
    long frac = 0, exp10 = 0;
    bool seen_dot = false, any = false;
    memset(d, 0, sizeof *d);
    if (*s == '-' || *s == '+') d->neg = *s++ == '-';
    for (; *s; s++) {
        if (*s == '.') {
            if (seen_dot) return false;
            seen_dot = true;
        } else if (isdigit((unsigned char)*s)) {
            any = true;
            if (n == 0 && *s == '0') {
                /* leading zero: drop it, still a fraction digit after the dot */
            } else {
                if (n + 1 >= sizeof d->digits) return false;
                d->digits[n++] = *s;
            }
            if (seen_dot) frac++;
        } else if (*s == 'e' || *s == 'E') {
            char *end;
            exp10 = strtol(s + 1, &end, 10);
            if (end == s + 1 || *end) return false;
            break;
        } else {
            return false;
        }
    }
    if (!any) return false;
    if (n == 0) {
        d->digits[n++] = '0';
        d->neg = false;
    }
    d->digits[n] = '\0';
    d->scale = frac - exp10;
    return true;
}

/* BigDecimal.equals: same unscaled value and scale. */
static bool decimal_equal(const decimal *a, const decimal *b) {
    return a->neg == b->neg && a->scale == b->scale && strcmp(a->digits, b->digits) == 0;
}

/* Same value whatever the scale (1.50 == 1.5 == 15E-1). */
static bool decimal_same_value(const decimal *a, const decimal *b) {
    decimal x = *a, y = *b;
    /* Strip trailing zeros of the unscaled digits. */
    decimal *v[2] = {&x, &y};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(v[i]->digits);
        while (n > 1 && v[i]->digits[n - 1] == '0') {
            v[i]->digits[--n] = '\0';
            v[i]->scale--;
        }
        if (strcmp(v[i]->digits, "0") == 0) v[i]->scale = 0;
    }
    return decimal_equal(&x, &y);
}

/* ---- comparing values --------------------------------------------------------------- */

typedef struct cmp_ctx {
    numsrc exp, act;
    eddy_strbuf eptr, aptr;  /* pointers of the values being compared */
    eddy_strbuf path;        /* display path */
    eddy_strbuf *why;
} cmp_ctx;

static void describe(cmp_ctx *c, json_t *v, bool actual, eddy_strbuf *out) {
    if (!v) {
        eddy_strbuf_puts(out, "nothing");
        return;
    }
    eddy_strbuf ptr = EDDY_STRBUF_INIT;
    eddy_strbuf_puts(&ptr, eddy_strbuf_cstr(actual ? &c->aptr : &c->eptr));
    dump_exact(v, actual ? &c->act : &c->exp, &ptr, out);
    eddy_strbuf_fini(&ptr);
}

static bool differ(cmp_ctx *c, json_t *exp, json_t *act, const char *what) {
    if (!c->why) return false;
    eddy_strbuf_printf(c->why, "%s: %s", c->path.len ? eddy_strbuf_cstr(&c->path) : "(whole)", what ? what : "");
    if (!what) {
        eddy_strbuf_puts(c->why, "expected ");
        describe(c, exp, false, c->why);
        eddy_strbuf_puts(c->why, ", got ");
        describe(c, act, true, c->why);
    }
    return false;
}

static const eddy_type *field_type(const eddy_type *t, const char *name) {
    if (!t) return NULL;
    if (t->ty_kind == EDDY_TYPE_MAP) return t->ty_elem;
    if (t->ty_kind != EDDY_TYPE_STRUCT) return NULL;
    for (int i = 0; i < t->ty_nfields; i++)
        if (strcmp(t->ty_fields[i].name, name) == 0) return t->ty_fields[i].type;
    for (int i = 0; i < t->ty_nfields; i++)
        if (strcasecmp(t->ty_fields[i].name, name) == 0) return t->ty_fields[i].type;
    return NULL;
}

static bool cmp_value(cmp_ctx *c, json_t *exp, json_t *act, const eddy_type *t);

static bool cmp_number(cmp_ctx *c, json_t *exp, json_t *act, const eddy_type *t) {
    char eb[64], ab[64];
    if (!json_is_number(act)) return differ(c, exp, act, NULL);
    const char *et = number_text(&c->exp, exp, eddy_strbuf_cstr(&c->eptr), eb, sizeof eb);
    const char *at = number_text(&c->act, act, eddy_strbuf_cstr(&c->aptr), ab, sizeof ab);
    if (t && t->ty_kind == EDDY_TYPE_DOUBLE) {
        double d = strtod(et, NULL) - strtod(at, NULL);
        return (d < 0 ? -d : d) < 1e-6 ? true : differ(c, exp, act, NULL);
    }
    decimal e, a;
    if (!parse_decimal(et, &e) || !parse_decimal(at, &a)) return strcmp(et, at) == 0 ? true : differ(c, exp, act, NULL);
    bool ok;
    if (text_is_integer(at)) {
        /* An integer (Integer / Long): equal in value. */
        ok = decimal_same_value(&e, &a);
    } else if (text_is_integer(et)) {
        /* A decimal against an integer literal: only without fraction digits. */
        ok = a.scale <= 0 && decimal_same_value(&e, &a);
    } else {
        ok = decimal_equal(&e, &a);
    }
    if (ok) return true;
    differ(c, exp, act, NULL);
    if (c->why && !text_is_integer(at) && !text_is_integer(et) && decimal_same_value(&e, &a))
        eddy_strbuf_puts(c->why, " (same value, another scale)");
    return false;
}

static bool cmp_object(cmp_ctx *c, json_t *exp, json_t *act, const eddy_type *t) {
    if (!json_is_object(act)) return differ(c, exp, act, NULL);
    if (json_object_size(act) != json_object_size(exp)) {
        if (c->why) {
            differ(c, exp, act, "");
            eddy_strbuf_printf(c->why, "expected %zu fields, got %zu: expected ", json_object_size(exp),
                               json_object_size(act));
            describe(c, exp, false, c->why);
            eddy_strbuf_puts(c->why, ", got ");
            describe(c, act, true, c->why);
        }
        return false;
    }
    const char *k;
    json_t *ev;
    json_object_foreach(exp, k, ev) {
        const char *ak = k;
        char *upper = NULL;
        json_t *av = json_object_get(act, k);
        if (!av) {
            upper = strdup(k);
            if (!upper) return false;
            for (char *p = upper; *p; p++) *p = (char)toupper((unsigned char)*p);
            av = json_object_get(act, upper);
            if (av) ak = upper;
        }
        size_t e_at = c->eptr.len, a_at = c->aptr.len, p_at = c->path.len;
        ptr_push(&c->eptr, k);
        ptr_push(&c->aptr, ak);
        eddy_strbuf_printf(&c->path, "%s%s", c->path.len ? "." : "", k);
        bool ok = cmp_value(c, ev, av, field_type(t, k));
        ptr_pop(&c->eptr, e_at);
        ptr_pop(&c->aptr, a_at);
        ptr_pop(&c->path, p_at);
        free(upper);
        if (!ok) return false;
    }
    return true;
}

static bool cmp_array(cmp_ctx *c, json_t *exp, json_t *act, const eddy_type *t) {
    if (!json_is_array(act) || json_array_size(act) != json_array_size(exp)) return differ(c, exp, act, NULL);
    const eddy_type *et = t && t->ty_kind == EDDY_TYPE_ARRAY ? t->ty_elem : NULL;
    for (size_t i = 0; i < json_array_size(exp); i++) {
        size_t e_at = c->eptr.len, a_at = c->aptr.len, p_at = c->path.len;
        eddy_strbuf_printf(&c->eptr, "/%zu", i);
        eddy_strbuf_printf(&c->aptr, "/%zu", i);
        eddy_strbuf_printf(&c->path, "[%zu]", i);
        bool ok = cmp_value(c, json_array_get(exp, i), json_array_get(act, i), et);
        ptr_pop(&c->eptr, e_at);
        ptr_pop(&c->aptr, a_at);
        ptr_pop(&c->path, p_at);
        if (!ok) return false;
    }
    return true;
}

static bool cmp_value(cmp_ctx *c, json_t *exp, json_t *act, const eddy_type *t) {
    if (!exp || json_is_null(exp)) return !act || json_is_null(act) ? true : differ(c, exp, act, NULL);
    if (json_is_object(exp)) return cmp_object(c, exp, act, t);
    if (json_is_array(exp)) return cmp_array(c, exp, act, t);
    if (json_is_number(exp)) return cmp_number(c, exp, act, t);
    if (json_is_boolean(exp)) return json_is_boolean(act) && json_is_true(exp) == json_is_true(act)
                                         ? true
                                         : differ(c, exp, act, NULL);
    /* A string: equal to a string, or the text of a decimal. */
    if (json_is_string(act)) return json_equal(exp, act) ? true : differ(c, exp, act, NULL);
    if (json_is_number(act)) {
        char ab[64];
        const char *at = number_text(&c->act, act, eddy_strbuf_cstr(&c->aptr), ab, sizeof ab);
        decimal e, a;
        if (!text_is_integer(at) && parse_decimal(json_string_value(exp), &e) && parse_decimal(at, &a) &&
            decimal_equal(&e, &a))
            return true;
    }
    return differ(c, exp, act, NULL);
}

bool eddy_qtt_value_matches(const eddy_qtt_run *run, json_t *exp, const char *exp_ptr, json_t *act,
                            json_t *act_numbers, const char *act_ptr, const eddy_type *t, const char *path,
                            eddy_strbuf *why) {
    cmp_ctx c = {.exp = {run, NULL}, .act = {NULL, act_numbers}, .why = why};
    eddy_strbuf_puts(&c.eptr, exp_ptr ? exp_ptr : "");
    eddy_strbuf_puts(&c.aptr, act_ptr ? act_ptr : "");
    eddy_strbuf_puts(&c.path, path ? path : "");
    bool ok = cmp_value(&c, exp, act, t);
    eddy_strbuf_fini(&c.eptr);
    eddy_strbuf_fini(&c.aptr);
    eddy_strbuf_fini(&c.path);
    return ok;
}

/* ---- serializing inputs ------------------------------------------------------------ */

static void put_be(eddy_strbuf *out, uint64_t v, int n) {
    for (int i = n - 1; i >= 0; i--) eddy_strbuf_putc(out, (char)(v >> (8 * i) & 0xff));
}

static int b64_val(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* Decodes base64 text (standard or URL alphabet, padding optional) into out. */
static bool b64_decode(const char *s, eddy_strbuf *out) {
    unsigned acc = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        int v = b64_val((unsigned char)*s);
        if (v < 0) return false;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            eddy_strbuf_putc(out, (char)(acc >> bits & 0xff));
        }
    }
    return true;
}

static void b64_encode(const unsigned char *p, size_t n, eddy_strbuf *out) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        eddy_strbuf_putc(out, tab[v >> 18 & 63]);
        eddy_strbuf_putc(out, tab[v >> 12 & 63]);
        eddy_strbuf_putc(out, i + 1 < n ? tab[v >> 6 & 63] : '=');
        eddy_strbuf_putc(out, i + 2 < n ? tab[v & 63] : '=');
    }
}

static const char *case_number(void *ud, const char *pointer) {
    return eddy_qtt_number_text((const eddy_qtt_run *)ud, pointer);
}

/* AVRO: spec written with the latest schema of the side's subject (ksqlDB's
 * schema of the columns, registered now, when the subject has none). */
static bool encode_avro(const eddy_qtt_run *run, const side *s, json_t *spec, const char *ptr, eddy_strbuf *out,
                        eddy_strbuf *msg) {
    char *subject = eddy_registry_subject(s->topic, s->is_key);
    const eddy_avro_schema *schema;
    int32_t id = 0;
    eddy_err err;
    int rc;
    eddy_err_clear(&err);
    if (!subject || !s->reg) {
        eddy_strbuf_puts(msg, subject ? "no schema registry" : "out of memory");
        free(subject);
        return false;
    }
    rc = eddy_registry_latest(s->reg, subject, &id, NULL, NULL, &err);
    if (rc == EDDY_NOTFOUND) {
        eddy_column *cols = calloc((size_t)s->ncols + 1, sizeof *cols);
        eddy_strbuf text = EDDY_STRBUF_INIT;
        eddy_err_clear(&err);
        rc = cols ? 0 : eddy_err_set(&err, EDDY_NOMEM, "out of memory");
        for (int i = 0; i < s->ncols && cols; i++) cols[i] = *s->cols[i];
        if (!rc)
            rc = eddy_avro_schema_of_columns(cols, s->ncols, s->ncols == 1 && (s->is_key || s->wrap_single == 0),
                                             s->fmt ? s->fmt->schema_full_name : NULL, &text, &err);
        if (!rc) rc = eddy_registry_register(s->reg, subject, eddy_strbuf_cstr(&text), 0, &id, NULL, &err);
        eddy_strbuf_fini(&text);
        free(cols);
    }
    free(subject);
    if (!rc) rc = eddy_registry_avro(s->reg, id, &schema, &err);
    if (!rc) {
        eddy_avro_wire_header(out, id);
        rc = eddy_avro_from_json(schema, spec, ptr, case_number, (void *)run, out, &err);
    }
    if (rc) eddy_strbuf_printf(msg, "%s", err.msg);
    return rc == 0;
}

/* Serializes spec (the record's key or value at pointer ptr) for side s into
 * out; *is_null for a null key/value.  false with a message in msg when
 * upstream's serializer would refuse it. */
static bool encode_side(const eddy_qtt_run *run, const side *s, json_t *spec, const char *ptr, eddy_strbuf *out,
                        bool *is_null, eddy_strbuf *msg) {
    *is_null = false;
    if (!spec || json_is_null(spec) || format_is(s, "NONE")) {
        *is_null = true;
        return true;
    }
    if (format_is(s, "AVRO")) return encode_avro(run, s, spec, ptr, out, msg);
    bool kafka = format_is(s, "KAFKA");
    if (json_is_string(spec) && (format_is(s, "DELIMITED") || (kafka && s->ncols != 1))) {
        eddy_strbuf_append(out, json_string_value(spec), json_string_length(spec));
        return true;
    }
    if (!kafka || s->ncols != 1) {
        /* JSON, a topic without a source, or a string format given another value: the JSON text. */
        dump_case_value(run, spec, ptr, out);
        return true;
    }
    const eddy_type *t = s->cols[0]->type;
    numsrc ns = {run, NULL};
    char buf[64];
    switch (t->ty_kind) {
    case EDDY_TYPE_INT:
        if (!json_is_integer(spec) || json_integer_value(spec) < INT32_MIN || json_integer_value(spec) > INT32_MAX) {
            eddy_strbuf_puts(msg, "the KAFKA serializer of an INT needs an integer");
            return false;
        }
        put_be(out, (uint32_t)(int32_t)json_integer_value(spec), 4);
        return true;
    case EDDY_TYPE_BIGINT:
    case EDDY_TYPE_DOUBLE: {
        if (!json_is_number(spec)) {
            eddy_strbuf_printf(msg, "Can't serialize %s as %s", json_is_string(spec) ? json_string_value(spec) : "it",
                               t->ty_kind == EDDY_TYPE_BIGINT ? "Long" : "Double");
            return false;
        }
        const char *text = number_text(&ns, spec, ptr, buf, sizeof buf);
        if (t->ty_kind == EDDY_TYPE_BIGINT) {
            put_be(out, (uint64_t)(json_is_integer(spec) ? (int64_t)json_integer_value(spec) : (int64_t)strtod(text, NULL)),
                   8);
        } else {
            double d = strtod(text, NULL);
            uint64_t bits;
            memcpy(&bits, &d, sizeof bits);
            put_be(out, bits, 8);
        }
        return true;
    }
    case EDDY_TYPE_STRING:
    case EDDY_TYPE_BYTES:
        if (!json_is_string(spec)) {
            eddy_strbuf_printf(msg, "the KAFKA serializer of a %s needs a string", eddy_type_kind_name(t->ty_kind));
            return false;
        }
        eddy_strbuf_append(out, json_string_value(spec), json_string_length(spec));
        return true;
    default:
        eddy_strbuf_printf(msg, "Unsupported type for KAFKA format: %s", eddy_type_kind_name(t->ty_kind));
        return false;
    }
}

/* Kafka Streams' windowed key suffix.  Time windows: start; session
 * windows: end then start. */
static bool append_window(json_t *w, eddy_window_type wt, eddy_strbuf *out, eddy_strbuf *msg) {
    json_t *start = json_object_get(w, "start"), *end = json_object_get(w, "end");
    const char *type = json_string_value(json_object_get(w, "type"));
    bool session = wt == EDDY_WT_SESSION || (wt == EDDY_WT_NONE && type && strcasecmp(type, "session") == 0);
    if (!json_is_integer(start) || (session && !json_is_integer(end))) {
        eddy_strbuf_puts(msg, "a window needs integer start (and end)");
        return false;
    }
    if (session) put_be(out, (uint64_t)json_integer_value(end), 8);
    put_be(out, (uint64_t)json_integer_value(start), 8);
    return true;
}

typedef struct header_list {
    eddy_log_header *h;
    size_t n;
    eddy_strbuf *vals; /* one buffer per header */
} header_list;

static void header_list_fini(header_list *hl) {
    for (size_t i = 0; i < hl->n; i++) eddy_strbuf_fini(&hl->vals[i]);
    free(hl->vals);
    free(hl->h);
    memset(hl, 0, sizeof *hl);
}

/* The headers of a record: [{"KEY": name, "VALUE": base64 or null}]. */
static bool decode_headers(json_t *arr, header_list *hl, eddy_strbuf *msg) {
    size_t n = json_array_size(arr);
    memset(hl, 0, sizeof *hl);
    if (!n) return true;
    hl->h = calloc(n, sizeof *hl->h);
    hl->vals = calloc(n, sizeof *hl->vals);
    if (!hl->h || !hl->vals) {
        eddy_strbuf_puts(msg, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(arr, i);
        const char *name = json_string_value(json_object_get(x, "KEY"));
        json_t *val = json_object_get(x, "VALUE");
        hl->n = i + 1;
        if (!name) {
            eddy_strbuf_printf(msg, "header %zu has no KEY", i);
            return false;
        }
        hl->h[i].name = name;
        if (json_is_string(val)) {
            if (!b64_decode(json_string_value(val), &hl->vals[i])) {
                eddy_strbuf_printf(msg, "header %s: VALUE is not base64", name);
                return false;
            }
            eddy_strbuf_puts(&hl->vals[i], "");
            hl->h[i].value = eddy_strbuf_cstr(&hl->vals[i]);
            hl->h[i].value_len = hl->vals[i].len;
        }
    }
    return true;
}

int eddy_qtt_records_produce(const eddy_qtt_run *run, eddy_engine *eng, eddy_strbuf *diff, eddy_err *err) {
    eddy_log *log = eddy_engine_log(eng);
    json_t *r;
    size_t i;
    int rc = 0;
    json_array_foreach(json_object_get(run->tcase, "inputs"), i, r) {
        const char *topic = json_string_value(json_object_get(r, "topic"));
        json_t *ts = json_object_get(r, "timestamp"), *w = json_object_get(r, "window");
        eddy_strbuf k = EDDY_STRBUF_INIT, v = EDDY_STRBUF_INIT, msg = EDDY_STRBUF_INIT;
        header_list hl = {0};
        topic_info ti;
        bool knull, vnull, ok;
        char kptr[48], vptr[48];
        if (!topic) {
            eddy_strbuf_printf(diff, "    input %zu has no topic\n", i);
            continue;
        }
        if (topic_info_init(&ti, eng, topic, false)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
        snprintf(kptr, sizeof kptr, "/inputs/%zu/key", i);
        snprintf(vptr, sizeof vptr, "/inputs/%zu/value", i);
        ok = encode_side(run, &ti.key, json_object_get(r, "key"), kptr, &k, &knull, &msg);
        if (ok && !knull && json_is_object(w)) ok = append_window(w, ti.window, &k, &msg);
        if (ok) ok = encode_side(run, &ti.value, json_object_get(r, "value"), vptr, &v, &vnull, &msg);
        if (ok) ok = decode_headers(json_object_get(r, "headers"), &hl, &msg);
        if (ok && (k.failed || v.failed)) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        if (ok && rc == 0) {
            eddy_log_record rec = {0};
            rec.timestamp = json_is_integer(ts) ? (int64_t)json_integer_value(ts) : 0;
            rec.key = knull ? NULL : (k.buf ? k.buf : "");
            rec.key_len = knull ? 0 : k.len;
            rec.value = vnull ? NULL : (v.buf ? v.buf : "");
            rec.value_len = vnull ? 0 : v.len;
            rec.headers = hl.h;
            rec.header_count = hl.n;
            rc = eddy_log_produce(log, topic, 0, &rec, 0, NULL, NULL, err);
        } else if (!ok) {
            eddy_strbuf_printf(diff, "    input %zu (topic %s): cannot serialize it: %s\n", i, topic,
                               eddy_strbuf_cstr(&msg));
        }
        header_list_fini(&hl);
        topic_info_fini(&ti);
        eddy_strbuf_fini(&k);
        eddy_strbuf_fini(&v);
        eddy_strbuf_fini(&msg);
        if (rc) return rc;
    }
    return 0;
}

/* ---- reading outputs --------------------------------------------------------------- */

typedef struct out_header {
    char *name;
    unsigned char *value; /* NULL: null value */
    size_t len;
} out_header;

typedef struct out_rec {
    int32_t partition;
    int64_t offset, ts;
    unsigned char *key, *value; /* NULL: null */
    size_t key_len, value_len;
    size_t nheaders;
    out_header *headers;
} out_rec;

typedef struct out_list {
    out_rec *r;
    size_t n, cap;
} out_list;

static void out_list_fini(out_list *l) {
    for (size_t i = 0; i < l->n; i++) {
        free(l->r[i].key);
        free(l->r[i].value);
        for (size_t h = 0; h < l->r[i].nheaders; h++) {
            free(l->r[i].headers[h].name);
            free(l->r[i].headers[h].value);
        }
        free(l->r[i].headers);
    }
    free(l->r);
    memset(l, 0, sizeof *l);
}

static unsigned char *dup_bytes(const void *p, size_t n, bool *nomem) {
    if (!p) return NULL;
    unsigned char *c = malloc(n + 1);
    if (!c) {
        *nomem = true;
        return NULL;
    }
    memcpy(c, p, n);
    c[n] = '\0';
    return c;
}

/* Every record of one partition, in offset order, appended to l. */
static int read_partition(eddy_log *log, const char *topic, int32_t p, out_list *l, eddy_err *err) {
    eddy_log_batch b;
    int64_t pos = 0, end = 0;
    int rc;
    if ((rc = eddy_log_partition_offsets(log, topic, p, &pos, &end, err))) return rc;
    eddy_log_batch_init(&b);
    while (pos < end) {
        if ((rc = eddy_log_fetch(log, topic, p, pos, 1000, 0, &b, err))) break;
        if (b.count == 0) break;
        for (size_t i = 0; i < b.count; i++) {
            const eddy_log_record *x = &b.records[i];
            bool nomem = false;
            if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                out_rec *v = realloc(l->r, cap * sizeof *v);
                if (!v) {
                    rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
                    goto done;
                }
                l->r = v;
                l->cap = cap;
            }
            out_rec *o = &l->r[l->n++];
            memset(o, 0, sizeof *o);
            o->partition = p;
            o->offset = x->offset;
            o->ts = x->timestamp;
            o->key = dup_bytes(x->key, x->key_len, &nomem);
            o->key_len = x->key_len;
            o->value = dup_bytes(x->value, x->value_len, &nomem);
            o->value_len = x->value_len;
            if (x->header_count) {
                o->headers = calloc(x->header_count, sizeof *o->headers);
                if (!o->headers) nomem = true;
                for (size_t h = 0; o->headers && h < x->header_count; h++) {
                    o->nheaders = h + 1;
                    o->headers[h].name = strdup(x->headers[h].name);
                    o->headers[h].value = dup_bytes(x->headers[h].value, x->headers[h].value_len, &nomem);
                    o->headers[h].len = x->headers[h].value_len;
                    if (!o->headers[h].name) nomem = true;
                }
            }
            if (nomem) {
                rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
                goto done;
            }
        }
        pos = b.next_offset;
    }
done:
    eddy_log_batch_fini(&b);
    return rc;
}

/* ---- decoding outputs ---------------------------------------------------------------- */

/* One side of an actual record as upstream's test deserializer sees it. */
typedef struct decoded {
    json_t *v;        /* the value (json null for a null key/value); NULL when it did not decode */
    json_t *numbers;  /* exact number texts (JSON), may be NULL */
    const eddy_type *t; /* the type to compare with (NULL: untyped) */
    eddy_strbuf text; /* display */
} decoded;

static void decoded_fini(decoded *d) {
    json_decref(d->v);
    json_decref(d->numbers);
    eddy_strbuf_fini(&d->text);
    memset(d, 0, sizeof *d);
}

static int64_t get_be(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = v << 8 | p[i];
    return (int64_t)v;
}

/* AVRO: the record read with the writer schema its header names. */
static void decode_avro(const side *s, const unsigned char *bytes, size_t len, decoded *d) {
    const unsigned char *body;
    size_t blen;
    int32_t id;
    const eddy_avro_schema *schema;
    eddy_err err;
    eddy_err_clear(&err);
    if (eddy_avro_wire_split(bytes, len, &id, &body, &blen, &err) == 0 && s->reg &&
        eddy_registry_avro(s->reg, id, &schema, &err) == 0 &&
        eddy_avro_to_json(schema, body, blen, &d->v, &d->numbers, &err) == 0) {
        eddy_strbuf ptr = EDDY_STRBUF_INIT;
        numsrc ns = {NULL, d->numbers};
        eddy_strbuf_puts(&ptr, "");
        dump_exact(d->v, &ns, &ptr, &d->text);
        eddy_strbuf_fini(&ptr);
        return;
    }
    d->v = NULL;
    eddy_strbuf_printf(&d->text, "<%zu bytes 0x", len);
    for (size_t i = 0; i < len && i < 64; i++) eddy_strbuf_printf(&d->text, "%02x", bytes[i]);
    eddy_strbuf_printf(&d->text, "%s (not Avro: %s)>", len > 64 ? "..." : "", s->reg ? err.msg : "no registry");
}

static void decode_side(const side *s, const unsigned char *bytes, size_t len, decoded *d) {
    memset(d, 0, sizeof *d);
    if (!bytes || format_is(s, "NONE")) {
        d->v = json_null();
        eddy_strbuf_puts(&d->text, bytes ? "<bytes in a NONE side>" : "null");
        return;
    }
    bool kafka = format_is(s, "KAFKA");
    if (format_is(s, "AVRO")) {
        decode_avro(s, bytes, len, d);
        return;
    }
    if (!s->format || format_is(s, "JSON")) {
        eddy_err err;
        eddy_err_clear(&err);
        eddy_strbuf_append(&d->text, (const char *)bytes, len);
        if (eddy_qtt_parse((const char *)bytes, len, &d->v, &d->numbers, &err)) {
            d->v = NULL;
            eddy_strbuf_reset(&d->text);
            dump_string((const char *)bytes, len, &d->text);
            eddy_strbuf_printf(&d->text, " (not JSON: %s)", err.msg);
        }
        return;
    }
    if (!kafka || s->ncols != 1) {
        d->v = json_stringn((const char *)bytes, len);
        dump_string((const char *)bytes, len, &d->text);
        return;
    }
    const eddy_type *t = s->cols[0]->type;
    d->t = t;
    switch (t->ty_kind) {
    case EDDY_TYPE_INT:
        if (len == 4) d->v = json_integer((int32_t)get_be(bytes, 4));
        break;
    case EDDY_TYPE_BIGINT:
        if (len == 8) d->v = json_integer(get_be(bytes, 8));
        break;
    case EDDY_TYPE_DOUBLE:
        if (len == 8) {
            uint64_t bits = (uint64_t)get_be(bytes, 8);
            double x;
            memcpy(&x, &bits, sizeof x);
            d->v = json_real(x);
        }
        break;
    default:
        d->v = json_stringn((const char *)bytes, len);
        break;
    }
    if (d->v) {
        char *t2 = json_dumps(d->v, JSON_ENCODE_ANY | JSON_COMPACT);
        eddy_strbuf_puts(&d->text, t2 ? t2 : "?");
        free(t2);
    } else {
        eddy_strbuf_printf(&d->text, "<%zu bytes 0x", len);
        for (size_t i = 0; i < len; i++) eddy_strbuf_printf(&d->text, "%02x", bytes[i]);
        eddy_strbuf_printf(&d->text, ", not a KAFKA %s>", eddy_type_kind_name(t->ty_kind));
    }
}

/* The type an expected side value compares with: the single column's for a
 * bare (unwrapped) value, the row's for an object of columns. */
static const eddy_type *side_type(const side *s, bool is_key, json_t *exp) {
    if (!s->format || s->ncols == 0) return NULL;
    if (!format_is(s, "JSON") && !format_is(s, "AVRO")) return s->ncols == 1 ? s->cols[0]->type : NULL;
    if (s->ncols > 1) return s->row;
    const eddy_column *c = s->cols[0];
    if (is_key || s->wrap_single == 0) return c->type;
    if (!json_is_object(exp)) return c->type;
    bool nested = c->type->ty_kind == EDDY_TYPE_STRUCT || c->type->ty_kind == EDDY_TYPE_MAP;
    if (!nested) return s->row;
    /* An object and a STRUCT/MAP column: wrapped when its only field names the column. */
    const char *k;
    json_t *v;
    if (json_object_size(exp) == 1) json_object_foreach(exp, k, v) if (strcasecmp(k, c->name) == 0) return s->row;
    return c->type;
}

/* ---- comparing records --------------------------------------------------------------- */

typedef struct rec_view {
    decoded key, value;
    bool windowed;           /* the key had a window suffix stripped */
    int64_t wstart, wend;
    bool window_bad;         /* too short for a window */
} rec_view;

static void rec_view_fini(rec_view *v) {
    decoded_fini(&v->key);
    decoded_fini(&v->value);
}

static void view_record(const topic_info *ti, const out_rec *a, rec_view *v) {
    size_t klen = a->key_len;
    memset(v, 0, sizeof *v);
    if (a->key && ti->window != EDDY_WT_NONE) {
        size_t suffix = ti->window == EDDY_WT_SESSION ? 16 : 8;
        if (klen < suffix) {
            v->window_bad = true;
        } else {
            klen -= suffix;
            v->windowed = true;
            if (ti->window == EDDY_WT_SESSION) {
                v->wend = get_be(a->key + klen, 8);
                v->wstart = get_be(a->key + klen + 8, 8);
            } else {
                v->wstart = get_be(a->key + klen, 8);
                v->wend = v->wstart + ti->window_size;
            }
        }
    }
    decode_side(&ti->key, a->key, klen, &v->key);
    decode_side(&ti->value, a->value, a->value_len, &v->value);
}

static void describe_actual(const topic_info *ti, const out_rec *a, const rec_view *v, eddy_strbuf *out) {
    eddy_strbuf_printf(out, "key %s", eddy_strbuf_cstr(&v->key.text));
    if (v->windowed)
        eddy_strbuf_printf(out, " window [%lld, %lld] %s", (long long)v->wstart, (long long)v->wend,
                           ti->window == EDDY_WT_SESSION ? "session" : "time");
    eddy_strbuf_printf(out, ", value %s, timestamp %lld", eddy_strbuf_cstr(&v->value.text), (long long)a->ts);
    if (a->nheaders) {
        eddy_strbuf_puts(out, ", headers [");
        for (size_t h = 0; h < a->nheaders; h++) {
            eddy_strbuf_printf(out, "%s{KEY=%s, VALUE=", h ? ", " : "", a->headers[h].name);
            if (a->headers[h].value) b64_encode(a->headers[h].value, a->headers[h].len, out);
            else eddy_strbuf_puts(out, "null");
            eddy_strbuf_putc(out, '}');
        }
        eddy_strbuf_putc(out, ']');
    }
}

static void describe_expected(const eddy_qtt_run *run, json_t *e, size_t idx, eddy_strbuf *out) {
    char ptr[48];
    json_t *w = json_object_get(e, "window"), *ts = json_object_get(e, "timestamp"), *h = json_object_get(e, "headers");
    snprintf(ptr, sizeof ptr, "/outputs/%zu/key", idx);
    eddy_strbuf_puts(out, "key ");
    json_t *k = json_object_get(e, "key");
    if (k) dump_case_value(run, k, ptr, out);
    else eddy_strbuf_puts(out, "null");
    if (json_is_object(w))
        eddy_strbuf_printf(out, " window [%lld, %lld] %s", (long long)json_integer_value(json_object_get(w, "start")),
                           (long long)json_integer_value(json_object_get(w, "end")),
                           json_string_value(json_object_get(w, "type")) ? json_string_value(json_object_get(w, "type"))
                                                                         : "?");
    snprintf(ptr, sizeof ptr, "/outputs/%zu/value", idx);
    eddy_strbuf_puts(out, ", value ");
    dump_case_value(run, json_object_get(e, "value"), ptr, out);
    if (json_is_integer(ts)) eddy_strbuf_printf(out, ", timestamp %lld", (long long)json_integer_value(ts));
    if (json_is_array(h)) {
        char *t = json_dumps(h, JSON_COMPACT);
        eddy_strbuf_printf(out, ", headers %s", t ? t : "?");
        free(t);
    }
}

/* Whether actual record a matches expected output idx (e); the first
 * difference goes to why (may be NULL). */
static bool record_matches(const eddy_qtt_run *run, const topic_info *ti, json_t *e, size_t idx, const out_rec *a,
                           bool no_inputs, eddy_strbuf *why) {
    rec_view v;
    char eptr[48];
    bool ok = true;
    json_t *w = json_object_get(e, "window");
    json_t *ek = json_object_get(e, "key"), *ev = json_object_get(e, "value");
    json_t *ts = json_object_get(e, "timestamp"), *eh = json_object_get(e, "headers");
    view_record(ti, a, &v);

    if (json_is_object(w)) {
        const char *type = json_string_value(json_object_get(w, "type"));
        const char *atype = ti->window == EDDY_WT_SESSION ? "session" : "time";
        if (!v.windowed) {
            ok = false;
            if (why) eddy_strbuf_puts(why, "key: expected a windowed key, got one without a window");
        } else if (json_integer_value(json_object_get(w, "start")) != v.wstart ||
                   json_integer_value(json_object_get(w, "end")) != v.wend || !type || strcasecmp(type, atype) != 0) {
            ok = false;
            if (why)
                eddy_strbuf_printf(why, "window: expected [%lld, %lld] %s, got [%lld, %lld] %s",
                                   (long long)json_integer_value(json_object_get(w, "start")),
                                   (long long)json_integer_value(json_object_get(w, "end")), type ? type : "?",
                                   (long long)v.wstart, (long long)v.wend, atype);
        }
    } else if (v.windowed || v.window_bad) {
        ok = false;
        if (why) eddy_strbuf_puts(why, "key: expected a key without a window, the topic's key is windowed");
    }
    if (ok) {
        snprintf(eptr, sizeof eptr, "/outputs/%zu/key", idx);
        if (!v.key.v) {
            ok = false;
            if (why) eddy_strbuf_printf(why, "key: does not deserialize: %s", eddy_strbuf_cstr(&v.key.text));
        } else {
            const eddy_type *t = v.key.t ? v.key.t : side_type(&ti->key, true, ek);
            ok = eddy_qtt_value_matches(run, ek, eptr, v.key.v, v.key.numbers, "", t, "key", why);
        }
    }
    if (ok) {
        snprintf(eptr, sizeof eptr, "/outputs/%zu/value", idx);
        if (!v.value.v) {
            ok = false;
            if (why) eddy_strbuf_printf(why, "value: does not deserialize: %s", eddy_strbuf_cstr(&v.value.text));
        } else {
            const eddy_type *t = v.value.t ? v.value.t : side_type(&ti->value, false, ev);
            ok = eddy_qtt_value_matches(run, ev, eptr, v.value.v, v.value.numbers, "", t, "value", why);
        }
    }
    if (ok) {
        size_t n = json_array_size(eh);
        if (n != a->nheaders) {
            ok = false;
            if (why) eddy_strbuf_printf(why, "headers: expected %zu, got %zu", n, a->nheaders);
        }
        for (size_t h = 0; ok && h < n; h++) {
            json_t *x = json_array_get(eh, h);
            const char *name = json_string_value(json_object_get(x, "KEY"));
            json_t *val = json_object_get(x, "VALUE");
            eddy_strbuf dec = EDDY_STRBUF_INIT;
            bool same = name && strcmp(name, a->headers[h].name) == 0;
            if (same && json_is_string(val))
                same = b64_decode(json_string_value(val), &dec) && a->headers[h].value && dec.len == a->headers[h].len &&
                       (dec.len == 0 || memcmp(dec.buf, a->headers[h].value, dec.len) == 0);
            else if (same)
                same = a->headers[h].value == NULL;
            eddy_strbuf_fini(&dec);
            if (!same) {
                ok = false;
                if (why) eddy_strbuf_printf(why, "headers: header %zu differs", h);
            }
        }
    }
    if (ok && json_is_integer(ts)) {
        int64_t want = (int64_t)json_integer_value(ts);
        if (want != a->ts && !(no_inputs && want == 0)) {
            ok = false;
            if (why) eddy_strbuf_printf(why, "timestamp: expected %lld, got %lld", (long long)want, (long long)a->ts);
        }
    }
    rec_view_fini(&v);
    return ok;
}

/* ---- checking one topic ------------------------------------------------------------------- */

typedef struct expected {
    json_t *rec;
    size_t idx;  /* position in the case's outputs */
} expected;

static void list_actual(const topic_info *ti, const out_list *l, eddy_strbuf *diff) {
    size_t shown = l->n < 20 ? l->n : 20;
    for (size_t i = 0; i < shown; i++) {
        rec_view v;
        view_record(ti, &l->r[i], &v);
        eddy_strbuf_printf(diff, "      actual %zu: ", i);
        describe_actual(ti, &l->r[i], &v, diff);
        if (l->r[i].partition) eddy_strbuf_printf(diff, " (partition %d)", (int)l->r[i].partition);
        eddy_strbuf_putc(diff, '\n');
        rec_view_fini(&v);
    }
    if (shown < l->n) eddy_strbuf_printf(diff, "      ... %zu more\n", l->n - shown);
}

static void report_mismatch(const eddy_qtt_run *run, const topic_info *ti, const expected *e, size_t pos,
                            size_t total, const out_rec *a, bool no_inputs, eddy_strbuf *diff) {
    eddy_strbuf why = EDDY_STRBUF_INIT;
    rec_view v;
    record_matches(run, ti, e->rec, e->idx, a, no_inputs, &why);
    view_record(ti, a, &v);
    eddy_strbuf_printf(diff, "    topic %s, record %zu of %zu:\n      expected: ", ti->topic, pos, total);
    describe_expected(run, e->rec, e->idx, diff);
    eddy_strbuf_puts(diff, "\n      actual:   ");
    describe_actual(ti, a, &v, diff);
    eddy_strbuf_printf(diff, "\n      difference: %s\n", eddy_strbuf_cstr(&why));
    rec_view_fini(&v);
    eddy_strbuf_fini(&why);
}

static int check_topic(const eddy_qtt_run *run, eddy_engine *eng, const char *topic, const expected *exp, size_t n,
                       bool no_inputs, eddy_strbuf *diff, eddy_err *err) {
    eddy_log *log = eddy_engine_log(eng);
    eddy_log_topic_config cfg;
    out_list l = {0};
    topic_info ti;
    int rc = 0;
    if (eddy_log_topic_describe(log, topic, &cfg, NULL) != 0) {
        eddy_strbuf_printf(diff, "    topic %s: expected %zu records, but the topic does not exist\n", topic, n);
        return 0;
    }
    if (topic_info_init(&ti, eng, topic, true)) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    for (int32_t p = 0; p < cfg.partitions && rc == 0; p++) rc = read_partition(log, topic, p, &l, err);
    if (rc) goto done;
    if (l.n != n) {
        eddy_strbuf_printf(diff, "    topic %s: expected %zu records, got %zu\n", topic, n, l.n);
        list_actual(&ti, &l, diff);
    }
    if (cfg.partitions <= 1) {
        for (size_t i = 0; i < n && i < l.n; i++) {
            if (!record_matches(run, &ti, exp[i].rec, exp[i].idx, &l.r[i], no_inputs, NULL)) {
                report_mismatch(run, &ti, &exp[i], i, n, &l.r[i], no_inputs, diff);
                break;
            }
        }
    } else {
        /* Several partitions: each expected record must be the next record of
         * some partition (partitions keep their order; offsets ascend). */
        size_t *next = calloc((size_t)cfg.partitions, sizeof *next);
        if (!next) {
            rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            goto done;
        }
        for (int32_t p = 0; p < cfg.partitions; p++) {
            next[p] = l.n;
            for (size_t j = 0; j < l.n; j++)
                if (l.r[j].partition == p) {
                    next[p] = j;
                    break;
                }
        }
        for (size_t i = 0; i < n; i++) {
            int32_t hit = -1;
            for (int32_t p = 0; p < cfg.partitions && hit < 0; p++)
                if (next[p] < l.n && record_matches(run, &ti, exp[i].rec, exp[i].idx, &l.r[next[p]], no_inputs, NULL))
                    hit = p;
            if (hit < 0) {
                const out_rec *near = NULL;
                for (int32_t p = 0; p < cfg.partitions && !near; p++)
                    if (next[p] < l.n) near = &l.r[next[p]];
                if (near) report_mismatch(run, &ti, &exp[i], i, n, near, no_inputs, diff);
                else if (l.n == n) eddy_strbuf_printf(diff, "    topic %s, record %zu: no record left\n", topic, i);
                break;
            }
            size_t j = next[hit] + 1;
            while (j < l.n && l.r[j].partition != hit) j++;
            next[hit] = j;
        }
        free(next);
    }
done:
    out_list_fini(&l);
    topic_info_fini(&ti);
    return rc;
}

int eddy_qtt_records_check(const eddy_qtt_run *run, eddy_engine *eng, eddy_strbuf *diff, eddy_err *err) {
    json_t *outputs = json_object_get(run->tcase, "outputs");
    size_t n = json_array_size(outputs);
    bool no_inputs = json_array_size(json_object_get(run->tcase, "inputs")) == 0;
    expected *exp = calloc(n + 1, sizeof *exp);
    bool *done = calloc(n + 1, sizeof *done);
    int rc = 0;
    if (!exp || !done) {
        free(exp);
        free(done);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    /* Topics in the order they are first named; each with its records in order. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (done[i]) continue;
        const char *topic = json_string_value(json_object_get(json_array_get(outputs, i), "topic"));
        size_t m = 0;
        if (!topic) {
            eddy_strbuf_printf(diff, "    output %zu has no topic\n", i);
            done[i] = true;
            continue;
        }
        for (size_t j = i; j < n; j++) {
            const char *t = json_string_value(json_object_get(json_array_get(outputs, j), "topic"));
            if (t && strcmp(t, topic) == 0) {
                exp[m].rec = json_array_get(outputs, j);
                exp[m++].idx = j;
                done[j] = true;
            }
        }
        rc = check_topic(run, eng, topic, exp, m, no_inputs, diff, err);
    }
    free(exp);
    free(done);
    return rc;
}

/* ---- schemas of the case's topics (AVRO) ------------------------------------------------ */

/* The format a keyFormat/valueFormat node names: "AVRO" or {"format": "AVRO"}. */
static const char *node_format(json_t *node) {
    if (json_is_string(node)) return json_string_value(node);
    return json_string_value(json_object_get(node, "format"));
}

/* Whether a topic's schema is an Avro schema the runner registers: its format
 * says AVRO, or none is said and the schema is JSON (PROTOBUF and JSON_SR
 * schemas are given as text). */
static bool is_avro_schema(json_t *schema, const char *format) {
    if (!schema || json_is_null(schema)) return false;
    if (format) return strcasecmp(format, "AVRO") == 0;
    if (json_is_object(schema) || json_is_array(schema)) return true;
    static const char *const prims[] = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"};
    for (size_t i = 0; json_is_string(schema) && i < sizeof prims / sizeof prims[0]; i++)
        if (strcmp(json_string_value(schema), prims[i]) == 0) return true;
    return false;
}

int eddy_qtt_register_schemas(const eddy_qtt_run *run, eddy_engine *eng, eddy_err *err) {
    eddy_registry *reg = eddy_engine_registry(eng);
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(run->tcase, "topics"), i, t) {
        const char *name = json_string_value(json_object_get(t, "name"));
        for (int k = 0; name && k < 2; k++) {
            json_t *schema = json_object_get(t, k ? "valueSchema" : "keySchema");
            json_t *id = json_object_get(t, k ? "valueSchemaId" : "keySchemaId");
            const char *format = node_format(json_object_get(t, k ? "valueFormat" : "keyFormat"));
            if (!is_avro_schema(schema, format)) continue;
            if (!reg) return eddy_err_set(err, EDDY_INTERNAL, "the engine has no schema registry");
            char *text = json_dumps(schema, JSON_COMPACT | JSON_ENCODE_ANY);
            char *subject = eddy_registry_subject(name, k == 0);
            int rc = text && subject ? eddy_registry_register(reg, subject, text,
                                                              json_is_integer(id) ? (int32_t)json_integer_value(id) : 0,
                                                              NULL, NULL, err)
                                     : eddy_err_set(err, EDDY_NOMEM, "out of memory");
            free(text);
            free(subject);
            if (rc) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%s", err->msg);
                return eddy_err_set(err, rc, "cannot register the %s schema of topic %s: %s", k ? "value" : "key",
                                    name, msg);
            }
        }
    }
    return 0;
}

void eddy_qtt_check_topic_schemas(eddy_engine *eng, json_t *t, eddy_strbuf *diff) {
    const char *name = json_string_value(json_object_get(t, "name"));
    eddy_registry *reg = eddy_engine_registry(eng);
    for (int k = 0; name && reg && k < 2; k++) {
        json_t *want = json_object_get(t, k ? "valueSchema" : "keySchema");
        if (!want) continue;
        char *subject = eddy_registry_subject(name, k == 0), *text = NULL;
        json_t *got = NULL;
        if (subject && eddy_registry_latest(reg, subject, NULL, NULL, &text, NULL) == 0)
            got = json_loads(text, JSON_DECODE_ANY, NULL);
        if (!(json_is_null(want) ? !got : got && json_equal(want, got))) {
            char *w = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
            eddy_strbuf_printf(diff, "    topic %s: %s schema differs\n      expected: %s\n      actual:   %s\n", name,
                               k ? "value" : "key", w ? w : "?", text ? text : "(none registered)");
            free(w);
        }
        json_decref(got);
        free(text);
        free(subject);
    }
}
