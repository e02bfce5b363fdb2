import Foundation
import GGUF
import Testing
import TestSupport
import Tokenizer

/// A tokenizer.json written from a loaded vocabulary (control tokens as special added
/// tokens), with merges as strings or as pairs.
func tokenizerJSON(from vocabulary: BPEVocabulary, mergesAsPairs: Bool,
                   preTokenizer: [String: Any]) throws -> Data {
    var vocab: [String: Int] = [:]
    var added: [[String: Any]] = []
    for (id, text) in vocabulary.tokens.enumerated() {
        vocab[text] = id
        if vocabulary.types[id] == .control {
            added.append(["id": id, "content": text, "special": true])
        }
    }
    let merges: [Any] = vocabulary.merges.map {
        mergesAsPairs ? [$0.left, $0.right] as [Any] : "\($0.left) \($0.right)" as Any
    }
    let root: [String: Any] = [
        "version": "1.0",
        "added_tokens": added,
        "normalizer": NSNull(),
        "pre_tokenizer": preTokenizer,
        "model": ["type": "BPE", "vocab": vocab, "merges": merges],
    ]
    return try JSONSerialization.data(withJSONObject: root)
}

let sampleTexts = [
    "Hello, world! The theatre on the hill is in the city.",
    "<|im_start|>user\nIs 2+2 4?<|im_end|>\n<|im_start|>assistant\n",
    "  leading and trailing  ", "tabs\tand\nnew\n\nlines\r\n", "中文 and English 123",
]

@Suite("tokenizer.json loading")
struct TokenizerJSONTests {
    @Test("a tokenizer.json of the tiny vocabulary encodes exactly like the GGUF, both merge forms")
    func tinyFixture() throws {
        let gguf = try BPETokenizer(gguf: GGUFFile(contentsOf: tinyGGUFURL))
        for pairs in [false, true] {
            let data = try tokenizerJSON(from: gguf.vocabulary, mergesAsPairs: pairs,
                                         preTokenizer: ["type": "ByteLevel", "add_prefix_space": false,
                                                        "trim_offsets": true, "use_regex": true])
            let json = try BPETokenizer(tokenizerJSON: data)
            #expect(json.vocabulary.preTokenizer == .gpt2)
            #expect(json.vocabularySize == gguf.vocabularySize)
            for text in sampleTexts {
                for special in [false, true] {
                    #expect(json.encode(text, parseSpecial: special) == gguf.encode(text, parseSpecial: special))
                }
            }
        }
    }

    @Test("SmolLM2's vocabulary as tokenizer.json (Digits + ByteLevel) matches the reference")
    func smolLM2Fixture() throws {
        let gguf = try smolLM2.get()
        let data = try tokenizerJSON(
            from: gguf.vocabulary, mergesAsPairs: false,
            preTokenizer: ["type": "Sequence", "pretokenizers": [
                ["type": "Digits", "individual_digits": true],
                ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            ]])
        let config = Data(#"{"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "pad_token": "<|im_end|>", "add_bos_token": false}"#.utf8)
        let json = try BPETokenizer(tokenizerJSON: data, config: config)
        #expect(json.vocabulary.preTokenizer == .smollm)
        #expect(json.specialTokens == gguf.specialTokens.with(unk: nil))
        for line in try referenceLines() {
            #expect(json.encode(line.text, parseSpecial: false) == line.ids)
            #expect(json.encode(line.text, parseSpecial: true) == line.idsWithSpecial)
        }
    }

    @Test("a Hugging Face folder loads with its config, and a GGUF path loads the same way")
    func folder() throws {
        let gguf = try BPETokenizer(contentsOf: tinyGGUFURL)
        let folder = try makeTemporaryFolder("tokenizer-test")
        defer { try? FileManager.default.removeItem(at: folder) }
        try tokenizerJSON(from: gguf.vocabulary, mergesAsPairs: true, preTokenizer: ["type": "ByteLevel"])
            .write(to: folder.appendingPathComponent("tokenizer.json"))
        let config = #"{"bos_token": {"content": "<|im_start|>"}, "eos_token": "<|im_end|>", "add_bos_token": true, "chat_template": [{"name": "default", "template": "{{'<|im_start|>' + m['role'] + '\\n'}}"}]}"#
        try Data(config.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        let tokenizer = try BPETokenizer(contentsOf: folder)
        #expect(tokenizer.specialTokens.bos == 298)
        #expect(tokenizer.specialTokens.eos == 299)
        #expect(tokenizer.vocabulary.addBOS)
        #expect(tokenizer.chatTemplate?.kind == .chatml)
        #expect(tokenizer.encode(" the cat") == [298, 260, 270, 271])
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(contentsOf: folder.appendingPathComponent("missing.json"))
        }
    }

    @Test("Split regexes, TemplateProcessing and ignore_merges are read")
    func llama3Style() throws {
        let bytes = (0..<256).map { ByteLevel.encode([UInt8($0)]) }
        var vocab: [String: Int] = [:]
        for (i, t) in bytes.enumerated() { vocab[t] = i }
        vocab["ab"] = 256
        vocab["abc"] = 257
        let pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let root: [String: Any] = [
            "added_tokens": [["id": 258, "content": "<|begin_of_text|>", "special": true],
                             ["id": 259, "content": "<think>", "special": false]],
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": pattern], "behavior": "Isolated", "invert": false],
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false],
            ]],
            "post_processor": ["type": "TemplateProcessing",
                               "single": [["SpecialToken": ["id": "<|begin_of_text|>", "type_id": 0]],
                                          ["Sequence": ["id": "A", "type_id": 0]]]],
            "model": ["type": "BPE", "vocab": vocab, "merges": [["a", "b"]], "ignore_merges": true],
        ]
        let tokenizer = try BPETokenizer(tokenizerJSON: JSONSerialization.data(withJSONObject: root))
        #expect(tokenizer.vocabulary.preTokenizer == .llama3)
        #expect(tokenizer.vocabulary.addBOS)
        #expect(tokenizer.specialTokens.bos == 258)
        // "abc" is a whole token: taken without merging ("ab" + "c" would follow the merges).
        #expect(tokenizer.encode("abc") == [258, 257])
        #expect(tokenizer.encode("abd", parseSpecial: false, addSpecial: false) == [256, 0x64])
        // A non-special added token matches even without special parsing.
        #expect(tokenizer.encode("a<think>", parseSpecial: false, addSpecial: false) == [0x61, 259])
        #expect(tokenizer.encode("<|begin_of_text|>", parseSpecial: true, addSpecial: false) == [258])
    }
}

extension SpecialTokens {
    func with(unk: Int32?) -> SpecialTokens {
        var copy = self
        copy.unk = unk
        return copy
    }
}
