import Foundation
import JSON
import PipeCore

/// Small stage kinds that exercise the engine without any ML.

/// `emit`: writes `text` (optionally read from `file`) `copies` times into `text.txt`.
struct EmitStage: Stage {
    enum Mode: String, ParamChoice { case plain, upper }

    struct Params: StageParams {
        @Param(doc: "What to write.") var text = "hello"
        @Param(doc: "How many times.", min: 1) var copies = 1
        @Param(type: .path, doc: "Read the text from this file instead.") var file: String? = nil
        @Param(doc: "Case.") var mode: Mode = .plain
        @Param(doc: "Fail on purpose.") var fail = false
    }

    static let kind = "emit"
    static let version = 1
    static let summary = "Writes some text."
    static let inputs: [InputPort] = []
    static func outputType(for params: Params) -> ArtifactType { "text" }
    static func externalFiles(for params: Params, in folder: URL) -> [ExternalFile] {
        params.file.map { [ExternalFile(name: $0, url: resolvePath($0, in: folder), param: JSONPath.root.key("file"))] } ?? []
    }

    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        if params.fail { throw StageError.failed("failing on purpose") }
        var text = params.text
        if let file = params.file { text = try String(contentsOf: context.resolve(file), encoding: .utf8) }
        if params.mode == .upper { text = text.uppercased() }
        try Counter.bump(context.manifestFolder, "emit")
        try String(repeating: text, count: params.copies).write(to: context.outputFolder.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
    }
}

/// `join`: concatenates `left` and optional `right` texts; can sleep to test interruption.
struct JoinStage: Stage {
    struct Params: StageParams {
        @Param(doc: "Between the texts.") var separator = "+"
        @Param(doc: "Pause first (for tests).", min: 0) var sleepMs = 0
    }

    static let kind = "join"
    static let version = 1
    static let summary = "Joins texts."
    static let inputs: [InputPort] = [
        InputPort("left", accepts: ["text"], doc: "First text."),
        InputPort("right", accepts: ["text"], optional: true, doc: "Second text."),
    ]
    static func outputType(for params: Params) -> ArtifactType { "text" }

    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        for step in 0..<params.sleepMs / 10 {
            try context.checkCancellation()
            context.progress(step, of: params.sleepMs / 10, unit: "ticks")
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        try Counter.bump(context.manifestFolder, "join")
        let left = try String(contentsOf: inputs.require("left").file("text.txt"), encoding: .utf8)
        let right = try inputs["right"].map { try String(contentsOf: $0.file("text.txt"), encoding: .utf8) }
        let joined = [left, right].compactMap { $0 }.joined(separator: params.separator)
        try joined.write(to: context.outputFolder.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
    }
}

/// `consume`: takes a `model` (to test port type mismatches); `needs_extra` makes port `extra` required.
struct ConsumeStage: Stage {
    struct Params: StageParams {
        @Param(doc: "Require the extra port.") var needsExtra = false
        @Param(doc: "Lower bound.") var low = 0
        @Param(doc: "Upper bound.") var high = 10
        @Param(doc: "A positive rate.", min: 0, exclusiveMin: true) var rate = 0.5
        @Param(type: .array(of: .string(), minCount: 1), doc: "Tags.") var tags = ["a"]
        @Param(doc: "Nested rules.") var rules: [String: [String: [String]]] = [:]
        @Param(type: .anyOf([.path, .record([ParameterSpec("layers", .integer(min: 1), required: true, doc: "Layers.")])]),
               doc: "A file or a spec.") var target: Target? = nil
    }

    /// A path, or `{"layers": N}`.
    enum Target: ParamValue {
        case path(String)
        case layers(Int)

        init(from decoder: Decoder) throws {
            if let path = try? decoder.singleValueContainer().decode(String.self) { self = .path(path); return }
            struct Spec: Decodable { let layers: Int }
            self = .layers(try Spec(from: decoder).layers)
        }

        static var paramType: ParamType { .json }
        var paramJSON: JSONValue? { nil }
    }

    static let kind = "consume"
    static let version = 1
    static let summary = "Consumes a model."
    static let inputs: [InputPort] = [
        InputPort("model", accepts: ["model"], doc: "A model."),
        InputPort("extra", accepts: ["text"], optional: true, doc: "Extra text."),
    ]
    static func outputType(for params: Params) -> ArtifactType { "report" }
    static func check(_ params: Params) -> [ManifestIssue] {
        params.low > params.high ? [ManifestIssue(JSONPath.root.key("low"), "must not exceed high (\(params.high))")] : []
    }
    static func requiredInputs(for params: Params) -> Set<String> { params.needsExtra ? ["model", "extra"] : ["model"] }

    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {}
}

/// `model`: produces a model artifact.
struct ModelStage: Stage {
    struct Params: StageParams {
        @Param(doc: "Processes it would start (as train's, for the Slurm tasks check).", min: 1) var processes = 1
    }
    static let kind = "model"
    static let version = 1
    static let summary = "Makes a model."
    static let inputs: [InputPort] = []
    static func outputType(for params: Params) -> ArtifactType { "model" }
    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        try Data("weights".utf8).write(to: context.outputFolder.appendingPathComponent("model.bin"))
    }
}

/// `gather`: takes artifacts of any type under any input names; `use` names the inputs it reads.
struct GatherStage: Stage {
    struct Params: StageParams {
        @Param(doc: "The inputs to list.") var use: [String] = []
    }

    static let kind = "gather"
    static let version = 1
    static let summary = "Lists its inputs."
    static let inputs: [InputPort] = [.anyName(accepts: [.any], doc: "Anything.")]
    static func outputType(for params: Params) -> ArtifactType { "text" }
    static func check(_ params: Params, wiredInputs: Set<String>) -> [ManifestIssue] {
        params.use.enumerated().filter { !wiredInputs.contains($0.element) }.map {
            ManifestIssue(JSONPath.root.key("use").index($0.offset), "no input \"\($0.element)\"")
        }
    }

    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let listed = inputs.artifacts.keys.sorted().map { "\($0):\(inputs[$0]?.type.name ?? "")" }
        try listed.joined(separator: ",").write(
            to: context.outputFolder.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
    }
}

/// Counts how often each test stage actually ran, in a file beside the manifest.
enum Counter {
    static let lock = NSLock()

    static func bump(_ folder: URL, _ name: String) throws {
        try lock.withLock {
            let url = folder.appendingPathComponent("runs-\(name).txt")
            let count = (try? String(contentsOf: url, encoding: .utf8)).flatMap { Int($0) } ?? 0
            try String(count + 1).write(to: url, atomically: true, encoding: .utf8)
        }
    }

    static func count(_ folder: URL, _ name: String) -> Int {
        (try? String(contentsOf: folder.appendingPathComponent("runs-\(name).txt"), encoding: .utf8)).flatMap { Int($0) } ?? 0
    }
}

var testRegistry: StageRegistry {
    var registry = StageRegistry()
    registry.register(EmitStage.self)
    registry.register(JoinStage.self)
    registry.register(ConsumeStage.self)
    registry.register(ModelStage.self)
    registry.register(GatherStage.self)
    return registry
}
