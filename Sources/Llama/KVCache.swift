// Keys and values of past tokens for incremental decoding of one sequence.
//
// Legend: L layers, S capacity (positions), KVD = NKV*HS.

/// The key/value cache of one sequence: k, v (L, S, KVD) in one allocation.
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    public let layerCount: Int
    public let kvDim: Int
    /// Positions filled so far.
    public internal(set) var count: Int = 0
    private let memory: UnsafeMutablePointer<Float>

    public init(config: LlamaConfig, capacity: Int) {
        self.capacity = capacity
        self.layerCount = config.layerCount
        self.kvDim = config.kvDim
        let n = max(2 * layerCount * capacity * kvDim, 1)
        memory = .allocate(capacity: n)
        memory.initialize(repeating: 0, count: n)
    }

    deinit { memory.deallocate() }

    /// Keys of `layer`: (S, KVD).
    public func keys(layer: Int) -> UnsafeMutablePointer<Float> { memory + layer * capacity * kvDim }
    /// Values of `layer`: (S, KVD).
    public func values(layer: Int) -> UnsafeMutablePointer<Float> { memory + (layerCount + layer) * capacity * kvDim }

    /// Forgets everything (the buffers stay allocated).
    public func reset() { count = 0 }

    /// Drops positions from `newCount` on.
    public func truncate(to newCount: Int) { count = max(0, min(count, newCount)) }
}

extension LlamaModel {
    /// Runs `count` new tokens of one sequence after what `cache` holds,
    /// appending their keys and values.
    ///
    ///     tokens (count)
    ///     → acts.logits (count, V) when `allLogits`, else (1, V) for the last token
    ///
    /// `activations` needs rows >= count and keys >= cache.capacity.
    public func forward(tokens: UnsafePointer<Int32>, count T: Int, cache: KVCache,
                        activations a: LlamaActivations, allLogits: Bool = false) throws {
        guard T > 0 else { throw LlamaError.invalidInput("no tokens to run") }
        guard cache.count + T <= cache.capacity else {
            throw LlamaError.invalidInput(
                "the KV cache holds \(cache.capacity) positions; \(cache.count) used, \(T) more do not fit")
        }
        try check(activations: a, rows: T, keys: cache.count + T, logitRows: allLogits ? T : 1)
        let past = cache.count
        for t in 0..<T { a.positions[t] = Int32(past + t) }
        try embed(tokens, T, a)
        try ensureRope(positions: past + T)
        for l in 0..<config.layerCount {
            layerForward(l, a, B: 1, T: T, mask: nil, cache: cache)
        }
        cache.count += T
        if allLogits {
            logitsForward(a, fromRow: 0, count: T)
        } else {
            logitsForward(a, fromRow: T - 1, count: 1)
        }
    }
}
