// Choosing the next token from logits: repetition penalty, temperature,
// top-k, top-p, in the order transformers applies them.
//
// Legend: V vocabulary.

import Foundation
import Tensor

/// How the next token is chosen.
public struct SamplingOptions: Sendable, Equatable, Codable {
    /// 0 picks the most likely token (greedy); otherwise logits are divided by it.
    public var temperature: Float
    /// Keep only the k most likely tokens (0: no limit).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p (1: no limit).
    public var topP: Float
    /// > 1 makes tokens already in the context less likely (transformers' rule:
    /// positive logits divided by it, negative ones multiplied).
    public var repetitionPenalty: Float
    public var seed: UInt64

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, repetitionPenalty: Float = 1, seed: UInt64 = 0)
    {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
    }
}

/// A sampler with its random state and reusable scratch (no allocation per token).
public struct Sampler: Sendable {
    public let options: SamplingOptions
    public var rng: Xoshiro256
    private var probs: [Float] = []
    private var order: [Int32] = []

    public init(options: SamplingOptions) {
        self.options = options
        rng = Xoshiro256(seed: options.seed)
    }

    /// Picks a token from `logits` (V), which it may modify; `context` holds the
    /// tokens the repetition penalty applies to.
    public mutating func sample(_ logits: UnsafeMutablePointer<Float>, _ V: Int, context: [Int]) -> Int {
        let o = options
        if o.repetitionPenalty != 1 {
            applyRepetitionPenalty(logits, V, context: context, penalty: o.repetitionPenalty)
        }
        if o.temperature <= 0 || o.topK == 1 { return argmax(logits, V) }
        if probs.count != V {
            probs = [Float](repeating: 0, count: V)
            order = [Int32](repeating: 0, count: V)
        }
        let invT = 1 / o.temperature
        var maxValue = -Float.infinity
        for i in 0..<V { maxValue = max(maxValue, logits[i]) }
        var candidates = V
        probs.withUnsafeMutableBufferPointer { p in
            order.withUnsafeMutableBufferPointer { idx in
                for i in 0..<V {
                    p[i] = expf((logits[i] - maxValue) * invT)
                    idx[i] = Int32(i)
                }
            }
        }
        let needsOrder = (o.topK > 0 && o.topK < V) || o.topP < 1
        if needsOrder {
            // The candidates, most likely first (ties by id): the k best when
            // top-k applies, else all of them.
            if o.topK > 0 && o.topK < V {
                selectTop(o.topK, V)
                candidates = o.topK
            }
            let p = probs
            let n = candidates
            order.withUnsafeMutableBufferPointer { idx in
                idx[0..<n].sort { p[Int($0)] > p[Int($1)] || (p[Int($0)] == p[Int($1)] && $0 < $1) }
            }
            if o.topP < 1 {
                var total: Float = 0
                for j in 0..<candidates { total += probs[Int(order[j])] }
                var cumulative: Float = 0
                var keep = candidates
                for j in 0..<candidates {
                    cumulative += probs[Int(order[j])] / total
                    if cumulative >= o.topP {
                        keep = j + 1
                        break
                    }
                }
                candidates = max(1, keep)
            }
        }
        var total: Float = 0
        for j in 0..<candidates { total += probs[Int(order[j])] }
        let r = rng.uniform() * total
        var cumulative: Float = 0
        for j in 0..<candidates {
            cumulative += probs[Int(order[j])]
            if r < cumulative { return Int(order[j]) }
        }
        return Int(order[candidates - 1])
    }
}

extension Sampler {
    /// Moves the ids of the `k` most probable tokens (ties by lower id) to the
    /// front of `order`, in no particular order: a min-heap of size k, O(V log k).
    fileprivate mutating func selectTop(_ k: Int, _ V: Int) {
        let p = probs
        // `worse(a, b)`: a ranks below b.
        func worse(_ a: Int32, _ b: Int32) -> Bool {
            p[Int(a)] < p[Int(b)] || (p[Int(a)] == p[Int(b)] && a > b)
        }
        order.withUnsafeMutableBufferPointer { heap in
            func siftDown(_ start: Int) {
                var i = start
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < k && worse(heap[l], heap[m]) { m = l }
                    if r < k && worse(heap[r], heap[m]) { m = r }
                    if m == i { return }
                    heap.swapAt(i, m)
                    i = m
                }
            }
            for i in 0..<V { heap[i] = Int32(i) }
            for i in stride(from: k / 2 - 1, through: 0, by: -1) { siftDown(i) }
            for i in k..<V where worse(heap[0], heap[i]) {
                heap.swapAt(0, i)
                siftDown(0)
            }
        }
    }
}

/// transformers' repetition penalty on every distinct token of `context`.
///
///     logits (V)
public func applyRepetitionPenalty(_ logits: UnsafeMutablePointer<Float>, _ V: Int, context: [Int], penalty: Float) {
    var seen = Set<Int>()
    for t in context where t >= 0 && t < V && seen.insert(t).inserted {
        logits[t] = logits[t] < 0 ? logits[t] * penalty : logits[t] / penalty
    }
}
