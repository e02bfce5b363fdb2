// Root-mean-square normalization, as in Llama.
//
// Legend: N rows (B*T tokens), C channels.

internal import Lanes

/// `out[n, c] = inp[n, c] / sqrt(mean_c(inp[n, :]²) + eps) * weight[c]`.
///
///     out    (N, C)
///     rstd   (N) or nil: 1/sqrt(mean square + eps) per row, kept for backward
///     inp    (N, C)
///     weight (C)
///
/// `out` may alias `inp`. Large inputs are split by rows over the worker pool.
public func rmsNormForward(
    _ out: UnsafeMutablePointer<Float>,
    _ rstd: UnsafeMutablePointer<Float>?,
    _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>,
    _ N: Int, _ C: Int,
    eps: Float
) {
    forEachSlice(N, minimum: C == 0 ? Int.max : parallelMinimum / C, granule: 1) { first, end in
        for row in first ..< end {
            let x = inp + row * C
            let y = out + row * C
            var acc = Floats8()
            var c = 0
            while c < C {
                let v = Floats8.load(x, c, min(8, C - c))
                acc = Floats8.fma(v, v, acc)
                c += 8
            }
            let s = 1 / (acc.laneSum / Float(C) + eps).squareRoot()
            let s8 = Floats8(repeating: s)
            c = 0
            while c < C {
                let n = min(8, C - c)
                Floats8.mul(Floats8.mul(Floats8.load(x, c, n), s8), Floats8.load(weight, c, n)).store(y, c, n)
                c += 8
            }
            rstd?[row] = s
        }
    }
}
