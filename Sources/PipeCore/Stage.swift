import Foundation
import JSON
import PipeCache

/// A stage kind: a typed, versioned transformation from input artifacts to one output artifact.
///
/// A kind declares its ports and params once; the engine derives validation, defaults, `pipe stages`
/// and the manifest's JSON Schema from that declaration, and never runs a stage whose manifest entry
/// has a problem. `run` writes the output artifact's files into `context.outputFolder`.
public protocol Stage: Sendable {
    /// The kind's params, each declared once with `@Param`; decoded from the manifest's `params`
    /// object after validation and defaults.
    associatedtype Params: StageParams

    /// The manifest's name for the kind: a lowercase verb.
    static var kind: String { get }
    /// Bumped whenever the same params and inputs would give different output: part of the cache key.
    static var version: Int { get }
    /// One line for `pipe stages`.
    static var summary: String { get }
    /// The named inputs a manifest wires to other stages' outputs, with the artifact types each takes.
    static var inputs: [InputPort] { get }
    /// The output type, which may depend on params (`load` gives a dataset or a model).
    static func outputType(for params: Params) -> ArtifactType
    /// Checks that need more than one param (e.g. exactly one of `dataset` and `model`).
    /// Paths in the issues are relative to the stage's `params` object.
    static func check(_ params: Params) -> [ManifestIssue]
    /// The same checks, for a kind whose params refer to its input ports by name (the `command`
    /// kind's `{inputs.NAME}`): `wiredInputs` are the port names the manifest's `inputs` gives.
    /// By default, `check(params)`.
    static func check(_ params: Params, wiredInputs: Set<String>) -> [ManifestIssue]
    /// Which input ports this configuration needs, when that depends on params.
    static func requiredInputs(for params: Params) -> Set<String>
    /// Files read from outside the cache; their content digests are part of the cache key.
    static func externalFiles(for params: Params, in folder: URL) -> [ExternalFile]
    /// Files published outside the cache (by `export`), restored if deleted.
    static func exports(for params: Params, in folder: URL) -> [Export]

    /// A stage value for one run (kinds are usually stateless).
    init()
    /// Does the work: reads `inputs`' folders, writes the output artifact's files into
    /// `context.outputFolder`. Throwing fails the stage (nothing is cached); `StageError.badData`
    /// shows as `file:line: message`. Long loops call `context.checkCancellation()`.
    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws
}

extension Stage {
    public static func check(_ params: Params) -> [ManifestIssue] { [] }
    public static func check(_ params: Params, wiredInputs: Set<String>) -> [ManifestIssue] { check(params) }
    public static func requiredInputs(for params: Params) -> Set<String> {
        Set(inputs.filter { !$0.optional }.map(\.name))
    }
    public static func externalFiles(for params: Params, in folder: URL) -> [ExternalFile] { [] }
    public static func exports(for params: Params, in folder: URL) -> [Export] { [] }
}

/// A file a stage reads from outside the cache.
public struct ExternalFile: Sendable, Hashable {
    /// As written in the manifest (the name used in the cache key, independent of where the manifest is).
    public let name: String
    /// Where the file is now (its content is hashed into the key).
    public let url: URL
    /// The param it came from, relative to the stage's params (for error messages).
    public let param: JSONPath

    public init(name: String, url: URL, param: JSONPath) {
        self.name = name
        self.url = url
        self.param = param
    }
}

/// A file or folder of the output artifact that is also published outside the cache.
public struct Export: Sendable, Hashable {
    /// Path inside the output artifact.
    public let file: String
    /// Where it is published (a path outside the cache).
    public let destination: URL
    /// The export is a folder, published whole (a Hugging Face or PEFT folder).
    public let isFolder: Bool

    public init(file: String, destination: URL, isFolder: Bool = false) {
        self.file = file
        self.destination = destination
        self.isFolder = isFolder
    }
}

/// An input artifact, unpacked and verified, read-only.
public struct Artifact: Sendable {
    /// The producing stage's declared output type.
    public let type: ArtifactType
    /// The artifact's files, unpacked; read them, never write.
    public let folder: URL
    /// The producing stage's cache key and the artifact's content digest.
    public let key: String
    public let digest: Digest
    /// The producing stage's id in this manifest.
    public let producer: String

    public init(type: ArtifactType, folder: URL, key: String, digest: Digest, producer: String) {
        self.type = type
        self.folder = folder
        self.key = key
        self.digest = digest
        self.producer = producer
    }

    /// A file of the artifact, by its path inside the folder.
    public func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
}

/// The artifacts wired into a stage's ports.
public struct StageInputs: Sendable {
    /// Port (or wire: `adapters.0`) -> artifact.
    public let artifacts: [String: Artifact]

    public init(_ artifacts: [String: Artifact]) { self.artifacts = artifacts }

    /// The artifact on a port, or nil for an optional port left unwired.
    public subscript(port: String) -> Artifact? { artifacts[port] }

    /// The artifact on a required port.
    public func require(_ port: String) throws -> Artifact {
        guard let artifact = artifacts[port] else { throw StageError.missingInput(port) }
        return artifact
    }

    /// The artifacts on a `multiple` port, in the manifest's order.
    public func all(_ port: String) -> [Artifact] {
        (0...).lazy.map { InputPort.wire(port, index: $0) }.prefix { artifacts[$0] != nil }.compactMap { artifacts[$0] }
    }
}

/// Errors a stage raises that the engine knows how to show.
public enum StageError: Error, CustomStringConvertible {
    /// A required input port got no artifact.
    case missingInput(String)
    /// The input data is bad at a place a person can find: file and line.
    case badData(file: String, line: Int?, message: String)
    /// Any other failure, in words.
    case failed(String)

    public var description: String {
        switch self {
        case let .missingInput(port): return "no artifact on input port \"\(port)\""
        case let .badData(file, line?, message): return "\(file):\(line): \(message)"
        case let .badData(file, nil, message): return "\(file): \(message)"
        case let .failed(message): return message
        }
    }
}
