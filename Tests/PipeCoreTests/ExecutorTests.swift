import Foundation
import JSON
import PipeCache
import PipeCore
import TestSupport
import Testing

/// A manifest in a temporary folder, run through the engine as `pipe run` does.
struct Workspace {
    let folder: URL
    var manifest: URL { folder.appendingPathComponent("pipeline.json") }

    init() throws { folder = try makeTemporaryFolder("pipe-tests") }

    func write(_ text: String) throws {
        try text.write(to: manifest, atomically: true, encoding: .utf8)
    }

    func executor() throws -> Executor {
        let pipeline = try ManifestLoader(registry: testRegistry).load(manifest)
        let store = try ArtifactStore(root: pipeline.cacheFolder)
        let plan = try Plan(pipeline, digests: FileDigests(store: store))
        return Executor(pipeline: pipeline, plan: plan, store: store, reporter: SilentReporter())
    }

    func run(_ options: RunOptions = RunOptions()) async throws -> [String: StageOutcome] {
        let report = await try executor().run(options)
        return Dictionary(uniqueKeysWithValues: report.stages.map { ($0.id, $0) })
    }

    func text(of stage: String) throws -> String {
        let executor = try executor()
        let key = try #require(executor.plan.keys[stage])
        let out = folder.appendingPathComponent("out-\(UUID().uuidString)")
        try executor.store.unpack(key: key, into: out)
        return try String(contentsOf: out.appendingPathComponent("text.txt"), encoding: .utf8)
    }
}

let threeStages = #"""
{"stages": {
  "a": {"kind": "emit", "params": {"text": "x", "copies": 2}},
  "b": {"kind": "emit", "params": {"file": "input.txt"}},
  "c": {"kind": "join", "inputs": {"left": "a", "right": "b"}}
}}
"""#

@Suite("Executor")
struct ExecutorTests {
    @Test("a second run reuses every stage and runs nothing")
    func secondRunCached() async throws {
        let ws = try Workspace()
        try ws.write(threeStages)
        try "file".write(to: ws.folder.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let first = try await ws.run()
        #expect(first.values.allSatisfy { $0.status == .ran })
        #expect(try ws.text(of: "c") == "xx+file")
        let second = try await ws.run()
        #expect(second.values.allSatisfy { $0.status == .cached })
        #expect(second["c"]?.digest == first["c"]?.digest)
        #expect(Counter.count(ws.folder, "emit") == 2 && Counter.count(ws.folder, "join") == 1)
    }

    @Test("changing a param reruns exactly that stage and its dependents")
    func paramChange() async throws {
        let ws = try Workspace()
        try ws.write(threeStages)
        try "file".write(to: ws.folder.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        _ = try await ws.run()
        try ws.write(threeStages.replacingOccurrences(of: #""copies": 2"#, with: #""copies": 3"#))
        let outcomes = try await ws.run()
        #expect(outcomes["a"]?.status == .ran && outcomes["b"]?.status == .cached && outcomes["c"]?.status == .ran)
        #expect(try ws.text(of: "c") == "xxx+file")
    }

    @Test("key order and number spelling in params do not change keys")
    func canonicalParams() async throws {
        let ws = try Workspace()
        try ws.write(#"{"stages": {"a": {"kind": "emit", "params": {"text": "x", "copies": 2}}}}"#)
        let key1 = try ws.executor().plan.keys["a"]
        try ws.write(#"{"stages": {"a": {"params": {"copies": 2.0, "text": "x", "mode": "plain"}, "kind": "emit"}}}"#)
        let key2 = try ws.executor().plan.keys["a"]
        #expect(key1 == key2)
    }

    @Test("editing an input file invalidates its stage; touching it does not")
    func fileChange() async throws {
        let ws = try Workspace()
        try ws.write(threeStages)
        let input = ws.folder.appendingPathComponent("input.txt")
        try "file".write(to: input, atomically: true, encoding: .utf8)
        _ = try await ws.run()
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: input.path)
        #expect(try await ws.run().values.allSatisfy { $0.status == .cached })
        try "edited".write(to: input, atomically: true, encoding: .utf8)
        let outcomes = try await ws.run()
        #expect(outcomes["a"]?.status == .cached && outcomes["b"]?.status == .ran && outcomes["c"]?.status == .ran)
    }

    @Test("a failed stage skips its dependents and names the input; independent stages finish")
    func failureSkips() async throws {
        let ws = try Workspace()
        try ws.write(#"""
        {"stages": {
          "bad": {"kind": "emit", "params": {"fail": true}},
          "after": {"kind": "join", "inputs": {"left": "bad"}},
          "good": {"kind": "emit"}
        }}
        """#)
        let outcomes = try await ws.run()
        #expect(outcomes["bad"]?.status == .failed)
        #expect(outcomes["bad"]?.error == "failing on purpose")
        #expect(outcomes["after"]?.status == .skipped)
        #expect(outcomes["after"]?.error == #"input "bad" failed"#)
        #expect(outcomes["good"]?.status == .ran)
        #expect(try await ws.run()["good"]?.status == .cached)
    }

    @Test("--force, --from and --until select and recompute the right stages")
    func selection() async throws {
        let ws = try Workspace()
        try ws.write(threeStages)
        try "file".write(to: ws.folder.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let until = try await ws.run(RunOptions(until: "a"))
        #expect(Set(until.keys) == ["a"])
        let forced = try await ws.run(RunOptions(force: ["a"]))
        #expect(forced["a"]?.status == .ran && forced["b"]?.status == .ran && forced["c"]?.status == .ran)
        let again = try await ws.run(RunOptions(force: ["a"]))
        #expect(again["a"]?.status == .ran && again["b"]?.status == .cached && again["c"]?.status == .cached)
        let from = try await ws.run(RunOptions(from: "b"))
        #expect(from["a"]?.status == .cached && from["b"]?.status == .ran && from["c"]?.status == .ran)
    }

    @Test("a corrupt cached input is detected, removed and recomputed")
    func corruption() async throws {
        let ws = try Workspace()
        try ws.write(threeStages)
        try "file".write(to: ws.folder.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let first = try await ws.run()
        let executor = try ws.executor()
        let entry = try #require(executor.store.entry(for: executor.plan.keys["a"]!))
        let object = executor.store.root.appendingPathComponent("objects/\(entry.digest.hex.prefix(2))/\(entry.digest.hex).zst")
        var bytes = try Data(contentsOf: object)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: object)
        let outcomes = try await ws.run(RunOptions(force: ["c"]))
        #expect(outcomes["a"]?.status == .ran)
        #expect(outcomes["a"]?.note?.contains("corrupt") == true)
        #expect(outcomes["a"]?.digest == first["a"]?.digest)
        #expect(try ws.text(of: "c") == "xx+file")
    }

    @Test("a failure is kept in the run records, with its key and error, until the stage next succeeds")
    func failureRecorded() async throws {
        let ws = try Workspace()
        let failing = #"{"stages": {"bad": {"kind": "emit", "params": {"text": "b", "fail": true}}, "good": {"kind": "emit"}}}"#
        try ws.write(failing)
        _ = try await ws.run()
        let executor = try ws.executor()
        let failures = RunRecords(store: executor.store, manifest: ws.manifest).failures()
        #expect(failures.keys.sorted() == ["bad"])
        #expect(failures["bad"]?.key == executor.plan.keys["bad"] && failures["bad"]?.error == "failing on purpose")
        try ws.write(failing.replacingOccurrences(of: "true", with: "false"))
        #expect(try await ws.run()["bad"]?.status == .ran)
        #expect(RunRecords(store: try ws.executor().store, manifest: ws.manifest).failures().isEmpty)
    }

    @Test("status says why a stage is stale")
    func staleReasons() async throws {
        let ws = try Workspace()
        try ws.write(threeStages)
        try "file".write(to: ws.folder.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let before = try ws.executor()
        let records0 = RunRecords(store: before.store, manifest: ws.manifest).load()
        #expect(before.plan.state(of: "a", store: before.store, records: records0) == .stale([.neverRun]))
        _ = try await ws.run()
        try ws.write(threeStages.replacingOccurrences(of: #""copies": 2"#, with: #""copies": 5"#))
        try "changed".write(to: ws.folder.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let after = try ws.executor()
        let records = RunRecords(store: after.store, manifest: ws.manifest).load()
        #expect(after.plan.state(of: "a", store: after.store, records: records) == .stale([.paramsChanged]))
        #expect(after.plan.state(of: "b", store: after.store, records: records) == .stale([.fileChanged]))
        #expect(after.plan.state(of: "c", store: after.store, records: records) == .stale([.inputChanged]))
        let dry = after.dryRun(RunOptions())
        #expect(dry.map(\.action) == ["run", "run", "run"])
    }

    @Test("a missing input file is a manifest problem at the param that names it")
    func missingFile() throws {
        let ws = try Workspace()
        try ws.write(threeStages)
        #expect {
            _ = try ws.executor()
        } throws: { error in
            (error as? ManifestError)?.issues.first?.description.hasPrefix("stages.b.params.file: no such file") == true
        }
    }

    @Test("cancellation stops a running stage, stores nothing, and the next run completes")
    func cancellation() async throws {
        let ws = try Workspace()
        try ws.write(#"{"stages": {"a": {"kind": "emit"}, "slow": {"kind": "join", "inputs": {"left": "a"}, "params": {"sleep_ms": 5000}}}}"#)
        let plain = try ws.executor()
        let reporter = StartRecorder()
        let executor = Executor(pipeline: plain.pipeline, plan: plain.plan, store: plain.store, reporter: reporter)
        let task = Task { await executor.run(RunOptions()) }
        while !reporter.hasStarted("slow") { try await Task.sleep(nanoseconds: 10_000_000) }
        try await Task.sleep(nanoseconds: 100_000_000)
        task.cancel()
        let report = await task.value
        #expect(report.interrupted)
        #expect(report.stages.first { $0.id == "slow" }?.status == .failed)
        #expect(!executor.store.contains(executor.plan.keys["slow"]!))
        #expect(executor.store.contains(executor.plan.keys["a"]!))
        try ws.write(#"{"stages": {"a": {"kind": "emit"}, "slow": {"kind": "join", "inputs": {"left": "a"}, "params": {"sleep_ms": 20}}}}"#)
        let rerun = try await ws.run()
        #expect(rerun["a"]?.status == .cached && rerun["slow"]?.status == .ran)
    }
}

/// Remembers which stages started.
final class StartRecorder: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var started: Set<String> = []
    func hasStarted(_ id: String) -> Bool { lock.withLock { started.contains(id) } }
    func started(stage: String, kind: String) { _ = lock.withLock { started.insert(stage) } }
    func progress(stage: String, completed: Int, total: Int, unit: String, note: String) {}
    func message(stage: String, _ text: String) {}
    func finished(_ outcome: StageOutcome) {}
}
