/* ast.h - the syntax tree of ksqlDB statements, built by the grammar's actions.
 *
 * Every node lives in the eddy_arena of the parse (see parse.h) and is freed
 * with it; types are refcounted eddy_type objects whose release is deferred to
 * the arena.  Builders (ast.c) are small functions called from one-line
 * grammar actions and usable from tests without the parser.
 *
 * Identifiers: unquoted names are upper-cased by the lexer; back-quoted names
 * keep their case.  `quoted` flags are kept where printing needs them.
 * Positions are 1-based line and column of the node's first token.
 */
#ifndef EDDY_SQL_AST_H
#define EDDY_SQL_AST_H

#include "base/arena.h"
#include "schemas/types.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct eddy_pos {
    int line, col;
} eddy_pos;

/* A growable array of pointers allocated in the arena. */
typedef struct eddy_list {
    int n, cap;
    void **items;
} eddy_list;

/* ---- expressions ------------------------------------------------------- */

typedef enum eddy_expr_kind {
    EDDY_EX_NULL,        /* NULL */
    EDDY_EX_BOOL,        /* TRUE / FALSE: v.b */
    EDDY_EX_INT,         /* integer literal: v.i; is_bigint when it does not fit INT */
    EDDY_EX_DECIMAL,     /* 1.50: text kept exactly in v.s */
    EDDY_EX_DOUBLE,      /* 1.5E3: v.d (text in v.s too) */
    EDDY_EX_STRING,      /* 'it''s': v.s unescaped */
    EDDY_EX_COLUMN,      /* [qualifier.]name */
    EDDY_EX_DEREF,       /* base->field */
    EDDY_EX_SUBSCRIPT,   /* base[index] */
    EDDY_EX_FUNC,        /* name(args) / COUNT(*) / lambdas inside args */
    EDDY_EX_LAMBDA,      /* (x, y) => body */
    EDDY_EX_CAST,        /* CAST(a AS type) */
    EDDY_EX_CASE,        /* CASE [operand] WHEN .. THEN .. [ELSE ..] END */
    EDDY_EX_UNARY,       /* -a, +a, NOT a */
    EDDY_EX_BINARY,      /* a op b */
    EDDY_EX_LIKE,        /* a [NOT] LIKE pattern [ESCAPE esc] */
    EDDY_EX_BETWEEN,     /* a [NOT] BETWEEN lo AND hi */
    EDDY_EX_IN,          /* a [NOT] IN (list) */
    EDDY_EX_IS_NULL,     /* a IS [NOT] NULL */
    EDDY_EX_IS_DISTINCT, /* a IS [NOT] DISTINCT FROM b */
    EDDY_EX_ARRAY,       /* ARRAY[a, b] */
    EDDY_EX_MAP,         /* MAP(k := v, ...) */
    EDDY_EX_STRUCT,      /* STRUCT(name := v, ...) */
    EDDY_EX_STAR,        /* * or alias.* (select items and COUNT(*) only) */
    EDDY_EX_INTERVAL,    /* INTERVAL n unit? not in ksqlDB; reserved */
} eddy_expr_kind;

typedef enum eddy_binop {
    EDDY_OP_ADD, EDDY_OP_SUB, EDDY_OP_MUL, EDDY_OP_DIV, EDDY_OP_MOD,
    EDDY_OP_CONCAT, /* || */
    EDDY_OP_EQ, EDDY_OP_NE, EDDY_OP_LT, EDDY_OP_LE, EDDY_OP_GT, EDDY_OP_GE,
    EDDY_OP_AND, EDDY_OP_OR,
} eddy_binop;

typedef enum eddy_unop { EDDY_OP_NEG, EDDY_OP_PLUS, EDDY_OP_NOT } eddy_unop;

typedef struct eddy_expr eddy_expr;

struct eddy_expr {
    eddy_expr_kind kind;
    eddy_pos pos;
    union {
        bool b;
        struct { int64_t i; bool is_bigint; } lit_int;
        struct { double d; const char *s; } lit_num; /* DECIMAL (s) and DOUBLE (d, s) */
        const char *s;                               /* STRING */
        struct { const char *qualifier; const char *name; bool quoted; } column; /* qualifier may be NULL */
        struct { eddy_expr *base; const char *field; } deref;
        struct { eddy_expr *base; eddy_expr *index; } subscript;
        struct { const char *name; eddy_list args; bool star; bool distinct; } func; /* args: eddy_expr* */
        struct { eddy_list params; eddy_expr *body; } lambda; /* params: const char* */
        struct { eddy_expr *arg; eddy_type *type; } cast;
        struct { eddy_expr *operand; eddy_list whens; eddy_list thens; eddy_expr *else_; } case_; /* operand/else_ may be NULL */
        struct { eddy_unop op; eddy_expr *arg; } unary;
        struct { eddy_binop op; eddy_expr *left, *right; } binary;
        struct { eddy_expr *arg, *pattern, *escape; bool negated; } like; /* escape may be NULL */
        struct { eddy_expr *arg, *lo, *hi; bool negated; } between;
        struct { eddy_expr *arg; eddy_list list; bool negated; } in;
        struct { eddy_expr *arg; bool negated; } is_null;
        struct { eddy_expr *left, *right; bool negated; } is_distinct; /* negated: IS NOT DISTINCT FROM */
        struct { eddy_list items; } array;
        struct { eddy_list keys, values; } map;
        struct { eddy_list names; eddy_list values; } struct_; /* names: const char* */
        struct { const char *qualifier; } star;  /* NULL for plain * */
    } v;
};

/* ---- queries ----------------------------------------------------------- */

typedef enum eddy_time_unit {
    EDDY_TU_MILLISECONDS, EDDY_TU_SECONDS, EDDY_TU_MINUTES, EDDY_TU_HOURS, EDDY_TU_DAYS,
} eddy_time_unit;

/* A duration as written ("10 SECONDS"); ms is the value in milliseconds. */
typedef struct eddy_duration {
    bool set;
    int64_t value;
    eddy_time_unit unit;
    int64_t ms;
} eddy_duration;

typedef enum eddy_window_kind { EDDY_WIN_NONE, EDDY_WIN_TUMBLING, EDDY_WIN_HOPPING, EDDY_WIN_SESSION } eddy_window_kind;

typedef struct eddy_window {
    eddy_window_kind kind;
    eddy_pos pos;
    eddy_duration size;     /* TUMBLING/HOPPING SIZE; SESSION gap */
    eddy_duration advance;  /* HOPPING ADVANCE BY */
    eddy_duration retention;
    eddy_duration grace;
} eddy_window;

typedef struct eddy_select_item {
    eddy_expr *expr;       /* EDDY_EX_STAR for * and a.* */
    const char *alias;     /* AS alias, or NULL */
    eddy_pos pos;
} eddy_select_item;

typedef enum eddy_join_kind { EDDY_JOIN_INNER, EDDY_JOIN_LEFT, EDDY_JOIN_RIGHT, EDDY_JOIN_FULL } eddy_join_kind;

/* A source in FROM: name [[AS] alias]. */
typedef struct eddy_source_ref {
    const char *name;
    const char *alias; /* NULL when none */
    eddy_pos pos;
} eddy_source_ref;

typedef struct eddy_join {
    eddy_join_kind kind;
    eddy_source_ref right;
    eddy_expr *on;
    bool has_within;
    eddy_duration within_before, within_after; /* WITHIN n unit sets both */
    eddy_duration grace;
    eddy_pos pos;
} eddy_join;

typedef enum eddy_emit { EDDY_EMIT_NONE, EDDY_EMIT_CHANGES, EDDY_EMIT_FINAL } eddy_emit;

typedef struct eddy_query {
    eddy_pos pos;
    eddy_list items;        /* eddy_select_item* */
    eddy_source_ref from;
    eddy_list joins;        /* eddy_join*, in order */
    eddy_window window;     /* kind NONE when absent */
    eddy_expr *where;       /* may be NULL */
    eddy_list group_by;     /* eddy_expr* */
    eddy_list partition_by; /* eddy_expr* */
    bool partition_by_empty;/* PARTITION BY () */
    bool group_by_empty;    /* GROUP BY () */
    eddy_expr *having;      /* may be NULL */
    eddy_emit emit;
    bool has_limit;
    int64_t limit;
} eddy_query;

/* ---- statements -------------------------------------------------------- */

/* WITH (NAME = value): name upper-cased; value a literal expression
 * (STRING, INT, DECIMAL, DOUBLE, BOOL, NULL). */
typedef struct eddy_property {
    const char *name;
    eddy_expr *value;
    eddy_pos pos;
} eddy_property;

/* A column in CREATE STREAM/TABLE (...) */
typedef struct eddy_table_element {
    const char *name;
    bool quoted;
    eddy_type *type;
    eddy_col_ns ns;           /* VALUE, KEY (KEY or PRIMARY KEY), HEADERS, HEADER */
    bool primary;             /* written as PRIMARY KEY */
    const char *header_key;   /* HEADER('key') */
    eddy_pos pos;
} eddy_table_element;

typedef enum eddy_stmt_kind {
    EDDY_STMT_CREATE_SOURCE,       /* CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] n (elems) WITH (...) */
    EDDY_STMT_CREATE_AS_SELECT,    /* CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] n [WITH (...)] AS query */
    EDDY_STMT_INSERT_SELECT,       /* INSERT INTO n [WITH (...)] query */
    EDDY_STMT_INSERT_VALUES,       /* INSERT INTO n [(cols)] VALUES (exprs) */
    EDDY_STMT_QUERY,               /* SELECT ... (push or pull) */
    EDDY_STMT_SHOW,                /* SHOW|LIST what [EXTENDED] */
    EDDY_STMT_DESCRIBE,            /* DESCRIBE [EXTENDED] name */
    EDDY_STMT_DESCRIBE_STREAMS,    /* DESCRIBE STREAMS|TABLES [EXTENDED]: uses source_kind */
    EDDY_STMT_DESCRIBE_FUNCTION,   /* DESCRIBE FUNCTION name */
    EDDY_STMT_DESCRIBE_CONNECTOR,  /* DESCRIBE CONNECTOR name */
    EDDY_STMT_DROP_SOURCE,         /* DROP STREAM|TABLE [IF EXISTS] n [DELETE TOPIC] */
    EDDY_STMT_CREATE_TYPE,         /* CREATE TYPE [IF NOT EXISTS] n AS type */
    EDDY_STMT_DROP_TYPE,           /* DROP TYPE [IF EXISTS] n */
    EDDY_STMT_SET,                 /* SET 'name' = 'value' */
    EDDY_STMT_UNSET,               /* UNSET 'name' */
    EDDY_STMT_ALTER_SYSTEM,        /* ALTER SYSTEM 'name' = 'value' */
    EDDY_STMT_DEFINE,              /* DEFINE name = 'value' */
    EDDY_STMT_UNDEFINE,            /* UNDEFINE name */
    EDDY_STMT_TERMINATE,           /* TERMINATE id | TERMINATE ALL */
    EDDY_STMT_PAUSE,               /* PAUSE id | ALL */
    EDDY_STMT_RESUME,              /* RESUME id | ALL */
    EDDY_STMT_EXPLAIN,             /* EXPLAIN id | EXPLAIN statement */
    EDDY_STMT_PRINT,               /* PRINT topic [FROM BEGINNING] [INTERVAL|SAMPLE n] [LIMIT n] */
    EDDY_STMT_RUN_SCRIPT,          /* RUN SCRIPT 'path' */
    EDDY_STMT_ASSERT_TOPIC,        /* ASSERT [NOT EXISTS] TOPIC name [WITH (...)] [TIMEOUT d] */
    EDDY_STMT_ASSERT_SCHEMA,       /* ASSERT [NOT EXISTS] SCHEMA [SUBJECT s] [ID n] [TIMEOUT d] */
    EDDY_STMT_ASSERT_STREAM,       /* ASSERT [NOT EXISTS] STREAM|TABLE name [TIMEOUT d] (ksqlDB 0.29+) */
    EDDY_STMT_CREATE_CONNECTOR,    /* CREATE SOURCE|SINK CONNECTOR [IF NOT EXISTS] n WITH (...) */
    EDDY_STMT_DROP_CONNECTOR,      /* DROP CONNECTOR [IF EXISTS] n */
    EDDY_STMT_ALTER_SOURCE,        /* ALTER STREAM|TABLE n ADD [COLUMN] col type, ... */
    EDDY_STMT_COUNT_
} eddy_stmt_kind;

typedef enum eddy_source_kind { EDDY_SOURCE_STREAM, EDDY_SOURCE_TABLE } eddy_source_kind;

typedef enum eddy_show_what {
    EDDY_SHOW_STREAMS,
    EDDY_SHOW_TABLES,
    EDDY_SHOW_TOPICS,         /* all_topics for SHOW ALL TOPICS */
    EDDY_SHOW_QUERIES,
    EDDY_SHOW_PROPERTIES,
    EDDY_SHOW_FUNCTIONS,
    EDDY_SHOW_TYPES,
    EDDY_SHOW_VARIABLES,
    EDDY_SHOW_CONNECTORS,     /* connector_kind: 0 all, 1 SOURCE, 2 SINK */
    EDDY_SHOW_CONNECTOR_PLUGINS,
} eddy_show_what;

typedef struct eddy_stmt {
    eddy_stmt_kind kind;
    eddy_pos pos;
    /* The statement's text in the input, without the trailing ';'
     * (arena copy), as ksqlDB echoes it in "statementText". */
    const char *text;
    union {
        struct {
            eddy_source_kind source_kind;
            const char *name;
            bool or_replace, if_not_exists, is_source; /* is_source: CREATE SOURCE TABLE/STREAM */
            eddy_list elements;    /* eddy_table_element* (CREATE_SOURCE) */
            eddy_list props;       /* eddy_property* */
            eddy_query *query;     /* CREATE_AS_SELECT */
        } create;
        struct {
            const char *target;
            eddy_list props;       /* INSERT_SELECT */
            eddy_query *query;     /* INSERT_SELECT */
            eddy_list columns;     /* INSERT_VALUES: const char*, may be empty */
            eddy_list values;      /* INSERT_VALUES: eddy_expr* */
        } insert;
        eddy_query *query;         /* QUERY */
        struct {
            eddy_show_what what;
            bool extended;
            bool all_topics;
            int connector_kind;
        } show;
        struct {
            const char *name;      /* DESCRIBE, DESCRIBE_FUNCTION, DESCRIBE_CONNECTOR */
            bool extended;
            eddy_source_kind source_kind; /* DESCRIBE_STREAMS */
        } describe;
        struct {
            eddy_source_kind source_kind;
            const char *name;
            bool if_exists, delete_topic;
        } drop;                    /* DROP_SOURCE, DROP_TYPE (name), DROP_CONNECTOR (name) */
        struct {
            const char *name;
            bool if_not_exists;
            eddy_type *type;
        } create_type;
        struct {
            const char *name;      /* property name or variable name */
            const char *value;     /* NULL for UNSET/UNDEFINE */
        } set;                     /* SET, UNSET, ALTER_SYSTEM, DEFINE, UNDEFINE */
        struct {
            const char *query_id;  /* NULL with all */
            bool all;
        } control;                 /* TERMINATE, PAUSE, RESUME */
        struct {
            const char *query_id;  /* EXPLAIN id */
            struct eddy_stmt *stmt; /* EXPLAIN statement */
        } explain;
        struct {
            const char *topic;
            bool from_beginning;
            bool has_interval;
            int64_t interval;
            bool has_limit;
            int64_t limit;
        } print;
        const char *script_path;   /* RUN_SCRIPT */
        struct {
            bool not_exists;
            const char *name;      /* topic, stream or table */
            eddy_source_kind source_kind; /* ASSERT_STREAM */
            eddy_list props;       /* ASSERT_TOPIC WITH (...) */
            const char *subject;   /* ASSERT_SCHEMA, may be NULL */
            bool has_id;
            int64_t id;
            eddy_duration timeout;
        } assert_;
        struct {
            const char *name;
            bool is_source;        /* SOURCE vs SINK */
            bool if_not_exists;
            eddy_list props;
        } connector;               /* CREATE_CONNECTOR */
        struct {
            eddy_source_kind source_kind;
            const char *name;
            eddy_list elements;    /* eddy_table_element* (ADD COLUMN) */
        } alter;
    } u;
} eddy_stmt;

/* ---- builders (ast.c) -------------------------------------------------- */
/* All builders allocate in `a` and return NULL when out of memory. */

int eddy_list_push(eddy_arena *a, eddy_list *l, void *item); /* 0 or EDDY_NOMEM */

eddy_expr *eddy_ast_expr(eddy_arena *a, eddy_expr_kind kind, eddy_pos pos);
eddy_stmt *eddy_ast_stmt(eddy_arena *a, eddy_stmt_kind kind, eddy_pos pos);
eddy_query *eddy_ast_query(eddy_arena *a, eddy_pos pos);
/* Keeps t alive until the arena is destroyed (takes the caller's reference). */
eddy_type *eddy_ast_keep_type(eddy_arena *a, eddy_type *t);

/* Names of enum values, for debugging, errors and tests. */
const char *eddy_stmt_kind_name(eddy_stmt_kind k);
const char *eddy_binop_name(eddy_binop op); /* "+", "=", "AND", ... */
const char *eddy_time_unit_name(eddy_time_unit u); /* "SECONDS" ... */

/* Appends SQL text for an expression, formatted as ksqlDB formats expressions
 * in column names and EXPLAIN (e.g. "(A + 1)"); used for generated names and
 * tests. */
void eddy_expr_format(const eddy_expr *e, eddy_strbuf *out);

#endif
