// Q4_0 and Q4_1: 32 elements per block, 4-bit codes, element j in the low nibble of qs[j]
// and element j+16 in the high nibble.
//   Q4_0 (18 bytes): d: f16, qs: 16 bytes          x = (q - 8) * d
//   Q4_1 (20 bytes): d: f16, m: f16, qs: 16 bytes  x = q * d + m

internal import Lanes

func dequantizeQ4_0(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let block = src + b * 18
        let d = loadHalf(block, 0)
        let y = out + b * 32
        for j in 0..<16 {
            let q = block.load(fromByteOffset: 2 + j, as: UInt8.self)
            y[j] = Float(Int32(q & 0x0F) - 8) * d
            y[j + 16] = Float(Int32(q >> 4) - 8) * d
        }
    }
}

func dequantizeQ4_1(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let block = src + b * 20
        let d = loadHalf(block, 0)
        let m = loadHalf(block, 2)
        let y = out + b * 32
        for j in 0..<16 {
            let q = block.load(fromByteOffset: 4 + j, as: UInt8.self)
            y[j] = Float(q & 0x0F) * d + m
            y[j + 16] = Float(q >> 4) * d + m
        }
    }
}

/// C's float-to-integer conversion (truncation toward zero) without trapping on NaN or overflow.
@inline(__always)
func truncatingToInt32(_ v: Float) -> Int32 {
    guard v.isFinite else { return 0 }
    return Int32(max(-2_000_000_000, min(2_000_000_000, v)))
}

func quantizeQ4_0(_ x: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    for b in 0..<blocks {
        let v = x + b * 32
        let block = dst + b * 18
        // The element of largest magnitude, with its sign, maps to -8.
        var amax: Float = 0
        var maxValue: Float = 0
        for j in 0..<32 where amax < abs(v[j]) {
            amax = abs(v[j])
            maxValue = v[j]
        }
        let d = maxValue / -8
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, block, 0)
        for j in 0..<16 {
            let q0 = min(15, Int8(truncatingIfNeeded: truncatingToInt32(v[j] * id + 8.5)))
            let q1 = min(15, Int8(truncatingIfNeeded: truncatingToInt32(v[j + 16] * id + 8.5)))
            block.storeBytes(
                of: UInt8(truncatingIfNeeded: q0) | (UInt8(truncatingIfNeeded: q1) << 4),
                toByteOffset: 2 + j, as: UInt8.self)
        }
    }
}

/// Eight lanes at a time (bytes equal the scalar reference's, `naiveQuantizeQ4_1` in the tests). The
/// reference keeps the first of equal minima and maxima, which differ only for +0 and -0: a block
/// whose minimum or maximum is zero takes the scalar path, which keeps the same one.
func quantizeQ4_1(_ x: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    for b in 0..<blocks {
        let v = x + b * 32
        let block = dst + b * 20
        let v0 = Floats8.load(v, 0), v1 = Floats8.load(v, 8), v2 = Floats8.load(v, 16), v3 = Floats8.load(v, 24)
        var low = Floats8(repeating: .greatestFiniteMagnitude), high = Floats8(repeating: -.greatestFiniteMagnitude)
        low = Floats8.min(v0, low); high = Floats8.max(v0, high)
        low = Floats8.min(v1, low); high = Floats8.max(v1, high)
        low = Floats8.min(v2, low); high = Floats8.max(v2, high)
        low = Floats8.min(v3, low); high = Floats8.max(v3, high)
        let lo = low.laneMin, hi = high.laneMax
        if lo == 0 || hi == 0 {
            quantizeQ4_1Block(v, block)
            continue
        }
        let d = (hi - lo) / 15
        let id = Floats8(repeating: d != 0 ? 1 / d : 0)
        storeHalf(d, block, 0)
        storeHalf(lo, block, 2)
        let l = Floats8(repeating: lo), half = Floats8(repeating: 0.5)
        // (x - lo) * id + 0.5, truncated, as a signed byte, at most 15.
        func code(_ x: Floats8) -> Ints8 {
            Ints8.min(
                Ints8.lowByteSignExtended(Ints8(truncating: Floats8.add(Floats8.mul(Floats8.sub(x, l), id), half))), 15)
        }
        // Byte j: element j in the low nibble, element j + 16 in the high one.
        Ints8.or(code(v0), Ints8.shiftLeft(code(v2), 4)).storeLowBytes(block, 4)
        Ints8.or(code(v1), Ints8.shiftLeft(code(v3), 4)).storeLowBytes(block, 12)
    }
}

/// One Q4_1 block, one element at a time (ggml's reference loop).
func quantizeQ4_1Block(_ v: UnsafePointer<Float>, _ block: UnsafeMutableRawPointer) {
    var lo = Float.greatestFiniteMagnitude
    var hi = -Float.greatestFiniteMagnitude
    for j in 0..<32 {
        if v[j] < lo { lo = v[j] }
        if v[j] > hi { hi = v[j] }
    }
    let d = (hi - lo) / 15
    let id: Float = d != 0 ? 1 / d : 0
    storeHalf(d, block, 0)
    storeHalf(lo, block, 2)
    for j in 0..<16 {
        let q0 = min(15, Int8(truncatingIfNeeded: truncatingToInt32((v[j] - lo) * id + 0.5)))
        let q1 = min(15, Int8(truncatingIfNeeded: truncatingToInt32((v[j + 16] - lo) * id + 0.5)))
        block.storeBytes(
            of: UInt8(truncatingIfNeeded: q0) | (UInt8(truncatingIfNeeded: q1) << 4),
            toByteOffset: 4 + j, as: UInt8.self)
    }
}
