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
            var m = -Float.infinity
            for i in 0..<V { m = max(m, row[i]) }
            var sum: Float = 0
            if backward {
                for i in 0..<V {
                    let e = expf(row[i] - m)
                    sum += e
                    if i == label { ls.value[n] = row[i] - m }
                    row[i] = e
                }
                ls.value[n] = logf(sum) - ls.value[n]
                let s = scale / sum
                for i in 0..<V { row[i] *= s }
                row[label] -= scale
            } else {
                for i in 0..<V { sum += expf(row[i] - m) }
                ls.value[n] = logf(sum) - (row[label] - m)
            }
        }
    }
    return kept
}

/// A pointer handed to workers that write disjoint parts.
struct SendablePointer<T>: @unchecked Sendable {
    let value: UnsafeMutablePointer<T>
    init(_ value: UnsafeMutablePointer<T>) { self.value = value }
}
