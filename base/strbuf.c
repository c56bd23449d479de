/* strbuf.c - a growable NUL-terminated string buffer. */
#include "base/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eddy_strbuf_init(eddy_strbuf *sb) {
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    sb->failed = 0;
}

void eddy_strbuf_fini(eddy_strbuf *sb) {
    free(sb->buf);
    eddy_strbuf_init(sb);
}

void eddy_strbuf_reset(eddy_strbuf *sb) {
    sb->len = 0;
    if (sb->buf) sb->buf[0] = '\0';
}

static int grow(eddy_strbuf *sb, size_t extra) {
    if (sb->failed) return -1;
    if (sb->len + extra + 1 <= sb->cap) return 0;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1) cap *= 2;
    char *p = realloc(sb->buf, cap);
    if (!p) {
        sb->failed = 1;
        return -1;
    }
    sb->buf = p;
    sb->cap = cap;
    return 0;
}

void eddy_strbuf_append(eddy_strbuf *sb, const char *s, size_t n) {
    if (grow(sb, n)) return;
    if (n) memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void eddy_strbuf_puts(eddy_strbuf *sb, const char *s) { eddy_strbuf_append(sb, s, strlen(s)); }

void eddy_strbuf_putc(eddy_strbuf *sb, char c) { eddy_strbuf_append(sb, &c, 1); }

void eddy_strbuf_vprintf(eddy_strbuf *sb, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || grow(sb, (size_t)n)) return;
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void eddy_strbuf_printf(eddy_strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    eddy_strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
}

const char *eddy_strbuf_cstr(const eddy_strbuf *sb) { return sb->buf ? sb->buf : ""; }

char *eddy_strbuf_detach(eddy_strbuf *sb) {
    char *p;
    if (sb->failed) {
        eddy_strbuf_fini(sb);
        return NULL;
    }
    p = sb->buf ? sb->buf : strdup("");
    eddy_strbuf_init(sb);
    return p;
}
