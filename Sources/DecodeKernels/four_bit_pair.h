// One pair of 4-bit blocks in 8 lanes, shared by the AVX2 rows (every pair) and the AVX-512 rows (a
// pair left after the quads). QuantizedMatvec.swift explains the lane order of xb.
#ifndef PIPE_FOUR_BIT_PAIR_H
#define PIPE_FOUR_BIT_PAIR_H

#include <immintrin.h>
#include <stdint.h>

/// Σ quant · x per lane over the pair's 32 quant bytes `quants` and x in lane order `xb` (64 floats);
/// `*d` gets each lane's block scale from the pair's two d halves at `halves`. The caller adds d · the sum.
__attribute__((target("avx2,fma,f16c"))) static inline __attribute__((always_inline)) __m256
four_bit_pair(const uint8_t *quants, const uint8_t *halves, const float *xb, __m256 *d) {
    __m256i w = _mm256_loadu_si256((const __m256i *)quants);
    // group g's quants times 2^4g: its nibble masked in place in each lane
#define V(g) _mm256_cvtepi32_ps(_mm256_and_si256(w, _mm256_set1_epi32(0xF << (4 * (g)))))
#define X(g) _mm256_loadu_ps(xb + 8 * (g))
    __m256 s0 = _mm256_mul_ps(V(0), X(0));
    __m256 s1 = _mm256_mul_ps(V(1), X(1));
    s0 = _mm256_fmadd_ps(V(2), X(2), s0);
    s1 = _mm256_fmadd_ps(V(3), X(3), s1);
    s0 = _mm256_fmadd_ps(V(4), X(4), s0);
    s1 = _mm256_fmadd_ps(V(5), X(5), s1);
    s0 = _mm256_fmadd_ps(V(6), X(6), s0);
#undef V
    __m256 v7 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(w, 4), _mm256_set1_epi32(0x0F000000)));
    s1 = _mm256_fmadd_ps(v7, X(7), s1);
#undef X
    uint32_t two;
    __builtin_memcpy(&two, halves, 4);
    __m128 d2 = _mm_cvtph_ps(_mm_cvtsi32_si128((int)two));
    *d = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(d2), _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1));
    return _mm256_add_ps(s0, s1);
}

#endif
