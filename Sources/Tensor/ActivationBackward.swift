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
    let raw = UnsafeRawPointer(gate), rawUp = UnsafeRawPointer(up), rawOut = UnsafeRawPointer(dout)
    var i = 0
    while i + 8 <= N {
        let g = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        let u = rawUp.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        let d = rawOut.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        let sig = 1 / (1 + fastExp(-g))
        let du = UnsafeMutableRawPointer(dup + i), dg = UnsafeMutableRawPointer(dgate + i)
        du.storeBytes(of: du.loadUnaligned(as: SIMD8<Float>.self) + d * g * sig, as: SIMD8<Float>.self)
        dg.storeBytes(of: dg.loadUnaligned(as: SIMD8<Float>.self) + d * u * sig * (1 + g * (1 - sig)), as: SIMD8<Float>.self)
        i += 8
    }
    while i < N {
        let g = gate[i]
        let sig = 1 / (1 + fastExp(-g))
        let d = dout[i]
        dup[i] += d * g * sig
        dgate[i] += d * up[i] * sig * (1 + g * (1 - sig))
        i += 1
    }
}
