// Dot products of a stored row with a float32 vector, reading the blocks directly (no float
// copy of the weights): the inner step of a quantized matrix-vector product.
//   dotRow(type, w, x, n) = sum_i dequantize(w)[i] * x[i]
// Q4_0/Q4_1/Q8_0/F32 have SIMD fast paths (16 lanes accumulated across blocks, summed once); the order is fixed, so results
// are deterministic but differ from a sequential float sum by rounding (~1e-6 relative).
// Other types dequantize one block at a time into a small buffer and dot that.
// These are the float-activation (exact) products; GGMLMatrix.swift has the faster integer
// kernels on 8-bit activations that generation uses.

/// `sum_i w[i] * x[i]` for a row `w` of `count` elements stored as `type` at `bytes`.
public func dotRow(_ type: GGMLType, bytes: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) throws -> Float {
    let blocks = try blockCount(type, count)
    switch type {
    case .f32: return dotF32(bytes, x, count)
    case .q4_0: return dotQ4_0(bytes, x, blocks)
    case .q4_1: return dotQ4_1(bytes, x, blocks)
    case .q8_0: return dotQ8_0(bytes, x, blocks)
    default:
        guard canDequantize(type) else { throw GGUFError.unsupportedTensorType(type, tensor: "(row)") }
        return try dotByBlocks(type, bytes, x, count)
    }
}

/// `out[r] = dotRow(row r of weights, x)` for `rows` rows of `columns` elements: y = W x.
public func matVec(_ type: GGMLType, weights: UnsafeRawPointer, rows: Int, columns: Int,
                   _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) throws {
    guard let rowBytes = type.rowByteCount(columns) else {
        throw GGUFError.sizeMismatch(what: "\(type) row length (a multiple of \(type.blockSize))",
                                     expected: (columns / type.blockSize + 1) * type.blockSize, actual: columns)
    }
    for r in 0 ..< rows {
        out[r] = try dotRow(type, bytes: weights + r * rowBytes, x, count: columns)
    }
}

@inline(__always)
private func loadX(_ x: UnsafePointer<Float>, _ i: Int) -> SIMD16<Float> {
    UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
}

private func dotF32(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = SIMD16<Float>()
    var i = 0
    while i + 16 <= count {
        acc += w.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self) * loadX(x, i)
        i += 16
    }
    var total = acc.sum()
    while i < count {
        total += w.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) * x[i]
        i += 1
    }
    return total
}

/// The 16 low and 16 high nibbles of 16 bytes at `p`, as floats.
@inline(__always)
private func nibbles(_ p: UnsafeRawPointer) -> (low: SIMD16<Float>, high: SIMD16<Float>) {
    var low = SIMD16<Float>(), high = SIMD16<Float>()
    for j in 0 ..< 16 {
        let q = p.load(fromByteOffset: j, as: UInt8.self)
        low[j] = Float(q & 0x0F)
        high[j] = Float(q >> 4)
    }
    return (low, high)
}

/// 16 signed bytes at `p + offset` as floats.
@inline(__always)
private func signedBytes(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<Float> {
    var v = SIMD16<Float>()
    for j in 0 ..< 16 { v[j] = Float(p.load(fromByteOffset: offset + j, as: Int8.self)) }
    return v
}

/// A block's half-precision scale at `offset`, through the 64K-entry table (no branches).
@inline(__always)
private func scale(_ table: UnsafePointer<Float>, _ p: UnsafeRawPointer, _ offset: Int) -> Float {
    table[Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))]
}

// Per-lane accumulators run across all blocks; one horizontal sum at the end of the row.
// Plain multiply and add, no fused multiply-add: results stay the same on targets without FMA
// (where `addingProduct` would become a libm call per lane).

private func dotQ4_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ blocks: Int) -> Float {
    halfTable.withUnsafeBufferPointer { t in
        let table = t.baseAddress!
        var acc = SIMD16<Float>()
        for b in 0 ..< blocks {
            let block = w + b * 18
            let xs = x + b * 32
            let (low, high) = nibbles(block + 2)
            // sum (q - 8) d x
            let qx = (low - 8) * loadX(xs, 0) + (high - 8) * loadX(xs, 16)
            acc += scale(table, block, 0) * qx
        }
        return acc.sum()
    }
}

private func dotQ4_1(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ blocks: Int) -> Float {
    halfTable.withUnsafeBufferPointer { t in
        let table = t.baseAddress!
        var accQ = SIMD16<Float>(), accM = SIMD16<Float>()
        for b in 0 ..< blocks {
            let block = w + b * 20
            let xs = x + b * 32
            let (low, high) = nibbles(block + 4)
            let x0 = loadX(xs, 0), x1 = loadX(xs, 16)
            // sum (q d + m) x = d sum q x + m sum x
            accQ += scale(table, block, 0) * (low * x0 + high * x1)
            accM += scale(table, block, 2) * (x0 + x1)
        }
        return (accQ + accM).sum()
    }
}

private func dotQ8_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ blocks: Int) -> Float {
    halfTable.withUnsafeBufferPointer { t in
        let table = t.baseAddress!
        var acc = SIMD16<Float>()
        for b in 0 ..< blocks {
            let block = w + b * 34
            let xs = x + b * 32
            let q0 = signedBytes(block, 2)
            let q1 = signedBytes(block, 18)
            acc += scale(table, block, 0) * (q0 * loadX(xs, 0) + q1 * loadX(xs, 16))
        }
        return acc.sum()
    }
}

private func dotByBlocks(_ type: GGMLType, _ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ count: Int) throws -> Float {
    // Chunks of 256 elements (a whole number of blocks for every supported type).
    let chunk = 256
    return try withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk) { buffer in
        guard let tmp = buffer.baseAddress else { return 0 }
        var total: Float = 0
        var i = 0
        while i < count {
            let n = min(chunk, count - i)
            guard let offset = type.rowByteCount(i) else { break }
            try dequantizeRow(type, bytes: w + offset, into: tmp, count: n)
            total += dotF32(UnsafeRawPointer(tmp), x + i, n)
            i += n
        }
        return total
    }
}
