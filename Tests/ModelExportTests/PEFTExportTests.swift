import Foundation
import JSON
import Llama
import ModelExport
import TestSupport
import Testing

@Suite("PEFT export")
struct PEFTExportTests {
    @Test("the tiny adapter exported as PEFT loads back with exactly the same logits and names its base relatively")
    func roundTrip() throws {
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        let adapter = try LoRAAdapter(peftFolder: Fixtures.tinyAdapter, config: model.config)
        let folder = try makeTemporaryFolder("peft-export").appendingPathComponent("peft")
        try PEFTExport.write(adapter, baseModel: "../hf", to: folder)
        #expect(try entries(folder) == ["adapter_config.json", "adapter_model.safetensors"])
        let config = try JSONParser.parse(Data(contentsOf: folder.appendingPathComponent("adapter_config.json")))
        #expect(config["base_model_name_or_path"] == "../hf" && config["peft_type"] == "LORA")
        #expect(config["r"] == 4 && config["lora_alpha"] == 8 && config["task_type"] == "CAUSAL_LM")
        let back = try LoRAAdapter(peftFolder: folder, config: model.config)
        #expect(back.targets == adapter.targets && Array(back.buffer) == Array(adapter.buffer))
        let batch = try Fixtures.tinyBatch()
        model.adapters = [adapter]
        let expected = try model.logits(batch)
        model.adapters = [back]
        #expect(try model.logits(batch) == expected)
    }

    @Test("an absolute base model path of this machine is refused and nothing is written",
          arguments: ["/work/models/base.gguf", "~/models/base", "file:///models/base", "C:\\models\\base"])
    func absoluteBaseRefused(path: String) throws {
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        let adapter = try LoRAAdapter(peftFolder: Fixtures.tinyAdapter, config: model.config)
        let parent = try makeTemporaryFolder("peft-export")
        #expect(throws: HFExportError.absoluteBaseModel(path)) {
            try PEFTExport.write(adapter, baseModel: path, to: parent.appendingPathComponent("peft"))
        }
        #expect(try entries(parent).isEmpty)
        #expect(throws: LlamaError.self) {
            try adapter.savePEFT(to: parent.appendingPathComponent("p"), baseModel: path)
        }
    }

    @Test("a model name and a relative path are accepted, an empty or multi-line name is not",
          arguments: [("HuggingFaceTB/SmolLM2-135M-Instruct", true), ("../hf", true), ("models/base", true),
                      ("", false), ("a\nb", false), (" padded", false)])
    func baseModelNames(name: String, accepted: Bool) {
        let passed = (try? PEFTExport.checkBaseModel(name)) != nil
        #expect(passed == accepted)
    }

    @Test("an adapter folder written before, with an absolute base path, still loads")
    func oldFilesStillLoad() throws {
        let model = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        let adapter = try LoRAAdapter(peftFolder: Fixtures.tinyAdapter, config: model.config)
        let folder = try makeTemporaryFolder("peft-export").appendingPathComponent("old")
        try adapter.savePEFT(to: folder)
        let configURL = folder.appendingPathComponent("adapter_config.json")
        let text = try String(contentsOf: configURL, encoding: .utf8)
            .replacingOccurrences(of: "\"base_model_name_or_path\" : null",
                                  with: "\"base_model_name_or_path\" : \"/root/old/machine/base.gguf\"")
        #expect(text.contains("/root/old/machine"))
        try Data(text.utf8).write(to: configURL)
        let back = try LoRAAdapter(peftFolder: folder, config: model.config)
        #expect(Array(back.buffer) == Array(adapter.buffer))
    }
}
