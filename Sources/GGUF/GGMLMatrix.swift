// A weight matrix kept in its stored (ggml block) format, multiplied by float vectors without a
// float copy of the weights: the matrix-vector product of token generation. (Tensor's
// QuantizedMatrix is a different design: blocks repacked at load, float activations.)
//
//   let w = try GGMLMatrix(file: gguf, tensor: info)          // (rows, columns), keeps the mapping alive
//   w.multiply(x, into: y, threads: 2)                        // y (rows) = W (rows, columns) x (columns)
//   w.multiply(x, vectors: T, into: y, threads: 2)            // y (T, rows) = x (T, columns) W^T
//   w.multiplyExact(x, into: y)                               // float-activation reference (slower)
//   w.dequantize(rows: 0 ..< 64, into: tile)                  // (64, columns) floats, for sgemm
//   let v = QuantizedVector(capacity: 1536)                   // once; then per token:
//   try v.quantize(x, count: 576)                             // x quantized once for q, k and v
//   GGMLMatrix.multiply([wq, wk, wv], v, into: [q, k, v], threads: 2)        // one dispatch
//
// For Q4_0, Q4_1, Q8_0, Q4_K and Q6_K (`integerTypes`) the vector is first quantized to 8 bits per
// element in blocks of 32 (QuantizedVector.swift), then integer dot products run on the blocks
// (QuantizedMatVec.swift), as llama.cpp does: results differ from the exact product by the
// activation's quantization error, at most max|x_block|/254 per element, so
//   |y_r - exact_r| <= sum_i |w_ri| max|x_block(i)| / 254   (plus float rounding).
// Other types (F32, F16, BF16, Q5_*, Q5_K) use the float-activation row dot products.
// Rows are split into pieces that `threads` threads (the caller and a persistent worker pool,
// WorkerPool.swift) claim as they go; each row is computed by one thread in a fixed order, so
// results are identical for any thread count.
// To avoid quantizing the same vector for several matrices (q, k, v), quantize once into a
// QuantizedVector and call `multiply(_: QuantizedVector, ...)`.
//
// Rows are in file order: GGUF's attn_q / attn_k rows carry llama.cpp's RoPE permutation (see
// LlamaPermutation.swift); either rotate adjacent pairs, or move the quantized rows once with
// `unpermuteLlamaRows(bytes, rowLength: rowBytes, heads:)` into a buffer you own and wrap that.
//
// The batched `multiply(_:vectors:...)` reads each weight row once for all vectors (16-row chunks
// stay in L1), which suits a few vectors (batched generation). Prompt processing of T tokens is
// better served by dequantizing tiles of W (say 64 rows x all columns) to float with
// `dequantize(rows:into:)` and calling sgemm on (T, columns) x (columns, 64) per tile, in parallel over
// tiles: compute-bound at sgemm speed instead of 2 T flops per weight byte of integer dots.

/// A (rows, columns) matrix stored as `type`, row-major, one row every `rowBytes` bytes.
public struct GGMLMatrix: @unchecked Sendable {
    /// Types with integer kernels (the activation vector is quantized to 8 bits).
    public static let integerTypes: Set<GGMLType> = [.q4_0, .q4_1, .q8_0, .q4_K, .q6_K]

    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    /// Bytes of one stored row.
    public let rowBytes: Int
    /// Row 0's first block.
    public let base: UnsafeRawPointer
    /// Whatever owns the bytes (a MappedBuffer); kept alive with the matrix.
    private let owner: AnyObject?

    /// The 2-D tensor `tensor` of `file` (ggml dimensions [columns, rows]).
    public init(file: GGUFFile, tensor: GGUFTensorInfo) throws {
        guard tensor.dimensions.count <= 2 else {
            throw GGUFError.sizeMismatch(what: "dimensions of \(tensor.name) (a matrix)", expected: 2,
                                         actual: tensor.dimensions.count)
        }
        try self.init(type: tensor.type, rows: tensor.rowCount, columns: tensor.rowLength,
                      bytes: file.pointer(of: tensor), owner: file.buffer, name: tensor.name)
    }

    /// A matrix over `bytes` (valid while `owner` lives, or for the matrix's whole use if `owner` is nil).
    public init(type: GGMLType, rows: Int, columns: Int, bytes: UnsafeRawPointer, owner: AnyObject?,
                name: String = "(matrix)") throws {
        guard canDequantize(type) else { throw GGUFError.unsupportedTensorType(type, tensor: name) }
        guard rows >= 0, columns >= 0, let rowBytes = type.rowByteCount(columns) else {
            throw GGUFError.sizeMismatch(what: "row length of \(name) (a multiple of \(type.blockSize))",
                                         expected: (columns / type.blockSize + 1) * type.blockSize, actual: columns)
        }
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
        self.base = bytes
        self.owner = owner
    }

    /// Whether products use the integer kernels (and so carry the activation quantization error).
    public var usesIntegerKernel: Bool { Self.integerTypes.contains(type) && columns % 32 == 0 }

    /// Bytes of the whole matrix.
    public var byteCount: Int { rows * rowBytes }

    /// y (rows) = W x (columns), on `threads` threads.
    public func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, threads: Int = 1) {
        guard usesIntegerKernel else { return multiplyExact(x, into: y, threads: threads) }
        let vector = QuantizedVector(capacity: columns)
        try? vector.quantize(x, count: columns)
        multiply(vector, into: y, threads: threads)
    }

    /// y (rows) = W x for an already quantized x (x.count == columns), on `threads` threads.
    /// For a matrix without integer kernels this uses x's dequantized values.
    public func multiply(_ x: QuantizedVector, into y: UnsafeMutablePointer<Float>, threads: Int = 1) {
        parallelRows(threads) { range in multiply(x, rows: range, into: y) }
    }

    /// y[r] = row r of W · x for r in `rows` only (a building block for callers with their own threads).
    /// `x.count` must equal `columns`; otherwise the rows are set to NaN (a caller bug, made visible).
    public func multiply(_ x: QuantizedVector, rows range: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        guard x.count == columns else {
            for r in range { y[r] = .nan }
            return
        }
        if usesIntegerKernel {
            quantizedMatVec(type, base, rowBytes: rowBytes, rows: range, x, y)
        } else {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: columns) { buffer in
                guard let values = buffer.baseAddress else { return }
                for i in 0 ..< columns { values[i] = x.value(at: i) }
                exactRows(values, range, y)
            }
        }
    }

    /// y (rows) = W x with float activations (the reference; no activation quantization).
    public func multiplyExact(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, threads: Int = 1) {
        parallelRows(threads) { range in exactRows(x, range, y) }
    }

    /// y (vectors, rows) = x (vectors, columns) W^T, on `threads` threads. Each thread takes a range
    /// of rows and runs all vectors over 16 rows at a time, so every weight row is read from memory
    /// once for all vectors (good for a handful of vectors; for long prompts, dequantized tiles and
    /// sgemm win). Results equal `vectors` single products bit for bit.
    public func multiply(_ x: UnsafePointer<Float>, vectors: Int, into y: UnsafeMutablePointer<Float>, threads: Int = 1) {
        guard vectors > 0 else { return }
        guard usesIntegerKernel else {
            for v in 0 ..< vectors { multiplyExact(x + v * columns, into: y + v * rows, threads: threads) }
            return
        }
        let quantized = (0 ..< vectors).map { v in
            let vector = QuantizedVector(capacity: columns)
            try? vector.quantize(x + v * columns, count: columns)
            return vector
        }
        parallelRows(threads) { range in
            var start = range.lowerBound
            while start < range.upperBound {
                let chunk = start ..< min(start + 16, range.upperBound)
                for v in 0 ..< vectors { quantizedMatVec(type, base, rowBytes: rowBytes, rows: chunk, quantized[v], y + v * rows) }
                start = chunk.upperBound
            }
        }
    }

    /// y_k (matrices[k].rows) = matrices[k] x for several matrices of x's width (q, k and v; gate and
    /// up) in one parallel dispatch over all their rows, x quantized once by the caller.
    public static func multiply(_ matrices: [GGMLMatrix], _ x: QuantizedVector,
                                into outputs: [UnsafeMutablePointer<Float>], threads: Int = 1) {
        let count = min(matrices.count, outputs.count)
        let total = matrices.prefix(count).reduce(0) { $0 + $1.rows }
        let threads = max(1, min(threads, 64))
        // Pieces of `size` rows of the matrices' rows laid end to end.
        let size = pieceRows(total, threads), pieces = (total + size - 1) / size
        let body = { (piece: Int) in
            let lo = piece * size, hi = min(lo + size, total)
            var first = 0
            for k in 0 ..< count {
                let m = matrices[k]
                let start = max(lo, first) - first, end = min(hi, first + m.rows) - first
                if start < end { m.multiply(x, rows: start ..< end, into: outputs[k]) }
                first += m.rows
            }
        }
        guard threads > 1, #available(macOS 15, *) else {
            for piece in 0 ..< pieces { body(piece) }
            return
        }
        WorkerPool.shared(threads: threads).run(chunks: pieces, body)
    }

    /// Rows `range` as floats, row-major (range.count x columns) at `out`: a tile for sgemm.
    public func dequantize(rows range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        for r in range {
            let row = out + (r - range.lowerBound) * columns
            if (try? dequantizeRow(type, bytes: base + r * rowBytes, into: row, count: columns)) == nil {
                row.initialize(repeating: 0, count: columns)
            }
        }
    }

    private func exactRows(_ x: UnsafePointer<Float>, _ range: Range<Int>, _ y: UnsafeMutablePointer<Float>) {
        for r in range {
            y[r] = (try? dotRow(type, bytes: base + r * rowBytes, x, count: columns)) ?? 0
        }
    }

    /// Calls `body` on row ranges covering 0..<rows, in parallel on `threads` threads.
    private func parallelRows(_ threads: Int, _ body: (Range<Int>) -> Void) {
        let threads = max(1, min(threads, 64))
        guard threads > 1, rows > 16, #available(macOS 15, *) else { return body(0 ..< rows) }
        let rows = self.rows, size = pieceRows(rows, threads)
        WorkerPool.shared(threads: threads).run(chunks: (rows + size - 1) / size) { piece in
            body(piece * size ..< min((piece + 1) * size, rows))
        }
    }
}

/// Rows per piece of work: about 4 pieces per thread (so a late or descheduled thread is made up
/// for by the others), at least 32 rows (so claiming a piece costs little next to computing it).
private func pieceRows(_ rows: Int, _ threads: Int) -> Int {
    max(32, rows / (4 * threads))
}
