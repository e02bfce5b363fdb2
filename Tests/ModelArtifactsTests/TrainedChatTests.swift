import Foundation
import Llama
import ModelArtifacts
import Testing
import Tokenizer

/// An adapter artifact of the tiny reference adapter on the tiny GGUF, with `chat` as given.
private func adapterArtifact(chat: TrainedChat?) throws -> URL {
    let folder = try scratchFolder()
    try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Tests/Fixtures/reference/tiny/adapter"),
                                     to: folder.appendingPathComponent(AdapterArtifact.peftFolder))
    try AdapterArtifact(base: try ModelLoader.describe(tinyGGUF), baseKey: "k", method: "lora", rank: 4, alpha: 8,
                        targets: ["q_proj"], chat: chat).write(to: folder)
    return folder
}

@Suite("Trained artifacts carry the chat rendering of their training")
struct TrainedChatTests {
    @Test("an adapter opens with the template and system prompt it was trained with")
    func adapterCarriesChat() throws {
        let folder = try adapterArtifact(chat: TrainedChat(template: "chatml", systemPrompt: "Be brief."))
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = try String(contentsOf: folder.appendingPathComponent(AdapterArtifact.fileName), encoding: .utf8)
        #expect(json.contains(#""system_prompt" : "Be brief.""#), "\(json)")
        let loaded = try openModelArtifact(in: folder, manifestFolder: packageRoot)
        #expect(loaded.model.adapters.count == 1)
        #expect(loaded.chatTemplate.kind == .chatml && loaded.chatTemplate.defaultSystemPrompt == "Be brief.")
        #expect(loaded.chatTemplate.render([ChatMessage(role: "user", content: "Q")], addGenerationPrompt: false)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n")
    }

    @Test("an adapter trained without a system prompt renders no system turn")
    func noSystemPrompt() throws {
        let folder = try adapterArtifact(chat: TrainedChat(template: "chatml", systemPrompt: ""))
        defer { try? FileManager.default.removeItem(at: folder) }
        let template = try openModelArtifact(in: folder, manifestFolder: packageRoot).chatTemplate
        #expect(template.render([ChatMessage(role: "user", content: "Q")], addGenerationPrompt: true)
            == "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test("an artifact from before the rendering was recorded opens with the base model's own template")
    func olderArtifact() throws {
        let folder = try adapterArtifact(chat: nil)
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = try String(contentsOf: folder.appendingPathComponent(AdapterArtifact.fileName), encoding: .utf8)
        #expect(!json.contains("\"chat\""))
        let loaded = try openModelArtifact(in: folder, manifestFolder: packageRoot)
        #expect(loaded.trainedChat == nil)
        #expect(loaded.chatTemplate == loaded.tokenizer.chatTemplate)
    }

    @Test("a trained model artifact carries its rendering through write and read, and shows it")
    func modelArtifact() throws {
        var artifact = try ModelLoader.describe(tinyGGUF)
        artifact.chat = TrainedChat(template: "alpaca", systemPrompt: "")
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try artifact.write(to: folder)
        let read = try ModelArtifact.read(from: folder)
        #expect(read == artifact)
        #expect(read.summaryText.contains("trained with: alpaca template, system prompt none"))
        let template = try read.open(manifestFolder: packageRoot).chatTemplate
        #expect(template.kind == .alpaca)
        #expect(template.render([ChatMessage(role: "user", content: "Q")], addGenerationPrompt: true)
            == "### Instruction:\nQ\n\n### Response:\n")
    }
}
