/// The declared type of a stage's output and of what an input port accepts. The engine compares
/// types by name only; what a type's files look like is agreed between the stages that use it.
public struct ArtifactType: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let name: String
    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { self.name = value }
    public var description: String { name }

    public init(from decoder: Decoder) throws { name = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }

    /// With an article, for messages: "a dataset", "an adapter".
    public var withArticle: String {
        let vowel = name.first.map { "aeiou".contains($0) } ?? false
        return (vowel ? "an " : "a ") + name
    }
}

/// A named input of a stage kind.
public struct InputPort: Sendable {
    public let name: String
    public let accepts: [ArtifactType]
    public let optional: Bool
    /// The port takes a list of stage ids (`"adapters": ["medical", "finance"]`); the stage gets
    /// them in order from `StageInputs.all(name)`.
    public let multiple: Bool
    public let doc: String

    public init(_ name: String, accepts: [ArtifactType], optional: Bool = false, multiple: Bool = false, doc: String) {
        self.name = name
        self.accepts = accepts
        self.optional = optional
        self.multiple = multiple
        self.doc = doc
    }

    public var acceptsDescription: String {
        accepts.map(\.withArticle).joined(separator: " or ")
    }

    /// The wire name of the `index`th stage on a `multiple` port: `adapters.0`, `adapters.1`, ...
    public static func wire(_ port: String, index: Int) -> String { "\(port).\(index)" }

    /// The port a wire belongs to: `adapters` for `adapters.1`, the wire itself otherwise.
    public static func portName(ofWire wire: String) -> String {
        guard let dot = wire.lastIndex(of: "."), Int(wire[wire.index(after: dot)...]) != nil else { return wire }
        return String(wire[..<dot])
    }
}
