import JSON
/// Everything that decides a stage's output. Its SHA-256 over canonical JSON is the cache key:
/// equal material gives an equal key, across manifests too.
public struct CacheKeyMaterial: Sendable, Equatable, Codable {
    public var kind: String
    public var version: Int
    public var params: JSONValueBox
    /// Input port name -> the producing stage's key.
    public var inputs: [String: String]
    /// Path as written in the manifest -> content digest of the file read from outside the cache.
    public var files: [String: String]

    public init(kind: String, version: Int, params: JSONValue, inputs: [String: String], files: [String: String]) {
        self.kind = kind
        self.version = version
        self.params = JSONValueBox(params)
        self.inputs = inputs
        self.files = files
    }

    public var json: JSONValue {
        .object([
            (
                key: "files",
                value: .object(files.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) })
            ),
            (
                key: "inputs",
                value: .object(inputs.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) })
            ),
            (key: "kind", value: .string(kind)),
            (key: "params", value: params.value),
            (key: "version", value: .number(Double(version))),
        ])
    }

    /// The cache key: SHA-256 of the canonical JSON of the material.
    public var key: String { Digest.of(json.canonicalText).hex }
}

/// Makes `JSONValue` Codable as itself, for records written to disk.
public struct JSONValueBox: Sendable, Equatable, Codable {
    public var value: JSONValue
    public init(_ value: JSONValue) { self.value = value }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        value = try JSONParser.parse(text)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value.canonicalText)
    }
}
