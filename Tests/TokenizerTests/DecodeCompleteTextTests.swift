import Foundation
import Testing
import Tokenizer

@Suite("Decoding generated text")
struct DecodeCompleteTextTests {
    let tokenizer = try! BPETokenizer(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../models/SmolLM2-135M-Instruct.Q4_1.gguf").standardizedFileURL)

    @Test("a trailing incomplete character is dropped, whole text is kept")
    func dropsIncompleteTail() {
        let ids = tokenizer.encode("检测结果", parseSpecial: false)
        // Find a prefix of ids whose bytes end inside a character.
        let cut = (1...ids.count).first { n in
            let bytes = tokenizer.decodeBytes(Array(ids.prefix(n)))
            return String(validating: bytes, as: UTF8.self) == nil
        }
        if let cut {
            let text = tokenizer.decodeCompleteText(Array(ids.prefix(cut)))
            #expect(!text.contains("\u{FFFD}"))
            #expect("检测结果".hasPrefix(text))
        }
        #expect(tokenizer.decodeCompleteText(ids) == "检测结果")
        #expect(cut != nil, "the test needs a token that splits a character")
    }
}
