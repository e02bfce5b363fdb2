import JSON

/// A Swift type a stage param can have: what the manifest must hold for it, and how a Swift value
/// is shown as the param's default.
public protocol ParamValue: Decodable, Sendable {
    /// The manifest's type for this Swift type (a `@Param` may narrow it with a range).
    static var paramType: ParamType { get }
    /// The value as the manifest writes it; nil when there is none (an absent optional).
    var paramJSON: JSONValue? { get }
}

/// A param with fixed choices, declared as an enum with string raw values.
public protocol ParamChoice: ParamValue, CaseIterable, RawRepresentable where RawValue == String {}

extension ParamChoice {
    public static var paramType: ParamType { .string(choices: allCases.map(\.rawValue)) }
    public var paramJSON: JSONValue? { .string(rawValue) }
}

/// `"auto"` or one of a type's fixed choices (the chat template, a record shape).
public enum AutoOr<Choice: CaseIterable & RawRepresentable & Sendable & Hashable>: ParamChoice, Hashable
where Choice.RawValue == String {
    /// Let the stage decide (from its inputs).
    case auto
    /// One of the type's choices.
    case fixed(Choice)

    public static var allCases: [AutoOr] { [.auto] + Choice.allCases.map(AutoOr.fixed) }

    public init?(rawValue: String) {
        if rawValue == "auto" {
            self = .auto
        } else if let choice = Choice(rawValue: rawValue) {
            self = .fixed(choice)
        } else {
            return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .auto: return "auto"
        case let .fixed(choice): return choice.rawValue
        }
    }

    /// The fixed choice, or nil for `auto`.
    public var fixed: Choice? {
        if case let .fixed(choice) = self { return choice }
        return nil
    }
}

extension Int: ParamValue {
    public static var paramType: ParamType { .integer() }
    public var paramJSON: JSONValue? { .number(Double(self)) }
}

extension UInt64: ParamValue {
    public static var paramType: ParamType { .integer(min: 0) }
    public var paramJSON: JSONValue? { .number(Double(self)) }
}

extension Double: ParamValue {
    public static var paramType: ParamType { .number() }
    public var paramJSON: JSONValue? { .number(self) }
}

extension String: ParamValue {
    public static var paramType: ParamType { .string() }
    public var paramJSON: JSONValue? { .string(self) }
}

extension Bool: ParamValue {
    public static var paramType: ParamType { .boolean }
    public var paramJSON: JSONValue? { .bool(self) }
}

extension Array: ParamValue where Element: ParamValue {
    public static var paramType: ParamType { .array(of: Element.paramType) }
    public var paramJSON: JSONValue? { .array(compactMap(\.paramJSON)) }
}

extension Dictionary: ParamValue where Key == String, Value: ParamValue {
    public static var paramType: ParamType { .map(of: Value.paramType) }
    public var paramJSON: JSONValue? {
        .object(sorted { $0.key < $1.key }.compactMap { key, value in value.paramJSON.map { (key: key, value: $0) } })
    }
}

extension Optional: ParamValue where Wrapped: ParamValue {
    public static var paramType: ParamType { Wrapped.paramType }
    public var paramJSON: JSONValue? { self?.paramJSON }
}

/// A file path param, relative to the manifest's folder (`StageContext.resolve` makes it a URL).
public struct FilePath: ParamValue, Hashable, CustomStringConvertible {
    public let path: String

    public init(_ path: String) { self.path = path }

    public init(from decoder: Decoder) throws {
        path = try decoder.singleValueContainer().decode(String.self)
    }

    public static var paramType: ParamType { .path }
    public var paramJSON: JSONValue? { .string(path) }
    public var description: String { path }
}
