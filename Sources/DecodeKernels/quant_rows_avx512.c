// The 16-lane (AVX-512) rows of the quantized matrix-vector product; Tensor's QuantizedMatvec.swift
// explains the method, and pipe_quant_rows.h the operands.
//
// Rows go four at a time, so each load of x serves four rows and four independent sums hide the
// latency of the multiply-adds. Every row runs the same instructions whichever of the four places
// it takes (a short last group repeats its last row and stores only the real ones), so a row's
// result does not depend on how rows are split into pieces or threads. Each row sums into one
// 16-lane accumulator (quads, pair, odd block and the offset term alike), reduced once at the end.
// The row bytes `prefetch_bytes` ahead are prefetched as the rows advance.

#include "row_groups.h"
#include "four_bit_pair.h"
#include <immintrin.h>
#include <stdint.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,f16c,fma")))

/// The sums of four rows' accumulators into out[0 ..< n] (n <= 4), each row by the same steps.
AVX512 static inline void store_sums(__m512 a, __m512 b, __m512 c, __m512 d, float *out, long n) {
    // 128-bit chunks: (a0+a2, a1+a3, b0+b2, b1+b3), likewise for c and d
    __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                              _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
    __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(1, 0, 1, 0)),
                              _mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(3, 2, 3, 2)));
    // chunk i: row i's four partial sums
    __m512 rows = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, _MM_SHUFFLE(2, 0, 2, 0)),
                                _mm512_shuffle_f32x4(ab, cd, _MM_SHUFFLE(3, 1, 3, 1)));
    rows = _mm512_add_ps(rows, _mm512_permute_ps(rows, _MM_SHUFFLE(2, 3, 0, 1)));
    rows = _mm512_add_ps(rows, _mm512_permute_ps(rows, _MM_SHUFFLE(1, 0, 3, 2)));
    __m512 firsts = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), rows);
    _mm_mask_storeu_ps(out, (__mmask8)((1u << n) - 1), _mm512_castps512_ps128(firsts));
}

/// acc += m · xsum over the row's NB offset halves m.
AVX512 static inline __m512 offset_term(__m512 acc, const uint16_t *m, const float *xsum, long NB) {
    for (long b = 0; b < NB; b += 16) {
        long n = NB - b < 16 ? NB - b : 16;
        __mmask16 k = (__mmask16)((1u << n) - 1);
        __m512 mh = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, m + b));
        acc = _mm512_fmadd_ps(mh, _mm512_maskz_loadu_ps(k, xsum + b), acc);
    }
    return acc;
}

AVX512 void pipe_four_bit_rows_avx512(const pipe_matvec_rows *a, long lo, long hi) {
    const long NB = a->blocks_per_row, quads = NB / 4, pair_start = 4 * quads;
    const int has_pair = NB - pair_start >= 2, has_odd = NB % 2 == 1;
    const float *xp = a->xp;
    const __m512i nibble7 = _mm512_set1_epi32(0x0F000000);
    const __m512i quad_scales = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    row_prefetch ahead = row_prefetch_start(a, lo, hi);
    for (long r = lo; r < hi; r += GROUP) {
        row_prefetch_group(&ahead, a, r);
        const uint8_t *row[GROUP];
        group_rows(a, r, hi, row);
        __m512 acc[GROUP];
#pragma clang loop unroll(full)
        for (int i = 0; i < GROUP; i++) acc[i] = _mm512_setzero_ps();
        for (long p = 0; p < quads; p++) {
            const float *xb = xp + 128 * p;
            __m512 x0 = _mm512_loadu_ps(xb), x1 = _mm512_loadu_ps(xb + 16), x2 = _mm512_loadu_ps(xb + 32),
                   x3 = _mm512_loadu_ps(xb + 48), x4 = _mm512_loadu_ps(xb + 64), x5 = _mm512_loadu_ps(xb + 80),
                   x6 = _mm512_loadu_ps(xb + 96), x7 = _mm512_loadu_ps(xb + 112);
#pragma clang loop unroll(full)
            for (int i = 0; i < GROUP; i++) {
                __m512i w = _mm512_loadu_si512(row[i] + 4 * NB + 64 * p);
                // group g's quants times 2^4g: its nibble masked in place in each lane
#define V(g) _mm512_cvtepi32_ps(_mm512_and_si512(w, _mm512_set1_epi32(0xF << (4 * (g)))))
                __m512 s0 = _mm512_mul_ps(V(0), x0);
                __m512 s1 = _mm512_mul_ps(V(1), x1);
                s0 = _mm512_fmadd_ps(V(2), x2, s0);
                s1 = _mm512_fmadd_ps(V(3), x3, s1);
                s0 = _mm512_fmadd_ps(V(4), x4, s0);
                s1 = _mm512_fmadd_ps(V(5), x5, s1);
                s0 = _mm512_fmadd_ps(V(6), x6, s0);
#undef V
                __m512 v7 = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(w, 4), nibble7));
                s1 = _mm512_fmadd_ps(v7, x7, s1);
                __m128 d4 = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(row[i] + 8 * p)));
                __m512 d = _mm512_permutexvar_ps(quad_scales, _mm512_castps128_ps512(d4));
                acc[i] = _mm512_fmadd_ps(d, _mm512_add_ps(s0, s1), acc[i]);
            }
        }
        if (has_pair) {
            const float *xb = xp + 32 * pair_start;
#pragma clang loop unroll(full)
            for (int i = 0; i < GROUP; i++) {
                __m256 d, s = four_bit_pair(row[i] + 4 * NB + 16 * pair_start, row[i] + 2 * pair_start, xb, &d);
                acc[i] = _mm512_add_ps(acc[i], _mm512_zextps256_ps512(_mm256_mul_ps(d, s)));
            }
        }
        if (has_odd) {
            const long b = NB - 1;
            __m512 xlo = _mm512_loadu_ps(a->x + 32 * b), xhi = _mm512_loadu_ps(a->x + 32 * b + 16);
#pragma clang loop unroll(full)
            for (int i = 0; i < GROUP; i++) {
                // byte j: element j in its low nibble, element j + 16 in its high one
                __m512i w = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(row[i] + 4 * NB + 16 * b)));
                __m512 s = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_and_si512(w, _mm512_set1_epi32(0x0F))), xlo);
                s = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(w, 4)), xhi, s);
                uint16_t h;
                __builtin_memcpy(&h, row[i] + 2 * b, 2);
                acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(_cvtsh_ss(h)), s, acc[i]);
            }
        }
#pragma clang loop unroll(full)
        for (int i = 0; i < GROUP; i++)
            acc[i] = offset_term(acc[i], (const uint16_t *)row[i] + NB, a->xsum, NB);
        long n = hi - r < GROUP ? hi - r : GROUP;
        store_sums(acc[0], acc[1], acc[2], acc[3], a->out + r, n);
    }
}

AVX512 void pipe_eight_bit_rows_avx512(const pipe_matvec_rows *a, long lo, long hi) {
    const long NB = a->blocks_per_row;
    const float *x = a->x;
    row_prefetch ahead = row_prefetch_start(a, lo, hi);
    for (long r = lo; r < hi; r += GROUP) {
        row_prefetch_group(&ahead, a, r);
        const uint8_t *row[GROUP];
        group_rows(a, r, hi, row);
        __m512 acc[GROUP];
#pragma clang loop unroll(full)
        for (int i = 0; i < GROUP; i++) acc[i] = _mm512_setzero_ps();
        for (long b0 = 0; b0 < NB; b0 += 16) {
            // the d of blocks b0 ..< b0 + 16, widened once
            float d[GROUP][16];
            long n = NB - b0 < 16 ? NB - b0 : 16;
            __mmask16 k = (__mmask16)((1u << n) - 1);
#pragma clang loop unroll(full)
            for (int i = 0; i < GROUP; i++)
                _mm512_storeu_ps(d[i], _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, (const uint16_t *)row[i] + b0)));
            for (long j = 0; j < n; j++) {
                const long b = b0 + j;
                __m512 x0 = _mm512_loadu_ps(x + 32 * b), x1 = _mm512_loadu_ps(x + 32 * b + 16);
#pragma clang loop unroll(full)
                for (int i = 0; i < GROUP; i++) {
                    const uint8_t *q = row[i] + 2 * NB + 32 * b;
                    __m512 v0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)q)));
                    __m512 v1 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(q + 16))));
                    __m512 s = _mm512_fmadd_ps(v1, x1, _mm512_mul_ps(v0, x0));
                    acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(d[i][j]), s, acc[i]);
                }
            }
        }
        long n = hi - r < GROUP ? hi - r : GROUP;
        store_sums(acc[0], acc[1], acc[2], acc[3], a->out + r, n);
    }
}
