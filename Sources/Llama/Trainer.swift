// The training loop: LoRA or full fine-tuning of a LlamaModel on token/label
// sequences, with AdamW, clipping, a schedule, gradient accumulation,
// evaluation, cancellation and resumable checkpoints. Usable from a plain
// Swift program.
//
// One optimizer step = `gradientAccumulation` micro-batches of `batchSize`
// sequences (fewer at the end of an epoch). The loss of a step is the mean
// over all kept labels of its micro-batches, so accumulation equals one big
// batch. Deterministic: the same model, data, hyper-parameters and seed give
// the same bytes, and a resumed run continues exactly where the checkpoint was.
//
//     let model = try LlamaModel.load(contentsOf: url)      // GGUF or Hugging Face folder
//     var hp = TrainingHyperparameters()                      // LoRA r 8, q_proj + v_proj, ...
//     hp.maxSteps = 100; hp.checkpointEvery = 20
//     let trainer = try Trainer(model: model, hyperparameters: hp, trainingSet: examples,
//                               evaluationSet: held, checkpointFolder: folder)
//     try trainer.train(progress: { print($0) }, shouldStop: { stopRequested })
//     try trainer.save(to: out)                               // PEFT folder (LoRA) or HF folder (full)
//
// QLoRA-style: load a GGUF with `floatLinearWeights: false`; its Q4_0/Q4_1/Q8_0
// linear layers stay in their blocks and are dequantized per layer as needed.
//
// Data-parallel (a `GradientReducer` over N processes): every rank builds the same
// batches, runs its share of each micro-batch's sequences, and the gradients and
// loss sums are summed over the ranks before clipping, so every rank takes the
// same AdamW step. Rank 0 alone writes checkpoints; every rank resumes from them.

import Foundation
import Random
import Tensor

/// What the loop reports.
public enum TrainingProgress: Sendable, CustomStringConvertible {
    /// After an optimizer step.
    case step(
        step: Int, totalSteps: Int, loss: Float, learningRate: Float, gradientNorm: Float, tokensPerSecond: Double)
    /// After an evaluation on the held-out set.
    case evaluation(step: Int, loss: Float)
    /// After writing a checkpoint.
    case checkpoint(step: Int, file: URL)
    /// When a run continues from a checkpoint.
    case resumed(step: Int)

    public var description: String {
        switch self {
        case let .step(step, total, loss, lr, norm, tps):
            return String(
                format: "step %d/%d loss %.4f lr %.3g grad norm %.3f %.0f tokens/s", step, total, loss, lr, norm, tps)
        case let .evaluation(step, loss): return String(format: "step %d eval loss %.4f", step, loss)
        case let .checkpoint(step, file): return "step \(step) checkpoint \(file.path)"
        case let .resumed(step): return "resumed at step \(step)"
        }
    }
}

/// Why training stopped early or could not start.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The caller asked to stop (closure or Task cancellation); `step` optimizer steps were done.
    case cancelled(step: Int)
    /// The training set has no example.
    case emptyTrainingSet
    /// The checkpoint folder holds a checkpoint of a different run, or a damaged one.
    case incompatibleCheckpoint(path: String, reason: String)
    /// The run would need more memory than `available` bytes: the machine's (`maxMemory` false),
    /// or the limit the caller set (the `max_memory` param).
    case notEnoughMemory(TrainingMemoryEstimate, available: Int, maxMemory: Bool)

    public var description: String {
        switch self {
        case let .cancelled(step): return "training cancelled after step \(step)"
        case .emptyTrainingSet: return "the training set has no example"
        case let .incompatibleCheckpoint(path, reason): return "checkpoint \(path): \(reason)"
        case let .notEnoughMemory(estimate, available, maxMemory):
            let limit = maxMemory ? "max_memory \(TrainingMemoryEstimate.format(available))"
                : "the \(TrainingMemoryEstimate.format(available)) available"
            return "training needs \(estimate.description); more than \(limit). To fit, \(estimate.advice)"
        }
    }
}

/// The outcome of `Trainer.train`.
public struct TrainingSummary: Sendable {
    public var steps: Int
    public var lastLoss: Float
    public var lastEvalLoss: Float?
    public var tokensPerSecond: Double
    /// The step a checkpoint resumed from (nil when the run started fresh).
    public var resumedFrom: Int?
}

/// Trains a model in place (LoRA: a new adapter on it; full: its weights).
public final class Trainer: @unchecked Sendable {
    public let model: LlamaModel
    public let hyperparameters: TrainingHyperparameters
    public let checkpointFolder: URL?
    /// The trained adapter (LoRA), also `model.adapters[0]`.
    public let adapter: LoRAAdapter?
    public let totalSteps: Int
    public let schedule: LRSchedule

    let batcher: TrainingBatcher
    let evalBatcher: TrainingBatcher?
    let gradients: LlamaGradients
    let optimizer: AdamW
    let activations: LlamaTrainingActivations
    let trainingSetCount: Int
    /// Sums gradients over the processes of a data-parallel run (one process: the identity).
    public let reducer: GradientReducer
    /// What the run needs in memory (checked against what there is before anything was allocated).
    public let memoryEstimate: TrainingMemoryEstimate

    // the position of the run, all saved in checkpoints
    /// Optimizer steps done.
    public internal(set) var step = 0
    var epoch = 0
    var batchIndex = 0
    var dropoutRNG: Xoshiro256

    /// A trainer for `model`. LoRA puts a fresh adapter (PEFT init, seeded) on
    /// the model, or a copy of `initialAdapter` (its rank, alpha and targets);
    /// full fine-tuning needs a model without adapters.
    ///
    /// Before allocating, refuses (`TrainingError.notEnoughMemory`) a run whose `memoryEstimate` is more
    /// than `memoryLimit` bytes, or, without one, more than the machine has available besides the weights
    /// already loaded.
    public init(model: LlamaModel, hyperparameters hp: TrainingHyperparameters, trainingSet: [TrainingExample],
                evaluationSet: [TrainingExample] = [], checkpointFolder: URL? = nil,
                initialAdapter: LoRAAdapter? = nil, memoryLimit: Int? = nil,
                reducer: GradientReducer = SingleProcess()) throws {
        try hp.validate()
        guard !trainingSet.isEmpty else { throw TrainingError.emptyTrainingSet }
        for e in trainingSet + evaluationSet {
            guard e.tokens.count == e.labels.count else {
                throw LlamaError.invalidInput(
                    "a training example has \(e.tokens.count) tokens but \(e.labels.count) labels")
            }
            for t in e.tokens where t < 0 || Int(t) >= model.config.vocabSize {
                throw LlamaError.tokenOutOfRange(token: Int(t), vocabSize: model.config.vocabSize)
            }
        }
        self.model = model
        hyperparameters = hp
        self.checkpointFolder = checkpointFolder
        self.reducer = reducer
        trainingSetCount = trainingSet.count
        let c = model.config
        let packed = hp.batching == .packed
        let rows = packed ? packExamples(trainingSet, maxLength: hp.maxLength, seed: hp.seed) : trainingSet
        batcher = TrainingBatcher(examples: rows,
                                  batchSize: hp.batchSize, maxLength: hp.maxLength,
                                  seed: hp.seed, padToken: hp.padToken, groupByLength: hp.batching == .groupedByLength)
        evalBatcher = evaluationSet.isEmpty ? nil
            : TrainingBatcher(examples: evaluationSet, batchSize: hp.batchSize, maxLength: hp.maxLength,
                              seed: hp.seed, padToken: hp.padToken, shuffle: false)
        if hp.method == .full {
            guard model.parameters.omitted.isEmpty else {
                throw LlamaError.invalidInput(
                    "full fine-tuning needs float32 weights; load the model with floatLinearWeights")
            }
            guard model.adapters.isEmpty else {
                throw LlamaError.invalidInput(
                    "full fine-tuning needs a model without LoRA adapters (it has \(model.adapters.count))")
            }
        }
        switch (hp.precision, model.bfloat16) {
        case (.bf16, nil): model.bfloat16 = BFloat16Weights(model)
        case (.float32, .some):
            throw LlamaError.invalidInput("the model keeps its linear layers in bfloat16: train it with precision bf16")
        default: break
        }
        let batch = [batcher, evalBatcher].compactMap { $0?.capacity }.reduce(batcher.capacity) { $0.union($1) }
        let quantizedBase = !model.parameters.omitted.isEmpty && model.bfloat16 == nil
        let lora: (rank: Int, targets: [LlamaTensor])? = try hp.method == .full ? nil
            : initialAdapter.map { ($0.rank, $0.targets) } ?? (hp.rank, hp.targetTensors())
        let trainable = lora.map { TrainingMemoryEstimate.adapterCount(c, rank: $0.rank, targets: $0.targets) }
            ?? model.parameters.count
        memoryEstimate = TrainingMemoryEstimate(
            config: c, weightBytes: TrainingMemoryEstimate.weightBytes(of: model), trainable: trainable,
            lora: lora.map { ($0.rank, Set($0.targets).count) }, batch: batch, hyperparameters: hp,
            quantizedBase: quantizedBase, checkpoints: checkpointFolder != nil && hp.checkpointEvery > 0)
        try Self.checkMemory(memoryEstimate, limit: memoryLimit)
        switch hp.method {
        case .lora:
            let a: LoRAAdapter
            if let initialAdapter {
                a = try LoRAAdapter(config: c, rank: initialAdapter.rank, alpha: initialAdapter.alpha,
                                    targets: initialAdapter.targets, useRSLoRA: initialAdapter.useRSLoRA)
                a.memory.update(from: initialAdapter.memory, count: a.count)
            } else {
                a = try LoRAAdapter(config: c, rank: hp.rank, alpha: hp.alpha, targets: hp.targetTensors(),
                                    useRSLoRA: hp.useRSLoRA, seed: hp.seed)
            }
            model.adapters = [a]
            adapter = a
            gradients = try LlamaGradients(loraOf: a)
            optimizer = AdamW(count: a.count, settings: AdamWSettings(beta1: hp.beta1, beta2: hp.beta2, eps: hp.eps,
                                                                      weightDecay: hp.weightDecay))
        case .full:
            adapter = nil
            gradients = LlamaGradients(fullFineTuningOf: c)
            // as transformers' Trainer: no weight decay on norm weights and biases
            let p = model.parameters
            let noDecay = [LlamaTensor.attnNorm, .ffnNorm, .finalNorm, .bq, .bk, .bv].map { t in
                p.offsets[t.rawValue]..<(p.offsets[t.rawValue] + p.sizes[t.rawValue])
            }
            optimizer = AdamW(count: p.count, settings: AdamWSettings(beta1: hp.beta1, beta2: hp.beta2, eps: hp.eps,
                                                                      weightDecay: hp.weightDecay), noDecay: noDecay)
        }
        let stepsPerEpoch = (batcher.batchesPerEpoch + hp.gradientAccumulation - 1) / hp.gradientAccumulation
        totalSteps = hp.maxSteps > 0 ? hp.maxSteps : hp.epochs * stepsPerEpoch
        schedule = LRSchedule(kind: hp.schedule, peak: hp.learningRate, totalSteps: totalSteps,
                              warmupSteps: hp.warmupSteps, warmupRatio: hp.warmupRatio)
        activations = LlamaTrainingActivations(config: c, capacity: batch, loraRank: adapter?.rank ?? 0,
                                               loraTargets: adapter?.targets.count ?? 0,
                                               checkpointing: hp.gradientCheckpointing, quantizedBase: quantizedBase,
                                               compactMLP: hp.precision == .bf16)
        var sm = SplitMix64(seed: hp.seed ^ 0xD509_0D50)
        dropoutRNG = Xoshiro256(seed: sm.next())
    }

    /// Refuses an estimate above `limit`, or, without one, above what the machine has available
    /// (the weights are already loaded: what they hold counts as available to the run).
    static func checkMemory(_ estimate: TrainingMemoryEstimate, limit: Int?) throws {
        if let limit {
            guard estimate.total <= limit else {
                throw TrainingError.notEnoughMemory(estimate, available: limit, maxMemory: true)
            }
        } else if let free = SystemMemory.available() {
            let available = free + estimate.weights
            guard estimate.total <= available else {
                throw TrainingError.notEnoughMemory(estimate, available: available, maxMemory: false)
            }
        }
    }

    /// What each rank adds into the sums of one optimizer step of a data-parallel run: the gradients and the loss.
    public var reducedBytesPerStep: Int {
        gradients.buffer.count * MemoryLayout<Float>.size + MemoryLayout<Double>.size
    }

    /// The trainable values (the adapter's A and B, or every weight).
    var trainable: UnsafeMutableBufferPointer<Float> { adapter?.buffer ?? model.parameters.buffer }

    /// Runs (or, with a checkpoint in the folder, continues) training to `totalSteps`.
    /// `shouldStop` and Task cancellation are checked before every micro-batch.
    @discardableResult
    public func train(progress: (TrainingProgress) -> Void = { _ in },
                      shouldStop: () -> Bool = { false }) throws -> TrainingSummary {
        var resumedFrom: Int?
        if let folder = checkpointFolder, try loadCheckpoint(from: folder) {
            resumedFrom = step
            progress(.resumed(step: step))
        }
        let hp = hyperparameters
        var lastLoss = Float.nan, lastEval: Float?
        var tokens = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var order = batcher.order(epoch: epoch)
        while step < totalSteps {
            let stepStart = DispatchTime.now().uptimeNanoseconds
            var group: [TrainingBatch] = []
            while group.count < hp.gradientAccumulation && batchIndex < batcher.batchesPerEpoch {
                group.append(batcher.batch(batchIndex, order: order))
                batchIndex += 1
            }
            let kept = group.reduce(0) { $0 + $1.keptLabels }
            let scale: Float = kept > 0 ? 1 / Float(kept) : 0
            gradients.zero()
            var lossSum = 0.0, stepTokens = 0
            for batch in group {
                if shouldStop() || Task.isCancelled { throw TrainingError.cancelled(step: step) }
                var dropout = LoRADropout(p: adapter == nil ? 0 : hp.dropout, seed: dropoutRNG.next())
                let rows = reducer.share(of: batch.B)
                if rows.lowerBound > 0 {
                    // masks of other rows than the first rank's, not copies of its masks
                    var sm = SplitMix64(seed: dropout.seed ^ (UInt64(rows.lowerBound) &* 0x9E37_79B9_7F4A_7C15))
                    dropout.seed = sm.next()
                }
                let share = reducer.size == 1 ? batch : batch.rows(rows)
                if share.B > 0 { lossSum += try runMicroBatch(share, dropout: dropout, scale: scale) }
                stepTokens += batch.tokenCount
            }
            if reducer.size > 1 {
                try reducer.sum(gradients.buffer)
                lossSum = try reducer.sum([lossSum])[0]
            }
            let norm = clipGradientNorm(gradients.buffer.baseAddress!, gradients.buffer.count, maxNorm: hp.maxGradNorm)
            let lr = schedule.rate(step: step)
            optimizer.update(trainable.baseAddress!, gradients.buffer.baseAddress!, lr: lr)
            step += 1
            if batchIndex >= batcher.batchesPerEpoch {
                epoch += 1
                batchIndex = 0
                order = batcher.order(epoch: epoch)
            }
            lastLoss = Float(lossSum / Double(kept))
            tokens += stepTokens
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - stepStart) / 1e9
            progress(.step(step: step, totalSteps: totalSteps, loss: lastLoss, learningRate: lr,
                           gradientNorm: norm, tokensPerSecond: Double(stepTokens) / max(seconds, 1e-9)))
            if evalBatcher != nil && hp.evalEvery > 0 && (step % hp.evalEvery == 0 || step == totalSteps) {
                let loss = try evaluate()
                lastEval = loss
                progress(.evaluation(step: step, loss: loss))
            }
            if let folder = checkpointFolder, reducer.rank == 0, hp.checkpointEvery > 0,
                step % hp.checkpointEvery == 0 || step == totalSteps
            {
                let file = try saveCheckpoint(to: folder)
                progress(.checkpoint(step: step, file: file))
            }
        }
        if evalBatcher != nil && lastEval == nil {
            let loss = try evaluate()
            lastEval = loss
            progress(.evaluation(step: step, loss: loss))
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return TrainingSummary(steps: step, lastLoss: lastLoss, lastEvalLoss: lastEval,
                               tokensPerSecond: Double(tokens) / max(seconds, 1e-9), resumedFrom: resumedFrom)
    }

    /// Forward and backward of one micro-batch; returns its summed loss.
    func runMicroBatch(_ batch: TrainingBatch, dropout: LoRADropout, scale: Float) throws -> Double {
        try batch.tokens.withUnsafeBufferPointer { tokens in
            try batch.labels.withUnsafeBufferPointer { labels in
                try batch.mask.withUnsafeBufferPointer { mask in
                    let (sum, _) = try model.trainingForward(
                        tokens: tokens.baseAddress!, labels: labels.baseAddress!, mask: mask.baseAddress!,
                        B: batch.B, T: batch.T, activations: activations, dropout: dropout, backwardScale: scale,
                        gradients: gradients, packed: batch.packed)
                    model.backward(tokens: tokens.baseAddress!, mask: mask.baseAddress!, B: batch.B, T: batch.T,
                                   activations: activations, gradients: gradients, dropout: dropout)
                    return sum
                }
            }
        }
    }

    /// The mean loss over the held-out set (NaN without one).
    public func evaluate() throws -> Float {
        guard let evalBatcher else { return .nan }
        guard reducer.size > 1 else { return Float(try model.meanLoss(evalBatcher, activations: activations)) }
        // each rank a share of the batches, then the sums of all
        let batches = Array(stride(from: reducer.rank, to: evalBatcher.batchesPerEpoch, by: reducer.size))
        let part = try model.lossSum(evalBatcher, batches: batches, activations: activations)
        let total = try reducer.sum([part.sum, Double(part.kept)])
        return Float(total[0] / total[1])
    }
}
