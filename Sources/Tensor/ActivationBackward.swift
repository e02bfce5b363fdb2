// Backward of the SwiGLU gate.
//
// Legend: N elements.
// Forward: out = silu(g) · u, silu(g) = g · σ(g).
// Backward: du += dout · silu(g);  dg += dout · u · σ(g) · (1 + g · (1 − σ(g))).

internal import Lanes

/// Adds the gradients of `swigluForward` (or, with `accumulate: false`, stores them, so the
/// caller need not zero `dgate` and `dup` first).
///
///     dgate, dup (N) += ∂loss/∂gate, ∂loss/∂up
///     dout       (N)
///     gate, up   (N) the forward's inputs
public func swigluBackward(
    _ dgate: UnsafeMutablePointer<Float>,
    _ dup: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>,
    _ gate: UnsafePointer<Float>,
    _ up: UnsafePointer<Float>,
    _ N: Int,
    accumulate: Bool = true
) {
    let one = Floats8(repeating: 1)
    forEachSlice(N) { start, end in
        var i = start
        while i < end {
            let n = min(8, end - i)
            let g = Floats8.load(gate, i, n), u = Floats8.load(up, i, n), d = Floats8.load(dout, i, n)
            let sig = Floats8.div(one, Floats8.add(one, fastExp8(Floats8.sub(Floats8(), g))))
            let dsig = Floats8.mul(sig, Floats8.fma(g, Floats8.sub(one, sig), one))  // σ · (1 + g(1 − σ))
            let zero = Floats8()
            let du0 = accumulate ? Floats8.load(dup, i, n) : zero, dg0 = accumulate ? Floats8.load(dgate, i, n) : zero
            Floats8.fma(Floats8.mul(d, g), sig, du0).store(dup, i, n)
            Floats8.fma(Floats8.mul(d, u), dsig, dg0).store(dgate, i, n)
            i += 8
        }
    }
}
