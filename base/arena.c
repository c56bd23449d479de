/* arena.c - a bump allocator for short-lived trees freed at once. */
#include "base/arena.h"

#include "base/error.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 8192

typedef struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} block;

typedef struct deferred {
    struct deferred *next;
    void (*fn)(void *);
    void *p;
} deferred;

struct eddy_arena {
    block *head;
    deferred *defers;
};

eddy_arena *eddy_arena_new(void) { return calloc(1, sizeof(eddy_arena)); }

void eddy_arena_destroy(eddy_arena *a) {
    if (!a) return;
    for (deferred *d = a->defers; d;) {
        deferred *n = d->next;
        d->fn(d->p);
        free(d);
        d = n;
    }
    for (block *b = a->head; b;) {
        block *n = b->next;
        free(b);
        b = n;
    }
    free(a);
}

void eddy_arena_reset(eddy_arena *a) {
    for (deferred *d = a->defers; d;) {
        deferred *n = d->next;
        d->fn(d->p);
        free(d);
        d = n;
    }
    a->defers = NULL;
    /* Keep the most recent block if it is an ordinary one; free the rest. */
    block *keep = a->head && a->head->cap == ARENA_BLOCK ? a->head : NULL;
    for (block *b = a->head; b;) {
        block *n = b->next;
        if (b != keep) free(b);
        b = n;
    }
    a->head = keep;
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
}

void *eddy_arena_alloc(eddy_arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        block *b = malloc(sizeof(block) + cap);
        if (!b) return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

char *eddy_arena_strndup(eddy_arena *a, const char *s, size_t n) {
    char *p = eddy_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *eddy_arena_strdup(eddy_arena *a, const char *s) { return eddy_arena_strndup(a, s, strlen(s)); }

int eddy_arena_defer(eddy_arena *a, void (*fn)(void *), void *p) {
    deferred *d = malloc(sizeof *d);
    if (!d) {
        fn(p);
        return EDDY_NOMEM;
    }
    d->fn = fn;
    d->p = p;
    d->next = a->defers;
    a->defers = d;
    return 0;
}
