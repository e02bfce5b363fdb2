// A vectorized exp for the elementwise kernels of training (SwiGLU,
// cross-entropy), within about 2 ulp of expf for the inputs they see.
//
// exp(x) = 2ⁿ · exp(r), n = round(x / ln 2), r = x − n ln 2 (two-part ln 2),
// exp(r) by Cephes' degree-6 polynomial on |r| <= ln 2 / 2; 2ⁿ built in the
// exponent bits. Rounding uses the 1.5·2²³ shifter, so it is plain arithmetic
// the compiler vectorizes. Inputs are clamped to [−87.3, 88.3] (no infinities,
// no denormals: exp(−∞) gives about 1e−38 instead of 0).

/// exp of 8 lanes.
@inlinable @inline(__always)
public func fastExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let x = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.3))
    let shifter = SIMD8<Float>(repeating: 12_582_912)  // 1.5 · 2²³
    let t = x * 1.442_695_04 + shifter
    let n = t - shifter
    let r = x - n * 0.693_359_375 - n * -2.121_944_4e-4
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * (r * r) + r + 1
    let k = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000  // n as an integer
    return p * unsafeBitCast((k &+ 127) &<< 23, to: SIMD8<Float>.self)
}

/// exp of one value, through the same arithmetic.
@inlinable @inline(__always)
public func fastExp(_ x: Float) -> Float {
    fastExp(SIMD8(repeating: x))[0]
}
