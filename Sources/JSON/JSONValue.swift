import Foundation

/// A JSON value that keeps object keys in their written order.
///
/// Manifests, params and cache-key material are all JSON values; `canonicalText` is the
/// form that is hashed, so key order and number spelling never change a cache key.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// JSON equality: objects compare by their keys' values, whatever the key order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.canonicalText == rhs.canonicalText
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(canonicalText)
    }

    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    public var doubleValue: Double? { if case let .number(n) = self { return n } else { return nil } }
    public var boolValue: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { return a } else { return nil } }
    public var objectValue: [(key: String, value: JSONValue)]? {
        if case let .object(o) = self { return o } else { return nil }
    }

    /// The value as an exact integer, if it is a number without a fractional part.
    public var intValue: Int? {
        guard case let .number(n) = self, n.rounded() == n, abs(n) <= 9_007_199_254_740_992 else { return nil }
        return Int(n)
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

// MARK: - Writing

extension JSONValue {
    /// Sorted keys, no whitespace, integers without a fraction, other numbers in their shortest
    /// round-tripping form: equal values always give equal text.
    public var canonicalText: String {
        var out = ""
        write(to: &out, sortKeys: true, indent: nil, level: 0)
        return out
    }

    /// Human-readable text: keys in written order, two-space indentation.
    public var prettyText: String {
        var out = ""
        write(to: &out, sortKeys: false, indent: "  ", level: 0)
        return out
    }

    /// Compact text in written key order (one JSONL line).
    public var compactText: String {
        var out = ""
        write(to: &out, sortKeys: false, indent: nil, level: 0)
        return out
    }

    private func write(to out: inout String, sortKeys: Bool, indent: String?, level: Int) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(n): out += JSONValue.formatNumber(n)
        case let .string(s): JSONValue.writeString(s, to: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                JSONValue.newline(&out, indent, level + 1)
                item.write(to: &out, sortKeys: sortKeys, indent: indent, level: level + 1)
            }
            JSONValue.newline(&out, indent, level)
            out += "]"
        case let .object(members):
            if members.isEmpty { out += "{}"; return }
            let ordered = sortKeys ? JSONValue.deduplicated(members).sorted { $0.key < $1.key } : members
            out += "{"
            for (i, member) in ordered.enumerated() {
                if i > 0 { out += "," }
                JSONValue.newline(&out, indent, level + 1)
                JSONValue.writeString(member.key, to: &out)
                out += indent == nil ? ":" : ": "
                member.value.write(to: &out, sortKeys: sortKeys, indent: indent, level: level + 1)
            }
            JSONValue.newline(&out, indent, level)
            out += "}"
        }
    }

    private static func deduplicated(_ members: [(key: String, value: JSONValue)]) -> [(key: String, value: JSONValue)]
    {
        var seen = Set<String>()
        return members.reversed().filter { seen.insert($0.key).inserted }.reversed()
    }

    private static func newline(_ out: inout String, _ indent: String?, _ level: Int) {
        guard let indent else { return }
        out += "\n" + String(repeating: indent, count: level)
    }

    static func formatNumber(_ n: Double) -> String {
        if !n.isFinite { return "null" }
        if n.rounded() == n && abs(n) < 9e18 { return String(Int64(n)) }
        return "\(n)"
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
    public init(nilLiteral: ()) { self = .null }
}

// MARK: - Codable bridge

extension JSONValue {
    /// Decodes a `Decodable` type from this value.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(compactText.utf8))
    }

    /// Encodes an `Encodable` value into a JSON value (keys in the encoder's order, sorted).
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try JSONParser.parse(encoder.encode(value))
    }
}

extension JSONValue: Encodable {
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(bool): try container.encode(bool)
        case let .number(number): try container.encode(number)
        case let .string(string): try container.encode(string)
        case let .array(array): try container.encode(array)
        case let .object(members):
            try container.encode(Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }))
        }
    }
}

extension JSONValue: Decodable {
    /// Any JSON value from any decoder (object keys in sorted order: a decoder does not keep them).
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            let object = try container.decode([String: JSONValue].self)
            self = .object(object.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
        }
    }
}
