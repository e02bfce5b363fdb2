// Backward of RMSNorm.
//
// Legend: N rows (B*T tokens), C channels.
// Forward: y = x · s · w with s = 1/sqrt(mean(x²) + eps) per row.
// Backward: dw += dy · x · s;  dx += s · (dy·w) − s³/C · x · Σ_c(dy·w·x).

/// Adds the gradients of `rmsNormForward`.
///
///     dinp    (N, C)       += ∂loss/∂inp
///     dweight (C) or nil   += ∂loss/∂weight
///     dout    (N, C)
///     inp     (N, C)       the forward's input
///     weight  (C)
///     rstd    (N)          saved by the forward
///
/// `dinp` must not alias `dout`.
public func rmsNormBackward(
    _ dinp: UnsafeMutablePointer<Float>,
    _ dweight: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>,
    _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>,
    _ rstd: UnsafePointer<Float>,
    _ N: Int, _ C: Int
) {
    for n in 0..<N {
        let x = inp + n * C, dy = dout + n * C, dx = dinp + n * C
        let s = rstd[n]
        var dot: Float = 0
        for c in 0..<C { dot += dy[c] * weight[c] * x[c] }
        let k = s * s * s * dot / Float(C)
        for c in 0..<C { dx[c] += s * dy[c] * weight[c] - k * x[c] }
        if let dweight {
            for c in 0..<C { dweight[c] += dy[c] * x[c] * s }
        }
    }
}
