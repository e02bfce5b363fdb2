import Datasets
import JSON

/// A string with `{field}` placeholders, filled from a record. `{{` and `}}` stand for literal
/// braces. A placeholder names a field of the record, or a path into nested objects with dots
/// (`{analysis.责任方}`) when no field has the whole name. Values render as `renderedText` shows
/// them: a nested object as `key: value` lines, an array as one line per element.
public struct Template: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case field(String)
    }

    let pieces: [Piece]

    /// The fields the template reads, in order of appearance.
    public var placeholders: [String] {
        pieces.compactMap { if case let .field(name) = $0 { return name } else { return nil } }
    }

    /// Parses a template; a problem names what is wrong (an unclosed or empty placeholder, a stray brace).
    public init(_ text: String) throws(RecordProblem) {
        var pieces: [Piece] = []
        var literal = ""
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            switch c {
            case "{":
                if chars.first == "{" {
                    chars.removeFirst()
                    literal.append("{")
                    continue
                }
                guard let close = chars.firstIndex(of: "}") else {
                    throw RecordProblem("a '{' without its '}' (write {{ for a literal brace)")
                }
                let name = String(chars[chars.startIndex..<close])
                if name.isEmpty { throw RecordProblem("an empty placeholder {}") }
                if name.contains("{") { throw RecordProblem("a '{' inside the placeholder {\(name)}") }
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                pieces.append(.field(name))
                chars = chars[(close + 1)...]
            case "}":
                guard chars.first == "}" else {
                    throw RecordProblem("a '}' without its '{' (write }} for a literal brace)")
                }
                chars.removeFirst()
                literal.append("}")
            default:
                literal.append(c)
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// The template filled from `record`; a missing field is a problem that lists the record's fields.
    public func render(_ record: Record) throws(RecordProblem) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case let .literal(text): out += text
            case let .field(name):
                guard let value = Template.lookup(name, in: record) else {
                    throw RecordProblem(
                        "the template needs field \"\(name)\", which the record lacks (fields: "
                            + "\(record.fieldNames.joined(separator: ", ")))")
                }
                out += renderedText(value)
            }
        }
        return out
    }

    static func lookup(_ name: String, in record: Record) -> JSONValue? {
        if let value = record[name] { return value }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1, var value = record[parts[0]] else { return nil }
        for part in parts.dropFirst() {
            guard let inner = value[part] else { return nil }
            value = inner
        }
        return value
    }
}
