import Foundation
import JSON
import Llama
import PipeCore

extension TrainStage {
    static let projections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
                              "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]

    /// Which weights train, and how the base is kept.
    public enum Method: String, ParamChoice {
        /// Low-rank adapters on the target projections; the base frozen in float32.
        case lora
        /// The same with the base kept in its quantized GGUF blocks.
        case qlora
        /// Every weight.
        case full
    }

    /// The arithmetic of the frozen base's products.
    public enum Precision: String, ParamChoice {
        /// float32 operands and sums.
        case float32
        /// bfloat16 base weights and activations, float32 sums (LoRA and QLoRA).
        case bf16
    }

    /// `train`'s params. Each default is `TrainingHyperparameters()`'s (a test checks it).
    public struct Params: StageParams {
        @Param(
            doc: "lora: low-rank adapters on the target projections, base frozen; qlora: the same with the base "
                + "kept in its quantized GGUF blocks (dequantized on the fly, far less memory); full: every weight.")
        public var method: Method = .lora
        @Param(doc: """
            float32; or bf16: the frozen base's linear layers and LM head kept in bfloat16 and multiplied with \
            the activations rounded to bfloat16, sums in float32, the MLP's activations saved for the backward in \
            bfloat16 (adapters, gradients, optimizer stay float32): half the base's memory and a third less for \
            activations, and on CPUs with AVX512_BF16 products at several times float32's rate. LoRA and QLoRA only.
            """)
        public var precision: Precision = .float32
        @Param(doc: "LoRA rank.", range: 1...1024)
        public var r = 8
        @Param(
            doc: "LoRA alpha: the update is scaled by alpha/r (alpha/sqrt(r) with use_rslora).", min: 0, max: 1e6,
            exclusiveMin: true)
        public var alpha = 16.0
        @Param(doc: "LoRA dropout on the adapter's input.", min: 0, max: 0.99)
        public var dropout = 0.0
        @Param("use_rslora", doc: "rsLoRA scaling alpha/sqrt(r).")
        public var useRSLoRA = false
        @Param(
            type: .array(of: .string(choices: projections), minCount: 1),
            doc: "Projections to adapt (Hugging Face or llama.cpp names).")
        public var targets = ["q_proj", "v_proj"]
        @Param(doc: "Sequences per micro-batch.", range: 1...1024)
        public var batchSize = 4
        @Param(doc: "Micro-batches per optimizer step.", range: 1...1024)
        public var gradAccum = 1
        @Param(doc: "Passes over the training split (unless max_steps is set).", range: 1...10_000)
        public var epochs = 1
        @Param(doc: "Optimizer steps; 0: as many as the epochs take.", range: 0...100_000_000)
        public var maxSteps = 0
        @Param(doc: "Peak learning rate.", min: 0, max: 10, exclusiveMin: true)
        public var lr = 2e-4
        @Param(doc: "Learning-rate decay after warmup.")
        public var schedule: LRScheduleKind = .linear
        @Param(doc: "Linear warmup steps.", range: 0...100_000_000)
        public var warmupSteps = 0
        @Param(doc: "Warmup as a fraction of all steps (when warmup_steps is 0).", min: 0, max: 1)
        public var warmupRatio = 0.0
        @Param(doc: "Decoupled weight decay (AdamW).", min: 0, max: 10)
        public var weightDecay = 0.0
        @Param(doc: "Global gradient-norm clipping; 0 turns it off.", min: 0, max: 1e6)
        public var maxGradNorm = 1.0
        @Param(doc: "Seed of the adapter init, data order and dropout.")
        public var seed: UInt64 = 42
        @Param(
            doc: "Checkpoint every N steps (0: never); an interrupted run resumes from the last one.",
            range: 0...100_000_000)
        public var checkpointEvery = 20
        @Param(doc: "Eval loss on the eval split every N steps (0: only at the end).", range: 0...100_000_000)
        public var evalEvery = 0
        @Param(doc: "Recompute activations in the backward: less memory, more time.")
        public var gradientCheckpointing = false
        @Param(doc: "Batch examples of similar length together (less padding, faster); false: plain shuffled batches.")
        public var groupByLength = true
        @Param(type: .path, doc: "Start LoRA from this PEFT adapter folder (not a resume: a new run from its weights).")
        public var initAdapter: String? = nil
        @Param(doc: """
            Memory the run may use, e.g. "8G", "512M", "1.5GB" (decimal units; KiB, MiB, GiB binary): a run \
            estimated to need more is refused before it starts. Default: what the machine has available.
            """)
        public var maxMemory: String? = nil
        @Param(doc: """
            Data-parallel processes (MPI ranks, started with mpirun, or srun inside a Slurm job): each trains a \
            share of every batch's sequences and the gradients are summed, so the batch, and the result up to \
            float rounding, stay those of one process. At most batch_size.
            """, range: 1...1024)
        public var processes = 1

        public init() {}
    }

    public static func check(_ params: Params) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        if params.method == .full && params.initAdapter != nil {
            issues.append(
                ManifestIssue(
                    .root.key("init_adapter"), "init_adapter starts a LoRA run; it does not apply to method \"full\""))
        }
        if params.method == .full && params.precision == .bf16 {
            issues.append(
                ManifestIssue(
                    .root.key("precision"),
                    "bf16 applies to a frozen base (lora, qlora); full fine-tuning trains every weight in float32"))
        }
        if Set(params.targets).count != params.targets.count {
            issues.append(ManifestIssue(.root.key("targets"), "a projection is listed twice"))
        }
        if params.processes > params.batchSize {
            issues.append(
                ManifestIssue(
                    .root.key("processes"),
                    "\(params.processes) processes for batch_size \(params.batchSize): each process trains a share of "
                        + "every batch's sequences, so at most batch_size (\(params.batchSize)) have work; "
                        + "lower processes or raise batch_size"))
        }
        if let text = params.maxMemory, bytes(text) == nil {
            issues.append(
                ManifestIssue(
                    .root.key("max_memory"),
                    "\"\(text)\" is not a size; write a number and a unit, like \"8G\" or \"512M\""))
        }
        return issues
    }

    /// "8G", "512 MB", "1.5GiB", "1000000" (bytes) in bytes; nil when not a positive size.
    static func bytes(_ text: String) -> Int? {
        let units: [String: Double] = [
            "": 1, "B": 1, "K": 1e3, "KB": 1e3, "M": 1e6, "MB": 1e6, "G": 1e9, "GB": 1e9, "T": 1e12, "TB": 1e12,
            "KIB": 0x1p10, "MIB": 0x1p20, "GIB": 0x1p30, "TIB": 0x1p40,
        ]
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let number = trimmed.prefix { $0.isNumber || $0 == "." }
        let unit = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces)
        guard let value = Double(number), let scale = units[unit], value > 0, value * scale < 1e18 else { return nil }
        return Int(value * scale)
    }
}

extension LRScheduleKind: ParamChoice {}
