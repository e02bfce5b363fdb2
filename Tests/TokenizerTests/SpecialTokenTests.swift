import Testing
import Tokenizer

/// 256 byte tokens, then the given extra tokens.
func byteVocabulary(extra: [(String, TokenType)], merges: [MergeRule] = []) throws -> BPETokenizer {
    let tokens = (0..<256).map { ByteLevel.encode([UInt8($0)]) } + extra.map(\.0)
    let types = Array(repeating: TokenType.normal, count: 256) + extra.map(\.1)
    return try BPETokenizer(BPEVocabulary(tokens: tokens, types: types, merges: merges,
                                          preTokenizer: .gpt2))
}

@Suite("Special tokens in text and in decoding")
struct SpecialTokenTests {
    @Test("longer special tokens are cut first, as llama.cpp does, even when a shorter one starts earlier")
    func longestFirst() throws {
        let tokenizer = try byteVocabulary(extra: [("ab", .control), ("bcd", .control)])
        #expect(tokenizer.encode("abcd", parseSpecial: true) == [0x61, 257])
        #expect(tokenizer.encode("ab-ab", parseSpecial: true) == [256, 0x2D, 256])
        #expect(tokenizer.encode("abcd", parseSpecial: false) == [0x61, 0x62, 0x63, 0x64])
    }

    @Test("user-defined tokens always match; control tokens only with special parsing")
    func userDefined() throws {
        let tokenizer = try byteVocabulary(extra: [("<ctl>", .control), ("<usr>", .userDefined)])
        #expect(tokenizer.encode("<ctl><usr>", parseSpecial: false).suffix(1) == [257])
        #expect(tokenizer.encode("<ctl><usr>", parseSpecial: true) == [256, 257])
    }

    @Test("decoding skips control tokens on request, keeps user-defined ones, reads byte tokens")
    func decoding() throws {
        let tokenizer = try byteVocabulary(extra: [("<ctl>", .control), ("<usr>", .userDefined),
                                                   ("<0x0A>", .byte), ("[PAD]", .unused)])
        let ids: [Int32] = [256, 0x68, 257, 258, 259, 0x69, 9999, -1]
        #expect(tokenizer.decode(ids) == "<ctl>h<usr>\ni")
        #expect(tokenizer.decode(ids, renderSpecial: false) == "h<usr>\ni")
    }

    @Test("a merge whose result is not a token falls back to the bytes llama.cpp keeps")
    func syntheticMerge() throws {
        // "x y" merges into "xy", which is no token: llama.cpp emits 'x', 'y'.
        let tokenizer = try byteVocabulary(extra: [], merges: [MergeRule("x", "y")])
        #expect(tokenizer.encode("xy") == [0x78, 0x79])
        // " é" merges into "Ġé"-like symbols only through rules; bytes outside '!'...'~' of a
        // symbol that is no token are dropped.
        let spaced = try byteVocabulary(extra: [], merges: [MergeRule("Ġ", "x")])
        #expect(spaced.encode(" x") == [0x78])
    }
}
