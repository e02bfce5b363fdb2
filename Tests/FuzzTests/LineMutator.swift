import JSON
import Random

/// Mutations of line-oriented data (CSV, TSV, JSONL): rows deleted, duplicated, emptied or cut;
/// cells added and removed; stray quotes; a JSONL row mutated as JSON.
enum LineMutator {
    static func mutate(_ text: inout String, _ rng: inout SplitMix64) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.isEmpty { lines = [""] }
        let at = rng.next(below: lines.count)
        switch rng.next(below: 8) {
        case 0: lines.remove(at: at)
        case 1: lines.insert(lines[at], at: at)
        case 2: lines[at] = ""
        case 3: lines[at] += rng.next(below: 2) == 0 ? "," : ",extra,\"cell"
        case 4:
            var cells = lines[at].split(separator: ",", omittingEmptySubsequences: false)
            if !cells.isEmpty { cells.remove(at: rng.next(below: cells.count)) }
            lines[at] = cells.joined(separator: ",")
        case 5:
            let cut = rng.next(below: lines[at].utf8.count + 1)
            lines[at] = String(decoding: Array(lines[at].utf8.prefix(cut)), as: UTF8.self)
        case 6:
            let quote = ["\"", "\"\"", "\"a\"b", "\\", "\r"][rng.next(below: 5)]
            lines[at] = quote + lines[at]
        default:
            guard let value = try? JSONParser.parse(lines[at]) else { lines[at] = Boundary.token(&rng); break }
            var document = FuzzJSON(value)
            JSONMutator.mutate(&document, &rng)
            lines[at] = document.text
        }
        text = lines.joined(separator: "\n")
    }
}
