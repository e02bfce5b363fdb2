import JSON
import PipeCore

extension TrainStage {
    static let projections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
                              "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]

    public static let parameters: [ParameterSpec] = [
        ParameterSpec("method", .string(choices: ["lora", "qlora", "full"]), default: "lora",
                      doc: "lora: low-rank adapters on the target projections, base frozen; qlora: the same with the base kept in its quantized GGUF blocks (dequantized on the fly, far less memory); full: every weight."),
        ParameterSpec("r", .integer(min: 1, max: 1024), default: 8, doc: "LoRA rank."),
        ParameterSpec("alpha", .number(min: 0, exclusiveMin: true), default: 16, doc: "LoRA alpha: the update is scaled by alpha/r (alpha/sqrt(r) with use_rslora)."),
        ParameterSpec("dropout", .number(min: 0, max: 0.99), default: 0, doc: "LoRA dropout on the adapter's input."),
        ParameterSpec("use_rslora", .boolean, default: false, doc: "rsLoRA scaling alpha/sqrt(r)."),
        ParameterSpec("targets", .array(of: .string(choices: projections), minCount: 1), default: ["q_proj", "v_proj"],
                      doc: "Projections to adapt (Hugging Face or llama.cpp names)."),
        ParameterSpec("batch_size", .integer(min: 1, max: 1024), default: 4, doc: "Sequences per micro-batch."),
        ParameterSpec("grad_accum", .integer(min: 1, max: 1024), default: 1, doc: "Micro-batches per optimizer step."),
        ParameterSpec("epochs", .integer(min: 1, max: 10_000), default: 1, doc: "Passes over the training split (unless max_steps is set)."),
        ParameterSpec("max_steps", .integer(min: 0), default: 0, doc: "Optimizer steps; 0: as many as the epochs take."),
        ParameterSpec("lr", .number(min: 0, exclusiveMin: true), default: 2e-4, doc: "Peak learning rate."),
        ParameterSpec("schedule", .string(choices: ["constant", "linear", "cosine"]), default: "linear", doc: "Learning-rate decay after warmup."),
        ParameterSpec("warmup_steps", .integer(min: 0), default: 0, doc: "Linear warmup steps."),
        ParameterSpec("warmup_ratio", .number(min: 0, max: 1), default: 0, doc: "Warmup as a fraction of all steps (when warmup_steps is 0)."),
        ParameterSpec("weight_decay", .number(min: 0), default: 0, doc: "Decoupled weight decay (AdamW)."),
        ParameterSpec("max_grad_norm", .number(min: 0), default: 1, doc: "Global gradient-norm clipping; 0 turns it off."),
        ParameterSpec("seed", .integer(min: 0), default: 42, doc: "Seed of the adapter init, data order and dropout."),
        ParameterSpec("checkpoint_every", .integer(min: 0), default: 20, doc: "Checkpoint every N steps (0: never); an interrupted run resumes from the last one."),
        ParameterSpec("eval_every", .integer(min: 0), default: 0, doc: "Eval loss on the eval split every N steps (0: only at the end)."),
        ParameterSpec("gradient_checkpointing", .boolean, default: false, doc: "Recompute activations in the backward: less memory, more time."),
        ParameterSpec("group_by_length", .boolean, default: true, doc: "Batch examples of similar length together (less padding, faster); false: plain shuffled batches."),
        ParameterSpec("init_adapter", .path, doc: "Start LoRA from this PEFT adapter folder (not a resume: a new run from its weights)."),
    ]

    public struct Params: Decodable, Sendable {
        public var method: String
        public var r: Int
        public var alpha: Double
        public var dropout: Double
        public var useRSLoRA: Bool
        public var targets: [String]
        public var batchSize: Int
        public var gradAccum: Int
        public var epochs: Int
        public var maxSteps: Int
        public var lr: Double
        public var schedule: String
        public var warmupSteps: Int
        public var warmupRatio: Double
        public var weightDecay: Double
        public var maxGradNorm: Double
        public var seed: UInt64
        public var checkpointEvery: Int
        public var evalEvery: Int
        public var gradientCheckpointing: Bool
        public var groupByLength: Bool
        public var initAdapter: String?

        enum CodingKeys: String, CodingKey {
            case method, r, alpha, dropout, targets, epochs, lr, schedule, seed
            case useRSLoRA = "use_rslora"
            case batchSize = "batch_size"
            case gradAccum = "grad_accum"
            case maxSteps = "max_steps"
            case warmupSteps = "warmup_steps"
            case warmupRatio = "warmup_ratio"
            case weightDecay = "weight_decay"
            case maxGradNorm = "max_grad_norm"
            case checkpointEvery = "checkpoint_every"
            case evalEvery = "eval_every"
            case gradientCheckpointing = "gradient_checkpointing"
            case groupByLength = "group_by_length"
            case initAdapter = "init_adapter"
        }
    }

    public static func check(_ params: Params) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        if params.method == "full" && params.initAdapter != nil {
            issues.append(ManifestIssue(.root.key("init_adapter"), "init_adapter starts a LoRA run; it does not apply to method \"full\""))
        }
        if Set(params.targets).count != params.targets.count {
            issues.append(ManifestIssue(.root.key("targets"), "a projection is listed twice"))
        }
        return issues
    }
}
