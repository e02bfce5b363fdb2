import AugmentStage
import Foundation
import JSON
import PipeCore
import Testing

/// A stand-in for `load`, so the manifest has a dataset to wire in.
struct SourceStage: Stage {
    struct Params: StageParams {}
    static let kind = "source"
    static let version = 1
    static let summary = "test source"
    static let inputs: [InputPort] = []
    static func outputType(for params: Params) -> ArtifactType { "dataset" }
    func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {}
}

@Suite("augment in a manifest")
struct ManifestTests {
    static func load(_ augment: String) throws -> Pipeline {
        var registry = StageRegistry()
        registry.register(SourceStage.self)
        registry.register(AugmentStage.self)
        let manifest = #"{"stages": {"records": {"kind": "source"}, "more": {"kind": "augment", "inputs": {"dataset": "records"}, "params": \#(augment)}}}"#
        return try ManifestLoader(registry: registry).load(Data(manifest.utf8), url: URL(fileURLWithPath: "/tmp/medical.json"))
    }

    @Test("the design's augment params validate, fill defaults and decode")
    func designParams() throws {
        let pipeline = try Self.load(#"{"seed": 42, "copies": 2, "replace": {"input": {"咳嗽": ["胸痛", "呼吸困难", "咯血"]}}, "split": {"eval": 0.1}}"#)
        let stage = try #require(pipeline.stage("more"))
        #expect(stage.outputType == "dataset")
        let params = try AugmentStage.Params.decodeValidated(stage.params)
        #expect(params.seed == 42 && params.copies == 2 && params.keepOriginal && params.dedupe && params.shuffle)
        #expect(params.split == ["eval": 0.1])
    }

    @Test("bad augment params are reported with their JSON paths before anything runs")
    func badParams() throws {
        do {
            _ = try Self.load(#"{"copies": -1, "replace": {"input": {"咳嗽": []}}, "template": {"input": "{clause"}, "shufle": true}"#)
            Issue.record("expected manifest problems")
        } catch let error as ManifestError {
            #expect(error.issues.map(\.path.description).sorted() == [
                "stages.more.params.copies", "stages.more.params.replace.input.咳嗽", "stages.more.params.shufle",
            ])
            #expect(error.issues.contains { $0.message.contains(#"did you mean "shuffle"?"#) })
        }
        do {
            _ = try Self.load(#"{"template": {"input": "{clause"}}"#)
            Issue.record("expected a template problem")
        } catch let error as ManifestError {
            #expect(error.issues.map(\.description) == ["stages.more.params.template.input: a '{' without its '}' (write {{ for a literal brace)"])
        }
    }
}
