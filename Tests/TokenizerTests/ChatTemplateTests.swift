import Foundation
import Testing
import Tokenizer

@Suite("Chat templates")
struct ChatTemplateTests {
    @Test("ChatML renders the second reference prompt exactly")
    func chatMLMatchesCase() throws {
        let cases = try referenceCases()
        let template = try ChatTemplate(named: "chatml")
        let text = template.render([ChatMessage(role: "user", content: "急性心梗的急诊处理流程是什么?")],
                                   addGenerationPrompt: true)
        #expect(text == cases[1].prompt)
    }

    @Test("SmolLM2's GGUF template is detected as ChatML with its default system prompt")
    func smolLM2Template() throws {
        let tokenizer = try smolLM2.get()
        let template = try #require(tokenizer.chatTemplate)
        #expect(template.kind == .chatml)
        #expect(template.defaultSystemPrompt == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let text = template.render([ChatMessage(role: "user", content: "What is the boiling point of water?")],
                                   addGenerationPrompt: true)
        let cases = try referenceCases()
        #expect(text == cases[3].prompt)
        #expect(tokenizer.encode(text, parseSpecial: true) == cases[3].ids)
        // An explicit system message replaces the default one.
        let own = template.render([ChatMessage(role: "system", content: "Be brief."),
                                   ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: false)
        #expect(own == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

    @Test("Llama 3 writes header ids and trimmed contents, ending turns with <|eot_id|>")
    func llama3() throws {
        let template = try ChatTemplate(named: "llama3")
        let text = template.render([ChatMessage(role: "system", content: " Be brief. "),
                                    ChatMessage(role: "user", content: "Hi\n")], addGenerationPrompt: true)
        #expect(text == "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n")
        #expect(template.endOfTurn == "<|eot_id|>")
        let detected = ChatTemplate.detect(jinja: "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' }}")
        #expect(detected?.kind == .llama3)
    }

    @Test("Alpaca and plain end the assistant turn with EOS")
    func alpacaAndPlain() throws {
        let alpaca = try ChatTemplate(named: "alpaca", eosText: "</s>")
        let conversation = [ChatMessage(role: "user", content: "Add 2 and 2."),
                            ChatMessage(role: "assistant", content: "4")]
        #expect(alpaca.render(conversation, addGenerationPrompt: false)
            == ChatTemplate.alpacaPreamble + "\n\n### Instruction:\nAdd 2 and 2.\n\n### Response:\n4</s>\n\n")
        #expect(alpaca.endOfTurn == "</s>")
        let plain = try ChatTemplate(named: "plain", eosText: "</s>")
        #expect(plain.render(conversation, addGenerationPrompt: true) == "Add 2 and 2.\n4</s>\n")
        #expect(ChatTemplate.detect(jinja: "{{ '### Instruction:\n' }}")?.kind == .alpaca)
        #expect(ChatTemplate.detect(jinja: "{{ messages }}") == nil)
    }

    @Test("training parts are prompt, completion and end of turn, in that order a prefix of the whole")
    func trainingParts() throws {
        let conversation = [ChatMessage(role: "system", content: "S"),
                            ChatMessage(role: "user", content: "Q"),
                            ChatMessage(role: "assistant", content: " A ")]
        for kind in ChatTemplate.Kind.allCases {
            let template = ChatTemplate(kind: kind, defaultSystemPrompt: "D", eosText: "<eos>")
            let parts = try template.trainingParts(conversation)
            let whole = template.render(conversation, addGenerationPrompt: false)
            #expect(whole.hasPrefix(parts.prompt + parts.completion + parts.endOfTurn), "\(kind)")
            #expect(parts.prompt == template.render(Array(conversation.dropLast()), addGenerationPrompt: true))
        }
        let chatml = try ChatTemplate(named: "chatml")
        let parts = try chatml.trainingParts(Array(conversation.dropFirst()))
        #expect(parts.prompt == "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n")
        #expect(parts.completion == " A ")
        #expect(parts.endOfTurn == "<|im_end|>")
    }

    @Test("bad names and conversations give typed errors")
    func errors() {
        #expect(throws: TokenizerError.unknownChatTemplate("vicuna")) { try ChatTemplate(named: "vicuna") }
        let template = ChatTemplate(kind: .chatml)
        #expect(throws: TokenizerError.invalidConversation("no messages")) { try template.trainingParts([]) }
        #expect(throws: TokenizerError.self) {
            try template.trainingParts([ChatMessage(role: "user", content: "Q")])
        }
    }
}
