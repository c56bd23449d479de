/* ast.c - builders of the syntax tree (ast.h, and the grammar's in lex.h),
 * enum names and eddy_expr_format. */
#include "sql/ast.h"

#include "base/error.h"
#include "base/strbuf.h"
#include "grammar.h"
#include "sql/lex.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- generic builders (ast.h) ------------------------------------------ */

int eddy_list_push(eddy_arena *a, eddy_list *l, void *item) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        if (cap > (1 << 28)) return EDDY_NOMEM;
        void **items = eddy_arena_alloc(a, (size_t)cap * sizeof *items);
        if (!items) return EDDY_NOMEM;
        if (l->n) memcpy(items, l->items, (size_t)l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = item;
    return 0;
}

/* Every expression made here carries its tree depth just before it, so the
 * builders can refuse trees deeper than EDDY_PARSE_MAX_DEPTH in O(1). */
typedef struct expr_box {
    int64_t depth;
    int64_t pad_;
    eddy_expr e;
} expr_box;

static int64_t *depth_slot(eddy_expr *e) { return &((expr_box *)((char *)e - offsetof(expr_box, e)))->depth; }
static int depth_of(eddy_expr *e) { return e ? (int)*depth_slot(e) : 0; }

eddy_expr *eddy_ast_expr(eddy_arena *a, eddy_expr_kind kind, eddy_pos pos) {
    expr_box *b = eddy_arena_alloc(a, sizeof *b);
    if (!b) return NULL;
    b->depth = 1;
    b->e.kind = kind;
    b->e.pos = pos;
    return &b->e;
}

eddy_stmt *eddy_ast_stmt(eddy_arena *a, eddy_stmt_kind kind, eddy_pos pos) {
    eddy_stmt *s = eddy_arena_alloc(a, sizeof *s);
    if (!s) return NULL;
    s->kind = kind;
    s->pos = pos;
    return s;
}

eddy_query *eddy_ast_query(eddy_arena *a, eddy_pos pos) {
    eddy_query *q = eddy_arena_alloc(a, sizeof *q);
    if (!q) return NULL;
    q->pos = pos;
    return q;
}

eddy_type *eddy_ast_keep_type(eddy_arena *a, eddy_type *t) {
    if (!t) return NULL;
    if (eddy_arena_defer(a, eddy_type_unref_void, t)) return NULL;
    return t;
}

/* ---- names ------------------------------------------------------------- */

static const char *const stmt_kind_names[] = {
    [EDDY_STMT_CREATE_SOURCE] = "CREATE_SOURCE",
    [EDDY_STMT_CREATE_AS_SELECT] = "CREATE_AS_SELECT",
    [EDDY_STMT_INSERT_SELECT] = "INSERT_SELECT",
    [EDDY_STMT_INSERT_VALUES] = "INSERT_VALUES",
    [EDDY_STMT_QUERY] = "QUERY",
    [EDDY_STMT_SHOW] = "SHOW",
    [EDDY_STMT_DESCRIBE] = "DESCRIBE",
    [EDDY_STMT_DESCRIBE_STREAMS] = "DESCRIBE_STREAMS",
    [EDDY_STMT_DESCRIBE_FUNCTION] = "DESCRIBE_FUNCTION",
    [EDDY_STMT_DESCRIBE_CONNECTOR] = "DESCRIBE_CONNECTOR",
    [EDDY_STMT_DROP_SOURCE] = "DROP_SOURCE",
    [EDDY_STMT_CREATE_TYPE] = "CREATE_TYPE",
    [EDDY_STMT_DROP_TYPE] = "DROP_TYPE",
    [EDDY_STMT_SET] = "SET",
    [EDDY_STMT_UNSET] = "UNSET",
    [EDDY_STMT_ALTER_SYSTEM] = "ALTER_SYSTEM",
    [EDDY_STMT_DEFINE] = "DEFINE",
    [EDDY_STMT_UNDEFINE] = "UNDEFINE",
    [EDDY_STMT_TERMINATE] = "TERMINATE",
    [EDDY_STMT_PAUSE] = "PAUSE",
    [EDDY_STMT_RESUME] = "RESUME",
    [EDDY_STMT_EXPLAIN] = "EXPLAIN",
    [EDDY_STMT_PRINT] = "PRINT",
    [EDDY_STMT_RUN_SCRIPT] = "RUN_SCRIPT",
    [EDDY_STMT_ASSERT_TOPIC] = "ASSERT_TOPIC",
    [EDDY_STMT_ASSERT_SCHEMA] = "ASSERT_SCHEMA",
    [EDDY_STMT_ASSERT_STREAM] = "ASSERT_STREAM",
    [EDDY_STMT_CREATE_CONNECTOR] = "CREATE_CONNECTOR",
    [EDDY_STMT_DROP_CONNECTOR] = "DROP_CONNECTOR",
    [EDDY_STMT_ALTER_SOURCE] = "ALTER_SOURCE",
};

const char *eddy_stmt_kind_name(eddy_stmt_kind k) {
    if ((unsigned)k >= EDDY_STMT_COUNT_ || !stmt_kind_names[k]) return "UNKNOWN";
    return stmt_kind_names[k];
}

const char *eddy_binop_name(eddy_binop op) {
    static const char *const names[] = {
        [EDDY_OP_ADD] = "+", [EDDY_OP_SUB] = "-", [EDDY_OP_MUL] = "*", [EDDY_OP_DIV] = "/",
        [EDDY_OP_MOD] = "%", [EDDY_OP_CONCAT] = "||", [EDDY_OP_EQ] = "=", [EDDY_OP_NE] = "<>",
        [EDDY_OP_LT] = "<", [EDDY_OP_LE] = "<=", [EDDY_OP_GT] = ">", [EDDY_OP_GE] = ">=",
        [EDDY_OP_AND] = "AND", [EDDY_OP_OR] = "OR",
    };
    if ((unsigned)op >= sizeof names / sizeof names[0]) return "?";
    return names[op];
}

const char *eddy_time_unit_name(eddy_time_unit u) {
    static const char *const names[] = {
        [EDDY_TU_MILLISECONDS] = "MILLISECONDS", [EDDY_TU_SECONDS] = "SECONDS", [EDDY_TU_MINUTES] = "MINUTES",
        [EDDY_TU_HOURS] = "HOURS", [EDDY_TU_DAYS] = "DAYS",
    };
    if ((unsigned)u >= sizeof names / sizeof names[0]) return "?";
    return names[u];
}

/* ---- formatting -------------------------------------------------------- */

static bool needs_quotes(const char *name) {
    if (!name[0]) return true;
    if (!((name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_')) return true;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '@')) return true;
    return eddy_lex_is_reserved(name);
}

static void format_name(const char *name, eddy_strbuf *out) {
    if (!needs_quotes(name)) {
        eddy_strbuf_puts(out, name);
        return;
    }
    eddy_strbuf_putc(out, '`');
    for (const char *c = name; *c; c++) {
        if (*c == '`') eddy_strbuf_putc(out, '`');
        eddy_strbuf_putc(out, *c);
    }
    eddy_strbuf_putc(out, '`');
}

static void format_string(const char *s, eddy_strbuf *out) {
    eddy_strbuf_putc(out, '\'');
    for (const char *c = s; *c; c++) {
        if (*c == '\'') eddy_strbuf_putc(out, '\'');
        eddy_strbuf_putc(out, *c);
    }
    eddy_strbuf_putc(out, '\'');
}

static void format_list(const eddy_list *l, eddy_strbuf *out) {
    for (int i = 0; i < l->n; i++) {
        if (i) eddy_strbuf_puts(out, ", ");
        eddy_expr_format(l->items[i], out);
    }
}

void eddy_expr_format(const eddy_expr *e, eddy_strbuf *out) {
    if (!e) {
        eddy_strbuf_puts(out, "null");
        return;
    }
    switch (e->kind) {
    case EDDY_EX_NULL: eddy_strbuf_puts(out, "null"); break;
    case EDDY_EX_BOOL: eddy_strbuf_puts(out, e->v.b ? "true" : "false"); break;
    case EDDY_EX_INT: eddy_strbuf_printf(out, "%lld", (long long)e->v.lit_int.i); break;
    case EDDY_EX_DECIMAL:
    case EDDY_EX_DOUBLE:
        if (e->v.lit_num.s) eddy_strbuf_puts(out, e->v.lit_num.s);
        else eddy_strbuf_printf(out, "%.17g", e->v.lit_num.d);
        break;
    case EDDY_EX_STRING: format_string(e->v.s, out); break;
    case EDDY_EX_COLUMN:
        if (e->v.column.qualifier) {
            format_name(e->v.column.qualifier, out);
            eddy_strbuf_putc(out, '.');
        }
        format_name(e->v.column.name, out);
        break;
    case EDDY_EX_DEREF:
        eddy_expr_format(e->v.deref.base, out);
        eddy_strbuf_puts(out, "->");
        format_name(e->v.deref.field, out);
        break;
    case EDDY_EX_SUBSCRIPT:
        eddy_expr_format(e->v.subscript.base, out);
        eddy_strbuf_putc(out, '[');
        eddy_expr_format(e->v.subscript.index, out);
        eddy_strbuf_putc(out, ']');
        break;
    case EDDY_EX_FUNC:
        eddy_strbuf_puts(out, e->v.func.name);
        eddy_strbuf_putc(out, '(');
        if (e->v.func.distinct) eddy_strbuf_puts(out, "DISTINCT ");
        if (e->v.func.star) eddy_strbuf_putc(out, '*');
        format_list(&e->v.func.args, out);
        eddy_strbuf_putc(out, ')');
        break;
    case EDDY_EX_LAMBDA:
        eddy_strbuf_putc(out, '(');
        for (int i = 0; i < e->v.lambda.params.n; i++) {
            if (i) eddy_strbuf_puts(out, ", ");
            format_name(e->v.lambda.params.items[i], out);
        }
        eddy_strbuf_puts(out, ") => ");
        eddy_expr_format(e->v.lambda.body, out);
        break;
    case EDDY_EX_CAST:
        eddy_strbuf_puts(out, "CAST(");
        eddy_expr_format(e->v.cast.arg, out);
        eddy_strbuf_puts(out, " AS ");
        if (e->v.cast.type) eddy_type_format(e->v.cast.type, out);
        eddy_strbuf_putc(out, ')');
        break;
    case EDDY_EX_CASE:
        eddy_strbuf_puts(out, "(CASE");
        if (e->v.case_.operand) {
            eddy_strbuf_putc(out, ' ');
            eddy_expr_format(e->v.case_.operand, out);
        }
        for (int i = 0; i < e->v.case_.whens.n && i < e->v.case_.thens.n; i++) {
            eddy_strbuf_puts(out, " WHEN ");
            eddy_expr_format(e->v.case_.whens.items[i], out);
            eddy_strbuf_puts(out, " THEN ");
            eddy_expr_format(e->v.case_.thens.items[i], out);
        }
        if (e->v.case_.else_) {
            eddy_strbuf_puts(out, " ELSE ");
            eddy_expr_format(e->v.case_.else_, out);
        }
        eddy_strbuf_puts(out, " END)");
        break;
    case EDDY_EX_UNARY:
        if (e->v.unary.op == EDDY_OP_NOT) {
            eddy_strbuf_puts(out, "(NOT ");
            eddy_expr_format(e->v.unary.arg, out);
            eddy_strbuf_putc(out, ')');
        } else {
            eddy_strbuf_putc(out, e->v.unary.op == EDDY_OP_NEG ? '-' : '+');
            size_t at = out->len;
            eddy_expr_format(e->v.unary.arg, out);
            /* "- -1" rather than "--1", which would read as a comment */
            if (!out->failed && out->len > at && out->buf[at] == out->buf[at - 1]) {
                eddy_strbuf_putc(out, ' ');
                memmove(out->buf + at + 1, out->buf + at, out->len - at - 1);
                out->buf[at] = ' ';
            }
        }
        break;
    case EDDY_EX_BINARY:
        eddy_strbuf_putc(out, '(');
        eddy_expr_format(e->v.binary.left, out);
        eddy_strbuf_printf(out, " %s ", eddy_binop_name(e->v.binary.op));
        eddy_expr_format(e->v.binary.right, out);
        eddy_strbuf_putc(out, ')');
        break;
    case EDDY_EX_LIKE:
        eddy_strbuf_putc(out, '(');
        eddy_expr_format(e->v.like.arg, out);
        eddy_strbuf_puts(out, e->v.like.negated ? " NOT LIKE " : " LIKE ");
        eddy_expr_format(e->v.like.pattern, out);
        if (e->v.like.escape) {
            eddy_strbuf_puts(out, " ESCAPE ");
            eddy_expr_format(e->v.like.escape, out);
        }
        eddy_strbuf_putc(out, ')');
        break;
    case EDDY_EX_BETWEEN:
        eddy_strbuf_putc(out, '(');
        eddy_expr_format(e->v.between.arg, out);
        eddy_strbuf_puts(out, e->v.between.negated ? " NOT BETWEEN " : " BETWEEN ");
        eddy_expr_format(e->v.between.lo, out);
        eddy_strbuf_puts(out, " AND ");
        eddy_expr_format(e->v.between.hi, out);
        eddy_strbuf_putc(out, ')');
        break;
    case EDDY_EX_IN:
        eddy_strbuf_putc(out, '(');
        eddy_expr_format(e->v.in.arg, out);
        eddy_strbuf_puts(out, e->v.in.negated ? " NOT IN (" : " IN (");
        format_list(&e->v.in.list, out);
        eddy_strbuf_puts(out, "))");
        break;
    case EDDY_EX_IS_NULL:
        eddy_strbuf_putc(out, '(');
        eddy_expr_format(e->v.is_null.arg, out);
        eddy_strbuf_puts(out, e->v.is_null.negated ? " IS NOT NULL)" : " IS NULL)");
        break;
    case EDDY_EX_IS_DISTINCT:
        eddy_strbuf_putc(out, '(');
        eddy_expr_format(e->v.is_distinct.left, out);
        eddy_strbuf_puts(out, e->v.is_distinct.negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ");
        eddy_expr_format(e->v.is_distinct.right, out);
        eddy_strbuf_putc(out, ')');
        break;
    case EDDY_EX_ARRAY:
        eddy_strbuf_puts(out, "ARRAY[");
        format_list(&e->v.array.items, out);
        eddy_strbuf_putc(out, ']');
        break;
    case EDDY_EX_MAP:
        eddy_strbuf_puts(out, "MAP(");
        for (int i = 0; i < e->v.map.keys.n && i < e->v.map.values.n; i++) {
            if (i) eddy_strbuf_puts(out, ", ");
            eddy_expr_format(e->v.map.keys.items[i], out);
            eddy_strbuf_puts(out, ":=");
            eddy_expr_format(e->v.map.values.items[i], out);
        }
        eddy_strbuf_putc(out, ')');
        break;
    case EDDY_EX_STRUCT:
        eddy_strbuf_puts(out, "STRUCT(");
        for (int i = 0; i < e->v.struct_.names.n && i < e->v.struct_.values.n; i++) {
            if (i) eddy_strbuf_puts(out, ", ");
            format_name(e->v.struct_.names.items[i], out);
            eddy_strbuf_puts(out, ":=");
            eddy_expr_format(e->v.struct_.values.items[i], out);
        }
        eddy_strbuf_putc(out, ')');
        break;
    case EDDY_EX_STAR:
        if (e->v.star.qualifier) {
            format_name(e->v.star.qualifier, out);
            eddy_strbuf_putc(out, '.');
        }
        eddy_strbuf_putc(out, '*');
        break;
    case EDDY_EX_INTERVAL: eddy_strbuf_puts(out, "INTERVAL"); break;
    }
}

/* ---- errors ------------------------------------------------------------ */

static void *verror(eddy_parse_ctx *p, eddy_pos pos, const char *fmt, va_list ap) {
    if (p->rc) return NULL;
    if (pos.line == 0) pos = p->cur;
    char msg[900];
    vsnprintf(msg, sizeof msg, fmt, ap);
    p->rc = eddy_err_set_at(p->err, EDDY_PARSE, pos.line, pos.col, "line %d:%d: %s", pos.line, pos.col, msg);
    if (!p->err) p->rc = EDDY_PARSE;
    return NULL;
}

void *eddy_ast_error_at(eddy_parse_ctx *p, eddy_pos pos, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    verror(p, pos, fmt, ap);
    va_end(ap);
    return NULL;
}

void *eddy_ast_error(eddy_parse_ctx *p, const eddy_token *tok, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    verror(p, tok ? eddy_tok_pos(*tok) : (eddy_pos){0, 0}, fmt, ap);
    va_end(ap);
    return NULL;
}

void *eddy_ast_nomem(eddy_parse_ctx *p) {
    if (!p->rc) p->rc = eddy_err_set(p->err, EDDY_NOMEM, "out of memory while parsing");
    if (!p->err) p->rc = EDDY_NOMEM;
    return NULL;
}

#define CHECK(p) \
    do { \
        if ((p)->rc) return NULL; \
    } while (0)

/* ---- names and literals ------------------------------------------------ */

bool eddy_ast_name_quoted(eddy_token t) { return t.n > 0 && (t.z[0] == '`' || t.z[0] == '"'); }

/* Copy of a quoted run without its quotes, with doubled quotes undoubled. */
static char *unquote(eddy_parse_ctx *p, eddy_token t) {
    char q = t.z[0];
    char *s = eddy_arena_alloc(p->arena, (size_t)t.n);
    if (!s) return eddy_ast_nomem(p);
    int j = 0;
    for (int i = 1; i < t.n - 1; i++) {
        s[j++] = t.z[i];
        if (t.z[i] == q) i++;
    }
    s[j] = '\0';
    return s;
}

const char *eddy_ast_name(eddy_parse_ctx *p, eddy_token t) {
    CHECK(p);
    if (eddy_ast_name_quoted(t)) return unquote(p, t);
    char *s = eddy_arena_strndup(p->arena, t.z, (size_t)t.n);
    if (!s) return eddy_ast_nomem(p);
    for (char *c = s; *c; c++)
        if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 'a' + 'A');
    return s;
}

/* A name whose case matters (topic, subject, variable): quotes are
 * removed but unquoted text is kept as written. */
static const char *raw_name(eddy_parse_ctx *p, eddy_token t) {
    CHECK(p);
    if (t.type == TK_STRLIT || eddy_ast_name_quoted(t)) return unquote(p, t);
    char *s = eddy_arena_strndup(p->arena, t.z, (size_t)t.n);
    return s ? s : eddy_ast_nomem(p);
}

const char *eddy_ast_string(eddy_parse_ctx *p, eddy_token t) {
    CHECK(p);
    return unquote(p, t);
}

eddy_list eddy_ast_append(eddy_parse_ctx *p, eddy_list l, void *item) {
    if (!p->rc && eddy_list_push(p->arena, &l, item)) eddy_ast_nomem(p);
    return l;
}

eddy_list eddy_ast_list1(eddy_parse_ctx *p, void *item) {
    eddy_list l = {0, 0, NULL};
    return eddy_ast_append(p, l, item);
}

eddy_list eddy_ast_prepend(eddy_parse_ctx *p, void *item, eddy_list l) {
    eddy_list r = eddy_ast_list1(p, item);
    for (int i = 0; i < l.n && !p->rc; i++) r = eddy_ast_append(p, r, l.items[i]);
    return r;
}

/* A new expression whose children have depths d1, d2 (0 when none). */
static eddy_expr *mk(eddy_parse_ctx *p, eddy_expr_kind kind, eddy_pos pos, int d1, int d2) {
    CHECK(p);
    int depth = (d1 > d2 ? d1 : d2) + 1;
    if (depth > EDDY_PARSE_MAX_DEPTH)
        return eddy_ast_error_at(p, pos, "Expression is too deeply nested (more than %d levels)", EDDY_PARSE_MAX_DEPTH);
    eddy_expr *e = eddy_ast_expr(p->arena, kind, pos);
    if (!e) return eddy_ast_nomem(p);
    *depth_slot(e) = depth;
    return e;
}

static int list_depth(const eddy_list *l) {
    int d = 0;
    for (int i = 0; i < l->n; i++) {
        int x = depth_of(l->items[i]);
        if (x > d) d = x;
    }
    return d;
}

static bool fits_int32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

eddy_expr *eddy_ast_number(eddy_parse_ctx *p, bool negative, eddy_token t) {
    CHECK(p);
    eddy_pos pos = eddy_tok_pos(t);
    if (t.type == TK_INTLIT) {
        uint64_t v = 0;
        const uint64_t limit = (uint64_t)INT64_MAX + 1; /* 2^63 */
        for (int i = 0; i < t.n; i++) {
            unsigned d = (unsigned)(t.z[i] - '0');
            if (v > (limit - d) / 10) return eddy_ast_error(p, &t, "Invalid numeric literal: %.*s", t.n, t.z);
            v = v * 10 + d;
        }
        eddy_expr *e = mk(p, EDDY_EX_INT, pos, 0, 0);
        if (!e) return NULL;
        if (v == limit && !negative) {
            /* Only valid under a unary minus; checked when the parse ends. */
            if (p->pending_min)
                return eddy_ast_error_at(p, p->pending_min->pos, "Invalid numeric literal: 9223372036854775808");
            p->pending_min = e;
            e->v.lit_int.i = INT64_MIN;
        } else {
            e->v.lit_int.i = negative ? (int64_t)(0 - v) : (int64_t)v;
        }
        e->v.lit_int.is_bigint = !fits_int32(e->v.lit_int.i) || e == p->pending_min;
        return e;
    }
    bool dbl = t.type == TK_DBLLIT;
    eddy_expr *e = mk(p, dbl ? EDDY_EX_DOUBLE : EDDY_EX_DECIMAL, pos, 0, 0);
    if (!e) return NULL;
    char *s = eddy_arena_alloc(p->arena, (size_t)t.n + 2);
    if (!s) return eddy_ast_nomem(p);
    if (negative) s[0] = '-';
    memcpy(s + negative, t.z, (size_t)t.n);
    s[t.n + negative] = '\0';
    e->v.lit_num.s = s;
    e->v.lit_num.d = strtod(s, NULL);
    if (!isfinite(e->v.lit_num.d)) return eddy_ast_error(p, &t, "Number overflows DOUBLE: %s", s);
    return e;
}

eddy_expr *eddy_ast_literal(eddy_parse_ctx *p, eddy_token t) {
    CHECK(p);
    eddy_expr *e;
    switch (t.type) {
    case TK_INTLIT:
    case TK_DECLIT:
    case TK_DBLLIT: return eddy_ast_number(p, false, t);
    case TK_NULL: return mk(p, EDDY_EX_NULL, eddy_tok_pos(t), 0, 0);
    case TK_TRUE:
    case TK_FALSE:
        e = mk(p, EDDY_EX_BOOL, eddy_tok_pos(t), 0, 0);
        if (e) e->v.b = t.type == TK_TRUE;
        return e;
    default:
        e = mk(p, EDDY_EX_STRING, eddy_tok_pos(t), 0, 0);
        if (e && !(e->v.s = eddy_ast_string(p, t))) return NULL;
        return e;
    }
}

/* ---- expressions ------------------------------------------------------- */

eddy_expr *eddy_ast_column(eddy_parse_ctx *p, const eddy_token *qualifier, eddy_token name) {
    eddy_expr *e = mk(p, EDDY_EX_COLUMN, eddy_tok_pos(qualifier ? *qualifier : name), 0, 0);
    if (!e) return NULL;
    if (qualifier && !(e->v.column.qualifier = eddy_ast_name(p, *qualifier))) return NULL;
    if (!(e->v.column.name = eddy_ast_name(p, name))) return NULL;
    e->v.column.quoted = eddy_ast_name_quoted(name);
    return e;
}

eddy_expr *eddy_ast_deref(eddy_parse_ctx *p, eddy_expr *base, eddy_token field) {
    CHECK(p);
    eddy_expr *e = mk(p, EDDY_EX_DEREF, base->pos, depth_of(base), 0);
    if (!e) return NULL;
    e->v.deref.base = base;
    e->v.deref.field = eddy_ast_name(p, field);
    return e->v.deref.field ? e : NULL;
}

eddy_expr *eddy_ast_subscript(eddy_parse_ctx *p, eddy_expr *base, eddy_expr *index) {
    CHECK(p);
    eddy_expr *e = mk(p, EDDY_EX_SUBSCRIPT, base->pos, depth_of(base), depth_of(index));
    if (!e) return NULL;
    e->v.subscript.base = base;
    e->v.subscript.index = index;
    return e;
}

eddy_expr *eddy_ast_func(eddy_parse_ctx *p, eddy_token name, eddy_list args, bool star, bool distinct) {
    eddy_expr *e = mk(p, EDDY_EX_FUNC, eddy_tok_pos(name), list_depth(&args), 0);
    if (!e) return NULL;
    if (!(e->v.func.name = eddy_ast_name(p, name))) return NULL;
    e->v.func.args = args;
    e->v.func.star = star;
    e->v.func.distinct = distinct;
    return e;
}

eddy_expr *eddy_ast_lambda(eddy_parse_ctx *p, eddy_pos pos, eddy_list params, eddy_expr *body) {
    eddy_expr *e = mk(p, EDDY_EX_LAMBDA, pos, depth_of(body), 0);
    if (!e) return NULL;
    for (int i = 0; i < params.n; i++) {
        eddy_expr *x = params.items[i];
        if (x->kind != EDDY_EX_COLUMN || x->v.column.qualifier)
            return eddy_ast_error_at(p, x->pos, "Lambda parameters must be plain identifiers");
        for (int j = 0; j < i; j++)
            if (!strcmp(e->v.lambda.params.items[j], x->v.column.name))
                return eddy_ast_error_at(p, x->pos, "Duplicate lambda parameter: %s", x->v.column.name);
        e->v.lambda.params = eddy_ast_append(p, e->v.lambda.params, (void *)x->v.column.name);
    }
    e->v.lambda.body = body;
    return p->rc ? NULL : e;
}

eddy_expr *eddy_ast_cast(eddy_parse_ctx *p, eddy_token kw, eddy_expr *arg, eddy_type *type) {
    eddy_expr *e = mk(p, EDDY_EX_CAST, eddy_tok_pos(kw), depth_of(arg), 0);
    if (!e) return NULL;
    e->v.cast.arg = arg;
    e->v.cast.type = type;
    return e;
}

eddy_expr *eddy_ast_case(eddy_parse_ctx *p, eddy_token kw, eddy_expr *operand, eddy_list whens, eddy_expr *else_) {
    int d = list_depth(&whens);
    if (depth_of(operand) > d) d = depth_of(operand);
    eddy_expr *e = mk(p, EDDY_EX_CASE, eddy_tok_pos(kw), d, depth_of(else_));
    if (!e) return NULL;
    e->v.case_.operand = operand;
    for (int i = 0; i + 1 < whens.n; i += 2) {
        e->v.case_.whens = eddy_ast_append(p, e->v.case_.whens, whens.items[i]);
        e->v.case_.thens = eddy_ast_append(p, e->v.case_.thens, whens.items[i + 1]);
    }
    e->v.case_.else_ = else_;
    return p->rc ? NULL : e;
}

/* Folds a sign into a numeric literal, as ksqlDB reads -1 as a literal. */
static eddy_expr *negate_literal(eddy_parse_ctx *p, eddy_token op, eddy_expr *arg) {
    arg->pos = eddy_tok_pos(op);
    if (arg->kind == EDDY_EX_INT) {
        if (arg == p->pending_min) {
            p->pending_min = NULL; /* -9223372036854775808 */
            return arg;
        }
        if (arg->v.lit_int.i == INT64_MIN) return eddy_ast_error(p, &op, "Invalid numeric literal: overflows BIGINT");
        arg->v.lit_int.i = -arg->v.lit_int.i;
        arg->v.lit_int.is_bigint = !fits_int32(arg->v.lit_int.i);
        return arg;
    }
    const char *s = arg->v.lit_num.s;
    if (s[0] == '-') {
        arg->v.lit_num.s = s + 1;
    } else {
        size_t n = strlen(s);
        char *t = eddy_arena_alloc(p->arena, n + 2);
        if (!t) return eddy_ast_nomem(p);
        t[0] = '-';
        memcpy(t + 1, s, n + 1);
        arg->v.lit_num.s = t;
    }
    arg->v.lit_num.d = -arg->v.lit_num.d;
    return arg;
}

eddy_expr *eddy_ast_unary(eddy_parse_ctx *p, eddy_token op, eddy_expr *arg) {
    CHECK(p);
    if (op.type == TK_MINUS &&
        (arg->kind == EDDY_EX_INT || arg->kind == EDDY_EX_DECIMAL || arg->kind == EDDY_EX_DOUBLE))
        return negate_literal(p, op, arg);
    eddy_expr *e = mk(p, EDDY_EX_UNARY, eddy_tok_pos(op), depth_of(arg), 0);
    if (!e) return NULL;
    e->v.unary.op = op.type == TK_MINUS ? EDDY_OP_NEG : op.type == TK_PLUS ? EDDY_OP_PLUS : EDDY_OP_NOT;
    e->v.unary.arg = arg;
    return e;
}

eddy_expr *eddy_ast_binary(eddy_parse_ctx *p, eddy_binop op, eddy_expr *l, eddy_expr *r) {
    CHECK(p);
    eddy_expr *e = mk(p, EDDY_EX_BINARY, l->pos, depth_of(l), depth_of(r));
    if (!e) return NULL;
    e->v.binary.op = op;
    e->v.binary.left = l;
    e->v.binary.right = r;
    return e;
}

eddy_expr *eddy_ast_like(eddy_parse_ctx *p, eddy_expr *arg, eddy_expr *pattern, const eddy_token *escape,
                         bool negated) {
    CHECK(p);
    eddy_expr *e = mk(p, EDDY_EX_LIKE, arg->pos, depth_of(arg), depth_of(pattern));
    if (!e) return NULL;
    e->v.like.arg = arg;
    e->v.like.pattern = pattern;
    e->v.like.negated = negated;
    if (escape && !(e->v.like.escape = eddy_ast_literal(p, *escape))) return NULL;
    return e;
}

eddy_expr *eddy_ast_between(eddy_parse_ctx *p, eddy_expr *arg, eddy_expr *lo, eddy_expr *hi, bool negated) {
    CHECK(p);
    int d = depth_of(lo) > depth_of(hi) ? depth_of(lo) : depth_of(hi);
    eddy_expr *e = mk(p, EDDY_EX_BETWEEN, arg->pos, depth_of(arg), d);
    if (!e) return NULL;
    e->v.between.arg = arg;
    e->v.between.lo = lo;
    e->v.between.hi = hi;
    e->v.between.negated = negated;
    return e;
}

eddy_expr *eddy_ast_in(eddy_parse_ctx *p, eddy_expr *arg, eddy_list list, bool negated) {
    CHECK(p);
    eddy_expr *e = mk(p, EDDY_EX_IN, arg->pos, depth_of(arg), list_depth(&list));
    if (!e) return NULL;
    e->v.in.arg = arg;
    e->v.in.list = list;
    e->v.in.negated = negated;
    return e;
}

eddy_expr *eddy_ast_is_null(eddy_parse_ctx *p, eddy_expr *arg, bool negated) {
    CHECK(p);
    eddy_expr *e = mk(p, EDDY_EX_IS_NULL, arg->pos, depth_of(arg), 0);
    if (!e) return NULL;
    e->v.is_null.arg = arg;
    e->v.is_null.negated = negated;
    return e;
}

eddy_expr *eddy_ast_is_distinct(eddy_parse_ctx *p, eddy_expr *l, eddy_expr *r, bool negated) {
    CHECK(p);
    eddy_expr *e = mk(p, EDDY_EX_IS_DISTINCT, l->pos, depth_of(l), depth_of(r));
    if (!e) return NULL;
    e->v.is_distinct.left = l;
    e->v.is_distinct.right = r;
    e->v.is_distinct.negated = negated;
    return e;
}

eddy_expr *eddy_ast_array(eddy_parse_ctx *p, eddy_token kw, eddy_list items) {
    eddy_expr *e = mk(p, EDDY_EX_ARRAY, eddy_tok_pos(kw), list_depth(&items), 0);
    if (!e) return NULL;
    e->v.array.items = items;
    return e;
}

eddy_expr *eddy_ast_map(eddy_parse_ctx *p, eddy_token kw, eddy_list entries) {
    eddy_expr *e = mk(p, EDDY_EX_MAP, eddy_tok_pos(kw), list_depth(&entries), 0);
    if (!e) return NULL;
    for (int i = 0; i + 1 < entries.n; i += 2) {
        e->v.map.keys = eddy_ast_append(p, e->v.map.keys, entries.items[i]);
        e->v.map.values = eddy_ast_append(p, e->v.map.values, entries.items[i + 1]);
    }
    return p->rc ? NULL : e;
}

eddy_expr *eddy_ast_struct(eddy_parse_ctx *p, eddy_token kw, eddy_list entries) {
    CHECK(p);
    int d = 0;
    for (int i = 1; i < entries.n; i += 2)
        if (depth_of(entries.items[i]) > d) d = depth_of(entries.items[i]);
    eddy_expr *e = mk(p, EDDY_EX_STRUCT, eddy_tok_pos(kw), d, 0);
    if (!e) return NULL;
    for (int i = 0; i + 1 < entries.n; i += 2) {
        e->v.struct_.names = eddy_ast_append(p, e->v.struct_.names, entries.items[i]);
        e->v.struct_.values = eddy_ast_append(p, e->v.struct_.values, entries.items[i + 1]);
    }
    return p->rc ? NULL : e;
}

eddy_expr *eddy_ast_star(eddy_parse_ctx *p, const eddy_token *qualifier, eddy_token star) {
    eddy_expr *e = mk(p, EDDY_EX_STAR, eddy_tok_pos(qualifier ? *qualifier : star), 0, 0);
    if (!e) return NULL;
    if (qualifier && !(e->v.star.qualifier = eddy_ast_name(p, *qualifier))) return NULL;
    return e;
}

/* ---- types ------------------------------------------------------------- */

static eddy_type *keep(eddy_parse_ctx *p, eddy_type *t) {
    CHECK(p);
    if (!t || !eddy_ast_keep_type(p->arena, t)) return eddy_ast_nomem(p);
    return t;
}

eddy_type *eddy_ast_type_named(eddy_parse_ctx *p, eddy_token name, const eddy_list *params) {
    static const struct {
        const char *name;
        eddy_type_kind kind;
    } prims[] = {
        {"BOOLEAN", EDDY_TYPE_BOOLEAN}, {"INT", EDDY_TYPE_INT}, {"INTEGER", EDDY_TYPE_INT},
        {"BIGINT", EDDY_TYPE_BIGINT}, {"DOUBLE", EDDY_TYPE_DOUBLE}, {"STRING", EDDY_TYPE_STRING},
        {"VARCHAR", EDDY_TYPE_STRING}, {"BYTES", EDDY_TYPE_BYTES}, {"DATE", EDDY_TYPE_DATE},
        {"TIME", EDDY_TYPE_TIME}, {"TIMESTAMP", EDDY_TYPE_TIMESTAMP},
    };
    const char *s = eddy_ast_name(p, name);
    if (!s) return NULL;
    int np = params ? params->n : 0;
    if (!strcmp(s, "DECIMAL")) {
        if (np != 2) return eddy_ast_error(p, &name, "DECIMAL needs a precision and a scale: DECIMAL(p, s)");
        eddy_expr *pe = params->items[0], *se = params->items[1];
        int64_t prec = pe->v.lit_int.i, scale = se->v.lit_int.i;
        if (prec < 1 || prec > 1000) return eddy_ast_error(p, &name, "DECIMAL precision must be between 1 and 1000");
        if (scale < 0 || scale > prec)
            return eddy_ast_error(p, &name, "DECIMAL scale must be between 0 and the precision (%lld)",
                                  (long long)prec);
        return keep(p, eddy_type_decimal((int)prec, (int)scale));
    }
    if (np) return eddy_ast_error(p, &name, "Type %s does not take parameters", s);
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (!strcmp(s, prims[i].name)) return eddy_type_primitive(prims[i].kind);
    return keep(p, eddy_type_named(s));
}

eddy_type *eddy_ast_type_array(eddy_parse_ctx *p, eddy_type *elem) {
    CHECK(p);
    return keep(p, eddy_type_array(eddy_type_ref(elem)));
}

eddy_type *eddy_ast_type_map(eddy_parse_ctx *p, eddy_token kw, eddy_type *key, eddy_type *value) {
    CHECK(p);
    (void)kw;
    return keep(p, eddy_type_map(eddy_type_ref(key), eddy_type_ref(value)));
}

eddy_type *eddy_ast_type_struct(eddy_parse_ctx *p, eddy_list fields) {
    CHECK(p);
    int n = fields.n / 2;
    const char **names = eddy_arena_alloc(p->arena, (size_t)(n + 1) * sizeof *names);
    eddy_type **types = eddy_arena_alloc(p->arena, (size_t)(n + 1) * sizeof *types);
    if (!names || !types) return eddy_ast_nomem(p);
    for (int i = 0; i < n; i++) {
        names[i] = fields.items[2 * i];
        for (int j = 0; j < i; j++)
            if (!strcmp(names[j], names[i]))
                return eddy_ast_error_at(p, (eddy_pos){0, 0}, "Duplicate field names found in STRUCT: '%s'",
                                         names[i]);
    }
    for (int i = 0; i < n; i++) types[i] = eddy_type_ref(fields.items[2 * i + 1]);
    return keep(p, eddy_type_struct(n, names, types));
}

/* ---- queries ----------------------------------------------------------- */

eddy_duration eddy_ast_duration(eddy_parse_ctx *p, eddy_token n, int unit) {
    static const int64_t factor[] = {
        [EDDY_TU_MILLISECONDS] = 1, [EDDY_TU_SECONDS] = 1000, [EDDY_TU_MINUTES] = 60000,
        [EDDY_TU_HOURS] = 3600000, [EDDY_TU_DAYS] = 86400000,
    };
    eddy_duration d = {0};
    if (p->rc) return d;
    int64_t v = 0;
    for (int i = 0; i < n.n; i++) {
        int64_t dig = n.z[i] - '0';
        if (v > (INT64_MAX - dig) / 10) {
            eddy_ast_error(p, &n, "Duration is too large: %.*s", n.n, n.z);
            return d;
        }
        v = v * 10 + dig;
    }
    if (v > INT64_MAX / factor[unit]) {
        eddy_ast_error(p, &n, "Duration is too large: %.*s %s", n.n, n.z, eddy_time_unit_name((eddy_time_unit)unit));
        return d;
    }
    d.set = true;
    d.value = v;
    d.unit = (eddy_time_unit)unit;
    d.ms = v * factor[unit];
    return d;
}

eddy_window *eddy_ast_window_opt(eddy_parse_ctx *p, eddy_window *w, char which, eddy_token kw, eddy_duration d) {
    CHECK(p);
    if (!w && !(w = eddy_arena_alloc(p->arena, sizeof *w))) return eddy_ast_nomem(p);
    eddy_duration *slot = which == 'R' ? &w->retention : which == 'G' ? &w->grace : NULL;
    if (!slot) return w;
    if (slot->set) return eddy_ast_error(p, &kw, "Duplicate %s clause in WINDOW", which == 'R' ? "RETENTION" : "GRACE PERIOD");
    *slot = d;
    return w;
}

eddy_window *eddy_ast_window(eddy_parse_ctx *p, eddy_window *w, eddy_window_kind kind, eddy_token kw,
                             eddy_duration size, const eddy_duration *advance) {
    CHECK(p);
    w->kind = kind;
    w->pos = eddy_tok_pos(kw);
    w->size = size;
    if (advance) w->advance = *advance;
    return w;
}

eddy_join *eddy_ast_within(eddy_parse_ctx *p, eddy_token kw, eddy_duration before, const eddy_duration *after,
                           const eddy_duration *grace) {
    CHECK(p);
    eddy_join *j = eddy_arena_alloc(p->arena, sizeof *j);
    if (!j) return eddy_ast_nomem(p);
    j->has_within = true;
    j->within_before = before;
    j->within_after = after ? *after : before;
    if (grace && grace->set) j->grace = *grace;
    j->pos = eddy_tok_pos(kw);
    return j;
}

eddy_select_item *eddy_ast_item(eddy_parse_ctx *p, eddy_expr *e, const eddy_token *alias) {
    CHECK(p);
    eddy_select_item *it = eddy_arena_alloc(p->arena, sizeof *it);
    if (!it) return eddy_ast_nomem(p);
    it->expr = e;
    it->pos = e->pos;
    if (alias && !(it->alias = eddy_ast_name(p, *alias))) return NULL;
    return it;
}

eddy_source_ref eddy_ast_source(eddy_parse_ctx *p, eddy_token name, const eddy_token *alias) {
    eddy_source_ref s = {0};
    s.pos = eddy_tok_pos(name);
    s.name = eddy_ast_name(p, name);
    if (alias) s.alias = eddy_ast_name(p, *alias);
    return s;
}

eddy_query *eddy_ast_from(eddy_parse_ctx *p, eddy_source_ref from) {
    CHECK(p);
    eddy_query *q = eddy_ast_query(p->arena, from.pos);
    if (!q) return eddy_ast_nomem(p);
    q->from = from;
    return q;
}

eddy_query *eddy_ast_join(eddy_parse_ctx *p, eddy_query *q, eddy_join_kind kind, eddy_source_ref right,
                          eddy_join *within, eddy_expr *on) {
    CHECK(p);
    eddy_join *j = within;
    if (!j && !(j = eddy_arena_alloc(p->arena, sizeof *j))) return eddy_ast_nomem(p);
    j->kind = kind;
    j->right = right;
    j->on = on;
    j->pos = right.pos;
    q->joins = eddy_ast_append(p, q->joins, j);
    return p->rc ? NULL : q;
}

/* An INT literal for LIMIT, INTERVAL and the like, as ksqlDB checks it. */
static bool int_value(eddy_parse_ctx *p, eddy_expr *e, const char *what, int64_t *out) {
    if (e->kind != EDDY_EX_INT) {
        eddy_ast_error_at(p, e->pos, "Value must be integer for command: %s", what);
        return false;
    }
    *out = e->v.lit_int.i;
    return true;
}

eddy_query *eddy_ast_query_finish(eddy_parse_ctx *p, eddy_token select, eddy_list items, eddy_query *q,
                                  eddy_window *window, eddy_expr *where, eddy_list group_by,
                                  eddy_list partition_by, eddy_expr *having, int emit, eddy_expr *limit) {
    CHECK(p);
    q->pos = eddy_tok_pos(select);
    q->items = items;
    if (window) q->window = *window;
    q->where = where;
    q->group_by = group_by;
    q->partition_by = partition_by;
    q->partition_by_empty = partition_by.cap < 0;
    q->group_by_empty = group_by.cap < 0;
    if (q->partition_by.cap < 0) q->partition_by.cap = 0;
    if (q->group_by.cap < 0) q->group_by.cap = 0;
    q->having = having;
    q->emit = (eddy_emit)emit;
    if (limit) {
        if (!int_value(p, limit, "LIMIT", &q->limit)) return NULL;
        q->has_limit = true;
    }
    return q;
}

/* ---- statements -------------------------------------------------------- */

static eddy_stmt *stmt(eddy_parse_ctx *p, eddy_stmt_kind kind, eddy_token at) {
    CHECK(p);
    eddy_stmt *s = eddy_ast_stmt(p->arena, kind, eddy_tok_pos(at));
    return s ? s : eddy_ast_nomem(p);
}

eddy_stmt *eddy_ast_add_stmt(eddy_parse_ctx *p, eddy_stmt *s) {
    CHECK(p);
    p->stmts = eddy_ast_append(p, p->stmts, s);
    return s;
}

eddy_property *eddy_ast_property(eddy_parse_ctx *p, eddy_token name, eddy_expr *value) {
    CHECK(p);
    eddy_property *pr = eddy_arena_alloc(p->arena, sizeof *pr);
    if (!pr) return eddy_ast_nomem(p);
    char *s = (char *)(name.type == TK_STRLIT ? eddy_ast_string(p, name) : eddy_ast_name(p, name));
    if (!s) return NULL;
    for (char *c = s; *c; c++)
        if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 'a' + 'A');
    pr->name = s;
    pr->value = value;
    pr->pos = eddy_tok_pos(name);
    return pr;
}

eddy_table_element *eddy_ast_constraint(eddy_parse_ctx *p, int ns, bool primary, const eddy_token *header) {
    CHECK(p);
    eddy_table_element *el = eddy_arena_alloc(p->arena, sizeof *el);
    if (!el) return eddy_ast_nomem(p);
    el->ns = (eddy_col_ns)ns;
    el->primary = primary;
    if (header && !(el->header_key = eddy_ast_string(p, *header))) return NULL;
    return el;
}

eddy_table_element *eddy_ast_element(eddy_parse_ctx *p, eddy_token name, eddy_type *type, eddy_table_element *c) {
    CHECK(p);
    if (!(c->name = eddy_ast_name(p, name))) return NULL;
    c->quoted = eddy_ast_name_quoted(name);
    c->type = type;
    c->pos = eddy_tok_pos(name);
    return c;
}

eddy_stmt *eddy_ast_create_source(eddy_parse_ctx *p, eddy_token create, int flags, int kind, bool if_not_exists,
                                  eddy_token name, eddy_list elements, eddy_list props) {
    eddy_stmt *s = stmt(p, EDDY_STMT_CREATE_SOURCE, create);
    if (!s) return NULL;
    s->u.create.source_kind = (eddy_source_kind)kind;
    s->u.create.name = eddy_ast_name(p, name);
    s->u.create.or_replace = flags & EDDY_AST_OR_REPLACE;
    s->u.create.is_source = flags & EDDY_AST_SOURCE;
    s->u.create.if_not_exists = if_not_exists;
    s->u.create.elements = elements;
    s->u.create.props = props;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_create_as(eddy_parse_ctx *p, eddy_token create, int flags, int kind, bool if_not_exists,
                              eddy_token name, eddy_list props, eddy_query *q) {
    CHECK(p);
    if (flags & EDDY_AST_SOURCE)
        return eddy_ast_error(p, &name, "Syntax error: CREATE SOURCE %s cannot be used with AS SELECT",
                              kind == EDDY_SOURCE_TABLE ? "TABLE" : "STREAM");
    eddy_stmt *s = stmt(p, EDDY_STMT_CREATE_AS_SELECT, create);
    if (!s) return NULL;
    s->u.create.source_kind = (eddy_source_kind)kind;
    s->u.create.name = eddy_ast_name(p, name);
    s->u.create.or_replace = flags & EDDY_AST_OR_REPLACE;
    s->u.create.if_not_exists = if_not_exists;
    s->u.create.props = props;
    s->u.create.query = q;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_create_connector(eddy_parse_ctx *p, eddy_token create, int flags, bool is_source,
                                     eddy_token kw, bool if_not_exists, eddy_token name, eddy_list props) {
    CHECK(p);
    if (is_source && !(flags & EDDY_AST_SOURCE))
        return eddy_ast_error(p, &kw, "Syntax error at or near 'CONNECTOR'. Expecting one of: SINK, SOURCE");
    if (flags & EDDY_AST_OR_REPLACE)
        return eddy_ast_error(p, &kw, "Syntax error: OR REPLACE is not supported for connectors");
    eddy_stmt *s = stmt(p, EDDY_STMT_CREATE_CONNECTOR, create);
    if (!s) return NULL;
    s->u.connector.name = eddy_ast_name(p, name);
    s->u.connector.is_source = is_source;
    s->u.connector.if_not_exists = if_not_exists;
    s->u.connector.props = props;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_create_type(eddy_parse_ctx *p, eddy_token create, int flags, bool if_not_exists,
                                eddy_token name, eddy_type *type) {
    CHECK(p);
    if (flags & EDDY_AST_OR_REPLACE)
        return eddy_ast_error(p, &create, "Syntax error: OR REPLACE is not supported for types");
    eddy_stmt *s = stmt(p, EDDY_STMT_CREATE_TYPE, create);
    if (!s) return NULL;
    s->u.create_type.name = eddy_ast_name(p, name);
    s->u.create_type.if_not_exists = if_not_exists;
    s->u.create_type.type = type;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_insert_select(eddy_parse_ctx *p, eddy_token kw, eddy_token target, eddy_list props,
                                  eddy_query *q) {
    eddy_stmt *s = stmt(p, EDDY_STMT_INSERT_SELECT, kw);
    if (!s) return NULL;
    s->u.insert.target = eddy_ast_name(p, target);
    s->u.insert.props = props;
    s->u.insert.query = q;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_insert_values(eddy_parse_ctx *p, eddy_token kw, eddy_token target, eddy_list columns,
                                  eddy_list values) {
    eddy_stmt *s = stmt(p, EDDY_STMT_INSERT_VALUES, kw);
    if (!s) return NULL;
    s->u.insert.target = eddy_ast_name(p, target);
    s->u.insert.columns = columns;
    s->u.insert.values = values;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_query_stmt(eddy_parse_ctx *p, eddy_query *q) {
    CHECK(p);
    eddy_stmt *s = eddy_ast_stmt(p->arena, EDDY_STMT_QUERY, q->pos);
    if (!s) return eddy_ast_nomem(p);
    s->u.query = q;
    return s;
}

eddy_stmt *eddy_ast_show(eddy_parse_ctx *p, eddy_token kw, eddy_show_what what, bool extended, int variant) {
    eddy_stmt *s = stmt(p, EDDY_STMT_SHOW, kw);
    if (!s) return NULL;
    s->u.show.what = what;
    s->u.show.extended = extended;
    if (what == EDDY_SHOW_TOPICS) s->u.show.all_topics = variant == 1;
    if (what == EDDY_SHOW_CONNECTORS) s->u.show.connector_kind = variant;
    return s;
}

eddy_stmt *eddy_ast_describe(eddy_parse_ctx *p, eddy_token kw, eddy_stmt_kind kind, const eddy_token *name,
                             int source_kind, bool extended) {
    eddy_stmt *s = stmt(p, kind, kw);
    if (!s) return NULL;
    if (name) s->u.describe.name = eddy_ast_name(p, *name);
    s->u.describe.extended = extended;
    s->u.describe.source_kind = (eddy_source_kind)source_kind;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_drop(eddy_parse_ctx *p, eddy_token kw, eddy_stmt_kind kind, int source_kind, bool if_exists,
                         eddy_token name, bool delete_topic) {
    eddy_stmt *s = stmt(p, kind, kw);
    if (!s) return NULL;
    s->u.drop.source_kind = (eddy_source_kind)source_kind;
    s->u.drop.name = eddy_ast_name(p, name);
    s->u.drop.if_exists = if_exists;
    s->u.drop.delete_topic = delete_topic;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_set(eddy_parse_ctx *p, eddy_token kw, eddy_stmt_kind kind, eddy_token name,
                        const eddy_token *value) {
    eddy_stmt *s = stmt(p, kind, kw);
    if (!s) return NULL;
    s->u.set.name = raw_name(p, name);
    if (value) s->u.set.value = eddy_ast_string(p, *value);
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_control(eddy_parse_ctx *p, eddy_token kw, eddy_stmt_kind kind, const eddy_token *query_id) {
    eddy_stmt *s = stmt(p, kind, kw);
    if (!s) return NULL;
    if (query_id) s->u.control.query_id = eddy_ast_name(p, *query_id);
    else s->u.control.all = true;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_explain(eddy_parse_ctx *p, eddy_token kw, const eddy_token *query_id, eddy_stmt *inner) {
    eddy_stmt *s = stmt(p, EDDY_STMT_EXPLAIN, kw);
    if (!s) return NULL;
    if (query_id) s->u.explain.query_id = eddy_ast_name(p, *query_id);
    s->u.explain.stmt = inner;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_print(eddy_parse_ctx *p, eddy_token kw, eddy_token topic, bool from_beginning,
                          eddy_expr *interval, eddy_expr *limit) {
    eddy_stmt *s = stmt(p, EDDY_STMT_PRINT, kw);
    if (!s) return NULL;
    s->u.print.topic = raw_name(p, topic);
    s->u.print.from_beginning = from_beginning;
    if (interval) {
        if (!int_value(p, interval, "INTERVAL", &s->u.print.interval)) return NULL;
        s->u.print.has_interval = true;
    }
    if (limit) {
        if (!int_value(p, limit, "LIMIT", &s->u.print.limit)) return NULL;
        s->u.print.has_limit = true;
    }
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_run_script(eddy_parse_ctx *p, eddy_token kw, eddy_token path) {
    eddy_stmt *s = stmt(p, EDDY_STMT_RUN_SCRIPT, kw);
    if (!s) return NULL;
    s->u.script_path = eddy_ast_string(p, path);
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_assert(eddy_parse_ctx *p, eddy_token kw, eddy_stmt_kind kind, bool not_exists, int source_kind,
                           const eddy_token *name, eddy_list props, const eddy_token *subject, eddy_expr *id,
                           eddy_duration timeout) {
    eddy_stmt *s = stmt(p, kind, kw);
    if (!s) return NULL;
    s->u.assert_.not_exists = not_exists;
    s->u.assert_.source_kind = (eddy_source_kind)source_kind;
    if (name)
        s->u.assert_.name = kind == EDDY_STMT_ASSERT_STREAM ? eddy_ast_name(p, *name) : raw_name(p, *name);
    s->u.assert_.props = props;
    if (subject) s->u.assert_.subject = raw_name(p, *subject);
    if (id) {
        if (!int_value(p, id, "ID", &s->u.assert_.id)) return NULL;
        s->u.assert_.has_id = true;
    }
    s->u.assert_.timeout = timeout;
    return p->rc ? NULL : s;
}

eddy_stmt *eddy_ast_alter(eddy_parse_ctx *p, eddy_token kw, int source_kind, eddy_token name, eddy_list elements) {
    eddy_stmt *s = stmt(p, EDDY_STMT_ALTER_SOURCE, kw);
    if (!s) return NULL;
    s->u.alter.source_kind = (eddy_source_kind)source_kind;
    s->u.alter.name = eddy_ast_name(p, name);
    s->u.alter.elements = elements;
    return p->rc ? NULL : s;
}
