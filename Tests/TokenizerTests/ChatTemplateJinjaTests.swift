import Testing
import Tokenizer

@Suite("Chat templates written as Jinja")
struct ChatTemplateJinjaTests {
    @Test("ChatML, Llama 3 and Alpaca as Jinja are detected back as the same template")
    func jinjaIsDetectedBack() {
        let smol = ChatTemplate(kind: .chatml, defaultSystemPrompt: "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
                                eosText: "<|endoftext|>")
        for template in [smol, ChatTemplate(kind: .chatml, eosText: "</s>"), ChatTemplate(kind: .llama3, eosText: "</s>"),
                         ChatTemplate(kind: .alpaca, eosText: "</s>")] {
            #expect(ChatTemplate.detect(jinja: template.jinja, eosText: template.eosText) == template, "\(template.jinja)")
        }
    }

    @Test("quotes, backslashes and newlines in literal text are escaped for Jinja")
    func literalsAreEscaped() {
        let template = ChatTemplate(kind: .plain, defaultSystemPrompt: "It's a \\ test\nline", eosText: "</s>")
        #expect(template.jinja.contains(#"{{ 'It\'s a \\ test\nline\n\n' }}"#))
    }

    @Test("an empty system prompt writes no system turn in Jinja either, as render does")
    func emptySystemPromptWritesNone() {
        for kind in [ChatTemplate.Kind.chatml, .llama3, .plain] {
            let template = ChatTemplate(kind: kind, defaultSystemPrompt: "", eosText: "</s>")
            #expect(!template.jinja.contains("system<") && !template.jinja.contains("messages[0]"), "\(kind): \(template.jinja)")
        }
        let llama3 = ChatTemplate(kind: .llama3, defaultSystemPrompt: "Be brief.", eosText: "")
        #expect(llama3.jinja.contains(#"'<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>'"#))
    }
}
