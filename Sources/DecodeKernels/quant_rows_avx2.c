// The 8-lane (AVX2) rows of the quantized matrix-vector product, the baseline every build runs;
// Tensor's QuantizedMatvec.swift explains the method, pipe_quant_rows.h the operands, and
// quant_rows_avx512.c the grouping of rows by four (same rules here: a row's result does not depend
// on its place in a group, and the rows `prefetch_bytes` ahead are prefetched).

#include "row_groups.h"
#include "four_bit_pair.h"
#include <immintrin.h>
#include <stdint.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

/// The sums of four rows' accumulators into out[0 ..< n] (n <= 4), each row by the same steps.
AVX2 static inline void store_sums(__m256 a, __m256 b, __m256 c, __m256 d, float *out, long n) {
    __m128 a4 = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    __m128 b4 = _mm_add_ps(_mm256_castps256_ps128(b), _mm256_extractf128_ps(b, 1));
    __m128 c4 = _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps(c, 1));
    __m128 d4 = _mm_add_ps(_mm256_castps256_ps128(d), _mm256_extractf128_ps(d, 1));
    __m128 sums = _mm_hadd_ps(_mm_hadd_ps(a4, b4), _mm_hadd_ps(c4, d4));
    float s[4];
    _mm_storeu_ps(s, sums);
    for (long i = 0; i < n; i++) out[i] = s[i];
}

AVX2 static inline float half_at(const uint8_t *p) {
    uint16_t h;
    __builtin_memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/// acc += m · xsum over the row's NB offset halves m, 8 at a time (the last few copied).
AVX2 static inline __m256 offset_term(__m256 acc, const uint16_t *m, const float *xsum, long NB) {
    long b = 0;
    for (; b + 8 <= NB; b += 8)
        acc = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(m + b))),
                              _mm256_loadu_ps(xsum + b), acc);
    if (b < NB) {
        uint16_t rest[8] = {0};
        for (long j = b; j < NB; j++) rest[j - b] = m[j];
        acc = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)rest)), _mm256_loadu_ps(xsum + b),
                              acc);
    }
    return acc;
}

AVX2 void pipe_four_bit_rows_avx2(const pipe_matvec_rows *a, long lo, long hi) {
    const long NB = a->blocks_per_row, pairs = NB / 2;
    const int has_odd = NB % 2 == 1;
    const float *xp = a->xp;
    row_prefetch ahead = row_prefetch_start(a, lo, hi);
    for (long r = lo; r < hi; r += GROUP) {
        row_prefetch_group(&ahead, a, r);
        const uint8_t *row[GROUP];
        group_rows(a, r, hi, row);
        __m256 acc[GROUP];
#pragma clang loop unroll(full)
        for (int i = 0; i < GROUP; i++) acc[i] = _mm256_setzero_ps();
        for (long p = 0; p < pairs; p++) {
            const float *xb = xp + 64 * p;
#pragma clang loop unroll(full)
            for (int i = 0; i < GROUP; i++) {
                __m256 d, s = four_bit_pair(row[i] + 4 * NB + 32 * p, row[i] + 4 * p, xb, &d);
                acc[i] = _mm256_fmadd_ps(d, s, acc[i]);
            }
        }
        if (has_odd) {
            const long b = NB - 1;
            const float *xb = a->x + 32 * b;
#pragma clang loop unroll(full)
            for (int i = 0; i < GROUP; i++) {
                // byte j: element j in its low nibble, element j + 16 in its high one
                const uint8_t *q = row[i] + 4 * NB + 16 * b;
                __m256i w0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)q));
                __m256i w1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q + 8)));
                const __m256i low = _mm256_set1_epi32(0x0F);
                __m256 s = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_and_si256(w0, low)), _mm256_loadu_ps(xb));
                s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(w1, low)), _mm256_loadu_ps(xb + 8), s);
                s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w0, 4)), _mm256_loadu_ps(xb + 16), s);
                s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w1, 4)), _mm256_loadu_ps(xb + 24), s);
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(half_at(row[i] + 2 * b)), s, acc[i]);
            }
        }
#pragma clang loop unroll(full)
        for (int i = 0; i < GROUP; i++)
            acc[i] = offset_term(acc[i], (const uint16_t *)row[i] + NB, a->xsum, NB);
        long n = hi - r < GROUP ? hi - r : GROUP;
        store_sums(acc[0], acc[1], acc[2], acc[3], a->out + r, n);
    }
}

AVX2 void pipe_eight_bit_rows_avx2(const pipe_matvec_rows *a, long lo, long hi) {
    const long NB = a->blocks_per_row;
    const float *x = a->x;
    row_prefetch ahead = row_prefetch_start(a, lo, hi);
    for (long r = lo; r < hi; r += GROUP) {
        row_prefetch_group(&ahead, a, r);
        const uint8_t *row[GROUP];
        group_rows(a, r, hi, row);
        __m256 acc[GROUP];
#pragma clang loop unroll(full)
        for (int i = 0; i < GROUP; i++) acc[i] = _mm256_setzero_ps();
        for (long b = 0; b < NB; b++) {
            const float *xb = x + 32 * b;
#pragma clang loop unroll(full)
            for (int i = 0; i < GROUP; i++) {
                const uint8_t *q = row[i] + 2 * NB + 32 * b;
#define V(k) _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q + 8 * (k)))))
                __m256 s0 = _mm256_mul_ps(V(0), _mm256_loadu_ps(xb));
                __m256 s1 = _mm256_mul_ps(V(1), _mm256_loadu_ps(xb + 8));
                s0 = _mm256_fmadd_ps(V(2), _mm256_loadu_ps(xb + 16), s0);
                s1 = _mm256_fmadd_ps(V(3), _mm256_loadu_ps(xb + 24), s1);
#undef V
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(half_at(row[i] + 2 * b)), _mm256_add_ps(s0, s1), acc[i]);
            }
        }
        long n = hi - r < GROUP ? hi - r : GROUP;
        store_sums(acc[0], acc[1], acc[2], acc[3], a->out + r, n);
    }
}
