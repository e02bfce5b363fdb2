// Causal grouped-query attention for one sequence, through sgemm per head.
//
// Legend: T query rows, Tk key rows (past + T), NH query heads, NKV key/value
// heads (NH a multiple of NKV; query head h reads kv head h / (NH / NKV)),
// HS head size. Query row i sits at position past + i and sees keys j <= past + i
// whose mask is non-zero (and, with a sliding window W > 0, only j > past + i - W);
// with segment ids (packed sequences), only keys of the query's own segment.

internal import DecodeKernels
import Foundation
internal import Lanes

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

/// `attentionForward` for T = 1: heads shared by the cores (each writes its own rows), scores four
/// keys at a time, the weighted sum of values 32 columns at a time in registers.
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
    if prefetchKV {
        let NKV = NH / group, rows = visible - first
        pipe_prefetch_rows(k + first * ldk, rows, 4 * NKV * HS, 4 * ldk)
        pipe_prefetch_rows(v + first * ldv, rows, 4 * NKV * HS, 4 * ldv)
    }
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

private let prefetchKV = ProcessInfo.processInfo.environment["PIPE_ATTN_PREFETCH"] != "0"

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
    let rawQ = UnsafeRawPointer(o.q + h * HS), rawK = UnsafeRawPointer(o.k + g * HS),
        rawV = UnsafeRawPointer(o.v + g * HS)
    for j in 0..<Tk { row[j] = 0 }
    // scores, four keys at a time (four independent multiply-add chains)
    var j = first
    while j < visible {
        let n = min(4, visible - j)
        var acc = (Floats8(), Floats8(), Floats8(), Floats8())
        for c in stride(from: 0, to: HS, by: 8) {
            let qc = rawQ.loadUnaligned(fromByteOffset: 4 * c, as: Floats8.self)
            @inline(__always) func key(_ i: Int) -> Floats8 {
                rawK.loadUnaligned(fromByteOffset: 4 * ((j + min(i, n - 1)) * ldk + c), as: Floats8.self)
            }
            acc.0 = .fma(qc, key(0), acc.0)
            acc.1 = .fma(qc, key(1), acc.1)
            acc.2 = .fma(qc, key(2), acc.2)
            acc.3 = .fma(qc, key(3), acc.3)
        }
        row[j] = scale * acc.0.laneSum
        if n > 1 { row[j + 1] = scale * acc.1.laneSum }
        if n > 2 { row[j + 2] = scale * acc.2.laneSum }
        if n > 3 { row[j + 3] = scale * acc.3.laneSum }
        j += n
    }
    var seen = false
    for j in first..<visible {
        if isVisible(j, query: past, o.keyMask, o.segments) { seen = true } else { row[j] = -Float.infinity }
    }
    let out = UnsafeMutableRawPointer(o.out + h * HS)
    guard seen else {
        for j in 0..<Tk { row[j] = 0 }
        for c in 0..<HS { o.out[h * HS + c] = 0 }
        return
    }
    softmaxRow(row + first, row + first, visible - first)
    // out = Σ_j p_j · v_j, 32 columns at a time
    for c0 in stride(from: 0, to: HS, by: 32) {
        let width = min(32, HS - c0)
        var sum = (Floats8(), Floats8(), Floats8(), Floats8())
        for j in first..<visible where row[j] != 0 {
            let p = Floats8(repeating: row[j])
            let base = 4 * (j * ldv + c0)
            sum.0 = .fma(p, rawV.loadUnaligned(fromByteOffset: base, as: Floats8.self), sum.0)
            if width > 8 { sum.1 = .fma(p, rawV.loadUnaligned(fromByteOffset: base + 32, as: Floats8.self), sum.1) }
            if width > 16 { sum.2 = .fma(p, rawV.loadUnaligned(fromByteOffset: base + 64, as: Floats8.self), sum.2) }
            if width > 24 { sum.3 = .fma(p, rawV.loadUnaligned(fromByteOffset: base + 96, as: Floats8.self), sum.3) }
        }
        out.storeBytes(of: sum.0, toByteOffset: 4 * c0, as: Floats8.self)
        if width > 8 { out.storeBytes(of: sum.1, toByteOffset: 4 * c0 + 32, as: Floats8.self) }
        if width > 16 { out.storeBytes(of: sum.2, toByteOffset: 4 * c0 + 64, as: Floats8.self) }
        if width > 24 { out.storeBytes(of: sum.3, toByteOffset: 4 * c0 + 96, as: Floats8.self) }
    }
}
