import Foundation
import Testing
import GGUF
import Llama
import ModelExport
import Tokenizer

@Suite("The tokenizer and chat template of a GGUF export")
struct GGUFExportTokenizerTests {
    let texts = ["the cat sat", " hello, world!\n", "<|im_start|>user\nthe cat<|im_end|>\n", "123 4567 ünïcödé", ""]

    @Test("the exported tokenizer reads back with the same vocabulary, special tokens and ids on texts")
    func tokenizerRoundTrip() throws {
        let scratch = try Scratch()
        let tokenizer = try Tiny.tokenizer()
        let out = scratch.file("tiny.gguf")
        try exportTiny(try LlamaModel(ggufAt: Tiny.f32), .f32, to: out)
        let file = try GGUFFile(contentsOf: out)
        let back = try BPETokenizer(gguf: file)
        #expect(back.vocabulary.tokens == tokenizer.vocabulary.tokens)
        #expect(back.vocabulary.types == tokenizer.vocabulary.types)
        #expect(back.vocabulary.merges == tokenizer.vocabulary.merges)
        #expect(back.specialTokens == tokenizer.specialTokens)
        #expect(back.vocabulary.addBOS == tokenizer.vocabulary.addBOS)
        #expect(back.vocabulary.preTokenizer == tokenizer.vocabulary.preTokenizer)
        #expect(file.metadata.string("tokenizer.ggml.pre") == "gpt-2")
        for text in texts {
            for special in [false, true] {
                let ids = tokenizer.encode(text, parseSpecial: special)
                #expect(back.encode(text, parseSpecial: special) == ids, "\(text)")
            }
        }
        #expect(file.metadata.string("tokenizer.chat_template") == tokenizer.vocabulary.chatTemplate)
    }

    @Test("the training template is written as Jinja and detected back as the same template",
          arguments: ChatTemplate.Kind.allCases)
    func chatTemplateRoundTrip(kind: ChatTemplate.Kind) throws {
        let scratch = try Scratch()
        let tokenizer = try Tiny.tokenizer()
        let template = ChatTemplate(kind: kind, defaultSystemPrompt: kind == .chatml ? "You are terse." : nil,
                                    eosText: tokenizer.eosText)
        let out = scratch.file("tiny.gguf")
        try exportTiny(try LlamaModel(ggufAt: Tiny.f32), .f32, to: out, template: template)
        let back = try BPETokenizer(gguf: GGUFFile(contentsOf: out))
        #expect(back.vocabulary.chatTemplate == template.jinja)
        if kind != .plain { #expect(back.chatTemplate == template) }
    }

    @Test("a vocabulary smaller than the embedding is padded with unused tokens, as llama.cpp's converter does")
    func vocabularyPadding() throws {
        let scratch = try Scratch()
        let tokenizer = try Tiny.tokenizer()
        let config = LlamaConfig(vocabSize: 320, hiddenSize: 32, intermediateSize: 64, layerCount: 1, headCount: 2)
        let out = scratch.file("padded.gguf")
        try GGUFExport.writeModel(LlamaModel(config: config, seed: 1), tokenizer: tokenizer, template: nil, type: .f16,
                                  name: "padded", to: out)
        let back = try BPETokenizer(gguf: GGUFFile(contentsOf: out))
        #expect(back.vocabularySize == 320)
        #expect(back.tokenText(319) == "[PAD319]" && back.tokenType(319) == .unused)
        #expect(back.encode("the cat sat") == tokenizer.encode("the cat sat"))
    }
}
