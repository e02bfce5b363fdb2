import Datasets
import JSON
import Random

/// `replace`: per field, words and the replacements a copy may put in their place.
///
/// For each copy of a record, each rule whose word occurs in its field picks one replacement and
/// puts it in place of every occurrence (as the seed's `str.replace(word, random.choice(...))` does).
/// The picks for one record's copies follow a seeded random order of the replacements without
/// repeats, so up to as many copies as there are replacements all differ. Rules apply field by
/// field in name order, and within a field longer words first (then by text), so overlapping
/// words resolve the same way every time. Strings nested in arrays and objects (messages) are
/// replaced too.
struct ReplaceRules {
    struct Rule {
        let field: String
        let word: String
        let replacements: [String]
    }

    let rules: [Rule]

    init(_ spec: [String: [String: [String]]]) {
        rules = spec.sorted { $0.key < $1.key }.flatMap { field, words in
            words.sorted { ($0.key.count, $1.key) > ($1.key.count, $0.key) }
                .map { Rule(field: field, word: $0.key, replacements: $0.value) }
        }
    }

    var isEmpty: Bool { rules.isEmpty }

    /// `count` copies of `record`, each with its own picks; `rng` is advanced once per replacement
    /// list of each rule that applies.
    func copies(of record: Record, count: Int, rng: inout SplitMix64) -> [Record] {
        var orders: [[Int]?] = []
        for rule in rules {
            guard let value = record[rule.field], ReplaceRules.contains(rule.word, in: value) else {
                orders.append(nil); continue
            }
            var order = Array(rule.replacements.indices)
            rng.shuffle(&order)
            orders.append(order)
        }
        return (0..<count).map { copy in
            var out = record
            for (rule, order) in zip(rules, orders) {
                guard let order, let value = out[rule.field] else { continue }
                let replacement = rule.replacements[order[copy % order.count]]
                out[rule.field] = ReplaceRules.replace(rule.word, with: replacement, in: value)
            }
            return out
        }
    }

    static func contains(_ word: String, in value: JSONValue) -> Bool {
        switch value {
        case let .string(s): return ReplaceRules.range(of: Array(word.utf8), in: Array(s.utf8), from: 0) != nil
        case let .array(items): return items.contains { contains(word, in: $0) }
        case let .object(members): return members.contains { contains(word, in: $0.value) }
        default: return false
        }
    }

    static func replace(_ word: String, with replacement: String, in value: JSONValue) -> JSONValue {
        switch value {
        case let .string(s): return .string(replaceBytes(word, with: replacement, in: s))
        case let .array(items): return .array(items.map { replace(word, with: replacement, in: $0) })
        case let .object(members):
            return .object(members.map { (key: $0.key, value: replace(word, with: replacement, in: $0.value)) })
        default: return value
        }
    }

    /// Replaces every occurrence of `word`, compared byte for byte in UTF-8 (exact text, no
    /// Unicode normalization; UTF-8 never matches inside another character).
    static func replaceBytes(_ word: String, with replacement: String, in text: String) -> String {
        let needle = Array(word.utf8), haystack = Array(text.utf8)
        guard var hit = range(of: needle, in: haystack, from: 0) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(haystack.count)
        var start = 0
        while true {
            out.append(contentsOf: haystack[start..<hit])
            out.append(contentsOf: replacement.utf8)
            start = hit + needle.count
            guard let next = range(of: needle, in: haystack, from: start) else { break }
            hit = next
        }
        out.append(contentsOf: haystack[start...])
        return String(decoding: out, as: UTF8.self)
    }

    /// The first offset at or after `from` where `needle` occurs in `haystack`.
    static func range(of needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count - from >= needle.count else { return nil }
        var i = from
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
