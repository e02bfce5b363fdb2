// Causal grouped-query attention of one training sequence by tiles, flash-attention style:
// an online softmax over key tiles, the tiles' products through sgemm, tiles past the
// diagonal skipped, and only each row's logsumexp kept for the backward (no T×T
// probabilities), which recomputes a tile's probabilities from it.
//
// Legend: T rows (queries = keys, no cache), NH query heads, NKV key/value heads (query
// head h reads kv head h / (NH / NKV)), HS head size, BT the tile (rows and keys).
// Visibility as `attentionForward` with past 0: query i sees keys j <= i whose mask is
// non-zero and, with segment ids, of its own segment. A row that sees no key gets zeros
// and logsumexp +∞ (its probabilities are then exactly 0).
//
// Forward per head and query tile i, over key tiles j <= i:
//   S = q_i k_jᵀ / sqrt(HS);  m' = max(m, rowmax S);  l = l·e^(m−m') + Σ e^(S−m');
//   o_i = o_i·e^(m−m') + e^(S−m') v_j;  at the end o_i /= l, lse_i = m + log l.
// Backward per head: D = rowsum(dout ∘ out), and per tile pair P = e^(S − lse),
//   dv_j += Pᵀ dout_i;  dP = dout_i v_jᵀ;  dS = P ∘ (dP − D) / sqrt(HS);
//   dq_i += dS k_j;  dk_j += dSᵀ q_i.

import Foundation

/// The default tile: one tile per head for sequences up to 128 tokens.
public let flashAttentionTile = 128

/// Floats of scratch `flashAttentionForward` and `flashAttentionBackward` need for a tile.
public func flashAttentionScratchCount(tile: Int = flashAttentionTile) -> Int { 2 * tile * tile + 3 * tile }

/// `out_h = softmax(q_h · k_gᵀ / sqrt(HS) + mask) · v_g` for every head h, and each row's logsumexp.
///
///     out      (T, ldo)  head h at columns h*HS
///     lse      (NH, T)   logsumexp of each head's scaled, masked scores (+∞ for a row that sees nothing)
///     q        (T, ldq); k, v (T, ldk): kv head g at columns g*HS
///     keyMask  (T) or nil: 0 marks a padding key; segments (T) or nil: segment ids of packed sequences
///     scratch  `flashAttentionScratchCount(tile:)` floats
public func flashAttentionForward(
    _ out: UnsafeMutablePointer<Float>, ldo: Int,
    _ lse: UnsafeMutablePointer<Float>,
    _ q: UnsafePointer<Float>, ldq: Int,
    _ k: UnsafePointer<Float>,
    _ v: UnsafePointer<Float>, ldk: Int,
    keyMask: UnsafePointer<Int32>?, segments: UnsafePointer<Int32>? = nil,
    _ T: Int, _ NH: Int, _ NKV: Int, _ HS: Int,
    scratch: UnsafeMutablePointer<Float>, tile BT: Int = flashAttentionTile
) {
    let group = NH / NKV
    let scale = 1 / Float(HS).squareRoot()
    let s = scratch, rowMax = scratch + 2 * BT * BT, rowSum = rowMax + BT
    let vis = Visibility(keyMask: keyMask, segments: segments)
    for h in 0..<NH {
        let g = h / group
        for i0 in stride(from: 0, to: T, by: BT) {
            let ni = min(BT, T - i0)
            let o = out + i0 * ldo + h * HS
            for r in 0..<ni {
                rowMax[r] = -.infinity
                rowSum[r] = 0
                (o + r * ldo).update(repeating: 0, count: HS)
            }
            for j0 in stride(from: 0, through: i0 + ni - 1, by: BT) {
                let nj = min(BT, T - j0)
                // (ni, nj) = (ni, HS) · (nj, HS)ᵀ
                sgemm(transposeA: false, transposeB: true, ni, nj, HS, alpha: scale,
                      q + i0 * ldq + h * HS, lda: ldq, k + j0 * ldk + g * HS, ldb: ldk, s, ldc: nj)
                for r in 0..<ni {
                    let row = s + r * nj
                    let seen = vis.mask(row, query: i0 + r, firstKey: j0, nj)
                    let m = max(rowMax[r], seen > 0 ? maxValue(row, seen) : -.infinity)
                    if m == -.infinity {
                        row.update(repeating: 0, count: nj)
                        continue
                    }
                    let correction = rowMax[r] == -.infinity ? 0 : fastExp(rowMax[r] - m)
                    rowSum[r] = rowSum[r] * correction + expShiftedSum(row, row, shift: m, seen)
                    for c in seen..<nj { row[c] = 0 }
                    rowMax[r] = m
                    if correction != 1 { Tensor.scale(o + r * ldo, by: correction, HS) }
                }
                // (ni, HS) += (ni, nj) · (nj, HS)
                sgemm(transposeA: false, transposeB: false, ni, HS, nj,
                      s, lda: nj, v + j0 * ldk + g * HS, ldb: ldk, beta: 1, o, ldc: ldo)
            }
            for r in 0..<ni {
                let l = rowSum[r]
                if l > 0 {
                    Tensor.scale(o + r * ldo, by: 1 / l, HS)
                    lse[h * T + i0 + r] = rowMax[r] + log(l)
                } else {
                    (o + r * ldo).update(repeating: 0, count: HS)
                    lse[h * T + i0 + r] = .infinity
                }
            }
        }
    }
}

/// Adds the gradients of `flashAttentionForward` for one sequence.
///
///     dq       (T, ldq) += ∂loss/∂q; dk, dv (T, ldk) += ∂loss/∂k, ∂loss/∂v
///     dout     (T, ldo) gradient of the output; out (T, ldo) the forward's output
///     lse      (NH, T)  the forward's logsumexp
///     q, k, v, keyMask, segments as the forward read them; scratch `flashAttentionScratchCount(tile:)`
public func flashAttentionBackward(
    _ dq: UnsafeMutablePointer<Float>, ldq: Int,
    _ dk: UnsafeMutablePointer<Float>,
    _ dv: UnsafeMutablePointer<Float>, ldk: Int,
    _ dout: UnsafePointer<Float>, _ out: UnsafePointer<Float>, ldo: Int,
    _ lse: UnsafePointer<Float>,
    _ q: UnsafePointer<Float>,
    _ k: UnsafePointer<Float>,
    _ v: UnsafePointer<Float>,
    keyMask: UnsafePointer<Int32>?, segments: UnsafePointer<Int32>? = nil,
    _ T: Int, _ NH: Int, _ NKV: Int, _ HS: Int,
    scratch: UnsafeMutablePointer<Float>, tile BT: Int = flashAttentionTile
) {
    let group = NH / NKV
    let scale = 1 / Float(HS).squareRoot()
    let p = scratch, dP = scratch + BT * BT, D = dP + BT * BT
    let vis = Visibility(keyMask: keyMask, segments: segments)
    for h in 0..<NH {
        let g = h / group
        for i0 in stride(from: 0, to: T, by: BT) {
            let ni = min(BT, T - i0)
            let doi = dout + i0 * ldo + h * HS, qi = q + i0 * ldq + h * HS
            for r in 0..<ni { D[r] = dot(doi + r * ldo, out + (i0 + r) * ldo + h * HS, HS) }
            for j0 in stride(from: 0, through: i0 + ni - 1, by: BT) {
                let nj = min(BT, T - j0)
                let kj = k + j0 * ldk + g * HS, vj = v + j0 * ldk + g * HS
                // P (ni, nj) = exp(q_i k_jᵀ / sqrt(HS) − lse), zero where not visible
                sgemm(transposeA: false, transposeB: true, ni, nj, HS, alpha: scale,
                      qi, lda: ldq, kj, ldb: ldk, p, ldc: nj)
                for r in 0..<ni {
                    let row = p + r * nj
                    let seen = vis.mask(row, query: i0 + r, firstKey: j0, nj)
                    _ = expShiftedSum(row, row, shift: lse[h * T + i0 + r], seen)
                    for c in seen..<nj { row[c] = 0 }
                }
                // dv_j (nj, HS) += Pᵀ · dout_i
                sgemm(transposeA: true, transposeB: false, nj, HS, ni,
                      p, lda: nj, doi, ldb: ldo, beta: 1, dv + j0 * ldk + g * HS, ldc: ldk)
                // dP (ni, nj) = dout_i · v_jᵀ, then dS = P ∘ (dP − D) / sqrt(HS) in place
                sgemm(transposeA: false, transposeB: true, ni, nj, HS,
                      doi, lda: ldo, vj, ldb: ldk, dP, ldc: nj)
                for r in 0..<ni {
                    let pr = p + r * nj, dr = dP + r * nj, d = D[r]
                    for c in 0..<nj { dr[c] = pr[c] * (dr[c] - d) * scale }
                }
                // dq_i (ni, HS) += dS · k_j;  dk_j (nj, HS) += dSᵀ · q_i
                sgemm(transposeA: false, transposeB: false, ni, HS, nj,
                      dP, lda: nj, kj, ldb: ldk, beta: 1, dq + i0 * ldq + h * HS, ldc: ldq)
                sgemm(transposeA: true, transposeB: false, nj, HS, ni,
                      dP, lda: nj, qi, ldb: ldq, beta: 1, dk + j0 * ldk + g * HS, ldc: ldk)
            }
        }
    }
}

/// Which keys a training query sees: causal, padding mask, segments.
private struct Visibility {
    let keyMask: UnsafePointer<Int32>?
    let segments: UnsafePointer<Int32>?

    /// Sets the scores of keys `firstKey ..< firstKey + count` that `query` may not see to −∞ and
    /// returns how many leading entries can be visible (keys past the query are never visible).
    @inline(__always)
    func mask(_ row: UnsafeMutablePointer<Float>, query: Int, firstKey: Int, _ count: Int) -> Int {
        let seen = max(0, min(count, query - firstKey + 1))
        if keyMask != nil || segments != nil {
            for c in 0..<seen {
                let j = firstKey + c
                let visible = (keyMask.map { $0[j] != 0 } ?? true) && (segments.map { $0[j] == $0[query] } ?? true)
                if !visible { row[c] = -.infinity }
            }
        }
        return seen
    }
}

/// Σ a[i]·b[i].
@inline(__always)
private func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s: Float = 0
    for i in 0..<n { s += a[i] * b[i] }
    return s
}
