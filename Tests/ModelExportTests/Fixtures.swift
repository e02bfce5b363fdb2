import Foundation
import GGUF
import Llama
import Safetensors
import TestSupport
import Tokenizer

/// The reference models and texts the export tests start from.
enum Fixtures {
    static let tiny = TestPaths.reference.appendingPathComponent("tiny")
    static let tinyAdapter = tiny.appendingPathComponent("adapter")
    static let tinyGGUF = tiny.appendingPathComponent("gguf/tiny-f32.gguf")
    static let smollm2 = TestPaths.reference.appendingPathComponent("smollm2")

    /// The tiny model's reference batch (2, 16).
    static func tinyBatch() throws -> [[Int]] {
        let file = try SafetensorsFile(contentsOf: tiny.appendingPathComponent("reference.safetensors"))
        let ids = try file.int32s("batch.input_ids").map(Int.init)
        let T = file.info("batch.input_ids")?.shape.last ?? 1
        return stride(from: 0, to: ids.count, by: T).map { Array(ids[$0..<($0 + T)]) }
    }

    static func tinyTokenizer() throws -> BPETokenizer {
        try BPETokenizer(gguf: GGUFFile(contentsOf: tinyGGUF))
    }

    /// The chat template a tokenizer's own Jinja string stands for.
    static func template(of tokenizer: BPETokenizer) -> ChatTemplate? {
        tokenizer.vocabulary.chatTemplate.flatMap {
            ChatTemplate.detect(jinja: $0, eosText: tokenizer.specialTokens.eos.flatMap(tokenizer.tokenText) ?? "")
        }
    }

    /// One line of smollm2/tokenizer.jsonl.
    struct ReferenceLine: Decodable {
        let text: String
        let ids: [Int32]
        let ids_with_special: [Int32]
    }

    static func referenceLines() throws -> [ReferenceLine] {
        let text = try String(contentsOf: smollm2.appendingPathComponent("tokenizer.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONDecoder().decode(ReferenceLine.self, from: Data($0.utf8))
        }
    }

    static var hasDemoModel: Bool { FileManager.default.fileExists(atPath: TestPaths.demoModel.path) }
}

/// Largest absolute difference of two equal-length arrays (infinity when lengths differ).
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var m: Float = 0
    for i in 0..<a.count { m = max(m, abs(a[i] - b[i])) }
    return m
}

/// Names of the entries of a folder, hidden ones included, sorted.
func entries(_ folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
}
