import Foundation
import GGUF
import JSON
import ModelExport
import TestSupport
import Testing
import Tokenizer

/// Writes tokenizer.json + tokenizer_config.json and reads them back with the project's loader.
private func roundTrip(_ tokenizer: BPETokenizer, template: ChatTemplate? = nil) throws -> BPETokenizer {
    let folder = try makeTemporaryFolder("tokenizer-json")
    try TokenizerJSONWriter.write(tokenizer, template: template, modelMaxLength: 2048, to: folder)
    return try BPETokenizer(folder: folder)
}

private let sampleTexts = [
    "Hello, world! The theatre on the hill is in the city.", "<|im_start|>user\nIs 2+2 4?<|im_end|>\n",
    "  leading and trailing  ", "tabs\tand\nnew\n\nlines\r\n", "中文 and English 12345", "don't WE'LL 'Re",
]

@Suite("tokenizer.json writer")
struct TokenizerJSONWriterTests {
    @Test("SmolLM2's tokenizer from the GGUF, written as tokenizer.json, gives the reference ids on every line",
          .enabled(if: Fixtures.hasDemoModel))
    func smolLM2ReferenceIDs() throws {
        let gguf = try BPETokenizer(gguf: GGUFFile(contentsOf: TestPaths.demoModel))
        let json = try roundTrip(gguf)
        #expect(json.vocabulary.preTokenizer == .smollm)
        #expect(json.vocabulary.tokens == gguf.vocabulary.tokens && json.vocabulary.types == gguf.vocabulary.types)
        #expect(json.vocabulary.merges == gguf.vocabulary.merges)
        #expect(json.specialTokens == gguf.specialTokens && json.vocabulary.addBOS == gguf.vocabulary.addBOS)
        for line in try Fixtures.referenceLines() {
            #expect(json.encode(line.text, parseSpecial: false) == line.ids, "\(line.text.debugDescription)")
            #expect(json.encode(line.text, parseSpecial: true) == line.ids_with_special,
                    "\(line.text.debugDescription)")
        }
    }

    @Test("the tiny GGUF's tokenizer round-trips: same vocabulary, merges, special tokens and ids")
    func tinyRoundTrip() throws {
        let gguf = try Fixtures.tinyTokenizer()
        let json = try roundTrip(gguf)
        #expect(json.vocabulary.tokens == gguf.vocabulary.tokens && json.vocabulary.types == gguf.vocabulary.types)
        // Rule 38 ("Ġ" + "to") can never apply: no rule makes "to". tokenizers would refuse it.
        var live = gguf.vocabulary.merges
        #expect(live.remove(at: 38) == MergeRule("Ġ", "to"))
        #expect(json.vocabulary.merges == live && json.specialTokens == gguf.specialTokens)
        #expect(json.vocabulary.chatTemplate == gguf.vocabulary.chatTemplate)
        for text in sampleTexts {
            for special in [false, true] {
                #expect(json.encode(text, parseSpecial: special) == gguf.encode(text, parseSpecial: special))
            }
        }
    }

    @Test("Llama 3 and Qwen 2 pre-tokenizers are written as Split regexes that read back as the same kind",
          arguments: [PreTokenizerKind.llama3, .qwen2, .gpt2, .smollm])
    func preTokenizerKinds(kind: PreTokenizerKind) throws {
        var vocabulary = try Fixtures.tinyTokenizer().vocabulary
        vocabulary.preTokenizer = kind
        vocabulary.ignoreMerges = kind.ignoresMerges
        let original = try BPETokenizer(vocabulary)
        let json = try roundTrip(original)
        #expect(json.vocabulary.preTokenizer == kind && json.vocabulary.ignoreMerges == kind.ignoresMerges)
        for text in sampleTexts {
            #expect(json.encode(text, parseSpecial: true) == original.encode(text, parseSpecial: true))
        }
    }

    @Test("a tokenizer that adds BOS and EOS says so in its post-processor and in tokenizer_config.json")
    func bosAndEOS() throws {
        var vocabulary = try Fixtures.tinyTokenizer().vocabulary
        vocabulary.special.bos = 298
        vocabulary.addBOS = true
        vocabulary.addEOS = true
        let original = try BPETokenizer(vocabulary)
        let document = try TokenizerJSONWriter.tokenizerJSON(original)
        #expect(document["post_processor"]?["processors"]?.arrayValue?.last?["type"] == "TemplateProcessing")
        let json = try roundTrip(original)
        #expect(json.vocabulary.addBOS && json.vocabulary.addEOS)
        #expect(json.encode("Hello") == original.encode("Hello"))
        #expect(json.encode("Hello").first == 298 && json.encode("Hello").last == original.specialTokens.eos)
    }

    @Test("tokenizer_config.json names the special tokens, the fast tokenizer class and the template's Jinja")
    func config() throws {
        let tokenizer = try Fixtures.tinyTokenizer()
        let template = ChatTemplate(kind: .chatml, defaultSystemPrompt: "Be brief.")
        let config = TokenizerJSONWriter.tokenizerConfig(tokenizer, chatTemplate: template.jinja, modelMaxLength: 128)
        #expect(config["tokenizer_class"] == "PreTrainedTokenizerFast")
        #expect(config["chat_template"] == .string(template.jinja))
        #expect(config["model_max_length"] == 128 && config["add_bos_token"] == .bool(tokenizer.vocabulary.addBOS))
        let eos = tokenizer.specialTokens.eos.flatMap(tokenizer.tokenText)
        #expect(config["eos_token"]?.stringValue == eos)
        #expect(config["added_tokens_decoder"]?["299"]?["content"] == "<|im_end|>")
        #expect(config["added_tokens_decoder"]?["299"]?["special"] == true)
        let back = try roundTrip(tokenizer, template: template)
        #expect(back.vocabulary.chatTemplate == template.jinja)
    }

    @Test("a text that stands for two ordinary tokens cannot be written, and the error names both ids")
    func duplicateText() throws {
        var vocabulary = try Fixtures.tinyTokenizer().vocabulary
        vocabulary.tokens[5] = vocabulary.tokens[4]
        #expect(throws: HFExportError.self) { try TokenizerJSONWriter.tokenizerJSON(BPETokenizer(vocabulary)) }
        do {
            _ = try TokenizerJSONWriter.tokenizerJSON(BPETokenizer(vocabulary))
        } catch {
            #expect("\(error)".contains("token 5") && "\(error)".contains("token 4"))
        }
    }

    @Test("a merge rule that applies but makes a string that is not a token is refused, naming the rule")
    func syntheticMergeRefused() throws {
        var vocabulary = try Fixtures.tinyTokenizer().vocabulary
        vocabulary.merges.append(MergeRule("h", "i"))  // "hi" is not a token of the tiny vocabulary
        #expect(!vocabulary.tokens.contains("hi"))
        #expect(throws: HFExportError.unwritableMerge(index: 41, left: "h", right: "i",
            reason: "\"hi\" is not a token, and tokenizer.json's merges may only name tokens"
        )) {
            try TokenizerJSONWriter.tokenizerJSON(BPETokenizer(vocabulary))
        }
    }

    @Test("the default (llama.cpp fallback) pre-tokenizer is refused with a message naming it")
    func defaultPreTokenizerRefused() throws {
        var vocabulary = try Fixtures.tinyTokenizer().vocabulary
        vocabulary.preTokenizer = .default
        #expect(throws: HFExportError.unsupportedPreTokenizer("default (llama.cpp's fallback)")) {
            try TokenizerJSONWriter.tokenizerJSON(BPETokenizer(vocabulary))
        }
    }
}
