import Foundation
import GGUF
import Testing
import Tokenizer

/// A small valid GGUF tokenizer: the 256 byte tokens, "he", "<|end|>".
func smallMetadata() -> [String: GGUFValue] {
    var tokens = (0..<256).map { ByteLevel.encode([UInt8($0)]) }
    tokens += ["he", "<|end|>"]
    return [
        "tokenizer.ggml.model": .string("gpt2"),
        "tokenizer.ggml.pre": .string("gpt-2"),
        "tokenizer.ggml.tokens": .array(elementType: .string, tokens.map { .string($0) }),
        "tokenizer.ggml.token_type": .array(elementType: .int32,
                                            Array(repeating: .int32(1), count: 257) + [.int32(3)]),
        "tokenizer.ggml.merges": .array(elementType: .string, [.string("h e")]),
        "tokenizer.ggml.eos_token_id": .uint32(257),
    ]
}

@Suite("Malformed tokenizer files fail with typed errors")
struct LoaderErrorTests {
    @Test("the small metadata itself loads and merges")
    func smallLoads() throws {
        let tokenizer = try BPETokenizer(ggufMetadata: smallMetadata())
        #expect(tokenizer.encode("hehe<|end|>", parseSpecial: true) == [256, 256, 257])
        #expect(tokenizer.specialTokens.eot == 257)  // found by name
    }

    @Test("Llama 3 names default to adding BOS and ignoring merges; the file's flag wins")
    func llama3Defaults() throws {
        var metadata = smallMetadata()
        metadata["tokenizer.ggml.pre"] = .string("llama-bpe")
        metadata["tokenizer.ggml.bos_token_id"] = .uint32(257)
        var tokenizer = try BPETokenizer(ggufMetadata: metadata)
        #expect(tokenizer.vocabulary.addBOS && tokenizer.vocabulary.ignoreMerges)
        #expect(tokenizer.encode("he") == [257, 256])
        #expect(tokenizer.encode("he", parseSpecial: false, addSpecial: false) == [256])
        metadata["tokenizer.ggml.add_bos_token"] = .bool(false)
        tokenizer = try BPETokenizer(ggufMetadata: metadata)
        #expect(tokenizer.encode("he") == [256])
        metadata["tokenizer.ggml.pre"] = nil  // missing: llama.cpp's "default"
        tokenizer = try BPETokenizer(ggufMetadata: metadata)
        #expect(tokenizer.vocabulary.preTokenizer == .default)
        #expect(!tokenizer.vocabulary.ignoreMerges)
    }

    @Test("each GGUF metadata mistake names the key or value")
    func ggufErrors() {
        func expectError(_ expected: TokenizerError, _ edit: (inout [String: GGUFValue]) -> Void) {
            var metadata = smallMetadata()
            edit(&metadata)
            #expect(throws: expected) { try BPETokenizer(ggufMetadata: metadata) }
        }
        expectError(.missingKey("tokenizer.ggml.model")) { $0["tokenizer.ggml.model"] = nil }
        expectError(.unsupportedModel("llama")) { $0["tokenizer.ggml.model"] = .string("llama") }
        expectError(.wrongType(key: "tokenizer.ggml.model", expected: "a string")) {
            $0["tokenizer.ggml.model"] = .uint32(2)
        }
        expectError(.missingKey("tokenizer.ggml.tokens")) { $0["tokenizer.ggml.tokens"] = nil }
        expectError(.wrongType(key: "tokenizer.ggml.tokens", expected: "an array of strings")) {
            $0["tokenizer.ggml.tokens"] = .array(elementType: .int32, [.int32(1)])
        }
        expectError(.emptyVocabulary) { $0["tokenizer.ggml.tokens"] = .array(elementType: .string, []) }
        expectError(.tokenTypeCountMismatch(tokens: 258, types: 1)) {
            $0["tokenizer.ggml.token_type"] = .array(elementType: .int32, [.int32(1)])
        }
        expectError(.invalidTokenType(index: 3, value: 9)) {
            var types = Array(repeating: GGUFValue.int32(1), count: 258)
            types[3] = .int32(9)
            $0["tokenizer.ggml.token_type"] = .array(elementType: .int32, types)
        }
        expectError(.missingKey("tokenizer.ggml.merges")) { $0["tokenizer.ggml.merges"] = nil }
        expectError(.malformedMerge(index: 1, text: "abc")) {
            $0["tokenizer.ggml.merges"] = .array(elementType: .string, [.string("h e"), .string("abc")])
        }
        expectError(.unsupportedPreTokenizer("klingon")) { $0["tokenizer.ggml.pre"] = .string("klingon") }
        expectError(.specialTokenOutOfRange(name: "EOS", id: 999, vocabularySize: 258)) {
            $0["tokenizer.ggml.eos_token_id"] = .uint32(999)
        }
        expectError(.wrongType(key: "tokenizer.ggml.bos_token_id", expected: "an integer token id")) {
            $0["tokenizer.ggml.bos_token_id"] = .string("1")
        }
        expectError(.wrongType(key: "tokenizer.ggml.add_bos_token", expected: "a bool")) {
            $0["tokenizer.ggml.add_bos_token"] = .uint8(1)
        }
        expectError(.wrongType(key: "tokenizer.chat_template", expected: "a string")) {
            $0["tokenizer.chat_template"] = .bool(true)
        }
    }

    @Test("each tokenizer.json mistake is reported")
    func jsonErrors() {
        func load(_ text: String) throws { _ = try BPETokenizer(tokenizerJSON: Data(text.utf8)) }
        #expect(throws: TokenizerError.self) { try load("{not json") }
        #expect(throws: TokenizerError.malformedJSON("tokenizer.json is not a JSON object")) { try load("[1]") }
        #expect(throws: TokenizerError.missingKey("model")) { try load("{}") }
        #expect(throws: TokenizerError.unsupportedModel("WordPiece")) {
            try load(#"{"model": {"type": "WordPiece", "vocab": {}}}"#)
        }
        #expect(throws: TokenizerError.missingKey("model.vocab")) { try load(#"{"model": {"type": "BPE"}}"#) }
        #expect(throws: TokenizerError.invalidTokenID(token: "a", id: -1)) {
            try load(#"{"model": {"type": "BPE", "vocab": {"a": -1}}}"#)
        }
        #expect(throws: TokenizerError.malformedMerge(index: 0, text: "ab")) {
            try load(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["ab"]}, "pre_tokenizer": {"type": "ByteLevel"}}"#)
        }
        #expect(throws: TokenizerError.unsupportedPreTokenizer("Whitespace")) {
            try load(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Whitespace"}}"#)
        }
        #expect(throws: TokenizerError.malformedJSON("added_tokens[0] needs 'id' and 'content'")) {
            try load(#"{"model": {"type": "BPE", "vocab": {"a": 0}}, "added_tokens": [{"id": 1}], "pre_tokenizer": {"type": "ByteLevel"}}"#)
        }
        #expect(throws: TokenizerError.unknownSpecialToken(name: "EOS", text: "</s>")) {
            _ = try BPETokenizer(tokenizerJSON: Data(#"{"model": {"type": "BPE", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "ByteLevel"}}"#.utf8),
                                 config: Data(#"{"eos_token": "</s>"}"#.utf8))
        }
    }
}
