// The float32 product of sgemm on the GEMM target's AVX-512 kernel (Sources/GEMM/f32_gemm.c), which
// runs 16-lane FMAs whatever kernels OpenBLAS picked (OPENBLAS_CORETYPE=Haswell caps it at 8 lanes).
// Depth and rows are cut into blocks that depend only on (M, K); per block the strips of A are packed,
// then the panels of 32 columns of C are computed, each step split over the worker pool. Every
// element of C is summed in the same order whatever the thread count.

internal import GEMM

/// Which implementation computes a float32 product.
public enum SgemmBackend: String, Sendable {
    /// OpenBLAS's cblas_sgemm.
    case openBLAS
    /// The GEMM target's narrow AVX-512 kernels (at most 16 columns; OpenBLAS for the shapes they decline).
    case narrow
    /// The GEMM target's AVX-512 F GEMM.
    case avx512
}

/// The implementation `sgemm` uses for a product with N columns under the kernel set `kernels`: with the
/// AVX-512 set, the AVX-512 GEMM for more than 16 columns and the narrow kernels for fewer (a 32-column
/// panel is then mostly padding: measured single-threaded against OpenBLAS's Haswell core, the GEMM runs
/// at 0.5x at 8 columns, 0.9x at 16, 1.16x at 17 and 1.6x from 28 on); OpenBLAS with the AVX2 set.
public func sgemmBackend(_ M: Int, _ N: Int, _ K: Int, kernels: KernelSet = .best) -> SgemmBackend {
    guard kernels == .avx512, kernels.isSupported else { return .openBLAS }
    return N > Int(PIPE_NARROW_MAX) ? .avx512 : .narrow
}

/// Products of fewer multiply-adds run on the calling thread: waking the pool costs more than they take.
let avx512SerialProduct = 1 << 18

/// `C = alpha · op(A) · op(B) + beta · C` on the AVX-512 kernel (see `sgemm`); M, N > 0.
func avx512Sgemm(
    transposeA: Bool, transposeB: Bool, _ M: Int, _ N: Int, _ K: Int, alpha: Float,
    _ A: UnsafePointer<Float>, lda: Int, _ B: UnsafePointer<Float>, ldb: Int, beta: Float,
    _ C: UnsafeMutablePointer<Float>, ldc: Int, threads requested: Int
) {
    let threads = M * N * K < avx512SerialProduct ? 1 : requested
    if K == 0 {
        pipe_f32_scale(M, N, beta, C, ldc)
        return
    }
    let depthBlock = pipe_f32_depth_block(K), rowBlock = pipe_f32_row_block(M)
    let packedA = UnsafeMutableRawPointer.allocate(byteCount: rowBlock * depthBlock * 4, alignment: 64)
        .bindMemory(to: Float.self, capacity: rowBlock * depthBlock)
    defer { packedA.deallocate() }
    let mr = Int(PIPE_F32_MR), panels = (N + Int(PIPE_F32_PANEL) - 1) / Int(PIPE_F32_PANEL)
    // a few panels per piece: each piece packs its panels of B and streams the strips of A past them
    let pieces = min(panels, 4 * threads)
    let panelFloats = pipe_f32_panel_floats(depthBlock)
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: pieces * panelFloats * 4, alignment: 64)
        .bindMemory(to: Float.self, capacity: pieces * panelFloats)
    defer { scratch.deallocate() }
    let pool = WorkerPool.shared(threads: threads)
    let b = UnsafeSendable(B), c = UnsafeSendable(C)
    let ap = UnsafeSendable(packedA), bp = UnsafeSendable(scratch)
    var k0 = 0
    while k0 < K {
        let kc = min(depthBlock, K - k0)
        // beta applies once, in the first depth block; the later ones add to C
        let blockBeta: Float = k0 == 0 ? beta : 1
        var m0 = 0
        while m0 < M {
            let mc = min(rowBlock, M - m0)
            let strips = (mc + mr - 1) / mr
            let stripChunks = min(strips, 2 * threads)
            let aBlock = transposeA ? A + k0 * lda + m0 : A + m0 * lda + k0
            let block = UnsafeSendable(aBlock)
            pool.run(chunks: stripChunks) { chunk in
                pipe_f32_pack_a(transposeA, block.value, lda, mc, kc, strips * chunk / stripChunks,
                                strips * (chunk + 1) / stripChunks, ap.value)
            }
            let bBlock = UnsafeSendable(transposeB ? b.value + k0 : b.value + k0 * ldb)
            let cBlock = UnsafeSendable(c.value + m0 * ldc)
            pool.run(chunks: pieces) { piece in
                pipe_f32_gemm_panels(mc, N, kc, ap.value, bBlock.value, ldb, transposeB, alpha, blockBeta,
                                     cBlock.value, ldc, panels * piece / pieces, panels * (piece + 1) / pieces,
                                     bp.value + piece * panelFloats)
            }
            m0 += mc
        }
        k0 += kc
    }
}
