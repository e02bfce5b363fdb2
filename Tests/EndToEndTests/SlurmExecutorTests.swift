import Foundation
import Slurm
import Testing

/// `pipe run --executor slurm` on the real one-node cluster of `scripts/slurm-local` (started by the
/// tests if it is not up; a machine where it cannot start fails these tests, saying why).
@Suite("pipe run --executor slurm", .serialized)
struct SlurmExecutorTests {
    let twoStages = #"""
        { "stages": {
            "records": { "kind": "load", "params": { "dataset": "data/medical.jsonl", "format": "alpaca" } },
            "more": { "kind": "augment", "inputs": { "dataset": "records" }, "params": { "seed": 1, "copies": 1 } }
        } }
        """#

    func dataProject(_ manifest: String) throws -> Project {
        let project = try Project()
        try project.write("pipeline.json", manifest)
        try project.write("data/medical.jsonl", medicalRecords(12))
        return project
    }

    func statusRows(_ project: Project) throws -> [String: [String: Any]] {
        let status = try project.pipe("status", "pipeline.json", "--json")
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        let rows = object?["stages"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["id"] as? String ?? "", $0) })
    }

    @Test("the quickstart pipeline as Slurm jobs gives a local run's digests, even when Slurm kills training midway")
    func quickstartMatchesLocal() throws {
        try SlurmCluster.require()
        let shorter: (String) -> String = {
            $0.replacingOccurrences(of: #""epochs": 3"#, with: #""epochs": 1"#)
                .replacingOccurrences(of: #""checkpoint_every": 4"#, with: #""checkpoint_every": 1"#)
        }
        let local = try quickstartProject(editing: shorter)
        defer { local.remove() }
        let cluster = try quickstartProject(editing: shorter)
        defer { cluster.remove() }
        let here = try local.pipe("run", "quickstart.json", "--json")
        #expect(here.status == 0, "\(here.stderr)")

        // Submitted and left; once training has checkpointed, its job is cancelled as a time limit or
        // preemption would (SIGTERM, then SIGKILL); the jobs that depend on it are dropped by Slurm.
        let submitted = try cluster.pipe("run", "quickstart.json", "--executor", "slurm", "--detach")
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let cache = cluster.folder.appendingPathComponent(".pipe")
        let jobs = SlurmCluster.recordedJobs(cache: cache)
        #expect(jobs.count == 8)
        let trained = try #require(jobs["trained"])
        let scratch = cache.appendingPathComponent("scratch")
        var checkpointed = false
        for _ in 0..<6000 where !checkpointed {
            Thread.sleep(forTimeInterval: 0.05)
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
            checkpointed = folders.contains {
                FileManager.default.fileExists(atPath: scratch.appendingPathComponent("\($0)/log.json").path)
            }
        }
        #expect(checkpointed, "training wrote no checkpoint in the shared cache")
        try SlurmClient().cancel([trained])
        for _ in 0..<600 where try SlurmClient().queue([trained])[trained]?.state.isFinished != true {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let killed = try cluster.pipe("status", "quickstart.json")
        #expect(killed.stdout.contains("Slurm job \(trained) cancelled"), "\(killed.stdout)")

        let there = try cluster.pipe("run", "quickstart.json", "--executor", "slurm", "--json")
        #expect(there.status == 0, "\(there.stderr)")
        #expect(try there.statuses() == [
            "records": "cached", "split": "cached", "tiny": "cached", "tokens": "cached", "trained": "ran", "eval": "ran",
            "q8": "ran", "gguf": "ran",
        ])
        #expect(try there.digests() == here.digests())
        // The same progress lines as a local run, training steps included (read from the job's events).
        #expect(there.stderr.contains("resumed from the checkpoint at step"), "\(there.stderr)")
        #expect(there.stderr.contains("start   trained (train)") && there.stderr.contains("steps, loss"), "\(there.stderr)")
        #expect(there.stderr.contains("ran     gguf (export)"))
        #expect(FileManager.default.fileExists(atPath: cluster.folder.appendingPathComponent("out/quickstart-q8_0.gguf").path))

        let resubmitted = SlurmCluster.recordedJobs(cache: cache)
        let again = try cluster.pipe("run", "quickstart.json", "--executor", "slurm", "--json")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try again.statuses().values.allSatisfy { $0 == "cached" }, "\(again.stdout)")
        #expect(SlurmCluster.recordedJobs(cache: cache) == resubmitted, "a cached stage was resubmitted")
        let status = try cluster.pipe("status", "quickstart.json")
        #expect(status.stdout.contains("Slurm job \(resubmitted["trained"] ?? "?") completed"), "\(status.stdout)")
    }

    @Test("a failing stage reports its job id, exit code and log; its dependents are skipped; status shows it")
    func failingStage() throws {
        try SlurmCluster.require()
        let project = try dataProject(twoStages)
        defer { project.remove() }
        try project.write("data/medical.jsonl", medicalRecords(3) + "{\"instruction\": broken\n")
        let run = try project.pipe("run", "pipeline.json", "--executor", "slurm", "--json")
        #expect(run.status == 1)
        let stages = try run.stages()
        let job = try #require(SlurmCluster.recordedJobs(cache: project.folder.appendingPathComponent(".pipe"))["records"])
        let error = stages["records"]?["error"] as? String ?? ""
        #expect(stages["records"]?["status"] as? String == "failed")
        #expect(error.hasPrefix("Slurm job \(job) failed (exit code 1): "), "\(error)")
        #expect(error.contains("medical.jsonl:4"), "the stage's own error, with file and line: \(error)")
        let log = try #require(error.components(separatedBy: "log: ").last)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("medical.jsonl:4"))
        #expect(stages["more"]?["status"] as? String == "skipped")
        #expect((stages["more"]?["error"] as? String ?? "").contains(#"input "records" failed"#))

        let status = try project.pipe("status", "pipeline.json")
        #expect(status.stdout.contains("Slurm job \(job) failed, exit code 1, log: \(log)"), "\(status.stdout)")
    }

    @Test("stage ids and paths with quotes, spaces, $(...) and ; reach the jobs as arguments, never as commands")
    func noInjection() throws {
        try SlurmCluster.require()
        let project = try Project()
        defer { project.remove() }
        let folder = #"a b;$(touch pwned-folder)'x""#
        let manifest = #"m $(touch pwned-manifest);'"`touch pwned-tick`.json"#
        let first = #"-rec"$(touch${IFS}pwned-stage);'"#
        let second = #"more;touch${IFS}pwned-more&&`touch${IFS}pwned-tick2`"#
        try project.write("\(folder)/\(manifest)", """
            { "stages": {
                \(jsonString(first)): { "kind": "load", "params": { "dataset": "data/medical.jsonl", "format": "alpaca" } },
                \(jsonString(second)): { "kind": "augment", "inputs": { "dataset": \(jsonString(first)) }, "params": { "copies": 1 } }
            } }
            """)
        try project.write("\(folder)/data/medical.jsonl", medicalRecords(6))
        let run = try PipeProcess.run(
            ["run", "\(folder)/\(manifest)", "--executor", "slurm", "--json"], in: project.folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try run.statuses() == [first: "ran", second: "ran"])
        let walker = FileManager.default.enumerator(atPath: project.folder.path)
        let files = (walker?.allObjects as? [String]) ?? []
        #expect(!files.contains { ($0 as NSString).lastPathComponent.hasPrefix("pwned") }, "\(files)")
    }

    @Test("--detach returns once the jobs are submitted, pipe status shows their states, and pipe run follows them")
    func detach() throws {
        try SlurmCluster.require()
        let project = try dataProject(twoStages)
        defer { project.remove() }
        let blocker = try SlurmCluster.block(in: project.folder)
        defer { try? SlurmClient().cancel([blocker]) }
        let submitted = try project.pipe("run", "pipeline.json", "--executor", "slurm", "--detach")
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let jobs = SlurmCluster.recordedJobs(cache: project.folder.appendingPathComponent(".pipe"))
        #expect(submitted.stdout.contains("submitted records (load) as Slurm job \(jobs["records"] ?? "?")"))
        let waiting = try statusRows(project)
        for id in ["records", "more"] {
            let job = waiting[id]?["job"] as? [String: Any]
            #expect(job?["job"] as? String == jobs[id] && job?["state"] as? String == "pending", "\(waiting)")
        }
        #expect((waiting["more"]?["job"] as? [String: Any])?["reason"] as? String == "Dependency")
        let text = try project.pipe("status", "pipeline.json").stdout
        #expect(text.contains("Slurm job \(jobs["more"] ?? "?") pending (Dependency)"), "\(text)")

        // A waiting run follows the queued jobs instead of submitting them again.
        let follow = try FollowingRun(project, stages: ["records", "more"])
        #expect(follow.said.contains("records: already queued as Slurm job \(jobs["records"] ?? "?"): following it"))
        try SlurmClient().cancel([blocker])
        let followed = try follow.finish()
        #expect(followed.status == 0, "\(followed.stderr)")
        #expect(try followed.statuses() == ["records": "ran", "more": "ran"])
        #expect(SlurmCluster.recordedJobs(cache: project.folder.appendingPathComponent(".pipe")) == jobs)

        let rows = try statusRows(project)
        for id in ["records", "more"] {
            #expect(rows[id]?["state"] as? String == "cached")
            #expect((rows[id]?["job"] as? [String: Any])?["state"] as? String == "completed", "\(rows)")
        }
    }

    @Test("a job on a node that cannot see the cache fails saying so, and the run reports it")
    func unsharedCache() throws {
        try SlurmCluster.require()
        let project = try dataProject(twoStages)
        defer { project.remove() }
        let blocker = try SlurmCluster.block(in: project.folder)
        defer { try? SlurmClient().cancel([blocker]) }
        #expect(try project.pipe("run", "pipeline.json", "--executor", "slurm", "--detach").status == 0)
        // What a node without the shared filesystem would see: no marker where the submitter wrote it.
        let jobsFolder = project.folder.appendingPathComponent(".pipe/jobs")
        for name in try FileManager.default.contentsOfDirectory(atPath: jobsFolder.path) {
            try FileManager.default.removeItem(at: jobsFolder.appendingPathComponent("\(name)/submitted"))
        }
        let follow = try FollowingRun(project, stages: ["records", "more"])
        try SlurmClient().cancel([blocker])
        let run = try follow.finish()
        #expect(run.status == 1)
        let error = try run.stages()["records"]?["error"] as? String ?? ""
        #expect(error.contains("failed (exit code 1): this node"), "\(error)")
        #expect(error.contains("cannot see the cache") && error.contains("every node sees"), "\(error)")
        #expect(try run.statuses() == ["records": "failed", "more": "skipped"])
    }

    @Test("Ctrl-C on a waiting run cancels the jobs it submitted, and a rerun submits them again")
    func interruptCancels() throws {
        try SlurmCluster.require()
        let project = try dataProject(twoStages)
        defer { project.remove() }
        let blocker = try SlurmCluster.block(in: project.folder)
        defer { try? SlurmClient().cancel([blocker]) }
        let cache = project.folder.appendingPathComponent(".pipe")
        let (process, _, _) = try PipeProcess.start(
            ["run", "pipeline.json", "--executor", "slurm", "--quiet"], in: project.folder)
        var jobs: [String: String] = [:]
        for _ in 0..<1200 where jobs.count < 2 && process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            jobs = SlurmCluster.recordedJobs(cache: cache)
        }
        #expect(jobs.count == 2)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let states = try SlurmClient().queue(Array(jobs.values))
        #expect(jobs.values.allSatisfy { states[$0]?.state == .cancelled }, "\(states)")

        try SlurmClient().cancel([blocker])
        let rerun = try project.pipe("run", "pipeline.json", "--executor", "slurm", "--json")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try rerun.statuses() == ["records": "ran", "more": "ran"])
        #expect(Set(SlurmCluster.recordedJobs(cache: cache).values).isDisjoint(with: jobs.values))
    }
}

/// `pipe run --executor slurm --json` started while the jobs it will follow are still queued:
/// returns once it said it follows each of `stages`.
struct FollowingRun {
    let process = Process()
    let stdout: URL
    let stderr: URL
    var said: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }

    init(_ project: Project, stages: [String]) throws {
        stdout = project.folder.appendingPathComponent("follow.out")
        stderr = project.folder.appendingPathComponent("follow.err")
        FileManager.default.createFile(atPath: stdout.path, contents: nil)
        FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.executableURL = PipeProcess.binary
        process.arguments = ["run", "pipeline.json", "--executor", "slurm", "--json"]
        process.currentDirectoryURL = project.folder
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        let lines = stages.map { "\($0): already queued as Slurm job" }
        for _ in 0..<1200 where process.isRunning && !lines.allSatisfy(said.contains) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(lines.allSatisfy(said.contains), "\(said)")
    }

    func finish() throws -> PipeProcess.Result {
        process.waitUntilExit()
        return PipeProcess.Result(
            status: process.terminationStatus, stdout: try String(contentsOf: stdout, encoding: .utf8), stderr: said)
    }
}

/// A string as a JSON literal.
private func jsonString(_ text: String) -> String {
    String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
}
