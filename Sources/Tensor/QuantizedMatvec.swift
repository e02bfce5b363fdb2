// The matrix-vector product of decoding, read straight from the 4-bit / 8-bit
// blocks with float32 activations (so it agrees with the float32 reference; an
// 8-bit quantized activation, as llama.cpp uses, moves SmolLM2's logits by ~1).
// Two kernel sets compute the rows (KernelSet), both in C (DecodeKernels): 8-lane
// AVX2 and 16-lane AVX-512; both read the rows in one pass, four rows at a time
// sharing each load of x, prefetching ahead, every d and m widened from its half.
// This file prepares x, splits the rows over threads and dispatches.
//
// Legend: OUT rows, IN columns, NB = IN / 32 blocks per row, n a block's quant.
//
// Quants become floats without unpacking loops. 4-bit: a 32-byte load holds two
// blocks (64 bytes four, for 16 lanes) as 32-bit lanes of four quant bytes; masking
// one nibble in place and converting the lane gives the quant times 2^4g (group g),
// which the input carries the inverse of: x is permuted once per call into the
// order of the lanes' nibbles and scaled per group (the end of this file). 8-bit: signed
// bytes are sign-extended and converted in natural order. Every step is then a
// mask or extension, a conversion and a fused multiply-add, exact but for the sums:
//
//     Σ (d·n + m)·x = d · Σ n·x + m · Σ x
//
// An odd last 4-bit block is summed directly. A row's result does not depend on
// which rows are computed with it, so neither on the split over threads.

internal import DecodeKernels
import Foundation

/// `out = W · x` for a block-quantized W.
///
///     out (OUT)
///     w   (OUT, IN) quantized
///     x   (IN)
///
/// Rows are split over `threads` threads of a shared `WorkerPool` when the matrix is large.
public func quantizedMatvec(
    _ out: UnsafeMutablePointer<Float>,
    _ w: QuantizedMatrix,
    _ x: UnsafePointer<Float>,
    threads: Int = defaultMatvecThreads,
    kernels: KernelSet = .best
) {
    quantizedMatvecs([(out, w)], x, threads: threads, kernels: kernels)
}

/// `out_i = W_i · x` for several matrices of the same kind and width that read the same x
/// (a layer's q, k and v; its gate and up): x is prepared once and all rows go out as one job.
public func quantizedMatvecs(
    _ products: [(out: UnsafeMutablePointer<Float>, w: QuantizedMatrix)],
    _ x: UnsafePointer<Float>,
    threads: Int = defaultMatvecThreads,
    kernels: KernelSet = .best
) {
    guard let first = products.first?.w else { return }
    precondition(products.allSatisfy { $0.w.kind == first.kind && $0.w.columns == first.columns },
                 "quantizedMatvecs needs matrices of one kind and width")
    precondition(kernels.isSupported, "the \(kernels) kernels need a CPU that has them")
    let IN = first.columns, NB = first.blocksPerRow
    let rows = products.reduce(0) { $0 + $1.w.rows }
    let split = threads > 1 && rows * IN >= 1 << 15
    // Pieces of contiguous rows, about one per thread in all: each piece restarts the prefetch
    // stream, and on the demo model one piece per thread beat two (~7%), four and eight (Zen 5, 2
    // cores).
    let chunkRows = split ? max(32, (rows / threads + 31) / 32 * 32) : max(1, rows)
    // The first bytes of every piece are on their way while x is prepared (~5% per token).
    for (_, w) in products {
        for lo in stride(from: 0, to: w.rows, by: chunkRows) {
            pipe_prefetch_rows(w.row(lo), 1, min(prefetchBytes, (w.rows - lo) * w.rowBytes), 0)
        }
    }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: IN + NB + 16) { scratch in
        let xp = scratch.baseAddress!  // (IN) x in lane order
        let xsum = xp + IN             // (NB) Σ x over each block, then 16 zeros
        pipe_matvec_prepare(x, NB, kernels == .avx512 ? NB / 4 : 0, first.kind == .fourBit ? 1 : 0, xp, xsum)
        let jobs = products.map {
            MatvecJob(out: $0.out, w: $0.w, x: x, xp: xp, xsum: xsum, kernels: kernels)
        }
        guard split else {
            for job in jobs { job.rows(0, job.w.rows) }
            return
        }
        // piece c belongs to the first product whose pieces reach past c
        var ends: [Int] = [], total = 0
        for job in jobs {
            total += (job.w.rows + chunkRows - 1) / chunkRows
            ends.append(total)
        }
        WorkerPool.shared(threads: threads).run(chunks: total) { c in
            var i = 0
            while ends[i] <= c { i += 1 }
            let lo = (c - (i == 0 ? 0 : ends[i - 1])) * chunkRows
            jobs[i].rows(lo, min(jobs[i].w.rows, lo + chunkRows))
        }
    }
}

/// Threads for the matrix-vector products and the other parallel kernels: the machine's cores (at most 8),
/// or `PIPE_THREADS` when set (the ranks of a data-parallel training share the cores: each gets its part).
public let defaultMatvecThreads = ProcessInfo.processInfo.environment["PIPE_THREADS"].flatMap(Int.init)
    .map { min(64, max(1, $0)) } ?? min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))

// 4-bit lane order (pipe_matvec_prepare writes it). Blocks go in quads (16 lanes, the AVX-512
// kernels), then pairs (8 lanes), then a last odd block in natural order. For a group of G blocks
// (4 or 2) starting at block B, group g = 2k + h of the nibbles (byte k of a lane, h = 0 for its low
// nibble, 1 for its high one) and lane j (block B + j/4, 32-bit word j%4 of that block):
// xp[32B + 8G·g + j] = x[32(B + j/4) + 4(j%4) + k + 16h] · 2^-4g.
// Group g's quants come out of the kernels times 2^4g (times 2^24 for the last group).

/// Bytes of a piece's rows prefetched ahead of the row group being read (`prefetch_bytes` of the C
/// rows). Measured on the demo model (Zen 5, 2 cores, one token's products, `pipe-bench quant`):
/// without prefetch a token took ~1.8x as long with one thread; 8 KB beat 0.5-4 KB and 16-32 KB.
private let prefetchBytes = 8192

/// One product's operands, shared by the threads that compute its rows.
private struct MatvecJob: @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>
    let w: QuantizedMatrix
    let x: UnsafePointer<Float>
    let xp: UnsafePointer<Float>
    let xsum: UnsafePointer<Float>
    let kernels: KernelSet

    init(out: UnsafeMutablePointer<Float>, w: QuantizedMatrix, x: UnsafePointer<Float>,
         xp: UnsafeMutablePointer<Float>, xsum: UnsafeMutablePointer<Float>, kernels: KernelSet) {
        self.out = out
        self.w = w
        self.x = x
        self.xp = UnsafePointer(xp)
        self.xsum = UnsafePointer(xsum)
        self.kernels = kernels
    }

    /// Rows lo..<hi.
    func rows(_ lo: Int, _ hi: Int) {
        var a = pipe_matvec_rows(out: out, matrix: UnsafeRawPointer(w.storage), row_bytes: w.rowBytes,
                                 blocks_per_row: w.blocksPerRow, x: x, xp: xp, xsum: xsum,
                                 prefetch_bytes: prefetchBytes)
        switch (kernels, w.kind) {
        case (.avx512, .fourBit): pipe_four_bit_rows_avx512(&a, lo, hi)
        case (.avx512, .eightBit): pipe_eight_bit_rows_avx512(&a, lo, hi)
        case (.avx2, .fourBit): pipe_four_bit_rows_avx2(&a, lo, hi)
        case (.avx2, .eightBit): pipe_eight_bit_rows_avx2(&a, lo, hi)
        }
    }
}
