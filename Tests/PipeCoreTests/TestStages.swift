import Foundation
import JSON
import PipeCore

/// Small stage kinds that exercise the engine without any ML.

/// `emit`: writes `text` (optionally read from `file`) `copies` times into `text.txt`.
struct EmitStage: Stage {
    struct Params: Decodable, Sendable {
        var text: String
        var copies: Int
        var file: String?
        var mode: String
        var fail: Bool
    }

    static let kind = "emit"
    static let version = 1
    static let summary = "Writes some text."
    static let parameters: [ParameterSpec] = [
        ParameterSpec("text", .string(), default: "hello", doc: "What to write."),
        ParameterSpec("copies", .integer(min: 1), default: 1, doc: "How many times."),
        ParameterSpec("file", .path, doc: "Read the text from this file instead."),
        ParameterSpec("mode", .string(choices: ["plain", "upper"]), default: "plain", doc: "Case."),
        ParameterSpec("fail", .boolean, default: false, doc: "Fail on purpose."),
    ]
    static let inputs: [InputPort] = []
    static func outputType(for params: Params) -> ArtifactType { "text" }
    static func externalFiles(for params: Params, in folder: URL) -> [ExternalFile] {
        params.file.map { [ExternalFile(name: $0, url: resolvePath($0, in: folder), param: JSONPath.root.key("file"))] } ?? []
    }

    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        if params.fail { throw StageError.failed("failing on purpose") }
        var text = params.text
        if let file = params.file { text = try String(contentsOf: context.resolve(file), encoding: .utf8) }
        if params.mode == "upper" { text = text.uppercased() }
        try Counter.bump(context.manifestFolder, "emit")
        try String(repeating: text, count: params.copies).write(to: context.outputFolder.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
    }
}

/// `join`: concatenates `left` and optional `right` texts; can sleep to test interruption.
struct JoinStage: Stage {
    struct Params: Decodable, Sendable {
        var separator: String
        var sleep_ms: Int
    }

    static let kind = "join"
    static let version = 1
    static let summary = "Joins texts."
    static let parameters: [ParameterSpec] = [
        ParameterSpec("separator", .string(), default: "+", doc: "Between the texts."),
        ParameterSpec("sleep_ms", .integer(min: 0), default: 0, doc: "Pause first (for tests)."),
    ]
    static let inputs: [InputPort] = [
        InputPort("left", accepts: ["text"], doc: "First text."),
        InputPort("right", accepts: ["text"], optional: true, doc: "Second text."),
    ]
    static func outputType(for params: Params) -> ArtifactType { "text" }

    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        for step in 0..<params.sleep_ms / 10 {
            try context.checkCancellation()
            context.progress(step, of: params.sleep_ms / 10, unit: "ticks")
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
    struct Params: Decodable, Sendable {
        var needs_extra: Bool
        var low: Int
        var high: Int
    }

    static let kind = "consume"
    static let version = 1
    static let summary = "Consumes a model."
    static let parameters: [ParameterSpec] = [
        ParameterSpec("needs_extra", .boolean, default: false, doc: "Require the extra port."),
        ParameterSpec("low", .integer(), default: 0, doc: "Lower bound."),
        ParameterSpec("high", .integer(), default: 10, doc: "Upper bound."),
        ParameterSpec("rate", .number(min: 0, exclusiveMin: true), default: 0.5, doc: "A positive rate."),
        ParameterSpec("tags", .array(of: .string(), minCount: 1), default: ["a"], doc: "Tags."),
        ParameterSpec("rules", .map(of: .map(of: .array(of: .string()))), default: [:], doc: "Nested rules."),
        ParameterSpec("target", .anyOf([.path, .record([ParameterSpec("layers", .integer(min: 1), required: true, doc: "Layers.")])]), doc: "A file or a spec."),
    ]
    static let inputs: [InputPort] = [
        InputPort("model", accepts: ["model"], doc: "A model."),
        InputPort("extra", accepts: ["text"], optional: true, doc: "Extra text."),
    ]
    static func outputType(for params: Params) -> ArtifactType { "report" }
    static func check(_ params: Params) -> [ManifestIssue] {
        params.low > params.high ? [ManifestIssue(JSONPath.root.key("low"), "must not exceed high (\(params.high))")] : []
    }
    static func requiredInputs(for params: Params) -> Set<String> { params.needs_extra ? ["model", "extra"] : ["model"] }

    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {}
}

/// `model`: produces a model artifact.
struct ModelStage: Stage {
    struct Params: Decodable, Sendable {}
    static let kind = "model"
    static let version = 1
    static let summary = "Makes a model."
    static let parameters: [ParameterSpec] = []
    static let inputs: [InputPort] = []
    static func outputType(for params: Params) -> ArtifactType { "model" }
    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        try Data("weights".utf8).write(to: context.outputFolder.appendingPathComponent("model.bin"))
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
    return registry
}
