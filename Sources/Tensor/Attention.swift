// Causal grouped-query attention for one sequence, through sgemm per head.
//
// Legend: T query rows, Tk key rows (past + T), NH query heads, NKV key/value
// heads (NH a multiple of NKV; query head h reads kv head h / (NH / NKV)),
// HS head size. Query row i sits at position past + i and sees keys j <= past + i
// whose mask is non-zero (and, with a sliding window W > 0, only j > past + i - W);
// with segment ids (packed sequences), only keys of the query's own segment.

internal import DecodeKernels

/// `out_h = softmax(q_h · k_gᵀ / sqrt(HS) + mask) · v_g` for every head h.
///
///     out     (T, ldo): head h at columns h*HS ..< (h+1)*HS
///     att     (NH, T, Tk): the attention probabilities (zero where masked), kept for backward
///     q       (T, ldq): head h at columns h*HS
///     k, v    (Tk, ldk), (Tk, ldv): kv head g at columns g*HS
///     keyMask (Tk) or nil: 0 marks a padding key no query may see
///     segments (Tk) or nil: segment ids of packed sequences; query row i (key position past + i)
///              sees only keys j with segments[j] == segments[past + i]
///     window  0, or the sliding window W (Mistral): a query sees at most the W latest keys
///
/// A query row that may see no key at all gets zeros.
public func attentionForward(
    _ out: UnsafeMutablePointer<Float>, ldo: Int,
    _ att: UnsafeMutablePointer<Float>,
    _ q: UnsafePointer<Float>, ldq: Int,
    _ k: UnsafePointer<Float>, ldk: Int,
    _ v: UnsafePointer<Float>, ldv: Int,
    keyMask: UnsafePointer<Int32>?,
    segments: UnsafePointer<Int32>? = nil,
    _ T: Int, _ Tk: Int, past: Int,
    _ NH: Int, _ NKV: Int, _ HS: Int,
    window: Int = 0
) {
    let group = NH / NKV
    let scale = 1 / Float(HS).squareRoot()
    if T == 1 && HS % 8 == 0 {
        // One query (decoding): plain dot products beat 2·NH tiny sgemm calls.
        attentionSingleQuery(
            out, att, q, k, ldk: ldk, v, ldv: ldv, keyMask: keyMask, segments: segments, Tk, past: past,
            NH, group, HS, scale: scale, window: window)
        return
    }
    for h in 0..<NH {
        let g = h / group
        let a = att + h * T * Tk
        // (T, Tk) = (T, HS) · (Tk, HS)ᵀ
        sgemm(transposeA: false, transposeB: true, T, Tk, HS, alpha: scale,
              q + h * HS, lda: ldq, k + g * HS, ldb: ldk, a, ldc: Tk)
        for i in 0..<T {
            let row = a + i * Tk
            let visible = min(past + i + 1, Tk)
            let first = window > 0 ? min(max(0, past + i + 1 - window), visible) : 0
            var seen = false
            if keyMask != nil || segments != nil {
                for j in first..<visible where !isVisible(j, query: past + i, keyMask, segments) {
                    row[j] = -Float.infinity
                }
                for j in first..<visible where isVisible(j, query: past + i, keyMask, segments) { seen = true; break }
            } else {
                seen = visible > first
            }
            if seen {
                softmaxRow(row + first, row + first, visible - first)
                for j in 0..<first { row[j] = 0 }
                for j in visible..<Tk { row[j] = 0 }
            } else {
                for j in 0..<Tk { row[j] = 0 }
            }
        }
        // (T, HS) = (T, Tk) · (Tk, HS)
        sgemm(transposeA: false, transposeB: false, T, HS, Tk,
              a, lda: Tk, v + g * HS, ldb: ldv, out + h * HS, ldc: ldo)
    }
}

/// Whether key j passes the padding mask and is in the segment of the query at key position `query`.
@inline(__always)
private func isVisible(
    _ j: Int, query: Int, _ keyMask: UnsafePointer<Int32>?, _ segments: UnsafePointer<Int32>?
) -> Bool {
    (keyMask.map { $0[j] != 0 } ?? true) && (segments.map { $0[j] == $0[query] } ?? true)
}

/// `attentionForward` for T = 1: heads shared by the cores (each writes its own rows), the products
/// in C (DecodeKernels' pipe_attention.h). The keys and values are prefetched first: the weights
/// streamed by the products of the layer have pushed them out of the caches, and each head reads
/// its columns of every row, a pattern the hardware prefetcher follows poorly.
private func attentionSingleQuery(
    _ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
    _ q: UnsafePointer<Float>,
    _ k: UnsafePointer<Float>, ldk: Int,
    _ v: UnsafePointer<Float>, ldv: Int,
    keyMask: UnsafePointer<Int32>?, segments: UnsafePointer<Int32>?,
    _ Tk: Int, past: Int, _ NH: Int, _ group: Int, _ HS: Int, scale: Float, window: Int
) {
    let visible = min(past + 1, Tk)
    let first = window > 0 ? min(max(0, past + 1 - window), visible) : 0
    let NKV = NH / group
    pipe_prefetch_rows(k + first * ldk, visible - first, 4 * NKV * HS, 4 * ldk)
    pipe_prefetch_rows(v + first * ldv, visible - first, 4 * NKV * HS, 4 * ldv)
    let operands = SingleQueryOperands(out: out, att: att, q: q, k: k, v: v, keyMask: keyMask, segments: segments)
    let head = { (h: Int) in
        singleQueryHead(h, operands, ldk: ldk, ldv: ldv, Tk, past: past, first: first, visible: visible,
                        g: h / group, HS, scale: scale)
    }
    if NH > 1 && NH * Tk * HS >= 1 << 14 {
        WorkerPool.shared(threads: defaultMatvecThreads).run(chunks: NH, head)
    } else {
        for h in 0..<NH { head(h) }
    }
}

/// The pointers of one single-query attention, shared by the threads that run its heads.
private struct SingleQueryOperands: @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>
    let att: UnsafeMutablePointer<Float>
    let q: UnsafePointer<Float>
    let k: UnsafePointer<Float>
    let v: UnsafePointer<Float>
    let keyMask: UnsafePointer<Int32>?
    let segments: UnsafePointer<Int32>?
}

/// Head h of `attentionSingleQuery` (kv head g): its probabilities into att[h] and its output into out[h].
@inline(__always)
private func singleQueryHead(_ h: Int, _ o: SingleQueryOperands, ldk: Int, ldv: Int, _ Tk: Int, past: Int,
                             first: Int, visible: Int, g: Int, _ HS: Int, scale: Float) {
    let row = o.att + h * Tk
    for j in 0..<Tk { row[j] = 0 }
    pipe_attention_scores(o.q + h * HS, o.k + g * HS, ldk, first, visible, HS, scale, row)
    var seen = false
    for j in first..<visible {
        if isVisible(j, query: past, o.keyMask, o.segments) { seen = true } else { row[j] = -Float.infinity }
    }
    guard seen else {
        for j in 0..<Tk { row[j] = 0 }
        for c in 0..<HS { o.out[h * HS + c] = 0 }
        return
    }
    softmaxRow(row + first, row + first, visible - first)
    pipe_attention_values(row, o.v + g * HS, ldv, first, visible, HS, o.out + h * HS)
}
