import Foundation
import Testing

/// The shipped quickstart pipeline, copied into a temporary project with the demo model's path made absolute.
func quickstartProject(editing edit: (String) -> String = { $0 }) throws -> Project {
    let project = try Project()
    let root = PipeProcess.packageRoot
    var manifest = try String(contentsOf: root.appendingPathComponent("pipelines/quickstart.json"), encoding: .utf8)
    manifest = manifest.replacingOccurrences(of: "\"../models/", with: "\"\(root.path)/models/")
    manifest = manifest.replacingOccurrences(of: "\"$schema\": \"schema.json\",", with: "")
    try project.write("quickstart.json", edit(manifest))
    try project.write("data/medical.jsonl", String(contentsOf: root.appendingPathComponent("pipelines/data/medical.jsonl"), encoding: .utf8))
    return project
}

func showJSON(_ project: Project, _ stage: String) throws -> [String: Any] {
    let shown = try project.pipe("show", "quickstart.json", stage, "--json")
    let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
    return object?["content"] as? [String: Any] ?? [:]
}

func weightsDigest(_ project: Project) throws -> String? {
    (try showJSON(project, "trained")["weights"] as? [String: Any])?["sha256"] as? String
}

@Suite("Training pipelines", .serialized)
struct TrainingPipelineTests {
    @Test("precision bf16 trains LoRA and says when the CPU's kernels cannot run bfloat16 products")
    func bf16Precision() throws {
        let project = try quickstartProject {
            $0.replacingOccurrences(of: #""method": "full""#, with: #""method": "lora", "precision": "bf16", "r": 4"#)
        }
        defer { project.remove() }
        let forced = try project.pipe(["run", "quickstart.json", "--until", "trained"], environment: ["PIPE_KERNELS": "avx2"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("precision bf16: this CPU has no AVX512_BF16 (or PIPE_KERNELS chose avx2)"),
                "\(forced.stderr)")
        let losses = (try showJSON(project, "trained")["log"] as? [[String: Any]] ?? []).compactMap { $0["loss"] as? Double }
        #expect(losses.count > 5 && losses.last! < losses.first!, "\(losses)")
    }

    @Test("the quickstart pipeline trains a tiny model from scratch, lowers its loss, evaluates, and is cached on rerun")
    func quickstart() throws {
        let project = try quickstartProject()
        defer { project.remove() }
        let first = try project.pipe("run", "quickstart.json", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try first.statuses() == ["records": "ran", "split": "ran", "tiny": "ran", "tokens": "ran", "trained": "ran", "eval": "ran",
                                         "q8": "ran", "gguf": "ran"])
        #expect(FileManager.default.fileExists(atPath: project.folder.appendingPathComponent("out/quickstart-q8_0.gguf").path))
        let log = try showJSON(project, "trained")["log"] as? [[String: Any]] ?? []
        let losses = log.compactMap { $0["loss"] as? Double }
        #expect(losses.count > 5 && losses.last! < losses.first! - 1, "\(losses)")
        #expect(log.first?["tokens_per_second"] == nil, "timings stay out of the artifact")
        let metrics = try #require(try first.stages()["trained"]?["metrics"] as? [String: Any])
        #expect(metrics["tokens_per_second"] as? Double ?? 0 > 0 && (metrics["steps"] as? [Any])?.isEmpty == false)
        let report = try showJSON(project, "eval")
        #expect(report.isEmpty == false)
        let shown = try project.pipe("show", "quickstart.json", "eval")
        #expect(shown.stdout.contains("eval loss") && shown.stdout.contains("ROUGE-L"), "\(shown.stdout)")
        let second = try project.pipe("run", "quickstart.json", "--json")
        #expect(try second.statuses().values.allSatisfy { $0 == "cached" })
    }

    @Test("kill -9 during training, then a rerun resumes from the checkpoint and ends with bit-identical weights")
    func killDuringTraining() throws {
        let longer: (String) -> String = {
            $0.replacingOccurrences(of: #""epochs": 3"#, with: #""epochs": 4"#)
              .replacingOccurrences(of: #""checkpoint_every": 4"#, with: #""checkpoint_every": 2"#)
        }
        let reference = try quickstartProject(editing: longer)
        defer { reference.remove() }
        #expect(try reference.pipe("run", "quickstart.json", "--until", "trained").status == 0)
        let expected = try #require(try weightsDigest(reference))

        let project = try quickstartProject(editing: longer)
        defer { project.remove() }
        let (process, _, _) = try PipeProcess.start(["run", "quickstart.json", "--until", "trained"], in: project.folder)
        let scratch = project.folder.appendingPathComponent(".pipe/scratch")
        let deadline = Date().addingTimeInterval(300)
        var checkpointed = false
        while !checkpointed && process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
            checkpointed = folders.contains { FileManager.default.fileExists(atPath: scratch.appendingPathComponent("\($0)/log.json").path) }
        }
        #expect(checkpointed, "training wrote no checkpoint before it finished")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        let resumed = try project.pipe("run", "quickstart.json", "--until", "trained")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed from the checkpoint at step"), "\(resumed.stderr)")
        #expect(try weightsDigest(project) == expected)
    }

    @Test("two runs of quickstart in two folders give the same digest for every stage, and so does a run killed and resumed")
    func sameManifestSameBytes() throws {
        let first = try relocatedQuickstart(), second = try relocatedQuickstart()
        defer { first.remove(); second.remove() }
        let a = try first.pipe("run", "pipelines/quickstart.json", "--json")
        let b = try second.pipe("run", "pipelines/quickstart.json", "--json")
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
        let expected = try a.digests()
        #expect(expected.count == 8 && expected.values.allSatisfy { $0.count == 64 })
        #expect(try b.digests() == expected)

        let killed = try relocatedQuickstart()
        defer { killed.remove() }
        let (process, _, _) = try PipeProcess.start(["run", "pipelines/quickstart.json"], in: killed.folder)
        let scratch = killed.folder.appendingPathComponent("pipelines/.pipe/scratch")
        let deadline = Date().addingTimeInterval(300)
        var checkpointed = false
        while !checkpointed && process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
            checkpointed = folders.contains { FileManager.default.fileExists(atPath: scratch.appendingPathComponent("\($0)/log.json").path) }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try killed.pipe("run", "pipelines/quickstart.json", "--json")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed from the checkpoint"), "\(resumed.stderr)")
        let statuses = try resumed.statuses()
        #expect(try resumed.digests() == expected, "\(statuses)")
    }
}

/// The shipped quickstart in a new folder laid out like the repository (pipelines/ beside models/,
/// models/ a link to the demo model's folder), so its manifest keeps its relative paths.
func relocatedQuickstart() throws -> Project {
    let project = try Project()
    let root = PipeProcess.packageRoot
    try FileManager.default.createSymbolicLink(at: project.folder.appendingPathComponent("models"),
                                               withDestinationURL: root.appendingPathComponent("models"))
    let manifest = try String(contentsOf: root.appendingPathComponent("pipelines/quickstart.json"), encoding: .utf8)
    try project.write("pipelines/quickstart.json", manifest.replacingOccurrences(of: "\"$schema\": \"schema.json\",", with: ""))
    try project.write("pipelines/data/medical.jsonl",
                      String(contentsOf: root.appendingPathComponent("pipelines/data/medical.jsonl"), encoding: .utf8))
    return project
}
