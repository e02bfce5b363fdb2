/// Reference-based scores of generated text: exact match, ROUGE-L F1 and BLEU-4.
///
/// Text is split into units first: CJK characters (and other characters of scripts written
/// without spaces) one by one, everything else by words — so Chinese answers are compared
/// character by character, as is usual for Chinese ROUGE/BLEU, and English answers by word.
public enum TextMetrics {
    /// Units for comparison: each CJK/kana/hangul character alone, other runs of letters and
    /// digits as lowercase words; punctuation and spaces dropped.
    public static func units(_ text: String) -> [String] {
        var out: [String] = []
        var word = ""
        func flush() {
            if !word.isEmpty { out.append(word.lowercased()) }
            word = ""
        }
        for scalar in text.unicodeScalars {
            if isCharacterScript(scalar) {
                flush()
                out.append(String(scalar))
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                word.unicodeScalars.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    static func isCharacterScript(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xAC00...0xD7AF, 0x20000...0x2FA1F:
            return true
        default: return false
        }
    }

    /// 1 when the texts are equal after trimming whitespace, else 0.
    public static func exactMatch(_ candidate: String, _ reference: String) -> Double {
        candidate.trimmingCharacters(in: .whitespacesAndNewlines)
            == reference.trimmingCharacters(in: .whitespacesAndNewlines) ? 1 : 0
    }

    /// ROUGE-L F1: from the longest common subsequence of the units.
    public static func rougeL(_ candidate: String, _ reference: String) -> Double {
        let c = units(candidate), r = units(reference)
        guard !c.isEmpty, !r.isEmpty else { return c.isEmpty && r.isEmpty ? 1 : 0 }
        let lcs = longestCommonSubsequence(c, r)
        guard lcs > 0 else { return 0 }
        let precision = Double(lcs) / Double(c.count), recall = Double(lcs) / Double(r.count)
        return 2 * precision * recall / (precision + recall)
    }

    static func longestCommonSubsequence(_ a: [String], _ b: [String]) -> Int {
        var previous = [Int](repeating: 0, count: b.count + 1)
        var current = previous
        for x in a {
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Sentence BLEU-4 with the brevity penalty and add-one smoothing of the 2- to 4-gram
    /// precisions (Lin & Och's smoothing 2), so short answers do not score zero outright.
    public static func bleu4(_ candidate: String, _ reference: String) -> Double {
        let c = units(candidate), r = units(reference)
        guard !c.isEmpty, !r.isEmpty else { return 0 }
        var logSum = 0.0
        for n in 1...4 {
            let candidateGrams = ngrams(c, n), referenceGrams = ngrams(r, n)
            var matches = 0
            for (gram, count) in candidateGrams { matches += min(count, referenceGrams[gram] ?? 0) }
            let total = max(0, c.count - n + 1)
            let smoothing = n == 1 ? 0.0 : 1.0
            let precision = (Double(matches) + smoothing) / (Double(total) + smoothing)
            if precision == 0 { return 0 }
            logSum += log(precision) / 4
        }
        let brevity = c.count >= r.count ? 1.0 : exp(1 - Double(r.count) / Double(c.count))
        return brevity * exp(logSum)
    }

    /// The class `text` names first: of the class names it contains, the one that starts
    /// earliest (the longer on a tie, so "液压系统泄漏" wins over "泄漏"); nil when it names none.
    public static func namedClass(_ text: String, classes: [String]) -> String? {
        var best: (start: String.Index, name: String)?
        for name in classes where !name.isEmpty {
            guard let start = text.range(of: name)?.lowerBound else { continue }
            if let current = best, current.start < start || (current.start == start && current.name.count >= name.count)
            {
                continue
            }
            best = (start, name)
        }
        return best?.name
    }

    static func ngrams(_ units: [String], _ n: Int) -> [String: Int] {
        guard units.count >= n else { return [:] }
        var counts: [String: Int] = [:]
        for i in 0...(units.count - n) { counts[units[i..<i + n].joined(separator: "\u{1F}"), default: 0] += 1 }
        return counts
    }
}

import Foundation
