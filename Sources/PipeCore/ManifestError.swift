import JSON

/// One problem found in a manifest, at a JSON path.
public struct ManifestIssue: Sendable, Equatable, CustomStringConvertible {
    public let path: JSONPath
    public let message: String

    public init(_ path: JSONPath, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Everything wrong with a manifest, found before anything runs.
public enum ManifestError: Error, CustomStringConvertible, Equatable {
    /// The manifest file could not be read.
    case unreadable(path: String, reason: String)
    /// The file is not valid JSON.
    case syntax(path: String, line: Int, column: Int, message: String)
    /// The JSON is valid but the manifest is not: every issue, each with its JSON path.
    case invalid(path: String, issues: [ManifestIssue])

    public var issues: [ManifestIssue] {
        if case let .invalid(_, issues) = self { return issues }
        return []
    }

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read the manifest: \(reason)"
        case let .syntax(path, line, column, message): return "\(path):\(line):\(column): invalid JSON: \(message)"
        case let .invalid(path, issues):
            let count = issues.count == 1 ? "1 problem" : "\(issues.count) problems"
            return "\(path): \(count)\n" + issues.map { "  \($0)" }.joined(separator: "\n")
        }
    }
}

/// "did you mean" for near misses: the closest candidate within a small edit distance.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    let limit = max(2, word.count / 3)
    return best.1 <= limit ? best.0 : nil
}

func didYouMean(_ word: String, _ candidates: [String]) -> String {
    closestMatch(to: word, in: candidates).map { " (did you mean \"\($0)\"?)" } ?? ""
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// A value as shown in an error message: its JSON text, cut short.
func shown(_ value: JSONValue) -> String {
    let text = value.compactText
    return text.count > 60 ? String(text.prefix(57)) + "..." : text
}
