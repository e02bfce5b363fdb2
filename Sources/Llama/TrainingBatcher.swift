// Training data: token/label sequences, shuffled per epoch with a seed and
// cut into padded (B, T) batches.
//
// Legend: B sequences per batch, T the longest (kept) length in the batch.
// Padding is on the right: pad tokens, labels -100, attention mask 0.

import Random
import Tensor

/// One training sequence: its tokens and the labels to predict (the same
/// length; -100 where nothing is learned). As in Hugging Face, the logits
/// at position t are scored against label t+1.
public struct TrainingExample: Codable, Sendable, Equatable {
    public var tokens: [Int32]
    public var labels: [Int32]
    /// For a packed sequence: the segment (1, 2, ...) each token belongs to; nil for one example.
    public var segments: [Int32]?

    public init(tokens: [Int32], labels: [Int32], segments: [Int32]? = nil) {
        self.tokens = tokens
        self.labels = labels
        self.segments = segments
    }

    /// Labels equal to the tokens (learn every token).
    public init(tokens: [Int32]) {
        self.init(tokens: tokens, labels: tokens)
    }
}

/// A padded batch, row-major (B, T).
public struct TrainingBatch: Sendable {
    public var B: Int
    public var T: Int
    public var tokens: [Int32]
    public var labels: [Int32]
    public var mask: [Int32]
    /// Rows hold several sequences; `mask` holds their segment ids (0 for padding).
    public var packed: Bool = false
    /// Labels that count in the loss (after the shift).
    public var keptLabels: Int
    /// Real (non-padding) tokens.
    public var tokenCount: Int
}

/// Seeded shuffling and batching of a list of examples.
public struct TrainingBatcher: Sendable {
    public let examples: [TrainingExample]
    public let batchSize: Int
    public let maxLength: Int
    public let seed: UInt64
    public let padToken: Int32
    public let shuffle: Bool
    /// Batches of similar lengths (less padding): after the shuffle, each window of
    /// `groupWindow` batches is sorted by length and cut into batches, and the batches are
    /// shuffled again (Hugging Face's `group_by_length` does the same with its megabatches).
    public let groupByLength: Bool
    /// Batches per length-sorted window.
    public static let groupWindow = 16

    public init(examples: [TrainingExample], batchSize: Int, maxLength: Int, seed: UInt64,
                padToken: Int32 = 0, shuffle: Bool = true, groupByLength: Bool = false) {
        self.examples = examples
        self.batchSize = max(1, batchSize)
        self.maxLength = maxLength
        self.seed = seed
        self.padToken = padToken
        self.shuffle = shuffle
        self.groupByLength = groupByLength
    }

    /// Batches in one epoch (the last one may be smaller).
    public var batchesPerEpoch: Int { (examples.count + batchSize - 1) / batchSize }

    /// The longest kept sequence length.
    public var longest: Int { min(maxLength, examples.map(\.tokens.count).max() ?? 0) }

    /// The order of the examples in `epoch`: a Fisher-Yates shuffle seeded by (seed, epoch),
    /// then, with `groupByLength`, regrouped into batches of similar lengths.
    public func order(epoch: Int) -> [Int] {
        var order = Array(examples.indices)
        guard shuffle else { return order }
        var sm = SplitMix64(seed: seed ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15))
        var rng = Xoshiro256(seed: sm.next())
        shuffleInPlace(&order, &rng)
        guard groupByLength, batchSize > 1 else { return order }
        // Sort each window by length (longest first, ties by position: deterministic), cut batches.
        let window = batchSize * Self.groupWindow
        var batches: [ArraySlice<Int>] = []
        for start in stride(from: 0, to: order.count, by: window) {
            let sorted = order[start..<min(order.count, start + window)].enumerated().sorted {
                let (a, b) = (examples[$0.element].tokens.count, examples[$1.element].tokens.count)
                return a != b ? a > b : $0.offset < $1.offset
            }.map(\.element)
            for b in stride(from: 0, to: sorted.count, by: batchSize) {
                batches.append(sorted[b..<min(sorted.count, b + batchSize)])
            }
        }
        // Full batches in a new random order; a short last batch stays last.
        let short = batches.last.map { $0.count < batchSize } ?? false ? batches.removeLast() : nil
        shuffleInPlace(&batches, &rng)
        return batches.flatMap { $0 } + (short.map(Array.init) ?? [])
    }

    private func shuffleInPlace<T>(_ items: inout [T], _ rng: inout Xoshiro256) {
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            items.swapAt(i, j)
        }
    }

    /// Batch `index` of an epoch whose order is `order`.
    public func batch(_ index: Int, order: [Int]) -> TrainingBatch {
        let members = order[(index * batchSize)..<min(order.count, (index + 1) * batchSize)].map { examples[$0] }
        let B = members.count
        let T = max(1, min(maxLength, members.map(\.tokens.count).max() ?? 1))
        var tokens = [Int32](repeating: padToken, count: B * T)
        var labels = [Int32](repeating: ignoreIndex, count: B * T)
        var mask = [Int32](repeating: 0, count: B * T)
        var kept = 0, count = 0
        for (b, e) in members.enumerated() {
            let n = min(T, e.tokens.count)
            for t in 0..<n {
                tokens[b * T + t] = e.tokens[t]
                labels[b * T + t] = t < e.labels.count ? e.labels[t] : ignoreIndex
                mask[b * T + t] = e.segments.map { $0[t] } ?? 1
                if t > 0 && labels[b * T + t] != ignoreIndex { kept += 1 }
            }
            count += n
        }
        return TrainingBatch(
            B: B, T: T, tokens: tokens, labels: labels, mask: mask, packed: members.contains { $0.segments != nil },
            keptLabels: kept, tokenCount: count)
    }
}

/// Packs examples into sequences of at most `maxLength` tokens: the examples in a seeded random
/// order, each into the first of the most recent 64 open sequences with room for it (first fit;
/// an example longer than `maxLength` is cut and gets a sequence of its own). Each packed
/// sequence records which segment every token belongs to, and the first token of every segment
/// after the first is never a label (the previous example's last token must not learn to predict it).
public func packExamples(_ examples: [TrainingExample], maxLength: Int, seed: UInt64) -> [TrainingExample] {
    var order = Array(examples.indices)
    var sm = SplitMix64(seed: seed ^ 0x5041_434B)
    var rng = Xoshiro256(seed: sm.next())
    for i in stride(from: order.count - 1, to: 0, by: -1) {
        order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
    }
    let limit = max(1, maxLength)
    var packed: [TrainingExample] = []
    var open: [Int] = []  // indices into `packed` that may still take an example, oldest first
    for index in order {
        let e = examples[index]
        let n = min(limit, e.tokens.count)
        guard n > 0 else { continue }
        let tokens = Array(e.tokens.prefix(n))
        let labels = (0..<n).map { $0 < e.labels.count ? e.labels[$0] : ignoreIndex }
        if let slot = open.firstIndex(where: { packed[$0].tokens.count + n <= limit }) {
            let p = open[slot]
            let segment = (packed[p].segments?.last ?? 0) + 1
            packed[p].tokens += tokens
            packed[p].labels += [ignoreIndex] + labels.dropFirst()
            packed[p].segments! += [Int32](repeating: segment, count: n)
            if packed[p].tokens.count == limit { open.remove(at: slot) }
        } else {
            packed.append(TrainingExample(tokens: tokens, labels: labels, segments: [Int32](repeating: 1, count: n)))
            if n < limit { open.append(packed.count - 1) }
            if open.count > 64 { open.removeFirst() }
        }
    }
    return packed
}

extension TrainingBatch {
    /// The sequences `rows` of the batch, cut to their own longest length (padding on the right
    /// changes no loss or gradient, so a share of the rows computes what they contribute to the whole).
    public func rows(_ rows: Range<Int>) -> TrainingBatch {
        let lengths = rows.map { b in ((0..<T).last { mask[b * T + $0] != 0 } ?? -1) + 1 }
        let newT = max(1, lengths.max() ?? 1)
        var out = TrainingBatch(
            B: rows.count, T: newT, tokens: [], labels: [], mask: [], packed: packed, keptLabels: 0, tokenCount: 0)
        for b in rows {
            let start = b * T
            out.tokens += tokens[start..<(start + newT)]
            out.labels += labels[start..<(start + newT)]
            out.mask += mask[start..<(start + newT)]
        }
        for b in 0..<out.B {
            for t in 0..<newT where out.mask[b * newT + t] != 0 {
                out.tokenCount += 1
                if t > 0 && out.labels[b * newT + t] != ignoreIndex { out.keptLabels += 1 }
            }
        }
        return out
    }
}
