/* lex.c - the hand-written SQL lexer: tokens, keywords, comments, positions. */
#include "sql/lex.h"

#include "grammar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keywords, sorted by name for bsearch.  `nonreserved` keywords may also be
 * used as identifiers (ksqlDB's nonReserved rule, plus the time units so
 * that TIMESTAMPADD(SECONDS, ...) parses, plus PAUSE and RESUME). */
typedef struct keyword {
    const char *name;
    int type;
    bool nonreserved;
} keyword;

static const keyword keywords[] = {
    {"ADD", TK_ADD, true},
    {"ADVANCE", TK_ADVANCE, false},
    {"ALL", TK_ALL, false},
    {"ALTER", TK_ALTER, true},
    {"AND", TK_AND, false},
    {"ARRAY", TK_ARRAY, true},
    {"AS", TK_AS, false},
    {"ASSERT", TK_ASSERT, true},
    {"BEGINNING", TK_BEGINNING, false},
    {"BETWEEN", TK_BETWEEN, false},
    {"BY", TK_BY, false},
    {"CASE", TK_CASE, false},
    {"CAST", TK_CAST, false},
    {"CHANGES", TK_CHANGES, true},
    {"COLUMN", TK_COLUMN, true},
    {"CONNECTOR", TK_CONNECTOR, false},
    {"CONNECTORS", TK_CONNECTORS, false},
    {"CREATE", TK_CREATE, false},
    {"DAY", TK_DAY, true},
    {"DAYS", TK_DAYS, true},
    {"DEFINE", TK_DEFINE, true},
    {"DELETE", TK_DELETE, false},
    {"DESCRIBE", TK_DESCRIBE, false},
    {"DISTINCT", TK_DISTINCT, false},
    {"DROP", TK_DROP, false},
    {"ELSE", TK_ELSE, false},
    {"EMIT", TK_EMIT, true},
    {"END", TK_END, false},
    {"ESCAPE", TK_ESCAPE, true},
    {"EXISTS", TK_EXISTS, false},
    {"EXPLAIN", TK_EXPLAIN, true},
    {"EXTENDED", TK_EXTENDED, false},
    {"FALSE", TK_FALSE, false},
    {"FINAL", TK_FINAL, true},
    {"FROM", TK_FROM, false},
    {"FULL", TK_FULL, false},
    {"FUNCTION", TK_FUNCTION, true},
    {"FUNCTIONS", TK_FUNCTIONS, true},
    {"GRACE", TK_GRACE, true},
    {"GROUP", TK_GROUP, false},
    {"HAVING", TK_HAVING, false},
    {"HEADER", TK_HEADER, true},
    {"HEADERS", TK_HEADERS, true},
    {"HOPPING", TK_HOPPING, false},
    {"HOUR", TK_HOUR, true},
    {"HOURS", TK_HOURS, true},
    {"ID", TK_ID, true},
    {"IF", TK_IF, true},
    {"IN", TK_IN, false},
    {"INNER", TK_INNER, false},
    {"INSERT", TK_INSERT, false},
    {"INTERVAL", TK_INTERVAL, true},
    {"INTO", TK_INTO, false},
    {"IS", TK_IS, false},
    {"JOIN", TK_JOIN, false},
    {"KEY", TK_KEY, true},
    {"LEFT", TK_LEFT, false},
    {"LIKE", TK_LIKE, false},
    {"LIMIT", TK_LIMIT, false},
    {"LIST", TK_LIST, false},
    {"MAP", TK_MAP, true},
    {"MILLISECOND", TK_MILLISECOND, true},
    {"MILLISECONDS", TK_MILLISECONDS, true},
    {"MINUTE", TK_MINUTE, true},
    {"MINUTES", TK_MINUTES, true},
    {"NOT", TK_NOT, false},
    {"NULL", TK_NULL, false},
    {"ON", TK_ON, false},
    {"OR", TK_OR, false},
    {"OUTER", TK_OUTER, false},
    {"PARTITION", TK_PARTITION, true},
    {"PAUSE", TK_PAUSE, true},
    {"PERIOD", TK_PERIOD, true},
    {"PLUGINS", TK_PLUGINS, true},
    {"PRIMARY", TK_PRIMARY, true},
    {"PRINT", TK_PRINT, false},
    {"PROPERTIES", TK_PROPERTIES, false},
    {"QUERIES", TK_QUERIES, false},
    {"REPLACE", TK_REPLACE, true},
    {"RESUME", TK_RESUME, true},
    {"RETENTION", TK_RETENTION, false},
    {"RIGHT", TK_RIGHT, false},
    {"RUN", TK_RUN, false},
    {"SAMPLE", TK_SAMPLE, false},
    {"SCHEMA", TK_SCHEMA, true},
    {"SCRIPT", TK_SCRIPT, false},
    {"SECOND", TK_SECOND, true},
    {"SECONDS", TK_SECONDS, true},
    {"SELECT", TK_SELECT, false},
    {"SESSION", TK_SESSION, true},
    {"SET", TK_SET, true},
    {"SHOW", TK_SHOW, true},
    {"SINK", TK_SINK, true},
    {"SIZE", TK_SIZE, false},
    {"SOURCE", TK_SOURCE, true},
    {"STREAM", TK_STREAM, false},
    {"STREAMS", TK_STREAMS, false},
    {"STRUCT", TK_STRUCT, true},
    {"SUBJECT", TK_SUBJECT, true},
    {"SYSTEM", TK_SYSTEM, true},
    {"TABLE", TK_TABLE, false},
    {"TABLES", TK_TABLES, true},
    {"TERMINATE", TK_TERMINATE, false},
    {"THEN", TK_THEN, false},
    {"TIMEOUT", TK_TIMEOUT, true},
    {"TOPIC", TK_TOPIC, false},
    {"TOPICS", TK_TOPICS, false},
    {"TRUE", TK_TRUE, false},
    {"TUMBLING", TK_TUMBLING, false},
    {"TYPE", TK_TYPE, true},
    {"TYPES", TK_TYPES, true},
    {"UNDEFINE", TK_UNDEFINE, true},
    {"UNSET", TK_UNSET, false},
    {"VALUES", TK_VALUES, false},
    {"VARIABLES", TK_VARIABLES, true},
    {"WHEN", TK_WHEN, false},
    {"WHERE", TK_WHERE, false},
    {"WINDOW", TK_WINDOW, false},
    {"WITH", TK_WITH, false},
    {"WITHIN", TK_WITHIN, false},
};

#define NKEYWORDS (sizeof keywords / sizeof keywords[0])
#define MAX_KEYWORD_LEN 12

static int cmp_keyword(const void *key, const void *elem) {
    return strcmp((const char *)key, ((const keyword *)elem)->name);
}

static const keyword *find_keyword(const char *name, size_t n) {
    char up[MAX_KEYWORD_LEN + 1];
    if (n == 0 || n > MAX_KEYWORD_LEN) return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        up[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    up[n] = '\0';
    return bsearch(up, keywords, NKEYWORDS, sizeof keywords[0], cmp_keyword);
}

int eddy_lex_keyword(const char *name, size_t n) {
    const keyword *k = find_keyword(name, n);
    return k ? k->type : 0;
}

bool eddy_lex_nonreserved(int type) {
    for (size_t i = 0; i < NKEYWORDS; i++)
        if (keywords[i].type == type) return keywords[i].nonreserved;
    return false;
}

bool eddy_lex_is_reserved(const char *name) {
    const keyword *k = find_keyword(name, strlen(name));
    return k && !k->nonreserved && strcmp(k->name, name) == 0;
}

const char *eddy_lex_token_name(int type) {
    switch (type) {
    case 0: return "end of input";
    case TK_SEMI: return "';'";
    case TK_COMMA: return "','";
    case TK_DOT: return "'.'";
    case TK_LP: return "'('";
    case TK_RP: return "')'";
    case TK_LBRACKET: return "'['";
    case TK_RBRACKET: return "']'";
    case TK_STAR: return "'*'";
    case TK_SLASH: return "'/'";
    case TK_PERCENT: return "'%'";
    case TK_PLUS: return "'+'";
    case TK_MINUS: return "'-'";
    case TK_CONCAT: return "'||'";
    case TK_EQ: return "'='";
    case TK_NE: return "'<>'";
    case TK_LT: return "'<'";
    case TK_LE: return "'<='";
    case TK_GT: return "'>'";
    case TK_GE: return "'>='";
    case TK_ARROW: return "'->'";
    case TK_LAMBDA: return "'=>'";
    case TK_ASSIGN: return "':='";
    case TK_IDENT: return "identifier";
    case TK_STRLIT: return "string";
    case TK_INTLIT: return "integer";
    case TK_DECLIT: return "decimal";
    case TK_DBLLIT: return "double";
    default: break;
    }
    for (size_t i = 0; i < NKEYWORDS; i++)
        if (keywords[i].type == type) return keywords[i].name;
    return NULL; /* XEXPR, XTYPE, UMINUS */
}

/* ---- scanning ---------------------------------------------------------- */

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_ident_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_ident_char(int c) { return is_ident_start(c) || is_digit(c) || c == '@'; }

void eddy_lex_init(eddy_lexer *lx, const char *src, size_t len) {
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->line_start = 0;
}

static int peek(const eddy_lexer *lx, size_t at) {
    return at < lx->len ? (unsigned char)lx->src[at] : -1;
}

/* Advances over src[pos..end), counting newlines. */
static void advance_to(eddy_lexer *lx, size_t end) {
    for (size_t i = lx->pos; i < end; i++) {
        if (lx->src[i] == '\n') {
            lx->line++;
            lx->line_start = i + 1;
        }
    }
    lx->pos = end;
}

static int lex_error(eddy_lexer *lx, eddy_err *err, int line, int col, const char *what) {
    (void)lx;
    return eddy_err_set_at(err, EDDY_PARSE, line, col, "line %d:%d: %s", line, col, what);
}

/* Skips white space and comments.  Returns 0 or EDDY_PARSE for an
 * unterminated block comment. */
static int skip_space(eddy_lexer *lx, eddy_err *err) {
    for (;;) {
        int c = peek(lx, lx->pos);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            advance_to(lx, lx->pos + 1);
        } else if (c == '-' && peek(lx, lx->pos + 1) == '-') {
            size_t e = lx->pos + 2;
            while (e < lx->len && lx->src[e] != '\n') e++;
            advance_to(lx, e);
        } else if (c == '/' && peek(lx, lx->pos + 1) == '*') {
            int line = lx->line, col = (int)(lx->pos - lx->line_start) + 1;
            size_t e = lx->pos + 2;
            while (e + 1 < lx->len && !(lx->src[e] == '*' && lx->src[e + 1] == '/')) e++;
            if (e + 1 >= lx->len) return lex_error(lx, err, line, col, "Unterminated comment");
            advance_to(lx, e + 2);
        } else {
            return 0;
        }
    }
}

/* Length of the number at `at` (digits, optional fraction, optional
 * exponent), and its kind. */
static size_t scan_number(const eddy_lexer *lx, size_t at, int *type) {
    size_t e = at;
    bool frac = false, expo = false;
    while (is_digit(peek(lx, e))) e++;
    if (peek(lx, e) == '.') {
        frac = true;
        e++;
        while (is_digit(peek(lx, e))) e++;
    }
    int c = peek(lx, e);
    if (c == 'e' || c == 'E') {
        size_t x = e + 1;
        if (peek(lx, x) == '+' || peek(lx, x) == '-') x++;
        if (is_digit(peek(lx, x))) {
            while (is_digit(peek(lx, x))) x++;
            e = x;
            expo = true;
        }
    }
    *type = expo ? TK_DBLLIT : frac ? TK_DECLIT : TK_INTLIT;
    return e - at;
}

/* Length of a quoted run starting at `at` with quote q, where qq escapes
 * it; 0 when unterminated. */
static size_t scan_quoted(const eddy_lexer *lx, size_t at, char q) {
    size_t e = at + 1;
    for (;;) {
        if (e >= lx->len) return 0;
        if (lx->src[e] == q) {
            if (e + 1 < lx->len && lx->src[e + 1] == q) {
                e += 2;
                continue;
            }
            return e + 1 - at;
        }
        e++;
    }
}

int eddy_lex_next(eddy_lexer *lx, eddy_token *tok, eddy_err *err) {
    int rc = skip_space(lx, err);
    if (rc) return rc;
    size_t at = lx->pos;
    int line = lx->line, col = (int)(at - lx->line_start) + 1;
    int c = peek(lx, at), c1 = peek(lx, at + 1);
    size_t n = 1;
    int type = 0;
    bool nonreserved = false;

    tok->z = lx->src + at;
    tok->line = line;
    tok->col = col;
    tok->off = (int)at;
    if (at > (size_t)0x7fffffff) return lex_error(lx, err, line, col, "Statement text is too long");

    if (c < 0) {
        n = 0;
        type = 0;
    } else if (is_ident_start(c)) {
        while (is_ident_char(peek(lx, at + n))) n++;
        const keyword *k = find_keyword(lx->src + at, n);
        type = k ? k->type : TK_IDENT;
        nonreserved = k && k->nonreserved;
    } else if (is_digit(c) || (c == '.' && is_digit(c1))) {
        size_t word = 0;
        bool letters = false;
        while (is_ident_char(peek(lx, at + word))) {
            if (!is_digit(peek(lx, at + word))) letters = true;
            word++;
        }
        n = scan_number(lx, at, &type);
        if (letters && word > n) { /* ksqlDB's DIGIT_IDENTIFIER, e.g. 1ST */
            n = word;
            type = TK_IDENT;
        }
    } else if (c == '\'' || c == '`' || c == '"') {
        n = scan_quoted(lx, at, (char)c);
        if (!n) {
            return lex_error(lx, err, line, col,
                             c == '\'' ? "Unterminated string literal" : "Unterminated quoted identifier");
        }
        type = c == '\'' ? TK_STRLIT : TK_IDENT;
    } else {
        switch (c) {
        case ';': type = TK_SEMI; break;
        case ',': type = TK_COMMA; break;
        case '.': type = TK_DOT; break;
        case '(': type = TK_LP; break;
        case ')': type = TK_RP; break;
        case '[': type = TK_LBRACKET; break;
        case ']': type = TK_RBRACKET; break;
        case '*': type = TK_STAR; break;
        case '/': type = TK_SLASH; break;
        case '%': type = TK_PERCENT; break;
        case '+': type = TK_PLUS; break;
        case '-':
            if (c1 == '>') n = 2, type = TK_ARROW;
            else type = TK_MINUS;
            break;
        case '=':
            if (c1 == '>') n = 2, type = TK_LAMBDA;
            else type = TK_EQ;
            break;
        case '<':
            if (c1 == '>') n = 2, type = TK_NE;
            else if (c1 == '=') n = 2, type = TK_LE;
            else type = TK_LT;
            break;
        case '>':
            if (c1 == '=') n = 2, type = TK_GE;
            else type = TK_GT;
            break;
        case '!':
            if (c1 == '=') n = 2, type = TK_NE;
            break;
        case '|':
            if (c1 == '|') n = 2, type = TK_CONCAT;
            break;
        case ':':
            if (c1 == '=') n = 2, type = TK_ASSIGN;
            break;
        case '$':
            if (c1 == '{') {
                size_t e = at + 2;
                while (e < lx->len && e < at + 64 && is_ident_char(peek(lx, e))) e++;
                char msg[160];
                snprintf(msg, sizeof msg,
                         "Unsubstituted variable reference '%.*s%s': variables must be substituted before parsing",
                         (int)(e - at), lx->src + at, peek(lx, e) == '}' ? "}" : "");
                return lex_error(lx, err, line, col, msg);
            }
            break;
        default: break;
        }
        if (!type) {
            char msg[64];
            if (c >= 0x20 && c < 0x7f) snprintf(msg, sizeof msg, "Unexpected character '%c'", c);
            else snprintf(msg, sizeof msg, "Unexpected character 0x%02x", (unsigned)c);
            return lex_error(lx, err, line, col, msg);
        }
    }
    if (n > 0x7fffffff) return lex_error(lx, err, line, col, "Token is too long");
    tok->type = type;
    tok->n = (int)n;
    tok->nonreserved = nonreserved;
    advance_to(lx, at + n);
    return 0;
}
