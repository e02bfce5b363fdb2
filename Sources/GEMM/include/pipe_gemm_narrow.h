// Float32 products with at most 16 columns (a LoRA adapter's rank: x · Aᵀ, dy · B, dBᵀ = tmpᵀ · dy),
// where a general GEMM's packing and register blocks are mostly waste. AVX-512 F only (the caller
// checks cpuid). Sums run in a fixed order: results do not depend on threads.
#ifndef PIPE_GEMM_NARROW_H
#define PIPE_GEMM_NARROW_H

/// The widest product these kernels take.
#define PIPE_NARROW_MAX 16

/// C (M x n, row stride ldc) = alpha * A (M x K, lda) . B^T (B: n x K, ldb) + beta * C, n <= 16.
void pipe_sgemm_nt_narrow(long M, long n, long K, float alpha, const float *A, long lda, const float *B, long ldb,
                          float beta, float *C, long ldc);

/// C (M x n, ldc) = alpha * A^T . B + beta * C, with A (K x M, lda) and B (K x n, ldb), n <= 16:
/// a sum over K rows of outer products (a weight gradient of a narrow layer).
void pipe_sgemm_tn_narrow(long M, long n, long K, float alpha, const float *A, long lda, const float *B, long ldb,
                          float beta, float *C, long ldc);

#endif
