/* error.c - names and messages of eddy's error codes, and the error context. */
#include "base/error.h"

#include <stdio.h>
#include <string.h>

const char *eddy_err_name(int code) {
    switch (code) {
    case 0: return "EDDY_OK";
#define XX(name, msg) case EDDY_##name: return "EDDY_" #name;
        EDDY_ERRNO_MAP(XX)
#undef XX
    default: return "unknown";
    }
}

const char *eddy_strerror(int code) {
    switch (code) {
    case 0: return "success";
#define XX(name, msg) case EDDY_##name: return msg;
        EDDY_ERRNO_MAP(XX)
#undef XX
    default: return "unknown";
    }
}

void eddy_err_clear(eddy_err *err) {
    if (!err) return;
    err->code = 0;
    err->line = err->col = 0;
    err->msg[0] = '\0';
}

int eddy_err_vset(eddy_err *err, int code, const char *fmt, va_list ap) {
    if (!err) return code;
    err->code = code;
    if (fmt) vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    else snprintf(err->msg, sizeof err->msg, "%s", eddy_strerror(code));
    return code;
}

int eddy_err_set(eddy_err *err, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    eddy_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int eddy_err_set_at(eddy_err *err, int code, int line, int col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    eddy_err_vset(err, code, fmt, ap);
    va_end(ap);
    if (err) {
        err->line = line;
        err->col = col;
    }
    return code;
}
