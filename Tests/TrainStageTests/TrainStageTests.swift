import Datasets
import Foundation
import JSON
import Llama
import ModelArtifacts
import PipeCache
import PipeCore
import Testing
import TestSupport
import Tokenizer
import TrainStage

/// The tiny GGUF as a base model artifact, a few tokenized examples, and a way to run `train`.
struct TrainBench {
    static let gguf = TestPaths.reference.appendingPathComponent("tiny/gguf/tiny-f32.gguf")
    let root: URL

    init() throws { root = try makeTemporaryFolder("train-stage") }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func base() throws -> Artifact {
        let folder = root.appendingPathComponent("base")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ModelLoader.describe(Self.gguf).write(to: folder)
        return Artifact(type: "model", folder: folder, key: "base-key", digest: Digest.of("b"), producer: "base")
    }

    func tokens(packing: Bool = false) throws -> Artifact {
        let folder = root.appendingPathComponent("tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let examples = (0..<6).map { n in
            TokenizedDataset.Example(tokens: (0..<(8 + n)).map { Int32(($0 * 7 + n) % 290) },
                                     labels: (0..<(8 + n)).map { $0 < 3 ? TokenizedDataset.ignoredLabel : Int32(($0 * 7 + n) % 290) })
        }
        let split = TokenizedInfo.Split(name: "train", examples: 6, tokens: 63, trainedTokens: 45, longest: 13, truncated: 0, dropped: 0)
        let info = TokenizedInfo(splits: [split], template: "chatml", systemPrompt: "", maxLength: 32, trainOn: "completion",
                                 vocabularySize: 300, padID: 0, packing: packing)
        try TokenizedDataset(info: info, splits: ["train": examples]).write(to: folder)
        return Artifact(type: "tokens", folder: folder, key: "tokens-key", digest: Digest.of("t"), producer: "tokens")
    }

    /// Runs `train` with params given as manifest JSON; returns the output folder and the context.
    func train(_ params: JSONValue, reporter: any ProgressReporter = SilentReporter()) async throws
        -> (URL, StageContext) {
        let out = root.appendingPathComponent("out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let context = StageContext(stageID: "trained", key: "k", outputFolder: out,
                                   checkpointFolder: root.appendingPathComponent("checkpoints-\(UUID().uuidString)"), manifestFolder: root,
                                   reporter: reporter)
        try await TrainStage().run(try TrainStage.Params.decode(params), inputs: StageInputs(["model": try base(), "dataset": try tokens()]),
                                   context: context)
        return (out, context)
    }
}

/// Keeps the messages a stage says.
final class MessageRecorder: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    var messages: [String] { lock.withLock { kept } }
    func started(stage: String, kind: String) {}
    func progress(stage: String, completed: Int, total: Int, unit: String, note: String) {}
    func message(stage: String, _ text: String) { lock.withLock { kept.append(text) } }
    func finished(_ outcome: StageOutcome) {}
}

@Suite("train")
struct TrainStageTests {
    @Test("LoRA training writes a PEFT adapter on its base, the trained rendering and a log without timings")
    func loraArtifact() async throws {
        let bench = try TrainBench()
        defer { bench.remove() }
        let recorder = MessageRecorder()
        let (out, context) = try await bench.train(["r": 2, "targets": ["q_proj", "v_proj"], "max_steps": 3, "batch_size": 2,
                                                    "checkpoint_every": 0], reporter: recorder)
        let adapter = try AdapterArtifact.read(from: out)
        #expect(adapter.baseKey == "base-key" && adapter.rank == 2 && adapter.targets == ["q_proj", "v_proj"])
        #expect(adapter.chat == TrainedChat(template: "chatml", systemPrompt: ""))
        let peft = try String(contentsOf: out.appendingPathComponent("peft/adapter_config.json"), encoding: .utf8)
        #expect(peft.contains("\"tiny-f32.gguf\"") && !peft.contains(bench.root.path))
        let log = try #require(TrainingLog.read(from: out))
        #expect(log.log.map(\.step) == [1, 2, 3] && log.totalSteps == 3)
        let written = try String(contentsOf: out.appendingPathComponent(TrainingLog.fileName), encoding: .utf8)
        #expect(!written.contains("tokens_per_second") && !written.contains("seconds"))
        #expect(context.metrics?["tokens_per_second"]?.doubleValue ?? 0 > 0)
        // the peak RSS ends the stage's last line and is in its metrics
        #expect(context.metrics?["memory"]?["peak_resident"]?.doubleValue ?? 0 > 0)
        let last = recorder.messages.last ?? ""
        #expect(last.hasPrefix("3 steps, last loss ") && last.contains(" tokens/s, peak RSS ") && last.hasSuffix("B"),
                "\(last)")
    }

    @Test("the same params and data give the same artifact bytes")
    func deterministic() async throws {
        let bench = try TrainBench()
        defer { bench.remove() }
        let params: JSONValue = ["r": 2, "max_steps": 2, "batch_size": 2, "checkpoint_every": 0, "dropout": 0.1]
        let (a, _) = try await bench.train(params)
        let (b, _) = try await bench.train(params)
        for file in ["peft/adapter_model.safetensors", "adapter.json", TrainingLog.fileName, ArtifactSummary.markdownFile] {
            #expect(try Data(contentsOf: a.appendingPathComponent(file)) == Data(contentsOf: b.appendingPathComponent(file)), "\(file)")
        }
    }

    @Test("full fine-tuning gives a model with its weights inside the artifact")
    func fullArtifact() async throws {
        let bench = try TrainBench()
        defer { bench.remove() }
        let (out, _) = try await bench.train(["method": "full", "max_steps": 2, "batch_size": 2, "checkpoint_every": 0])
        let model = try ModelArtifact.read(from: out)
        #expect(model.format == .embedded)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("weights/model.safetensors").path))
        #expect(TrainStage.outputType(for: try TrainStage.Params.decode(["method": "full"])) == "model")
        #expect(TrainStage.outputType(for: try TrainStage.Params.decode(["method": "qlora"])) == "adapter")
    }

    @Test("params map onto the trainer: method, schedule, batching from packing and group_by_length")
    func hyperparameters() throws {
        let params = try TrainStage.Params.decode(["method": "full", "schedule": "cosine", "lr": 0.001, "grad_accum": 3,
                                                   "group_by_length": false])
        let h = TrainStage.hyperparameters(params, maxLength: 64, padToken: 2, packing: false)
        #expect(h.method == .full && h.schedule == .cosine && h.learningRate == 0.001 && h.gradientAccumulation == 3)
        #expect(h.batching == .shuffled && h.maxLength == 64 && h.padToken == 2)
        #expect(TrainStage.hyperparameters(try TrainStage.Params.decode([:]), maxLength: 8, padToken: 0, packing: true).batching == .packed)
        #expect(TrainStage.hyperparameters(try TrainStage.Params.decode([:]), maxLength: 8, padToken: 0, packing: false).batching == .groupedByLength)
    }

    @Test("checks: init_adapter with full, a target listed twice")
    func checks() throws {
        let issues = TrainStage.check(try TrainStage.Params.decode(["method": "full", "init_adapter": "a", "targets": ["q_proj", "q_proj"]]))
        #expect(issues.map(\.path.description) == ["init_adapter", "targets"])
    }

    @Test("precision bf16: refused with full at its path, passed to the trainer, and a LoRA run repeats its bytes")
    func bf16() async throws {
        let full = TrainStage.check(try TrainStage.Params.decode(["method": "full", "precision": "bf16"]))
        #expect(full.map(\.path.description) == ["precision"])
        let params = try TrainStage.Params.decode(["precision": "bf16", "method": "qlora"])
        #expect(TrainStage.check(params).isEmpty)
        #expect(TrainStage.hyperparameters(params, maxLength: 8, padToken: 0, packing: false).precision == .bf16)
        #expect(TrainStage.hyperparameters(try .decode([:]), maxLength: 8, padToken: 0, packing: false).precision == .float32)
        let bench = try TrainBench()
        defer { bench.remove() }
        let run: JSONValue = ["r": 2, "max_steps": 2, "batch_size": 2, "checkpoint_every": 0, "precision": "bf16"]
        let (a, _) = try await bench.train(run)
        let (b, _) = try await bench.train(run)
        let (f, _) = try await bench.train(["r": 2, "max_steps": 2, "batch_size": 2, "checkpoint_every": 0])
        let weights = "peft/adapter_model.safetensors"
        let bytes = { (u: URL) in try Data(contentsOf: u.appendingPathComponent(weights)) }
        #expect(try bytes(a) == bytes(b))
        #expect(try bytes(a) != bytes(f), "bf16 trained the same bytes as float32")
    }
}

@Suite("launching the ranks of a data-parallel train")
struct RankLaunchTests {
    static let exe = URL(fileURLWithPath: "/opt/pipe/bin/pipe")
    static let request = URL(fileURLWithPath: "/shared/cache/scratch/k/rank-request.json")

    @Test("locally: mpirun with N ranks of pipe train-rank, an argv with no shell; root allowed only as root")
    func mpirun() {
        let launch = RankLaunch(processes: 2, executable: Self.exe, requestFile: Self.request,
                                environment: ["PATH": "/usr/bin"], isRoot: false, cores: 8)
        #expect(launch.argv == ["mpirun", "-n", "2", "--oversubscribe", "--bind-to", "none",
                                "-x", "OPENBLAS_NUM_THREADS", "-x", "PIPE_THREADS",
                                "/opt/pipe/bin/pipe", "train-rank", "/shared/cache/scratch/k/rank-request.json"])
        #expect(launch.threadsPerRank == 4)
        #expect(launch.rankEnvironment["PIPE_THREADS"] == "4" && launch.rankEnvironment["OPENBLAS_NUM_THREADS"] == "4")
        #expect(launch.rankEnvironment["OMPI_ALLOW_RUN_AS_ROOT"] == nil)
        var root = launch
        root.isRoot = true
        #expect(root.argv.contains("--allow-run-as-root") && root.rankEnvironment["OMPI_ALLOW_RUN_AS_ROOT"] == "1")
    }

    @Test("inside a Slurm job: srun --mpi=pmix, Slurm's cpus per task as threads")
    func srun() {
        let launch = RankLaunch(
            processes: 4, executable: Self.exe, requestFile: Self.request,
            environment: ["SLURM_JOB_ID": "17", "SLURM_CPUS_PER_TASK": "3"], isRoot: true, cores: 2)
        #expect(launch.argv == ["srun", "--mpi=pmix", "-n", "4", "--kill-on-bad-exit=1",
                                "/opt/pipe/bin/pipe", "train-rank", "/shared/cache/scratch/k/rank-request.json"])
        #expect(launch.threadsPerRank == 3 && launch.launcher == "srun")
    }

    @Test("threads per rank: the rank's share of the cores, at least one; PIPE_THREADS overrides")
    func threads() {
        func threads(_ processes: Int, _ cores: Int, _ env: [String: String] = [:]) -> Int {
            RankLaunch(processes: processes, executable: Self.exe, requestFile: Self.request, environment: env,
                       isRoot: false, cores: cores).threadsPerRank
        }
        #expect(threads(2, 2) == 1 && threads(3, 2) == 1 && threads(2, 7) == 3)
        #expect(threads(2, 2, ["PIPE_THREADS": "2"]) == 2)
    }

    @Test("processes above batch_size is refused at its path")
    func processesAboveBatchSize() throws {
        let params = try TrainStage.Params.decode(["processes": 5, "batch_size": 4])
        let issues = TrainStage.check(params)
        #expect(issues.map(\.path) == [JSONPath.root.key("processes")], "\(issues)")
        #expect(try TrainStage.check(TrainStage.Params.decode(["processes": 4, "batch_size": 4])).isEmpty)
    }
}
