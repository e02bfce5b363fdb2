// Backward of the linear layer, through OpenBLAS.
//
// Legend: N rows of input (B*T tokens), IN input features, OUT output features.
// The forward is `out (N, OUT) = inp (N, IN) · weightᵀ (OUT, IN) + bias (OUT)`.

/// Adds the gradients of a linear layer.
///
///     dinp    (N, IN) or nil   += dout · weight
///     dweight (OUT, IN) or nil += doutᵀ · inp
///     dbias   (OUT) or nil     += Σ_n dout[n]
///     dout    (N, OUT)
///     inp     (N, IN)
///     weight  (OUT, IN)
public func matmulBackward(
    _ dinp: UnsafeMutablePointer<Float>?,
    _ dweight: UnsafeMutablePointer<Float>?,
    _ dbias: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>,
    _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>,
    _ N: Int, _ IN: Int, _ OUT: Int
) {
    if let dinp {
        // (N, IN) += (N, OUT) · (OUT, IN)
        sgemm(transposeA: false, transposeB: false, N, IN, OUT,
              dout, lda: OUT, weight, ldb: IN, beta: 1, dinp, ldc: IN)
    }
    if let dweight {
        // (OUT, IN) += (N, OUT)ᵀ · (N, IN)
        sgemm(transposeA: true, transposeB: false, OUT, IN, N,
              dout, lda: OUT, inp, ldb: IN, beta: 1, dweight, ldc: IN)
    }
    if let dbias {
        for n in 0..<N {
            let row = dout + n * OUT
            for o in 0..<OUT { dbias[o] += row[o] }
        }
    }
}
