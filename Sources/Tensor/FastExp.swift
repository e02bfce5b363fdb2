// A vectorized exp for the elementwise kernels of training (SwiGLU, softmax,
// cross-entropy), within about 2 ulp of expf for the inputs they see.
//
// exp(x) = 2ⁿ · exp(r), n = round(x / ln 2), r = x − n ln 2 (two-part ln 2),
// exp(r) by Cephes' degree-6 polynomial on |r| <= ln 2 / 2 (fused multiply-adds);
// 2ⁿ built in the exponent bits. Rounding uses the 1.5·2²³ shifter. Inputs are
// clamped to [−87.3, 88.3] (no infinities, no denormals), except that below −87.3
// the result is exactly 0 (so masked −∞ logits get zero probability); a NaN
// stays NaN. Every step is one AVX2 instruction
// (the Lanes module), so callers must be in this module (compiled for Haswell).

internal import Lanes

/// exp of 8 lanes.
@inline(__always)
func fastExp8(_ x: Floats8) -> Floats8 {
    let low = Floats8(repeating: -87.3)
    let keep = Floats8.maskGreaterOrEqual(x, low)  // 0 where x < −87.3
    let x = Floats8.min(Floats8(repeating: 88.3), Floats8.max(low, x))
    let shifter = Floats8(repeating: 12_582_912)  // 1.5 · 2²³
    let t = Floats8.fma(x, Floats8(repeating: 1.442_695_04), shifter)
    let n = Floats8.sub(t, shifter)
    var r = Floats8.fma(n, Floats8(repeating: -0.693_359_375), x)
    r = Floats8.fma(n, Floats8(repeating: 2.121_944_4e-4), r)
    var p = Floats8(repeating: 1.987_569_15e-4)
    p = Floats8.fma(p, r, Floats8(repeating: 1.398_199_950_7e-3))
    p = Floats8.fma(p, r, Floats8(repeating: 8.333_451_907_3e-3))
    p = Floats8.fma(p, r, Floats8(repeating: 4.166_579_589_4e-2))
    p = Floats8.fma(p, r, Floats8(repeating: 1.666_666_545_9e-1))
    p = Floats8.fma(p, r, Floats8(repeating: 5.000_000_120_1e-1))
    p = Floats8.fma(p, Floats8.mul(r, r), Floats8.add(r, Floats8(repeating: 1)))
    // t's low mantissa bits hold n + 2²² (0x4B40_0000 is the shifter's bits); adding 127 and
    // shifting into the exponent gives 2ⁿ (the shifter's own bits shift out).
    let k = Bits8.add(unsafeBitCast(t, to: Bits8.self),
                      Bits8(repeating: 127 &- 0x4B40_0000))
    return Floats8(bits: Bits8.and(Floats8.mul(p, Floats8(bits: Bits8.shiftLeft(k, 23))).bits, keep))
}

/// exp of 8 lanes.
public func fastExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    fastExp8(x)
}

/// exp of one value, through the same arithmetic.
public func fastExp(_ x: Float) -> Float {
    fastExp8(Floats8(repeating: x))[0]
}
