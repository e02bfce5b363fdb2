// The shape of a Llama-family model (Llama, Mistral, Qwen2), read from a
// Hugging Face `config.json` or from GGUF metadata.

import Foundation

/// Hyper-parameters of a Llama-family decoder. Swift names; `CodingKeys` map
/// them to Hugging Face's `config.json` names.
public struct LlamaConfig: Codable, Sendable, Equatable {
    public var modelType: LlamaArchitecture
    public var vocabSize: Int
    /// Width of the residual stream (C).
    public var hiddenSize: Int
    /// Width of the SwiGLU MLP (FF).
    public var intermediateSize: Int
    /// Number of transformer blocks (L).
    public var layerCount: Int
    /// Query heads (NH).
    public var headCount: Int
    /// Key/value heads (NKV); NH is a multiple of it.
    public var kvHeadCount: Int
    /// Size of one head (HS); Hugging Face's default is hiddenSize / headCount.
    public var headDim: Int
    public var rmsNormEps: Float
    public var ropeTheta: Double
    /// Llama 3.1-style frequency scaling; nil for plain RoPE.
    public var ropeScaling: RopeScaling?
    /// The LM head reuses the token embedding.
    public var tieWordEmbeddings: Bool
    /// q/k/v projections carry biases (Qwen2).
    public var attentionBias: Bool
    public var maxPositionEmbeddings: Int
    /// Mistral's sliding-window attention: a token sees at most this many
    /// latest positions (itself included); nil sees everything.
    public var slidingWindow: Int?
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]

    public init(
        modelType: LlamaArchitecture = .llama, vocabSize: Int, hiddenSize: Int, intermediateSize: Int,
        layerCount: Int, headCount: Int, kvHeadCount: Int? = nil, headDim: Int? = nil,
        rmsNormEps: Float = 1e-5, ropeTheta: Double = 10000, ropeScaling: RopeScaling? = nil,
        tieWordEmbeddings: Bool = false,
        attentionBias: Bool = false, maxPositionEmbeddings: Int = 2048, slidingWindow: Int? = nil,
        bosTokenId: Int? = nil, eosTokenIds: [Int] = []
    ) {
        self.modelType = modelType
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount ?? headCount
        self.headDim = headDim ?? (headCount > 0 ? hiddenSize / headCount : 0)
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.tieWordEmbeddings = tieWordEmbeddings
        self.attentionBias = attentionBias
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.slidingWindow = slidingWindow
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
    }

    // Derived sizes.
    /// NH · HS: width of the query projection and of the attention output.
    public var qDim: Int { headCount * headDim }
    /// NKV · HS: width of the key and value projections.
    public var kvDim: Int { kvHeadCount * headDim }

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case architectures
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads"
        case kvHeadCount = "num_key_value_heads"
        case headDim = "head_dim"
        case rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta"
        case ropeParameters = "rope_parameters"
        case ropeScaling = "rope_scaling"
        case tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias"
        case maxPositionEmbeddings = "max_position_embeddings"
        case slidingWindow = "sliding_window"
        case useSlidingWindow = "use_sliding_window"
        case bosTokenId = "bos_token_id"
        case eosTokenId = "eos_token_id"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let type = try c.decodeIfPresent(String.self, forKey: .modelType) {
            guard let architecture = LlamaArchitecture(rawValue: type) else {
                throw LlamaError.unsupportedArchitecture(type)
            }
            modelType = architecture
        } else if let name = try c.decodeIfPresent([String].self, forKey: .architectures)?.first {
            modelType = LlamaArchitecture(huggingFaceClass: name) ?? .llama
        } else {
            modelType = .llama
        }
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        layerCount = try c.decode(Int.self, forKey: .layerCount)
        headCount = try c.decode(Int.self, forKey: .headCount)
        kvHeadCount = try c.decodeIfPresent(Int.self, forKey: .kvHeadCount) ?? headCount
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim) ?? (headCount > 0 ? hiddenSize / headCount : 0)
        rmsNormEps = try c.decodeIfPresent(Float.self, forKey: .rmsNormEps) ?? 1e-6
        let ropeParameters = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
        let ropeScalingEntry = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? ropeParameters?.ropeTheta ?? 10000
        ropeScaling =
            try ropeParameters?.scaling(key: "rope_parameters") ?? ropeScalingEntry?.scaling(key: "rope_scaling")
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? (modelType == .qwen2)
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 2048
        let window = try c.decodeIfPresent(Int.self, forKey: .slidingWindow)
        switch modelType {
        case .mistral:
            slidingWindow = window
        case .qwen2 where try c.decodeIfPresent(Bool.self, forKey: .useSlidingWindow) == true:
            throw LlamaError.invalidConfig(
                key: "use_sliding_window", reason: "Qwen2's per-layer sliding window is not supported")
        default:
            slidingWindow = nil
        }
        bosTokenId = try c.decodeIfPresent(Int.self, forKey: .bosTokenId)
        if let ids = try? c.decodeIfPresent([Int].self, forKey: .eosTokenId) {
            eosTokenIds = ids
        } else if let id = try? c.decodeIfPresent(Int.self, forKey: .eosTokenId) {
            eosTokenIds = [id]
        } else {
            eosTokenIds = []
        }
        try validate()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        try c.encode([modelType.huggingFaceClass], forKey: .architectures)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(layerCount, forKey: .layerCount)
        try c.encode(headCount, forKey: .headCount)
        try c.encode(kvHeadCount, forKey: .kvHeadCount)
        try c.encode(headDim, forKey: .headDim)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encodeIfPresent(ropeScaling.map(RopeParameters.init(scaling:)), forKey: .ropeScaling)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encodeIfPresent(slidingWindow, forKey: .slidingWindow)
        try c.encodeIfPresent(bosTokenId, forKey: .bosTokenId)
        if eosTokenIds.count == 1 {
            try c.encode(eosTokenIds[0], forKey: .eosTokenId)
        } else if !eosTokenIds.isEmpty {
            try c.encode(eosTokenIds, forKey: .eosTokenId)
        }
    }

    /// Reads a Hugging Face `config.json`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw LlamaError.unreadableFile(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        do {
            self = try JSONDecoder().decode(LlamaConfig.self, from: data)
        } catch let error as LlamaError {
            throw error
        } catch {
            throw LlamaError.unreadableFile(path: url.path, reason: "not a Llama config.json: \(error)")
        }
    }

    /// Checks that the sizes are positive and consistent.
    public func validate() throws {
        let positives: [(String, Int)] = [
            ("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
            ("num_hidden_layers", layerCount), ("num_attention_heads", headCount),
            ("num_key_value_heads", kvHeadCount), ("head_dim", headDim),
            ("max_position_embeddings", maxPositionEmbeddings),
        ]
        for (key, value) in positives where value <= 0 || value > 1 << 24 {
            throw LlamaError.invalidConfig(key: key, reason: "expected a positive size, got \(value)")
        }
        if let w = slidingWindow, w <= 0 {
            throw LlamaError.invalidConfig(key: "sliding_window", reason: "expected a positive size, got \(w)")
        }
        if headCount % kvHeadCount != 0 {
            throw LlamaError.invalidConfig(key: "num_key_value_heads",
                reason: "\(kvHeadCount) does not divide num_attention_heads \(headCount)")
        }
        if headDim % 2 != 0 {
            throw LlamaError.invalidConfig(
                key: "head_dim", reason: "rotary embeddings need an even head size, got \(headDim)")
        }
        // Float hyper-parameters: finite and in range (NaN fails every comparison).
        if !(rmsNormEps > 0 && rmsNormEps < 1) {
            throw LlamaError.invalidConfig(
                key: "rms_norm_eps", reason: "expected a finite number between 0 and 1, got \(rmsNormEps)")
        }
        if !(ropeTheta >= 1 && ropeTheta <= LlamaConfig.maxRopeTheta) {
            throw LlamaError.invalidConfig(
                key: "rope_theta",
                reason: "expected a finite number from 1 to \(LlamaConfig.maxRopeTheta), got \(ropeTheta)")
        }
        if let scaling = ropeScaling { try scaling.validate(key: "rope_scaling") }
        let total = parameterSizes(self).reduce(0, +)
        if total > LlamaConfig.maxParameterCount {
            throw LlamaError.invalidConfig(
                key: "hidden_size",
                reason: "the model would have \(total) parameters, "
                    + "more than the \(LlamaConfig.maxParameterCount) this loader accepts")
        }
    }

    /// The largest RoPE base accepted (real models use 1e4 to 1e7).
    public static let maxRopeTheta: Double = 1e12

    /// The largest model accepted (float32 weights of 32 GB); guards against absurd files.
    public static let maxParameterCount = 1 << 33
}
