import Foundation
import Llama
import Testing

/// `size` ranks as threads of one process: each sum waits for every rank, then each rank adds the
/// ranks' values in rank order (as MPI_Allreduce would, up to its order).
private final class ThreadRanks: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [[Double]?]
    private var generation = 0
    private var arrived = 0

    init(size: Int) {
        self.size = size
        slots = Array(repeating: nil, count: size)
    }

    func sum(_ values: [Double], rank: Int) -> [Double] {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        slots[rank] = values
        arrived += 1
        if arrived == size {
            let total = slots.dropFirst().reduce(slots[0]!) { sum, next in zip(sum, next!).map { $0 + $1 } }
            slots = Array(repeating: total, count: size)
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        return slots[rank]!
    }
}

private final class ThreadReducer: GradientReducer {
    let ranks: ThreadRanks
    let rank: Int
    var size: Int { ranks.size }

    init(_ ranks: ThreadRanks, rank: Int) {
        self.ranks = ranks
        self.rank = rank
    }

    func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        let total = ranks.sum(values.map(Double.init), rank: rank)
        for i in values.indices { values[i] = Float(total[i]) }
    }

    func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        let total = ranks.sum(Array(values), rank: rank)
        for i in values.indices { values[i] = total[i] }
    }
}

private func examples(_ count: Int) -> [TrainingExample] {
    (0..<count).map { n in
        let tokens = (0..<(5 + n % 7)).map { Int32(($0 * 5 + n * 3) % 40) }
        var labels = tokens
        labels[0] = -100
        return TrainingExample(tokens: tokens, labels: labels)
    }
}

private func settings() -> TrainingHyperparameters {
    var hp = TrainingHyperparameters()
    hp.rank = 4
    hp.targets = ["q_proj", "v_proj", "down_proj"]
    hp.batchSize = 3  // shares of 1 and 2 rows: uneven on purpose
    hp.gradientAccumulation = 2
    hp.maxSteps = 5
    hp.learningRate = 1e-2
    hp.seed = 3
    return hp
}

/// Each step's loss and gradient norm, and the trained adapter.
private func train(rank: Int, of ranks: ThreadRanks?) throws -> (log: [(Float, Float)], adapter: [Float]) {
    let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
    let reducer: GradientReducer = ranks.map { ThreadReducer($0, rank: rank) } ?? SingleProcess()
    let trainer = try Trainer(model: model, hyperparameters: settings(), trainingSet: examples(11), reducer: reducer)
    var log: [(Float, Float)] = []
    try trainer.train(progress: { if case let .step(_, _, loss, _, norm, _) = $0 { log.append((loss, norm)) } })
    return (log, Array(try #require(trainer.adapter).buffer))
}

@Suite("Data-parallel trainer")
struct DataParallelTrainerTests {
    @Test("the shares of a batch's rows add up to the batch: sequences, kept labels and tokens")
    func batchShares() {
        let batcher = TrainingBatcher(examples: examples(5), batchSize: 5, maxLength: 64, seed: 1)
        let batch = batcher.batch(0, order: batcher.order(epoch: 0))
        let shares = [batch.rows(0..<2), batch.rows(2..<5)]
        #expect(shares.map(\.B) == [2, 3])
        #expect(shares.map(\.keptLabels).reduce(0, +) == batch.keptLabels)
        #expect(shares.map(\.tokenCount).reduce(0, +) == batch.tokenCount)
        for (share, range) in zip(shares, [0..<2, 2..<5]) {
            #expect(share.T <= batch.T)
            for (row, b) in range.enumerated() {
                let kept = (0..<share.T).map { share.tokens[row * share.T + $0] }
                #expect(kept == Array(batch.tokens[(b * batch.T)..<(b * batch.T + share.T)]))
                #expect(batch.mask[(b * batch.T + share.T)..<((b + 1) * batch.T)].allSatisfy { $0 == 0 })
            }
        }
    }

    @Test("ranks, each training its share of every micro-batch, follow the single process", arguments: [2, 3])
    func ranksFollowOneProcess(size: Int) throws {
        let single = try train(rank: 0, of: nil)
        let ranks = ThreadRanks(size: size)
        let results = UnsafeSendableResults(count: size)
        let group = DispatchGroup()
        for rank in 0..<size {  // one thread each: every rank must be running for a sum to finish
            group.enter()
            Thread.detachNewThread {
                results.set(rank, Result { try train(rank: rank, of: ranks) })
                group.leave()
            }
        }
        group.wait()
        let parallel = try results.values.map { try $0.get() }
        #expect(parallel.allSatisfy { $0.adapter == parallel[0].adapter }, "every rank takes the same steps")
        #expect(parallel[0].log.count == single.log.count)
        for ((loss, norm), (pLoss, pNorm)) in zip(single.log, parallel[0].log) {
            #expect(abs(loss - pLoss) <= 1e-5 && abs(norm - pNorm) <= 1e-5 * norm, "\(single.log) \(parallel[0].log)")
        }
        let difference = zip(single.adapter, parallel[0].adapter).map { abs($0 - $1) }.max() ?? 0
        let largest = single.adapter.map(abs).max() ?? 0
        #expect(difference <= 1e-5 * largest, "max difference \(difference) of \(largest)")
    }
}

private final class UnsafeSendableResults: @unchecked Sendable {
    private let lock = NSLock()
    typealias Run = Result<(log: [(Float, Float)], adapter: [Float]), Error>
    private var results: [Run?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Run) { lock.withLock { results[i] = r } }
    var values: [Run] { lock.withLock { results.map { $0! } } }
}
