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

    /// What a port declared with it takes: an artifact of any type (the `command` kind's inputs).
    /// Reserved: no stage kind declares it as its output.
    public static let any = ArtifactType("any")

    /// With an article, for messages: "a dataset", "an adapter".
    public var withArticle: String {
        if self == .any { return "any artifact" }
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
    /// The port stands for every name a manifest gives under `inputs` that no other port has
    /// (the `command` kind's ports are whatever names its `inputs` use).
    public let anyName: Bool

    public init(_ name: String, accepts: [ArtifactType], optional: Bool = false, multiple: Bool = false, doc: String) {
        self.name = name
        self.accepts = accepts
        self.optional = optional
        self.multiple = multiple
        self.doc = doc
        self.anyName = false
    }

    private init(anyNameAccepting accepts: [ArtifactType], doc: String) {
        self.name = InputPort.anyNamePlaceholder
        self.accepts = accepts
        self.optional = true
        self.multiple = false
        self.doc = doc
        self.anyName = true
    }

    /// A port for every name the manifest's `inputs` give (letters, digits, `_` and `-`), each
    /// optional and taking one stage; `accepts: [.any]` takes artifacts of every type.
    public static func anyName(accepts: [ArtifactType], doc: String) -> InputPort {
        InputPort(anyNameAccepting: accepts, doc: doc)
    }

    /// How `pipe stages` shows the name of an `anyName` port.
    public static let anyNamePlaceholder = "<name>"

    /// This port, named as the manifest wired it.
    func named(_ name: String) -> InputPort {
        InputPort(name, accepts: accepts, optional: optional, multiple: multiple, doc: doc)
    }

    /// Whether the port takes an artifact of this type.
    public func accepts(_ type: ArtifactType) -> Bool {
        accepts.contains(.any) || accepts.contains(type)
    }

    /// A name an `anyName` port can take: it must also work inside `{inputs.NAME}` and as a folder name.
    public static func isValidAnyName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
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
