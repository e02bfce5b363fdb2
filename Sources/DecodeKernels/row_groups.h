// What the AVX2 and AVX-512 rows share: rows in groups of four (a short last group repeats its last
// row) and the prefetch that runs `prefetch_bytes` ahead of the group being read. Plain C: the
// prefetch instruction is in every x86-64 CPU.
#ifndef PIPE_ROW_GROUPS_H
#define PIPE_ROW_GROUPS_H

#include "pipe_quant_rows.h"
#include <immintrin.h>
#include <stdint.h>

#define GROUP 4

/// The prefetch stream of rows lo ..< hi: the next line to fetch and where the rows end.
typedef struct {
    const char *next;
    const char *end;
} row_prefetch;

/// The stream for rows lo ..< hi; the first group's own rows are left to the hardware.
static inline row_prefetch row_prefetch_start(const pipe_matvec_rows *a, long lo, long hi) {
    const char *base = (const char *)a->matrix;
    return (row_prefetch){base + (lo + GROUP) * a->row_bytes, base + hi * a->row_bytes};
}

/// Before group r: fetches the lines up to `prefetch_bytes` past the group's end (not past the rows').
static inline void row_prefetch_group(row_prefetch *p, const pipe_matvec_rows *a, long r) {
    if (a->prefetch_bytes <= 0) return;
    const char *limit = (const char *)a->matrix + (r + GROUP) * a->row_bytes + a->prefetch_bytes;
    if (limit > p->end) limit = p->end;
    while (p->next < limit) {
        _mm_prefetch(p->next, _MM_HINT_T0);
        p->next += 64;
    }
}

/// The rows of group r (r, r+1, ... clamped to hi - 1).
static inline void group_rows(const pipe_matvec_rows *a, long r, long hi, const uint8_t *row[GROUP]) {
    for (int i = 0; i < GROUP; i++) {
        long ri = r + i < hi ? r + i : hi - 1;
        row[i] = (const uint8_t *)a->matrix + ri * a->row_bytes;
    }
}

#endif
