// Linear layers whose weight is kept in bfloat16: both operands of each product are bfloat16, the
// sums float32. On a CPU with AVX512_BF16 the GEMM target's vdpbf16ps kernel runs (panels of 32
// output columns split over the worker pool); elsewhere, or with `PIPE_KERNELS=avx2`, the same
// operands (the input rounded to bfloat16, the weight widened exactly) go through sgemm a tile of
// rows at a time. The two differ only in the order of the float32 sums.
//
// Legend: N rows of input, IN input features, OUT output features; the weight is (OUT, IN).

import Foundation
internal import GEMM

extension KernelSet {
    /// Whether this set runs the bfloat16 products on AVX512_BF16 here (the AVX-512 set, on a CPU with BF16).
    public var hasBFloat16Products: Bool { self == .avx512 && isSupported && Self.host.avx512bf16 }
}

/// `out (N, OUT) = bf16(inp) · wᵀ (+ bias)`; with `accumulate` the product is added to `out`.
/// Rows of `out` are `ldOut` (default OUT) apart.
public func bf16MatmulForward(
    _ out: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>,
    _ w: BFloat16Matrix,
    _ bias: UnsafePointer<Float>?,
    _ N: Int,
    ldOut: Int? = nil,
    accumulate: Bool = false,
    threads: Int = defaultMatvecThreads,
    kernels: KernelSet = .best
) {
    let IN = w.columns, OUT = w.rows, ldc = ldOut ?? OUT
    var add = accumulate
    if let bias {
        fillBias(out, bias, N, OUT, ld: ldc, accumulate: add)
        add = true
    }
    bf16Product(out, ldc: ldc, inp, lda: IN, N, K: IN, Ncols: OUT, w, transposed: true, accumulate: add,
                threads: threads, kernels: kernels)
}

/// `dinp (N, IN) += bf16(dout) · w`, the gradient of a frozen layer's input (`=` without
/// `accumulate`). Rows of `dout` are `ldInput` (default OUT) apart.
public func bf16MatmulBackwardInput(
    _ dinp: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>,
    _ w: BFloat16Matrix,
    _ N: Int,
    ldInput: Int? = nil,
    accumulate: Bool = true,
    threads: Int = defaultMatvecThreads,
    kernels: KernelSet = .best
) {
    bf16Product(dinp, ldc: w.columns, dout, lda: ldInput ?? w.rows, N, K: w.rows, Ncols: w.columns, w,
                transposed: false, accumulate: accumulate, threads: threads, kernels: kernels)
}

/// C (M, Ncols; rows ldc apart) (+)= bf16(A (M, K; rows lda apart)) · B, B = wᵀ (transposed) or w.
private func bf16Product(
    _ C: UnsafeMutablePointer<Float>, ldc: Int, _ A: UnsafePointer<Float>, lda: Int, _ M: Int, K: Int, Ncols: Int,
    _ w: BFloat16Matrix, transposed: Bool, accumulate: Bool, threads: Int, kernels: KernelSet
) {
    if M == 0 || Ncols == 0 { return }
    if K == 0 {
        if !accumulate { for m in 0..<M { (C + m * ldc).update(repeating: 0, count: Ncols) } }
        return
    }
    guard kernels.hasBFloat16Products else {
        bf16ProductPortable(C, ldc: ldc, A, lda: lda, M, K: K, Ncols: Ncols, w, transposed: transposed,
                            accumulate: accumulate)
        return
    }
    let kp = pipe_bf16_row_stride(K)
    let packed = UnsafeMutablePointer<UInt16>.allocate(capacity: M * kp)
    defer { packed.deallocate() }
    let pool = WorkerPool.shared(threads: threads)
    let rowChunks = min(M, 4 * threads)
    let a = UnsafeSendable(A), ap = UnsafeSendable(packed)
    pool.run(chunks: rowChunks) { c in
        let lo = M * c / rowChunks, hi = M * (c + 1) / rowChunks
        pipe_bf16_pack_rows(a.value + lo * lda, lda, hi - lo, K, ap.value + lo * kp)
    }
    let panels = (Ncols + Int(PIPE_BF16_PANEL) - 1) / Int(PIPE_BF16_PANEL)
    // a few panels per piece: each piece packs its panels once and streams A past them
    let pieces = min(panels, 4 * threads)
    let c = UnsafeSendable(C), weights = UnsafeSendable(UnsafePointer(w.storage))
    let ldw = w.columns
    pool.run(chunks: pieces) { piece in
        let p0 = panels * piece / pieces, p1 = panels * (piece + 1) / pieces
        let words = pipe_bf16_panel_words(K)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: words * 4, alignment: 64)
        defer { scratch.deallocate() }
        pipe_bf16_gemm_panels(M, Ncols, K, ap.value, weights.value, ldw, transposed, c.value, ldc, accumulate,
                              p0, p1, scratch.assumingMemoryBound(to: UInt32.self))
    }
}

/// The same product through sgemm: A rounded to bfloat16, w widened a tile of rows at a time.
private func bf16ProductPortable(
    _ C: UnsafeMutablePointer<Float>, ldc: Int, _ A: UnsafePointer<Float>, lda: Int, _ M: Int, K: Int, Ncols: Int,
    _ w: BFloat16Matrix, transposed: Bool, accumulate: Bool
) {
    let a = UnsafeMutablePointer<Float>.allocate(capacity: M * K)
    defer { a.deallocate() }
    for m in 0..<M { (a + m * K).update(from: A + m * lda, count: K) }
    roundToBFloat16(a, count: M * K)
    let tileRows = 64
    let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * w.columns)
    defer { tile.deallocate() }
    var r0 = 0
    while r0 < w.rows {
        let rows = min(tileRows, w.rows - r0)
        w.widen(rows: r0, count: rows, into: tile)
        if transposed {
            // C[:, r0 ..< r0+rows] (+)= a (M, K) · tileᵀ (K, rows)
            sgemm(transposeA: false, transposeB: true, M, rows, K, a, lda: K, tile, ldb: K,
                  beta: accumulate ? 1 : 0, C + r0, ldc: ldc)
        } else {
            // C (M, Ncols) (+)= a[:, r0 ..< r0+rows] · tile (rows, Ncols)
            sgemm(transposeA: false, transposeB: false, M, Ncols, rows, a + r0, lda: K, tile, ldb: Ncols,
                  beta: (accumulate || r0 > 0) ? 1 : 0, C, ldc: ldc)
        }
        r0 += rows
    }
}
