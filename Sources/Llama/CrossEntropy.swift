// Cross-entropy of next-token predictions, Hugging Face semantics.
//
// Legend: B batch, T time, V vocabulary.

import Foundation

/// The value of labels that are ignored.
public let ignoreIndex: Int32 = -100

/// Mean cross-entropy where the logits at t predict label t+1 of the same
/// row; labels equal to -100 (or otherwise outside 0..<V) are skipped; the mean is over the kept tokens
/// (NaN when none is kept, as PyTorch gives).
///
///     logits (B, T, V)
///     labels (B, T)
public func crossEntropyLoss(
    _ logits: UnsafePointer<Float>,
    _ labels: UnsafePointer<Int32>,
    _ B: Int, _ T: Int, _ V: Int
) -> Float {
    var total = 0.0
    var kept = 0
    for b in 0..<B {
        for t in 0..<(T - 1) {
            let label = labels[b * T + t + 1]
            if label == ignoreIndex || label < 0 || Int(label) >= V { continue }
            let row = logits + (b * T + t) * V
            var m = -Float.infinity
            for i in 0..<V { m = max(m, row[i]) }
            var sum = 0.0
            for i in 0..<V { sum += Double(expf(row[i] - m)) }
            total += Double(m) + log(sum) - Double(row[Int(label)])
            kept += 1
        }
    }
    return kept == 0 ? .nan : Float(total / Double(kept))
}

extension LlamaModel {
    /// The Hugging Face loss of a batch: forward, then `crossEntropyLoss`.
    ///
    ///     tokens, labels, attentionMask (B, T)
    public func loss(tokens: [[Int]], labels: [[Int]], attentionMask: [[Int]]? = nil) throws -> Float {
        let logits = try logits(tokens, attentionMask: attentionMask)
        let B = tokens.count, T = tokens[0].count
        guard labels.count == B, labels.allSatisfy({ $0.count == T }) else {
            throw LlamaError.invalidInput("labels must have the shape of the tokens (\(B), \(T))")
        }
        for row in labels {
            for label in row where label != Int(ignoreIndex) && !(0..<config.vocabSize).contains(label) {
                throw LlamaError.tokenOutOfRange(token: label, vocabSize: config.vocabSize)
            }
        }
        let flat = labels.flatMap { $0.map { Int32(truncatingIfNeeded: $0) } }
        return crossEntropyLoss(logits, flat, B, T, config.vocabSize)
    }
}
