// Reading a safetensors tensor: zero-copy bytes, or elements converted to Float / Int32 / Int64.

import Foundation

extension SafetensorsFile {
    /// The tensor named `name`, if present.
    public func info(_ name: String) -> SafetensorsTensorInfo? { infosByName[name] }

    /// Every tensor, in data order.
    public var tensors: [SafetensorsTensorInfo] { tensorNames.compactMap { infosByName[$0] } }

    /// The tensor's bytes as a zero-copy `Data` that keeps the mapping alive.
    public func data(_ name: String) throws -> Data {
        let t = try require(name)
        return buffer.data(t.fileOffset ..< t.fileOffset + t.byteCount)
    }

    /// Calls `body` with the tensor's bytes (zero-copy).
    public func withBytes<R>(
        _ name: String, _ body: (SafetensorsTensorInfo, UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let t = try require(name)
        return try withExtendedLifetime(buffer) {
            try body(t, UnsafeRawBufferPointer(start: buffer.base + t.fileOffset, count: t.byteCount))
        }
    }

    /// The elements as Float, converting F16, BF16 and F64.
    public func floats(_ name: String) throws -> [Float] {
        try withBytes(name) { t, bytes in
            let n = t.elementCount
            guard let p = bytes.baseAddress, n > 0 else { return [] }
            return try [Float](unsafeUninitializedCapacity: n) { out, initialized in
                switch t.dtype {
                case .f32:
                    for i in 0 ..< n {
                        let bits = p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                        out[i] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                case .f16:
                    for i in 0 ..< n {
                        let bits = p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                        out[i] = safetensorsHalfToFloat(UInt16(littleEndian: bits))
                    }
                case .bf16:
                    for i in 0 ..< n {
                        let bits = p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                        out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
                    }
                case .f64:
                    for i in 0 ..< n {
                        let bits = p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                        out[i] = Float(Double(bitPattern: UInt64(littleEndian: bits)))
                    }
                default:
                    throw SafetensorsError.unsupportedConversion(tensor: name, dtype: t.dtype, to: "Float")
                }
                initialized = n
            }
        }
    }

    /// The elements as Int32, from I32 (or I64, I16, I8, U8 when every value fits).
    public func int32s(_ name: String) throws -> [Int32] {
        try int64s(name, as: "Int32").enumerated().map { index, v in
            guard let x = Int32(exactly: v) else { throw SafetensorsError.valueOutOfRange(tensor: name, index: index) }
            return x
        }
    }

    /// The elements as Int64, from I64, I32, I16, I8 or U8.
    public func int64s(_ name: String) throws -> [Int64] {
        try int64s(name, as: "Int64")
    }

    private func int64s(_ name: String, as target: String) throws -> [Int64] {
        try withBytes(name) { t, bytes in
            let n = t.elementCount
            guard let p = bytes.baseAddress, n > 0 else { return [] }
            switch t.dtype {
            case .i64:
                return (0 ..< n).map { Int64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case .i32:
                return (0 ..< n).map {
                    Int64(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)))
                }
            case .i16:
                return (0 ..< n).map {
                    Int64(Int16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)))
                }
            case .i8: return (0 ..< n).map { Int64(p.load(fromByteOffset: $0, as: Int8.self)) }
            case .u8, .bool: return (0 ..< n).map { Int64(p.load(fromByteOffset: $0, as: UInt8.self)) }
            default: throw SafetensorsError.unsupportedConversion(tensor: name, dtype: t.dtype, to: target)
            }
        }
    }

    private func require(_ name: String) throws -> SafetensorsTensorInfo {
        guard let t = infosByName[name] else { throw SafetensorsError.tensorNotFound(name) }
        return t
    }
}

/// Half-precision bits to Float (exact).
func safetensorsHalfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0 { return Float(bitPattern: (Float(mantissa) * 0x1p-24).bitPattern | sign) }
    if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
    return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
}

/// Float to half-precision bits, rounding to nearest even; overflow gives infinity.
func safetensorsFloatToHalf(_ f: Float) -> UInt16 {
    let x = f.bitPattern
    let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
    let magnitude = x & 0x7FFF_FFFF
    if magnitude > 0x7F80_0000 { return sign | 0x7E00 | UInt16(truncatingIfNeeded: (magnitude >> 13) & 0x3FF) }
    if magnitude >= 0x477F_F000 { return sign | 0x7C00 }
    if magnitude < 0x3880_0000 {
        return sign | UInt16((Float(bitPattern: magnitude) * 0x1p24).rounded(.toNearestOrEven))
    }
    return sign | UInt16(truncatingIfNeeded: ((magnitude + 0xFFF + ((magnitude >> 13) & 1)) >> 13) - (112 << 10))
}

/// Float to bfloat16 bits, rounding to nearest even; NaN stays a quiet NaN.
func safetensorsFloatToBFloat(_ f: Float) -> UInt16 {
    let x = f.bitPattern
    if x & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: (x >> 16) | 64) }
    return UInt16(truncatingIfNeeded: (x &+ (0x7FFF + ((x >> 16) & 1))) >> 16)
}
