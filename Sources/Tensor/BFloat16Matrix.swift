// Weight matrices kept in bfloat16 (the top 16 bits of a float32, rounded to nearest even): half
// the bytes of float32 and, on CPUs with AVX512_BF16, products at twice float32's rate (vdpbf16ps;
// see MatmulBF16.swift). Used for the frozen base of LoRA training with `precision: bf16`.

internal import GEMM

/// A row-major (rows, columns) bfloat16 matrix.
public final class BFloat16Matrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let storage: UnsafeMutablePointer<UInt16>

    /// `source` (rows, columns) rounded to bfloat16, each value to the nearest (ties to even);
    /// float32 denormals become zero, as the hardware's conversion does.
    public init(rows: Int, columns: Int, from source: UnsafePointer<Float>) {
        self.rows = rows
        self.columns = columns
        storage = .allocate(capacity: max(1, rows * columns))
        pipe_bf16_from_float(source, storage, rows * columns)
    }

    /// A copy of a block-quantized matrix: each row dequantized to float32, then rounded.
    public convenience init(_ q: QuantizedMatrix) {
        let row = UnsafeMutablePointer<Float>.allocate(capacity: q.columns)
        defer { row.deallocate() }
        self.init(rows: q.rows, columns: q.columns) { r, out in
            q.dequantizeRow(r, into: row)
            pipe_bf16_from_float(row, out, q.columns)
        }
    }

    private init(rows: Int, columns: Int, fill: (Int, UnsafeMutablePointer<UInt16>) -> Void) {
        self.rows = rows
        self.columns = columns
        storage = .allocate(capacity: max(1, rows * columns))
        for r in 0..<rows { fill(r, storage + r * columns) }
    }

    deinit { storage.deallocate() }

    /// Bytes held.
    public var byteCount: Int { rows * columns * 2 }

    /// Rows r0 ..< r0+count widened to float32 (exact) into `out` (count, columns).
    public func widen(rows r0: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        pipe_bf16_to_float(storage + r0 * columns, out, count * columns)
    }
}

/// `count` values rounded to bfloat16 (nearest, ties to even, denormals to zero) into `out`.
public func roundToBFloat16(_ values: UnsafePointer<Float>, into out: UnsafeMutablePointer<UInt16>, count: Int,
                            kernels: KernelSet = .best) {
    if kernels.hasBFloat16Products {
        pipe_bf16_from_float_avx512(values, out, count)
    } else {
        pipe_bf16_from_float(values, out, count)
    }
}

/// `count` bfloat16 values widened to float32 (exact) into `out`.
public func widenBFloat16(_ values: UnsafePointer<UInt16>, into out: UnsafeMutablePointer<Float>, count: Int) {
    pipe_bf16_to_float(values, out, count)
}

/// `values` rounded to bfloat16 and widened back, in place: what the bfloat16 products see of them.
public func roundToBFloat16(_ values: UnsafeMutablePointer<Float>, count: Int) {
    let chunk = 4096
    withUnsafeTemporaryAllocation(of: UInt16.self, capacity: chunk) { tmp in
        var i = 0
        while i < count {
            let n = min(chunk, count - i)
            pipe_bf16_from_float(values + i, tmp.baseAddress!, n)
            pipe_bf16_to_float(tmp.baseAddress!, values + i, n)
            i += n
        }
    }
}
