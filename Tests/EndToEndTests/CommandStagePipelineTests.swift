import Foundation
import TestSupport
import Testing

/// A script that keeps records whose output is long enough and upper-cases their instruction.
let cleanScript = #"""
import json, os, sys
source, target = sys.argv[1], sys.argv[2]
kept = 0
with open(os.path.join(source, "train.jsonl")) as rows, open(os.path.join(target, "train.jsonl"), "w") as out:
    for line in rows:
        record = json.loads(line)
        if len(record["output"]) >= 12:
            record["instruction"] = record["instruction"].upper()
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            kept += 1
print(f"kept {kept} records")
"""#

let commandManifest = #"""
{ "stages": {
    "records": { "kind": "load", "params": { "dataset": "data/records.jsonl", "format": "alpaca" } },
    "clean": { "kind": "command", "inputs": { "dataset": "records" },
               "params": { "run": ["python3", "scripts/clean.py", "{inputs.dataset}", "{output}"],
                           "files": ["scripts/clean.py"], "output": "dataset", "env": { "LANG": "C.UTF-8" } } },
    "base": { "kind": "load", "params": { "model": "TINY" } },
    "tokens": { "kind": "tokenize", "inputs": { "dataset": "clean", "model": "base" }, "params": { "template": "chatml" } }
} }
"""#

@Suite("The command stage runs any program as a cached stage", .serialized)
struct CommandStagePipelineTests {
    static let tiny = TestPaths.reference.appendingPathComponent("tiny/gguf/tiny-f32.gguf").path

    func makeProject() throws -> Project {
        let project = try Project()
        try project.write("pipeline.json", commandManifest.replacingOccurrences(of: "TINY", with: Self.tiny))
        try project.write("scripts/clean.py", cleanScript)
        let records = (0..<20).map { i in
            #"{"instruction": "answer \#(i)", "input": "", "output": "\#(String(repeating: "x", count: i))"}"#
        }
        try project.write("data/records.jsonl", records.joined(separator: "\n") + "\n")
        return project
    }

    @Test("a Python script's dataset feeds tokenize; reruns are cached; touching the script changes nothing, editing it reruns")
    func pythonScript() throws {
        let project = try makeProject()
        defer { project.remove() }
        let first = try project.pipe("run", "pipeline.json", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try first.statuses() == ["records": "ran", "clean": "ran", "base": "ran", "tokens": "ran"])
        let log = try first.stages()["clean"]?["log"] as? [String] ?? []
        #expect(log.contains("kept 8 records"), "\(log)")
        let shown = try project.pipe("show", "pipeline.json", "clean", "--rows", "8", "--json")
        #expect(shown.stdout.contains("ANSWER 19"), "\(shown.stdout)")
        #expect(shown.stdout.contains(#""count" : 8"#) || shown.stdout.contains(#""count": 8"#), "\(shown.stdout)")

        let second = try project.pipe("run", "pipeline.json", "--json")
        #expect(try second.statuses() == ["records": "cached", "clean": "cached", "base": "cached", "tokens": "cached"])

        // A new mtime, the same bytes: still cached.
        let script = project.folder.appendingPathComponent("scripts/clean.py")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 120)], ofItemAtPath: script.path)
        let touched = try project.pipe("run", "pipeline.json", "--json")
        #expect(try touched.statuses() == ["records": "cached", "clean": "cached", "base": "cached", "tokens": "cached"])

        try project.write("scripts/clean.py", cleanScript.replacingOccurrences(of: ">= 12", with: ">= 15"))
        let status = try project.pipe("status", "pipeline.json")
        #expect(status.stdout.contains("file changed"), "\(status.stdout)")
        let edited = try project.pipe("run", "pipeline.json", "--json")
        #expect(try edited.statuses() == ["records": "cached", "clean": "ran", "base": "cached", "tokens": "ran"])
        let log2 = try edited.stages()["clean"]?["log"] as? [String] ?? []
        #expect(log2.contains("kept 5 records"), "\(log2)")
    }

    @Test("sort and jq as stages: standard output into the artifact, cached on rerun (jq from scripts/bootstrap)")
    func shellUtilities() throws {
        let project = try makeProject()
        defer { project.remove() }
        var manifest = #"""
        { "stages": {
            "records": { "kind": "load", "params": { "dataset": "data/records.jsonl", "format": "alpaca" } },
            "sorted": { "kind": "command", "inputs": { "records": "records" },
                        "params": { "run": ["sort", "-r", "{inputs.records}/train.jsonl"], "stdout": "train.jsonl",
                                    "output": "dataset", "env": { "LC_ALL": "C" } } },
            "listing": { "kind": "command", "inputs": { "data": "sorted" },
                         "params": { "run": ["sort", "-o", "{output}/lines.txt", "{inputs.data}/train.jsonl"] } }
        """#
        let jq = ["/usr/bin/jq", "/usr/local/bin/jq"].contains { FileManager.default.isExecutableFile(atPath: $0) }
        #expect(jq, "jq is missing: scripts/bootstrap installs it")
        if jq {
            manifest += #"""
            ,
            "short": { "kind": "command", "inputs": { "records": "records" },
                       "params": { "run": ["jq", "-c", "select((.output | length) < 3)", "{inputs.records}/train.jsonl"],
                                   "stdout": "train.jsonl", "output": "dataset" } }
            """#
        }
        try project.write("utilities.json", manifest + "\n} }\n")
        let first = try project.pipe("run", "utilities.json", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        let shown = try project.pipe("show", "utilities.json", "sorted", "--rows", "1", "--json")
        #expect(shown.stdout.contains("answer 9"), "reverse order puts \"answer 9\" first: \(shown.stdout)")
        if jq {
            let short = try project.pipe("show", "utilities.json", "short", "--json")
            #expect(short.stdout.contains(#""count" : 3"#) || short.stdout.contains(#""count": 3"#), "\(short.stdout)")
        }
        let second = try project.pipe("run", "utilities.json", "--json")
        #expect(try Set(second.statuses().values) == ["cached"])
        #expect(try second.digests() == first.digests())
    }

    @Test("a failing program fails the stage with its exit code and the end of its standard error")
    func failingProgram() throws {
        let project = try makeProject()
        defer { project.remove() }
        try project.write("fail.json", #"""
        { "stages": { "broken": { "kind": "command",
            "params": { "run": ["python3", "-c", "import sys; print('working'); sys.stderr.write('bad row 7: no output field\\n'); sys.exit(3)"] } } } }
        """#)
        let run = try project.pipe("run", "fail.json", "--json")
        #expect(run.status == 1)
        let error = try run.stages()["broken"]?["error"] as? String ?? ""
        #expect(error.contains("exited with code 3"), "\(error)")
        #expect(error.contains("bad row 7: no output field"), "\(error)")
        let log = try run.stages()["broken"]?["log"] as? [String] ?? []
        #expect(log.contains("working"), "\(log)")
        let listed = try project.pipe("cache", "ls", "--cache", ".pipe")
        #expect(!listed.stdout.contains("command"), "\(listed.stdout)")
    }

    @Test("an argument with spaces, quotes and $(...) reaches the program verbatim")
    func verbatimArgument() throws {
        let project = try makeProject()
        defer { project.remove() }
        let tricky = #"a b  "c" 'd' $(touch pwned) `id` ; | > x * ~ $HOME \n"#
        let escaped = String(decoding: try JSONSerialization.data(withJSONObject: [tricky], options: [.withoutEscapingSlashes]), as: UTF8.self)
        try project.write("args.json", #"""
        { "stages": { "echo": { "kind": "command",
            "params": { "run": ["python3", "-c", "import json, sys; print(json.dumps(sys.argv[1]))", \#(escaped.dropFirst().dropLast())] } } } }
        """#)
        let run = try project.pipe("run", "args.json", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let log = try run.stages()["echo"]?["log"] as? [String] ?? []
        let printed = try #require(log.last)
        let received = try JSONSerialization.jsonObject(with: Data(printed.utf8), options: [.fragmentsAllowed]) as? String
        #expect(received == tricky)
        #expect(!FileManager.default.fileExists(atPath: project.folder.appendingPathComponent("pwned").path))
    }

    @Test("an unknown {inputs.x} is a manifest error at its JSON path, before anything runs")
    func unknownPlaceholder() throws {
        let project = try makeProject()
        defer { project.remove() }
        try project.write("bad.json", #"""
        { "stages": {
            "records": { "kind": "load", "params": { "dataset": "data/records.jsonl" } },
            "clean": { "kind": "command", "inputs": { "dataset": "records" },
                       "params": { "run": ["python3", "scripts/clean.py", "{inputs.datset}", "{output}"],
                                   "env": { "OUT": "{outputs}" } } } } }
        """#)
        let result = try project.pipe("validate", "bad.json", "--json")
        #expect(result.status == 64)
        #expect(result.stdout.contains(#""path":"stages.clean.params.run[2]""#), "\(result.stdout)")
        #expect(result.stdout.contains("did you mean {inputs.dataset}?"), "\(result.stdout)")
        #expect(result.stdout.contains(#""path":"stages.clean.params.env.OUT""#), "\(result.stdout)")
        let run = try project.pipe("run", "bad.json")
        #expect(run.status == 64)
        #expect(!FileManager.default.fileExists(atPath: project.folder.appendingPathComponent(".pipe/objects").path))
    }

    @Test("a dataset output with a bad line fails with the file and line")
    func badDatasetOutput() throws {
        let project = try makeProject()
        defer { project.remove() }
        try project.write("bad-output.json", #"""
        { "stages": { "made": { "kind": "command", "params": { "output": "dataset",
            "run": ["python3", "-c", "import sys; open(sys.argv[1] + '/train.jsonl', 'w').write('{\"text\": \"ok\"}\\n[1, 2]\\n')", "{output}"] } } } }
        """#)
        let run = try project.pipe("run", "bad-output.json", "--json")
        #expect(run.status == 1)
        let error = try run.stages()["made"]?["error"] as? String ?? ""
        #expect(error.hasPrefix("made/train.jsonl:2: "), "\(error)")

        try project.write("stray.json", #"""
        { "stages": { "made": { "kind": "command", "params": { "output": "dataset",
            "run": ["python3", "-c", "import sys; open(sys.argv[1] + '/train.jsonl', 'w').write('{\"text\": \"ok\"}\\n'); open(sys.argv[1] + '/notes.txt', 'w').write('x')", "{output}"] } } } }
        """#)
        let stray = try project.pipe("run", "stray.json", "--json")
        let strayError = try stray.stages()["made"]?["error"] as? String ?? ""
        #expect(strayError.contains("{output} holds notes.txt, which is not part of a dataset"), "\(strayError)")
    }

    @Test("kill -9 while the program runs leaves nothing in the cache; the rerun computes it")
    func killedRun() throws {
        let project = try makeProject()
        defer { project.remove() }
        try project.write("slow.json", #"""
        { "stages": { "slow": { "kind": "command", "params": {
            "run": ["python3", "-c", "import sys, time; open(sys.argv[1] + '/part.txt', 'w').write('half'); time.sleep(float(sys.argv[2])); open(sys.argv[1] + '/done.txt', 'w').write('done')", "{output}", "1"] } } } }
        """#)
        let (process, _, _) = try PipeProcess.start(["run", "slow.json"], in: project.folder)
        Thread.sleep(forTimeInterval: 0.5)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let listed = try project.pipe("cache", "ls", "--cache", ".pipe", "--json")
        #expect(!listed.stdout.contains("command"), "\(listed.stdout)")
        let rerun = try project.pipe("run", "slow.json", "--json")
        #expect(try rerun.statuses() == ["slow": "ran"], "\(rerun.stderr)")
        let shown = try project.pipe("show", "slow.json", "slow")
        #expect(shown.stdout.contains("done.txt") && shown.stdout.contains("part.txt"), "\(shown.stdout)")
    }

    @Test("a model output (model.gguf) is a model artifact that tokenize and show take")
    func modelOutput() throws {
        let project = try makeProject()
        defer { project.remove() }
        try project.write("model.json", #"""
        { "stages": {
            "records": { "kind": "load", "params": { "dataset": "data/records.jsonl" } },
            "base": { "kind": "command", "params": { "run": ["cp", "\#(Self.tiny)", "{output}/model.gguf"],
                                                     "files": ["\#(Self.tiny)"], "output": "model" } },
            "tokens": { "kind": "tokenize", "inputs": { "dataset": "records", "model": "base" } } } }
        """#)
        let run = try project.pipe("run", "model.json", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try run.statuses() == ["records": "ran", "base": "ran", "tokens": "ran"])
        let shown = try project.pipe("show", "model.json", "base")
        #expect(shown.stdout.contains("architecture: llama, 2 layers, width 64"), "\(shown.stdout)")
        let wrong = try project.pipe("run", "model.json", "--json", "--force", "base")
        #expect(wrong.status == 0)
        try project.write("model.json", #"{ "stages": { "base": { "kind": "command", "params": { "run": ["true"], "output": "model" } } } }"#)
        let empty = try project.pipe("run", "model.json", "--json")
        #expect(try empty.stages()["base"]?["error"] as? String ?? "" == "a model output is one file, model.gguf (a GGUF with its tokenizer) in {output}; the program wrote nothing")
    }

    @Test("Ctrl-C stops the program (SIGTERM), caches nothing, and exits 130")
    func interruptedProgram() throws {
        let project = try makeProject()
        defer { project.remove() }
        let marker = project.folder.appendingPathComponent("finished").path
        try project.write("long.json", #"""
        { "stages": { "long": { "kind": "command", "params": {
            "run": ["python3", "-c", "import sys, time; print('started', flush=True); time.sleep(600); open(sys.argv[1], 'w').write('x')", "\#(marker)"] } } } }
        """#)
        let (process, out, err) = try PipeProcess.start(["run", "long.json"], in: project.folder)
        // Wait until the program runs, then interrupt pipe alone (not its process group).
        let reader = err.fileHandleForReading
        var seen = ""
        while !seen.contains("long: started") {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        _ = out.fileHandleForReading.readDataToEndOfFile()
        seen += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(seen)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the program ran to its end instead of being stopped")
        let listed = try project.pipe("cache", "ls", "--cache", ".pipe")
        #expect(!listed.stdout.contains("command"), "\(listed.stdout)")
    }
}
