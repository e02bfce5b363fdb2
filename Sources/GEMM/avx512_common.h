// What the AVX-512 kernels of this target share: lane masks and the 16 x 16 register transpose
// of 32-bit words (floats or bfloat16 pairs alike) that packs rows into columns.
#ifndef PIPE_GEMM_AVX512_COMMON_H
#define PIPE_GEMM_AVX512_COMMON_H

#include <immintrin.h>

#define AVX512F_TARGET __attribute__((target("avx512f")))

/// The first `count` of 16 lanes (none for count <= 0, all for count >= 16).
AVX512F_TARGET static inline __mmask16 lanes(long count) {
    return count >= 16 ? (__mmask16)0xffff : (count > 0 ? (__mmask16)((1u << count) - 1) : 0);
}

/// 16 rows of 16 words, transposed in place: r[c] ends holding word c of every row (row i in lane i).
/// Each stage overwrites its inputs, so no more than 16 vectors and a few temporaries are live.
AVX512F_TARGET static inline __attribute__((always_inline)) void transpose16(__m512i r[16]) {
    for (int i = 0; i < 16; i += 2) {  // 32-bit interleave of row pairs
        __m512i lo = _mm512_unpacklo_epi32(r[i], r[i + 1]), hi = _mm512_unpackhi_epi32(r[i], r[i + 1]);
        r[i] = lo;
        r[i + 1] = hi;
    }
    for (int i = 0; i < 16; i += 4) {  // r[i + c]: per 128-bit lane L, column 4L + c of rows i ..< i+4
        __m512i b0 = _mm512_unpacklo_epi64(r[i], r[i + 2]), b1 = _mm512_unpackhi_epi64(r[i], r[i + 2]);
        __m512i b2 = _mm512_unpacklo_epi64(r[i + 1], r[i + 3]), b3 = _mm512_unpackhi_epi64(r[i + 1], r[i + 3]);
        r[i] = b0;
        r[i + 1] = b1;
        r[i + 2] = b2;
        r[i + 3] = b3;
    }
    for (int c = 0; c < 4; c++) {  // gather lane L of the four row groups: column 4L + c
        __m512i even = _mm512_shuffle_i32x4(r[c], r[4 + c], 0x88), odd = _mm512_shuffle_i32x4(r[c], r[4 + c], 0xdd);
        __m512i even2 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0x88);
        __m512i odd2 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0xdd);
        r[c] = _mm512_shuffle_i32x4(even, even2, 0x88);
        r[8 + c] = _mm512_shuffle_i32x4(even, even2, 0xdd);
        r[4 + c] = _mm512_shuffle_i32x4(odd, odd2, 0x88);
        r[12 + c] = _mm512_shuffle_i32x4(odd, odd2, 0xdd);
    }
}

#endif
