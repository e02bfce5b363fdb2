// Everything that decides a training run besides the model and the data.

/// Which weights train.
public enum TrainingMethod: String, Codable, Sendable {
    /// LoRA adapters on the target projections; the base is frozen.
    case lora
    /// Every weight of the model.
    case full
}

/// The arithmetic of the frozen base's products.
public enum TrainingPrecision: String, Codable, Sendable {
    /// float32 operands and sums.
    case float32
    /// LoRA only: the base's linear layers and LM head kept in bfloat16, their products with the
    /// activations (rounded to bfloat16) summed in float32, and the MLP's gate and up saved for the
    /// backward in bfloat16; adapters, gradients and optimizer stay float32.
    case bf16
}

/// How training examples become batches.
public enum Batching: String, Codable, Sendable {
    /// Shuffled, one example per row, padded to the longest of the batch.
    case shuffled
    /// Shuffled, then batches of similar lengths, so less of each batch is padding (see `TrainingBatcher`).
    case groupedByLength
    /// Several examples per row of up to `maxLength` tokens, each attending only to itself (see `packExamples`).
    case packed
}

/// The hyper-parameters of a training run (defaults follow PEFT / transformers). Each default is
/// the one the `train` stage documents; keys in errors are the manifest's param names.
public struct TrainingHyperparameters: Codable, Sendable, Equatable {
    public var method: TrainingMethod = .lora
    /// The frozen base's products: float32, or bfloat16 operands with float32 sums (LoRA only).
    public var precision: TrainingPrecision = .float32
    /// LoRA rank, alpha, dropout, rsLoRA scaling alpha/sqrt(r).
    public var rank: Int = 8
    public var alpha: Float = 16
    public var dropout: Float = 0
    public var useRSLoRA: Bool = false
    /// Projections to adapt: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj
    /// (or llama.cpp's attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down).
    public var targets: [String] = ["q_proj", "v_proj"]
    /// Sequences per micro-batch, and micro-batches per optimizer step.
    public var batchSize: Int = 4
    public var gradientAccumulation: Int = 1
    /// Passes over the data, unless `maxSteps` > 0 decides the number of optimizer steps.
    public var epochs: Int = 1
    public var maxSteps: Int = 0
    /// Sequences are cut to this many tokens.
    public var maxLength: Int = 512
    /// How training examples become batches; the held-out set is always one example per row.
    public var batching: Batching = .groupedByLength
    public var learningRate: Float = 2e-4
    public var schedule: LRScheduleKind = .linear
    public var warmupSteps: Int = 0
    public var warmupRatio: Double = 0
    public var weightDecay: Float = 0
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var eps: Float = 1e-8
    /// Global-norm clipping; 0 turns it off.
    public var maxGradNorm: Float = 1
    public var seed: UInt64 = 42
    /// Evaluate on the held-out set every N optimizer steps (0: never, except at the end when there is one).
    public var evalEvery: Int = 0
    /// Write a checkpoint every N optimizer steps (0: never).
    public var checkpointEvery: Int = 20
    /// Recompute each block's activations in the backward (less memory, more time).
    public var gradientCheckpointing: Bool = false
    /// The token id padding uses (its labels are -100 and its mask 0, so its value does not matter).
    public var padToken: Int32 = 0

    public init() {}

    /// The target projections, checked.
    public func targetTensors() throws -> [LlamaTensor] {
        guard !targets.isEmpty else {
            throw LlamaError.invalidConfig(key: "targets", reason: "LoRA needs at least one target projection")
        }
        return try targets.map { name in
            guard let t = LlamaTensor(moduleName: name) else {
                throw LlamaError.invalidConfig(
                    key: "targets",
                    reason: "\"\(name)\" is not one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, "
                        + "down_proj (or attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down)")
            }
            return t
        }
    }

    /// Refuses values no run can use.
    public func validate() throws {
        func positive(_ v: Int, _ key: String) throws {
            if v <= 0 { throw LlamaError.invalidConfig(key: key, reason: "must be positive, got \(v)") }
        }
        try positive(batchSize, "batch_size")
        try positive(gradientAccumulation, "grad_accum")
        try positive(maxLength, "max_length")
        if maxSteps <= 0 { try positive(epochs, "epochs") }
        if method == .full && precision == .bf16 {
            throw LlamaError.invalidConfig(
                key: "precision",
                reason: "bf16 applies to a frozen base (LoRA); full fine-tuning trains every weight in float32")
        }
        if method == .lora {
            try positive(rank, "r")
            _ = try targetTensors()
            if !(0..<1).contains(dropout) {
                throw LlamaError.invalidConfig(key: "dropout", reason: "must be in [0, 1), got \(dropout)")
            }
        }
        if !(learningRate >= 0) || !learningRate.isFinite {
            throw LlamaError.invalidConfig(
                key: "lr", reason: "must be a finite non-negative number, got \(learningRate)")
        }
        if warmupSteps < 0 || !(0...1).contains(warmupRatio) {
            throw LlamaError.invalidConfig(
                key: "warmup_steps", reason: "warmup_steps must be >= 0 and warmup_ratio in [0, 1]")
        }
    }
}
