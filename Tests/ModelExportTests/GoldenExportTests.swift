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
            "config.json": "95206462f21014b82a4a89c5a008e6d5146b76dd1ad5794ce00108869259b80e",
            "generation_config.json": "7f7bd4089e9fed0ac8d41155e18329a8260412ce4c7749d0005ff6a9c8dd1c05",
            "model.safetensors": "2b4ca573d2f916d755e85cd2a97fb8050f77972468c0fda7ce47f82444f066fb",
            "tokenizer.json": "1d7a41045ff55302308b875e89dd0b6e2d566bdd4bad3157b30b31418a2e32e5",
            "tokenizer_config.json": "d208aa906225967dab35645f12d436ed25e1ab432c934d656c861d668e82645e",
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
        try PEFTExport.write(adapter, baseModel: "../tiny-hf", to: folder)
        let expected = [
            "adapter_config.json": "c20658ca85e1b60f75d7af5283c306a6498a12bfc69c599fa3f72e58c4672e8a",
            "adapter_model.safetensors": "9ed86446dc6368fe20e79e2d957a3d0bde55b639d674c944ee0d71c0535d20f3",
        ]
        for (name, digest) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(try sha256(folder.appendingPathComponent(name)) == digest, "\(name)")
        }
    }
}
