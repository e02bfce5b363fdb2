// Cross-entropy forward and backward in one pass over the logits, Hugging Face
// semantics: the logits at t predict label t+1 of the same row; labels -100
// (or outside 0..<V) are skipped; the loss is a mean over the kept tokens.
//
// Legend: B batch, T time, V vocabulary, R = B*T rows.

import Foundation
import Tensor

/// The loss of each row and, in place, the gradient of `scale · Σ losses`
/// with respect to the logits: `scale · (softmax(row) − onehot(label))`,
/// zero for rows that predict nothing (ignored label, last position).
///
///     logits (R, V) → overwritten by dlogits when `backward`
///     labels (B, T)
///     losses (R)    the loss of each row, 0 where nothing is predicted
///
/// Returns the number of kept rows. Rows are split over two workers; each
/// row's arithmetic is independent of the split, so results are deterministic.
@discardableResult
public func crossEntropyForwardBackward(
    _ logits: UnsafeMutablePointer<Float>,
    _ losses: UnsafeMutablePointer<Float>,
    _ labels: UnsafePointer<Int32>,
    _ B: Int, _ T: Int, _ V: Int,
    scale: Float, backward: Bool
) -> Int {
    let R = B * T
    let lb = SendablePointer(UnsafeMutablePointer(mutating: labels))
    @Sendable func target(_ n: Int) -> Int {
        if n % T == T - 1 { return -1 }
        let label = lb.value[n + 1]
        return label < 0 || Int(label) >= V ? -1 : Int(label)
    }
    let kept = (0..<R).reduce(0) { $0 + (target($1) >= 0 ? 1 : 0) }
    let lg = SendablePointer(logits), ls = SendablePointer(losses)
    let workers = R * V >= 1 << 16 ? 2 : 1
    let per = (R + workers - 1) / workers
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        for n in (w * per)..<min(R, (w + 1) * per) {
            let row = lg.value + n * V
            let label = target(n)
            if label < 0 {
                ls.value[n] = 0
                if backward { row.update(repeating: 0, count: V) }
                continue
            }
            let m = rowMax(row, V)
            var sum: Float = 0
            if backward {
                let shifted = row[label] - m
                sum = expRow(row, m, V, store: true)
                ls.value[n] = logf(sum) - shifted
                let s = scale / sum
                for i in 0..<V { row[i] *= s }
                row[label] -= scale
            } else {
                sum = expRow(row, m, V, store: false)
                ls.value[n] = logf(sum) - (row[label] - m)
            }
        }
    }
    return kept
}

/// The largest of V values.
@inline(__always)
private func rowMax(_ row: UnsafeMutablePointer<Float>, _ V: Int) -> Float {
    var acc = SIMD8<Float>(repeating: -.infinity)
    let raw = UnsafeRawPointer(row)
    var i = 0
    while i + 8 <= V {
        acc = pointwiseMax(acc, raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self))
        i += 8
    }
    var m = acc.max()
    while i < V { m = max(m, row[i]); i += 1 }
    return m
}

/// Σ exp(row[i] − m) over V values, in 8 lanes (then lane by lane, in a fixed
/// order); with `store`, row[i] becomes exp(row[i] − m).
@inline(__always)
private func expRow(_ row: UnsafeMutablePointer<Float>, _ m: Float, _ V: Int, store: Bool) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    let raw = UnsafeMutableRawPointer(row)
    var i = 0
    while i + 8 <= V {
        let e = fastExp(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - m)
        if store { raw.storeBytes(of: e, toByteOffset: 4 * i, as: SIMD8<Float>.self) }
        acc += e
        i += 8
    }
    var sum = acc.sum()
    while i < V {
        let e = fastExp(row[i] - m)
        if store { row[i] = e }
        sum += e
        i += 1
    }
    return sum
}

/// A pointer handed to workers that write disjoint parts.
struct SendablePointer<T>: @unchecked Sendable {
    let value: UnsafeMutablePointer<T>
    init(_ value: UnsafeMutablePointer<T>) { self.value = value }
}
