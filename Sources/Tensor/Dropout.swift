// Inverted dropout with a mask that is a pure function of a seed, so a
// backward pass (or a recomputed forward) regenerates it instead of storing it.
//
// Legend: N elements, p the drop probability.

/// `out = inp · mask / (1 − p)`, mask[i] = 0 with probability p, drawn from
/// xoshiro256** seeded with `seed`.
///
///     out, inp (N); `out` may alias `inp`.
public func dropoutForward(
    _ out: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>,
    p: Float, seed: UInt64, _ N: Int
) {
    if p <= 0 { if out != inp { out.update(from: inp, count: N) }; return }
    var rng = Xoshiro256(seed: seed)
    let keep = 1 / (1 - p)
    for i in 0..<N { out[i] = rng.uniform() < p ? 0 : inp[i] * keep }
}

/// Adds the gradient through the same mask (the same `seed`).
///
///     dinp (N) += dout · mask / (1 − p)
///     dout (N)
public func dropoutBackward(
    _ dinp: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>,
    p: Float, seed: UInt64, _ N: Int
) {
    if p <= 0 { for i in 0..<N { dinp[i] += dout[i] }; return }
    var rng = Xoshiro256(seed: seed)
    let keep = 1 / (1 - p)
    for i in 0..<N where rng.uniform() >= p { dinp[i] += dout[i] * keep }
}
