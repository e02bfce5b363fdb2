// The LM head and the cross-entropy of training, fused and chunked by rows: a chunk's
// logits are computed, turned into their loss and gradient, sent back into the hidden
// state's gradient (and the head's weight gradient), then dropped, so no more than one
// chunk of (rows, V) logits is ever held.
//
// Legend: K rows that predict a kept label, n ≤ chunk rows of one chunk, C hidden, V vocabulary.
//
// Per chunk c of rows:
//   logits_c (n, V) = x_c · Wᵀ;  losses_c = logsumexp(logits_c) − logits_c[target]
//   dlogits_c = scale · (softmax(logits_c) − onehot(target))
//   dx_c (n, C) = dlogits_c · W;  dW (V, C) += dlogits_cᵀ · x_c

import Tensor

/// The distance between rows of the logits chunk: V, or V + 16 when V floats are a multiple of 4 KB
/// (SmolLM2's 49152), which would put every row of a column block in the same cache sets.
public func crossEntropyLogitStride(_ V: Int) -> Int { V % 1024 == 0 ? V + 16 : V }

/// Rows of logits one chunk holds: large enough that a chunk's products run near sgemm's
/// peak (every chunk streams the whole head), small enough to drop most of the (K, V) logits.
public let crossEntropyChunkRows = 128

/// Losses of K rows and, with `scale`, the gradients of `scale · Σ losses`.
///
///     losses  (K)              loss of each row
///     dx      (K, C) or nil    = ∂/∂x (overwritten), with `scale`
///     dW      (V, C) or nil    += ∂/∂W, with `scale`
///     x       (K, C)           the final norm's rows
///     W       (V, C)           the head (the embedding when tied)
///     Wb      (V, C) or nil    the head in bfloat16: then the products use it (no dW then)
///     targets (K)              the label of each row (all in 0..<V)
///     logits  (chunkRows, LV)  scratch, rows LV = crossEntropyLogitStride(V) apart
func lmHeadCrossEntropy(
    _ losses: UnsafeMutablePointer<Float>,
    dx: UnsafeMutablePointer<Float>?,
    dW: UnsafeMutablePointer<Float>?,
    _ x: UnsafePointer<Float>,
    _ W: UnsafePointer<Float>,
    bfloat16 Wb: BFloat16Matrix? = nil,
    _ targets: UnsafePointer<Int32>,
    _ K: Int, _ C: Int, _ V: Int,
    scale: Float?,
    logits: UnsafeMutablePointer<Float>, chunkRows: Int
) {
    let LV = crossEntropyLogitStride(V)
    for k0 in stride(from: 0, to: K, by: chunkRows) {
        let n = min(chunkRows, K - k0)
        let xc = x + k0 * C
        if let Wb {
            bf16MatmulForward(logits, xc, Wb, nil, n, ldOut: LV)  // (n, V)
        } else {
            // (n, V) = (n, C) · (V, C)ᵀ
            sgemm(transposeA: false, transposeB: true, n, V, C, xc, lda: C, W, ldb: C, logits, ldc: LV)
        }
        crossEntropyRowsForwardBackward(logits, losses + k0, targets + k0, n, V, stride: LV,
                                        scale: scale ?? 0, backward: scale != nil)
        guard scale != nil else { continue }
        if let dx, let Wb {
            bf16MatmulBackwardInput(dx + k0 * C, logits, Wb, n, ldInput: LV, accumulate: false)
        } else if let dx {
            // (n, C) = (n, V) · (V, C)
            sgemm(transposeA: false, transposeB: false, n, C, V, logits, lda: LV, W, ldb: C, dx + k0 * C, ldc: C)
        }
        if let dW {
            // (V, C) += (n, V)ᵀ · (n, C)
            sgemm(transposeA: true, transposeB: false, V, C, n, logits, lda: LV, xc, ldb: C, beta: 1, dW, ldc: C)
        }
    }
}
