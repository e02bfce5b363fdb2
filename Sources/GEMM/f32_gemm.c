// C = alpha . op(A) . op(B) + beta . C in float32 on AVX-512 F, one (depth block, row block) at a time
// (the caller walks the blocks; see pipe_gemm_f32.h):
//
//   - op(A)'s rows are packed into strips of 12: per k, the strip's 12 values are consecutive, so
//     the micro-kernel broadcasts them from one stream. Not transposed, a strip is a transpose of
//     12 rows (16 x 16 register transposes); transposed (A^T of a weight gradient), a copy.
//   - op(B) is packed per panel of 32 columns into kc rows of 32 floats (two zmm loads per k).
//     Transposed (x . W^T, the forward of a linear layer), again 16 x 16 register transposes.
//   - The micro-kernel keeps a 12 x 32 block of C in 24 registers and walks the block's depth.
//
// A panel (kc <= 768 rows of 128 bytes) stays in L2 while all strips of the row block stream past.

#include "pipe_gemm_f32.h"
#include "avx512_common.h"
#include <immintrin.h>

#define F32_TARGET __attribute__((target("avx512f")))
#define MR PIPE_F32_MR

/// out[kk*stride + r] = src[r*ld + kk] for r < rows (<= 16), kk < kc: `rows` rows of src (row stride
/// ld) written as kc groups, `stride` floats apart; lanes r >= rows are zeros, stored where `store` says.
F32_TARGET static void transpose_rows(const float *src, long ld, int rows, long kc, float *out, long stride,
                                      __mmask16 store) {
    for (long k = 0; k < kc; k += 16) {
        __mmask16 load = lanes(kc - k);
        __m512i r[16];  // the floats as words: the transpose moves bits
        for (int i = 0; i < 16; i++)
            r[i] = i < rows ? _mm512_maskz_loadu_epi32(load, src + i * ld + k) : _mm512_setzero_si512();
        // up to 16 rows far apart are read at once, more streams than the hardware prefetchers follow:
        // fetch each row's line 4 ahead (the LM head's forward, 49152 rows of W, gained 15%)
        if (k + 64 < kc)
            for (int i = 0; i < rows; i++) _mm_prefetch((const char *)(src + i * ld + k + 64), _MM_HINT_T0);
        transpose16(r);
        long count = kc - k < 16 ? kc - k : 16;
        for (long kk = 0; kk < count; kk++) _mm512_mask_storeu_epi32(out + (k + kk) * stride, store, r[kk]);
    }
}

F32_TARGET void pipe_f32_pack_a(bool transposed, const float *A, long lda, long mc, long kc, long s0, long s1,
                                float *Ap) {
    for (long s = s0; s < s1; s++) {
        long m = s * MR;
        int rows = mc - m < MR ? (int)(mc - m) : MR;
        if (rows <= 0) return;
        float *strip = Ap + m * kc;
        if (transposed) {
            __mmask16 mask = lanes(rows);
            for (long k = 0; k < kc; k++)
                _mm512_mask_storeu_ps(strip + k * rows, mask, _mm512_maskz_loadu_ps(mask, A + k * lda + m));
        } else {
            transpose_rows(A + m * lda, lda, rows, kc, strip, rows, lanes(rows));
        }
    }
}

/// Panel n0 ..< n0+32 of op(B) as kc rows of 32 floats (zeros past N).
F32_TARGET static void pack_panel(const float *B, long ldb, bool transposed, long kc, long N, long n0, float *Bp) {
    long cols = N - n0 < PIPE_F32_PANEL ? N - n0 : PIPE_F32_PANEL;
    if (transposed) {  // op(B)[k][n] = B[n][k]: columns n are rows of B; all 16 lanes stored, zeros past N
        for (int h = 0; h < 2; h++) {
            long left = cols - 16 * h;
            int rows = left >= 16 ? 16 : (left > 0 ? (int)left : 0);
            transpose_rows(B + (n0 + 16 * h) * ldb, ldb, rows, kc, Bp + 16 * h, 32, 0xffff);
        }
    } else {
        __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
        for (long k = 0; k < kc; k++) {
            const float *row = B + k * ldb + n0;
            _mm512_store_ps(Bp + k * 32, _mm512_maskz_loadu_ps(m0, row));
            _mm512_store_ps(Bp + k * 32 + 16, _mm512_maskz_loadu_ps(m1, row + 16));
        }
    }
}

/// C[0 ..< mr, 0 ..< 32] (masked by m0, m1) = alpha . strip . panel + beta . C.
F32_TARGET static inline __attribute__((always_inline)) void
micro(const int mr, long kc, const float *a, const float *Bp, float *C, long ldc, float alpha, float beta,
      __mmask16 m0, __mmask16 m1) {
    __m512 acc[MR][2];
    for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (long k = 0; k < kc; k++) {
        __m512 b0 = _mm512_load_ps(Bp + k * 32), b1 = _mm512_load_ps(Bp + k * 32 + 16);
        for (int i = 0; i < mr; i++) {
            __m512 x = _mm512_set1_ps(a[k * mr + i]);
            acc[i][0] = _mm512_fmadd_ps(x, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(x, b1, acc[i][1]);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int i = 0; i < mr; i++) {
        float *c = C + i * ldc;
        __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps();
        if (beta != 0) {
            c0 = _mm512_maskz_loadu_ps(m0, c);
            c1 = _mm512_maskz_loadu_ps(m1, c + 16);
            if (beta != 1) {
                c0 = _mm512_mul_ps(vb, c0);
                c1 = _mm512_mul_ps(vb, c1);
            }
        }
        _mm512_mask_storeu_ps(c, m0, _mm512_fmadd_ps(va, acc[i][0], c0));
        _mm512_mask_storeu_ps(c + 16, m1, _mm512_fmadd_ps(va, acc[i][1], c1));
    }
}

#define MICRO(n) \
    F32_TARGET static void micro##n(long kc, const float *a, const float *Bp, float *C, long ldc, float alpha, \
                                    float beta, __mmask16 m0, __mmask16 m1) { \
        micro(n, kc, a, Bp, C, ldc, alpha, beta, m0, m1); \
    }
MICRO(1) MICRO(2) MICRO(3) MICRO(4) MICRO(5) MICRO(6) MICRO(7) MICRO(8) MICRO(9) MICRO(10) MICRO(11) MICRO(12)

typedef void (*micro_fn)(long, const float *, const float *, float *, long, float, float, __mmask16, __mmask16);
static const micro_fn micros[MR + 1] = {
    0, micro1, micro2, micro3, micro4, micro5, micro6, micro7, micro8, micro9, micro10, micro11, micro12,
};

F32_TARGET void pipe_f32_gemm_panels(long mc, long N, long kc, const float *Ap, const float *B, long ldb,
                                     bool transposed, float alpha, float beta, float *C, long ldc, long p0, long p1,
                                     float *Bp) {
    for (long p = p0; p < p1; p++) {
        long n0 = p * PIPE_F32_PANEL, cols = N - n0;
        if (cols <= 0) break;
        __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
        pack_panel(B, ldb, transposed, kc, N, n0, Bp);
        long m = 0;
        for (; m + MR <= mc; m += MR) micro12(kc, Ap + m * kc, Bp, C + m * ldc + n0, ldc, alpha, beta, m0, m1);
        if (m < mc) micros[mc - m](kc, Ap + m * kc, Bp, C + m * ldc + n0, ldc, alpha, beta, m0, m1);
    }
}

F32_TARGET void pipe_f32_scale(long M, long N, float beta, float *C, long ldc) {
    __m512 vb = _mm512_set1_ps(beta);
    for (long m = 0; m < M; m++) {
        float *c = C + m * ldc;
        for (long n = 0; n < N; n += 16) {
            __mmask16 mask = lanes(N - n);
            __m512 x = beta == 0 ? _mm512_setzero_ps() : _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(mask, c + n));
            _mm512_mask_storeu_ps(c + n, mask, x);
        }
    }
}
