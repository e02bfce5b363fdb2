// Conversion between float32 rows and ggml's storage types, dispatched on GGMLType.
// A "row" is `count` consecutive elements, a whole number of blocks; blocks are independent,
// so a row may be any run of blocks. Each family lives in its own file:
//   BlockFormat+Float.swift  F32, F16, BF16, F64, I8, I16, I32 and the half/bfloat conversions
//   BlockFormat+Q4.swift     Q4_0, Q4_1            BlockFormat+Q5.swift  Q5_0, Q5_1
//   BlockFormat+Q8.swift     Q8_0                  BlockFormat+K.swift   Q4_K, Q5_K, Q6_K
//   BlockFormat+KQuantize.swift  the K-quant quantizers
// The formats and the reference quantizers follow ggml (ggml-quants.c); results are bit-exact.

/// Whether `dequantizeRow` can read `type`.
public func canDequantize(_ type: GGMLType) -> Bool {
    switch type {
    case .f32, .f16, .bf16, .f64, .i8, .i16, .i32,
        .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K:
        return true
    default: return false
    }
}

/// Whether `quantizeRow` can write `type`.
public func canQuantize(_ type: GGMLType) -> Bool {
    switch type {
    case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K: return true
    default: return false
    }
}

/// How many blocks a row of `count` elements of `type` has; the count must be a whole number of blocks.
func blockCount(_ type: GGMLType, _ count: Int) throws -> Int {
    guard count >= 0, count % type.blockSize == 0 else {
        throw GGUFError.sizeMismatch(
            what: "\(type) row length (a multiple of \(type.blockSize))",
            expected: (count / type.blockSize + 1) * type.blockSize, actual: count)
    }
    return count / type.blockSize
}

/// Converts `count` elements of `type` at `bytes` to Float at `into` (`count` a multiple of the block size).
public func dequantizeRow(
    _ type: GGMLType, bytes: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>,
    count: Int
) throws {
    let blocks = try blockCount(type, count)
    switch type {
    case .f32: UnsafeMutableRawPointer(out).copyMemory(from: bytes, byteCount: 4 * count)
    case .f16: dequantizeF16(bytes, out, count)
    case .bf16: dequantizeBF16(bytes, out, count)
    case .f64:
        for i in 0..<count {
            out[i] = Float(
                Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
        }
    case .i8: for i in 0..<count { out[i] = Float(bytes.load(fromByteOffset: i, as: Int8.self)) }
    case .i16:
        for i in 0..<count {
            out[i] = Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
        }
    case .i32:
        for i in 0..<count {
            out[i] = Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
        }
    case .q4_0: dequantizeQ4_0(bytes, out, blocks)
    case .q4_1: dequantizeQ4_1(bytes, out, blocks)
    case .q5_0: dequantizeQ5_0(bytes, out, blocks)
    case .q5_1: dequantizeQ5_1(bytes, out, blocks)
    case .q8_0: dequantizeQ8_0(bytes, out, blocks)
    case .q4_K: dequantizeQ4_K(bytes, out, blocks)
    case .q5_K: dequantizeQ5_K(bytes, out, blocks)
    case .q6_K: dequantizeQ6_K(bytes, out, blocks)
    default: throw GGUFError.unsupportedTensorType(type, tensor: "(row)")
    }
}

/// Converts `count` floats at `source` to `type` at `into` (`type.rowByteCount(count)` bytes),
/// exactly as ggml's reference quantizers do.
public func quantizeRow(
    _ type: GGMLType, _ source: UnsafePointer<Float>, into out: UnsafeMutableRawPointer,
    count: Int
) throws {
    let blocks = try blockCount(type, count)
    switch type {
    case .f32: out.copyMemory(from: source, byteCount: 4 * count)
    case .f16:
        for i in 0..<count {
            out.storeBytes(of: floatToHalf(source[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
    case .bf16:
        for i in 0..<count {
            out.storeBytes(of: floatToBFloat(source[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
    case .q4_0: quantizeQ4_0(source, out, blocks)
    case .q4_1: quantizeQ4_1(source, out, blocks)
    case .q5_0: quantizeQ5_0(source, out, blocks)
    case .q5_1: quantizeQ5_1(source, out, blocks)
    case .q8_0: quantizeQ8_0(source, out, blocks)
    case .q4_K: quantizeQ4_K(source, out, blocks)
    case .q5_K: quantizeQ5_K(source, out, blocks)
    case .q6_K: quantizeQ6_K(source, out, blocks)
    default: throw GGUFError.unsupportedTensorType(type, tensor: "(row)")
    }
}

/// `values` converted to `type`: the bytes ggml would store.
public func quantize(_ values: [Float], as type: GGMLType) throws -> [UInt8] {
    guard let byteCount = type.rowByteCount(values.count) else {
        throw GGUFError.sizeMismatch(
            what: "\(type) element count (a multiple of \(type.blockSize))",
            expected: (values.count / type.blockSize + 1) * type.blockSize, actual: values.count)
    }
    guard canQuantize(type) else { throw GGUFError.unsupportedTensorType(type, tensor: "(values)") }
    var bytes = [UInt8](repeating: 0, count: byteCount)
    try values.withUnsafeBufferPointer { src in
        try bytes.withUnsafeMutableBytes { dst in
            if let s = src.baseAddress, let d = dst.baseAddress {
                try quantizeRow(type, s, into: d, count: values.count)
            }
        }
    }
    return bytes
}

/// `count` elements of `type` stored in `bytes`, converted to Float.
public func dequantize(_ bytes: [UInt8], as type: GGMLType, count: Int) throws -> [Float] {
    guard let byteCount = type.rowByteCount(count) else {
        throw GGUFError.sizeMismatch(
            what: "\(type) element count (a multiple of \(type.blockSize))",
            expected: (count / type.blockSize + 1) * type.blockSize, actual: count)
    }
    guard bytes.count == byteCount else {
        throw GGUFError.sizeMismatch(
            what: "bytes of \(count) \(type) elements", expected: byteCount, actual: bytes.count)
    }
    guard canDequantize(type) else { throw GGUFError.unsupportedTensorType(type, tensor: "(bytes)") }
    return try bytes.withUnsafeBytes { src in
        try [Float](unsafeUninitializedCapacity: count) { out, initialized in
            if let s = src.baseAddress, let d = out.baseAddress, count > 0 {
                try dequantizeRow(type, bytes: s, into: d, count: count)
            }
            initialized = count
        }
    }
}

/// Reads a little-endian half-precision scale at `offset` as Float.
@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    halfToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

/// Stores `value` as a little-endian half at `offset`.
@inline(__always)
func storeHalf(_ value: Float, _ p: UnsafeMutableRawPointer, _ offset: Int) {
    p.storeBytes(of: floatToHalf(value).littleEndian, toByteOffset: offset, as: UInt16.self)
}
