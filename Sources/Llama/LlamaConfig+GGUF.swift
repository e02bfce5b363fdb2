// LlamaConfig from GGUF metadata (llama.cpp's key names, prefixed by the
// architecture: `llama.block_count`, `qwen2.embedding_length`, ...).

extension LlamaConfig {
    /// Builds a configuration from GGUF metadata, read through lookups so this
    /// file does not depend on how the GGUF reader stores values.
    ///
    /// - Parameters:
    ///   - architecture: `general.architecture` (llama, mistral or qwen2).
    ///   - integer: an integer-valued key, or nil when absent.
    ///   - real: a floating-point key, or nil when absent.
    ///   - tokenCount: the length of `tokenizer.ggml.tokens`, used when `<arch>.vocab_size` is absent.
    ///   - hasOutput: whether an `output.weight` tensor exists (else the embedding is tied).
    ///   - hasAttentionBias: whether `blk.0.attn_q.bias` exists.
    public init(
        ggufArchitecture architecture: String,
        integer: (String) -> Int?,
        real: (String) -> Double?,
        tokenCount: Int?,
        hasOutput: Bool,
        hasAttentionBias: Bool
    ) throws {
        guard let modelType = LlamaArchitecture(rawValue: architecture) else {
            throw LlamaError.unsupportedArchitecture(architecture)
        }
        let a = architecture
        func required(_ key: String) throws -> Int {
            guard let v = integer("\(a).\(key)") else {
                throw LlamaError.invalidConfig(key: "\(a).\(key)", reason: "missing from the GGUF metadata")
            }
            return v
        }
        // A float from the file must be finite before it is narrowed or used (+inf passes "> 0").
        func finite(_ key: String, default fallback: Double) throws -> Double {
            guard let v = real("\(a).\(key)") else { return fallback }
            guard v.isFinite, v > 0 else {
                throw LlamaError.invalidConfig(
                    key: "\(a).\(key)", reason: "expected a finite positive number, got \(v)")
            }
            return v
        }
        let hidden = try required("embedding_length")
        let heads = try required("attention.head_count")
        guard let vocab = integer("\(a).vocab_size") ?? tokenCount else {
            throw LlamaError.invalidConfig(
                key: "\(a).vocab_size", reason: "missing, and no tokenizer.ggml.tokens to count")
        }
        self.init(
            modelType: modelType,
            vocabSize: vocab,
            hiddenSize: hidden,
            intermediateSize: try required("feed_forward_length"),
            layerCount: try required("block_count"),
            headCount: heads,
            kvHeadCount: integer("\(a).attention.head_count_kv") ?? heads,
            headDim: integer("\(a).attention.key_length") ?? (heads > 0 ? hidden / heads : 0),
            rmsNormEps: Float(try finite("attention.layer_norm_rms_epsilon", default: 1e-5)),
            ropeTheta: try finite("rope.freq_base", default: 10000),
            tieWordEmbeddings: !hasOutput,
            attentionBias: hasAttentionBias,
            maxPositionEmbeddings: integer("\(a).context_length") ?? 2048,
            bosTokenId: integer("tokenizer.ggml.bos_token_id"),
            eosTokenIds: [integer("tokenizer.ggml.eos_token_id"), integer("tokenizer.ggml.eot_token_id")]
                .compactMap { $0 }.reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        )
        try validate()
    }
}
