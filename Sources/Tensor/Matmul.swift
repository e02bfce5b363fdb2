// Matrix products. What runs sgemm (`sgemmBackend`), under the AVX-512 kernel set (not with
// PIPE_KERNELS=avx2): more than 16 columns, the GEMM target's AVX-512 float32 GEMM (MatmulAVX512.swift);
// 16 or fewer (a LoRA rank), its narrow kernels (NarrowMatmul.swift). Everything else, the AVX2 set and
// the matrix-vector product go to OpenBLAS, with the kernels OPENBLAS_CORETYPE or its cpuid picked
// (the environment's OPENBLAS_CORETYPE=Haswell runs 8-lane FMAs even on an AVX-512 CPU).
//
// Legend: N rows of input (B*T tokens), IN input features, OUT output features.
// All matrices are row-major float32. A linear layer stores its weight as
// (OUT, IN), as PyTorch does, so its forward is `out = inp · weightᵀ (+ bias)`.

import CBLAS

/// General row-major product `C = alpha · op(A) · op(B) + beta · C`, with
/// `op(X)` = X or Xᵀ. `A` is (M, K) after `op`, `B` is (K, N) after `op`,
/// `C` is (M, N); `lda`, `ldb`, `ldc` are the row strides of the stored matrices. `kernels` and
/// `threads` choose the implementation (`sgemmBackend`) and the AVX-512 kernel's threads (OpenBLAS's
/// are its own); beta == 0 never reads C.
public func sgemm(
    transposeA: Bool, transposeB: Bool,
    _ M: Int, _ N: Int, _ K: Int,
    alpha: Float = 1,
    _ A: UnsafePointer<Float>, lda: Int,
    _ B: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    _ C: UnsafeMutablePointer<Float>, ldc: Int,
    kernels: KernelSet = .best,
    threads: Int = defaultMatvecThreads
) {
    if M == 0 || N == 0 { return }
    switch sgemmBackend(M, N, K, kernels: kernels) {
    case .avx512:
        avx512Sgemm(transposeA: transposeA, transposeB: transposeB, M, N, K, alpha: alpha, A, lda: lda, B, ldb: ldb,
                    beta: beta, C, ldc: ldc, threads: threads)
        return
    case .narrow:
        if narrowSgemm(transposeA: transposeA, transposeB: transposeB, M, N, K, alpha: alpha, A, lda: lda, B, ldb: ldb,
                       beta: beta, C, ldc: ldc, kernels: kernels, threads: threads) { return }
    case .openBLAS:
        break
    }
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(M), Int32(N), Int32(K),
        alpha, A, Int32(lda), B, Int32(ldb),
        beta, C, Int32(ldc))
}

/// A linear layer over N rows.
///
///     out    (N, OUT)
///     inp    (N, IN)
///     weight (OUT, IN)
///     bias   (OUT) or nil
///
/// `out = inp · weightᵀ + bias`; with `accumulate` the product is added to `out`.
public func matmulForward(
    _ out: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>,
    _ bias: UnsafePointer<Float>?,
    _ N: Int, _ IN: Int, _ OUT: Int,
    accumulate: Bool = false
) {
    var beta: Float = accumulate ? 1 : 0
    if let bias {
        fillBias(out, bias, N, OUT, ld: OUT, accumulate: accumulate)
        beta = 1
    }
    if N == 1 {
        matvecForward(out, weight, inp, OUT, IN, beta: beta)
    } else {
        sgemm(transposeA: false, transposeB: true, N, OUT, IN,
              inp, lda: IN, weight, ldb: IN, beta: beta, out, ldc: OUT)
    }
}

/// Matrix times vector.
///
///     out    (OUT)
///     weight (OUT, IN)
///     x      (IN)
///
/// `out = weight · x + beta · out`.
public func matvecForward(
    _ out: UnsafeMutablePointer<Float>,
    _ weight: UnsafePointer<Float>,
    _ x: UnsafePointer<Float>,
    _ OUT: Int, _ IN: Int,
    beta: Float = 0
) {
    if OUT == 0 { return }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(OUT), Int32(IN),
                1, weight, Int32(IN), x, 1, beta, out, 1)
}

/// Sets the N rows of `out` (`ld` apart) to `bias` (OUT), or with `accumulate` adds it to them: a linear
/// layer's bias, before its product is added in.
func fillBias(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ N: Int, _ OUT: Int, ld: Int,
              accumulate: Bool) {
    for n in 0..<N {
        let row = out + n * ld
        if accumulate {
            for o in 0..<OUT { row[o] += bias[o] }
        } else {
            for o in 0..<OUT { row[o] = bias[o] }
        }
    }
}
