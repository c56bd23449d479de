/* strbuf.h - a growable NUL-terminated string buffer.
 *
 * An eddy_strbuf is owned by the caller (init/fini).  Appends never fail
 * visibly: on allocation failure the buffer is marked failed (sb->failed) and
 * further appends are ignored, so callers check once at the end.
 */
#ifndef EDDY_BASE_STRBUF_H
#define EDDY_BASE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct eddy_strbuf {
    char *buf;    /* always NUL-terminated once anything was appended; may be NULL when empty */
    size_t len;   /* bytes used, excluding the NUL */
    size_t cap;   /* bytes allocated */
    int failed;   /* 1 after an allocation failure */
} eddy_strbuf;

#define EDDY_STRBUF_INIT {NULL, 0, 0, 0}

void eddy_strbuf_init(eddy_strbuf *sb);
/* Frees the memory; sb can be reused after eddy_strbuf_init. */
void eddy_strbuf_fini(eddy_strbuf *sb);
void eddy_strbuf_reset(eddy_strbuf *sb); /* len = 0, keeps memory */
void eddy_strbuf_append(eddy_strbuf *sb, const char *s, size_t n);
void eddy_strbuf_puts(eddy_strbuf *sb, const char *s);
void eddy_strbuf_putc(eddy_strbuf *sb, char c);
void eddy_strbuf_printf(eddy_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eddy_strbuf_vprintf(eddy_strbuf *sb, const char *fmt, va_list ap);
/* The contents ("" when empty).  Owned by sb. */
const char *eddy_strbuf_cstr(const eddy_strbuf *sb);
/* Takes the buffer: the caller owns the returned string (free()); sb is left
 * empty.  Returns NULL if an allocation failed earlier. */
char *eddy_strbuf_detach(eddy_strbuf *sb);

#endif
