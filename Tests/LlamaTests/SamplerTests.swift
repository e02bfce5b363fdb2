import Foundation
import Testing
import Llama

@Suite("Sampler")
struct SamplerTests {
    // Logits of 8 tokens; the order by probability is 5, 2, 7, 0, ...
    private let logits: [Float] = [1.0, 0.1, 2.0, -1.0, 0.0, 3.0, 0.2, 1.5]

    private func draws(_ options: SamplingOptions, _ n: Int = 2000) -> [Int: Int] {
        var sampler = Sampler(options: options)
        var counts: [Int: Int] = [:]
        for _ in 0..<n {
            var l = logits
            counts[sampler.sample(&l, l.count, context: []), default: 0] += 1
        }
        return counts
    }

    @Test("temperature 0 is the argmax")
    func greedy() {
        #expect(draws(SamplingOptions(temperature: 0), 10) == [5: 10])
    }

    @Test("top-k keeps only the k most likely tokens and reaches each of them")
    func topK() {
        #expect(Set(draws(SamplingOptions(temperature: 1, topK: 3, seed: 1)).keys) == [5, 2, 7])
    }

    @Test("top-p keeps the smallest most-likely set whose probability reaches p")
    func topP() {
        // p(5) ≈ 0.50, p(2) ≈ 0.18, p(7) ≈ 0.11: top-p 0.6 keeps {5, 2}.
        #expect(Set(draws(SamplingOptions(temperature: 1, topP: 0.6, seed: 2)).keys) == [5, 2])
        #expect(Set(draws(SamplingOptions(temperature: 1, topP: 0.01, seed: 2)).keys) == [5])
    }

    @Test("frequencies follow the softmax at temperature 1")
    func frequencies() {
        let n = 20000
        let counts = draws(SamplingOptions(temperature: 1, seed: 3), n)
        let z = logits.map { exp(Double($0)) }.reduce(0, +)
        for (token, count) in counts {
            #expect(abs(Double(count) / Double(n) - exp(Double(logits[token])) / z) < 0.015, "token \(token)")
        }
    }

    @Test("the same seed draws the same tokens")
    func seeded() {
        #expect(draws(SamplingOptions(temperature: 0.8, topK: 5, topP: 0.9, seed: 11), 300)
                == draws(SamplingOptions(temperature: 0.8, topK: 5, topP: 0.9, seed: 11), 300))
    }
}
