// The matrix-vector product of decoding, read straight from the 4-bit / 8-bit
// blocks with float32 activations (so it agrees with the float32 reference; an
// 8-bit quantized activation, as llama.cpp uses, moves SmolLM2's logits by ~1).
// Two kernel sets compute it (KernelSet): 8-lane AVX2 here, 16-lane AVX-512 in
// KernelsAVX512; both read the rows in one pass, every d and m widened from its half.
//
// Legend: OUT rows, IN columns, NB = IN / 32 blocks per row, n a block's quant.
//
// Quants become floats without unpacking loops. 4-bit: a 32-byte load holds two
// blocks (64 bytes four, for 16 lanes) as 32-bit lanes of four quant bytes; masking
// one nibble in place and converting the lane gives the quant times 2^4g (group g),
// which the input carries the inverse of: x is permuted once per call into the
// order of the lanes' nibbles and scaled per group (see FourBitLanes). 8-bit: signed
// bytes are sign-extended and converted in natural order. Every step is then a
// mask or extension, a conversion and a fused multiply-add, exact but for the sums:
//
//     Σ (d·n + m)·x = d · Σ n·x + m · Σ x
//
// An odd last 4-bit block is summed directly.

import Foundation
import Synchronization
internal import KernelsAVX512
internal import Lanes
internal import QuantRows

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
    withUnsafeTemporaryAllocation(of: Float.self, capacity: IN + NB + 16) { scratch in
        let xp = scratch.baseAddress!  // (IN) x in lane order
        let xsum = xp + IN             // (NB) Σ x over each block, then 16 zeros
        for b in 0..<NB {
            var s: Float = 0
            for j in 0..<32 { s += x[b * 32 + j] }
            xsum[b] = s
        }
        (xsum + NB).initialize(repeating: 0, count: 16)
        let quads = kernels == .avx512 ? NB / 4 : 0
        if first.kind == .fourBit { FourBitLanes.permute(x, into: xp, NB, quads: quads) }
        let jobs = products.map {
            MatvecJob(out: $0.out, w: $0.w, x: x, xp: xp, xsum: xsum, kernels: kernels)
        }
        let rows = products.reduce(0) { $0 + $1.w.rows }
        guard threads > 1, rows * IN >= 1 << 15 else {
            for job in jobs { job.rows(0, job.w.rows) }
            return
        }
        // Pieces of contiguous rows, about two per thread in all (long runs keep the hardware
        // prefetcher streaming); piece c belongs to the first product whose pieces reach past c.
        let chunkRows = max(32, (rows / (2 * threads) + 31) / 32 * 32)
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

/// 4-bit lane order. Blocks go in quads (16 lanes, the AVX-512 kernels), then pairs (8 lanes),
/// then a last odd block in natural order. For a group of G blocks (4 or 2) starting at block B,
/// group g = 2k + h of the nibbles (byte k of a lane, h = 0 for its low nibble, 1 for its high
/// one) and lane j (block B + j/4, 32-bit word j%4 of that block):
/// xp[32B + 8G·g + j] = x[32(B + j/4) + 4(j%4) + k + 16h] · 2^-4g.
/// Group g's quants come out of the kernels times 2^4g (times 2^24 for the last group).
enum FourBitLanes {
    static let groupScale: [Float] = (0..<8).map { g in 1 / Float(1 << (g == 7 ? 24 : 4 * g)) }

    static func permute(_ x: UnsafePointer<Float>, into xp: UnsafeMutablePointer<Float>, _ NB: Int, quads: Int) {
        func group(_ B: Int, _ G: Int) {
            let lanes = 4 * G
            for g in 0..<8 {
                let k = g / 2, h = g % 2
                for j in 0..<lanes {
                    xp[32 * B + lanes * g + j] = x[32 * (B + j / 4) + 4 * (j % 4) + k + 16 * h] * groupScale[g]
                }
            }
        }
        for p in 0..<quads { group(4 * p, 4) }
        var B = 4 * quads
        while B + 2 <= NB {
            group(B, 2)
            B += 2
        }
        if B < NB { (xp + 32 * B).update(from: x + 32 * B, count: 32) }
    }
}

/// 4-bit rows read one byte of each cache line of the row this far ahead before their own
/// products: the lines are then on their way from memory while this row computes (Swift has no
/// prefetch instruction; the hardware prefetcher alone left decode ~20% slower). The 8-bit head's
/// longer rows stream well without it.
private let ahead = 4
private let useC = ProcessInfo.processInfo.environment["PIPE_MATVEC_SWIFT"] == nil
private let prefetchBytes = ProcessInfo.processInfo.environment["PIPE_PREFETCH"].flatMap(Int.init) ?? 1024
/// Keeps the early reads from being optimized away.
private let touchSink = Atomic<Int>(0)

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
        if useC {
            var a = pipe_matvec_rows(out: out, matrix: UnsafeRawPointer(w.storage), row_bytes: w.rowBytes,
                                     blocks_per_row: w.blocksPerRow, x: x, xp: xp, xsum: xsum,
                                     prefetch_bytes: prefetchBytes)
            switch (kernels, w.kind) {
            case (.avx512, .fourBit): pipe_four_bit_rows_avx512(&a, lo, hi)
            case (.avx512, .eightBit): pipe_eight_bit_rows_avx512(&a, lo, hi)
            case (.avx2, .fourBit): pipe_four_bit_rows_avx2(&a, lo, hi)
            case (.avx2, .eightBit): pipe_eight_bit_rows_avx2(&a, lo, hi)
            }
            return
        }
        let rows = MatvecRows(out: out, matrix: UnsafeRawPointer(w.storage), rowBytes: w.rowBytes,
                              blocksPerRow: w.blocksPerRow, x: x, xp: xp, xsum: xsum)
        switch (kernels, w.kind) {
        case (.avx512, .fourBit): fourBitRowsAVX512(rows, lo, hi)
        case (.avx512, .eightBit): eightBitRowsAVX512(rows, lo, hi)
        case (.avx2, .fourBit): fourBitRows(lo, hi)
        case (.avx2, .eightBit): eightBitRows(lo, hi)
        }
    }

    /// Σ m·Σx over a row's blocks (m its offset halves), 8 blocks at a time.
    @inline(__always)
    private func offsetTerm(_ m: UnsafePointer<UInt16>, _ NB: Int) -> Float {
        var acc = Floats8()
        var b = 0
        while b < NB {
            let n = min(8, NB - b)
            acc = .fma(.loadHalves(m, b, n), .load(xsum, b, n), acc)
            b += n
        }
        return acc.laneSum
    }

    private func fourBitRows(_ lo: Int, _ hi: Int) {
        let NB = w.blocksPerRow, pairs = NB / 2
        let lanes = UnsafeRawPointer(xp)
        var touched: UInt8 = 0
        for r in lo..<hi {
            let q = UnsafeRawPointer(w.rowQuants(r))
            let d = UnsafePointer(w.scaleBits(row: r)), m = UnsafePointer(w.offsetBits(row: r))
            if r + ahead < hi {
                let next = UnsafeRawPointer(w.row(r + ahead))
                for offset in stride(from: 0, to: w.rowBytes, by: 64) {
                    touched &+= next.load(fromByteOffset: offset, as: UInt8.self)
                }
            }
            var acc = Floats8(repeating: 0)
            for p in 0..<pairs {
                let word = q.loadUnaligned(fromByteOffset: 32 * p, as: Bits8.self)
                let xb = lanes + 256 * p
                /// Group g's quants times 2^4g: its nibble sits at bit 4g of each lane.
                @inline(__always) func v(_ g: UInt32) -> Floats8 {
                    g == 7 ? Floats8(converting: Bits8.and(Bits8.shiftRight(word, 4), Bits8(repeating: 0x0F00_0000)))
                        : Floats8(converting: Bits8.and(word, Bits8(repeating: 0xF << (4 * g))))
                }
                @inline(__always) func xs(_ g: Int) -> Floats8 {
                    xb.loadUnaligned(fromByteOffset: 32 * g, as: Floats8.self)
                }
                // Two running sums so the multiply-adds do not wait on each other.
                var s0 = Floats8.mul(v(0), xs(0))
                var s1 = Floats8.mul(v(1), xs(1))
                s0 = .fma(v(2), xs(2), s0)
                s1 = .fma(v(3), xs(3), s1)
                s0 = .fma(v(4), xs(4), s0)
                s1 = .fma(v(5), xs(5), s1)
                s0 = .fma(v(6), xs(6), s0)
                s1 = .fma(v(7), xs(7), s1)
                let b = 2 * p
                let scale = Floats8(lowHalf: SIMD4(repeating: Float(halfBits: d[b])),
                                    highHalf: SIMD4(repeating: Float(halfBits: d[b + 1])))
                acc = .fma(scale, .add(s0, s1), acc)
            }
            var total = acc.laneSum + offsetTerm(m, NB)
            if NB % 2 == 1 {
                let b = NB - 1
                let bytes = (q + 16 * b).assumingMemoryBound(to: UInt8.self), xb = x + 32 * b
                var s: Float = 0
                for j in 0..<16 {
                    s += Float(bytes[j] & 0x0F) * xb[j] + Float(bytes[j] >> 4) * xb[j + 16]
                }
                total += Float(halfBits: d[b]) * s
            }
            out[r] = total
        }
        if touched == 0x5A { touchSink.add(1, ordering: .relaxed) }
    }

    private func eightBitRows(_ lo: Int, _ hi: Int) {
        let NB = w.blocksPerRow
        let lanes = UnsafeRawPointer(x)
        for r in lo..<hi {
            let q = UnsafeRawPointer(w.rowQuants(r))
            let d = UnsafePointer(w.scaleBits(row: r))
            var acc = Floats8(repeating: 0)
            for b in 0..<NB {
                let qb = q + 32 * b, xb = lanes + 128 * b
                /// Quants 8k ..< 8k+8, sign-extended and converted.
                @inline(__always) func v(_ k: Int) -> Floats8 {
                    Floats8(signExtending: qb.loadUnaligned(fromByteOffset: 8 * k, as: SIMD8<Int8>.self))
                }
                @inline(__always) func xs(_ k: Int) -> Floats8 {
                    xb.loadUnaligned(fromByteOffset: 32 * k, as: Floats8.self)
                }
                var s0 = Floats8.mul(v(0), xs(0))
                var s1 = Floats8.mul(v(1), xs(1))
                s0 = .fma(v(2), xs(2), s0)
                s1 = .fma(v(3), xs(3), s1)
                acc = .fma(Floats8(repeating: Float(halfBits: d[b])), .add(s0, s1), acc)
            }
            out[r] = acc.laneSum
        }
    }
}
