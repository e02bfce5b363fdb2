// Backward of RMSNorm.
//
// Legend: N rows (B*T tokens), C channels.
// Forward: y = x · s · w with s = 1/sqrt(mean(x²) + eps) per row.
// Backward: dw += dy · x · s;  dx += s · (dy·w) − s³/C · x · Σ_c(dy·w·x).

internal import Lanes

/// Adds the gradients of `rmsNormForward`.
///
///     dinp    (N, C)       += ∂loss/∂inp
///     dweight (C) or nil   += ∂loss/∂weight
///     dout    (N, C)
///     inp     (N, C)       the forward's input
///     weight  (C)
///     rstd    (N)          saved by the forward
///
/// `dinp` must not alias `dout`. Large inputs go over the worker pool: dinp split by rows,
/// dweight by channels (each channel still sums its rows in order 0..<N).
public func rmsNormBackward(
    _ dinp: UnsafeMutablePointer<Float>,
    _ dweight: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>,
    _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>,
    _ rstd: UnsafePointer<Float>,
    _ N: Int, _ C: Int
) {
    if C == 0 { return }
    forEachSlice(N, minimum: parallelMinimum / C, granule: 1) { first, end in
        for row in first ..< end {
            let x = inp + row * C, dy = dout + row * C, dx = dinp + row * C
            let s = rstd[row]
            var acc = Floats8()
            var c = 0
            while c < C {
                let n = min(8, C - c)
                acc = Floats8.fma(Floats8.mul(Floats8.load(dy, c, n), Floats8.load(weight, c, n)),
                                  Floats8.load(x, c, n), acc)
                c += 8
            }
            let k = Floats8(repeating: s * s * s * acc.laneSum / Float(C))
            let s8 = Floats8(repeating: s)
            c = 0
            while c < C {
                let n = min(8, C - c)
                let dyw = Floats8.mul(Floats8.load(dy, c, n), Floats8.load(weight, c, n))
                let sum = Floats8.fma(s8, dyw, Floats8.load(dx, c, n))
                Floats8.sub(sum, Floats8.mul(k, Floats8.load(x, c, n))).store(dx, c, n)
                c += 8
            }
        }
    }
    guard let dweight else { return }
    forEachSlice(C, minimum: N * C >= parallelMinimum ? 0 : Int.max, piecesPerThread: 1) { first, end in
        for row in 0 ..< N {
            let x = inp + row * C, dy = dout + row * C
            let s8 = Floats8(repeating: rstd[row])
            var c = first
            while c < end {
                let n = min(8, end - c)
                let g = Floats8.mul(Floats8.mul(Floats8.load(dy, c, n), Floats8.load(x, c, n)), s8)
                Floats8.add(Floats8.load(dweight, c, n), g).store(dweight, c, n)
                c += 8
            }
        }
    }
}
