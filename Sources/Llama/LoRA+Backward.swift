// Backward of a LoRA update `out += scale · (inp · Aᵀ) · Bᵀ`.
//
// Legend: N rows, IN / OUT the adapted layer's input / output width, r rank.

import Tensor

/// Adds the gradients of `loraForward`.
///
///     dinp (N, IN) or nil  += scale · (dout · B) · A
///     dA   (r, IN) or nil  += (scale · dout · B)ᵀ · inp
///     dB   (OUT, r) or nil += scale · doutᵀ · tmp
///     dtmp (N, r)          scratch
///     dout (N, OUT)
///     inp  (N, IN)         the input the forward multiplied (after dropout)
///     tmp  (N, r)          inp · Aᵀ, saved by the forward
///     a (r, IN), b (OUT, r)
public func loraBackward(
    _ dinp: UnsafeMutablePointer<Float>?,
    _ dA: UnsafeMutablePointer<Float>?,
    _ dB: UnsafeMutablePointer<Float>?,
    _ dtmp: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>,
    _ inp: UnsafePointer<Float>,
    _ tmp: UnsafePointer<Float>,
    _ a: UnsafePointer<Float>,
    _ b: UnsafePointer<Float>,
    scale: Float,
    _ N: Int, _ IN: Int, _ OUT: Int, _ r: Int
) {
    if let dB {
        // (OUT, r) += scale · (N, OUT)ᵀ · (N, r)
        sgemm(transposeA: true, transposeB: false, OUT, r, N, alpha: scale,
              dout, lda: OUT, tmp, ldb: r, beta: 1, dB, ldc: r)
    }
    // (N, r) = scale · (N, OUT) · (OUT, r)
    sgemm(transposeA: false, transposeB: false, N, r, OUT, alpha: scale,
          dout, lda: OUT, b, ldb: r, dtmp, ldc: r)
    if let dA {
        // (r, IN) += (N, r)ᵀ · (N, IN)
        sgemm(transposeA: true, transposeB: false, r, IN, N,
              dtmp, lda: r, inp, ldb: IN, beta: 1, dA, ldc: IN)
    }
    if let dinp {
        // (N, IN) += (N, r) · (r, IN)
        sgemm(transposeA: false, transposeB: false, N, IN, r,
              dtmp, lda: r, a, ldb: IN, beta: 1, dinp, ldc: IN)
    }
}
