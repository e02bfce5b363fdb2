import Testing
import Llama

@Suite("Training batches")
struct TrainingBatcherTests {
    /// Examples of lengths 1...n in a scrambled order.
    private func examples(_ n: Int) -> [TrainingExample] {
        (0..<n).map { i in
            let length = 1 + (i * 37) % n
            return TrainingExample(tokens: [Int32](repeating: 5, count: length))
        }
    }

    private func paddedTokens(_ batcher: TrainingBatcher, epoch: Int) -> Int {
        let order = batcher.order(epoch: epoch)
        return (0..<batcher.batchesPerEpoch).reduce(0) { total, i in
            let batch = batcher.batch(i, order: order)
            return total + batch.B * batch.T
        }
    }

    @Test("grouping by length keeps every example once, full batches first, the same order for the same seed")
    func groupedOrderIsAPermutation() {
        let batcher = TrainingBatcher(examples: examples(103), batchSize: 4, maxLength: 512, seed: 7, groupByLength: true)
        let order = batcher.order(epoch: 0)
        #expect(order.sorted() == Array(0..<103))
        #expect(order == batcher.order(epoch: 0))
        #expect(order != batcher.order(epoch: 1))
        // 103 = 25 full batches and one of 3, which comes last.
        let last = batcher.batch(batcher.batchesPerEpoch - 1, order: order)
        #expect(last.B == 3)
        #expect((0..<(batcher.batchesPerEpoch - 1)).allSatisfy { batcher.batch($0, order: order).B == 4 })
    }

    @Test("grouping by length pads far less than plain shuffled batches")
    func groupedBatchesPadLess() {
        let data = examples(160)
        let real = data.reduce(0) { $0 + $1.tokens.count }
        let plain = TrainingBatcher(examples: data, batchSize: 4, maxLength: 512, seed: 3)
        let grouped = TrainingBatcher(examples: data, batchSize: 4, maxLength: 512, seed: 3, groupByLength: true)
        let plainPadding = paddedTokens(plain, epoch: 0) - real
        let groupedPadding = paddedTokens(grouped, epoch: 0) - real
        #expect(groupedPadding * 5 < plainPadding, "padding: grouped \(groupedPadding), plain \(plainPadding)")
    }

    @Test("without shuffling the order is the data's own, grouped or not")
    func noShuffleKeepsOrder() {
        let batcher = TrainingBatcher(examples: examples(9), batchSize: 2, maxLength: 512, seed: 1, shuffle: false,
                                      groupByLength: true)
        #expect(batcher.order(epoch: 3) == Array(0..<9))
    }
}
