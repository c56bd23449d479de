/* functions.c - loads the built-in function table and answers lookups, SHOW
 * FUNCTIONS / DESCRIBE FUNCTION (as JSON) and the Markdown reference.
 *
 * The rows of sql/functions_builtin.c carry their variants as compact text;
 * they are parsed once (pthread_once) into eddy_function structures that live
 * in one arena until the process exits, sorted by name.
 */
#include "sql/functions.h"

#include "base/arena.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* The process-wide registry                                                */

static struct {
    pthread_once_t once;
    int rc;                  /* result of the load */
    eddy_err err;            /* its message */
    eddy_arena *arena;       /* owns everything below */
    eddy_function *fns;      /* sorted by name */
    int nfns;
} g_reg = {PTHREAD_ONCE_INIT, 0, {0, 0, 0, ""}, NULL, NULL, 0};

const char *eddy_function_kind_name(eddy_function_kind kind) {
    switch (kind) {
    case EDDY_FN_SCALAR: return "SCALAR";
    case EDDY_FN_AGGREGATE: return "AGGREGATE";
    case EDDY_FN_TABLE: return "TABLE";
    }
    return "SCALAR";
}

/* ------------------------------------------------------------------------ */
/* Parsing the variant text                                                 */

typedef struct span {
    const char *p;
    size_t n;
} span;

static span span_trim(span s) {
    while (s.n > 0 && isspace((unsigned char)s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && isspace((unsigned char)s.p[s.n - 1])) s.n--;
    return s;
}

/* Index of the first `target` in s outside brackets, -1 when there is none,
 * -2 when the brackets do not balance.  Brackets are () and <> (the '>' of
 * "->" is not one); [...] and {...} hold free text up to their closer. */
static long find_top(span s, char target) {
    int depth = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (depth == 0 && c == target) return (long)i;
        switch (c) {
        case '[':
        case '{': {
            char close = c == '[' ? ']' : '}';
            const char *end = memchr(s.p + i + 1, close, s.n - i - 1);
            if (!end) return -2;
            i = (size_t)(end - s.p);
            break;
        }
        case '(':
        case '<':
            depth++;
            break;
        case ')':
            depth--;
            break;
        case '>':
            if (i > 0 && s.p[i - 1] == '-') break; /* "->" */
            depth--;
            break;
        default:
            break;
        }
        if (depth < 0) return -2;
    }
    return depth == 0 ? -1 : -2;
}

static char *dup_span(eddy_arena *a, span s) {
    return eddy_arena_strndup(a, s.p, s.n);
}

/* Splits s at top-level `sep` into at most max pieces; returns the count or
 * -1 (unbalanced brackets or too many pieces). */
static int split_top(span s, char sep, span *out, int max) {
    int n = 0;
    for (;;) {
        long i = find_top(s, sep);
        if (i == -2 || n == max) return -1;
        if (i < 0) {
            out[n++] = s;
            return n;
        }
        out[n++] = (span){s.p, (size_t)i};
        s.p += i + 1;
        s.n -= (size_t)i + 1;
    }
}

static bool is_ident(span s) {
    if (s.n == 0 || !(isalpha((unsigned char)s.p[0]) || s.p[0] == '_')) return false;
    for (size_t i = 1; i < s.n; i++)
        if (!(isalnum((unsigned char)s.p[i]) || s.p[i] == '_')) return false;
    return true;
}

#define MAX_ARGS 16
#define MAX_VARIANTS 16

/* "TYPE [...] NAME [description]" */
static int parse_arg(eddy_arena *a, span s, eddy_function_arg *out, eddy_err *err) {
    s = span_trim(s);
    span desc = {"", 0};
    long open = find_top(s, '[');
    if (open == -2) return eddy_err_set(err, EDDY_INTERNAL, "unbalanced brackets in argument");
    if (open >= 0) {
        if (s.p[s.n - 1] != ']')
            return eddy_err_set(err, EDDY_INTERNAL, "text after an argument description");
        desc = span_trim((span){s.p + open + 1, s.n - (size_t)open - 2});
        s.n = (size_t)open;
        s = span_trim(s);
    }
    size_t k = s.n;
    while (k > 0 && !isspace((unsigned char)s.p[k - 1])) k--;
    span name = {s.p + k, s.n - k};
    span type = span_trim((span){s.p, k});
    if (!is_ident(name) || type.n == 0)
        return eddy_err_set(err, EDDY_INTERNAL, "argument '%.*s' is not 'TYPE NAME'", (int)s.n, s.p);
    bool variadic = false;
    if (type.n > 3 && memcmp(type.p + type.n - 3, "...", 3) == 0) {
        variadic = true;
        type.n -= 3;
        type = span_trim(type);
    }
    out->fa_name = dup_span(a, name);
    out->fa_type = dup_span(a, type);
    out->fa_description = dup_span(a, desc);
    out->fa_variadic = variadic;
    if (!out->fa_name || !out->fa_type || !out->fa_description)
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    return 0;
}

/* "RETURN(args){description}" */
static int parse_variant(eddy_arena *a, span s, unsigned flags, eddy_function_variant *out,
                         eddy_err *err) {
    s = span_trim(s);
    long open = find_top(s, '(');
    if (open < 0) return eddy_err_set(err, EDDY_INTERNAL, "variant '%.*s' has no '('", (int)s.n, s.p);
    span ret = span_trim((span){s.p, (size_t)open});
    span rest = {s.p + open + 1, s.n - (size_t)open - 1};
    long close = find_top(rest, ')');
    if (close < 0 || ret.n == 0)
        return eddy_err_set(err, EDDY_INTERNAL, "variant '%.*s' is not 'TYPE(args)'", (int)s.n, s.p);
    span args = span_trim((span){rest.p, (size_t)close});
    span tail = span_trim((span){rest.p + close + 1, rest.n - (size_t)close - 1});
    span desc = {"", 0};
    if (tail.n > 0) {
        if (tail.p[0] != '{' || tail.p[tail.n - 1] != '}' || memchr(tail.p + 1, '}', tail.n - 2))
            return eddy_err_set(err, EDDY_INTERNAL, "unexpected '%.*s' after a variant", (int)tail.n, tail.p);
        desc = span_trim((span){tail.p + 1, tail.n - 2});
    }

    span pieces[MAX_ARGS];
    int nargs = 0;
    if (args.n > 0) {
        nargs = split_top(args, ',', pieces, MAX_ARGS);
        if (nargs < 0) return eddy_err_set(err, EDDY_INTERNAL, "bad argument list '%.*s'", (int)args.n, args.p);
    }
    eddy_function_arg *fa = NULL;
    if (nargs > 0) {
        fa = eddy_arena_alloc(a, sizeof *fa * (size_t)nargs);
        if (!fa) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    for (int i = 0; i < nargs; i++) {
        int rc = parse_arg(a, pieces[i], &fa[i], err);
        if (rc) return rc;
        if (fa[i].fa_variadic && i != nargs - 1)
            return eddy_err_set(err, EDDY_INTERNAL, "only the last argument can be variadic");
    }
    out->fv_return_type = dup_span(a, ret);
    out->fv_description = dup_span(a, desc);
    if (!out->fv_return_type || !out->fv_description) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    out->fv_nargs = nargs;
    out->fv_args = fa;
    out->fv_flags = flags;
    return 0;
}

static bool valid_name(const char *s) {
    if (!s || !*s) return false;
    for (; *s; s++)
        if (!(isupper((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_')) return false;
    return true;
}

static int load_row(eddy_arena *a, const eddy_function_def *d, eddy_function *fn, eddy_err *err) {
    if (!valid_name(d->fd_name))
        return eddy_err_set(err, EDDY_INTERNAL, "name is not upper-case letters, digits and '_'");
    if (!d->fd_category || !*d->fd_category || !d->fd_description || !*d->fd_description)
        return eddy_err_set(err, EDDY_INTERNAL, "category or description is empty");
    if (!d->fd_variants) return eddy_err_set(err, EDDY_INTERNAL, "no variants");
    span pieces[MAX_VARIANTS];
    int nv = split_top((span){d->fd_variants, strlen(d->fd_variants)}, ';', pieces, MAX_VARIANTS);
    if (nv < 0) return eddy_err_set(err, EDDY_INTERNAL, "bad variant list");
    if (nv == 1 && span_trim(pieces[0]).n == 0) return eddy_err_set(err, EDDY_INTERNAL, "no variants");
    fn->fn_variants = eddy_arena_alloc(a, sizeof *fn->fn_variants * (size_t)nv);
    if (!fn->fn_variants) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    for (int i = 0; i < nv; i++) {
        int rc = parse_variant(a, pieces[i], d->fd_flags, &fn->fn_variants[i], err);
        if (rc) return rc;
    }
    fn->fn_nvariants = nv;
    fn->fn_name = d->fd_name;
    fn->fn_kind = d->fd_kind;
    fn->fn_category = d->fd_category;
    fn->fn_description = d->fd_description;
    fn->fn_flags = d->fd_flags;
    return 0;
}

static int cmp_fn(const void *x, const void *y) {
    return strcmp(((const eddy_function *)x)->fn_name, ((const eddy_function *)y)->fn_name);
}

/* Functions a host adds before start-up (eddy_functions_add). */
static const eddy_function_def *g_extra;
static int g_nextra;

int eddy_functions_add(const eddy_function_def *defs, int n) {
    if (g_reg.fns || g_reg.rc) return EDDY_INVAL; /* too late: the registry is loaded */
    g_extra = defs;
    g_nextra = n;
    return 0;
}

static void load_registry(void) {
    eddy_err *err = &g_reg.err;
    int n = eddy_functions_builtin_count + g_nextra;
    eddy_arena *a = eddy_arena_new();
    eddy_function *fns = a ? eddy_arena_alloc(a, sizeof *fns * (size_t)(n > 0 ? n : 1)) : NULL;
    if (!fns) {
        g_reg.rc = eddy_err_set(err, EDDY_NOMEM, "out of memory loading the function table");
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        const eddy_function_def *d =
            i < eddy_functions_builtin_count ? &eddy_functions_builtin[i] : &g_extra[i - eddy_functions_builtin_count];
        int rc = load_row(a, d, &fns[i], err);
        if (rc) {
            char msg[sizeof err->msg];
            memcpy(msg, err->msg, sizeof msg);
            g_reg.rc = eddy_err_set(err, rc, "function table row %d (%s): %s", i,
                                    d->fd_name ? d->fd_name : "?", msg);
            goto fail;
        }
    }
    qsort(fns, (size_t)n, sizeof *fns, cmp_fn);
    for (int i = 1; i < n; i++) {
        if (strcmp(fns[i - 1].fn_name, fns[i].fn_name) == 0) {
            g_reg.rc = eddy_err_set(err, EDDY_INTERNAL, "function table: %s appears twice", fns[i].fn_name);
            goto fail;
        }
    }
    g_reg.arena = a;
    g_reg.fns = fns;
    g_reg.nfns = n;
    g_reg.rc = 0;
    return;
fail:
    eddy_arena_destroy(a);
}

int eddy_functions_init(eddy_err *err) {
    pthread_once(&g_reg.once, load_registry);
    if (g_reg.rc && err) *err = g_reg.err;
    return g_reg.rc;
}

/* ------------------------------------------------------------------------ */
/* Lookups                                                                  */

int eddy_functions_count(void) {
    return eddy_functions_init(NULL) ? 0 : g_reg.nfns;
}

const eddy_function *eddy_functions_at(int i) {
    if (eddy_functions_init(NULL) || i < 0 || i >= g_reg.nfns) return NULL;
    return &g_reg.fns[i];
}

/* strcmp order of toupper(name) against an upper-case table name. */
static int cmp_upper(const char *name, const char *upper) {
    for (;; name++, upper++) {
        int c = toupper((unsigned char)*name);
        int d = (unsigned char)*upper;
        if (c != d || c == 0) return c - d;
    }
}

static eddy_function *find(const char *name) {
    if (!name || eddy_functions_init(NULL)) return NULL;
    int lo = 0, hi = g_reg.nfns - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = cmp_upper(name, g_reg.fns[mid].fn_name);
        if (c == 0) return &g_reg.fns[mid];
        if (c < 0) hi = mid - 1;
        else lo = mid + 1;
    }
    return NULL;
}

const eddy_function *eddy_function_lookup(const char *name) {
    return find(name);
}

bool eddy_function_variant_accepts(const eddy_function_variant *v, int nargs) {
    if (!v) return false;
    if (v->fv_nargs > 0 && v->fv_args[v->fv_nargs - 1].fa_variadic) return nargs >= v->fv_nargs - 1;
    return nargs == v->fv_nargs;
}

int eddy_function_attach(const char *name, int variant, const eddy_function_impl *impl) {
    eddy_function *fn = find(name);
    if (!fn) return EDDY_NOTFOUND;
    if (variant < 0 || variant >= fn->fn_nvariants || !impl) return EDDY_RANGE;
    fn->fn_variants[variant].fv_impl = *impl;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* JSON for the REST layer                                                  */

json_t *eddy_functions_list_json(void) {
    if (eddy_functions_init(NULL)) return NULL;
    json_t *list = json_array();
    json_t *body = json_object();
    if (!list || !body) goto fail;
    for (int i = 0; i < g_reg.nfns; i++) {
        const eddy_function *fn = &g_reg.fns[i];
        json_t *o = json_pack("{s:s, s:s, s:s}", "name", fn->fn_name, "type",
                              eddy_function_kind_name(fn->fn_kind), "category", fn->fn_category);
        if (!o || json_array_append_new(list, o)) goto fail;
    }
    if (json_object_set_new(body, "functions", list)) {
        list = NULL; /* taken even on failure */
        goto fail;
    }
    return body;
fail:
    json_decref(list);
    json_decref(body);
    return NULL;
}

static json_t *variant_json(const eddy_function_variant *v) {
    json_t *args = json_array();
    json_t *types = json_array();
    if (!args || !types) goto fail;
    for (int i = 0; i < v->fv_nargs; i++) {
        const eddy_function_arg *fa = &v->fv_args[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "name", fa->fa_name, "type", fa->fa_type,
                              "description", fa->fa_description, "isVariadic", fa->fa_variadic);
        if (!o || json_array_append_new(args, o)) goto fail;
        if (json_array_append_new(types, json_string(fa->fa_type))) goto fail;
    }
    /* "o" steals both arrays, also when json_pack fails. */
    return json_pack("{s:o, s:s, s:s, s:o}", "arguments", args, "returnType", v->fv_return_type,
                     "description", v->fv_description, "argumentTypes", types);
fail:
    json_decref(args);
    json_decref(types);
    return NULL;
}

json_t *eddy_function_describe_json(const char *name) {
    const eddy_function *fn = eddy_function_lookup(name);
    if (!fn) return NULL;
    json_t *variants = json_array();
    if (!variants) return NULL;
    for (int i = 0; i < fn->fn_nvariants; i++) {
        json_t *v = variant_json(&fn->fn_variants[i]);
        if (!v || json_array_append_new(variants, v)) {
            json_decref(variants);
            return NULL;
        }
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "name", fn->fn_name, "description",
                     fn->fn_description, "author", "Confluent", "version", "", "path", "internal",
                     "functions", variants, "type", eddy_function_kind_name(fn->fn_kind));
}

/* ------------------------------------------------------------------------ */
/* docs/functions.md                                                        */

/* The order of the reference's sections; categories not listed follow. */
static const char *const k_category_order[] = {
    "MATHEMATICAL", "STRING", "REGULAR EXPRESSION", "JSON", "ARRAY", "MAP", "LAMBDA",
    "CONDITIONAL", "CONVERSIONS", "DATE / TIME", "URL", "OTHER", "AGGREGATE", "TABLE",
};
#define N_ORDER ((int)(sizeof k_category_order / sizeof k_category_order[0]))
#define MAX_CATEGORIES 32

/* Categories in reference order; returns how many. */
static int categories(const char **out) {
    int n = 0;
    for (int i = 0; i < N_ORDER; i++) out[n++] = k_category_order[i];
    for (int i = 0; i < g_reg.nfns; i++) {
        int j = 0;
        while (j < n && strcmp(out[j], g_reg.fns[i].fn_category) != 0) j++;
        if (j == n && n < MAX_CATEGORIES) out[n++] = g_reg.fns[i].fn_category;
    }
    return n;
}

/* GitHub's heading anchor of a function or category name. */
static void put_anchor(FILE *out, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '_' || c == '-') fputc(tolower(c), out);
        else if (c == ' ') fputc('-', out);
    }
}

static void put_signature(FILE *out, const eddy_function *fn, const eddy_function_variant *v) {
    fprintf(out, "%s(", fn->fn_name);
    for (int i = 0; i < v->fv_nargs; i++)
        fprintf(out, "%s%s %s%s", i ? ", " : "", v->fv_args[i].fa_name, v->fv_args[i].fa_type,
                v->fv_args[i].fa_variadic ? "..." : "");
    fprintf(out, ") -> %s", v->fv_return_type);
}

static void put_function(FILE *out, const eddy_function *fn) {
    fprintf(out, "### %s\n\n", fn->fn_name);
    fprintf(out, "%s function. %s\n", fn->fn_kind == EDDY_FN_SCALAR      ? "Scalar"
                                      : fn->fn_kind == EDDY_FN_AGGREGATE ? "Aggregate"
                                                                         : "Table",
            fn->fn_description);
    if (fn->fn_kind == EDDY_FN_AGGREGATE)
        fprintf(out, "Aggregates %s.\n", (fn->fn_flags & EDDY_FN_TABLE_AGG) ? "streams and tables"
                                                                            : "streams only");
    if (fn->fn_flags & EDDY_FN_NONDETERMINISTIC) fprintf(out, "Not deterministic.\n");
    if (fn->fn_flags & EDDY_FN_DEPRECATED) fprintf(out, "Deprecated.\n");
    fputc('\n', out);
    for (int i = 0; i < fn->fn_nvariants; i++) {
        const eddy_function_variant *v = &fn->fn_variants[i];
        fputs("- `", out);
        put_signature(out, fn, v);
        fputc('`', out);
        if (*v->fv_description) fprintf(out, ": %s", v->fv_description);
        fputc('\n', out);
        for (int j = 0; j < v->fv_nargs; j++)
            if (*v->fv_args[j].fa_description)
                fprintf(out, "  - `%s`: %s\n", v->fv_args[j].fa_name, v->fv_args[j].fa_description);
    }
    fputc('\n', out);
}

int eddy_functions_write_markdown(FILE *out) {
    if (eddy_functions_init(NULL)) return EDDY_INTERNAL;
    const char *cats[MAX_CATEGORIES];
    int ncats = categories(cats);

    fprintf(out,
            "# SQL functions\n\n"
            "<!-- Generated from sql/functions_builtin.c by eddy_functions_write_markdown()"
            " (`eddy docs functions`); do not edit by hand. -->\n\n"
            "eddy has ksqlDB's built-in functions: %d of them, listed here by category as"
            " `SHOW FUNCTIONS` lists them and described as `DESCRIBE FUNCTION` describes them.\n"
            "Types are written as ksqlDB prints them: `VARCHAR` is `STRING`, `INT` is"
            " `INTEGER`; `T`, `U`, `S`, `K`, `V` and `R` stand for any type (the same letter,"
            " the same type); `ARG...` is a variadic argument that takes zero or more values;"
            " `INTERVAL UNIT` is a time unit keyword such as `DAYS`; `LAMBDA (T) -> R` is a"
            " lambda expression such as `x => x + 1`.\n"
            "Unless a description says otherwise, a NULL argument gives a NULL result.\n\n",
            g_reg.nfns);

    fprintf(out, "| category | functions |\n| --- | --- |\n");
    for (int c = 0; c < ncats; c++) {
        int first = 1;
        for (int i = 0; i < g_reg.nfns; i++) {
            const eddy_function *fn = &g_reg.fns[i];
            if (strcmp(fn->fn_category, cats[c]) != 0) continue;
            if (first) {
                fprintf(out, "| [%s](#", cats[c]);
                put_anchor(out, cats[c]);
                fputs(") | ", out);
            }
            fprintf(out, "%s[%s](#", first ? "" : ", ", fn->fn_name);
            put_anchor(out, fn->fn_name);
            fputc(')', out);
            first = 0;
        }
        if (!first) fputs(" |\n", out);
    }
    fputc('\n', out);

    for (int c = 0; c < ncats; c++) {
        int any = 0;
        for (int i = 0; i < g_reg.nfns; i++) {
            const eddy_function *fn = &g_reg.fns[i];
            if (strcmp(fn->fn_category, cats[c]) != 0) continue;
            if (!any) fprintf(out, "## %s\n\n", cats[c]);
            any = 1;
            put_function(out, fn);
        }
    }
    return ferror(out) ? EDDY_IO : 0;
}
