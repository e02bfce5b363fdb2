import Foundation
import GGUF
import Llama
import ModelExport
import TestSupport
import Tokenizer

/// The tiny reference model and its files (Tests/Fixtures/reference/tiny, see its README).
enum Tiny {
    static let folder = TestPaths.reference.appendingPathComponent("tiny")
    static let adapter = folder.appendingPathComponent("adapter")
    static func gguf(_ name: String) -> URL { folder.appendingPathComponent("gguf/tiny-\(name).gguf") }
    /// llama.cpp's own f32 file (its converter's layout, tokenizer and ChatML template).
    static var f32: URL { gguf("f32") }

    static func tokenizer() throws -> BPETokenizer { try BPETokenizer(gguf: GGUFFile(contentsOf: f32)) }

    /// Two rows of token ids of the tiny vocabulary.
    static let tokens = [[1, 5, 9, 200, 17, 3, 44, 120, 7, 298], [7, 7, 260, 31, 2, 99, 150, 11, 270, 271]]
}

/// Exports `model` with the tiny tokenizer as `type` to `url`.
func exportTiny(_ model: LlamaModel, _ type: QuantizationType, to url: URL, template: ChatTemplate? = nil) throws {
    let tokenizer = try Tiny.tokenizer()
    try GGUFExport.writeModel(model, tokenizer: tokenizer, template: template, type: type, name: "tiny", to: url)
}

/// A folder for one test's files, removed when the value goes away.
final class Scratch {
    let url: URL
    init() throws { url = try makeTemporaryFolder("model-export") }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(at: url) }
}

