// `pipe-bench generate`: generation alone (128 tokens, greedy, never stopping early), several runs,
// with the best and the median and the weights' bytes per second against the host's read
// bandwidth measured in the same run, and the load average before and after (a busy host reads
// slower: compare runs of one command at similar loads).
import Foundation
import Llama
import Tensor

func benchmarkGeneration(arguments: [String]) throws {
    let runsAt = arguments.firstIndex(of: "--runs")
    let runs = runsAt.flatMap { arguments.dropFirst($0 + 1).first }.flatMap(Int.init).map { max(1, $0) } ?? 5
    let path = arguments.indices.first { !arguments[$0].hasPrefix("--") && $0 != runsAt.map { $0 + 1 } }
        .map { arguments[$0] } ?? "models/SmolLM2-135M-Instruct.Q4_1.gguf"
    let model = try LlamaModel(ggufAt: URL(fileURLWithPath: path))
    print("model: \(URL(fileURLWithPath: path).lastPathComponent); load average: \(loadAverage())")
    let bandwidth = measureReadBandwidth()
    let limit = max(bandwidth.one, bandwidth.two)
    print(String(format: "read bandwidth (1 GB, best of 5): %.1f GB/s with 1 thread, %.1f GB/s with 2 threads",
                 bandwidth.one, bandwidth.two))
    var rng = Xoshiro256(seed: 1)
    let prompt = (0..<8).map { _ in Int(rng.next() % UInt64(model.config.vocabSize)) }
    let weightBytes = Double(decodeWeightBytes(model))
    let options = GenerationOptions(maxNewTokens: 128, stopTokenIds: [])
    var rates: [Double] = []
    var first: [Int]?
    for run in 0..<runs {
        let result = try model.generate(prompt: prompt, options: options)
        if first == nil { first = result.tokens }
        let rate = Double(result.tokens.count) / result.generationSeconds
        rates.append(rate)
        print(String(format: "  run %d: %.1f tokens/s, %.1f GB/s%@", run + 1, rate, weightBytes * rate / 1e9,
                     result.tokens == first ? "" : " (tokens differ from run 1)"))
    }
    rates.sort()
    let best = rates.last ?? 0, median = rates[rates.count / 2]
    print(String(format: "generation 128 tokens (weights %.1f MB per token), best of %d: %.1f tokens/s, %.1f GB/s = "
                 + "%.0f%% of read bandwidth; median %.1f tokens/s = %.0f%%", weightBytes / 1e6, runs, best,
                 weightBytes * best / 1e9, 100 * weightBytes * best / 1e9 / limit, median,
                 100 * weightBytes * median / 1e9 / limit))
    print("load average after: \(loadAverage())")
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg gives them.
func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}
