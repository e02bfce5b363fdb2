import Foundation
import TestSupport
import Testing
import Llama
import Tensor

/// Random sequences for the tiny model: lengths 6..16, the first two labels masked.
private func examples(_ count: Int, seed: UInt64) -> [TrainingExample] {
    var rng = Xoshiro256(seed: seed)
    return (0..<count).map { _ in
        let n = 6 + Int(rng.next() % 11)
        let tokens = (0..<n).map { _ in Int32(rng.next() % 40) }  // a small alphabet, so there is something to learn
        var labels = tokens
        labels[0] = -100; labels[1] = -100
        return TrainingExample(tokens: tokens, labels: labels)
    }
}

private func loraSettings() -> TrainingHyperparameters {
    var hp = TrainingHyperparameters()
    hp.method = .lora
    hp.rank = 4
    hp.alpha = 8
    hp.dropout = 0.1
    hp.targets = ["q_proj", "attn_v", "o_proj", "down_proj"]
    hp.batchSize = 3
    hp.gradientAccumulation = 2
    hp.maxSteps = 7  // more than one epoch of 10 examples
    hp.learningRate = 5e-3
    hp.schedule = .cosine
    hp.warmupSteps = 2
    hp.weightDecay = 0.01
    hp.seed = 7
    return hp
}

private func bytes(_ b: UnsafeMutableBufferPointer<Float>) -> [UInt32] { b.map(\.bitPattern) }

@Suite("The trainer trains, saves, and resumes bit-identically")
struct TrainingLoopTests {
    @Test("LoRA training lowers the loss, reports every step, and the same seed gives the same bytes")
    func loraLearnsDeterministically() throws {
        var results: [[UInt32]] = []
        for _ in 0..<2 {
            let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
            var hp = loraSettings()
            hp.maxSteps = 12
            hp.evalEvery = 6
            var steps: [Float] = [], evals: [Float] = []
            let trainer = try Trainer(model: model, hyperparameters: hp, trainingSet: examples(10, seed: 1),
                                      evaluationSet: examples(4, seed: 2))
            let summary = try trainer.train(progress: { p in
                if case let .step(_, total, loss, lr, norm, tps) = p {
                    #expect(total == 12 && lr >= 0 && norm > 0 && tps > 0)
                    steps.append(loss)
                }
                if case let .evaluation(_, loss) = p { evals.append(loss) }
            })
            #expect(summary.steps == 12 && steps.count == 12 && evals.count == 2)
            #expect(steps.suffix(3).reduce(0, +) < steps.prefix(3).reduce(0, +), "losses \(steps)")
            results.append(bytes(trainer.adapter!.buffer))
        }
        #expect(results[0] == results[1])
    }

    @Test("an interrupted LoRA run resumed from its checkpoint in a fresh trainer ends bit-identical to an uninterrupted one")
    func loraResumeIsBitIdentical() throws {
        try resume(hp: loraSettings())
    }

    @Test("an interrupted full fine-tuning run resumed from its checkpoint ends bit-identical to an uninterrupted one")
    func fullResumeIsBitIdentical() throws {
        var hp = loraSettings()
        hp.method = .full
        hp.maxSteps = 5
        hp.learningRate = 1e-3
        hp.weightDecay = 0.1
        hp.gradientCheckpointing = true
        try resume(hp: hp)
    }

    private func resume(hp base: TrainingHyperparameters) throws {
        let data = examples(10, seed: 3)
        // uninterrupted
        let straight = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let t1 = try Trainer(model: straight, hyperparameters: base, trainingSet: data)
        try t1.train()
        let expected = bytes(t1.adapter?.buffer ?? straight.parameters.buffer)

        // interrupted after the checkpoint at step 2 (in the middle of step 3), then resumed
        var hp = base
        hp.checkpointEvery = 2
        let folder = try makeTemporaryFolder("pipe-train")
        defer { try? FileManager.default.removeItem(at: folder) }
        var checkpoints: [Int] = []
        let first = try Trainer(model: try LlamaModel(huggingFaceFolder: Paths.tiny), hyperparameters: hp,
                                trainingSet: data, checkpointFolder: folder)
        var microBatches = 0
        #expect(throws: TrainingError.cancelled(step: 2)) {
            try first.train(progress: { p in if case let .checkpoint(s, _) = p { checkpoints.append(s) } },
                            shouldStop: { microBatches += 1; return microBatches > 5 })
        }
        #expect(checkpoints == [2])
        let resumedModel = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let second = try Trainer(model: resumedModel, hyperparameters: hp, trainingSet: data, checkpointFolder: folder)
        let summary = try second.train()
        #expect(summary.resumedFrom == 2 && summary.steps == base.maxSteps)
        #expect(bytes(second.adapter?.buffer ?? resumedModel.parameters.buffer) == expected)
    }

    @Test("a checkpoint of a different run is refused with a message")
    func foreignCheckpoint() throws {
        let folder = try makeTemporaryFolder("pipe-train")
        defer { try? FileManager.default.removeItem(at: folder) }
        var hp = loraSettings()
        hp.maxSteps = 1
        hp.checkpointEvery = 1
        try Trainer(model: try LlamaModel(huggingFaceFolder: Paths.tiny), hyperparameters: hp,
                    trainingSet: examples(4, seed: 1), checkpointFolder: folder).train()
        hp.rank = 2
        let other = try Trainer(model: try LlamaModel(huggingFaceFolder: Paths.tiny), hyperparameters: hp,
                                trainingSet: examples(4, seed: 1), checkpointFolder: folder)
        #expect(throws: TrainingError.self) { try other.train() }
    }

    @Test("accumulating two batches of two equals one batch of four")
    func accumulationEqualsBigBatch() throws {
        var rng = Xoshiro256(seed: 5)
        let data = (0..<8).map { _ in TrainingExample(tokens: (0..<12).map { _ in Int32(rng.next() % 300) }) }
        var losses: [[Float]] = []
        for (batch, accumulate) in [(4, 1), (2, 2)] {
            var hp = loraSettings()
            hp.dropout = 0
            hp.batchSize = batch
            hp.gradientAccumulation = accumulate
            hp.maxSteps = 3
            // Grouping by length forms batches per batch size; plain shuffling keeps one order for both.
            hp.batching = .shuffled
            var seen: [Float] = []
            try Trainer(model: try LlamaModel(huggingFaceFolder: Paths.tiny), hyperparameters: hp, trainingSet: data)
                .train(progress: { if case let .step(_, _, loss, _, _, _) = $0 { seen.append(loss) } })
            losses.append(seen)
        }
        for (a, b) in zip(losses[0], losses[1]) { #expect(abs(a - b) <= 1e-5, "\(losses)") }
    }

    @Test("the trained adapter saves as a PEFT folder the loader reads back exactly")
    func adapterExport() throws {
        let folder = try makeTemporaryFolder("pipe-train")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        var hp = loraSettings()
        hp.maxSteps = 2
        let trainer = try Trainer(model: model, hyperparameters: hp, trainingSet: examples(6, seed: 4))
        try trainer.train()
        try trainer.save(to: folder)
        let loaded = try LoRAAdapter(peftFolder: folder, config: model.config)
        #expect(loaded.rank == 4 && loaded.alpha == 8 && loaded.targets == trainer.adapter!.targets)
        #expect(bytes(loaded.buffer) == bytes(trainer.adapter!.buffer))
    }

    @Test("a fully fine-tuned model saves as a Hugging Face folder that loads back to the same weights")
    func modelExport() throws {
        let folder = try makeTemporaryFolder("pipe-train")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        var hp = loraSettings()
        hp.method = .full
        hp.maxSteps = 1
        let trainer = try Trainer(model: model, hyperparameters: hp, trainingSet: examples(6, seed: 4))
        try trainer.train()
        try trainer.save(to: folder)
        let loaded = try LlamaModel(huggingFaceFolder: folder)
        #expect(bytes(loaded.parameters.buffer) == bytes(model.parameters.buffer))
    }

    @Test("bad hyper-parameters are refused with the key that is wrong")
    func validation() throws {
        var hp = loraSettings()
        hp.targets = ["qq_proj"]
        #expect(throws: LlamaError.self) {
            try Trainer(model: try LlamaModel(huggingFaceFolder: Paths.tiny), hyperparameters: hp, trainingSet: examples(2, seed: 1))
        }
        #expect(throws: TrainingError.emptyTrainingSet) {
            try Trainer(model: try LlamaModel(huggingFaceFolder: Paths.tiny), hyperparameters: loraSettings(), trainingSet: [])
        }
    }
}

@Suite("Starting from an existing adapter")
struct TrainingInitialAdapterTests {
    @Test("a trainer started from the tiny PEFT adapter reports PEFT's loss at its first step and leaves the source adapter alone")
    func startsFromAdapter() throws {
        let ref = try TinyTraining()
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let source = try LoRAAdapter(peftFolder: Paths.tiny.appendingPathComponent("adapter"), config: model.config)
        let before = Array(source.buffer)
        let data = (0..<ref.B).map { b in
            TrainingExample(tokens: Array(ref.tokens[(b * ref.T)..<((b + 1) * ref.T)]),
                            labels: Array(ref.labels[(b * ref.T)..<((b + 1) * ref.T)]))
        }
        var hp = TrainingHyperparameters()
        hp.batchSize = ref.B
        hp.maxSteps = 2
        hp.learningRate = 0.01
        hp.maxGradNorm = 0
        hp.schedule = .constant
        var losses: [Float] = []
        let trainer = try Trainer(model: model, hyperparameters: hp, trainingSet: data, initialAdapter: source)
        #expect(trainer.adapter!.rank == 4 && trainer.adapter!.targets.count == 7)
        try trainer.train(progress: { if case let .step(_, _, loss, _, _, _) = $0 { losses.append(loss) } })
        let expected = ref.numbers("lora_adamw", "losses_before_each_step")
        #expect(abs(Double(losses[0]) - expected[0]) <= 1e-4 && abs(Double(losses[1]) - expected[1]) <= 1e-4,
                "\(losses) vs \(expected.prefix(2))")
        #expect(Array(source.buffer) == before)
    }
}
