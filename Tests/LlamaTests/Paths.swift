import Foundation

/// Locations of the package, the shared reference data and the demo model,
/// found from this file's path (never from the current directory).
enum Paths {
    /// The folder that holds Package.swift.
    static let package: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()
    static let reference = package.appendingPathComponent("../shared/reference").standardizedFileURL
    static let tiny = reference.appendingPathComponent("tiny")
    static let smollm2Reference = reference.appendingPathComponent("smollm2")
    static let demoModel = package.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
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
