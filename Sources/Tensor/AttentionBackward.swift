// Backward of causal grouped-query attention for one sequence, through sgemm per head.
//
// Legend: T query rows (= keys, no cache in training), NH query heads, NKV
// key/value heads (query head h reads kv head h / (NH / NKV)), HS head size.
// Forward per head: P = softmax(q kᵀ / sqrt(HS) + mask), out = P v.
// Backward: dP = dout vᵀ;  dv += Pᵀ dout;  dS = P ∘ (dP − rowsum(P ∘ dP)) / sqrt(HS);
//           dq += dS k;  dk += dSᵀ q.

/// Adds the gradients of `attentionForward` (past 0, no window) for one sequence. Training runs
/// `flashAttentionBackward`, which keeps no probabilities; this unfused twin is what its tests check it against.
///
///     dq      (T, ldq)      += ∂loss/∂q, head h at columns h*HS
///     dk, dv  (T, ldk)      += ∂loss/∂k, ∂loss/∂v, kv head g at columns g*HS
///     scratch (T, T)        work space
///     dout    (T, ldo)      gradient of the attention output
///     att     (NH, T, T)    the probabilities the forward saved (zero where masked)
///     q, k, v as the forward read them
public func attentionBackward(
    _ dq: UnsafeMutablePointer<Float>, ldq: Int,
    _ dk: UnsafeMutablePointer<Float>,
    _ dv: UnsafeMutablePointer<Float>, ldk: Int,
    _ scratch: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, ldo: Int,
    _ att: UnsafePointer<Float>,
    _ q: UnsafePointer<Float>,
    _ k: UnsafePointer<Float>,
    _ v: UnsafePointer<Float>,
    _ T: Int, _ NH: Int, _ NKV: Int, _ HS: Int
) {
    let group = NH / NKV
    let scale = 1 / Float(HS).squareRoot()
    for h in 0..<NH {
        let g = h / group
        let p = att + h * T * T
        let dP = scratch
        // (T, T) = (T, HS) · (T, HS)ᵀ
        sgemm(transposeA: false, transposeB: true, T, T, HS,
              dout + h * HS, lda: ldo, v + g * HS, ldb: ldk, dP, ldc: T)
        // (T, HS) += (T, T)ᵀ · (T, HS)
        sgemm(transposeA: true, transposeB: false, T, HS, T,
              p, lda: T, dout + h * HS, ldb: ldo, beta: 1, dv + g * HS, ldc: ldk)
        for i in 0..<T {
            let pr = p + i * T, dr = dP + i * T
            let n = i + 1  // causal: entries past i are zero
            var dot: Float = 0
            for j in 0..<n { dot += pr[j] * dr[j] }
            for j in 0..<n { dr[j] = pr[j] * (dr[j] - dot) * scale }
            for j in n..<T { dr[j] = 0 }
        }
        // (T, HS) += (T, T) · (T, HS)
        sgemm(transposeA: false, transposeB: false, T, HS, T,
              dP, lda: T, k + g * HS, ldb: ldk, beta: 1, dq + h * HS, ldc: ldq)
        // (T, HS) += (T, T)ᵀ · (T, HS)
        sgemm(transposeA: true, transposeB: false, T, HS, T,
              dP, lda: T, q + h * HS, ldb: ldq, beta: 1, dk + g * HS, ldc: ldk)
    }
}
