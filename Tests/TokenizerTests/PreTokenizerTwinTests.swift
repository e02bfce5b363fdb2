import Foundation
import Testing
import Tokenizer

/// The pre-tokenizer regexes run by ICU (NSRegularExpression): the slow reference twin
/// of the hand-written scanners. `\s` is spelled out as Unicode White_Space (ICU's own
/// `\s` leaves out U+000B and U+0085), and contractions use llama.cpp's `'[sS]` form
/// (ICU's `(?i)` would also fold 'ſ' to 's', which llama.cpp does not).
enum RegexTwin {
    static let ws = #"\t\n\x{0B}\f\r\x{85}\p{Z}"#
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^"# + ws + #"\p{L}\p{N}]+|["#
        + ws + "]+(?![^" + ws + "])|[" + ws + "]+"
    static let contractions = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"#
    static func llama3(_ digits: String) -> String {
        contractions + #"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"# + digits + #"| ?[^"# + ws
            + #"\p{L}\p{N}]+[\r\n]*|["# + ws + #"]*[\r\n]+|["# + ws + "]+(?![^" + ws + "])|[" + ws + "]+"
    }

    static func patterns(_ kind: PreTokenizerKind) -> [String] {
        switch kind {
        case .gpt2: return [gpt2]
        case .default: return [#"[\p{P}\$\+<=>\^~\|]+"#, gpt2, #"\p{N}+"#, "[0-9][0-9][0-9]"]
        case .llama3: return [llama3("{1,3}")]
        case .qwen2: return [llama3("")]
        case .smollm: return [#"\p{N}"#, gpt2]
        }
    }

    /// Each pattern cuts every piece into its matches and the text between them.
    static func split(_ kind: PreTokenizerKind, _ text: String) throws -> [String] {
        var pieces = text.isEmpty ? [] : [text]
        for pattern in patterns(kind) {
            let regex = try NSRegularExpression(pattern: pattern)
            pieces = pieces.flatMap { piece -> [String] in
                let ns = piece as NSString
                var out: [String] = []
                var cursor = 0
                for match in regex.matches(in: piece, range: NSRange(location: 0, length: ns.length)) {
                    if match.range.location > cursor {
                        out.append(ns.substring(with: NSRange(location: cursor, length: match.range.location - cursor)))
                    }
                    if match.range.length > 0 { out.append(ns.substring(with: match.range)) }
                    cursor = match.range.location + match.range.length
                }
                if cursor < ns.length { out.append(ns.substring(from: cursor)) }
                return out
            }
        }
        return pieces
    }
}

/// Random text from long-assigned blocks of the basic plane (so the ICU and Swift
/// Unicode tables agree), heavy in the characters the regexes treat specially.
func randomBasicText(_ rng: inout SeededGenerator) -> String {
    let pools: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0x20...0x7E, 0x30...0x39, 0x09...0x0D, 0xA0...0x17E, 0x370...0x3FF,
        0x300...0x36F, 0x660...0x669, 0x4E00...0x9FA5, 0xAC00...0xD7A3, 0x2000...0x2064,
        0x2070...0x2094, 0x3000...0x303F, 0xFF01...0xFF5E,
    ]
    var out = String.UnicodeScalarView()
    for _ in 0..<Int.random(in: 0...30, using: &rng) {
        if Int.random(in: 0..<8, using: &rng) == 0 {
            out.append(contentsOf: ["'s", "'LL", "'Re", "\r\n", "  ", "\n\n", " 1234", "\u{85}", " \u{B}"]
                .randomElement(using: &rng)!.unicodeScalars)
            continue
        }
        if let s = Unicode.Scalar(UInt32.random(in: pools.randomElement(using: &rng)!, using: &rng)) {
            out.append(s)
        }
    }
    return String(out)
}

@Suite("Pre-tokenizer scanners against their regexes")
struct PreTokenizerTwinTests {
    @Test("every kind cuts random text exactly where ICU's regex engine does", arguments: PreTokenizerKind.allCases)
    func matchesRegex(kind: PreTokenizerKind) throws {
        var rng = SeededGenerator(seed: 11)
        let fixed = try referenceLines().map(\.text)
        for _ in 0..<300 {
            let text = randomBasicText(&rng)
            #expect(kind.split(text) == (try RegexTwin.split(kind, text)), "\(text.debugDescription)")
        }
        for text in fixed {
            #expect(kind.split(text) == (try RegexTwin.split(kind, text)), "\(text.debugDescription)")
        }
    }
}
