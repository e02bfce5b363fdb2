// Backward of the SwiGLU gate.
//
// Legend: N elements.
// Forward: out = silu(g) · u, silu(g) = g · σ(g).
// Backward: du += dout · silu(g);  dg += dout · u · σ(g) · (1 + g · (1 − σ(g))).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adds the gradients of `swigluForward`.
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
    _ N: Int
) {
    for i in 0..<N {
        let g = gate[i]
        let sig = 1 / (1 + expf(-g))
        let d = dout[i]
        dup[i] += d * g * sig
        dgate[i] += d * up[i] * sig * (1 + g * (1 - sig))
    }
}
