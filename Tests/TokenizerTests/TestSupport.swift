import Foundation
import GGUF
import TestSupport
import Tokenizer

let packageRoot = TestPaths.packageRoot
let referenceFolder = TestPaths.reference
let demoModelURL = TestPaths.demoModel
let tinyGGUFURL = referenceFolder.appendingPathComponent("tiny/gguf/tiny-f32.gguf")

struct ReferenceLine: Sendable {
    let text: String
    let ids: [Int32]
    let idsWithSpecial: [Int32]
}

enum TestDataError: Error { case malformed(String) }

/// Every line of `smollm2/tokenizer.jsonl`.
func referenceLines() throws -> [ReferenceLine] {
    let url = referenceFolder.appendingPathComponent("smollm2/tokenizer.jsonl")
    let text = try String(contentsOf: url, encoding: .utf8)
    return try text.split(separator: "\n").map { line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let text = object["text"] as? String,
              let ids = object["ids"] as? [NSNumber],
              let special = object["ids_with_special"] as? [NSNumber]
        else { throw TestDataError.malformed(String(line)) }
        return ReferenceLine(text: text, ids: ids.map { $0.int32Value },
                             idsWithSpecial: special.map { $0.int32Value })
    }
}

/// The prompts of `smollm2/cases.json` with their ids.
func referenceCases() throws -> [(prompt: String, ids: [Int32])] {
    let url = referenceFolder.appendingPathComponent("smollm2/cases.json")
    guard let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any],
          let cases = root["cases"] as? [[String: Any]]
    else { throw TestDataError.malformed("cases.json") }
    return try cases.map { c in
        guard let prompt = c["prompt"] as? String, let ids = c["ids"] as? [NSNumber] else {
            throw TestDataError.malformed("case")
        }
        return (prompt, ids.map { $0.int32Value })
    }
}

/// The demo model's tokenizer, loaded once.
let smolLM2: Result<BPETokenizer, any Error> = Result {
    try BPETokenizer(gguf: GGUFFile(contentsOf: demoModelURL))
}
