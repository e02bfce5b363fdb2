// Cross-entropy forward and backward in one pass over the logits, Hugging Face
// semantics: the logits at t predict label t+1 of the same row; labels -100
// (or outside 0..<V) are skipped; the loss is a mean over the kept tokens.
//
// Legend: B batch, T time, V vocabulary, R = B*T rows.

import Foundation
import Tensor

/// The label each row of a (B, T) batch is scored against (label t+1 of the
/// same sequence), or -1 where nothing is predicted (last position, -100,
/// outside 0..<V). Returns the number of kept rows.
///
///     targets (B*T)
///     labels  (B, T)
@discardableResult
public func shiftedTargets(_ targets: UnsafeMutablePointer<Int32>, _ labels: UnsafePointer<Int32>,
                           _ B: Int, _ T: Int, _ V: Int) -> Int {
    var kept = 0
    for n in 0..<(B * T) {
        let label = n % T == T - 1 ? -1 : labels[n + 1]
        targets[n] = label < 0 || Int(label) >= V ? -1 : label
        if targets[n] >= 0 { kept += 1 }
    }
    return kept
}

/// Cross-entropy with Hugging Face's shift over a (B, T) batch: see
/// `crossEntropyRowsForwardBackward`; returns the number of kept rows.
///
///     logits (B*T, V); labels (B, T); losses (B*T)
@discardableResult
public func crossEntropyForwardBackward(
    _ logits: UnsafeMutablePointer<Float>,
    _ losses: UnsafeMutablePointer<Float>,
    _ labels: UnsafePointer<Int32>,
    _ B: Int, _ T: Int, _ V: Int,
    scale: Float, backward: Bool
) -> Int {
    var targets = [Int32](repeating: -1, count: B * T)
    let kept = shiftedTargets(&targets, labels, B, T, V)
    crossEntropyRowsForwardBackward(logits, losses, targets, B * T, V, scale: scale, backward: backward)
    return kept
}

/// The loss of each row and, in place, the gradient of `scale · Σ losses`
/// with respect to the logits: `scale · (softmax(row) − onehot(target))`,
/// zero for rows whose target is negative.
///
///     logits  (N, V) → overwritten by dlogits when `backward`
///     targets (N)    class of each row, or -1
///     losses  (N)    the loss of each row, 0 where the target is -1
///
/// Rows are split over the shared worker pool; each row's arithmetic is
/// independent of the split, so results are deterministic.
public func crossEntropyRowsForwardBackward(
    _ logits: UnsafeMutablePointer<Float>,
    _ losses: UnsafeMutablePointer<Float>,
    _ targets: UnsafePointer<Int32>,
    _ N: Int, _ V: Int,
    stride: Int? = nil,
    scale: Float, backward: Bool
) {
    let LV = stride ?? V
    let lg = SendablePointer(logits), ls = SendablePointer(losses)
    let tg = SendablePointer(UnsafeMutablePointer(mutating: targets))
    let body = { (first: Int, end: Int) in
        for n in first ..< end {
            let row = lg.value + n * LV
            let label = Int(tg.value[n])
            if label < 0 {
                ls.value[n] = 0
                if backward { row.update(repeating: 0, count: V) }
                continue
            }
            let m = maxValue(row, V)
            let shifted = row[label] - m
            let sum = expShiftedSum(backward ? row : nil, row, shift: m, V)
            ls.value[n] = logf(sum) - shifted
            if backward {
                Tensor.scale(row, by: scale / sum, V)
                row[label] -= scale
            }
        }
    }
    // Rows go out in small pieces to the shared pool; each row's arithmetic is independent of
    // which thread runs it.
    let threads = defaultMatvecThreads
    guard threads > 1, N * V >= 1 << 17 else { return body(0, N) }
    let per = max(1, N / (8 * threads))
    WorkerPool.shared(threads: threads).run(chunks: (N + per - 1) / per) { c in
        body(c * per, min(N, (c + 1) * per))
    }
}

/// A pointer handed to workers that write disjoint parts.
struct SendablePointer<T>: @unchecked Sendable {
    let value: UnsafeMutablePointer<T>
    init(_ value: UnsafeMutablePointer<T>) { self.value = value }
}
