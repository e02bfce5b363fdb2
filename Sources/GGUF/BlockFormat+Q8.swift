// Q8_0 (34 bytes per 32 elements): d: f16, qs: 32 x int8.   x = q * d
// The reference quantizer maps the largest magnitude to +-127 and rounds half away from zero.

func dequantizeQ8_0(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0 ..< blocks {
        let block = src + b * 34
        let d = loadHalf(block, 0)
        let y = out + b * 32
        for j in 0 ..< 32 {
            y[j] = Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) * d
        }
    }
}

func quantizeQ8_0(_ x: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    for b in 0 ..< blocks {
        let v = x + b * 32
        let block = dst + b * 34
        var amax: Float = 0
        for j in 0 ..< 32 { amax = max(amax, abs(v[j])) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, block, 0)
        for j in 0 ..< 32 {
            let q = truncatingToInt32((v[j] * id).rounded(.toNearestOrAwayFromZero))
            block.storeBytes(of: Int8(truncatingIfNeeded: q), toByteOffset: 2 + j, as: Int8.self)
        }
    }
}
