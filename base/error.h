/* error.h - eddy's error codes (one X-macro list) and the error context object.
 *
 * Functions return 0 on success or a negative EDDY_E* code.  Errors that need a
 * message (and, for SQL, a position) are written into an eddy_err the caller
 * passes in; the caller checks the return code once and reads err->msg.
 */
#ifndef EDDY_BASE_ERROR_H
#define EDDY_BASE_ERROR_H

#include <stdarg.h>

/* XX(NAME, message).  Codes are negative, in this order, starting at -1. */
#define EDDY_ERRNO_MAP(XX)                                                   \
    XX(NOMEM, "out of memory")                                               \
    XX(INVAL, "invalid argument")                                            \
    XX(PARSE, "syntax error")                                                \
    XX(ANALYSIS, "statement is not valid")                                   \
    XX(NOTFOUND, "not found")                                                \
    XX(EXISTS, "already exists")                                             \
    XX(UNSUPPORTED, "not supported yet")                                     \
    XX(IO, "i/o error")                                                      \
    XX(STORAGE, "storage error")                                             \
    XX(CORRUPT, "corrupt data")                                              \
    XX(RANGE, "value out of range")                                          \
    XX(TIMEOUT, "timed out")                                                 \
    XX(CLOSED, "closed")                                                     \
    XX(AGAIN, "try again")                                                   \
    XX(TOOBIG, "too large")                                                  \
    XX(CONFIG, "invalid configuration")                                      \
    XX(INTERNAL, "internal error")

/* Index of each code in the list (1, 2, ...); the public codes are its negation. */
enum {
    EDDY_ERR_IDX_NONE_ = 0,
#define EDDY_ERR_IDX_(name, msg) EDDY_ERR_IDX_##name,
    EDDY_ERRNO_MAP(EDDY_ERR_IDX_)
#undef EDDY_ERR_IDX_
};

enum {
    EDDY_OK = 0,
#define EDDY_ERR_PUB_(name, msg) EDDY_##name = -EDDY_ERR_IDX_##name,
    EDDY_ERRNO_MAP(EDDY_ERR_PUB_)
#undef EDDY_ERR_PUB_
};

/* Name ("EDDY_NOMEM") and message of a code; unknown codes give "unknown". */
const char *eddy_err_name(int code);
const char *eddy_strerror(int code);

/* An error with a message, and for SQL errors the 1-based line and column
 * where it was found (0 when not known). */
typedef struct eddy_err {
    int code;       /* 0 or an EDDY_* code */
    int line;       /* 1-based, 0 = unknown */
    int col;        /* 1-based, 0 = unknown */
    char msg[1024]; /* NUL-terminated, truncated if longer */
} eddy_err;

void eddy_err_clear(eddy_err *err);
/* Set code and message (printf-style).  Returns code so callers can write
 * `return eddy_err_set(err, EDDY_INVAL, "...")`.  err may be NULL. */
int eddy_err_set(eddy_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int eddy_err_vset(eddy_err *err, int code, const char *fmt, va_list ap);
/* Same with a position. */
int eddy_err_set_at(eddy_err *err, int code, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
