// Root-mean-square normalization, as in Llama.
//
// Legend: N rows (B*T tokens), C channels.

/// `out[n, c] = inp[n, c] / sqrt(mean_c(inp[n, :]²) + eps) * weight[c]`.
///
///     out    (N, C)
///     rstd   (N) or nil: 1/sqrt(mean square + eps) per row, kept for backward
///     inp    (N, C)
///     weight (C)
///
/// `out` may alias `inp`.
public func rmsNormForward(
    _ out: UnsafeMutablePointer<Float>,
    _ rstd: UnsafeMutablePointer<Float>?,
    _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>,
    _ N: Int, _ C: Int,
    eps: Float
) {
    for n in 0..<N {
        let x = inp + n * C
        let y = out + n * C
        var sum: Float = 0
        for c in 0..<C { sum += x[c] * x[c] }
        let s = 1 / (sum / Float(C) + eps).squareRoot()
        for c in 0..<C { y[c] = x[c] * s * weight[c] }
        rstd?[n] = s
    }
}
