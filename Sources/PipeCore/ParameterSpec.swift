import JSON

/// The type of a stage parameter. One description serves validation, defaults, `pipe stages` and
/// `pipe schema`.
public indirect enum ParamType: Sendable {
    /// A whole number within optional inclusive bounds.
    case integer(min: Int? = nil, max: Int? = nil)
    /// A number within optional bounds; `exclusiveMin` excludes the lower bound.
    case number(min: Double? = nil, max: Double? = nil, exclusiveMin: Bool = false)
    /// A string, optionally one of fixed choices.
    case string(choices: [String]? = nil)
    case boolean
    /// A file path, relative to the manifest's folder.
    case path
    case array(of: ParamType, minCount: Int = 0)
    /// An object with free keys, each value of one type.
    case map(of: ParamType)
    /// An object with known keys.
    case record([ParameterSpec])
    /// The first alternative that fits.
    case anyOf([ParamType])
    /// Any JSON value.
    case json
}

/// One parameter of a stage kind.
public struct ParameterSpec: Sendable {
    public let name: String
    public let type: ParamType
    /// Filled in when the manifest leaves the parameter out.
    public let defaultValue: JSONValue?
    public let required: Bool
    public let doc: String

    public init(
        _ name: String, _ type: ParamType, default defaultValue: JSONValue? = nil, required: Bool = false, doc: String
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.required = required
        self.doc = doc
    }
}

extension ParamType {
    /// What the type expects, as a phrase: "a positive integer", "one of \"lora\", \"full\"".
    public var expectation: String {
        switch self {
        case let .integer(min, max):
            switch (min, max) {
            case (1?, nil): return "a positive integer"
            case (0?, nil): return "a non-negative integer"
            case let (lo?, hi?): return "an integer from \(lo) to \(hi)"
            case let (lo?, nil): return "an integer >= \(lo)"
            case let (nil, hi?): return "an integer <= \(hi)"
            case (nil, nil): return "an integer"
            }
        case let .number(min, max, exclusiveMin):
            switch (min, max) {
            case (0?, nil): return exclusiveMin ? "a positive number" : "a non-negative number"
            case let (lo?, hi?):
                return "a number \(exclusiveMin ? "above" : "from") \(JSONValue.number(lo).compactText) "
                    + "\(exclusiveMin ? "up " : "")to \(JSONValue.number(hi).compactText)"
            case let (lo?, nil): return "a number \(exclusiveMin ? ">" : ">=") \(JSONValue.number(lo).compactText)"
            case let (nil, hi?): return "a number <= \(JSONValue.number(hi).compactText)"
            case (nil, nil): return "a number"
            }
        case let .string(choices):
            if let choices { return "one of " + choices.map { "\"\($0)\"" }.joined(separator: ", ") }
            return "a string"
        case .boolean: return "true or false"
        case .path: return "a file path (string)"
        case let .array(element, minCount):
            return (minCount > 0 ? "a non-empty array" : "an array") + " of \(element.shortName)"
        case let .map(value): return "an object whose values are \(value.shortName)"
        case let .record(fields):
            return "an object with keys " + fields.map { "\"\($0.name)\"" }.joined(separator: ", ")
        case let .anyOf(types): return types.map(\.expectation).joined(separator: " or ")
        case .json: return "any JSON value"
        }
    }

    /// A plural noun phrase for element types: "strings", "integers".
    var shortName: String {
        switch self {
        case .integer: return "integers"
        case .number: return "numbers"
        case .string(nil), .path: return "strings"
        case .string: return expectation
        case .boolean: return "booleans"
        case .array: return "arrays"
        case .map, .record: return "objects"
        case .anyOf: return "values (\(expectation))"
        case .json: return "values"
        }
    }
}
