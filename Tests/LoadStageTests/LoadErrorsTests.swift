import Datasets
import Foundation
import LoadStage
import JSON
import PipeCore
import Testing

@Suite("load: bad rows and params")
struct LoadErrorsTests {
    static func failure(_ box: Sandbox, _ params: String) async -> String? {
        do {
            _ = try await box.load(params)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("a JSONL row that is not an object fails with file and line")
    func notAnObject() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.copyFixture("bad_rows.jsonl")
        #expect(await Self.failure(box, #"{"dataset": "\#(path)"}"#) == "data/bad_rows.jsonl:2: expected a JSON object, got an array")
    }

    @Test("a missing field and invalid JSON fail at their lines")
    func missingAndInvalid() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let missing = try box.write("missing.jsonl", "{\"instruction\": \"a\", \"input\": \"b\", \"output\": \"c\"}\n\n{\"instruction\": \"化验单解读\", \"input\": \"血钾\"}\n")
        #expect(await Self.failure(box, #"{"dataset": "\#(missing)", "format": "alpaca"}"#)
            == #"data/missing.jsonl:3: missing field "output" (fields: instruction, input)"#)
        let invalid = try box.write("invalid.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"broken\n")
        let message = try #require(await Self.failure(box, #"{"dataset": "\#(invalid)"}"#))
        #expect(message.hasPrefix("data/invalid.jsonl:2: invalid JSON"))
    }

    @Test("a bad element of a JSON array fails at the line where it starts")
    func arrayElement() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.write("array.json", "[\n  {\"text\": \"a\"},\n  {\"text\": \"b\"},\n  [1, 2],\n  {\"text\": \"c\"}\n]\n")
        #expect(await Self.failure(box, #"{"dataset": "\#(path)"}"#) == "data/array.json:4: expected a JSON object, got an array")
        let unclosed = try box.write("unclosed.json", "[\n  {\"text\": \"a\"},\n  {\"text\": \"b\"}\n")
        #expect(await Self.failure(box, #"{"dataset": "\#(unclosed)"}"#) == "data/unclosed.json:4: the array is never closed (missing ']')")
    }

    @Test("a CSV row with the wrong number of fields fails at its line")
    func raggedCSV() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.write("ragged.csv", "prompt,completion\n\"多行\n问题\",答\n只有一列\n")
        #expect(await Self.failure(box, #"{"dataset": "\#(path)"}"#) == "data/ragged.csv:4: expected 2 fields (prompt, completion), got 1")
    }

    @Test("a mapped column that is missing names the column and the field it feeds")
    func missingMappedColumn() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.copyFixture("seed_machine_logs.csv")
        #expect(await Self.failure(box, #"{"dataset": "\#(path)", "fields": {"input": "sensor", "output": "diagnosis"}}"#)
            == #"data/seed_machine_logs.csv:2: missing field "sensor" (mapped to "input"; fields: sensor_data, diagnosis)"#)
    }

    @Test("on_error skip counts the bad rows and lists them in dataset.json")
    func skip() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.copyFixture("bad_rows.jsonl")
        let out = try await box.load(#"{"dataset": "\#(path)", "format": "alpaca", "on_error": "skip"}"#)
        let info = try DatasetInfo.read(from: out)
        #expect(info.splits == [SplitInfo(name: "train", count: 2)])
        #expect(info.skipped.count == 3)
        #expect(info.skipped.examples.map { $0.components(separatedBy: ":").prefix(2).joined(separator: ":") }
            == ["data/bad_rows.jsonl:2", "data/bad_rows.jsonl:4", "data/bad_rows.jsonl:5"])
    }

    @Test("a file with no good rows fails")
    func empty() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.write("empty.jsonl", "\n\n")
        #expect(await Self.failure(box, #"{"dataset": "\#(path)"}"#) == "data/empty.jsonl: no records in the file")
    }

    @Test("an unknown extension asks for file_type")
    func unknownExtension() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let path = try box.write("data.xyz", "{}")
        let message = try #require(await Self.failure(box, #"{"dataset": "\#(path)"}"#))
        #expect(message.contains("set file_type"))
    }

    @Test("check wants exactly one of dataset and model")
    func checks() throws {
        #expect(LoadStage.check(try decodeParams(LoadStage.self, "{}")).map(\.description) == [#"(top level): give "dataset" (a data file) or "model" (a base model)"#])
        let model = try decodeParams(LoadStage.self, #"{"model": "m.gguf"}"#)
        #expect(LoadStage.check(model).isEmpty)
        let initialised = try decodeParams(LoadStage.self, #"{"model": {"init": {"layers": 1, "width": 8, "heads": 2, "ffn": 16}, "tokenizer": "t.json", "seed": 0}}"#)
        #expect(LoadStage.check(initialised).isEmpty && LoadStage.outputType(for: initialised) == "model")
        #expect(LoadStage.outputType(for: model) == "model")
        let both = try decodeParams(LoadStage.self, #"{"model": "m.gguf", "dataset": "d.jsonl", "split": "a/b"}"#)
        #expect(LoadStage.check(both).count == 2)
        #expect(LoadStage.outputType(for: try decodeParams(LoadStage.self, #"{"dataset": "d.jsonl"}"#)) == "dataset")
    }

    @Test("the data file is declared as an external file resolved against the manifest folder")
    func externalFiles() throws {
        let params = try decodeParams(LoadStage.self, #"{"dataset": "data/medical.jsonl"}"#)
        let files = LoadStage.externalFiles(for: params, in: URL(fileURLWithPath: "/work/pipelines"))
        #expect(files == [ExternalFile(name: "data/medical.jsonl", url: URL(fileURLWithPath: "/work/pipelines/data/medical.jsonl"), param: JSONPath.root.key("dataset"))])
    }

    @Test("the manifest loader validates load params with their JSON paths")
    func manifestValidation() throws {
        var registry = StageRegistry()
        registry.register(LoadStage.self)
        let manifest = #"{"stages": {"records": {"kind": "load", "params": {"dataset": "d.csv", "format": "alpacca", "limit": 0}}}}"#
        do {
            _ = try ManifestLoader(registry: registry).load(Data(manifest.utf8), url: URL(fileURLWithPath: "/tmp/m.json"))
            Issue.record("expected manifest problems")
        } catch let error as ManifestError {
            let paths = error.issues.map(\.path.description)
            #expect(paths == ["stages.records.params.format", "stages.records.params.limit"])
            #expect(error.issues.first?.message.contains(#"did you mean "alpaca"?"#) == true)
        }
    }

    @Test("a good load entry passes the manifest loader with its data file declared")
    func manifestAccepts() throws {
        var registry = StageRegistry()
        registry.register(LoadStage.self)
        let manifest = #"{"stages": {"records": {"kind": "load", "params": {"dataset": "data/machine_logs.csv", "fields": {"input": "sensor_data", "output": "diagnosis"}, "defaults": {"instruction": "设备故障诊断"}}}}}"#
        let pipeline = try ManifestLoader(registry: registry).load(Data(manifest.utf8), url: URL(fileURLWithPath: "/work/pipelines/industrial.json"))
        let stage = try #require(pipeline.stage("records"))
        #expect(stage.outputType == "dataset")
        #expect(stage.prepared.externalFiles.map(\.url.path) == ["/work/pipelines/data/machine_logs.csv"])
    }
}
