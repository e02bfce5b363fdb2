// The mean loss of a list of examples: cross-entropy weighted by token over every kept label,
// in unshuffled batches padded as training pads them (`TrainingBatcher`). The trainer's eval
// loss and the evaluate stage's loss are both this number.
//
// Legend: B examples per batch, T the longest of them.

extension LlamaModel {
    /// The mean loss of `examples` in batches of `batchSize` (NaN when no label counts).
    public func meanLoss(of examples: [TrainingExample], batchSize: Int, padToken: Int32,
                         maxLength: Int = .max) throws -> Double {
        let batcher = TrainingBatcher(examples: examples, batchSize: batchSize, maxLength: maxLength, seed: 0,
                                      padToken: padToken, shuffle: false)
        // Forward only: one layer's saved values are enough.
        let activations = LlamaTrainingActivations(
            config: config, B: min(batcher.batchSize, max(examples.count, 1)), T: max(batcher.longest, 1),
            loraRank: trainedAdapter?.rank ?? 0, loraTargets: trainedAdapter?.targets.count ?? 0,
            checkpointing: true, quantizedBase: !parameters.omitted.isEmpty)
        return try meanLoss(batcher, activations: activations)
    }

    /// The mean loss of the batches of `batcher`'s first epoch, run in `activations`.
    func meanLoss(_ batcher: TrainingBatcher, activations: LlamaTrainingActivations) throws -> Double {
        let (sum, kept) = try lossSum(batcher, batches: Array(0..<batcher.batchesPerEpoch), activations: activations)
        return sum / Double(kept)
    }

    /// The summed loss and kept labels of some batches of `batcher`'s first epoch.
    func lossSum(_ batcher: TrainingBatcher, batches: [Int], activations: LlamaTrainingActivations) throws
        -> (sum: Double, kept: Int)
    {
        let order = batcher.order(epoch: 0)
        var sum = 0.0, kept = 0
        for i in batches {
            let batch = batcher.batch(i, order: order)  // (B, T)
            try batch.tokens.withUnsafeBufferPointer { tokens in
                try batch.labels.withUnsafeBufferPointer { labels in
                    try batch.mask.withUnsafeBufferPointer { mask in
                        let (s, n) = try trainingForward(
                            tokens: tokens.baseAddress!, labels: labels.baseAddress!, mask: mask.baseAddress!,
                            B: batch.B, T: batch.T, activations: activations, packed: batch.packed)
                        sum += s
                        kept += n
                    }
                }
            }
        }
        return (sum, kept)
    }
}
