/* grammar.y - the Lemon grammar of ksqlDB's statements (built into grammar.c).
 *
 * The structure follows ksqlDB's SqlBase.g4: boolean expressions (OR, AND,
 * NOT, predicates) over value expressions (||, + -, * / %, unary sign) over
 * primary expressions (literals, columns, calls, CAST, CASE, constructors,
 * subscripts and dereferences).  Actions are one line and call the builders
 * of ast.c (declared in lex.h).  Non-reserved keywords are turned into
 * identifiers by the driver (parse.c), which asks eddy_sqlp_accepts() below
 * whether the parser can take a keyword as itself before falling back.  The
 * grammar has no %fallback because Lemon's compressed tables (default
 * reductions) would then read e.g. EMIT after "FROM s" as an alias.
 */

%name eddy_sqlp
%token_prefix TK_
%token_type {eddy_token}
%extra_argument {eddy_parse_ctx *p}
%stack_size 1000

%include {
#include "sql/lex.h"

#include <assert.h>
#include <stdlib.h>

#define YYNOERRORRECOVERY 1
#define OPT(t) ((t).type ? &(t) : NULL)
static const eddy_list no_list;
static const eddy_duration no_duration;
}

%syntax_error {
    (void)yymajor;
    eddy_ast_error(p, &TOKEN, "Syntax error at or near '%.*s'", TOKEN.n, TOKEN.z);
}
%stack_overflow {
    eddy_ast_error_at(p, (eddy_pos){0, 0}, "Statement is too deeply nested");
}
%parse_failure {
    if (!p->rc) eddy_ast_error_at(p, (eddy_pos){0, 0}, "Syntax error");
}

%left OR.
%left AND.
%right NOT.
%left CONCAT.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%right UMINUS.

/* ---- entry points ------------------------------------------------------ */

input ::= stmts.
input ::= XEXPR bexpr(E). { p->expr = E; }
input ::= XTYPE type(T). { p->type = T; }

stmts ::= stmt(S). { eddy_ast_add_stmt(p, S); }
stmts ::= stmts SEMI stmt(S). { eddy_ast_add_stmt(p, S); }
stmts ::= stmts SEMI.

/* ---- identifiers and literals ------------------------------------------ */

%type ident {eddy_token}
ident(A) ::= IDENT(T). { A = T; }

/* Literals in properties and ASSERT ... ID: numbers may carry a sign. */
%type literal {eddy_expr *}
literal(A) ::= NULL(T). { A = eddy_ast_literal(p, T); }
literal(A) ::= TRUE(T). { A = eddy_ast_literal(p, T); }
literal(A) ::= FALSE(T). { A = eddy_ast_literal(p, T); }
literal(A) ::= STRLIT(T). { A = eddy_ast_literal(p, T); }
literal(A) ::= snum(N). { A = N; }

/* A number with an optional sign: ksqlDB's `number` rule. */
%type snum {eddy_expr *}
snum(A) ::= INTLIT(T). { A = eddy_ast_number(p, false, T); }
snum(A) ::= DECLIT(T). { A = eddy_ast_number(p, false, T); }
snum(A) ::= DBLLIT(T). { A = eddy_ast_number(p, false, T); }
snum(A) ::= MINUS INTLIT(T). { A = eddy_ast_number(p, true, T); }
snum(A) ::= MINUS DECLIT(T). { A = eddy_ast_number(p, true, T); }
snum(A) ::= MINUS DBLLIT(T). { A = eddy_ast_number(p, true, T); }

/* ---- expressions ------------------------------------------------------- */

%type bexpr {eddy_expr *}
bexpr(A) ::= pred(B). { A = B; }
bexpr(A) ::= NOT(T) bexpr(B). { A = eddy_ast_unary(p, T, B); }
bexpr(A) ::= bexpr(L) AND bexpr(R). { A = eddy_ast_binary(p, EDDY_OP_AND, L, R); }
bexpr(A) ::= bexpr(L) OR bexpr(R). { A = eddy_ast_binary(p, EDDY_OP_OR, L, R); }

%type cmp {int}
cmp(A) ::= EQ. { A = EDDY_OP_EQ; }
cmp(A) ::= NE. { A = EDDY_OP_NE; }
cmp(A) ::= LT. { A = EDDY_OP_LT; }
cmp(A) ::= LE. { A = EDDY_OP_LE; }
cmp(A) ::= GT. { A = EDDY_OP_GT; }
cmp(A) ::= GE. { A = EDDY_OP_GE; }

%type not_opt {int}
not_opt(A) ::= . { A = 0; }
not_opt(A) ::= NOT. { A = 1; }

%type pred {eddy_expr *}
pred(A) ::= vexpr(B). { A = B; }
pred(A) ::= vexpr(L) cmp(O) vexpr(R). { A = eddy_ast_binary(p, (eddy_binop)O, L, R); }
pred(A) ::= vexpr(E) BETWEEN vexpr(L) AND vexpr(H). { A = eddy_ast_between(p, E, L, H, false); }
pred(A) ::= vexpr(E) NOT BETWEEN vexpr(L) AND vexpr(H). { A = eddy_ast_between(p, E, L, H, true); }
pred(A) ::= vexpr(E) IN LP exprlist(L) RP. { A = eddy_ast_in(p, E, L, false); }
pred(A) ::= vexpr(E) NOT IN LP exprlist(L) RP. { A = eddy_ast_in(p, E, L, true); }
pred(A) ::= vexpr(E) LIKE vexpr(P). { A = eddy_ast_like(p, E, P, NULL, false); }
pred(A) ::= vexpr(E) LIKE vexpr(P) ESCAPE STRLIT(X). { A = eddy_ast_like(p, E, P, &X, false); }
pred(A) ::= vexpr(E) NOT LIKE vexpr(P). { A = eddy_ast_like(p, E, P, NULL, true); }
pred(A) ::= vexpr(E) NOT LIKE vexpr(P) ESCAPE STRLIT(X). { A = eddy_ast_like(p, E, P, &X, true); }
pred(A) ::= vexpr(E) IS not_opt(N) NULL. { A = eddy_ast_is_null(p, E, N); }
pred(A) ::= vexpr(L) IS not_opt(N) DISTINCT FROM vexpr(R). { A = eddy_ast_is_distinct(p, L, R, N); }

%type vexpr {eddy_expr *}
vexpr(A) ::= primary(B). { A = B; }
vexpr(A) ::= MINUS(T) vexpr(B). [UMINUS] { A = eddy_ast_unary(p, T, B); }
vexpr(A) ::= PLUS(T) vexpr(B). [UMINUS] { A = eddy_ast_unary(p, T, B); }
vexpr(A) ::= vexpr(L) STAR vexpr(R). { A = eddy_ast_binary(p, EDDY_OP_MUL, L, R); }
vexpr(A) ::= vexpr(L) SLASH vexpr(R). { A = eddy_ast_binary(p, EDDY_OP_DIV, L, R); }
vexpr(A) ::= vexpr(L) PERCENT vexpr(R). { A = eddy_ast_binary(p, EDDY_OP_MOD, L, R); }
vexpr(A) ::= vexpr(L) PLUS vexpr(R). { A = eddy_ast_binary(p, EDDY_OP_ADD, L, R); }
vexpr(A) ::= vexpr(L) MINUS vexpr(R). { A = eddy_ast_binary(p, EDDY_OP_SUB, L, R); }
vexpr(A) ::= vexpr(L) CONCAT vexpr(R). { A = eddy_ast_binary(p, EDDY_OP_CONCAT, L, R); }

%type primary {eddy_expr *}
primary(A) ::= NULL(T). { A = eddy_ast_literal(p, T); }
primary(A) ::= TRUE(T). { A = eddy_ast_literal(p, T); }
primary(A) ::= FALSE(T). { A = eddy_ast_literal(p, T); }
primary(A) ::= STRLIT(T). { A = eddy_ast_literal(p, T); }
primary(A) ::= INTLIT(T). { A = eddy_ast_literal(p, T); }
primary(A) ::= DECLIT(T). { A = eddy_ast_literal(p, T); }
primary(A) ::= DBLLIT(T). { A = eddy_ast_literal(p, T); }
primary(A) ::= ident(N). { A = eddy_ast_column(p, NULL, N); }
primary(A) ::= ident(Q) DOT ident(N). { A = eddy_ast_column(p, &Q, N); }
primary(A) ::= ident(N) LP RP. { A = eddy_ast_func(p, N, no_list, false, false); }
primary(A) ::= ident(N) LP STAR RP. { A = eddy_ast_func(p, N, no_list, true, false); }
primary(A) ::= ident(N) LP args(L) RP. { A = eddy_ast_func(p, N, L, false, false); }
primary(A) ::= ident(N) LP DISTINCT args(L) RP. { A = eddy_ast_func(p, N, L, false, true); }
primary(A) ::= primary(B) LBRACKET vexpr(I) RBRACKET. { A = eddy_ast_subscript(p, B, I); }
primary(A) ::= primary(B) ARROW ident(F). { A = eddy_ast_deref(p, B, F); }
primary(A) ::= LP bexpr(E) RP. { A = E; }
primary(A) ::= CAST(T) LP bexpr(E) AS type(Y) RP. { A = eddy_ast_cast(p, T, E, Y); }
primary(A) ::= CASE(T) vexpr(O) whens(W) else_opt(E) END. { A = eddy_ast_case(p, T, O, W, E); }
primary(A) ::= CASE(T) whens(W) else_opt(E) END. { A = eddy_ast_case(p, T, NULL, W, E); }
primary(A) ::= ARRAY(T) LBRACKET RBRACKET. { A = eddy_ast_array(p, T, no_list); }
primary(A) ::= ARRAY(T) LBRACKET exprlist(L) RBRACKET. { A = eddy_ast_array(p, T, L); }
primary(A) ::= MAP(T) LP RP. { A = eddy_ast_map(p, T, no_list); }
primary(A) ::= MAP(T) LP mapents(L) RP. { A = eddy_ast_map(p, T, L); }
primary(A) ::= STRUCT(T) LP RP. { A = eddy_ast_struct(p, T, no_list); }
primary(A) ::= STRUCT(T) LP structents(L) RP. { A = eddy_ast_struct(p, T, L); }

%type exprlist {eddy_list}
exprlist(A) ::= bexpr(E). { A = eddy_ast_list1(p, E); }
exprlist(A) ::= exprlist(L) COMMA bexpr(E). { A = eddy_ast_append(p, L, E); }

%type vexprlist {eddy_list}
vexprlist(A) ::= vexpr(E). { A = eddy_ast_list1(p, E); }
vexprlist(A) ::= vexprlist(L) COMMA vexpr(E). { A = eddy_ast_append(p, L, E); }

/* Function arguments: expressions and lambdas ((x, y) => body). */
%type args {eddy_list}
args(A) ::= arg(E). { A = eddy_ast_list1(p, E); }
args(A) ::= args(L) COMMA arg(E). { A = eddy_ast_append(p, L, E); }

%type arg {eddy_expr *}
arg(A) ::= bexpr(E). { A = E; }
arg(A) ::= ident(N) LAMBDA bexpr(B). { A = eddy_ast_lambda(p, eddy_tok_pos(N), eddy_ast_list1(p, eddy_ast_column(p, NULL, N)), B); }
arg(A) ::= LP(T) bexpr(E) RP LAMBDA bexpr(B). { A = eddy_ast_lambda(p, eddy_tok_pos(T), eddy_ast_list1(p, E), B); }
arg(A) ::= LP(T) bexpr(E) COMMA exprlist(L) RP LAMBDA bexpr(B). { A = eddy_ast_lambda(p, eddy_tok_pos(T), eddy_ast_prepend(p, E, L), B); }

%type whens {eddy_list}
whens(A) ::= WHEN bexpr(C) THEN bexpr(R). { A = eddy_ast_append(p, eddy_ast_list1(p, C), R); }
whens(A) ::= whens(L) WHEN bexpr(C) THEN bexpr(R). { A = eddy_ast_append(p, eddy_ast_append(p, L, C), R); }

%type else_opt {eddy_expr *}
else_opt(A) ::= . { A = NULL; }
else_opt(A) ::= ELSE bexpr(E). { A = E; }

%type mapents {eddy_list}
mapents(A) ::= bexpr(K) ASSIGN bexpr(V). { A = eddy_ast_append(p, eddy_ast_list1(p, K), V); }
mapents(A) ::= mapents(L) COMMA bexpr(K) ASSIGN bexpr(V). { A = eddy_ast_append(p, eddy_ast_append(p, L, K), V); }

%type structents {eddy_list}
structents(A) ::= ident(N) ASSIGN bexpr(V). { A = eddy_ast_append(p, eddy_ast_list1(p, (void *)eddy_ast_name(p, N)), V); }
structents(A) ::= structents(L) COMMA ident(N) ASSIGN bexpr(V). { A = eddy_ast_append(p, eddy_ast_append(p, L, (void *)eddy_ast_name(p, N)), V); }

/* ---- types ------------------------------------------------------------- */

%type type {eddy_type *}
type(A) ::= ident(N). { A = eddy_ast_type_named(p, N, NULL); }
type(A) ::= ident(N) LP tparams(L) RP. { A = eddy_ast_type_named(p, N, &L); }
type(A) ::= ARRAY LT type(E) GT. { A = eddy_ast_type_array(p, E); }
type(A) ::= MAP(T) LT type(K) COMMA type(V) GT. { A = eddy_ast_type_map(p, T, K, V); }
type(A) ::= STRUCT LT GT. { A = eddy_ast_type_struct(p, no_list); }
type(A) ::= STRUCT NE(T). { A = T.z[0] == '<' ? eddy_ast_type_struct(p, no_list) : eddy_ast_error(p, &T, "Syntax error at or near '!='"); }
type(A) ::= STRUCT LT sfields(L) GT. { A = eddy_ast_type_struct(p, L); }

%type tparams {eddy_list}
tparams(A) ::= INTLIT(T). { A = eddy_ast_list1(p, eddy_ast_number(p, false, T)); }
tparams(A) ::= tparams(L) COMMA INTLIT(T). { A = eddy_ast_append(p, L, eddy_ast_number(p, false, T)); }

%type sfields {eddy_list}
sfields(A) ::= ident(N) type(T). { A = eddy_ast_append(p, eddy_ast_list1(p, (void *)eddy_ast_name(p, N)), T); }
sfields(A) ::= sfields(L) COMMA ident(N) type(T). { A = eddy_ast_append(p, eddy_ast_append(p, L, (void *)eddy_ast_name(p, N)), T); }

/* ---- queries ----------------------------------------------------------- */

%type query {eddy_query *}
query(A) ::= SELECT(S) items(I) FROM rel(R) window_opt(W) where_opt(WH) groupby_opt(G) partby_opt(PB) having_opt(H) emit_opt(E) limit_opt(L). { A = eddy_ast_query_finish(p, S, I, R, W, WH, G, PB, H, E, L); }

%type items {eddy_list}
items(A) ::= item(I). { A = eddy_ast_list1(p, I); }
items(A) ::= items(L) COMMA item(I). { A = eddy_ast_append(p, L, I); }

%type item {eddy_select_item *}
item(A) ::= bexpr(E). { A = eddy_ast_item(p, E, NULL); }
item(A) ::= bexpr(E) ident(N). { A = eddy_ast_item(p, E, &N); }
item(A) ::= bexpr(E) AS ident(N). { A = eddy_ast_item(p, E, &N); }
item(A) ::= STAR(T). { A = eddy_ast_item(p, eddy_ast_star(p, NULL, T), NULL); }
item(A) ::= ident(Q) DOT STAR(T). { A = eddy_ast_item(p, eddy_ast_star(p, &Q, T), NULL); }

%type rel {eddy_query *}
rel(A) ::= aliased(S). { A = eddy_ast_from(p, S); }
rel(A) ::= rel(Q) jtype(K) JOIN aliased(S) within_opt(W) ON bexpr(E). { A = eddy_ast_join(p, Q, (eddy_join_kind)K, S, W, E); }

%type aliased {eddy_source_ref}
aliased(A) ::= ident(N). { A = eddy_ast_source(p, N, NULL); }
aliased(A) ::= ident(N) ident(L). { A = eddy_ast_source(p, N, &L); }
aliased(A) ::= ident(N) AS ident(L). { A = eddy_ast_source(p, N, &L); }

%type jtype {int}
jtype(A) ::= . { A = EDDY_JOIN_INNER; }
jtype(A) ::= INNER. { A = EDDY_JOIN_INNER; }
jtype(A) ::= LEFT. { A = EDDY_JOIN_LEFT; }
jtype(A) ::= LEFT OUTER. { A = EDDY_JOIN_LEFT; }
jtype(A) ::= RIGHT. { A = EDDY_JOIN_RIGHT; }
jtype(A) ::= RIGHT OUTER. { A = EDDY_JOIN_RIGHT; }
jtype(A) ::= FULL. { A = EDDY_JOIN_FULL; }
jtype(A) ::= FULL OUTER. { A = EDDY_JOIN_FULL; }

%type within_opt {eddy_join *}
within_opt(A) ::= . { A = NULL; }
within_opt(A) ::= WITHIN(T) dur(D) grace_opt(G). { A = eddy_ast_within(p, T, D, NULL, &G); }
within_opt(A) ::= WITHIN(T) LP dur(B) COMMA dur(F) RP grace_opt(G). { A = eddy_ast_within(p, T, B, &F, &G); }

%type grace_opt {eddy_duration}
grace_opt(A) ::= . { A = no_duration; }
grace_opt(A) ::= GRACE PERIOD dur(D). { A = D; }

%type dur {eddy_duration}
dur(A) ::= INTLIT(N) unit(U). { A = eddy_ast_duration(p, N, U); }

%type unit {int}
unit(A) ::= MILLISECOND. { A = EDDY_TU_MILLISECONDS; }
unit(A) ::= MILLISECONDS. { A = EDDY_TU_MILLISECONDS; }
unit(A) ::= SECOND. { A = EDDY_TU_SECONDS; }
unit(A) ::= SECONDS. { A = EDDY_TU_SECONDS; }
unit(A) ::= MINUTE. { A = EDDY_TU_MINUTES; }
unit(A) ::= MINUTES. { A = EDDY_TU_MINUTES; }
unit(A) ::= HOUR. { A = EDDY_TU_HOURS; }
unit(A) ::= HOURS. { A = EDDY_TU_HOURS; }
unit(A) ::= DAY. { A = EDDY_TU_DAYS; }
unit(A) ::= DAYS. { A = EDDY_TU_DAYS; }

%type window_opt {eddy_window *}
window_opt(A) ::= . { A = NULL; }
window_opt(A) ::= WINDOW(T) TUMBLING LP SIZE dur(S) wopts(O) RP. { A = eddy_ast_window(p, O, EDDY_WIN_TUMBLING, T, S, NULL); }
window_opt(A) ::= WINDOW(T) HOPPING LP SIZE dur(S) COMMA ADVANCE BY dur(V) wopts(O) RP. { A = eddy_ast_window(p, O, EDDY_WIN_HOPPING, T, S, &V); }
window_opt(A) ::= WINDOW(T) SESSION LP dur(S) wopts(O) RP. { A = eddy_ast_window(p, O, EDDY_WIN_SESSION, T, S, NULL); }

%type wopts {eddy_window *}
wopts(A) ::= . { A = eddy_ast_window_opt(p, NULL, 0, (eddy_token){0}, no_duration); }
wopts(A) ::= wopts(W) COMMA RETENTION(T) dur(D). { A = eddy_ast_window_opt(p, W, 'R', T, D); }
wopts(A) ::= wopts(W) COMMA GRACE(T) PERIOD dur(D). { A = eddy_ast_window_opt(p, W, 'G', T, D); }

%type where_opt {eddy_expr *}
where_opt(A) ::= . { A = NULL; }
where_opt(A) ::= WHERE bexpr(E). { A = E; }

/* GROUP BY a, b | GROUP BY (a, b) | GROUP BY (): value expressions only. */
%type gexprs {eddy_list}
gexprs(A) ::= vexprlist(L). { A = L; }
gexprs(A) ::= LP RP. { A = no_list; A.cap = -1; /* "()": written, but empty */ }
gexprs(A) ::= LP vexpr(E) COMMA vexprlist(L) RP. { A = eddy_ast_prepend(p, E, L); }

%type groupby_opt {eddy_list}
groupby_opt(A) ::= . { A = no_list; }
groupby_opt(A) ::= GROUP BY gexprs(L). { A = L; }

%type partby_opt {eddy_list}
partby_opt(A) ::= . { A = no_list; }
partby_opt(A) ::= PARTITION BY gexprs(L). { A = L; }

%type having_opt {eddy_expr *}
having_opt(A) ::= . { A = NULL; }
having_opt(A) ::= HAVING bexpr(E). { A = E; }

%type emit_opt {int}
emit_opt(A) ::= . { A = EDDY_EMIT_NONE; }
emit_opt(A) ::= EMIT CHANGES. { A = EDDY_EMIT_CHANGES; }
emit_opt(A) ::= EMIT FINAL. { A = EDDY_EMIT_FINAL; }

%type limit_opt {eddy_expr *}
limit_opt(A) ::= . { A = NULL; }
limit_opt(A) ::= LIMIT snum(N). { A = N; }

/* ---- statements -------------------------------------------------------- */

%type stmt {eddy_stmt *}
stmt(A) ::= query(Q). { A = eddy_ast_query_stmt(p, Q); }

/* SHOW | LIST */
%type showkw {eddy_token}
showkw(A) ::= SHOW(T). { A = T; }
showkw(A) ::= LIST(T). { A = T; }

%type ext_opt {int}
ext_opt(A) ::= . { A = 0; }
ext_opt(A) ::= EXTENDED. { A = 1; }

stmt(A) ::= showkw(T) PROPERTIES. { A = eddy_ast_show(p, T, EDDY_SHOW_PROPERTIES, false, 0); }
stmt(A) ::= showkw(T) TOPICS ext_opt(X). { A = eddy_ast_show(p, T, EDDY_SHOW_TOPICS, X, 0); }
stmt(A) ::= showkw(T) ALL TOPICS ext_opt(X). { A = eddy_ast_show(p, T, EDDY_SHOW_TOPICS, X, 1); }
stmt(A) ::= showkw(T) STREAMS ext_opt(X). { A = eddy_ast_show(p, T, EDDY_SHOW_STREAMS, X, 0); }
stmt(A) ::= showkw(T) TABLES ext_opt(X). { A = eddy_ast_show(p, T, EDDY_SHOW_TABLES, X, 0); }
stmt(A) ::= showkw(T) QUERIES ext_opt(X). { A = eddy_ast_show(p, T, EDDY_SHOW_QUERIES, X, 0); }
stmt(A) ::= showkw(T) FUNCTIONS. { A = eddy_ast_show(p, T, EDDY_SHOW_FUNCTIONS, false, 0); }
stmt(A) ::= showkw(T) TYPES. { A = eddy_ast_show(p, T, EDDY_SHOW_TYPES, false, 0); }
stmt(A) ::= showkw(T) VARIABLES. { A = eddy_ast_show(p, T, EDDY_SHOW_VARIABLES, false, 0); }
stmt(A) ::= showkw(T) CONNECTORS. { A = eddy_ast_show(p, T, EDDY_SHOW_CONNECTORS, false, 0); }
stmt(A) ::= showkw(T) SOURCE CONNECTORS. { A = eddy_ast_show(p, T, EDDY_SHOW_CONNECTORS, false, 1); }
stmt(A) ::= showkw(T) SINK CONNECTORS. { A = eddy_ast_show(p, T, EDDY_SHOW_CONNECTORS, false, 2); }
stmt(A) ::= showkw(T) CONNECTOR PLUGINS. { A = eddy_ast_show(p, T, EDDY_SHOW_CONNECTOR_PLUGINS, false, 0); }

/* DESCRIBE */
stmt(A) ::= DESCRIBE(T) ident(N) ext_opt(X). { A = eddy_ast_describe(p, T, EDDY_STMT_DESCRIBE, &N, 0, X); }
stmt(A) ::= DESCRIBE(T) EXTENDED ident(N). { A = eddy_ast_describe(p, T, EDDY_STMT_DESCRIBE, &N, 0, true); }
stmt(A) ::= DESCRIBE(T) STREAMS ext_opt(X). { A = eddy_ast_describe(p, T, EDDY_STMT_DESCRIBE_STREAMS, NULL, EDDY_SOURCE_STREAM, X); }
stmt(A) ::= DESCRIBE(T) TABLES ext_opt(X). { A = eddy_ast_describe(p, T, EDDY_STMT_DESCRIBE_STREAMS, NULL, EDDY_SOURCE_TABLE, X); }
stmt(A) ::= DESCRIBE(T) FUNCTION ident(N). { A = eddy_ast_describe(p, T, EDDY_STMT_DESCRIBE_FUNCTION, &N, 0, false); }
stmt(A) ::= DESCRIBE(T) CONNECTOR ident(N). { A = eddy_ast_describe(p, T, EDDY_STMT_DESCRIBE_CONNECTOR, &N, 0, false); }

/* CREATE [OR REPLACE] [SOURCE] STREAM | TABLE ... */
%type cprefix {int}
cprefix(A) ::= CREATE. { A = 0; }
cprefix(A) ::= CREATE OR REPLACE. { A = EDDY_AST_OR_REPLACE; }

%type csrc {int}
csrc(A) ::= cprefix(F). { A = F; }
csrc(A) ::= cprefix(F) SOURCE. { A = F | EDDY_AST_SOURCE; }

%type stype {int}
stype(A) ::= STREAM. { A = EDDY_SOURCE_STREAM; }
stype(A) ::= TABLE. { A = EDDY_SOURCE_TABLE; }

%type ine {int}
ine(A) ::= . { A = 0; }
ine(A) ::= IF NOT EXISTS. { A = 1; }

%type ie {int}
ie(A) ::= . { A = 0; }
ie(A) ::= IF EXISTS. { A = 1; }

%type with_opt {eddy_list}
with_opt(A) ::= . { A = no_list; }
with_opt(A) ::= WITH LP props(L) RP. { A = L; }

%type props {eddy_list}
props(A) ::= prop(P). { A = eddy_ast_list1(p, P); }
props(A) ::= props(L) COMMA prop(P). { A = eddy_ast_append(p, L, P); }

%type prop {eddy_property *}
prop(A) ::= ident(N) EQ literal(V). { A = eddy_ast_property(p, N, V); }
prop(A) ::= STRLIT(N) EQ literal(V). { A = eddy_ast_property(p, N, V); }

%type elems {eddy_list}
elems(A) ::= elem(E). { A = eddy_ast_list1(p, E); }
elems(A) ::= elems(L) COMMA elem(E). { A = eddy_ast_append(p, L, E); }

%type elem {eddy_table_element *}
elem(A) ::= ident(N) type(T) cons(C). { A = eddy_ast_element(p, N, T, C); }

%type cons {eddy_table_element *}
cons(A) ::= . { A = eddy_ast_constraint(p, EDDY_COL_VALUE, false, NULL); }
cons(A) ::= KEY. { A = eddy_ast_constraint(p, EDDY_COL_KEY, false, NULL); }
cons(A) ::= PRIMARY KEY. { A = eddy_ast_constraint(p, EDDY_COL_KEY, true, NULL); }
cons(A) ::= HEADERS. { A = eddy_ast_constraint(p, EDDY_COL_HEADERS, false, NULL); }
cons(A) ::= HEADER LP STRLIT(K) RP. { A = eddy_ast_constraint(p, EDDY_COL_HEADER, false, &K); }

stmt(A) ::= csrc(F) stype(K) ine(I) ident(N) with_opt(W). { A = eddy_ast_create_source(p, N, F, K, I, N, no_list, W); }
stmt(A) ::= csrc(F) stype(K) ine(I) ident(N) LP elems(E) RP with_opt(W). { A = eddy_ast_create_source(p, N, F, K, I, N, E, W); }
stmt(A) ::= csrc(F) stype(K) ine(I) ident(N) with_opt(W) AS query(Q). { A = eddy_ast_create_as(p, N, F, K, I, N, W, Q); }
stmt(A) ::= csrc(F) CONNECTOR(T) ine(I) ident(N) WITH LP props(W) RP. { A = eddy_ast_create_connector(p, T, F, true, T, I, N, W); }
stmt(A) ::= cprefix(F) SINK CONNECTOR(T) ine(I) ident(N) WITH LP props(W) RP. { A = eddy_ast_create_connector(p, T, F, false, T, I, N, W); }
stmt(A) ::= cprefix(F) TYPE(T) ine(I) ident(N) AS type(Y). { A = eddy_ast_create_type(p, T, F, I, N, Y); }

/* INSERT */
%type identlist {eddy_list}
identlist(A) ::= ident(N). { A = eddy_ast_list1(p, (void *)eddy_ast_name(p, N)); }
identlist(A) ::= identlist(L) COMMA ident(N). { A = eddy_ast_append(p, L, (void *)eddy_ast_name(p, N)); }

%type values {eddy_list}
values(A) ::= VALUES LP RP. { A = no_list; }
values(A) ::= VALUES LP vexprlist(L) RP. { A = L; }

stmt(A) ::= INSERT(T) INTO ident(N) with_opt(W) query(Q). { A = eddy_ast_insert_select(p, T, N, W, Q); }
stmt(A) ::= INSERT(T) INTO ident(N) values(V). { A = eddy_ast_insert_values(p, T, N, no_list, V); }
stmt(A) ::= INSERT(T) INTO ident(N) LP identlist(C) RP values(V). { A = eddy_ast_insert_values(p, T, N, C, V); }

/* DROP */
%type del_opt {int}
del_opt(A) ::= . { A = 0; }
del_opt(A) ::= DELETE TOPIC. { A = 1; }

stmt(A) ::= DROP(T) stype(K) ie(I) ident(N) del_opt(D). { A = eddy_ast_drop(p, T, EDDY_STMT_DROP_SOURCE, K, I, N, D); }
stmt(A) ::= DROP(T) TYPE ie(I) ident(N). { A = eddy_ast_drop(p, T, EDDY_STMT_DROP_TYPE, 0, I, N, false); }
stmt(A) ::= DROP(T) CONNECTOR ie(I) ident(N). { A = eddy_ast_drop(p, T, EDDY_STMT_DROP_CONNECTOR, 0, I, N, false); }

/* Properties and variables */
stmt(A) ::= SET(T) STRLIT(N) EQ STRLIT(V). { A = eddy_ast_set(p, T, EDDY_STMT_SET, N, &V); }
stmt(A) ::= UNSET(T) STRLIT(N). { A = eddy_ast_set(p, T, EDDY_STMT_UNSET, N, NULL); }
stmt(A) ::= ALTER(T) SYSTEM STRLIT(N) EQ STRLIT(V). { A = eddy_ast_set(p, T, EDDY_STMT_ALTER_SYSTEM, N, &V); }
stmt(A) ::= DEFINE(T) ident(N) EQ STRLIT(V). { A = eddy_ast_set(p, T, EDDY_STMT_DEFINE, N, &V); }
stmt(A) ::= UNDEFINE(T) ident(N). { A = eddy_ast_set(p, T, EDDY_STMT_UNDEFINE, N, NULL); }

/* Queries: TERMINATE, PAUSE, RESUME, EXPLAIN */
%type ctlkw {int}
ctlkw(A) ::= TERMINATE. { A = EDDY_STMT_TERMINATE; }
ctlkw(A) ::= PAUSE. { A = EDDY_STMT_PAUSE; }
ctlkw(A) ::= RESUME. { A = EDDY_STMT_RESUME; }

stmt(A) ::= ctlkw(K) ident(N). { A = eddy_ast_control(p, N, (eddy_stmt_kind)K, &N); }
stmt(A) ::= ctlkw(K) ALL(T). { A = eddy_ast_control(p, T, (eddy_stmt_kind)K, NULL); }
stmt(A) ::= EXPLAIN(T) ident(N). { A = eddy_ast_explain(p, T, &N, NULL); }
stmt(A) ::= EXPLAIN(T) stmt(S). { A = eddy_ast_explain(p, T, NULL, S); }

/* PRINT topic [FROM BEGINNING] [INTERVAL | SAMPLE n] [LIMIT n] */
%type resname {eddy_token}
resname(A) ::= ident(N). { A = N; }
resname(A) ::= STRLIT(N). { A = N; }

%type from_opt {int}
from_opt(A) ::= . { A = 0; }
from_opt(A) ::= FROM BEGINNING. { A = 1; }

%type interval_opt {eddy_expr *}
interval_opt(A) ::= . { A = NULL; }
interval_opt(A) ::= INTERVAL snum(N). { A = N; }
interval_opt(A) ::= SAMPLE snum(N). { A = N; }

stmt(A) ::= PRINT(T) resname(N) from_opt(F) interval_opt(I) limit_opt(L). { A = eddy_ast_print(p, T, N, F, I, L); }
stmt(A) ::= RUN(T) SCRIPT STRLIT(S). { A = eddy_ast_run_script(p, T, S); }

/* ASSERT */
%type notex {int}
notex(A) ::= . { A = 0; }
notex(A) ::= NOT EXISTS. { A = 1; }

%type timeout_opt {eddy_duration}
timeout_opt(A) ::= . { A = no_duration; }
timeout_opt(A) ::= TIMEOUT dur(D). { A = D; }

%type subject_opt {eddy_token}
subject_opt(A) ::= . { A = (eddy_token){0}; }
subject_opt(A) ::= SUBJECT resname(N). { A = N; }

%type id_opt {eddy_expr *}
id_opt(A) ::= . { A = NULL; }
id_opt(A) ::= ID literal(V). { A = V; }

stmt(A) ::= ASSERT(T) notex(X) TOPIC resname(N) with_opt(W) timeout_opt(O). { A = eddy_ast_assert(p, T, EDDY_STMT_ASSERT_TOPIC, X, 0, &N, W, NULL, NULL, O); }
stmt(A) ::= ASSERT(T) notex(X) SCHEMA subject_opt(S) id_opt(I) timeout_opt(O). { A = eddy_ast_assert(p, T, EDDY_STMT_ASSERT_SCHEMA, X, 0, NULL, no_list, OPT(S), I, O); }
stmt(A) ::= ASSERT(T) notex(X) stype(K) ident(N) timeout_opt(O). { A = eddy_ast_assert(p, T, EDDY_STMT_ASSERT_STREAM, X, K, &N, no_list, NULL, NULL, O); }

/* CREATE ... CONNECTOR is above; DROP CONNECTOR is with DROP. */

/* ALTER STREAM | TABLE name ADD [COLUMN] c type, ... */
%type alteropts {eddy_list}
alteropts(A) ::= alteropt(E). { A = eddy_ast_list1(p, E); }
alteropts(A) ::= alteropts(L) COMMA alteropt(E). { A = eddy_ast_append(p, L, E); }

%type alteropt {eddy_table_element *}
alteropt(A) ::= ADD ident(N) type(T). { A = eddy_ast_element(p, N, T, eddy_ast_constraint(p, EDDY_COL_VALUE, false, NULL)); }
alteropt(A) ::= ADD COLUMN ident(N) type(T). { A = eddy_ast_element(p, N, T, eddy_ast_constraint(p, EDDY_COL_VALUE, false, NULL)); }

stmt(A) ::= ALTER(T) stype(K) ident(N) alteropts(L). { A = eddy_ast_alter(p, T, K, N, L); }

%code {
/* Would the parser, in its current state, shift token `tok` (after the
 * reductions it implies)?  Simulates the reductions on a copy of the top of
 * the stack, like Bison's LAC, so that a keyword can be tried as itself
 * before it falls back to an identifier and so that errors list exactly the
 * tokens that can follow. */
int eddy_sqlp_accepts(void *parser, int tok) {
    yyParser *pp = (yyParser *)parser;
    YYACTIONTYPE extra[64];
    int nextra = 0;
    int depth = (int)(pp->yytos - pp->yystack); /* index of the top real entry */
    YYACTIONTYPE state = pp->yytos->stateno;
    if (tok < 0 || tok >= YYNTOKEN) return 0;
    for (int iter = 0; iter < 10000; iter++) {
        YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)tok, state);
        if (act >= YY_MIN_REDUCE) {
            unsigned rule = act - YY_MIN_REDUCE;
            int nrhs = -yyRuleInfoNRhs[rule];
            if (nrhs <= nextra) {
                nextra -= nrhs;
            } else {
                depth -= nrhs - nextra;
                nextra = 0;
            }
            if (depth < 0) return 0;
            YYACTIONTYPE below = nextra ? extra[nextra - 1] : pp->yystack[depth].stateno;
            if (nextra == (int)(sizeof extra / sizeof extra[0])) return 1; /* let the parser decide */
            state = yy_find_reduce_action(below, yyRuleInfoLhs[rule]);
            extra[nextra++] = state;
        } else if (act <= YY_MAX_SHIFTREDUCE || act == YY_ACCEPT_ACTION) {
            return 1;
        } else {
            return 0;
        }
    }
    return 1;
}

/* Number of terminal codes (tokens are 1 .. n-1; 0 is the end of input). */
int eddy_sqlp_ntokens(void) { return YYNTOKEN; }
}
