// All weights of a Llama model in one float32 allocation, with named views.
//
// Legend: V vocabulary, C hidden size, L layers, NH query heads, NKV kv heads,
// HS head size, QD = NH*HS, KVD = NKV*HS, FF intermediate size.
//
// Layout, in this order (llm.c style: each per-layer tensor is stored for all
// layers back to back, and a layer's view is an offset into it):
//
//     embed     (V, C)
//     attnNorm  (L, C)
//     wq (L, QD, C)   bq (L, QD)    [bq/bk/bv empty unless attentionBias]
//     wk (L, KVD, C)  bk (L, KVD)
//     wv (L, KVD, C)  bv (L, KVD)
//     wo (L, C, QD)
//     ffnNorm   (L, C)
//     wGate (L, FF, C)   wUp (L, FF, C)   wDown (L, C, FF)
//     finalNorm (C)
//     lmHead    (V, C)               [empty when the embedding is tied]
//
// The same layout serves gradients and optimizer moments.

import Tensor

/// One named tensor of the layout. Checkpoint names are declared here, beside
/// the view they fill.
public enum LlamaTensor: Int, CaseIterable, Sendable {
    case embed, attnNorm, wq, bq, wk, bk, wv, bv, wo, ffnNorm, wGate, wUp, wDown, finalNorm, lmHead

    /// Whether the tensor exists once per layer.
    public var isPerLayer: Bool {
        switch self {
        case .embed, .finalNorm, .lmHead: return false
        default: return true
        }
    }

    /// Shape of one instance (one layer's) as (rows, columns); vectors have one row.
    public func shape(_ c: LlamaConfig) -> [Int] {
        switch self {
        case .embed, .lmHead: return [c.vocabSize, c.hiddenSize]
        case .attnNorm, .ffnNorm, .finalNorm: return [c.hiddenSize]
        case .wq: return [c.qDim, c.hiddenSize]
        case .wk, .wv: return [c.kvDim, c.hiddenSize]
        case .bq: return [c.qDim]
        case .bk, .bv: return [c.kvDim]
        case .wo: return [c.hiddenSize, c.qDim]
        case .wGate, .wUp: return [c.intermediateSize, c.hiddenSize]
        case .wDown: return [c.hiddenSize, c.intermediateSize]
        }
    }

    /// Whether the configuration has this tensor at all.
    public func exists(in c: LlamaConfig) -> Bool {
        switch self {
        case .bq, .bk, .bv: return c.attentionBias
        case .lmHead: return !c.tieWordEmbeddings
        default: return true
        }
    }

    /// Elements of one instance (0 when the configuration lacks it).
    public func instanceSize(_ c: LlamaConfig) -> Int {
        exists(in: c) ? shape(c).reduce(1, *) : 0
    }

    /// Hugging Face checkpoint name.
    public func huggingFaceName(layer: Int) -> String {
        let p = "model.layers.\(layer)."
        switch self {
        case .embed: return "model.embed_tokens.weight"
        case .attnNorm: return p + "input_layernorm.weight"
        case .wq: return p + "self_attn.q_proj.weight"
        case .bq: return p + "self_attn.q_proj.bias"
        case .wk: return p + "self_attn.k_proj.weight"
        case .bk: return p + "self_attn.k_proj.bias"
        case .wv: return p + "self_attn.v_proj.weight"
        case .bv: return p + "self_attn.v_proj.bias"
        case .wo: return p + "self_attn.o_proj.weight"
        case .ffnNorm: return p + "post_attention_layernorm.weight"
        case .wGate: return p + "mlp.gate_proj.weight"
        case .wUp: return p + "mlp.up_proj.weight"
        case .wDown: return p + "mlp.down_proj.weight"
        case .finalNorm: return "model.norm.weight"
        case .lmHead: return "lm_head.weight"
        }
    }

    /// GGUF (llama.cpp) tensor name.
    public func ggufName(layer: Int) -> String {
        let p = "blk.\(layer)."
        switch self {
        case .embed: return "token_embd.weight"
        case .attnNorm: return p + "attn_norm.weight"
        case .wq: return p + "attn_q.weight"
        case .bq: return p + "attn_q.bias"
        case .wk: return p + "attn_k.weight"
        case .bk: return p + "attn_k.bias"
        case .wv: return p + "attn_v.weight"
        case .bv: return p + "attn_v.bias"
        case .wo: return p + "attn_output.weight"
        case .ffnNorm: return p + "ffn_norm.weight"
        case .wGate: return p + "ffn_gate.weight"
        case .wUp: return p + "ffn_up.weight"
        case .wDown: return p + "ffn_down.weight"
        case .finalNorm: return "output_norm.weight"
        case .lmHead: return "output.weight"
        }
    }

    /// The PEFT / Hugging Face module name of a linear layer (`q_proj`, ...), nil for others.
    public var moduleName: String? {
        switch self {
        case .wq: return "q_proj"
        case .wk: return "k_proj"
        case .wv: return "v_proj"
        case .wo: return "o_proj"
        case .wGate: return "gate_proj"
        case .wUp: return "up_proj"
        case .wDown: return "down_proj"
        default: return nil
        }
    }

    /// The linear layer for a PEFT or llama.cpp module name (`q_proj` or `attn_q`, ...).
    public init?(moduleName: String) {
        switch moduleName {
        case "q_proj", "attn_q": self = .wq
        case "k_proj", "attn_k": self = .wk
        case "v_proj", "attn_v": self = .wv
        case "o_proj", "attn_output": self = .wo
        case "gate_proj", "ffn_gate": self = .wGate
        case "up_proj", "ffn_up": self = .wUp
        case "down_proj", "ffn_down": self = .wDown
        default: return nil
        }
    }
}

/// Element count of each tensor of the layout (all layers), in `LlamaTensor` order;
/// `omitting` kinds count zero.
public func parameterSizes(_ config: LlamaConfig, omitting: Set<LlamaTensor> = []) -> [Int] {
    LlamaTensor.allCases.map { t in
        omitting.contains(t) ? 0 : t.instanceSize(config) * (t.isPerLayer ? config.layerCount : 1)
    }
}

/// How many (tensor, layer) instances a configuration has, without listing them.
public func tensorInstanceCount(_ config: LlamaConfig) -> Int {
    LlamaTensor.allCases.filter { $0.exists(in: config) }.reduce(0) { $0 + ($1.isPerLayer ? config.layerCount : 1) }
}

/// Every (tensor, layer) instance a configuration has, in layout order.
public func tensorInstances(_ config: LlamaConfig) -> [(tensor: LlamaTensor, layer: Int)] {
    var out: [(LlamaTensor, Int)] = []
    for t in LlamaTensor.allCases where t.exists(in: config) {
        for l in 0..<(t.isPerLayer ? config.layerCount : 1) { out.append((t, l)) }
    }
    return out
}

/// The weights (or gradients, or optimizer moments) of a Llama model: one
/// float32 allocation, zero-filled on creation, with views per tensor and layer.
public final class LlamaParameters: @unchecked Sendable {
    public let config: LlamaConfig
    /// Element count of each tensor (all layers), in `LlamaTensor` order.
    public let sizes: [Int]
    /// Offset of each tensor in `memory`.
    public let offsets: [Int]
    /// Total element count.
    public let count: Int
    /// The single allocation.
    public let memory: UnsafeMutablePointer<Float>

    /// Kinds left out of this allocation (kept elsewhere, e.g. quantized).
    public let omitted: Set<LlamaTensor>

    /// Zero-filled parameters for `config` (the shape of gradients, moments),
    /// without the `omitting` kinds (their views must not be used).
    public convenience init(config: LlamaConfig, omitting: Set<LlamaTensor> = []) {
        self.init(config: config, omitting: omitting, zeroed: true)
    }

    /// Parameters whose memory is zero-filled, or with `zeroed: false` left as allocated (for a
    /// loader that writes every value).
    init(config: LlamaConfig, omitting: Set<LlamaTensor>, zeroed: Bool) {
        self.config = config
        omitted = omitting
        sizes = parameterSizes(config, omitting: omitting)
        var offsets: [Int] = []
        var total = 0
        for s in sizes {
            offsets.append(total)
            total += s
        }
        self.offsets = offsets
        count = total
        memory = .allocate(capacity: max(total, 1))
        if zeroed { memory.initialize(repeating: 0, count: max(total, 1)) }
    }

    /// Randomly initialized weights as transformers initializes a fresh model:
    /// every matrix normal(0, std), norms one, biases zero.
    public convenience init(config: LlamaConfig, seed: UInt64, std: Float = 0.02) {
        self.init(config: config)
        var rng = Xoshiro256(seed: seed)
        for t in LlamaTensor.allCases where sizes[t.rawValue] > 0 {
            let p = memory + offsets[t.rawValue]
            let n = sizes[t.rawValue]
            switch t {
            case .attnNorm, .ffnNorm, .finalNorm: p.update(repeating: 1, count: n)
            case .bq, .bk, .bv: break
            default: rng.fillNormal(p, n, std: std)
            }
        }
    }

    deinit { memory.deallocate() }

    /// All values, as one buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: memory, count: count) }

    /// The view of `tensor` for `layer` (layer is ignored for global tensors).
    @inline(__always)
    public func pointer(_ tensor: LlamaTensor, layer: Int = 0) -> UnsafeMutablePointer<Float> {
        let size = tensor.isPerLayer ? sizes[tensor.rawValue] / config.layerCount : 0
        return memory + offsets[tensor.rawValue] + layer * size
    }

    /// Element count of one instance of `tensor`.
    public func instanceSize(_ tensor: LlamaTensor) -> Int { tensor.instanceSize(config) }

    /// The LM head: `lmHead`, or the embedding when tied.
    public var outputWeights: UnsafeMutablePointer<Float> {
        config.tieWordEmbeddings ? pointer(.embed) : pointer(.lmHead)
    }

    /// Sets every value to zero (e.g. to reuse as a gradient).
    public func zero() { memory.update(repeating: 0, count: count) }

    /// Copies values of one instance from an array, checking its size.
    public func set(_ tensor: LlamaTensor, layer: Int = 0, from values: [Float], name: String) throws {
        let n = instanceSize(tensor)
        guard values.count == n else {
            throw LlamaError.shapeMismatch(name: name, expected: tensor.shape(config), elementCount: values.count)
        }
        if n == 0 { return }
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer(tensor, layer: layer).update(from: base, count: n) }
        }
    }

    /// Every (tensor, layer) instance the configuration has and this allocation holds.
    public var instances: [(tensor: LlamaTensor, layer: Int)] {
        tensorInstances(config).filter { !omitted.contains($0.tensor) }
    }
}
