import Testing
import Tokenizer

@Suite("Pre-tokenizers")
struct PreTokenizerTests {
    @Test("GPT-2 keeps a space with the next word and leaves the last of a run of spaces")
    func gpt2() {
        #expect(PreTokenizerKind.gpt2.split("Hello world's  end 123abc!!  \n")
            == ["Hello", " world", "'s", " ", " end", " 123", "abc", "!!", "  \n"])
        #expect(PreTokenizerKind.gpt2.split("I'M x\n\ny") == ["I", "'", "M", " x", "\n", "\n", "y"])
        #expect(PreTokenizerKind.gpt2.split("") == [])
    }

    @Test("SmolLM splits every number code point on its own before GPT-2")
    func smollm() {
        #expect(PreTokenizerKind.smollm.split("in 2025, x²=10⁹")
            == ["in", " ", "2", "0", "2", "5", ",", " x", "²", "=", "1", "0", "⁹"])
    }

    @Test("Llama 3 groups digits in threes, keeps newlines together and contractions case-free")
    func llama3() {
        #expect(PreTokenizerKind.llama3.split("I'M 1234567 ok!\n\n  \nnext\tword  x")
            == ["I", "'M", " ", "123", "456", "7", " ok", "!\n\n", "  \n", "next", "\tword", " ", " x"])
        #expect(PreTokenizerKind.llama3.split("中文abc .,;x") == ["中文abc", " .,;", "x"])
    }

    @Test("Qwen 2 is Llama 3 with single digits")
    func qwen2() {
        #expect(PreTokenizerKind.qwen2.split("x 123") == ["x", " ", "1", "2", "3"])
    }

    @Test("default cuts punctuation runs, then GPT-2, then number runs and ASCII digit triples")
    func defaultKind() {
        #expect(PreTokenizerKind.default.split("a+b=12345!? ok") == ["a", "+", "b", "=", "123", "45", "!?", " ok"])
    }

    @Test("GGUF names and their aliases map to kinds")
    func names() {
        #expect(PreTokenizerKind(ggufName: "smollm") == .smollm)
        #expect(PreTokenizerKind(ggufName: "gpt-2") == .gpt2)
        #expect(PreTokenizerKind(ggufName: "llama-bpe") == .llama3)
        #expect(PreTokenizerKind(ggufName: "qwen2") == .qwen2)
        #expect(PreTokenizerKind(ggufName: "default") == .default)
        #expect(PreTokenizerKind(ggufName: "nonsense") == nil)
    }
}
