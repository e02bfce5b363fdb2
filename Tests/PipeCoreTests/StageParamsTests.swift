import JSON
import PipeCore
import Testing

/// A params struct with one param of each kind of declaration.
private struct SampleParams: StageParams {
    enum Shape: String, ParamChoice, Hashable { case round, square }

    @Param(doc: "Rank.", range: 1...64) var rank = 8
    @Param(doc: "Rate.", min: 0, exclusiveMin: true) var learningRate = 0.5
    @Param("use_fast", doc: "An explicit name.") var useFastPath = false
    @Param(doc: "A choice.") var shape: Shape = .round
    @Param(doc: "Auto or a choice.") var style: AutoOr<Shape> = .auto
    @Param(doc: "Optional, no default.", min: 1) var limit: Int? = nil
    @Param(doc: "A list.") var tags = ["a", "b"]
    @Param(type: .path, required: true, doc: "Must be given.") var file = ""

    init() {}
}

@Suite("Stage params declared with @Param")
struct StageParamsTests {
    @Test("each declaration gives a spec: snake-case or explicit name, type with its range, default from the initial value")
    func specsComeFromTheDeclarations() {
        let specs = SampleParams.specs
        #expect(specs.map(\.name) == ["rank", "learning_rate", "use_fast", "shape", "style", "limit", "tags", "file"])
        #expect(specs[0].type.expectation == "an integer from 1 to 64" && specs[0].defaultValue == 8)
        #expect(specs[1].type.expectation == "a positive number" && specs[1].defaultValue == 0.5)
        #expect(specs[3].type.expectation == "one of \"round\", \"square\"" && specs[3].defaultValue == "round")
        #expect(specs[4].type.expectation == "one of \"auto\", \"round\", \"square\"" && specs[4].defaultValue == "auto")
        #expect(specs[5].defaultValue == nil && !specs[5].required)
        #expect(specs[6].defaultValue == ["a", "b"])
        #expect(specs[7].required && specs[7].defaultValue == nil)
    }

    @Test("decoding fills defaults, maps manifest names to properties and reads choices as enums")
    func decodingFillsDefaults() throws {
        let params = try SampleParams.decode(["file": "x.json", "use_fast": true, "style": "square", "limit": 3])
        #expect(params.rank == 8 && params.learningRate == 0.5 && params.useFastPath)
        #expect(params.shape == .round && params.style == .fixed(.square) && params.style.fixed == .square)
        #expect(params.limit == 3 && params.tags == ["a", "b"] && params.file == "x.json")
        #expect(params.values["limit"] == 3 && params.values["style"] == "square")
    }

    @Test("every problem is reported at its param: out of range, unknown choice, unknown key, missing required")
    func problemsNameTheirParams() {
        do {
            _ = try SampleParams.decode(["rank": 0, "shape": "sqare", "colour": "red"])
            Issue.record("decoded bad params")
        } catch let error as ManifestError {
            #expect(Set(error.issues.map(\.path.description)) == ["rank", "shape", "colour", "file"])
            #expect(error.description.contains("did you mean \"square\"?"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
