// C = A . B with A's rows and B in bfloat16 and the sums in float32 (vdpbf16ps: each instruction
// adds, in each of 16 lanes, the products of two consecutive k), blocked as a small GEMM:
//
//   - A (M x K floats) is rounded once into Ap, row-major bfloat16, K padded to even (and rows
//     kept off 4 KB strides, pipe_bf16_row_stride): the two
//     values of a k-pair are one 32-bit word, broadcast to every lane.
//   - B is cut into panels of 32 columns. A panel is packed (per call: the weights are
//     bfloat16 already, packing is K x 32 moves against M x K x 32 products) into kp/2 rows of
//     32 words, word j holding (B[2p][j], B[2p+1][j]): two zmm loads per k-pair.
//   - The micro-kernel keeps an MR x 32 block of C in 2·MR registers and walks all of K.
//
// Sums run in k order within each lane pair, so a product does not depend on how panels are
// split over threads.

#include "pipe_gemm_bf16.h"
#include "avx512_common.h"
#include <immintrin.h>
#include <string.h>

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
#define MR 12

static inline uint16_t bf16_nearest(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7f800000u) == 0) return (uint16_t)((u >> 16) & 0x8000u);  // denormals to zero, as vcvtneps2bf16
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

void pipe_bf16_from_float(const float *in, uint16_t *out, long n) {
    for (long i = 0; i < n; i++) out[i] = bf16_nearest(in[i]);
}

void pipe_bf16_to_float(const uint16_t *in, float *out, long n) {
    for (long i = 0; i < n; i++) {
        uint32_t u = (uint32_t)in[i] << 16;
        memcpy(out + i, &u, 4);
    }
}

BF16_TARGET void pipe_bf16_from_float_avx512(const float *in, uint16_t *out, long n) {
    long i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(out + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(in + i)));
    if (i < n) {
        __mmask16 m = lanes(n - i);
        __m256i v = (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, in + i));
        _mm256_mask_storeu_epi16(out + i, m, v);
    }
}

BF16_TARGET void pipe_bf16_pack_rows(const float *A, long lda, long M, long K, uint16_t *Ap) {
    long kp = pipe_bf16_row_stride(K);
    for (long m = 0; m < M; m++) {
        const float *a = A + m * lda;
        uint16_t *o = Ap + m * kp;
        for (long k = 0; k < kp; k += 32) {
            long left = K - k;
            __mmask16 lo = lanes(left), hi = lanes(left - 16);
            __m512 x0 = _mm512_maskz_loadu_ps(lo, a + k);
            __m512 x1 = _mm512_maskz_loadu_ps(hi, a + k + 16);
            __m512bh packed = _mm512_cvtne2ps_pbh(x1, x0);
            long store = kp - k < 32 ? kp - k : 32;
            _mm512_mask_storeu_epi16(o + k, (__mmask32)(store == 32 ? 0xffffffffu : ((1u << store) - 1)),
                                     (__m512i)packed);
        }
    }
}

/// Pairs p0 ..< p1 of panel `n0 ..< n0+32` of B as rows of 32 k-pair words (zeros past N and past K).
BF16_TARGET static void pack_panel(const uint16_t *W, long ldw, bool transposed, long K, long N, long n0,
                                   long p0, long p1, uint32_t *Bp) {
    long cols = N - n0 < PIPE_BF16_PANEL ? N - n0 : PIPE_BF16_PANEL;
    if (transposed) {  // W[n][k]: a pair is one word of row n; 16 x 16 blocks of words are transposed
        long whole = K / 2;  // pairs with both halves in W
        long p = p0;
        for (; p + 16 <= p1 && p + 16 <= whole; p += 16) {
            for (int h = 0; h < 2; h++) {
                __m512i r[16];
                for (int j = 0; j < 16; j++) {
                    long row = 16 * h + j;
                    r[j] = row < cols ? _mm512_loadu_si512((const void *)(W + (n0 + row) * ldw + 2 * p))
                                      : _mm512_setzero_si512();
                }
                transpose16(r);
                for (int q = 0; q < 16; q++) _mm512_store_si512((void *)(Bp + (p - p0 + q) * 32 + 16 * h), r[q]);
            }
        }
        for (; p < p1; p++) {
            for (long j = 0; j < PIPE_BF16_PANEL; j++) {
                uint32_t v = 0;
                if (j < cols) {
                    const uint16_t *row = W + (n0 + j) * ldw;
                    if (p < whole) memcpy(&v, row + 2 * p, 4); else v = row[K - 1];  // an odd K's last pair
                }
                Bp[(p - p0) * 32 + j] = v;
            }
        }
    } else {  // W[k][n]: a pair interleaves rows 2p and 2p+1
        __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
        for (long p = p0; p < p1; p++) {
            const uint16_t *r0 = W + 2 * p * ldw + n0;
            bool second = 2 * p + 1 < K;
            const uint16_t *r1 = r0 + ldw;
            for (int h = 0; h < 2; h++) {
                __mmask16 m = h == 0 ? m0 : m1;
                __m256i lo = _mm256_maskz_loadu_epi16(m, r0 + 16 * h);
                __m256i hi = second ? _mm256_maskz_loadu_epi16(m, r1 + 16 * h) : _mm256_setzero_si256();
                __m512i words = _mm512_or_si512(_mm512_cvtepu16_epi32(lo),
                                                _mm512_slli_epi32(_mm512_cvtepu16_epi32(hi), 16));
                _mm512_store_si512((__m512i *)(Bp + (p - p0) * 32 + 16 * h), words);
            }
        }
    }
}

/// C[m ..< m+mr, n0 ..< n0+32] (masked by m0, m1) from rows of Ap and the packed panel.
BF16_TARGET static inline __attribute__((always_inline)) void
micro(const int mr, long pairs, const uint16_t *Ap, long kp, const uint32_t *Bp, float *C, long ldc,
      bool accumulate, __mmask16 m0, __mmask16 m1) {
    __m512 acc[MR][2];
    for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    const uint32_t *a = (const uint32_t *)Ap;
    long lda = kp / 2;
    for (long p = 0; p < pairs; p++) {
        __m512bh b0 = (__m512bh)_mm512_load_si512((const __m512i *)(Bp + p * 32));
        __m512bh b1 = (__m512bh)_mm512_load_si512((const __m512i *)(Bp + p * 32 + 16));
        for (int i = 0; i < mr; i++) {
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[i * lda + p]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], x, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], x, b1);
        }
    }
    for (int i = 0; i < mr; i++) {
        float *c = C + i * ldc;
        __m512 s0 = acc[i][0], s1 = acc[i][1];
        if (accumulate) {
            s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(m0, c));
            s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(m1, c + 16));
        }
        _mm512_mask_storeu_ps(c, m0, s0);
        _mm512_mask_storeu_ps(c + 16, m1, s1);
    }
}

#define MICRO(n) \
    BF16_TARGET static void micro##n(long pairs, const uint16_t *Ap, long kp, const uint32_t *Bp, float *C, \
                                     long ldc, bool accumulate, __mmask16 m0, __mmask16 m1) { \
        micro(n, pairs, Ap, kp, Bp, C, ldc, accumulate, m0, m1); \
    }
MICRO(1) MICRO(2) MICRO(3) MICRO(4) MICRO(5) MICRO(6) MICRO(7) MICRO(8) MICRO(9) MICRO(10) MICRO(11) MICRO(12)

typedef void (*micro_fn)(long, const uint16_t *, long, const uint32_t *, float *, long, bool, __mmask16, __mmask16);
static const micro_fn micros[MR + 1] = {
    0, micro1, micro2, micro3, micro4, micro5, micro6, micro7, micro8, micro9, micro10, micro11, micro12,
};

BF16_TARGET void pipe_bf16_gemm_panels(long M, long N, long K, const uint16_t *Ap, const uint16_t *W, long ldw,
                                       bool transposed, float *C, long ldc, bool accumulate, long p0, long p1,
                                       uint32_t *Bp) {
    long kp = pipe_bf16_row_stride(K), pairs = (K + 1) / 2;
    // K in blocks of at most PIPE_BF16_DEPTH pairs, of near-equal sizes: a block's packed panel stays in
    // L1/L2 while every row block of A streams past it; each block after the first adds into C.
    long blocks = (pairs + PIPE_BF16_DEPTH - 1) / PIPE_BF16_DEPTH, depth = blocks ? (pairs + blocks - 1) / blocks : 0;
    for (long p = p0; p < p1; p++) {
        long n0 = p * PIPE_BF16_PANEL, cols = N - n0 < PIPE_BF16_PANEL ? N - n0 : PIPE_BF16_PANEL;
        if (cols <= 0) break;
        __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
        for (long b0 = 0; b0 < pairs; b0 += depth) {
            long b1 = b0 + depth < pairs ? b0 + depth : pairs;
            bool add = accumulate || b0 > 0;
            pack_panel(W, ldw, transposed, K, N, n0, b0, b1, Bp);
            const uint16_t *A = Ap + 2 * b0;
            long m = 0;
            for (; m + MR <= M; m += MR) micro12(b1 - b0, A + m * kp, kp, Bp, C + m * ldc + n0, ldc, add, m0, m1);
            if (m < M) micros[M - m](b1 - b0, A + m * kp, kp, Bp, C + m * ldc + n0, ldc, add, m0, m1);
        }
    }
}
