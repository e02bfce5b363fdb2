import Foundation
import JSON

/// A stage kind with its type erased, as the engine handles it.
public struct StageKind: Sendable {
    public let kind: String
    public let version: Int
    public let summary: String
    public let parameters: [ParameterSpec]
    public let inputs: [InputPort]
    /// The values the kind's code gets when a manifest gives no params: decoded from the documented
    /// defaults, by param name. A test checks they equal the documented defaults.
    public let defaultValues: @Sendable () throws -> [String: JSONValue]
    /// Decodes validated params and asks the kind everything that depends on them (given the
    /// manifest's folder and the names of the wired input ports).
    let prepare: @Sendable (JSONValue, URL, Set<String>) throws -> PreparedStage

    public init<S: Stage>(_ type: S.Type) {
        kind = S.kind
        version = S.version
        summary = S.summary
        parameters = S.Params.specs
        inputs = S.inputs
        defaultValues = {
            // Required params have no default; their placeholder values stand in for the manifest's.
            let placeholders = S.Params().values
            let required = S.Params.specs.filter(\.required).compactMap { spec in
                placeholders[spec.name].map { (key: spec.name, value: $0) }
            }
            return try S.Params.decode(.object(required)).values
        }
        prepare = { json, folder, wired in
            let params = try S.Params.decodeValidated(json)
            return PreparedStage(
                outputType: S.outputType(for: params),
                issues: S.check(params, wiredInputs: wired),
                requiredInputs: S.requiredInputs(for: params),
                externalFiles: S.externalFiles(for: params, in: folder),
                exports: S.exports(for: params, in: folder),
                run: { inputs, context in try await S().run(params, inputs: inputs, context: context) }
            )
        }
    }

    /// The port of a wire name (`adapters.1` belongs to the `multiple` port `adapters`); a name
    /// no port has belongs to the kind's `anyName` port, if it has one.
    public func port(named name: String) -> InputPort? {
        if let port = inputs.first(where: { $0.name == name && !$0.anyName }) { return port }
        let base = InputPort.portName(ofWire: name)
        if let port = inputs.first(where: { $0.name == base && $0.multiple && !$0.anyName }) { return port }
        return inputs.first(where: \.anyName).map { $0.named(name) }
    }

    /// Whether manifests may wire ports of any name (see `InputPort.anyName`).
    public var acceptsAnyInputName: Bool { inputs.contains(where: \.anyName) }
}

/// A stage entry whose params decoded: everything the planner and executor need.
public struct PreparedStage: Sendable {
    public let outputType: ArtifactType
    let issues: [ManifestIssue]
    let requiredInputs: Set<String>
    public let externalFiles: [ExternalFile]
    public let exports: [Export]
    let run: @Sendable (StageInputs, StageContext) async throws -> Void
}

/// Maps kind names to stage kinds. The CLI registers one line per kind.
public struct StageRegistry: Sendable {
    public private(set) var kinds: [String: StageKind] = [:]

    public init() {}

    public mutating func register<S: Stage>(_ type: S.Type) {
        kinds[S.kind] = StageKind(type)
    }

    public subscript(kind: String) -> StageKind? { kinds[kind] }

    public var sortedKinds: [StageKind] { kinds.values.sorted { $0.kind < $1.kind } }
}
