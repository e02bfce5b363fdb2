// IEEE half (F16) and bfloat16 (BF16) conversions, bit-exact with ggml:
// widening is exact; narrowing rounds to nearest, ties to even (as F16C's _cvtss_sh and
// ggml_compute_fp32_to_bf16 do); NaN stays NaN.

/// Half-precision bits to Float (exact).
@inline(__always)
public func halfToFloat(_ h: UInt16) -> Float {
    let sign: UInt32 = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0 {
        // Zero or subnormal: mantissa * 2^-24.
        let magnitude = Float(mantissa) * 0x1p-24
        return Float(bitPattern: magnitude.bitPattern | sign)
    }
    if exponent == 31 {
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
}

/// Float to half-precision bits, rounding to nearest even; overflow gives infinity.
@inline(__always)
public func floatToHalf(_ f: Float) -> UInt16 {
    let x = f.bitPattern
    let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
    let magnitude = x & 0x7FFF_FFFF
    if magnitude > 0x7F80_0000 {  // NaN: keep it quiet and non-zero
        return sign | 0x7E00 | UInt16(truncatingIfNeeded: (magnitude >> 13) & 0x3FF)
    }
    if magnitude >= 0x477F_F000 { return sign | 0x7C00 }  // rounds to (or is) infinity
    if magnitude < 0x3880_0000 {
        // Below the smallest normal half: a multiple of 2^-24, rounded to nearest even.
        let scaled = Float(bitPattern: magnitude) * 0x1p24
        return sign | UInt16(scaled.rounded(.toNearestOrEven))
    }
    let rounded = (magnitude + 0xFFF + ((magnitude >> 13) & 1)) >> 13
    return sign | UInt16(truncatingIfNeeded: rounded - (112 << 10))
}

/// bfloat16 bits to Float (exact).
@inline(__always)
public func bfloatToFloat(_ b: UInt16) -> Float {
    Float(bitPattern: UInt32(b) << 16)
}

/// Float to bfloat16 bits, rounding to nearest even; NaN stays a quiet NaN.
@inline(__always)
public func floatToBFloat(_ f: Float) -> UInt16 {
    let x = f.bitPattern
    if x & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: (x >> 16) | 64) }
    return UInt16(truncatingIfNeeded: (x &+ (0x7FFF + ((x >> 16) & 1))) >> 16)
}

/// Every half's Float value, indexed by its bits (256 KiB, built on first use).
let halfTable: [Float] = (0 ... 0xFFFF).map { halfToFloat(UInt16($0)) }

func dequantizeF16(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
    halfTable.withUnsafeBufferPointer { table in
        for i in 0 ..< count {
            let h = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            out[i] = table[Int(h)]
        }
    }
}

func dequantizeBF16(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0 ..< count {
        let b = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
        out[i] = Float(bitPattern: UInt32(b) << 16)
    }
}
