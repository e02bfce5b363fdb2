// Products with at most 16 output columns (a LoRA adapter's rank) on the GEMM target's narrow
// AVX-512 kernels, where a general sgemm mostly packs and waits: x · Aᵀ and dy · B (dot products
// of rows), and the weight gradients dAᵀ-like sums of outer products. Rows (or 16-row blocks) are
// split over the worker pool; each output's sum runs in one fixed order, whatever the split.

internal import GEMM

/// C = alpha · op(A) · op(B) + beta · C for N ≤ 16 on the narrow kernels; false (nothing done) when
/// the shape or the kernel set is not theirs: N > 16, both operands transposed, or not AVX-512.
func narrowSgemm(
    transposeA: Bool, transposeB: Bool, _ M: Int, _ N: Int, _ K: Int, alpha: Float,
    _ A: UnsafePointer<Float>, lda: Int, _ B: UnsafePointer<Float>, ldb: Int, beta: Float,
    _ C: UnsafeMutablePointer<Float>, ldc: Int, kernels: KernelSet = .best, threads: Int = defaultMatvecThreads
) -> Bool {
    guard kernels == .avx512, kernels.isSupported, N >= 1, N <= Int(PIPE_NARROW_MAX), M > 0, K > 0,
          !(transposeA && transposeB) else { return false }
    let a = UnsafeSendable(A), c = UnsafeSendable(C)
    let pool = WorkerPool.shared(threads: threads)
    let pieces = M * N * K >= 1 << 16 ? min(4 * threads, (M + 15) / 16) : 1
    if transposeA {
        // C (M, N) = Aᵀ (A: K x M) · B (K x N): blocks of 16 rows of C
        let b = UnsafeSendable(B), blocks = (M + 15) / 16
        pool.run(chunks: pieces) { p in
            let m0 = 16 * (blocks * p / pieces), m1 = min(M, 16 * (blocks * (p + 1) / pieces))
            if m1 > m0 {
                pipe_sgemm_tn_narrow(m1 - m0, N, K, alpha, a.value + m0, lda, b.value, ldb, beta, c.value + m0 * ldc,
                                     ldc)
            }
        }
        return true
    }
    // rows of B: Bᵀ as stored, or B (K x N) transposed into a copy
    let rows: UnsafeMutablePointer<Float>? = transposeB ? nil : .allocate(capacity: N * K)
    defer { rows?.deallocate() }
    if let rows {
        for k in 0..<K { for j in 0..<N { rows[j * K + k] = B[k * ldb + j] } }
    }
    let b = UnsafeSendable(rows.map { UnsafePointer($0) } ?? B), ldRows = rows == nil ? ldb : K
    pool.run(chunks: pieces) { p in
        let m0 = M * p / pieces, m1 = M * (p + 1) / pieces
        if m1 > m0 {
            pipe_sgemm_nt_narrow(m1 - m0, N, K, alpha, a.value + m0 * lda, lda, b.value, ldRows, beta,
                                 c.value + m0 * ldc, ldc)
        }
    }
    return true
}
