import JSON

/// One record of a dataset: a JSON object whose fields keep their order.
public struct Record: Sendable, Hashable, CustomStringConvertible {
    public private(set) var fields: [(key: String, value: JSONValue)]

    public init() { fields = [] }

    public init(_ fields: [(key: String, value: JSONValue)]) { self.fields = fields }

    /// The record held by a JSON object; nil for any other JSON value.
    public init?(json: JSONValue) {
        guard case let .object(members) = json else { return nil }
        fields = members
    }

    public var json: JSONValue { .object(fields) }

    public var fieldNames: [String] { fields.map(\.key) }

    /// A field's value; setting keeps an existing field's place and appends a new one; nil removes.
    public subscript(name: String) -> JSONValue? {
        get { fields.last(where: { $0.key == name })?.value }
        set {
            if let index = fields.lastIndex(where: { $0.key == name }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((key: name, value: newValue))
            }
        }
    }

    /// The record as one JSONL line (no newline): compact, fields in order.
    public var jsonLine: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// The JSONL line's UTF-8 bytes (no newline).
    public var jsonBytes: [UInt8] { JSONLineEncoder.encode(json) }

    public var description: String { jsonLine }

    /// All field values as text, one after another (see `renderedText(_:)`): what the length
    /// filters measure.
    public var renderedText: String {
        fields.map { Datasets.renderedText($0.value) }.joined(separator: "\n")
    }

    public static func == (a: Record, b: Record) -> Bool { a.json == b.json }
    public func hash(into hasher: inout Hasher) { hasher.combine(jsonLine) }
}

/// A JSON value as plain text, the way templates show it: strings as they are, numbers compactly,
/// `true`/`false`, null as nothing, an object as `key: value` lines (nested values rendered the same
/// way, on one line when they are scalars) and an array as one line per element.
public func renderedText(_ value: JSONValue) -> String {
    switch value {
    case .null: return ""
    case let .bool(b): return b ? "true" : "false"
    case .number: return value.compactText
    case let .string(s): return s
    case let .array(items): return items.map(renderedText).joined(separator: "\n")
    case let .object(members):
        return members.map { member in
            let inner = renderedText(member.value)
            if case .object = member.value { return "\(member.key):\n" + indented(inner) }
            if case .array = member.value { return "\(member.key):\n" + indented(inner) }
            return "\(member.key): \(inner)"
        }.joined(separator: "\n")
    }
}

private func indented(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
}
