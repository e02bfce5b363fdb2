#include "pipe_prefetch.h"
#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

void pipe_prefetch_rows(const void *base, long rows, long row_bytes, long stride_bytes) {
#if defined(__x86_64__) || defined(__i386__)
    const char *row = (const char *)base;
    for (long r = 0; r < rows; r++, row += stride_bytes) {
        const char *line = (const char *)((uintptr_t)row & ~(uintptr_t)63);
        for (; line < row + row_bytes; line += 64) _mm_prefetch(line, _MM_HINT_T0);
    }
#else
    (void)base; (void)rows; (void)row_bytes; (void)stride_bytes;
#endif
}
