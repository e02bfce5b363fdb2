import Crypto
import Foundation
import Llama
import ModelExport
import TestSupport
import Testing

private func sha256(_ url: URL) throws -> String {
    SHA256.hash(data: try Data(contentsOf: url)).map { String(format: "%02x", $0) }.joined()
}

/// Digests of the tiny model's exports. A change here is a change of the files other tools read:
/// check them with scripts/interop before updating a digest.
@Suite("Golden export bytes")
struct GoldenExportTests {
    @Test("the tiny model's Hugging Face export has the recorded bytes")
    func hfFiles() throws {
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        let folder = try makeTemporaryFolder("golden").appendingPathComponent("hf")
        let tokenizer = try Fixtures.tinyTokenizer()
        try HFExport.write(model, tokenizer: tokenizer, template: Fixtures.template(of: tokenizer), to: folder)
        let expected = [
            "config.json": "",
            "generation_config.json": "",
            "model.safetensors": "",
            "tokenizer.json": "",
            "tokenizer_config.json": "",
        ]
        for (name, digest) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(try sha256(folder.appendingPathComponent(name)) == digest, "\(name)")
        }
    }

    @Test("the tiny adapter's PEFT export has the recorded bytes")
    func peftFiles() throws {
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        let adapter = try LoRAAdapter(peftFolder: Fixtures.tinyAdapter, config: model.config)
        let folder = try makeTemporaryFolder("golden").appendingPathComponent("peft")
        try PEFTExport.write(adapter, baseModel: "../hf", to: folder)
        let expected = [
            "adapter_config.json": "",
            "adapter_model.safetensors": "",
        ]
        for (name, digest) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(try sha256(folder.appendingPathComponent(name)) == digest, "\(name)")
        }
    }
}
