/* arena.h - a bump allocator for short-lived trees (ASTs, plans) freed at once.
 *
 * Allocations are 16-byte aligned and zeroed.  eddy_arena_defer registers a
 * cleanup run (last registered first) when the arena is destroyed, for objects
 * that live on the heap but belong to the tree (e.g. refcounted types).
 */
#ifndef EDDY_BASE_ARENA_H
#define EDDY_BASE_ARENA_H

#include <stddef.h>

typedef struct eddy_arena eddy_arena;

eddy_arena *eddy_arena_new(void);
/* Frees every block and runs deferred cleanups.  NULL is a no-op. */
void eddy_arena_destroy(eddy_arena *a);
/* Frees everything allocated so far (keeping one block for reuse) and runs
 * the deferred cleanups; the arena stays usable. */
void eddy_arena_reset(eddy_arena *a);
/* Zeroed memory owned by the arena; NULL when out of memory. */
void *eddy_arena_alloc(eddy_arena *a, size_t n);
/* Copies of strings owned by the arena. */
char *eddy_arena_strdup(eddy_arena *a, const char *s);
char *eddy_arena_strndup(eddy_arena *a, const char *s, size_t n);
/* Run fn(p) when the arena is destroyed.  Returns 0 or EDDY_NOMEM (and then
 * runs fn(p) at once so nothing leaks). */
int eddy_arena_defer(eddy_arena *a, void (*fn)(void *), void *p);

#endif
