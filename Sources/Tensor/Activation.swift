// Elementwise activations: SiLU and the SwiGLU gate of Llama's MLP.
//
// Legend: N elements.

internal import Lanes

/// `out = x · sigmoid(x)`.
///
///     out (N), inp (N); `out` may alias `inp`.
public func siluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ N: Int) {
    forEachSlice(N) { start, end in
        var i = start
        while i < end {
            let n = min(8, end - i)
            let x = Floats8.load(inp, i, n)
            let e = fastExp8(Floats8.sub(Floats8(), x))
            Floats8.div(x, Floats8.add(Floats8(repeating: 1), e)).store(out, i, n)
            i += 8
        }
    }
}

/// `out = silu(gate) · up`.
///
///     out (N), gate (N), up (N); `out` may alias either input.
public func swigluForward(
    _ out: UnsafeMutablePointer<Float>,
    _ gate: UnsafePointer<Float>,
    _ up: UnsafePointer<Float>,
    _ N: Int
) {
    forEachSlice(N) { start, end in
        var i = start
        while i < end {
            let n = min(8, end - i)
            let g = Floats8.load(gate, i, n), u = Floats8.load(up, i, n)
            let e = fastExp8(Floats8.sub(Floats8(), g))
            Floats8.div(Floats8.mul(g, u), Floats8.add(Floats8(repeating: 1), e)).store(out, i, n)
            i += 8
        }
    }
}
