import Foundation
import GGUF
import Llama
import ModelExport
import Testing
import Tokenizer

/// `GGUFExport.writeModel(gguf:)` reads the weights from the mapped file; its twin loads the file as
/// a float model first. Both must write the same bytes.
@Suite("Exporting a GGUF file's model without loading it")
struct GGUFFileExportTests {
    @Test("writing from the mapped file gives the bytes of writing the loaded model",
          arguments: ["f32", "q8_0", "q4_1"], ["f32", "q8_0", "q4_1", "q4_k_m"])
    func sameBytes(source: String, target: String) throws {
        let scratch = try Scratch()
        let type = try #require(QuantizationType(rawValue: target))
        try expectSameExport(of: Tiny.gguf(source), as: type, in: scratch)
    }

    @Test("a file with Llama 3.1 rotary factors keeps them", arguments: ["f32", "q8_0"])
    func ropeFactors(target: String) throws {
        let scratch = try Scratch()
        var config = try LlamaModel(ggufAt: Tiny.f32).config
        config.ropeScaling = RopeScaling(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 16)
        let source = scratch.file("scaled.gguf")
        try exportTiny(LlamaModel(config: config, seed: 7), .f32, to: source)
        #expect(try GGUFFile(contentsOf: source).tensor(named: "rope_freqs.weight") != nil)
        try expectSameExport(of: source, as: try #require(QuantizationType(rawValue: target)), in: scratch)
    }

    func expectSameExport(of source: URL, as type: QuantizationType, in scratch: Scratch) throws {
        let file = try GGUFFile(contentsOf: source)
        let tokenizer = try BPETokenizer(gguf: file)
        let loaded = scratch.file("loaded.gguf"), mapped = scratch.file("mapped.gguf")
        try GGUFExport.writeModel(LlamaModel(gguf: file), tokenizer: tokenizer, template: nil, type: type, name: "tiny", to: loaded)
        try GGUFExport.writeModel(gguf: file, tokenizer: tokenizer, template: nil, type: type, name: "tiny", to: mapped)
        let a = try Data(contentsOf: loaded), b = try Data(contentsOf: mapped)
        #expect(a.count == b.count)
        #expect(a == b, "\(source.lastPathComponent) as \(type): first different byte \(String(describing: zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset))")
    }
}
