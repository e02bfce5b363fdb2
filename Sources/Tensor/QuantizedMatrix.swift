// Weight matrices kept in 4-bit or 8-bit blocks, and the matrix-vector
// product that reads them directly (decoding is memory-bound: a quarter to an
// eighth of the float32 bytes per token).
//
// Legend: OUT rows, IN columns (a multiple of 32), NB = IN / 32 blocks per row.
//
// Each block of 32 weights has a float scale d and offset m and 32 small
// integers q; the weight is d·q + m. This covers ggml's Q4_1 (d, m), Q4_0
// (m = -8d) and Q8_0 (m = 0, q signed). Quants are stored in ggml's order:
// 4-bit: byte j holds element j in its low nibble and element j+16 in its high
// nibble; 8-bit: byte j is element j (two's complement).
//
// The product reads each 16-byte half-block as four 32-bit lanes, so lane l
// of "byte group" k holds element 4l + k; the input vector is permuted once
// per call to match, and integers become floats with the 2^23 trick
// (bits 0x4B000000 | n are the float 8388608 + n), all in plain SIMD ops.

import Foundation

/// A block-quantized (OUT, IN) matrix.
public final class QuantizedMatrix: @unchecked Sendable {
    public enum Kind: Sendable, Equatable {
        /// 4-bit unsigned quants (ggml Q4_0 and Q4_1).
        case fourBit
        /// 8-bit signed quants (ggml Q8_0).
        case eightBit

        /// Bytes of quants per block of 32.
        public var quantBytes: Int { self == .fourBit ? 16 : 32 }
    }

    public static let blockSize = 32
    public let kind: Kind
    public let rows: Int
    public let columns: Int
    public let blocksPerRow: Int
    /// d of each block (OUT, NB).
    public let scales: UnsafeMutablePointer<Float>
    /// m of each block (OUT, NB).
    public let offsets: UnsafeMutablePointer<Float>
    /// Quants (OUT, NB, quantBytes).
    public let quants: UnsafeMutableRawPointer

    /// A zero matrix; `columns` must be a positive multiple of 32 (the caller checks).
    public init(kind: Kind, rows: Int, columns: Int) {
        self.kind = kind
        self.rows = rows
        self.columns = columns
        blocksPerRow = columns / Self.blockSize
        let blocks = max(rows * blocksPerRow, 1)
        scales = .allocate(capacity: blocks)
        scales.initialize(repeating: 0, count: blocks)
        offsets = .allocate(capacity: blocks)
        offsets.initialize(repeating: 0, count: blocks)
        quants = .allocate(byteCount: blocks * kind.quantBytes, alignment: 64)
        quants.initializeMemory(as: UInt8.self, repeating: 0, count: blocks * kind.quantBytes)
    }

    deinit {
        scales.deallocate()
        offsets.deallocate()
        quants.deallocate()
    }

    /// Quants of block `b` of `row`.
    @inline(__always)
    public func blockQuants(row: Int, block b: Int) -> UnsafeMutableRawPointer {
        quants + (row * blocksPerRow + b) * kind.quantBytes
    }

    /// The float32 values of one row (IN), `d·q + m` per element.
    public func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<blocksPerRow {
            let d = scales[row * blocksPerRow + b], m = offsets[row * blocksPerRow + b]
            let q = blockQuants(row: row, block: b).assumingMemoryBound(to: UInt8.self)
            let o = out + b * Self.blockSize
            if kind == .fourBit {
                for j in 0..<16 {
                    o[j] = d * Float(q[j] & 0x0F) + m
                    o[j + 16] = d * Float(q[j] >> 4) + m
                }
            } else {
                for j in 0..<32 { o[j] = d * Float(Int8(bitPattern: q[j])) + m }
            }
        }
    }
}

/// `out = W · x` for a block-quantized W.
///
///     out (OUT)
///     w   (OUT, IN) quantized
///     x   (IN)
///
/// Rows are split over `threads` workers when the matrix is large.
public func quantizedMatvec(
    _ out: UnsafeMutablePointer<Float>,
    _ w: QuantizedMatrix,
    _ x: UnsafePointer<Float>,
    threads: Int = 2
) {
    let IN = w.columns, NB = w.blocksPerRow
    withUnsafeTemporaryAllocation(of: Float.self, capacity: IN + NB) { scratch in
        let xp = scratch.baseAddress!       // (IN) x permuted to the lane order
        let xsum = xp + IN                  // (NB) sum of x over each block
        for b in 0..<NB {
            var s: Float = 0
            for h in 0..<2 {
                let src = x + b * 32 + h * 16
                let dst = xp + b * 32 + h * 16
                for k in 0..<4 {
                    for l in 0..<4 { dst[4 * k + l] = src[4 * l + k] }
                }
                for j in 0..<16 { s += src[j] }
            }
            xsum[b] = s
        }
        let xpc = UnsafePointer(xp), xsc = UnsafePointer(xsum)
        let workers = w.rows * IN >= 1 << 16 ? max(1, threads) : 1
        if workers == 1 {
            quantizedRows(out, w, xpc, xsc, 0, w.rows)
        } else {
            let per = (w.rows + workers - 1) / workers
            let o = UnsafeSendable(out), xs = UnsafeSendable(xpc), ss = UnsafeSendable(xsc)
            DispatchQueue.concurrentPerform(iterations: workers) { i in
                let lo = i * per, hi = min(w.rows, lo + per)
                if lo < hi { quantizedRows(o.value, w, xs.value, ss.value, lo, hi) }
            }
        }
    }
}

/// A pointer handed to worker threads that write disjoint parts.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Rows lo..<hi of the product, x already permuted (xp) and summed per block (xsum).
@inline(__always)
private func quantizedRows(
    _ out: UnsafeMutablePointer<Float>, _ w: QuantizedMatrix,
    _ xp: UnsafePointer<Float>, _ xsum: UnsafePointer<Float>, _ lo: Int, _ hi: Int
) {
    let NB = w.blocksPerRow
    let magic = SIMD4<UInt32>(repeating: 0x4B00_0000)
    let rawX = UnsafeRawPointer(xp)
    if w.kind == .fourBit {
        let mask = SIMD4<UInt32>(repeating: 0x0F)
        let bias = SIMD4<Float>(repeating: 8_388_608)
        for r in lo..<hi {
            var acc = SIMD4<Float>(repeating: 0)
            var offsetSum: Float = 0
            let q = UnsafeRawPointer(w.quants) + r * NB * 16
            let d = w.scales + r * NB, m = w.offsets + r * NB
            for b in 0..<NB {
                let word = q.loadUnaligned(fromByteOffset: b * 16, as: SIMD4<UInt32>.self)
                let xb = b * 128  // byte offset of the block's 32 floats
                // Two independent sums (low and high nibbles) keep the adds from
                // waiting on each other.
                var tl = SIMD4<Float>(repeating: 0), th = SIMD4<Float>(repeating: 0)
                for k in 0..<4 {
                    let shift = SIMD4<UInt32>(repeating: UInt32(8 * k))
                    let low = unsafeBitCast(((word &>> shift) & mask) | magic, to: SIMD4<Float>.self) - bias
                    let high = unsafeBitCast(((word &>> (shift &+ 4)) & mask) | magic, to: SIMD4<Float>.self) - bias
                    tl += low * rawX.loadUnaligned(fromByteOffset: xb + 16 * k, as: SIMD4<Float>.self)
                    th += high * rawX.loadUnaligned(fromByteOffset: xb + 64 + 16 * k, as: SIMD4<Float>.self)
                }
                acc += d[b] * (tl + th)
                offsetSum += m[b] * xsum[b]
            }
            out[r] = acc.sum() + offsetSum
        }
    } else {
        let mask = SIMD4<UInt32>(repeating: 0xFF)
        let flip = SIMD4<UInt32>(repeating: 0x8080_8080)
        let bias = SIMD4<Float>(repeating: 8_388_736)  // 2^23 + 128
        for r in lo..<hi {
            var acc = SIMD4<Float>(repeating: 0)
            var offsetSum: Float = 0
            let q = UnsafeRawPointer(w.quants) + r * NB * 32
            let d = w.scales + r * NB, m = w.offsets + r * NB
            for b in 0..<NB {
                var t0 = SIMD4<Float>(repeating: 0), t1 = SIMD4<Float>(repeating: 0)
                let w0 = q.loadUnaligned(fromByteOffset: b * 32, as: SIMD4<UInt32>.self) ^ flip
                let w1 = q.loadUnaligned(fromByteOffset: b * 32 + 16, as: SIMD4<UInt32>.self) ^ flip
                for k in 0..<4 {
                    let shift = SIMD4<UInt32>(repeating: UInt32(8 * k))
                    let v0 = unsafeBitCast(((w0 &>> shift) & mask) | magic, to: SIMD4<Float>.self) - bias
                    let v1 = unsafeBitCast(((w1 &>> shift) & mask) | magic, to: SIMD4<Float>.self) - bias
                    t0 += v0 * rawX.loadUnaligned(fromByteOffset: b * 128 + 16 * k, as: SIMD4<Float>.self)
                    t1 += v1 * rawX.loadUnaligned(fromByteOffset: b * 128 + 64 + 16 * k, as: SIMD4<Float>.self)
                }
                acc += d[b] * (t0 + t1)
                offsetSum += m[b] * xsum[b]
            }
            out[r] = acc.sum() + offsetSum
        }
    }
}

/// A linear layer over N rows with a block-quantized weight, dequantized a
/// tile of rows at a time into `scratch` and multiplied through sgemm, so the
/// float32 weight never exists whole.
///
///     out     (N, OUT)
///     inp     (N, IN)
///     w       (OUT, IN) quantized
///     bias    (OUT) or nil
///     scratch (tileRows, IN)
public func quantizedMatmulForward(
    _ out: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>,
    _ w: QuantizedMatrix,
    _ bias: UnsafePointer<Float>?,
    _ N: Int,
    scratch: UnsafeMutablePointer<Float>, tileRows: Int
) {
    let IN = w.columns, OUT = w.rows
    var r0 = 0
    while r0 < OUT {
        let rows = min(tileRows, OUT - r0)
        for r in 0..<rows { w.dequantizeRow(r0 + r, into: scratch + r * IN) }
        // out[:, r0 ..< r0+rows] = inp (N, IN) · tileᵀ (IN, rows)
        sgemm(transposeA: false, transposeB: true, N, rows, IN,
              inp, lda: IN, scratch, ldb: IN, out + r0, ldc: OUT)
        r0 += rows
    }
    if let bias {
        for n in 0..<N {
            for o in 0..<OUT { out[n * OUT + o] += bias[o] }
        }
    }
}
