import Foundation
import Safetensors
import TestSupport
import Testing

/// A project training a tiny model (the demo model's tokenizer) on the medical records, with the
/// `trained` stage's params (and other keys, such as `resources`) given, and its adapter exported as
/// a PEFT folder at `out/peft`.
func dataParallelProject(_ trainParams: String, trainedKeys: String = "") throws -> Project {
    try #require(
        FileManager.default.fileExists(atPath: TestPaths.demoModel.path),
        "the demo model is missing: run scripts/bootstrap (its tokenizer is the tiny model's)")
    let project = try Project()
    let data = PipeProcess.packageRoot.appendingPathComponent("pipelines/data/medical.jsonl")
    try project.write("data/medical.jsonl", String(contentsOf: data, encoding: .utf8))
    try project.write("m.json", """
        { "stages": {
            "records": { "kind": "load", "params": { "dataset": "data/medical.jsonl", "format": "alpaca" } },
            "tiny": { "kind": "load", "params": { "model": {
                "init": { "layers": 2, "width": 64, "heads": 4, "kv_heads": 2, "ffn": 128 },
                "tokenizer": "\(TestPaths.demoModel.path)", "seed": 0 } } },
            "tokens": { "kind": "tokenize", "inputs": { "dataset": "records", "model": "tiny" },
                        "params": { "template": "chatml", "max_length": 64 } },
            "trained": { "kind": "train", "inputs": { "model": "tiny", "dataset": "tokens" },
                         \(trainedKeys) "params": \(trainParams) },
            "peft": { "kind": "export", "inputs": { "model": "trained" },
                      "params": { "format": "peft", "path": "out/peft" } }
        } }
        """)
    return project
}

/// Fails (never skips) when Open MPI's launcher is not installed.
func requireMPIRun() throws {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    let found = paths.contains { FileManager.default.isExecutableFile(atPath: "\($0)/mpirun") }
    try #require(found, "mpirun is missing: run scripts/bootstrap (it installs openmpi-bin and libopenmpi-dev)")
}

/// The `trained` stage's log: each step's loss and gradient norm, in order.
func trainingLog(_ project: Project) throws -> [(loss: Double, gradNorm: Double)] {
    let shown = try project.pipe("show", "m.json", "trained", "--json")
    let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
    let log = (object?["content"] as? [String: Any])?["log"] as? [[String: Any]] ?? []
    return log.compactMap { step in
        guard let loss = step["loss"] as? Double, let norm = step["grad_norm"] as? Double else { return nil }
        return (loss, norm)
    }
}

/// Every tensor of the exported adapter, by name.
func exportedAdapter(_ project: Project) throws -> [String: [Float]] {
    let file = try SafetensorsFile(
        contentsOf: project.folder.appendingPathComponent("out/peft/adapter_model.safetensors"))
    return try Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, try file.floats($0.name)) })
}

/// The `pipe train-rank` processes working for `project`.
func rankProcesses(of project: Project) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
        guard let pid = pid_t(entry),
              let raw = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")) else { return nil }
        let args = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        // the ranks themselves, not mpirun (whose arguments name them)
        return args.count == 3 && args[1] == "train-rank" && args[2].hasPrefix(project.folder.path) ? pid : nil
    }
}

@Suite("Data-parallel training over Open MPI", .serialized)
struct DataParallelTrainingTests {
    static let lora = #""method": "lora", "r": 4, "targets": ["q_proj", "v_proj", "o_proj"], "lr": 0.01, "#
        + #""batch_size": 4, "grad_accum": 2, "max_steps": 6, "warmup_steps": 1, "checkpoint_every": 0"#

    @Test("two ranks train what one process trains: the same losses, and the adapter up to float rounding")
    func twoRanksEqualOne() throws {
        try requireMPIRun()
        let one = try dataParallelProject("{ \(Self.lora) }")
        defer { one.remove() }
        let two = try dataParallelProject("{ \(Self.lora), \"processes\": 2 }")
        defer { two.remove() }
        let single = try one.pipe("run", "m.json")
        #expect(single.status == 0, "\(single.stderr)")
        #expect(!single.stderr.contains("mpirun"), "one process starts no ranks")
        let parallel = try two.pipe("run", "m.json", "--json")
        #expect(parallel.status == 0, "\(parallel.stderr)")
        let metrics = try parallel.stages()["trained"]?["metrics"] as? [String: Any]
        #expect(metrics?["processes"] as? Double == 2 && (metrics?["reduced_bytes_per_step"] as? Double ?? 0) > 0)

        let (a, b) = (try trainingLog(one), try trainingLog(two))
        #expect(a.count == 6 && b.count == 6, "\(a) \(b)")
        for (x, y) in zip(a, b) {
            #expect(abs(x.loss - y.loss) <= 1e-5, "losses \(a.map(\.loss)) vs \(b.map(\.loss))")
            // AdamW hides a gradient scaled by a constant (a rank counted twice); the norm does not
            #expect(abs(x.gradNorm - y.gradNorm) <= 1e-5 * x.gradNorm,
                    "norms \(a.map(\.gradNorm)) vs \(b.map(\.gradNorm))")
        }

        // The ranks' gradient sums differ from one process's only in float32 summation order (a few
        // ulps); six AdamW steps carry that into the weights: measured 4e-8 to 6e-7 of each tensor's
        // norm. 1e-5 leaves room for other BLAS builds; a rank's share lost or trained twice moves
        // the weights by far more.
        let (p, q) = (try exportedAdapter(one), try exportedAdapter(two))
        #expect(p.count == 12 && Set(p.keys) == Set(q.keys), "A and B of 3 targets in 2 layers")
        for (name, x) in p {
            let y = try #require(q[name])
            let norm = x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            let difference = zip(x, y).reduce(0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            #expect(norm > 0 && difference <= 1e-5 * norm, "\(name): |a - b| \(difference), |a| \(norm)")
            if ProcessInfo.processInfo.environment["PIPE_TEST_VERBOSE"] != nil {
                print("\(name): |a - b| / |a| = \(difference / norm), bit-identical: \(x == y)")
            }
        }
    }

    @Test("kill -9 of one rank fails the run; the rerun resumes every rank from the checkpoint, as if uninterrupted")
    func killOneRank() throws {
        try requireMPIRun()
        let params = #"{ "method": "full", "batch_size": 8, "max_steps": 8, "lr": 0.003, "checkpoint_every": 2, "#
            + #""processes": 2 }"#
        let reference = try dataParallelProject(params)
        defer { reference.remove() }
        let uninterrupted = try reference.pipe("run", "m.json", "--until", "trained")
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        let expected = try #require(try weightsDigest(reference, manifest: "m.json"))

        let project = try dataParallelProject(params)
        defer { project.remove() }
        let (process, _, err) = try PipeProcess.start(["run", "m.json", "--until", "trained"], in: project.folder)
        let scratch = project.folder.appendingPathComponent(".pipe/scratch")
        var ranks: [pid_t] = []
        while ranks.count < 2 && process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
            let checkpointed = folders.contains {
                FileManager.default.fileExists(atPath: scratch.appendingPathComponent("\($0)/log.json").path)
            }
            if checkpointed { ranks = rankProcesses(of: project) }
        }
        try #require(ranks.count == 2, "the ranks finished before a checkpoint could be interrupted")
        kill(ranks[1], SIGKILL)
        let failure = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(failure)")
        #expect(failure.contains("the training ranks failed"), "\(failure)")
        #expect(rankProcesses(of: project).isEmpty, "mpirun ended the other rank")

        let resumed = try project.pipe("run", "m.json", "--until", "trained")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let step = resumed.stderr.components(separatedBy: "resumed from the checkpoint at step ").dropFirst().first
            .flatMap { Int($0.prefix { $0.isNumber }) }
        #expect((step ?? 0) >= 2 && (step ?? 0) < 8, "\(resumed.stderr)")
        #expect(try weightsDigest(project, manifest: "m.json") == expected)
    }

    @Test("Ctrl-C during a data-parallel training ends the launcher and every rank, exit code 130")
    func interrupt() throws {
        try requireMPIRun()
        let project = try dataParallelProject(
            #"{ "method": "full", "batch_size": 8, "max_steps": 50, "checkpoint_every": 0, "processes": 2 }"#)
        defer { project.remove() }
        let (process, _, err) = try PipeProcess.start(["run", "m.json", "--until", "trained"], in: project.folder)
        while rankProcesses(of: project).count < 2 && process.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        try #require(process.isRunning, "the run ended before its ranks could be interrupted")
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(rankProcesses(of: project).isEmpty, "the ranks outlived the interrupted run")
        #expect(!stderr.contains("50/50 steps"), "\(stderr)")
    }

    @Test("as a Slurm job, a 2-rank train starts its ranks with srun and writes what mpirun's ranks write")
    func underSlurm() throws {
        try requireMPIRun()
        try SlurmCluster.require()
        let params = #"{ "method": "full", "batch_size": 8, "max_steps": 4, "checkpoint_every": 2, "processes": 2 }"#
        let local = try dataParallelProject(params)
        defer { local.remove() }
        let here = try local.pipe("run", "m.json", "--until", "trained")
        #expect(here.status == 0, "\(here.stderr)")
        let cluster = try dataParallelProject(params, trainedKeys: #""resources": { "tasks": 2 },"#)
        defer { cluster.remove() }
        let there = try cluster.pipe("run", "m.json", "--until", "trained", "--executor", "slurm")
        #expect(there.status == 0, "\(there.stderr)")
        #expect(try weightsDigest(cluster, manifest: "m.json") == weightsDigest(local, manifest: "m.json"))
        let logs = FileManager.default.enumerator(atPath: cluster.folder.appendingPathComponent(".pipe/jobs").path)
        let said = (logs?.allObjects as? [String] ?? []).compactMap {
            try? String(contentsOf: cluster.folder.appendingPathComponent(".pipe/jobs/\($0)"), encoding: .utf8)
        }.joined()
        #expect(said.contains("srun --mpi=pmix -n 2"), "the job's log: \(said)")
    }

    @Test("a bad processes value is an error at its JSON path",
          arguments: [
              (#""processes": 0"#, "stages.trained.params.processes: expected"),
              (#""processes": "2""#, "stages.trained.params.processes: expected"),
              (#""processes": 1.5"#, "stages.trained.params.processes: expected"),
              (#""processes": 5, "batch_size": 4"#, "stages.trained.params.processes: 5 processes for batch_size 4"),
          ])
    func badProcesses(_ param: String, _ message: String) throws {
        let project = try dataParallelProject("{ \(param) }")
        defer { project.remove() }
        let result = try project.pipe("validate", "m.json")
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}

/// The digest of the weights the `trained` stage of `manifest` wrote.
func weightsDigest(_ project: Project, manifest: String) throws -> String? {
    let shown = try project.pipe("show", manifest, "trained", "--json")
    let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
    let content = object?["content"] as? [String: Any]
    return (content?["weights"] as? [String: Any])?["sha256"] as? String
}
