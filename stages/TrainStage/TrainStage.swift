import Datasets
import Foundation
import Llama
import ModelArtifacts
import JSON
import PipeCore
import Tensor

/// `train`: LoRA or full fine-tuning of the base model on a tokenized dataset.
///
/// Checkpoints (trainable weights, optimizer moments, step, data position, RNG state, and the log
/// so far) go to the stage's checkpoint folder every `checkpoint_every` steps; a rerun after an
/// interruption continues from the last one, and the trained weights come out bit-identical to an
/// uninterrupted run's. The output is an `adapter` (LoRA, as a PEFT folder) or a `model` (full,
/// weights inside the artifact), each with the training log.
///
/// With `processes` > 1 the stage starts that many rank processes (`mpirun`, or `srun` inside a
/// Slurm job), each `pipe train-rank` on a request file; they train data-parallel and rank 0
/// writes the checkpoints and the output, and reports progress through the launcher's output.
public struct TrainStage: Stage {
    public static let kind = "train"
    public static let version = 3
    public static let summary =
        "LoRA or full fine-tuning with AdamW, warmup and decay, accumulation, clipping, resumable checkpoints."
    public static let inputs: [InputPort] = [
        InputPort("model", accepts: ["model"], doc: "The base model."),
        InputPort(
            "dataset", accepts: ["tokens"],
            doc: "Tokenized examples: the train split trains, the eval split (if any) gives the eval loss."),
    ]

    public init() {}

    /// In the checkpoint folder beside `log.json` (the steps so far): `{"total_steps": N}`.
    public static let progressFile = "progress.json"

    public static func outputType(for params: Params) -> ArtifactType { params.method == .full ? "model" : "adapter" }

    public static func externalFiles(for params: Params, in folder: URL) -> [ExternalFile] {
        guard let path = params.initAdapter else { return [] }
        let root = resolvePath(path, in: folder)
        return ["adapter_config.json", "adapter_model.safetensors"].map {
            ExternalFile(name: "\(path)/\($0)", url: root.appendingPathComponent($0), param: .root.key("init_adapter"))
        }
    }

    public func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let modelInput = try inputs.require("model")
        let model = TrainingInput(folder: modelInput.folder, key: modelInput.key)
        let dataset = try inputs.require("dataset").folder
        if params.processes > 1 {
            try await Self.launchRanks(params, model: model, dataset: dataset, context: context)
        } else {
            try Self.train(params, model: model, dataset: dataset, context: context, reducer: SingleProcess())
        }
    }

    /// Trains in this process, one rank of `reducer`'s world; rank 0 writes the output artifact.
    static func train(
        _ params: Params, model modelInput: TrainingInput, dataset: URL, context: StageContext,
        reducer: GradientReducer, shouldStop: () -> Bool = { false }
    ) throws {
        let base = try ModelArtifact.read(from: modelInput.folder)
        // With bf16, only the bfloat16 copy of the linear layers outlives this (the float32 ones are freed).
        let model = try { () throws -> LlamaModel in
            let loaded = try base.open(in: modelInput.folder, manifestFolder: context.manifestFolder,
                                       quantizedOnly: params.method == .qlora)
            return params.precision == .bf16 ? loaded.model.withLinearWeightsInBFloat16() : loaded.model
        }()
        let tokens = try TokenizedDataset.read(from: dataset)
        let train = (tokens.splits["train"] ?? []).map { Llama.TrainingExample(tokens: $0.tokens, labels: $0.labels) }
        let eval = (tokens.splits["eval"] ?? []).map { Llama.TrainingExample(tokens: $0.tokens, labels: $0.labels) }
        guard !train.isEmpty else { throw StageError.failed("the tokenized dataset has no train split examples") }

        let hyperparameters = Self.hyperparameters(
            params, maxLength: tokens.info.maxLength, padToken: tokens.info.padID,
            packing: tokens.info.packing ?? false)
        let initial = try params.initAdapter.map {
            try LoRAAdapter(peftFolder: context.resolve($0), config: model.config)
        }
        SystemMemory.resetPeakResident()  // the peak the metrics report is the training's
        let residentBefore = SystemMemory.resident()
        let trainer = try Trainer(
            model: model, hyperparameters: hyperparameters, trainingSet: train, evaluationSet: eval,
            checkpointFolder: context.checkpointFolder, initialAdapter: initial,
            memoryLimit: params.maxMemory.flatMap(Self.bytes), reducer: reducer)
        context.say("memory: \(trainer.memoryEstimate.description)")
        if params.precision == .bf16 && !KernelSet.best.hasBFloat16Products {
            context.say(
                "precision bf16: this CPU has no AVX512_BF16 (or PIPE_KERNELS chose avx2), so the bfloat16 products "
                    + "run through float32 sgemm: the same values and memory, but slower than precision float32")
        }
        // How far the run has to go, for `pipe report` to draw an unfinished run against.
        try? context.writeCheckpointFile(
            Data(#"{"total_steps": \#(trainer.totalSteps)}"#.utf8), named: Self.progressFile)
        // The log so far survives in the checkpoint folder, so a resumed run reports every step.
        var log =
            context.checkpointFile(named: "log.json").flatMap {
                try? JSONDecoder().decode([TrainingLog.Step].self, from: $0)
            } ?? []
        let started = Date()
        var rates: [(step: Int, tokensPerSecond: Double)] = []
        let summary: TrainingSummary
        do {
            summary = try trainer.train(progress: { event in
                switch event {
                case let .step(step, total, loss, lr, norm, rate):
                    log.removeAll { $0.step >= step }
                    log.append(TrainingLog.Step(step: step, loss: Double(loss), lr: Double(lr), gradNorm: Double(norm)))
                    rates.append((step, rate))
                    context.progress(
                        step, of: total, unit: "steps",
                        note: String(format: "loss %.4f lr %.2e %.0f tok/s", loss, lr, rate))
                case let .evaluation(step, loss):
                    if let index = log.lastIndex(where: { $0.step == step }) { log[index].evalLoss = Double(loss) }
                    context.say(String(format: "step %d eval loss %.4f", step, loss))
                case .checkpoint:
                    if let data = try? JSONEncoder().encode(log) {
                        try? context.writeCheckpointFile(data, named: "log.json")
                    }
                case let .resumed(step):
                    log.removeAll { $0.step > step }
                    context.say("resumed from the checkpoint at step \(step)")
                }
            }, shouldStop: shouldStop)
        } catch TrainingError.cancelled {
            throw CancellationError()
        }
        guard reducer.rank == 0 else { return }

        let out = context.outputFolder
        // The trained weights expect prompts rendered as in training.
        let chat = tokens.info.systemPrompt.map { TrainedChat(template: tokens.info.template, systemPrompt: $0) }
        let weightsFile: String
        if let adapter = trainer.adapter {
            weightsFile = "\(AdapterArtifact.peftFolder)/adapter_model.safetensors"
            // PEFT's base_model_name_or_path: the base's file or folder name, never this machine's path.
            try adapter.savePEFT(
                to: out.appendingPathComponent(AdapterArtifact.peftFolder), dropout: Float(params.dropout),
                baseModel: URL(fileURLWithPath: base.path).lastPathComponent)
            try AdapterArtifact(
                base: base, baseKey: modelInput.key, method: params.method.rawValue, rank: adapter.rank,
                alpha: Double(adapter.alpha),
                targets: params.targets, chat: chat
            ).write(to: out)
        } else {
            weightsFile = "\(ModelArtifact.weightsFolder)/model.safetensors"
            try model.saveHuggingFace(to: out.appendingPathComponent(ModelArtifact.weightsFolder))
            var trained = base
            trained.format = .embedded
            trained.seed = nil
            trained.chat = chat
            try trained.write(to: out)
        }
        let record = TrainingLog(log: log, totalSteps: trainer.totalSteps)
        try record.write(to: out)
        let weightsDigest = try context.sha256(ofFile: out.appendingPathComponent(weightsFile))
        let show: JSONValue = [
            "log": try JSONValue.encode(record.log), "total_steps": .number(Double(record.totalSteps)),
            "weights": ["file": .string(weightsFile), "sha256": .string(weightsDigest)],
        ]
        // Timings go to the run record, not the artifact: the same manifest must give the same bytes.
        var metrics: [(key: String, value: JSONValue)] = [
            ("seconds", .number(Date().timeIntervalSince(started))),
            ("tokens_per_second", .number(summary.tokensPerSecond)),
            ("steps", .array(rates.map { .array([.number(Double($0.step)), .number($0.tokensPerSecond)]) })),
            ("memory", Self.memoryMetrics(trainer.memoryEstimate, residentBefore: residentBefore)),
        ]
        if reducer.size > 1 {
            metrics.append(("processes", .number(Double(reducer.size))))
            // what each rank adds into the sums of one step (gradients and loss)
            metrics.append(("reduced_bytes_per_step", .number(Double(trainer.reducedBytesPerStep))))
        }
        context.recordMetrics(.object(metrics))
        try context.writeSummary(markdown: Self.describe(record, summary: summary, params: params), json: show)
        context.say(
            String(
                format: "%d steps, last loss %.4f%@, %.0f tokens/s, peak RSS %@", summary.steps, summary.lastLoss,
                summary.lastEvalLoss.map { String(format: ", eval loss %.4f", $0) } ?? "", summary.tokensPerSecond,
                TrainingMemoryEstimate.format(SystemMemory.peakResident())))
    }

    /// The trainer's settings for these params and a tokenized dataset's length, pad token and batching.
    public static func hyperparameters(
        _ p: Params, maxLength: Int, padToken: Int32, packing: Bool
    ) -> TrainingHyperparameters {
        var h = TrainingHyperparameters()
        h.method = p.method == .full ? .full : .lora
        h.precision = p.precision == .bf16 ? .bf16 : .float32
        h.rank = p.r
        h.alpha = Float(p.alpha)
        h.dropout = Float(p.dropout)
        h.useRSLoRA = p.useRSLoRA
        h.targets = p.targets
        h.batchSize = p.batchSize
        h.gradientAccumulation = p.gradAccum
        h.epochs = p.epochs
        h.maxSteps = p.maxSteps
        h.maxLength = maxLength
        h.learningRate = Float(p.lr)
        h.schedule = p.schedule
        h.warmupSteps = p.warmupSteps
        h.warmupRatio = p.warmupRatio
        h.weightDecay = Float(p.weightDecay)
        h.maxGradNorm = Float(p.maxGradNorm)
        h.seed = p.seed
        h.evalEvery = p.evalEvery
        h.checkpointEvery = p.checkpointEvery
        h.gradientCheckpointing = p.gradientCheckpointing
        h.batching = packing ? .packed : p.groupByLength ? .groupedByLength : .shuffled
        h.padToken = padToken
        return h
    }

    /// The memory estimate, part by part, beside what the process held before the trainer and at its peak (bytes).
    static func memoryMetrics(_ estimate: TrainingMemoryEstimate, residentBefore: Int?) -> JSONValue {
        let parts = estimate.parts.map { (key: $0.name, value: JSONValue.number(Double($0.bytes))) }
        var memory: [(key: String, value: JSONValue)] = [
            ("estimate", .object([("total", .number(Double(estimate.total)))] + parts)),
            ("batch", [.number(Double(estimate.batch.sequences)), .number(Double(estimate.batch.longest))]),
            ("peak_resident", .number(Double(SystemMemory.peakResident()))),
        ]
        if let residentBefore { memory.append(("resident_before", .number(Double(residentBefore)))) }
        return .object(memory)
    }

    /// The training log as `pipe show` prints it.
    static func describe(_ log: TrainingLog, summary: TrainingSummary, params: Params) -> String {
        var out = "method \(params.method.rawValue)"
        if params.method != .full {
            out +=
                ", r \(params.r), alpha \(JSONValue.number(params.alpha).compactText), "
                + "targets \(params.targets.joined(separator: ", "))"
        }
        out += "\n\(log.totalSteps) steps\n\n"
        out += "  step      loss        lr   grad norm   eval loss\n"
        for step in log.log {
            out += String(format: "%6d  %8.4f  %8.2e  %10.4f", step.step, step.loss, step.lr, step.gradNorm)
            out += step.evalLoss.map { String(format: "  %10.4f", $0) } ?? ""
            out += "\n"
        }
        return out
    }
}
