import Foundation
import JSON
import PipeCache
import PipeCore
import TestSupport
import Testing

/// The manifest's `executor` and per-stage `resources`, the single-stage runs of cluster jobs, and
/// the progress events they write.
@Suite("Cluster manifests and single-stage runs")
struct ClusterManifestTests {
    func load(_ text: String) throws -> Pipeline {
        try ManifestLoader(registry: testRegistry).load(Data(text.utf8), url: URL(fileURLWithPath: "/tmp/m.json"))
    }

    @Test("executor and resources are read, with tasks defaulting to 1")
    func reads() throws {
        let pipeline = try load(#"""
            {"executor": {"kind": "slurm", "partition": "cpu", "account": "lab"},
             "stages": {"a": {"kind": "emit", "resources": {"cpus": 4, "memory": "8G", "time": "1:30:00", "nodes": 1}},
                        "b": {"kind": "emit"}}}
            """#)
        #expect(pipeline.executor == ExecutorSettings(kind: .slurm, partition: "cpu", account: "lab"))
        #expect(pipeline.stage("a")?.resources == StageResources(cpus: 4, memory: "8G", time: "1:30:00", nodes: 1, tasks: 1))
        #expect(pipeline.stage("b")?.resources == StageResources())
        #expect(try load(#"{"stages": {"a": {"kind": "emit"}}}"#).executor == ExecutorSettings())
    }

    @Test("mistakes in executor and resources are reported at their JSON paths, all at once")
    func mistakes() throws {
        let found = try issues(#"""
            {"executor": {"kind": "slurmm", "partition": "a b"},
             "stages": {"a": {"kind": "emit", "resources": {"cpu": 2, "memory": "8 GB", "time": "1h", "tasks": 0}},
                        "b": {"kind": "emit", "resources": []}, "c": {"kind": "emit", "params": {"copies": 0}, "resources": {"time": "2-1:00"}}}}
            """#)
        #expect(found.contains(#"executor.kind: expected one of "local", "slurm", got "slurmm" (did you mean "slurm"?)"#), "\(found)")
        #expect(found.contains(#"stages.a.resources.cpu: unknown param "cpu" (did you mean "cpus"?)"#), "\(found)")
        #expect(found.contains("stages.a.resources.tasks: expected a positive integer, got 0"), "\(found)")
        #expect(found.contains("stages.b.resources: expected an object of cpus, memory, time, nodes, tasks, got []"), "\(found)")
        #expect(found.contains("stages.c.params.copies: expected a positive integer, got 0"), "\(found)")
        #expect(!found.contains { $0.hasPrefix("stages.c.resources") }, "2-1:00 is a valid Slurm time: \(found)")
        let formats = try issues(#"""
            {"executor": {"partition": "a b"},
             "stages": {"a": {"kind": "emit", "resources": {"memory": "8 GB"}}, "b": {"kind": "emit", "resources": {"time": "1h"}}}}
            """#)
        #expect(formats.contains(#"executor.partition: expected a Slurm partition name (no spaces), got "a b""#), "\(formats)")
        #expect(formats.contains { $0.hasPrefix(#"stages.a.resources.memory: expected a size like "8G""#) }, "\(formats)")
        #expect(formats.contains { $0.hasPrefix(#"stages.b.resources.time: expected a Slurm time like "90""#) }, "\(formats)")
    }

    @Test("resources stay out of the cache key: a stage has the same key wherever it runs")
    func resourcesNotInKey() throws {
        let ws = try Workspace()
        defer { try? FileManager.default.removeItem(at: ws.folder) }
        try ws.write(#"{"stages": {"a": {"kind": "emit", "params": {"text": "x"}}}}"#)
        let plain = try ws.executor().plan.keys["a"]
        try ws.write(#"""
            {"executor": {"kind": "slurm"},
             "stages": {"a": {"kind": "emit", "params": {"text": "x"}, "resources": {"cpus": 8, "tasks": 2, "time": "10"}}}}
            """#)
        #expect(try ws.executor().plan.keys["a"] == plain)
    }

    @Test("a stage running more processes than its job has tasks is refused for Slurm, at resources.tasks")
    func processesNeedTasks() throws {
        let pipeline = try load(#"""
            {"stages": {"a": {"kind": "model", "params": {"processes": 2}},
                        "b": {"kind": "model", "params": {"processes": 2}, "resources": {"tasks": 2}}}}
            """#)
        #expect(pipeline.slurmIssues().map(\.description) == [
            "stages.a.resources.tasks: the stage runs 2 processes (params.processes) but its Slurm job has 1 task: "
                + "set resources.tasks to at least 2"
        ])
    }

    @Test("the schema declares executor and resources")
    func schema() throws {
        let schema = ManifestSchema.make(testRegistry)
        let executor = schema["properties"]?["executor"]?["properties"]
        #expect(executor?["kind"]?["enum"] == ["local", "slurm"])
        let stage = schema["properties"]?["stages"]?["additionalProperties"]?["oneOf"]?.arrayValue?.first
        let resources = stage?["properties"]?["resources"]?["properties"]
        #expect(resources?["tasks"]?["default"] == 1 && resources?["memory"]?["type"] == "string")
    }

    @Test("one stage runs when its inputs are cached, and is refused, running nothing, when they are not")
    func singleStage() async throws {
        let ws = try Workspace()
        defer { try? FileManager.default.removeItem(at: ws.folder) }
        try ws.write(#"""
            {"stages": {"a": {"kind": "emit", "params": {"text": "x"}}, "b": {"kind": "emit", "params": {"text": "y"}},
                        "c": {"kind": "join", "inputs": {"left": "a", "right": "b"}}}}
            """#)
        let executor = try ws.executor()
        await #expect(throws: OneStageError.inputNotCached(stage: "c", port: "left", producer: "a")) {
            try await executor.runStage("c")
        }
        #expect(try await executor.runStage("a").status == .ran)
        #expect(try await executor.runStage("a").status == .cached)
        #expect(try await executor.runStage("a", force: true).status == .ran)
        await #expect(throws: OneStageError.inputNotCached(stage: "c", port: "right", producer: "b")) {
            try await executor.runStage("c")
        }
        _ = try await executor.runStage("b")
        await #expect(throws: OneStageError.self) { try await executor.runStage("c", expectedKey: "0123") }
        let key = try #require(executor.plan.keys["c"])
        #expect(try await executor.runStage("c", expectedKey: key).status == .ran)
        #expect(try ws.text(of: "c") == "x+y")
        let recorded = RunRecords(store: executor.store, manifest: ws.manifest).load()
        #expect(Set(recorded.keys) == ["a", "b", "c"], "single-stage runs are recorded for pipe status")
        await #expect(throws: OneStageError.self) { try await executor.runStage("nope") }
    }

    @Test("progress written as events is replayed elsewhere, whole lines only, each once")
    func events() throws {
        let folder = try makeTemporaryFolder("pipe-events")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("a.events")
        let writer = ProgressEventWriter(url: url, next: SilentReporter())
        let seen = Recorder()
        let reader = ProgressEventReader(url: url)
        writer.started(stage: "a", kind: "train")
        writer.progress(stage: "a", completed: 1, total: 4, unit: "steps", note: "loss 2.0")
        writer.progress(stage: "a", completed: 2, total: 4, unit: "steps", note: "too soon: thinned")
        writer.message(stage: "a", "resumed from the checkpoint at step 1")
        reader.replay(into: seen)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"event":"message","stage":"a","te"#.utf8))
        reader.replay(into: seen)
        try handle.write(contentsOf: Data(#"xt":"later"}"#.utf8 + [0x0A]))
        try handle.close()
        writer.progress(stage: "a", completed: 4, total: 4, unit: "steps", note: "done")
        reader.replay(into: seen)
        #expect(seen.lines == [
            "a 1/4 steps loss 2.0", "a: resumed from the checkpoint at step 1", "a: later", "a 4/4 steps done",
        ])
    }
}

/// Keeps what it is told, as lines.
final class Recorder: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    var lines: [String] { lock.withLock { kept } }
    func started(stage: String, kind: String) { lock.withLock { kept.append("\(stage) started") } }
    func progress(stage: String, completed: Int, total: Int, unit: String, note: String) {
        lock.withLock { kept.append("\(stage) \(completed)/\(total) \(unit) \(note)") }
    }
    func message(stage: String, _ text: String) { lock.withLock { kept.append("\(stage): \(text)") } }
    func finished(_ outcome: StageOutcome) { lock.withLock { kept.append("\(outcome.id) \(outcome.status)") } }
}
