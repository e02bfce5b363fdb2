// Elementwise activations: SiLU and the SwiGLU gate of Llama's MLP.
//
// Legend: N elements.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `out = x · sigmoid(x)`.
///
///     out (N), inp (N); `out` may alias `inp`.
public func siluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ N: Int) {
    for i in 0..<N {
        let x = inp[i]
        out[i] = x / (1 + expf(-x))
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
    for i in 0..<N {
        let g = gate[i]
        out[i] = g / (1 + expf(-g)) * up[i]
    }
}
