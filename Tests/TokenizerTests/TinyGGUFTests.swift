import Foundation
import GGUF
import Testing
import Tokenizer

@Suite("The tiny reference GGUF's tokenizer")
struct TinyGGUFTests {
    let tokenizer: BPETokenizer

    init() throws {
        tokenizer = try BPETokenizer(gguf: GGUFFile(contentsOf: tinyGGUFURL))
    }

    @Test("loads its 300 tokens, 41 merges, GPT-2 pre-tokenizer and control tokens 297-299")
    func loads() {
        #expect(tokenizer.vocabularySize == 300)
        #expect(tokenizer.vocabulary.merges.count == 41)
        #expect(tokenizer.vocabulary.preTokenizer == .gpt2)
        #expect(tokenizer.vocabulary.addBOS == false)
        #expect(tokenizer.specialTokens.bos == 298)
        #expect(tokenizer.specialTokens.eos == 299)
        #expect(tokenizer.specialTokens.eot == 299)
        for id: Int32 in 297...299 { #expect(tokenizer.tokenType(id) == .control) }
        #expect(tokenizer.tokenText(297) == "<|endoftext|>")
        #expect(tokenizer.tokenID("<|im_end|>") == 299)
        #expect(tokenizer.endOfGenerationIDs == [297, 299])
        #expect(tokenizer.isEndOfGeneration(297) && !tokenizer.isEndOfGeneration(298))
        #expect(tokenizer.chatTemplate?.kind == .chatml)
        #expect(tokenizer.chatTemplate?.defaultSystemPrompt == nil)
    }

    @Test("merges by rank: ' the cat' is 'Ġthe', 'Ġc', 'at'; 'the' is 't', 'he'")
    func merges() {
        #expect(tokenizer.encode(" the cat") == [260, 270, 271])
        #expect(tokenizer.encode("the") == [0x74, 257])
    }

    @Test("control tokens are ids only when special parsing is on")
    func controlTokens() {
        let text = "<|im_start|>user\nthe cat<|im_end|>\n"
        let special = tokenizer.encode(text, parseSpecial: true)
        #expect(special.first == 298)
        #expect(special.contains(299))
        let plain = tokenizer.encode(text, parseSpecial: false)
        #expect(!plain.contains { $0 >= 297 })
        #expect(tokenizer.decode(special) == text)
        #expect(tokenizer.decode(plain) == text)
        #expect(tokenizer.decode(special, renderSpecial: false) == "user\nthe cat\n")
    }

    @Test("any text round-trips through encode and decode")
    func roundTrip() {
        for text in ["", " ", "Hello, world!", "  two  spaces\n\n", "naïve 中文 😀 ∑", "\u{0}\u{7F}\t\r\n"] {
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
            #expect(tokenizer.decode(tokenizer.encode(text, parseSpecial: true)) == text)
        }
    }
}
