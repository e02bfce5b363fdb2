// Scratch buffers of a forward pass, sized once for a number of rows and keys.
//
// Legend: R rows (B*T tokens of a batch, or T new tokens when decoding),
// K keys one sequence may attend to (T, or the KV cache's capacity),
// C hidden, QD = NH*HS, KVD = NKV*HS, FF intermediate, V vocabulary,
// r the largest LoRA rank in use.

/// The activations of one forward pass, in a single allocation. Inference
/// keeps one layer's worth at a time; reuse the same instance for every call
/// that fits (no allocation per token).
public final class LlamaActivations: @unchecked Sendable {
    public let rows: Int
    public let keys: Int
    public let loraRank: Int
    public let logitRows: Int

    public let x: UnsafeMutablePointer<Float>        // (R, C) residual stream
    public let xn: UnsafeMutablePointer<Float>       // (R, C) normalized input of a sublayer
    public let q: UnsafeMutablePointer<Float>        // (R, QD)
    public let k: UnsafeMutablePointer<Float>        // (R, KVD)
    public let v: UnsafeMutablePointer<Float>        // (R, KVD)
    public let att: UnsafeMutablePointer<Float>      // (NH, T, K) attention probabilities of one sequence
    public let attOut: UnsafeMutablePointer<Float>   // (R, QD)
    public let gate: UnsafeMutablePointer<Float>     // (R, FF)
    public let up: UnsafeMutablePointer<Float>       // (R, FF)
    public let loraTmp: UnsafeMutablePointer<Float>  // (R, r)
    public let tile: UnsafeMutablePointer<Float>     // (tileRows, max(C, QD, FF)) dequantized weight rows
    public let tileRows: Int
    public let logits: UnsafeMutablePointer<Float>   // (logitRows, V)
    public let positions: UnsafeMutablePointer<Int32> // (R)
    public let tokens: UnsafeMutablePointer<Int32>    // (R)

    private let memory: UnsafeMutablePointer<Float>
    private let intMemory: UnsafeMutablePointer<Int32>

    /// Buffers for up to `rows` tokens per call, each sequence attending to up
    /// to `keys` keys, logits for `logitRows` rows (default all rows).
    /// `tileRows` > 0 adds scratch for weights kept only quantized.
    public init(
        config c: LlamaConfig, rows: Int, keys: Int, logitRows: Int? = nil, loraRank: Int = 0, tileRows: Int = 0
    ) {
        self.rows = rows
        self.keys = keys
        self.loraRank = loraRank
        let logitRows = logitRows ?? rows
        self.logitRows = logitRows
        let sizes = [
            rows * c.hiddenSize, rows * c.hiddenSize, rows * c.qDim, rows * c.kvDim, rows * c.kvDim,
            c.headCount * rows * keys, rows * c.qDim, rows * c.intermediateSize, rows * c.intermediateSize,
            rows * loraRank, logitRows * c.vocabSize,
            tileRows * max(c.hiddenSize, c.qDim, c.intermediateSize),
        ]
        let total = sizes.reduce(0, +)
        memory = .allocate(capacity: max(total, 1))
        memory.initialize(repeating: 0, count: max(total, 1))
        var p = memory
        var views: [UnsafeMutablePointer<Float>] = []
        for s in sizes {
            views.append(p)
            p += s
        }
        x = views[0]; xn = views[1]; q = views[2]; k = views[3]; v = views[4]; att = views[5]
        attOut = views[6]; gate = views[7]; up = views[8]; loraTmp = views[9]; logits = views[10]
        tile = views[11]
        self.tileRows = tileRows
        intMemory = .allocate(capacity: max(2 * rows, 1))
        intMemory.initialize(repeating: 0, count: max(2 * rows, 1))
        positions = intMemory
        tokens = intMemory + rows
    }

    deinit {
        memory.deallocate()
        intMemory.deallocate()
    }
}
