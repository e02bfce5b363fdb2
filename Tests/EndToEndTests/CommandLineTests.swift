import Foundation
import Testing

@Suite("pipe commands")
struct CommandLineTests {
    @Test("validate exits 64 and names every problem's JSON path")
    func validateErrors() throws {
        let project = try Project()
        defer { project.remove() }
        try project.write("bad.json", #"""
        {"stages": {
          "records": {"kind": "load", "params": {"dataset": "data/missing.jsonl", "formatt": "alpaca"}},
          "more": {"kind": "augment", "inputs": {"dataset": "record"}, "params": {"copies": "2"}},
          "oops": {"kind": "lod"}
        }}
        """#)
        let result = try project.pipe("validate", "bad.json")
        #expect(result.status == 64)
        for expected in [
            #"stages.records.params.formatt: unknown param "formatt" (did you mean "format"?)"#,
            #"stages.more.inputs.dataset: no stage "record" in this manifest (did you mean "records"?)"#,
            #"stages.more.params.copies: expected an integer from 0 to 1000, got "2""#,
            #"stages.oops.kind: unknown stage kind "lod" (did you mean "load"?)"#,
        ] {
            #expect(result.stderr.contains(expected), "missing \(expected) in \(result.stderr)")
        }
        let json = try project.pipe("validate", "bad.json", "--json")
        #expect(json.status == 64 && json.stdout.contains(#""valid":false"#))
        #expect(try project.pipe("run", "bad.json").status == 64)
    }

    @Test("a missing data file is reported at its param before anything runs")
    func missingFile() throws {
        let project = try Project()
        defer { project.remove() }
        try project.write("m.json", #"{"stages": {"records": {"kind": "load", "params": {"dataset": "data/nope.jsonl"}}}}"#)
        let result = try project.pipe("run", "m.json")
        #expect(result.status == 64)
        #expect(result.stderr.contains("stages.records.params.dataset: no such file"), "\(result.stderr)")
    }

    @Test("a bad data row fails its stage with file and line; exit code 1")
    func badRow() throws {
        let project = try Project()
        defer { project.remove() }
        try project.write("m.json", #"{"stages": {"records": {"kind": "load", "params": {"dataset": "data/x.jsonl", "format": "alpaca"}}}}"#)
        try project.write("data/x.jsonl", "{\"instruction\": \"a\", \"input\": \"\", \"output\": \"b\"}\n[1, 2]\n")
        let result = try project.pipe("run", "m.json", "--json")
        #expect(result.status == 1)
        let error = try result.stages()["records"]?["error"] as? String ?? ""
        #expect(error.contains("x.jsonl:2"), "\(error)")
    }

    @Test("dag prints text, dot and mermaid")
    func dag() throws {
        let project = try Project()
        defer { project.remove() }
        try project.write("pipeline.json", dataManifest)
        #expect(try project.pipe("dag", "pipeline.json").stdout.contains("more [augment -> dataset]  (dataset <- records)"))
        #expect(try project.pipe("dag", "pipeline.json", "--format", "dot").stdout.contains(#""records" -> "more" [label="dataset"];"#))
        #expect(try project.pipe("dag", "pipeline.json", "--format", "mermaid").stdout.contains("s_records -->|dataset| s_more"))
    }

    @Test("stages and schema describe every kind from the registry")
    func stagesAndSchema() throws {
        let project = try Project()
        defer { project.remove() }
        let stages = try project.pipe("stages")
        #expect(stages.status == 0 && stages.stdout.contains("load") && stages.stdout.contains("augment"))
        let one = try project.pipe("stages", "augment", "--json")
        #expect(one.stdout.contains("\"seed\""))
        let schema = try project.pipe("schema")
        let parsed = try JSONSerialization.jsonObject(with: Data(schema.stdout.utf8)) as? [String: Any]
        #expect(parsed?["title"] as? String == "pipe manifest")
        #expect(try project.pipe("stages", "lod").status == 64)
    }

    @Test("an unknown stage in --force is a usage error")
    func unknownForce() throws {
        let project = try Project()
        defer { project.remove() }
        try project.write("pipeline.json", dataManifest)
        try project.write("data/medical.jsonl", medicalRecords(3))
        try project.write("data/notes.txt", "x\n")
        let result = try project.pipe("run", "pipeline.json", "--force", "mor")
        #expect(result.status == 64 && result.stderr.contains("did you mean \"more\""), "\(result.stderr)")
    }

    @Test("cache gc keeps what the manifest uses and removes the rest")
    func gc() throws {
        let project = try Project()
        defer { project.remove() }
        try project.write("pipeline.json", dataManifest)
        try project.write("data/medical.jsonl", medicalRecords(10))
        try project.write("data/notes.txt", "x\n")
        try project.pipe("run", "pipeline.json")
        try project.write("pipeline.json", dataManifest.replacingOccurrences(of: #""seed": 42"#, with: #""seed": 3"#))
        try project.pipe("run", "pipeline.json")
        let dry = try project.pipe("cache", "gc", "pipeline.json", "--dry-run")
        #expect(dry.stdout.contains("would remove") && dry.stdout.contains("(1 artifacts;"), "\(dry.stdout)")
        let done = try project.pipe("cache", "gc")
        #expect(done.stdout.contains("(1 artifacts;"), "\(done.stdout)")
        #expect(try project.pipe("run", "pipeline.json", "--json").statuses().values.allSatisfy { $0 == "cached" })
        let ls = try project.pipe("cache", "ls")
        #expect(ls.stdout.contains("4 artifacts"), "\(ls.stdout)")
    }
}

@Suite("Shipped pipelines")
struct ShippedPipelineTests {
    @Test("pipelines/schema.json is the current output of pipe schema")
    func schemaUpToDate() throws {
        let root = PipeProcess.packageRoot
        let shipped = try String(contentsOf: root.appendingPathComponent("pipelines/schema.json"), encoding: .utf8)
        let current = try PipeProcess.run(["schema"], in: root).stdout
        #expect(shipped == current, "regenerate it: scripts/generate-docs")
    }

    @Test("docs/stages.md holds the current output of pipe stages")
    func stageReferenceUpToDate() throws {
        let root = PipeProcess.packageRoot
        let page = try String(contentsOf: root.appendingPathComponent("docs/stages.md"), encoding: .utf8)
        let current = try PipeProcess.run(["stages"], in: root).stdout
        let fenced = page.components(separatedBy: "```\n")
        #expect(fenced.count == 3 && fenced[1] == current, "regenerate it: scripts/generate-docs")
    }

    /// Every manifest in pipelines/ (each .json but the schema).
    static let manifests: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: PipeProcess.packageRoot.appendingPathComponent("pipelines").path)) ?? []
        return names.filter { $0.hasSuffix(".json") && $0 != "schema.json" }.sorted()
    }()

    @Test("every shipped manifest validates", arguments: manifests)
    func validates(_ name: String) throws {
        let result = try PipeProcess.run(["validate", "pipelines/\(name)"], in: PipeProcess.packageRoot)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("the domain demos are all shipped")
    func domains() {
        #expect(Set(["medical.json", "finance.json", "legal.json", "industrial.json", "insurance.json", "quickstart.json"]).isSubset(of: Self.manifests))
    }

    /// A manifest's stages by id, as parsed JSON.
    func stages(_ name: String) throws -> [String: NSDictionary] {
        let data = try Data(contentsOf: PipeProcess.packageRoot.appendingPathComponent("pipelines/\(name)"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (object?["stages"] as? [String: NSDictionary]) ?? [:]
    }

    @Test("insurance.json copies the medical and finance stages verbatim (ids aside), so their cached adapters are reused",
          arguments: [("medical.json", "medical_"), ("finance.json", "finance_")])
    func insuranceReuses(_ source: String, _ prefix: String) throws {
        let insurance = try stages("insurance.json")
        // The stages up to the evaluation; the quantize and export stages at the end are the domain's own.
        let original = try stages(source).filter { !["quantize", "export"].contains($0.value["kind"] as? String ?? "") }
        let renamed: (String) -> String = { $0 == "base" ? "base" : prefix + $0 }
        #expect(original.count == 6)
        for (id, stage) in original {
            let copy = try #require(insurance[renamed(id)], "insurance.json lacks \(renamed(id))")
            #expect(copy["kind"] as? String == stage["kind"] as? String && (copy["params"] as? NSDictionary) == (stage["params"] as? NSDictionary), "\(id)")
            let inputs = (stage["inputs"] as? [String: String] ?? [:]).mapValues(renamed)
            #expect((copy["inputs"] as? [String: String] ?? [:]) == inputs, "\(id)")
        }
    }

    @Test("each generated data set is what its committed script writes",
          arguments: [("generate-medical-data.swift", "medical_large.jsonl"), ("generate-finance-data.swift", "finance.jsonl"),
                      ("generate-legal-data.swift", "contracts_large.json"), ("generate-industrial-data.swift", "machine_logs_large.csv")])
    func generatedData(_ script: String, _ output: String) throws {
        let root = PipeProcess.packageRoot
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "scripts/\(script)"]
        process.currentDirectoryURL = root
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let generated = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let committed = try Data(contentsOf: root.appendingPathComponent("pipelines/data/\(output)"))
        #expect(generated == committed, "regenerate it: swift scripts/\(script) > pipelines/data/\(output)")
    }
}
