import Foundation
import JSON
import PipeCore
import Testing

/// Loads a manifest text with the test stage kinds and returns its issues as "path: message".
func issues(_ text: String) throws -> [String] {
    do {
        _ = try ManifestLoader(registry: testRegistry).load(Data(text.utf8), url: URL(fileURLWithPath: "/tmp/m.json"))
        return []
    } catch let error as ManifestError {
        if case let .syntax(_, line, column, message) = error { return ["syntax \(line):\(column): \(message)"] }
        return error.issues.map(\.description)
    }
}

struct MalformedManifest: CustomStringConvertible, Sendable {
    let name: String
    let json: String
    let expected: String
    var description: String { name }
}

let malformedManifests: [MalformedManifest] = [
    .init(name: "not JSON", json: #"{"stages": {"#, expected: "syntax 1:13: unexpected end of input"),
    .init(name: "top level is an array", json: #"[]"#, expected: #"(top level): expected an object with "stages", got an array"#),
    .init(name: "unknown top-level key", json: #"{"stages": {"a": {"kind": "emit"}}, "stagez": 1}"#, expected: #"stagez: unknown key "stagez" (did you mean "stages"?)"#),
    .init(name: "no stages", json: #"{"name": "x"}"#, expected: #"stages: missing"#),
    .init(name: "empty stages", json: #"{"stages": {}}"#, expected: "stages: no stages"),
    .init(name: "stages not an object", json: #"{"stages": []}"#, expected: "stages: expected an object of stage id -> stage, got an array"),
    .init(name: "duplicate stage id", json: #"{"stages": {"a": {"kind": "emit"}, "a": {"kind": "emit"}}}"#, expected: #"stages.a: duplicate stage id "a""#),
    .init(name: "duplicate key in params", json: #"{"stages": {"a": {"kind": "emit", "params": {"text": "x", "text": "y"}}}}"#, expected: #"stages.a.params.text: duplicate key "text""#),
    .init(name: "missing kind", json: #"{"stages": {"a": {"params": {}}}}"#, expected: "stages.a.kind: missing"),
    .init(name: "unknown kind", json: #"{"stages": {"a": {"kind": "emitt"}}}"#, expected: #"stages.a.kind: unknown stage kind "emitt" (did you mean "emit"?)"#),
    .init(name: "kind not a string", json: #"{"stages": {"a": {"kind": 3}}}"#, expected: "stages.a.kind: expected a string, got 3"),
    .init(name: "unknown stage key", json: #"{"stages": {"a": {"kind": "emit", "parms": {}}}}"#, expected: #"stages.a.parms: unknown key "parms" (did you mean "params"?)"#),
    .init(name: "integer given as string", json: #"{"stages": {"a": {"kind": "emit", "params": {"copies": "16"}}}}"#, expected: #"stages.a.params.copies: expected a positive integer, got "16""#),
    .init(name: "integer out of range", json: #"{"stages": {"a": {"kind": "emit", "params": {"copies": 0}}}}"#, expected: "stages.a.params.copies: expected a positive integer, got 0"),
    .init(name: "fractional integer", json: #"{"stages": {"a": {"kind": "emit", "params": {"copies": 1.5}}}}"#, expected: "stages.a.params.copies: expected a positive integer, got 1.5"),
    .init(name: "unknown param near miss", json: #"{"stages": {"a": {"kind": "emit", "params": {"copis": 2}}}}"#, expected: #"stages.a.params.copis: unknown param "copis" (did you mean "copies"?)"#),
    .init(name: "choice not allowed", json: #"{"stages": {"a": {"kind": "emit", "params": {"mode": "uper"}}}}"#, expected: #"stages.a.params.mode: expected one of "plain", "upper", got "uper" (did you mean "upper"?)"#),
    .init(name: "boolean mistyped", json: #"{"stages": {"a": {"kind": "emit", "params": {"fail": "yes"}}}}"#, expected: #"stages.a.params.fail: expected true or false, got "yes""#),
    .init(name: "params not an object", json: #"{"stages": {"a": {"kind": "emit", "params": [1]}}}"#, expected: "stages.a.params: expected an object, got [1]"),
    .init(name: "input names a missing stage", json: #"{"stages": {"a": {"kind": "emit"}, "b": {"kind": "join", "inputs": {"left": "aa"}}}}"#, expected: #"stages.b.inputs.left: no stage "aa" in this manifest (did you mean "a"?)"#),
    .init(name: "unknown port", json: #"{"stages": {"a": {"kind": "emit"}, "b": {"kind": "join", "inputs": {"lefty": "a"}}}}"#, expected: #"stages.b.inputs.lefty: unknown input port "lefty" of join (did you mean "left"?)"#),
    .init(name: "missing required input", json: #"{"stages": {"a": {"kind": "emit"}, "b": {"kind": "join"}}}"#, expected: #"stages.b.inputs.left: missing input: join needs a text on port "left""#),
    .init(name: "port type mismatch", json: #"{"stages": {"a": {"kind": "emit"}, "b": {"kind": "consume", "inputs": {"model": "a"}}}}"#, expected: #"stages.b.inputs.model: stage "a" produces a text, but port "model" of consume takes a model"#),
    .init(name: "cycle", json: #"{"stages": {"a": {"kind": "join", "inputs": {"left": "b"}}, "b": {"kind": "join", "inputs": {"left": "a"}}}}"#, expected: #"stages.a.inputs: the stages "a" -> "b" -> "a" form a cycle"#),
    .init(name: "self input", json: #"{"stages": {"a": {"kind": "join", "inputs": {"left": "a"}}}}"#, expected: "stages.a.inputs.left: a stage cannot take its own output as input"),
    .init(name: "cross-field check", json: #"{"stages": {"m": {"kind": "model"}, "b": {"kind": "consume", "inputs": {"model": "m"}, "params": {"low": 5, "high": 1}}}}"#, expected: "stages.b.params.low: must not exceed high (1)"),
    .init(name: "input required by params", json: #"{"stages": {"m": {"kind": "model"}, "b": {"kind": "consume", "inputs": {"model": "m"}, "params": {"needs_extra": true}}}}"#, expected: #"stages.b.inputs.extra: missing input: consume needs a text on port "extra""#),
    .init(name: "number must be positive", json: #"{"stages": {"m": {"kind": "model"}, "b": {"kind": "consume", "inputs": {"model": "m"}, "params": {"rate": 0}}}}"#, expected: "stages.b.params.rate: expected a positive number, got 0"),
    .init(name: "array element mistyped", json: #"{"stages": {"m": {"kind": "model"}, "b": {"kind": "consume", "inputs": {"model": "m"}, "params": {"tags": ["x", 2]}}}}"#, expected: "stages.b.params.tags[1]: expected a string, got 2"),
    .init(name: "empty array where one is needed", json: #"{"stages": {"m": {"kind": "model"}, "b": {"kind": "consume", "inputs": {"model": "m"}, "params": {"tags": []}}}}"#, expected: "stages.b.params.tags: expected a non-empty array of strings, got []"),
    .init(name: "nested map value mistyped", json: #"{"stages": {"m": {"kind": "model"}, "b": {"kind": "consume", "inputs": {"model": "m"}, "params": {"rules": {"input": {"咳嗽": "胸痛"}}}}}}"#, expected: #"stages.b.params.rules.input.咳嗽: expected an array of strings, got "胸痛""#),
    .init(name: "record inside anyOf", json: #"{"stages": {"m": {"kind": "model"}, "b": {"kind": "consume", "inputs": {"model": "m"}, "params": {"target": {"layers": 0}}}}}"#, expected: "stages.b.params.target.layers: expected a positive integer, got 0"),
    .init(name: "record missing required key", json: #"{"stages": {"m": {"kind": "model"}, "b": {"kind": "consume", "inputs": {"model": "m"}, "params": {"target": {}}}}}"#, expected: "stages.b.params.target.layers: missing required param"),
    .init(name: "input wire not a string", json: #"{"stages": {"a": {"kind": "emit"}, "b": {"kind": "join", "inputs": {"left": ["a"]}}}}"#, expected: #"stages.b.inputs.left: expected a stage id (string), got ["a"]"#),
    .init(name: "bad stage id", json: #"{"stages": {"a b": {"kind": "emit"}}}"#, expected: #"stages["a b"]: stage ids must be non-empty and contain no spaces"#),
]

@Suite("Manifest validation")
struct ManifestValidationTests {
    @Test("each malformed manifest is reported at its JSON path", arguments: malformedManifests)
    func reportsPath(_ manifest: MalformedManifest) throws {
        let found = try issues(manifest.json)
        #expect(found.contains { $0.hasPrefix(manifest.expected) }, "expected \(manifest.expected), got \(found)")
    }

    @Test("all problems are reported at once, not just the first")
    func reportsAllProblems() throws {
        let found = try issues(#"{"stages": {"a": {"kind": "emit", "params": {"copies": "2", "mode": "x"}}, "b": {"kind": "nope"}}, "extra": 1}"#)
        #expect(found.count == 4, "\(found)")
    }

    @Test("a valid manifest loads with defaults filled in and in dependency order")
    func loadsValid() throws {
        let text = #"{"name": "demo", "stages": {"b": {"kind": "join", "inputs": {"left": "a"}}, "a": {"kind": "emit", "params": {"copies": 2}}}}"#
        let pipeline = try ManifestLoader(registry: testRegistry).load(Data(text.utf8), url: URL(fileURLWithPath: "/tmp/x/m.json"))
        #expect(pipeline.name == "demo")
        #expect(pipeline.order == ["a", "b"])
        #expect(pipeline.stage("a")?.params.canonicalText == #"{"copies":2,"fail":false,"mode":"plain","text":"hello"}"#)
        #expect(pipeline.cacheFolder.path == "/tmp/x/.pipe")
    }

    @Test("the JSON Schema lists every kind and its params")
    func schemaListsKinds() throws {
        let schema = ManifestSchema.make(testRegistry)
        let text = schema.prettyText
        for kind in ["emit", "join", "consume", "model"] { #expect(text.contains("\"const\": \"\(kind)\"")) }
        #expect(text.contains("\"copies\""))
        #expect(try JSONParser.parse(text) == schema)
    }
}
