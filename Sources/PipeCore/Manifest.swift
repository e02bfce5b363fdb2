import Foundation
import JSON

/// A validated pipeline: every stage's kind known, params checked and decoded, inputs wired to
/// existing stages of the right type, no cycles.
public struct Pipeline: Sendable {
    public struct Stage: Sendable {
        public let id: String
        public let kind: StageKind
        /// Params with defaults filled in: what goes into the cache key.
        public let params: JSONValue
        /// Input port -> producing stage id.
        public let inputs: [String: String]
        public let prepared: PreparedStage
        /// What the stage asks of a node when it runs as a Slurm job (not part of its cache key).
        public let resources: StageResources
        public var outputType: ArtifactType { prepared.outputType }
    }

    public let name: String
    public let url: URL
    public var folder: URL { url.deletingLastPathComponent() }
    /// The cache folder: the manifest's `cache` key, or `.pipe/` beside the manifest.
    public let cacheFolder: URL
    /// Where the stages run unless `pipe run --executor` says otherwise.
    public let executor: ExecutorSettings
    /// In declaration order.
    public let stages: [Stage]
    public let graph: Graph<String>
    /// Stage ids in dependency order (declaration order among independent stages).
    public let order: [String]
    private let stageIndex: [String: Int]

    init(
        name: String, url: URL, cacheFolder: URL, executor: ExecutorSettings, stages: [Stage], graph: Graph<String>
    ) {
        self.name = name
        self.url = url
        self.cacheFolder = cacheFolder
        self.executor = executor
        self.stages = stages
        self.graph = graph
        self.order = graph.topologicalOrder() ?? stages.map(\.id)
        var index: [String: Int] = [:]
        for (position, stage) in stages.enumerated() where index[stage.id] == nil { index[stage.id] = position }
        self.stageIndex = index
    }

    public func stage(_ id: String) -> Stage? { stageIndex[id].map { stages[$0] } }
}

/// Reads and validates manifests. Every problem is collected and reported at once, each with its
/// JSON path, before anything runs.
public struct ManifestLoader: Sendable {
    public let registry: StageRegistry

    public init(registry: StageRegistry) { self.registry = registry }

    static let topLevelKeys = ["$schema", "name", "description", "cache", "executor", "stages"]
    static let stageKeys = ["kind", "description", "inputs", "params", "resources"]

    public func load(_ url: URL) throws -> Pipeline {
        // Refused before opening: reading a FIFO or a device would block or never end.
        var info = stat()
        if stat(url.path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            throw ManifestError.unreadable(path: url.path, reason: "not a regular file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ManifestError.unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
        return try load(data, url: url)
    }

    public func load(_ data: Data, url: URL) throws -> Pipeline {
        let parsed: JSONParser
        do {
            parsed = try JSONParser(data)
        } catch let error as JSONParser.SyntaxError {
            throw ManifestError.syntax(path: url.path, line: error.line, column: error.column, message: error.message)
        }
        var issues: [ManifestIssue] = []
        for duplicate in parsed.duplicates {
            let what = duplicate.path == JSONPath.root.key("stages") ? "duplicate stage id" : "duplicate key"
            issues.append(ManifestIssue(duplicate.path.key(duplicate.key), "\(what) \"\(duplicate.key)\""))
        }
        let pipeline = validate(parsed.value, url: url.standardizedFileURL, issues: &issues)
        if let pipeline, issues.isEmpty { return pipeline }
        throw ManifestError.invalid(path: url.path, issues: issues)
    }

    private func validate(_ root: JSONValue, url: URL, issues: inout [ManifestIssue]) -> Pipeline? {
        let top = JSONPath.root
        guard let members = root.objectValue else {
            issues.append(ManifestIssue(top, "expected an object with \"stages\", got \(root.typeName)"))
            return nil
        }
        for member in members where !Self.topLevelKeys.contains(member.key) {
            issues.append(
                ManifestIssue(
                    top.key(member.key), "unknown key \"\(member.key)\"\(didYouMean(member.key, Self.topLevelKeys))"))
        }
        let folder = url.deletingLastPathComponent()
        var name = url.deletingPathExtension().lastPathComponent
        if let value = root["name"] {
            if let text = value.stringValue, !text.isEmpty { name = text } else {
                issues.append(ManifestIssue(top.key("name"), "expected a non-empty string, got \(shown(value))"))
            }
        }
        if let value = root["description"], value.stringValue == nil {
            issues.append(ManifestIssue(top.key("description"), "expected a string, got \(shown(value))"))
        }
        var cacheFolder = folder.appendingPathComponent(".pipe")
        if let value = root["cache"] {
            if let text = value.stringValue, !text.isEmpty { cacheFolder = resolvePath(text, in: folder) } else {
                issues.append(ManifestIssue(top.key("cache"), "expected a folder path (string), got \(shown(value))"))
            }
        }
        var executor = ExecutorSettings()
        if let value = root["executor"] {
            executor = ExecutorSettings.validate(value, at: top.key("executor"), into: &issues) ?? executor
        }
        guard let stagesValue = root["stages"] else {
            issues.append(
                ManifestIssue(top.key("stages"), "missing: a manifest needs \"stages\", an object of stage id -> stage")
            )
            return nil
        }
        guard let declared = stagesValue.objectValue else {
            issues.append(
                ManifestIssue(top.key("stages"), "expected an object of stage id -> stage, got \(stagesValue.typeName)")
            )
            return nil
        }
        if declared.isEmpty {
            issues.append(ManifestIssue(top.key("stages"), "no stages: add at least one"))
            return nil
        }
        // Ids in first-declared order; a duplicate id (reported above) takes its last value.
        var ids: [String] = []
        var lastValue: [String: JSONValue] = [:]
        for member in declared {
            if lastValue.updateValue(member.value, forKey: member.key) == nil { ids.append(member.key) }
        }
        let known = StageIDs(ordered: ids, set: Set(ids))

        var stages: [Pipeline.Stage] = []
        for id in ids {
            let path = top.key("stages").key(id)
            guard let value = lastValue[id] else { continue }
            if let stage = validateStage(id: id, value, at: path, ids: known, folder: folder, issues: &issues) {
                stages.append(stage)
            }
        }
        let byID = Dictionary(stages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // InputPort types can only be checked once both ends decoded.
        for stage in stages {
            for (port, source) in stage.inputs.sorted(by: { $0.key < $1.key }) {
                guard let producer = byID[source], let spec = stage.kind.port(named: port) else { continue }
                if !spec.accepts(producer.outputType) {
                    issues.append(
                        ManifestIssue(
                            top.key("stages").key(stage.id).key("inputs").key(InputPort.portName(ofWire: port)),
                            "stage \"\(source)\" produces \(producer.outputType.withArticle), "
                                + "but port \"\(port)\" of \(stage.kind.kind) takes \(spec.acceptsDescription)"))
                }
            }
        }
        let graph = Graph(
            nodes: ids,
            dependencies: Dictionary(
                uniqueKeysWithValues: stages.map { ($0.id, Array(Set($0.inputs.values)).sorted()) }))
        if let cycle = graph.findCycle() {
            let first = cycle.first ?? ""
            issues.append(ManifestIssue(top.key("stages").key(first).key("inputs"),
                "the stages " + cycle.map { "\"\($0)\"" }.joined(separator: " -> ") + " form a cycle"))
        }
        guard stages.count == ids.count else { return nil }
        return Pipeline(
            name: name, url: url, cacheFolder: cacheFolder, executor: executor, stages: stages, graph: graph)
    }

    /// The manifest's stage ids: in order for suggestions, as a set for lookups.
    struct StageIDs {
        var ordered: [String]
        var set: Set<String>
    }

    private func validateStage(
        id: String, _ value: JSONValue, at path: JSONPath, ids: StageIDs, folder: URL, issues: inout [ManifestIssue]
    ) -> Pipeline.Stage? {
        guard let members = value.objectValue else {
            issues.append(ManifestIssue(path, "expected a stage object with \"kind\", got \(value.typeName)"))
            return nil
        }
        if id.isEmpty || id.contains(where: { $0.isWhitespace || $0 == "/" || $0 == ":" }) {
            issues.append(ManifestIssue(path, "stage ids must be non-empty and contain no spaces, '/' or ':'"))
        }
        for member in members where !Self.stageKeys.contains(member.key) {
            issues.append(
                ManifestIssue(
                    path.key(member.key), "unknown key \"\(member.key)\"\(didYouMean(member.key, Self.stageKeys))"))
        }
        guard let kindValue = value["kind"] else {
            issues.append(
                ManifestIssue(
                    path.key("kind"),
                    "missing: each stage needs a kind (one of "
                        + "\(registry.sortedKinds.map(\.kind).joined(separator: ", ")))"))
            return nil
        }
        guard let kindName = kindValue.stringValue else {
            issues.append(ManifestIssue(path.key("kind"), "expected a string, got \(shown(kindValue))"))
            return nil
        }
        guard let kind = registry[kindName] else {
            let known = registry.sortedKinds.map(\.kind)
            issues.append(
                ManifestIssue(
                    path.key("kind"),
                    "unknown stage kind \"\(kindName)\"\(didYouMean(kindName, known)); "
                        + "known kinds: \(known.joined(separator: ", "))"))
            return nil
        }
        if let description = value["description"], description.stringValue == nil {
            issues.append(ManifestIssue(path.key("description"), "expected a string, got \(shown(description))"))
        }

        var inputs: [String: String] = [:]
        var inputsOK = true
        // The port names as written, wired well or not: a stage's own checks refer to them by name.
        var wiredNames: Set<String> = []
        if let inputsValue = value["inputs"] {
            if let wires = inputsValue.objectValue {
                wiredNames = Set(wires.map(\.key))
                let portNames = kind.inputs.map(\.name)
                // A `multiple` port takes a list; each element becomes its own wire (adapters.0, ...).
                var expanded: [(wire: String, path: JSONPath, value: JSONValue)] = []
                for wire in wires {
                    let wirePath = path.key("inputs").key(wire.key)
                    let fixed = kind.inputs.first { $0.name == wire.key && !$0.anyName }
                    if fixed == nil, kind.acceptsAnyInputName, !InputPort.isValidAnyName(wire.key) {
                        issues.append(
                            ManifestIssue(
                                wirePath,
                                "input names of \(kind.kind) are letters, digits, '_' or '-', got \"\(wire.key)\""))
                        inputsOK = false
                        continue
                    }
                    guard let port = fixed ?? kind.inputs.first(where: \.anyName)?.named(wire.key) else {
                        issues.append(
                            ManifestIssue(
                                wirePath,
                                "unknown input port \"\(wire.key)\" of \(kind.kind)\(didYouMean(wire.key, portNames)); "
                                    + "ports: \(portNames.joined(separator: ", "))"))
                        inputsOK = false
                        continue
                    }
                    if port.multiple, let list = wire.value.arrayValue {
                        if list.isEmpty {
                            issues.append(ManifestIssue(wirePath, "expected at least one stage id"))
                            inputsOK = false
                        }
                        for (index, item) in list.enumerated() {
                            expanded.append((InputPort.wire(port.name, index: index), wirePath.index(index), item))
                        }
                    } else {
                        expanded.append(
                            (port.multiple ? InputPort.wire(port.name, index: 0) : port.name, wirePath, wire.value))
                    }
                }
                for wire in expanded {
                    let wirePath = wire.path
                    guard let source = wire.value.stringValue else {
                        let expected =
                            kind.port(named: wire.wire)?.multiple == true
                            ? "a stage id or a list of them" : "a stage id (string)"
                        issues.append(ManifestIssue(wirePath, "expected \(expected), got \(shown(wire.value))"))
                        inputsOK = false
                        continue
                    }
                    guard ids.set.contains(source) else {
                        issues.append(
                            ManifestIssue(
                                wirePath, "no stage \"\(source)\" in this manifest\(didYouMean(source, ids.ordered))"))
                        inputsOK = false
                        continue
                    }
                    if source == id {
                        issues.append(ManifestIssue(wirePath, "a stage cannot take its own output as input"))
                        inputsOK = false
                        continue
                    }
                    inputs[wire.wire] = source
                }
            } else {
                issues.append(
                    ManifestIssue(
                        path.key("inputs"), "expected an object of port -> stage id, got \(shown(inputsValue))"))
                inputsOK = false
            }
        }

        var resources = StageResources()
        var resourcesOK = true
        if let value = value["resources"] {
            if let checked = StageResources.validate(value, at: path.key("resources"), into: &issues) {
                resources = checked
            } else {
                resourcesOK = false
            }
        }

        let paramsPath = path.key("params")
        let given = value["params"] ?? .object([])
        guard given.objectValue != nil else {
            issues.append(ManifestIssue(paramsPath, "expected an object, got \(shown(given))"))
            return nil
        }
        guard let params = validateRecord(given, fields: kind.parameters, at: paramsPath, into: &issues) else {
            return nil
        }
        let prepared: PreparedStage
        do {
            prepared = try kind.prepare(params, folder, wiredNames)
        } catch {
            issues.append(ManifestIssue(paramsPath, "params do not fit \(kind.kind): \(error)"))
            return nil
        }
        let before = issues.count
        issues += prepared.issues.map {
            ManifestIssue(JSONPath(paramsPath.components + $0.path.components), $0.message)
        }
        for port in prepared.requiredInputs.sorted()
        where inputs[port] == nil && inputs[InputPort.wire(port, index: 0)] == nil && inputsOK {
            let spec = kind.port(named: port)
            issues.append(
                ManifestIssue(
                    path.key("inputs").key(port),
                    "missing input: \(kind.kind) needs \(spec?.acceptsDescription ?? "an artifact") on port \"\(port)\""
                ))
        }
        guard issues.count == before, inputsOK, resourcesOK else { return nil }
        return Pipeline.Stage(
            id: id, kind: kind, params: params, inputs: inputs, prepared: prepared, resources: resources)
    }
}
