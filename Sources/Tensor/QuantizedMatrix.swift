// Weight matrices kept in 4-bit or 8-bit blocks (decoding reads them directly in
// QuantizedMatvec.swift: it is memory-bound, and blocks are a fifth to an eighth
// of the float32 bytes per token), and the tiled matmul that training uses on them.
//
// Legend: OUT rows, IN columns (a multiple of 32), NB = IN / 32 blocks per row.
//
// Each block of 32 weights has a scale d and offset m and 32 small integers q;
// the weight is d·q + m. This covers ggml's Q4_1 (d, m), Q4_0 (m = -8d) and
// Q8_0 (m = 0, q signed). d and m stay IEEE halves as ggml stores them, so a
// block costs what it costs in the file: 20 bytes (4-bit) or 34 (8-bit). Each
// row is one run of bytes, its halves first (every d, then every m), then its
// quants in ggml's order: 4-bit: byte j holds element j in its low nibble and
// element j+16 in its high nibble; 8-bit: byte j is element j (two's complement).
//
//     row r: d (NB halves) | m (NB halves, 4-bit only) | quants (NB × 16 or 32 bytes)

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
        /// Bytes per block of 32, its halves included (ggml's Q4_1 and Q8_0 sizes).
        public var blockBytes: Int { self == .fourBit ? 20 : 34 }
        /// Halves per block: d, and m for 4-bit.
        var halvesPerBlock: Int { self == .fourBit ? 2 : 1 }
    }

    public static let blockSize = 32
    /// Bytes readable past the last row, so 16-lane loads of a row's halves never leave the allocation.
    static let padding = 64
    public let kind: Kind
    public let rows: Int
    public let columns: Int
    public let blocksPerRow: Int
    /// Bytes of one row (NB × blockBytes).
    public let rowBytes: Int
    /// The rows, one after another (see the layout above).
    public let storage: UnsafeMutableRawPointer

    /// A zero matrix; `columns` must be a positive multiple of 32 (the caller checks).
    public init(kind: Kind, rows: Int, columns: Int) {
        self.kind = kind
        self.rows = rows
        self.columns = columns
        blocksPerRow = columns / Self.blockSize
        rowBytes = blocksPerRow * kind.blockBytes
        let bytes = rows * rowBytes + Self.padding
        storage = .allocate(byteCount: bytes, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
    }

    deinit { storage.deallocate() }

    /// The bytes of `row`.
    @inline(__always)
    public func row(_ row: Int) -> UnsafeMutableRawPointer { storage + row * rowBytes }

    /// The d halves of `row` (NB).
    @inline(__always)
    public func scaleBits(row: Int) -> UnsafeMutablePointer<UInt16> {
        self.row(row).assumingMemoryBound(to: UInt16.self)
    }

    /// The m halves of `row` (NB); 4-bit only.
    @inline(__always)
    public func offsetBits(row: Int) -> UnsafeMutablePointer<UInt16> {
        scaleBits(row: row) + blocksPerRow
    }

    /// The quants of `row` (NB × quantBytes).
    @inline(__always)
    public func rowQuants(_ row: Int) -> UnsafeMutableRawPointer {
        self.row(row) + blocksPerRow * 2 * kind.halvesPerBlock
    }

    /// Quants of block `b` of `row`.
    @inline(__always)
    public func blockQuants(row: Int, block b: Int) -> UnsafeMutableRawPointer {
        rowQuants(row) + b * kind.quantBytes
    }

    /// d of block `b` of `row`.
    @inline(__always)
    public func scale(row: Int, block b: Int) -> Float { Float(halfBits: scaleBits(row: row)[b]) }

    /// m of block `b` of `row` (0 for 8-bit).
    @inline(__always)
    public func offset(row: Int, block b: Int) -> Float {
        kind == .fourBit ? Float(halfBits: offsetBits(row: row)[b]) : 0
    }

    /// Sets d and m (ignored for 8-bit) of block `b` of `row` from IEEE half bit patterns.
    public func setBlock(row: Int, block b: Int, scaleBits d: UInt16, offsetBits m: UInt16) {
        scaleBits(row: row)[b] = d
        if kind == .fourBit { offsetBits(row: row)[b] = m }
    }

    /// Sets d and m of block `b` of `row`, each rounded to the nearest half.
    public func setBlock(row: Int, block b: Int, scale d: Float, offset m: Float) {
        setBlock(row: row, block: b, scaleBits: Float16(d).bitPattern, offsetBits: Float16(m).bitPattern)
    }

    /// The float32 values of one row (IN), `d·q + m` per element.
    public func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<blocksPerRow {
            let d = scale(row: row, block: b), m = offset(row: row, block: b)
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

extension Float {
    /// The value of an IEEE half-precision bit pattern (exact).
    @inline(__always)
    init(halfBits: UInt16) { self.init(Float16(bitPattern: halfBits)) }
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
