import Foundation
import Llama
import Tensor

/// Issue 3's inference benchmark on the demo model: batched forward without gradients (4 x 128),
/// prompt evaluation (256 tokens, KV cache) and generation (128 tokens on the quantized blocks),
/// with the sgemm peak measured in the same run for context.
func benchmarkModel(path: String) throws {
    let url = URL(fileURLWithPath: path)
    print("model: \(url.lastPathComponent)")
    let peak = measureSgemmPeak()
    print(String(format: "sgemm peak (1024x1024x1024, best of 5): %.1f GFLOP/s", peak))
    let bandwidth = measureReadBandwidth()
    print(String(format: "read bandwidth (1 GB, best of 5): %.1f GB/s with 1 thread, %.1f GB/s with 2 threads",
                 bandwidth.one, bandwidth.two))

    let model = try LlamaModel(ggufAt: url)
    let c = model.config
    var rng = Xoshiro256(seed: 1)
    func randomTokens(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(rng.next() % UInt64(c.vocabSize)) } }
    // Weights per token for the FLOP count: 2 FLOPs per weight of every matmul, plus attention.
    let linear =
        c.layerCount
        * (c.hiddenSize * (c.qDim + 2 * c.kvDim) + c.qDim * c.hiddenSize + 3 * c.hiddenSize * c.intermediateSize) + c
        .vocabSize * c.hiddenSize
    func flops(tokens: Int, context: Int) -> Double {
        Double(tokens) * (2 * Double(linear) + 4 * Double(c.layerCount * c.qDim * context))
    }

    // Batched forward, 4 x 128, all logits.
    let B = 4, T = 128
    let batch = randomTokens(B * T)
    let acts = model.makeActivations(rows: B * T, keys: T)
    var best = Double.infinity
    for _ in 0..<3 {
        let start = DispatchTime.now()
        try batch.withUnsafeBufferPointer {
            try model.forward(tokens: $0.baseAddress!, mask: nil, B: B, T: T, activations: acts)
        }
        best = min(best, seconds(since: start))
    }
    let forwardRate = Double(B * T) / best
    let forwardFlops = flops(tokens: B * T, context: T / 2) / best / 1e9
    print(String(format: "forward 4x128 (no gradients; %.3f s, %.1f GFLOP/s = %.0f%% of sgemm peak): %.0f tokens/s",
                 best, forwardFlops, 100 * forwardFlops / peak, forwardRate))

    // Prompt evaluation: 256 tokens into a KV cache, last logits only.
    let prompt = randomTokens(256)
    best = .infinity
    for _ in 0..<3 {
        let cache = KVCache(config: c, capacity: 256)
        let promptActs = model.makeActivations(rows: 256, keys: 256, logitRows: 1)
        let start = DispatchTime.now()
        try prompt.withUnsafeBufferPointer {
            try model.forward(tokens: $0.baseAddress!, count: 256, cache: cache, activations: promptActs)
        }
        best = min(best, seconds(since: start))
    }
    let promptFlops = flops(tokens: 256, context: 128) / best / 1e9
    print(String(format: "prompt eval 256 tokens (%.3f s, %.1f GFLOP/s = %.0f%% of sgemm peak): %.0f tokens/s",
                 best, promptFlops, 100 * promptFlops / peak, 256 / best))

    // Generation: 128 tokens, greedy, never stopping early.
    var generationRate = 0.0
    for _ in 0..<2 {
        let options = GenerationOptions(maxNewTokens: 128, stopTokenIds: [])
        let result = try model.generate(prompt: Array(prompt.prefix(8)).map(Int.init), options: options)
        generationRate = max(generationRate, Double(result.tokens.count) / result.generationSeconds)
    }
    let weightBytes = Double(decodeWeightBytes(model))
    let streamed = weightBytes * generationRate / 1e9
    print(String(format: "generation 128 tokens (weights %.1f MB per token, %.1f GB/s = %.0f%% of read bandwidth): "
                 + "%.1f tokens/s", weightBytes / 1e6, streamed, 100 * streamed / max(bandwidth.two, bandwidth.one),
                 generationRate))
}

func measureSgemmPeak() -> Double {
    let n = 1024
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var out = [Float](repeating: 0, count: n * n)
    var best = Double.infinity
    for _ in 0..<5 {
        let start = DispatchTime.now()
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    sgemm(
                        transposeA: false, transposeB: true, n, n, n, pa.baseAddress!, lda: n, pb.baseAddress!, ldb: n,
                        po.baseAddress!, ldc: n)
                }
            }
        }
        best = min(best, seconds(since: start))
    }
    return 2 * Double(n * n * n) / best / 1e9
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
