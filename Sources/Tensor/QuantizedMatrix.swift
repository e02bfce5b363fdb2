// Weight matrices kept in 4-bit or 8-bit blocks (decoding reads them directly in
// QuantizedMatvec.swift: it is memory-bound, and blocks are a quarter to an eighth
// of the float32 bytes per token), and the tiled matmul that training uses on them.
//
// Legend: OUT rows, IN columns (a multiple of 32), NB = IN / 32 blocks per row.
//
// Each block of 32 weights has a float scale d and offset m and 32 small
// integers q; the weight is d·q + m. This covers ggml's Q4_1 (d, m), Q4_0
// (m = -8d) and Q8_0 (m = 0, q signed). Quants are stored in ggml's order:
// 4-bit: byte j holds element j in its low nibble and element j+16 in its high
// nibble; 8-bit: byte j is element j (two's complement).

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

/// A pointer handed to worker threads that write disjoint parts.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
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
