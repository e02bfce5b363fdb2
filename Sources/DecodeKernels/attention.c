// Single-query attention products (pipe_attention.h). Scores go eight keys at a time in eight
// independent multiply-add chains, summed by one transposing reduction; the weighted sum of values
// keeps 64 columns in eight registers, so consecutive keys' multiply-adds do not wait on each other.
// A key's score and each output column are summed in a fixed order: no result depends on the
// keys or columns around it.

#include "pipe_attention.h"
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

/// The eight lane sums of a0 ... a7, in order.
AVX2 static inline __m256 sums8(__m256 a0, __m256 a1, __m256 a2, __m256 a3, __m256 a4, __m256 a5, __m256 a6,
                                __m256 a7) {
    __m256 t0 = _mm256_hadd_ps(a0, a1), t1 = _mm256_hadd_ps(a2, a3);
    __m256 t2 = _mm256_hadd_ps(a4, a5), t3 = _mm256_hadd_ps(a6, a7);
    __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
    // u0: (a0..a3 low halves, a0..a3 high halves); u1 likewise for a4..a7
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

AVX2 void pipe_attention_scores(const float *q, const float *k, long ldk, long first, long visible, long HS,
                                float scale, float *scores) {
    const __m256 s = _mm256_set1_ps(scale);
    for (long j = first; j < visible; j += 8) {
        long n = visible - j < 8 ? visible - j : 8;
        const float *key[8];
        for (int i = 0; i < 8; i++) key[i] = k + (j + (i < n ? i : n - 1)) * ldk;
        __m256 acc[8];
#pragma clang loop unroll(full)
        for (int i = 0; i < 8; i++) acc[i] = _mm256_setzero_ps();
        for (long c = 0; c < HS; c += 8) {
            __m256 qc = _mm256_loadu_ps(q + c);
#pragma clang loop unroll(full)
            for (int i = 0; i < 8; i++) acc[i] = _mm256_fmadd_ps(qc, _mm256_loadu_ps(key[i] + c), acc[i]);
        }
        __m256 sums = _mm256_mul_ps(s, sums8(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]));
        float out[8];
        _mm256_storeu_ps(out, sums);
        for (long i = 0; i < n; i++) scores[j + i] = out[i];
    }
}

AVX2 void pipe_attention_values(const float *p, const float *v, long ldv, long first, long visible, long HS,
                                float *out) {
    for (long c0 = 0; c0 < HS; c0 += 64) {
        const long chunks = (HS - c0 < 64 ? HS - c0 : 64) / 8;
        __m256 acc[8];
#pragma clang loop unroll(full)
        for (int t = 0; t < 8; t++) acc[t] = _mm256_setzero_ps();
        if (chunks == 8) {
            for (long j = first; j < visible; j++) {
                if (p[j] == 0) continue;
                const __m256 pj = _mm256_set1_ps(p[j]);
                const float *vj = v + j * ldv + c0;
#pragma clang loop unroll(full)
                for (int t = 0; t < 8; t++) acc[t] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 8 * t), acc[t]);
            }
        } else {
            for (long j = first; j < visible; j++) {
                if (p[j] == 0) continue;
                const __m256 pj = _mm256_set1_ps(p[j]);
                const float *vj = v + j * ldv + c0;
                for (long t = 0; t < chunks; t++) acc[t] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 8 * t), acc[t]);
            }
        }
        for (long t = 0; t < chunks; t++) _mm256_storeu_ps(out + c0 + 8 * t, acc[t]);
    }
}
