import Foundation
import Testing
import Tokenizer

/// SplitMix64: a small seeded generator so every run draws the same strings.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random text drawn from ASCII, whitespace, Latin, Greek, CJK, Hangul, emoji, combining
/// marks, digits of several scripts, symbols, rare planes and the ChatML markers.
func randomText(_ rng: inout SeededGenerator, maxLength: Int = 40) -> String {
    let pools: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0x20...0x7E, 0x09...0x0D, 0xA0...0x17F, 0x370...0x3FF, 0x300...0x36F,
        0x4E00...0x9FFF, 0xAC00...0xD7A3, 0x1F300...0x1F6FF, 0x660...0x669, 0x2000...0x206F,
        0x2070...0x209F, 0xFF00...0xFFEF, 0x10000...0x1FFFF, 0xE000...0xE0FF,
    ]
    var out = String.UnicodeScalarView()
    let length = Int.random(in: 0...maxLength, using: &rng)
    for _ in 0..<length {
        if Int.random(in: 0..<30, using: &rng) == 0 {
            out.append(contentsOf: ["<|im_start|>", "<|im_end|>", "'s", "'LL", "\r\n", "  "]
                .randomElement(using: &rng)!.unicodeScalars)
            continue
        }
        let pool = pools.randomElement(using: &rng)!
        if let scalar = Unicode.Scalar(UInt32.random(in: pool, using: &rng)) { out.append(scalar) }
    }
    return String(out)
}

/// The merge loop done the slow, obvious way: repeatedly merge the best-ranked adjacent
/// pair (leftmost on ties) on strings. The reference twin of `BPETokenizer.encode`.
struct NaiveBPE {
    let ranks: [String: Int]
    let ids: [String: Int32]
    let vocabulary: BPEVocabulary

    init(_ vocabulary: BPEVocabulary) {
        self.vocabulary = vocabulary
        var ranks: [String: Int] = [:]
        for (rank, rule) in vocabulary.merges.enumerated() where ranks[rule.left + " " + rule.right] == nil {
            ranks[rule.left + " " + rule.right] = rank
        }
        self.ranks = ranks
        var ids: [String: Int32] = [:]
        for (id, text) in vocabulary.tokens.enumerated() { ids[text] = Int32(id) }
        self.ids = ids
    }

    func encodePlain(_ text: String) -> [Int32] {
        var out: [Int32] = []
        for word in vocabulary.preTokenizer.split(text) {
            var symbols = ByteLevel.encode(Array(word.utf8)).unicodeScalars.map { String($0) }
            while symbols.count > 1 {
                var best: (rank: Int, index: Int)?
                for i in 0..<(symbols.count - 1) {
                    if let rank = ranks[symbols[i] + " " + symbols[i + 1]], rank < (best?.rank ?? .max) {
                        best = (rank, i)
                    }
                }
                guard let (_, i) = best else { break }
                symbols[i] += symbols[i + 1]
                symbols.remove(at: i + 1)
            }
            for symbol in symbols {
                if let id = ids[symbol] { out.append(id); continue }
                // llama.cpp's fallback: one token per byte of the symbol's text.
                for byte in symbol.utf8 where byte < 0x80 {
                    if let id = ids[String(Unicode.Scalar(byte))] { out.append(id) }
                }
            }
        }
        return out
    }
}

@Suite("Properties over random text (seeded)")
struct PropertyTests {
    @Test("random Unicode text round-trips through encode and decode, with and without special parsing")
    func roundTrip() throws {
        let tokenizer = try smolLM2.get()
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<400 {
            let text = randomText(&rng)
            #expect(tokenizer.decode(tokenizer.encode(text)) == text, "\(text.debugDescription)")
            #expect(tokenizer.decode(tokenizer.encode(text, parseSpecial: true)) == text)
        }
    }

    @Test("the heap merge gives the same ids as the naive quadratic merge")
    func naiveTwin() throws {
        let tokenizer = try smolLM2.get()
        let naive = NaiveBPE(tokenizer.vocabulary)
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            let text = randomText(&rng)
            #expect(tokenizer.encode(text, parseSpecial: false, addSpecial: false) == naive.encodePlain(text),
                    "\(text.debugDescription)")
        }
        for line in try referenceLines() {
            #expect(naive.encodePlain(line.text) == line.ids)
        }
    }

    @Test("a byte the vocabulary lacks is dropped, as llama.cpp drops it")
    func missingByte() throws {
        let tokenizer = try smolLM2.get()
        // SmolLM2 has no token for U+0006; llama.cpp gives ' ' then '\'' (Hugging Face: " '").
        #expect(tokenizer.encode(" \u{6}'") == [216, 23])
        let naive = NaiveBPE(tokenizer.vocabulary)
        #expect(naive.encodePlain("x\u{6}\u{1}y") == tokenizer.encode("x\u{6}\u{1}y"))
    }

    @Test("the streaming decoder emits only whole characters and adds up to the text")
    func streaming() throws {
        let tokenizer = try smolLM2.get()
        var rng = SeededGenerator(seed: 3)
        var texts = try referenceLines().map(\.text)
        for _ in 0..<100 { texts.append(randomText(&rng)) }
        for text in texts {
            var decoder = tokenizer.streamingDecoder()
            var pieces: [String] = []
            for id in tokenizer.encode(text) { pieces.append(decoder.append(id)) }
            pieces.append(decoder.finish())
            #expect(pieces.joined() == text, "\(text.debugDescription)")
            if !text.unicodeScalars.contains("\u{FFFD}") {
                #expect(!pieces.contains { $0.unicodeScalars.contains("\u{FFFD}") })
            }
        }
        // A character cut off at the end becomes U+FFFD only when finished.
        var decoder = tokenizer.streamingDecoder()
        let ids = tokenizer.encode("患")  // three byte tokens
        #expect(ids.count == 3)
        #expect(decoder.append(ids[0]) == "")
        #expect(decoder.append(ids[1]) == "")
        #expect(decoder.finish() == "\u{FFFD}")
    }
}
