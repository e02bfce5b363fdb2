import Foundation
import Testing
import Llama
import Tokenizer

/// The tiny model with its GGUF's tokenizer (ChatML control tokens, 300 ids).
private func tinyWithTokenizer() throws -> (LlamaModel, BPETokenizer) {
    let gguf = Paths.tiny.appendingPathComponent("gguf/tiny-f32.gguf")
    return (try LlamaModel.load(contentsOf: gguf), try BPETokenizer(contentsOf: gguf))
}

@Suite("Completions")
struct CompleterTests {
    @Test("a chat prompt is a user turn with the assistant's turn opened, encoded with its special tokens")
    func chatPrompt() throws {
        let (model, tokenizer) = try tinyWithTokenizer()
        let completer = Completer(model: model, tokenizer: tokenizer, template: ChatTemplate(kind: .chatml))
        let text = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
        #expect(completer.render("hi") == text)
        #expect(completer.encode("hi") == tokenizer.encode(text, parseSpecial: true).map(Int.init))
        #expect(completer.encode("hi").first == tokenizer.encode("<|im_start|>", parseSpecial: true).map(Int.init).last)
        let raw = Completer(model: model, tokenizer: tokenizer)
        #expect(raw.render(text) == text)
        #expect(raw.encode(text) == completer.encode("hi"))
    }

    @Test("a nil system prompt keeps the template's default, \"\" writes no system turn, other text replaces it")
    func systemPrompt() throws {
        let (model, tokenizer) = try tinyWithTokenizer()
        let template = ChatTemplate(kind: .chatml, defaultSystemPrompt: "D")
        func rendered(_ system: String?) -> String {
            Completer(model: model, tokenizer: tokenizer, template: template, system: system).render("Q")
        }
        let turns = "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n"
        #expect(rendered(nil) == "<|im_start|>system\nD<|im_end|>\n" + turns)
        #expect(rendered("") == turns)
        #expect(rendered("S") == "<|im_start|>system\nS<|im_end|>\n" + turns)
    }

    @Test("a completion is generate's continuation of the encoded prompt, with the tokenizer's text")
    func sameAsGenerate() throws {
        let (model, tokenizer) = try tinyWithTokenizer()
        let options = GenerationOptions(maxNewTokens: 8, sampling: SamplingOptions(temperature: 0.9, seed: 5))
        let completer = Completer(model: model, tokenizer: tokenizer, template: ChatTemplate(kind: .chatml),
                                  options: options)
        var streamed = ""
        let result = try completer.complete("hi", onText: { streamed += $0; return true })
        var direct = options
        direct.stopTokenIds = completer.stopTokenIds
        let expected = try model.generate(prompt: completer.encode("hi"), options: direct)
        #expect(result.promptTokens == expected.promptTokens)
        #expect(result.tokens == expected.tokens && result.stopReason == expected.stopReason)
        #expect(result.text == tokenizer.decodeCompleteText(result.tokens.map(Int32.init)))
        #expect(streamed == result.text)
        #expect(try completer.complete(tokens: result.promptTokens).tokens == result.tokens)
    }

    @Test("generation stops at the model's EOS ids and at the tokenizer's end-of-generation ids")
    func stopTokens() throws {
        let (model, tokenizer) = try tinyWithTokenizer()
        let completer = Completer(model: model, tokenizer: tokenizer)
        #expect(completer.stopTokenIds == Set(model.config.eosTokenIds + tokenizer.endOfGenerationIDs.map(Int.init)))
        let unstopped = Completer(model: model, tokenizer: tokenizer,
                                  options: GenerationOptions(maxNewTokens: 4, stopTokenIds: []))
        let first = try #require(try unstopped.complete("hi").tokens.first)
        // A tokenizer whose end-of-turn token is the first greedy token ends the answer before it starts.
        var vocabulary = tokenizer.vocabulary
        vocabulary.special.eot = Int32(first)
        let ending = Completer(model: model, tokenizer: try BPETokenizer(vocabulary),
                               options: GenerationOptions(maxNewTokens: 4))
        let result = try ending.complete("hi")
        #expect(result.stopReason == .eos && result.tokens.isEmpty && result.text.isEmpty)
    }

    @Test("a stop string ends the answer, which is cut before it")
    func stopString() throws {
        let (model, tokenizer) = try tinyWithTokenizer()
        let options = GenerationOptions(maxNewTokens: 8, stopTokenIds: [])
        let full = try Completer(model: model, tokenizer: tokenizer, options: options).complete("hi")
        let stop = String(full.text.suffix(2))
        let cut = try #require(full.text.range(of: stop)).lowerBound
        var stopping = options
        stopping.stopStrings = [stop]
        let result = try Completer(model: model, tokenizer: tokenizer, options: stopping).complete("hi")
        #expect(result.stopReason == .stopString)
        #expect(result.text == String(full.text[..<cut]))
    }
}
