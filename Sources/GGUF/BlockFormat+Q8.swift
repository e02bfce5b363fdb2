// Q8_0 (34 bytes per 32 elements): d: f16, qs: 32 x int8.   x = q * d
// The reference quantizer maps the largest magnitude to +-127 and rounds half away from zero.

internal import Lanes

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

/// Eight lanes at a time: |x| maxima in `vmaxps`, then `roundf(x * id)` as a nudge and a truncation
/// (`Floats8.nudgedForRounding`); bytes equal the scalar reference's (`naiveQuantizeQ8_0` in the tests).
func quantizeQ8_0(_ x: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    for b in 0 ..< blocks {
        let v = x + b * 32
        let block = dst + b * 34
        let v0 = Floats8.load(v, 0), v1 = Floats8.load(v, 8), v2 = Floats8.load(v, 16), v3 = Floats8.load(v, 24)
        var m = Floats8.max(Floats8.abs(v0), Floats8(repeating: 0))
        m = Floats8.max(Floats8.abs(v1), m)
        m = Floats8.max(Floats8.abs(v2), m)
        m = Floats8.max(Floats8.abs(v3), m)
        let amax = m.laneMax
        let d = amax / 127
        let id = Floats8(repeating: d != 0 ? 1 / d : 0)
        storeHalf(d, block, 0)
        Ints8(truncating: Floats8.nudgedForRounding(Floats8.mul(v0, id))).storeLowBytes(block, 2)
        Ints8(truncating: Floats8.nudgedForRounding(Floats8.mul(v1, id))).storeLowBytes(block, 10)
        Ints8(truncating: Floats8.nudgedForRounding(Floats8.mul(v2, id))).storeLowBytes(block, 18)
        Ints8(truncating: Floats8.nudgedForRounding(Floats8.mul(v3, id))).storeLowBytes(block, 26)
    }
}
