import Foundation
import Testing
@testable import Llama
import Tensor

private let config = LlamaConfig(modelType: .llama, vocabSize: 50, hiddenSize: 32, intermediateSize: 48,
                                 layerCount: 2, headCount: 4, kvHeadCount: 2, rmsNormEps: 1e-6, ropeTheta: 10000,
                                 tieWordEmbeddings: false, attentionBias: false, maxPositionEmbeddings: 64,
                                 eosTokenIds: [0])

/// `count` random sequences of `length` tokens.
private func examples(_ count: Int, length: Int, seed: UInt64) -> [TrainingExample] {
    var rng = Xoshiro256(seed: seed)
    return (0..<count).map { _ in TrainingExample(tokens: (0..<length).map { _ in Int32(1 + rng.next() % 49) }) }
}

/// The estimate for (B, T) batches of the test config, with changes to the default LoRA settings.
private func estimate(B: Int = 4, T: Int = 32, _ change: (inout TrainingHyperparameters) -> Void = { _ in })
    -> TrainingMemoryEstimate {
    var hp = TrainingHyperparameters()
    change(&hp)
    let lora = hp.method == .full ? nil : (rank: hp.rank, targets: hp.targets.count)
    let trainable = lora == nil ? parameterSizes(config).reduce(0, +)
        : TrainingMemoryEstimate.adapterCount(config, rank: hp.rank, targets: (try? hp.targetTensors()) ?? [])
    return TrainingMemoryEstimate(config: config, weightBytes: 0, trainable: trainable, lora: lora,
                                  batch: BatchCapacity(B: B, T: T), hyperparameters: hp, quantizedBase: false,
                                  checkpoints: false)
}

@Suite("Training memory estimates")
struct TrainingMemoryEstimateTests {
    @Test("the estimate counts exactly the weights, adapter, gradients, moments, activations and logits a trainer allocates")
    func countsWhatTheTrainerAllocates() throws {
        for (method, targets, precision) in [(TrainingMethod.lora, ["q_proj", "v_proj", "down_proj"], TrainingPrecision.float32),
                                             (.lora, ["q_proj", "v_proj"], .float32), (.full, [], .float32),
                                             (.lora, ["q_proj", "up_proj"], .bf16)] {
            for checkpointing in [false, true] {
                let float32Model = LlamaModel(parameters: LlamaParameters(config: config, seed: 1))
                let model = precision == .bf16 ? float32Model.withLinearWeightsInBFloat16() : float32Model
                var hp = TrainingHyperparameters()
                hp.method = method
                hp.precision = precision
                if !targets.isEmpty { hp.targets = targets }
                hp.batchSize = 3
                hp.gradientCheckpointing = checkpointing
                let trainer = try Trainer(model: model, hyperparameters: hp,
                                          trainingSet: examples(7, length: 20, seed: 2),
                                          evaluationSet: examples(2, length: 30, seed: 3))
                let e = trainer.memoryEstimate, float = MemoryLayout<Float>.size
                #expect(e.weights == model.parameters.count * float + (model.bfloat16?.byteCount ?? 0))
                #expect(e.adapter == (trainer.adapter?.count ?? 0) * float)
                #expect(e.gradients == trainer.gradients.buffer.count * float)
                #expect(e.optimizer == 2 * trainer.optimizer.count * float)
                #expect(e.activations + e.logits
                    == trainer.activations.count * float + LlamaTrainingActivations.indexBytes(e.batch))
                #expect(e.logits == min(e.batch.rows, crossEntropyChunkRows) * crossEntropyLogitStride(config.vocabSize) * float)
            }
        }
    }

    @Test("logits grow with B·T up to one chunk, activations with B·T (no T² attention), the adapter with r; full fine-tuning needs more")
    func growsWithTheConfiguration() {
        let base = estimate()  // 128 rows: one chunk
        #expect(estimate(B: 1).logits * 4 == base.logits)
        #expect(estimate(B: 8).logits == base.logits && estimate(T: 64).logits == base.logits)
        #expect(estimate(T: 64).activations <= 2 * base.activations)
        #expect(estimate(T: 64).activations > base.activations)
        #expect(estimate(B: 8).activations <= 2 * base.activations)
        #expect(estimate { $0.rank = 16 }.adapter == 2 * base.adapter)
        #expect(estimate { $0.rank = 16 }.optimizer == 2 * base.optimizer)
        let full = estimate { $0.method = .full }
        #expect(full.adapter == 0 && full.gradients > 10 * base.gradients && full.optimizer == 2 * full.gradients)
        #expect(full.total > base.total)
    }

    @Test("gradient checkpointing keeps one layer's saved values instead of every layer's")
    func checkpointingNeedsLess() {
        let kept = estimate(), recomputed = estimate { $0.gradientCheckpointing = true }
        let perLayer = LayerSaved.size(config, BatchCapacity(B: 4, T: 32),
                                       loraSize: 2 * 4 * 32 * 8) * MemoryLayout<Float>.size
        #expect(kept.activations - recomputed.activations == (config.layerCount - 1) * perLayer)
        #expect(recomputed.logits == kept.logits)
    }

    @Test("long packed rows and many short held-out rows size each buffer by its own largest batch")
    func capacityOfMixedBatches() {
        let packed = TrainingBatcher(examples: examples(1, length: 500, seed: 4), batchSize: 8, maxLength: 1000, seed: 0)
        let held = TrainingBatcher(examples: examples(5, length: 20, seed: 5), batchSize: 8, maxLength: 1000, seed: 0)
        #expect(packed.capacity == BatchCapacity(B: 1, T: 500))
        #expect(held.capacity == BatchCapacity(B: 5, T: 20))
        let both = packed.capacity.union(held.capacity)
        #expect(both.rows == 500 && both.longest == 500)
        #expect(both.holds(B: 1, T: 500) && both.holds(B: 5, T: 20))
        #expect(!both.holds(B: 5, T: 500) && !both.holds(B: 2, T: 300))
        #expect("\(both)" == "500 tokens, rows up to 500 long" && "\(held.capacity)" == "5 × 20 tokens")
    }

    @Test("a memory limit below the estimate refuses the run before anything is allocated, naming the params")
    func refusesAboveTheLimit() throws {
        let model = LlamaModel(parameters: LlamaParameters(config: config, seed: 1))
        var hp = TrainingHyperparameters()
        hp.batchSize = 3
        hp.maxLength = 40
        let error = #expect(throws: TrainingError.self) {
            _ = try Trainer(model: model, hyperparameters: hp, trainingSet: examples(7, length: 20, seed: 2),
                            memoryLimit: 1_000_000)
        }
        guard let error, case let .notEnoughMemory(estimate, available, maxMemory) = error else {
            Issue.record("expected notEnoughMemory, got \(String(describing: error))")
            return
        }
        #expect(available == 1_000_000 && maxMemory && estimate.total > available)
        let message = "\(error)"
        #expect(message.hasPrefix("training needs about \(TrainingMemoryEstimate.format(estimate.total)) for batches "
            + "of 3 × 20 tokens (batch_size 3, max_length 40): "), "\(message)")
        #expect(message.contains("more than max_memory 1.0 MB") && message.contains("lower batch_size"), "\(message)")
        #expect(model.adapters.isEmpty, "the adapter was not created")
        _ = try Trainer(model: model, hyperparameters: hp, trainingSet: examples(7, length: 20, seed: 2),
                        memoryLimit: estimate.total)
    }

    @Test("when a float32 base is most of the memory, the advice names precision bf16 and qlora; not once it is kept so")
    func baseAdvice() {
        func advice(weights: Int, _ change: (inout TrainingHyperparameters) -> Void = { _ in }) -> String {
            var e = estimate(change)
            e.weights = weights
            return e.advice
        }
        let bf16 = "keep the base in bfloat16 (precision bf16) or in its quantized blocks (method qlora)"
        #expect(advice(weights: 1 << 30).contains(bf16))
        #expect(!advice(weights: 1 << 30) { $0.precision = .bf16 }.contains(bf16))
        #expect(!advice(weights: 1 << 30) { $0.method = .full }.contains(bf16))
        #expect(!advice(weights: 0).contains(bf16))
    }

    @Test("byte counts read in decimal units with three significant digits")
    func formatsBytes() {
        #expect(TrainingMemoryEstimate.format(4_527_000_000_000) == "4.5 TB")
        #expect(TrainingMemoryEstimate.format(27_652_587_520) == "27.7 GB")
        #expect(TrainingMemoryEstimate.format(512_000_000) == "512 MB")
        #expect(TrainingMemoryEstimate.format(3_200_000) == "3.2 MB")
        #expect(TrainingMemoryEstimate.format(980) == "980 bytes")
    }

    #if os(Linux)
    @Test("on Linux the memory available is known, positive, and no more than the machine's total")
    func machineMemory() throws {
        let available = try #require(SystemMemory.available())
        let total = try #require(SystemMemory.meminfo("MemTotal"))
        #expect(available > 0 && available <= total)
        #expect(try #require(SystemMemory.resident()) <= SystemMemory.peakResident())
    }
    #endif
}
