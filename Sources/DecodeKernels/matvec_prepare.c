// A quantized product's input prepared once per call (pipe_quant_rows.h): block sums, and for 4-bit
// matrices x in the kernels' lane order, scaled per nibble group. Lane j = 4a + b of a group of G
// blocks at block B reads word b of block B + a, so for nibble group g = 2k + h the lanes of one
// block are column k of the 4x4 matrix x[32(B + a) + 16h + 4b + k]: two 4x4 transposes per block.

#include "pipe_quant_rows.h"
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

/// 2^-4g, and 2^-24 for g = 7 (its quants come out of the kernels times 2^24).
static const float group_scale[8] = {1.0f, 0x1p-4f, 0x1p-8f, 0x1p-12f, 0x1p-16f, 0x1p-20f, 0x1p-24f, 0x1p-24f};

/// The lanes of the G (4 or 2) blocks at block B.
AVX2 static void lane_group(const float *x, float *xp, long B, int G) {
    float *o = xp + 32 * B;
    const int lanes = 4 * G;
    for (int a = 0; a < G; a++) {
        const float *block = x + 32 * (B + a);
        for (int h = 0; h < 2; h++) {
            __m128 r0 = _mm_loadu_ps(block + 16 * h), r1 = _mm_loadu_ps(block + 16 * h + 4),
                   r2 = _mm_loadu_ps(block + 16 * h + 8), r3 = _mm_loadu_ps(block + 16 * h + 12);
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            __m128 column[4] = {r0, r1, r2, r3};
            for (int k = 0; k < 4; k++) {
                int g = 2 * k + h;
                _mm_storeu_ps(o + lanes * g + 4 * a, _mm_mul_ps(column[k], _mm_set1_ps(group_scale[g])));
            }
        }
    }
}

AVX2 void pipe_matvec_prepare(const float *x, long blocks, long quads, int four_bit, float *xp, float *xsum) {
    for (long b = 0; b < blocks; b++) {
        const float *block = x + 32 * b;
        __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(block), _mm256_loadu_ps(block + 8)),
                                 _mm256_add_ps(_mm256_loadu_ps(block + 16), _mm256_loadu_ps(block + 24)));
        __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        s4 = _mm_add_ss(s4, _mm_movehdup_ps(s4));
        xsum[b] = _mm_cvtss_f32(s4);
    }
    for (int i = 0; i < 16; i++) xsum[blocks + i] = 0;
    if (!four_bit) return;
    for (long p = 0; p < quads; p++) lane_group(x, xp, 4 * p, 4);
    long B = 4 * quads;
    for (; B + 2 <= blocks; B += 2) lane_group(x, xp, B, 2);
    if (B < blocks)
        for (int i = 0; i < 32; i++) xp[32 * B + i] = x[32 * B + i];
}
