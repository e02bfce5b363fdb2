// A Llama-family decoder: the forward pass.
//
// Legend: B batch, T time (tokens per sequence), R = B*T rows, C hidden,
// NH query heads, NKV kv heads, HS head size, QD = NH*HS, KVD = NKV*HS,
// FF intermediate, V vocabulary, L layers.
//
// Per layer:  xn = rmsnorm(x);  q, k, v = xn·Wqᵀ (+bq), xn·Wkᵀ, xn·Wvᵀ
//             rope(q), rope(k);  a = attention(q, k, v);  x += a·Woᵀ
//             xn = rmsnorm(x);   x += (silu(xn·Wgᵀ) * xn·Wuᵀ)·Wdᵀ
// Then logits = rmsnorm(x)·Wheadᵀ.

import Tensor

/// Weights, optional LoRA adapters and rotary tables of one model.
///
/// A model runs one forward pass at a time (its rotary tables grow on demand
/// and `adapters` / `quantized` may be swapped between calls); use one model
/// per thread, or serialize calls.
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfig
    public let parameters: LlamaParameters
    /// Adapters applied on top of the base weights, in order.
    public var adapters: [LoRAAdapter]
    /// Linear layers kept in their quantized blocks (from GGUF); used when one
    /// token is run at a time (decoding). nil: float32 everywhere.
    public var quantized: QuantizedWeights?
    /// Linear layers and LM head in bfloat16 (LoRA training with `precision: bf16`): when set, every
    /// batched product with them runs in bfloat16. nil: float32 (or quantized) as above.
    public var bfloat16: BFloat16Weights?
    /// cos/sin tables, grown on demand (so a model runs one forward at a time).
    public private(set) var rope: RoPETable

    public init(parameters: LlamaParameters, adapters: [LoRAAdapter] = []) {
        self.config = parameters.config
        self.parameters = parameters
        self.adapters = adapters
        self.rope = RoPETable(headSize: parameters.config.headDim,
                              maxPositions: min(parameters.config.maxPositionEmbeddings, 4096),
                              theta: parameters.config.ropeTheta,
                              inverseFrequencies: parameters.config.ropeInverseFrequencies())
    }

    /// A model with seeded random weights (tests, training from scratch).
    public convenience init(config: LlamaConfig, seed: UInt64) {
        self.init(parameters: LlamaParameters(config: config, seed: seed))
    }

    /// Number of float32 weights (the base model, without adapters).
    public var parameterCount: Int { parameters.count }

    /// The largest LoRA rank in use (scratch size for activations).
    public var maxLoRARank: Int { adapters.map(\.rank).max() ?? 0 }

    /// Activations able to run `rows` tokens per call with `keys` keys.
    public func makeActivations(rows: Int, keys: Int, logitRows: Int? = nil) -> LlamaActivations {
        LlamaActivations(config: config, rows: rows, keys: keys, logitRows: logitRows, loraRank: maxLoRARank,
                         tileRows: parameters.omitted.isEmpty ? 0 : Self.tileRows)
    }

    /// Weight rows dequantized per sgemm when a layer exists only quantized.
    static let tileRows = 128

    // MARK: Batched forward

    /// Causal forward of B sequences of T tokens.
    ///
    ///     tokens (B, T) token ids
    ///     mask   (B, T) or nil: 1 for real tokens, 0 for padding keys
    ///     → acts.logits (B, T, V)
    ///
    /// Positions are 0..<T in every row (as transformers does without
    /// `position_ids`); padding keys are hidden from every query.
    public func forward(tokens: UnsafePointer<Int32>, mask: UnsafePointer<Int32>?, B: Int, T: Int,
                        activations a: LlamaActivations) throws {
        let R = B * T
        try check(activations: a, rows: R, keys: T, logitRows: R)
        for b in 0..<B {
            for t in 0..<T { a.positions[b * T + t] = Int32(t) }
        }
        try embed(tokens, R, a)
        try ensureRope(positions: T)
        for l in 0..<config.layerCount {
            layerForward(l, a, B: B, T: T, mask: mask, cache: nil)
        }
        logitsForward(a, fromRow: 0, count: R)
    }

    /// Convenience: the logits (B, T, V) of a batch of equal-length sequences.
    public func logits(_ tokens: [[Int]], attentionMask: [[Int]]? = nil) throws -> [Float] {
        let B = tokens.count, T = tokens.first?.count ?? 0
        guard B > 0, T > 0, tokens.allSatisfy({ $0.count == T }),
            attentionMask.map({ $0.count == B && $0.allSatisfy { $0.count == T } }) ?? true
        else {
            throw LlamaError.invalidInput(
                "a batch needs at least one token and rows of equal length (and a mask of the same shape)")
        }
        let a = makeActivations(rows: B * T, keys: T)
        let flat = tokens.flatMap { $0.map { Int32(truncatingIfNeeded: $0) } }
        let flatMask = attentionMask.map { $0.flatMap { $0.map { Int32(truncatingIfNeeded: $0) } } }
        if let flatMask {
            try forward(tokens: flat, mask: flatMask, B: B, T: T, activations: a)
        } else {
            try forward(tokens: flat, mask: nil, B: B, T: T, activations: a)
        }
        return Array(UnsafeBufferPointer(start: a.logits, count: B * T * config.vocabSize))
    }

    // MARK: Pieces shared with incremental decoding

    func check(activations a: LlamaActivations, rows: Int, keys: Int, logitRows: Int) throws {
        if !parameters.omitted.isEmpty && bfloat16 == nil
            && (a.tileRows == 0 || !parameters.omitted.allSatisfy { quantized?.layers[$0] != nil })
        {
            throw LlamaError.invalidInput(
                "weights kept only quantized need their QuantizedWeights and activations with tile scratch")
        }
        guard rows <= a.rows, keys <= a.keys, logitRows <= a.logitRows, maxLoRARank <= a.loraRank else {
            throw LlamaError.invalidInput(
                "activations sized for \(a.rows) rows, \(a.keys) keys, "
                    + "\(a.logitRows) logit rows, LoRA rank \(a.loraRank) "
                    + "cannot run \(rows) rows, \(keys) keys, \(logitRows) logit rows, rank \(maxLoRARank)")
        }
    }

    /// x (R, C) = embedding rows of the tokens, after checking them.
    func embed(_ tokens: UnsafePointer<Int32>, _ R: Int, _ a: LlamaActivations) throws {
        for i in 0..<R where tokens[i] < 0 || Int(tokens[i]) >= config.vocabSize {
            throw LlamaError.tokenOutOfRange(token: Int(tokens[i]), vocabSize: config.vocabSize)
        }
        embedRows(a.x, tokens, R)
    }

    /// out (R, C) = the embedding rows of the tokens: from the bfloat16 head when it is the tied
    /// embedding and kept so (the float32 table is then dropped), from the float32 table otherwise.
    func embedRows(_ out: UnsafeMutablePointer<Float>, _ tokens: UnsafePointer<Int32>, _ R: Int) {
        let C = config.hiddenSize
        if config.tieWordEmbeddings, let head = bfloat16?.output {
            for n in 0..<R { head.widen(rows: Int(tokens[n]), count: 1, into: out + n * C) }
        } else {
            embeddingForward(out, tokens, parameters.pointer(.embed), R, C)
        }
    }

    /// Replaces the rotary inverse frequencies (HS/2 values).
    func setRopeFrequencies(_ inverseFrequencies: [Float]) {
        rope = RoPETable(headSize: config.headDim, maxPositions: rope.maxPositions, theta: config.ropeTheta,
                         inverseFrequencies: inverseFrequencies)
    }

    func ensureRope(positions: Int) throws {
        if positions <= rope.maxPositions { return }
        guard positions <= max(config.maxPositionEmbeddings, 1 << 20) else {
            throw LlamaError.invalidInput("position \(positions) is beyond what rotary tables are built for")
        }
        var n = rope.maxPositions
        while n < positions { n *= 2 }
        rope = RoPETable(headSize: config.headDim, maxPositions: n, theta: config.ropeTheta,
                         inverseFrequencies: rope.inverseFrequencies)
    }

    /// out (R, OUT) = inp (R, IN) · Wᵀ + bias, plus every adapter's update.
    func linear(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                _ w: LlamaTensor, _ l: Int, _ R: Int, _ a: LlamaActivations) {
        linears([(out, w)], inp, l, R, a)
    }

    /// `linear` for layers that read the same input (q, k, v; gate, up): one token (decoding)
    /// over quantized weights of one kind goes out as one job of matrix-vector products.
    func linears(_ products: [(out: UnsafeMutablePointer<Float>, w: LlamaTensor)], _ inp: UnsafePointer<Float>,
                 _ l: Int, _ R: Int, _ a: LlamaActivations) {
        let matrices = R == 1 ? products.compactMap { quantized?.matrix($0.w, layer: l) } : []
        if matrices.count == products.count,
           matrices.allSatisfy({ $0.kind == matrices[0].kind && $0.columns == matrices[0].columns }) {
            quantizedMatvecs(zip(products, matrices).map { ($0.out, $1) }, inp)
            for ((out, w), q) in zip(products, matrices) {
                if let bias = bias(of: w, layer: l) { residualForward(out, bias, q.rows) }
            }
        } else {
            for (out, w) in products { baseLinear(out, inp, w, l, R, a) }
        }
        for (out, w) in products {
            let shape = w.shape(config)
            for adapter in adapters where adapter.adapts(w) {
                loraForward(out, a.loraTmp, inp, adapter.a(w, layer: l), adapter.b(w, layer: l),
                            scale: adapter.scale, R, shape[1], shape[0], adapter.rank)
            }
        }
    }

    /// out (R, OUT) = inp (R, IN) · Wᵀ + bias with the weight as it is kept: quantized blocks for
    /// one token, bfloat16 when kept so, quantized tiles when there is no float32 copy, the float32
    /// weight otherwise.
    private func baseLinear(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                            _ w: LlamaTensor, _ l: Int, _ R: Int, _ a: LlamaActivations) {
        let shape = w.shape(config)
        let OUT = shape[0], IN = shape[1]
        let biasPointer = bias(of: w, layer: l)
        if R == 1, let q = quantized?.matrix(w, layer: l) {
            quantizedMatvec(out, q, inp)
            if let biasPointer { residualForward(out, biasPointer, OUT) }
        } else if let b = bfloat16?.matrix(w, layer: l) {
            bf16MatmulForward(out, inp, b, biasPointer, R)
        } else if parameters.omitted.contains(w), let q = quantized?.matrix(w, layer: l) {
            quantizedMatmulForward(out, inp, q, biasPointer, R, scratch: a.tile, tileRows: a.tileRows)
        } else {
            matmulForward(out, inp, parameters.pointer(w, layer: l), biasPointer, R, IN, OUT)
        }
    }

    /// The bias of linear layer `w` in layer `l`, if the model has one (Qwen2's q, k, v).
    func bias(of w: LlamaTensor, layer l: Int) -> UnsafePointer<Float>? {
        biasPointer(w, l).map { UnsafePointer($0) }
    }

    /// One transformer block over R = B*T rows of `a.x`, in place.
    /// With a cache (B = 1), keys and values are appended at `cache.count`
    /// and the queries attend to everything cached.
    func layerForward(_ l: Int, _ a: LlamaActivations, B: Int, T: Int,
                      mask: UnsafePointer<Int32>?, cache: KVCache?) {
        let c = config, p = parameters
        let R = B * T, C = c.hiddenSize, QD = c.qDim, KVD = c.kvDim, FF = c.intermediateSize
        let NH = c.headCount, NKV = c.kvHeadCount, HS = c.headDim
        let window = c.slidingWindow ?? 0

        // attention
        rmsNormForward(a.xn, nil, a.x, p.pointer(.attnNorm, layer: l), R, C, eps: c.rmsNormEps)
        linears([(a.q, .wq), (a.k, .wk), (a.v, .wv)], a.xn, l, R, a)  // (R, QD), (R, KVD), (R, KVD)
        rope.cos.withUnsafeBufferPointer { cos in
            rope.sin.withUnsafeBufferPointer { sin in
                ropeForward(a.q, a.positions, cos.baseAddress!, sin.baseAddress!, R, NH, HS, stride: QD)
                ropeForward(a.k, a.positions, cos.baseAddress!, sin.baseAddress!, R, NKV, HS, stride: KVD)
            }
        }
        if let cache {
            let past = cache.count
            let ck = cache.keys(layer: l), cv = cache.values(layer: l)
            (ck + past * KVD).update(from: a.k, count: T * KVD)
            (cv + past * KVD).update(from: a.v, count: T * KVD)
            attentionForward(a.attOut, ldo: QD, a.att, a.q, ldq: QD, ck, ldk: KVD, cv, ldv: KVD,
                             keyMask: nil, T, past + T, past: past, NH, NKV, HS, window: window)
        } else {
            for b in 0..<B {
                attentionForward(a.attOut + b * T * QD, ldo: QD, a.att,
                                 a.q + b * T * QD, ldq: QD, a.k + b * T * KVD, ldk: KVD, a.v + b * T * KVD, ldv: KVD,
                                 keyMask: mask.map { $0 + b * T }, T, T, past: 0, NH, NKV, HS, window: window)
            }
        }
        linear(a.xn, a.attOut, .wo, l, R, a)  // (R, C)
        residualForward(a.x, a.xn, R * C)

        // MLP
        rmsNormForward(a.xn, nil, a.x, p.pointer(.ffnNorm, layer: l), R, C, eps: c.rmsNormEps)
        linears([(a.gate, .wGate), (a.up, .wUp)], a.xn, l, R, a)  // (R, FF), (R, FF)
        swigluForward(a.gate, a.gate, a.up, R * FF)
        linear(a.xn, a.gate, .wDown, l, R, a)  // (R, C)
        residualForward(a.x, a.xn, R * C)
    }

    /// logits (count, V) = rmsnorm(x[fromRow ..< fromRow+count]) · Wheadᵀ, into `a.logits`.
    func logitsForward(_ a: LlamaActivations, fromRow: Int, count: Int) {
        let c = config
        let x = a.x + fromRow * c.hiddenSize
        let xn = a.xn + fromRow * c.hiddenSize
        rmsNormForward(xn, nil, x, parameters.pointer(.finalNorm), count, c.hiddenSize, eps: c.rmsNormEps)
        if count == 1, let q = quantized?.output {
            quantizedMatvec(a.logits, q, xn)
        } else if let b = bfloat16?.output {
            bf16MatmulForward(a.logits, xn, b, nil, count)
        } else {
            matmulForward(a.logits, xn, parameters.outputWeights, nil, count, c.hiddenSize, c.vocabSize)
        }
    }
}
