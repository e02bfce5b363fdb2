// Narrow float32 products (n <= 16 columns), AVX-512 F.
//
//   nt: each row of C is n dot products of one row of A with the n rows of B: 16 lanes of k at a
//       time, four rows of A sharing each load of B, one horizontal sum per dot product at the end.
//   tn: C^T (n x M) accumulates, over the K rows, B[k][j] times row k of A: 16 lanes of m at a
//       time, n registers, then written transposed into C.

#include "pipe_gemm_narrow.h"
#include "avx512_common.h"
#include <immintrin.h>

#define NARROW_TARGET __attribute__((target("avx512f,avx512dq")))

NARROW_TARGET static inline void store(float *c, float value, float alpha, float beta) {
    *c = beta == 0 ? alpha * value : alpha * value + beta * *c;
}

/// Rows m ..< m+rows (rows <= 4) of an nt product (rows and n constants after inlining: registers).
NARROW_TARGET static inline __attribute__((always_inline)) void
nt_rows(const int rows, const int n, long K, float alpha, const float *A, long lda, const float *B, long ldb,
        float beta,
        float *C, long ldc) {
    __m512 acc[4][PIPE_NARROW_MAX];
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < n; j++) acc[r][j] = _mm512_setzero_ps();
    for (long k = 0; k < K; k += 16) {
        __mmask16 m = lanes(K - k);
        __m512 a[4];
        for (int r = 0; r < rows; r++) a[r] = _mm512_maskz_loadu_ps(m, A + r * lda + k);
        for (int j = 0; j < n; j++) {
            __m512 b = _mm512_maskz_loadu_ps(m, B + j * ldb + k);
            for (int r = 0; r < rows; r++) acc[r][j] = _mm512_fmadd_ps(a[r], b, acc[r][j]);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < n; j++) store(C + r * ldc + j, _mm512_reduce_add_ps(acc[r][j]), alpha, beta);
}

NARROW_TARGET static inline __attribute__((always_inline)) void
nt(const int n, long M, long K, float alpha, const float *A, long lda, const float *B, long ldb, float beta,
   float *C, long ldc) {
    long m = 0;
    for (; m + 4 <= M; m += 4) nt_rows(4, n, K, alpha, A + m * lda, lda, B, ldb, beta, C + m * ldc, ldc);
    for (; m < M; m++) nt_rows(1, n, K, alpha, A + m * lda, lda, B, ldb, beta, C + m * ldc, ldc);
}

/// An outer-product sum (see the top) with n a constant after inlining.
NARROW_TARGET static inline __attribute__((always_inline)) void
tn(const int n, long M, long K, float alpha, const float *A, long lda, const float *B, long ldb, float beta,
   float *C, long ldc) {
    for (long m0 = 0; m0 < M; m0 += 16) {
        __mmask16 mask = lanes(M - m0);
        __m512 acc[PIPE_NARROW_MAX];
        for (int j = 0; j < n; j++) acc[j] = _mm512_setzero_ps();
        for (long k = 0; k < K; k++) {
            __m512 a = _mm512_maskz_loadu_ps(mask, A + k * lda + m0);
            const float *b = B + k * ldb;
            for (int j = 0; j < n; j++) acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(b[j]), a, acc[j]);
        }
        float t[PIPE_NARROW_MAX][16];
        for (int j = 0; j < n; j++) _mm512_storeu_ps(t[j], acc[j]);
        long rows = M - m0 < 16 ? M - m0 : 16;
        for (long i = 0; i < rows; i++)
            for (int j = 0; j < n; j++) store(C + (m0 + i) * ldc + j, t[j][i], alpha, beta);
    }
}

typedef void (*narrow_fn)(long, long, float, const float *, long, const float *, long, float, float *, long);
#define NARROW(n) \
    NARROW_TARGET static void nt##n(long M, long K, float alpha, const float *A, long lda, const float *B, long ldb, \
                                    float beta, float *C, long ldc) { \
        nt(n, M, K, alpha, A, lda, B, ldb, beta, C, ldc); \
    } \
    NARROW_TARGET static void tn##n(long M, long K, float alpha, const float *A, long lda, const float *B, long ldb, \
                                    float beta, float *C, long ldc) { \
        tn(n, M, K, alpha, A, lda, B, ldb, beta, C, ldc); \
    }
NARROW(1) NARROW(2) NARROW(3) NARROW(4) NARROW(5) NARROW(6) NARROW(7) NARROW(8)
NARROW(9) NARROW(10) NARROW(11) NARROW(12) NARROW(13) NARROW(14) NARROW(15) NARROW(16)
static const narrow_fn nts[] = {0,   nt1,  nt2,  nt3,  nt4,  nt5,  nt6,  nt7, nt8,
                                nt9, nt10, nt11, nt12, nt13, nt14, nt15, nt16};
static const narrow_fn tns[] = {0,   tn1,  tn2,  tn3,  tn4,  tn5,  tn6,  tn7, tn8,
                                tn9, tn10, tn11, tn12, tn13, tn14, tn15, tn16};

void pipe_sgemm_nt_narrow(long M, long n, long K, float alpha, const float *A, long lda, const float *B, long ldb,
                          float beta, float *C, long ldc) {
    if (n >= 1 && n <= PIPE_NARROW_MAX) nts[n](M, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void pipe_sgemm_tn_narrow(long M, long n, long K, float alpha, const float *A, long lda, const float *B, long ldb,
                          float beta, float *C, long ldc) {
    if (n >= 1 && n <= PIPE_NARROW_MAX) tns[n](M, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
