import Foundation
import Safetensors
import TestSupport

/// Locations of the package, the reference data and the demo model,
/// found from this file's path (never from the current directory).
enum Paths {
    static let package = TestPaths.packageRoot
    static let reference = TestPaths.reference
    static let tiny = reference.appendingPathComponent("tiny")
    static let smollm2Reference = reference.appendingPathComponent("smollm2")
    static let demoModel = TestPaths.demoModel
}

/// `cases.json` of the SmolLM2 reference.
struct SmolCases: Decodable {
    struct Case: Decodable {
        let prompt: String
        let ids: [Int]
        let argmax_per_position: [Int]
        let greedy_24: [Int]
        let greedy_24_text: String?
        let llamacpp_last_argmax: Int
    }
    let cases: [Case]
    let batch_loss: Double

    static func load() throws -> SmolCases {
        try JSONDecoder().decode(SmolCases.self, from: Data(contentsOf: Paths.smollm2Reference.appendingPathComponent("cases.json")))
    }
}

/// Largest absolute difference of two equal-length arrays (infinity when lengths differ).
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var m: Float = 0
    for i in 0..<a.count { m = max(m, abs(a[i] - b[i])) }
    return m
}

/// Index of the largest value of each row of a (rows, V) array.
func rowArgmax(_ x: [Float], V: Int) -> [Int] {
    (0..<(x.count / V)).map { r in
        var best = 0
        for i in 1..<V where x[r * V + i] > x[r * V + best] { best = i }
        return best
    }
}

/// `logits.safetensors` of the SmolLM2 reference: transformers' full logit rows at three
/// positions of each prompt, and the 32 largest logits (with their ids) at every position.
struct SmolLogits {
    let file: SafetensorsFile

    static func load() throws -> SmolLogits {
        SmolLogits(file: try SafetensorsFile(contentsOf: Paths.smollm2Reference.appendingPathComponent("logits.safetensors")))
    }

    /// The largest difference between `logits` (T, V) of prompt `i` and the reference, over the kept
    /// rows and every position's top 32 (infinity when the shapes differ).
    func maxAbsDiff(prompt i: Int, logits: [Float]) throws -> Float {
        let positions = try file.int32s("prompt\(i).positions").map(Int.init)
        let rows = try file.floats("prompt\(i).rows")
        let topIds = try file.int32s("prompt\(i).top_ids").map(Int.init)
        let topLogits = try file.floats("prompt\(i).top_logits")
        let V = rows.count / positions.count, K = 32
        guard logits.count == V * topIds.count / K else { return .infinity }
        var worst: Float = 0
        for (r, t) in positions.enumerated() {
            for v in 0..<V { worst = max(worst, abs(logits[t * V + v] - rows[r * V + v])) }
        }
        for t in 0..<(topIds.count / K) {
            for k in 0..<K { worst = max(worst, abs(logits[t * V + topIds[t * K + k]] - topLogits[t * K + k])) }
        }
        return worst
    }
}
