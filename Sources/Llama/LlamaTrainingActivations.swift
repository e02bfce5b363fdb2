// What a training forward saves for the backward, and the backward's scratch,
// sized once for a batch shape (no allocation per step).
//
// Legend: B batch, T time, R = B*T rows, C hidden, QD = NH*HS, KVD = NKV*HS,
// FF intermediate, V vocabulary, L layers, NT LoRA targets, r LoRA rank,
// IN the widest linear input (max of C, QD, FF), CR the cross-entropy's chunk rows.
// Each buffer is sized for the largest batch that uses it (`BatchCapacity`): R the
// largest B*T.
//
// The residual stream entering each layer is kept for every layer (xs, (L+1, R, C)).
// The rest of a layer's activations (LayerSaved) is kept per layer, or, with
// gradient checkpointing, once: the backward then recomputes a layer's forward
// from its saved input before going back through it. Attention keeps each row's
// logsumexp, not its probabilities (flash attention recomputes them), and the
// logits exist one chunk of rows at a time. The norms' outputs (xn1, xn2) and h are
// not kept per layer either: every layer writes them into one shared buffer, and the
// backward recomputes what it needs (exactly: the same arithmetic) from x, x2, gate, up.
// With `compactMLP` (training with precision bf16) gate and up, the largest of a layer's
// values, are kept in bfloat16: computed in a shared float32 buffer, rounded into the layer's
// slot after the forward, and widened back into the shared buffer before the backward.

import Tensor

/// One layer's saved activations (views).
struct LayerSaved {
    var rstd1: UnsafeMutablePointer<Float>   // (R)
    var xn1: UnsafeMutablePointer<Float>     // (R, C)   attention norm output (shared)
    var q: UnsafeMutablePointer<Float>       // (R, QD)  after RoPE
    var k: UnsafeMutablePointer<Float>       // (R, KVD) after RoPE
    var v: UnsafeMutablePointer<Float>       // (R, KVD)
    var lse: UnsafeMutablePointer<Float>     // (B, NH, T) attention logsumexp
    var attOut: UnsafeMutablePointer<Float>  // (R, QD)
    var x2: UnsafeMutablePointer<Float>      // (R, C)   residual after attention
    var rstd2: UnsafeMutablePointer<Float>   // (R)
    var xn2: UnsafeMutablePointer<Float>     // (R, C)   MLP norm output (shared, the same buffer as xn1)
    var gate: UnsafeMutablePointer<Float>    // (R, FF)  before SiLU
    var up: UnsafeMutablePointer<Float>      // (R, FF)
    var h: UnsafeMutablePointer<Float>       // (R, FF)  silu(gate) · up (shared)
    var lora: UnsafeMutablePointer<Float>    // (NT, R, r) dropped input · Aᵀ per target
    /// With compactMLP: this layer's gate and up in bfloat16 (gate and up above are then shared).
    var compact: (gate: UnsafeMutablePointer<UInt16>, up: UnsafeMutablePointer<UInt16>, count: Int)?

    /// Floats of one layer's slot; gate and up take half as many with `compactMLP`.
    static func size(_ c: LlamaConfig, _ capacity: BatchCapacity, loraSize: Int, compactMLP: Bool = false) -> Int {
        let R = capacity.rows
        let mlp = compactMLP ? 2 * ((R * c.intermediateSize + 1) / 2) : 2 * R * c.intermediateSize
        return 2 * R + R * c.hiddenSize + 2 * R * c.qDim + 2 * R * c.kvDim + c.headCount * R + mlp + loraSize
    }

    /// Floats of the buffer every layer shares for xn1 / xn2 and h (and gate and up with `compactMLP`).
    static func sharedSize(_ c: LlamaConfig, _ capacity: BatchCapacity, compactMLP: Bool = false) -> Int {
        capacity.rows * (c.hiddenSize + (compactMLP ? 3 : 1) * c.intermediateSize)
    }

    /// Views into `p`, with xn1, xn2 and h (and with `compactMLP` gate and up) in `shared` (`sharedSize` floats).
    init(_ p: UnsafeMutablePointer<Float>, _ c: LlamaConfig, _ capacity: BatchCapacity,
         shared: UnsafeMutablePointer<Float>, compactMLP: Bool = false) {
        let R = capacity.rows, FF = c.intermediateSize
        var p = p
        func take(_ n: Int) -> UnsafeMutablePointer<Float> { defer { p += n }; return p }
        rstd1 = take(R)
        q = take(R * c.qDim); k = take(R * c.kvDim); v = take(R * c.kvDim)
        lse = take(c.headCount * R); attOut = take(R * c.qDim)
        x2 = take(R * c.hiddenSize); rstd2 = take(R)
        xn1 = shared; xn2 = shared; h = shared + R * c.hiddenSize
        if compactMLP {
            let half = (R * FF + 1) / 2
            let g16 = UnsafeMutableRawPointer(take(half)).assumingMemoryBound(to: UInt16.self)
            let u16 = UnsafeMutableRawPointer(take(half)).assumingMemoryBound(to: UInt16.self)
            compact = (g16, u16, R * FF)
            gate = h + R * FF; up = gate + R * FF
        } else {
            gate = take(R * FF); up = take(R * FF)
        }
        lora = p
    }

    /// After the forward: gate and up rounded into this layer's slot (compactMLP only).
    func keepMLP() {
        guard let compact else { return }
        roundToBFloat16(gate, into: compact.gate, count: compact.count)
        roundToBFloat16(up, into: compact.up, count: compact.count)
    }

    /// Before the backward: this layer's gate and up back in the shared buffer (compactMLP only).
    func restoreMLP() {
        guard let compact else { return }
        widenBFloat16(compact.gate, into: gate, count: compact.count)
        widenBFloat16(compact.up, into: up, count: compact.count)
    }
}

/// Activations and scratch of training steps on (B, T) batches.
public final class LlamaTrainingActivations: @unchecked Sendable {
    /// The largest batches these buffers hold.
    public let capacity: BatchCapacity
    /// Whether layers are recomputed in the backward instead of kept.
    public let checkpointing: Bool
    let loraRank: Int
    let loraTargets: Int

    let xs: UnsafeMutablePointer<Float>        // (L+1, R, C) residual entering each layer, and the last
    let layers: [LayerSaved]                   // L entries, or 1 with checkpointing
    let rstdF: UnsafeMutablePointer<Float>     // (R)
    let xnF: UnsafeMutablePointer<Float>       // (R, C)
    let xnK: UnsafeMutablePointer<Float>       // (K, C) the rows of xnF that predict a kept label
    let logits: UnsafeMutablePointer<Float>    // (CR, V) one chunk of the kept rows' logits
    let logitRows: Int                         // CR
    let losses: UnsafeMutablePointer<Float>    // (R)

    // backward scratch
    let dx: UnsafeMutablePointer<Float>        // (R, C); after a forward with a backward scale, dxnK (K, C)
    let dxn: UnsafeMutablePointer<Float>       // (R, C)
    let dq: UnsafeMutablePointer<Float>        // (R, QD)
    let dk: UnsafeMutablePointer<Float>        // (R, KVD)
    let dv: UnsafeMutablePointer<Float>        // (R, KVD)
    let dattOut: UnsafeMutablePointer<Float>   // (R, QD)
    let attScratch: UnsafeMutablePointer<Float> // flash attention's tiles
    let dgate: UnsafeMutablePointer<Float>     // (R, FF)
    let dup: UnsafeMutablePointer<Float>       // (R, FF)
    let dh: UnsafeMutablePointer<Float>        // (R, FF)
    let dlora: UnsafeMutablePointer<Float>     // (R, r)
    let drop: UnsafeMutablePointer<Float>      // (R, IN) dropped input
    let ddrop: UnsafeMutablePointer<Float>     // (R, IN) its gradient

    let positions: UnsafeMutablePointer<Int32> // (R)
    let keptRows: UnsafeMutablePointer<Int32>  // (K) which rows predict a kept label
    let targets: UnsafeMutablePointer<Int32>   // (R) the label each row predicts, or -1; compacted to (K)
    /// Rows of the last forward that predict a kept label.
    public internal(set) var keptCount = 0
    /// Whether the batch in flight packs several sequences per row (its mask holds segment ids).
    var packed = false
    /// The backward scale of the last forward, when its head's weight gradient is still to be added
    /// (the forward had no gradients to add it to); nil otherwise.
    var pendingHeadGradientScale: Float?
    /// (OUT, IN) of the largest linear layer, when the base is kept quantized
    /// (each layer's weight is dequantized here just before use), else nil.
    let weightScratch: UnsafeMutablePointer<Float>?

    private let memory: UnsafeMutablePointer<Float>
    /// Float32 values held (for memory accounting).
    public let count: Int

    /// Element counts of the buffers, in the order `init` lays them out (index 4: the logits).
    static func layout(config c: LlamaConfig, capacity: BatchCapacity, loraRank: Int, loraTargets: Int,
                       checkpointing: Bool, quantizedBase: Bool, compactMLP: Bool = false) -> [Int] {
        let R = capacity.rows, C = c.hiddenSize, L = c.layerCount
        let IN = max(C, c.qDim, c.intermediateSize)
        let layerSize = LayerSaved.size(c, capacity, loraSize: loraTargets * R * loraRank, compactMLP: compactMLP)
        return [
            (L + 1) * R * C, (checkpointing ? 1 : L) * layerSize, R, R * C,
            logitRows(capacity) * crossEntropyLogitStride(c.vocabSize), R,
            R * C, R * C, R * C, R * c.qDim, R * c.kvDim, R * c.kvDim, R * c.qDim, flashAttentionScratchCount(),
            R * c.intermediateSize, R * c.intermediateSize, R * c.intermediateSize, R * max(loraRank, 1),
            loraRank > 0 ? R * IN : 0, loraRank > 0 ? R * IN : 0,
            quantizedBase ? max(c.qDim, c.intermediateSize, C) * IN : 0,
            LayerSaved.sharedSize(c, capacity, compactMLP: compactMLP),
        ]
    }

    /// Rows of one chunk of logits.
    static func logitRows(_ capacity: BatchCapacity) -> Int { min(capacity.rows, crossEntropyChunkRows) }

    /// Buffers for batches of up to B sequences of up to T tokens.
    public convenience init(config c: LlamaConfig, B: Int, T: Int, loraRank: Int = 0, loraTargets: Int = 0,
                            checkpointing: Bool = false, quantizedBase: Bool = false, compactMLP: Bool = false) {
        self.init(config: c, capacity: BatchCapacity(B: B, T: T), loraRank: loraRank, loraTargets: loraTargets,
                  checkpointing: checkpointing, quantizedBase: quantizedBase, compactMLP: compactMLP)
    }

    /// Buffers for every batch `capacity` holds.
    /// `compactMLP`: gate and up kept in bfloat16 (see the top of the file).
    public init(config c: LlamaConfig, capacity: BatchCapacity, loraRank: Int = 0, loraTargets: Int = 0,
                checkpointing: Bool = false, quantizedBase: Bool = false, compactMLP: Bool = false) {
        self.capacity = capacity
        self.checkpointing = checkpointing
        self.loraRank = loraRank
        self.loraTargets = loraTargets
        let R = capacity.rows
        logitRows = Self.logitRows(capacity)
        let sizes = Self.layout(config: c, capacity: capacity, loraRank: loraRank, loraTargets: loraTargets,
                                checkpointing: checkpointing, quantizedBase: quantizedBase, compactMLP: compactMLP)
        count = sizes.reduce(0, +)
        memory = .allocate(capacity: max(count, 1))
        memory.initialize(repeating: 0, count: max(count, 1))
        var views: [UnsafeMutablePointer<Float>] = []
        var p = memory
        for s in sizes { views.append(p); p += s }
        xs = views[0]
        let savedLayers = checkpointing ? 1 : c.layerCount
        layers = (0..<savedLayers).map {
            LayerSaved(views[1] + $0 * sizes[1] / savedLayers, c, capacity, shared: views[21], compactMLP: compactMLP)
        }
        rstdF = views[2]; xnF = views[3]; logits = views[4]; losses = views[5]; xnK = views[6]
        dx = views[7]; dxn = views[8]; dq = views[9]; dk = views[10]; dv = views[11]; dattOut = views[12]
        attScratch = views[13]; dgate = views[14]; dup = views[15]; dh = views[16]; dlora = views[17]
        drop = views[18]; ddrop = views[19]
        weightScratch = quantizedBase ? views[20] : nil
        positions = .allocate(capacity: max(3 * R, 1))
        positions.initialize(repeating: 0, count: max(3 * R, 1))
        keptRows = positions + R
        targets = positions + 2 * R
    }

    /// Bytes of the int32 positions, kept rows and targets (R each) beside the float buffers.
    static func indexBytes(_ capacity: BatchCapacity) -> Int { 3 * capacity.rows * MemoryLayout<Int32>.size }

    deinit {
        memory.deallocate()
        positions.deallocate()
    }

    func saved(_ l: Int) -> LayerSaved { layers[checkpointing ? 0 : l] }
    func x(_ l: Int, _ C: Int) -> UnsafeMutablePointer<Float> { xs + l * capacity.rows * C }
}
