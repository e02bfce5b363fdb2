import JSON

/// One stage param, declared once on the property that holds it, as swift-argument-parser's
/// `@Option` is: its manifest name (the property's name in snake case unless given), type (from
/// the Swift type, narrowed by a range), default (the property's initial value) and one line of
/// help. Validation, defaults, decoding, `pipe stages` and `pipe schema` all read it.
///
///     @Param(doc: "LoRA rank.", range: 1...1024) var r = 8
///     @Param(doc: "Learning-rate decay after warmup.") var schedule: Schedule = .linear
///     @Param(doc: "Stop after this many records.") var limit: Int?      // optional: no default
@propertyWrapper
public struct Param<Value: ParamValue>: Decodable, Sendable {
    /// The param's value: the default until the engine decodes the manifest's.
    public var wrappedValue: Value
    let declaration: ParamDeclaration?

    /// A param whose default is the initial value (none for an optional that starts nil).
    public init(wrappedValue: Value, _ name: String? = nil, type: ParamType? = nil, required: Bool = false, doc: String)
    {
        self.wrappedValue = wrappedValue
        declaration = ParamDeclaration(
            name: name, type: type ?? Value.paramType,
            defaultValue: required ? nil : wrappedValue.paramJSON, required: required, doc: doc)
    }

    /// Decodes the value only (the engine decodes params after validating them against the declaration).
    public init(from decoder: Decoder) throws {
        wrappedValue = try Value(from: decoder)
        declaration = nil
    }
}

extension Param where Value == Int {
    /// An integer param within `range`.
    public init(wrappedValue: Int, _ name: String? = nil, doc: String, range: ClosedRange<Int>) {
        self.init(
            wrappedValue: wrappedValue, name, type: .integer(min: range.lowerBound, max: range.upperBound), doc: doc)
    }

    /// An integer param of at least `min`.
    public init(wrappedValue: Int, _ name: String? = nil, doc: String, min: Int) {
        self.init(wrappedValue: wrappedValue, name, type: .integer(min: min), doc: doc)
    }
}

extension Param where Value == Int? {
    /// An optional integer param within `range`.
    public init(wrappedValue: Int?, _ name: String? = nil, doc: String, range: ClosedRange<Int>) {
        self.init(
            wrappedValue: wrappedValue, name, type: .integer(min: range.lowerBound, max: range.upperBound), doc: doc)
    }

    /// An optional integer param of at least `min`.
    public init(wrappedValue: Int?, _ name: String? = nil, doc: String, min: Int) {
        self.init(wrappedValue: wrappedValue, name, type: .integer(min: min), doc: doc)
    }
}

extension Param where Value == Double {
    /// A number param within bounds; `exclusiveMin` excludes the lower bound.
    public init(
        wrappedValue: Double, _ name: String? = nil, doc: String, min: Double? = nil, max: Double? = nil,
        exclusiveMin: Bool = false
    ) {
        self.init(
            wrappedValue: wrappedValue, name, type: .number(min: min, max: max, exclusiveMin: exclusiveMin), doc: doc)
    }
}

extension Param {
    /// A list param of at least `minCount` elements (an argument vector: `minCount: 1`).
    public init<Element: ParamValue>(
        wrappedValue: [Element], _ name: String? = nil, required: Bool = false, doc: String, minCount: Int
    ) where Value == [Element] {
        self.init(
            wrappedValue: wrappedValue, name, type: .array(of: Element.paramType, minCount: minCount),
            required: required, doc: doc)
    }
}

/// What a `@Param` declares besides its value.
struct ParamDeclaration: Sendable {
    let name: String?
    let type: ParamType
    let defaultValue: JSONValue?
    let required: Bool
    let doc: String
}

/// Read through a mirror without knowing the wrapped type.
protocol ParamDeclaring {
    var declaration: ParamDeclaration? { get }
    var valueJSON: JSONValue? { get }
}

extension Param: ParamDeclaring {
    var valueJSON: JSONValue? { wrappedValue.paramJSON }
}
