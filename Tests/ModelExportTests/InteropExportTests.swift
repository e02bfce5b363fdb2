// What scripts/interop hands to transformers and PEFT: with PIPE_INTEROP_EXPORT=<folder> set,
// this suite writes the exports and pipe's own outputs there (it is skipped otherwise):
//
//   tiny-hf/, tiny-merged-hf/, smollm2-hf/   HFExport of the tiny model, of the tiny model with its
//                                            adapter merged, and of the demo model (from its GGUF)
//   tiny-sharded-hf/                         the tiny model in three shards with an index
//   tiny-peft/                               PEFTExport of the tiny adapter (base "../tiny-hf")
//   pipe.safetensors                         <name>.input_ids (B, T) int32 and <name>.logits (B, T, V)
//                                            for tiny, tiny_lora and smollm2.case<i>
//   renders.json                             [{folder, messages, add_generation_prompt, text}]:
//                                            pipe's chat template renders

import Foundation
import GGUF
import JSON
import Llama
import ModelExport
import Safetensors
import TestSupport
import Testing
import Tokenizer

private let exportFolder = ProcessInfo.processInfo.environment["PIPE_INTEROP_EXPORT"]

@Suite("Exports for the interop scripts", .enabled(if: exportFolder != nil))
struct InteropExportTests {
    @Test("writes the exports and pipe's logits and renders for scripts/interop")
    func writeExports() throws {
        let out = URL(fileURLWithPath: exportFolder ?? "", isDirectory: true)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var logits = SafetensorsWriter()
        var renders: [JSONValue] = []

        let tinyTokenizer = try Fixtures.tinyTokenizer()
        let tiny = try LlamaModel(huggingFaceFolder: Fixtures.tiny)
        let batch = try Fixtures.tinyBatch()
        try HFExport.write(tiny, tokenizer: tinyTokenizer, template: Fixtures.template(of: tinyTokenizer),
                           to: out.appendingPathComponent("tiny-hf"))
        try add(&logits, "tiny", batch, try tiny.logits(batch), tiny.config.vocabSize)
        let adapter = try LoRAAdapter(peftFolder: Fixtures.tinyAdapter, config: tiny.config)
        try PEFTExport.write(adapter, baseModel: "../tiny-hf", to: out.appendingPathComponent("tiny-peft"))
        tiny.adapters = [adapter]
        try add(&logits, "tiny_lora", batch, try tiny.logits(batch), tiny.config.vocabSize)
        try HFExport.write(tiny, tokenizer: tinyTokenizer, template: Fixtures.template(of: tinyTokenizer),
                           to: out.appendingPathComponent("tiny-merged-hf"))
        renders += try self.renders("tiny-hf", Fixtures.template(of: tinyTokenizer))
        tiny.adapters = []
        try HFExport.write(tiny, tokenizer: tinyTokenizer, template: nil,
                           to: out.appendingPathComponent("tiny-sharded-hf"), maxShardBytes: 200_000)

        if Fixtures.hasDemoModel {
            let smol = try LlamaModel(ggufAt: TestPaths.demoModel, keepQuantized: false)
            let smolTokenizer = try BPETokenizer(gguf: GGUFFile(contentsOf: TestPaths.demoModel))
            try HFExport.write(smol, tokenizer: smolTokenizer, template: Fixtures.template(of: smolTokenizer),
                               to: out.appendingPathComponent("smollm2-hf"))
            let cases = try JSONParser.parse(Data(contentsOf: Fixtures.smollm2.appendingPathComponent("cases.json")))
            for (i, item) in (cases["cases"]?.arrayValue ?? []).enumerated() {
                let ids = item["ids"]?.arrayValue?.compactMap(\.intValue) ?? []
                try add(&logits, "smollm2.case\(i)", [ids], try smol.logits([ids]), smol.config.vocabSize)
            }
            renders += try self.renders("smollm2-hf", Fixtures.template(of: smolTokenizer))
        }
        try logits.write(to: out.appendingPathComponent("pipe.safetensors"))
        try Data(JSONValue.array(renders).prettyText.utf8).write(to: out.appendingPathComponent("renders.json"))
    }

    private func add(_ writer: inout SafetensorsWriter, _ name: String, _ ids: [[Int]], _ logits: [Float],
                     _ vocabulary: Int) throws {
        let B = ids.count, T = ids.first?.count ?? 0
        try writer.add("\(name).input_ids", int32s: ids.flatMap { $0.map { Int32($0) } }, shape: [B, T])
        try writer.add("\(name).logits", floats: logits, shape: [B, T, vocabulary])
    }

    /// pipe's renders of a few conversations, with and without the generation prompt.
    private func renders(_ folder: String, _ template: ChatTemplate?) throws -> [JSONValue] {
        guard let template else { return [] }
        let conversations: [[ChatMessage]] = [
            [.init(role: "user", content: "Hello!")],
            [.init(role: "system", content: "You answer in one line."), .init(role: "user", content: "2+2?")],
            [.init(role: "user", content: "Translate: 急性心梗"), .init(role: "assistant", content: "acute MI\n"),
             .init(role: "user", content: "  and 'quotes' \"too\"  ")],
        ]
        return conversations.flatMap { messages in
            [false, true].map { generation -> JSONValue in
                [
                    "folder": .string(folder),
                    "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
                    "add_generation_prompt": .bool(generation),
                    "text": .string(template.render(messages, addGenerationPrompt: generation)),
                ]
            }
        }
    }
}
