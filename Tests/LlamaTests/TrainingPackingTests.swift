import Testing
import Llama
import Tensor

@Suite("Packed training sequences")
struct TrainingPackingTests {
    private let model: LlamaModel = {
        let config = LlamaConfig(modelType: .llama, vocabSize: 50, hiddenSize: 32, intermediateSize: 48,
                                 layerCount: 2, headCount: 4, kvHeadCount: 2, rmsNormEps: 1e-6, ropeTheta: 10000,
                                 tieWordEmbeddings: false, attentionBias: false, maxPositionEmbeddings: 64, eosTokenIds: [0])
        return LlamaModel(parameters: LlamaParameters(config: config, seed: 5, std: 0.2))
    }()

    private func examples() -> [TrainingExample] {
        var rng = Xoshiro256(seed: 11)
        return [7, 5, 9, 3, 6].map { n in
            let tokens = (0..<n).map { _ in Int32(1 + rng.next() % 49) }
            var labels = tokens
            labels[0] = ignoreIndex  // a masked prompt token
            return TrainingExample(tokens: tokens, labels: labels)
        }
    }

    /// Loss sum, kept labels and full-model gradients of one batch.
    private func run(_ batch: TrainingBatch) throws -> (Double, Int, [Float]) {
        let gradients = LlamaGradients(fullFineTuningOf: model.config)
        let a = LlamaTrainingActivations(config: model.config, B: batch.B, T: batch.T, loraRank: 0, loraTargets: 0,
                                         checkpointing: false)
        let (sum, kept) = try model.trainingForward(tokens: batch.tokens, labels: batch.labels, mask: batch.mask,
                                                    B: batch.B, T: batch.T, activations: a, backwardScale: 1,
                                                    packed: batch.packed)
        model.backward(tokens: batch.tokens, mask: batch.mask, B: batch.B, T: batch.T, activations: a, gradients: gradients)
        return (sum, kept, Array(gradients.buffer))
    }

    @Test("packing keeps every token once, in segments, and never labels a segment's first token")
    func packsWithinLength() {
        let data = examples()
        let packed = packExamples(data, maxLength: 12, seed: 3)
        #expect(packed.allSatisfy { $0.tokens.count <= 12 && $0.segments?.count == $0.tokens.count })
        #expect(packed.reduce(0) { $0 + $1.tokens.count } == data.reduce(0) { $0 + $1.tokens.count })
        #expect(packed.count < data.count)
        for row in packed {
            let segments = row.segments ?? []
            for t in 1..<segments.count where segments[t] != segments[t - 1] {
                #expect(segments[t] == segments[t - 1] + 1)
                #expect(row.labels[t] == ignoreIndex)
            }
        }
        #expect(packExamples(data, maxLength: 12, seed: 3) == packed)
    }

    @Test("a packed batch gives the same loss and gradients as its examples one per row")
    func packedEqualsSeparate() throws {
        let data = examples()
        let packed = packExamples(data, maxLength: 16, seed: 1)
        let packedBatcher = TrainingBatcher(examples: packed, batchSize: packed.count, maxLength: 16, seed: 0, shuffle: false)
        let separateBatcher = TrainingBatcher(examples: data, batchSize: data.count, maxLength: 16, seed: 0, shuffle: false)
        let packedBatch = packedBatcher.batch(0, order: packedBatcher.order(epoch: 0))
        let separateBatch = separateBatcher.batch(0, order: separateBatcher.order(epoch: 0))
        #expect(packedBatch.packed && !separateBatch.packed)
        #expect(packedBatch.B * packedBatch.T < separateBatch.B * separateBatch.T)
        let (packedSum, packedKept, packedGrad) = try run(packedBatch)
        let (separateSum, separateKept, separateGrad) = try run(separateBatch)
        #expect(packedKept == separateKept)
        #expect(abs(packedSum - separateSum) < 1e-4 * abs(separateSum))
        let worst = zip(packedGrad, separateGrad).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4, "largest gradient difference \(worst)")
    }
}
