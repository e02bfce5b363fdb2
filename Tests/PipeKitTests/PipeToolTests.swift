import Foundation
import PipeKit
import Testing

/// A stage kind written with nothing but `import PipeKit`, as another package would.
struct ShoutStage: Stage {
    struct Params: StageParams {
        @Param(doc: "How many exclamation marks.", range: 1...5) var marks = 1
        @Param(doc: "The record fields to shout.", minCount: 1) var fields: [String] = ["output"]
        init() {}
    }

    static let kind = "shout"
    static let version = 1
    static let summary = "Upper-cases text fields."
    static let inputs: [InputPort] = [InputPort("dataset", accepts: ["dataset"], doc: "The records.")]
    static func outputType(for params: Params) -> ArtifactType { "dataset" }

    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        var dataset = try Dataset.read(from: inputs.require("dataset").folder)
        for split in dataset.splits.indices {
            for row in dataset.splits[split].records.indices {
                for field in params.fields {
                    guard case let .string(text)? = dataset.splits[split].records[row][field] else { continue }
                    dataset.splits[split].records[row][field] =
                        .string(text.uppercased() + String(repeating: "!", count: params.marks))
                }
            }
        }
        try dataset.write(to: context.outputFolder)
    }
}

/// Takes the name of a built-in kind.
struct ImpostorStage: Stage {
    struct Params: StageParams { init() {} }
    static let kind = "load"
    static let version = 1
    static let summary = "Not the real load."
    static let inputs: [InputPort] = []
    static func outputType(for params: Params) -> ArtifactType { "files" }
    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {}
}

@Suite("PipeKit: stage kinds from other packages")
struct PipeToolTests {
    @Test("an added kind sits beside the built-in ones, with its params in the schema")
    func addedKind() throws {
        let registry = try PipeTool.registry(adding: [ShoutStage.self])
        #expect(registry["shout"]?.parameters.map(\.name) == ["marks", "fields"])
        #expect(registry["tokenize"] != nil && registry["command"] != nil)
        let schema = ManifestSchema.make(registry).compactText
        #expect(schema.contains(#"{"const":"shout"}"#))
        #expect(schema.contains(#""marks":{"type":"integer","minimum":1,"maximum":5"#), "\(schema.prefix(300))")
    }

    @Test("a kind name that is taken is refused")
    func duplicateKind() {
        #expect(throws: PipeToolError.duplicateKind("load")) { try PipeTool.registry(adding: [ImpostorStage.self]) }
        #expect(throws: PipeToolError.duplicateKind("shout")) {
            try PipeTool.registry(adding: [ShoutStage.self, ShoutStage.self])
        }
    }

    @Test("an added kind is validated at its JSON paths like a built-in one")
    func validation() throws {
        let registry = try PipeTool.registry(adding: [ShoutStage.self])
        let manifest = #"""
        {"stages": {"records": {"kind": "load", "params": {"dataset": "d.jsonl"}},
                    "loud": {"kind": "shout", "inputs": {"dataset": "records"}, "params": {"marks": 9}}}}
        """#
        #expect(throws: ManifestError.self) {
            try ManifestLoader(registry: registry).load(Data(manifest.utf8), url: URL(fileURLWithPath: "/tmp/m.json"))
        }
        do {
            _ = try ManifestLoader(registry: registry).load(Data(manifest.utf8), url: URL(fileURLWithPath: "/tmp/m.json"))
        } catch let error as ManifestError {
            #expect(error.issues.map(\.description) == ["stages.loud.params.marks: expected an integer from 1 to 5, got 9"])
        }
    }

    @Test("the dataset folder format carries its version")
    func datasetVersion() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipekit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataset = Dataset(shape: .text, splits: [Split(name: "train", records: [Record([(key: "text", value: "hi")])])])
        try dataset.write(to: folder)
        let json = try JSONParser.parse(Data(contentsOf: folder.appendingPathComponent(DatasetInfo.fileName)))
        #expect(json["version"]?.intValue == DatasetInfo.formatVersion)
        var newer = json.objectValue ?? []
        newer[0] = (key: "version", value: .number(Double(DatasetInfo.formatVersion + 1)))
        try Data(JSONValue.object(newer).prettyText.utf8).write(to: folder.appendingPathComponent(DatasetInfo.fileName))
        #expect(throws: DatasetError.self) { try DatasetInfo.read(from: folder) }
    }
}
