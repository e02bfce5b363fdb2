import Foundation
import JSON
import Llama
import PipeCore

/// A model input of the training: its unpacked artifact folder and the producing stage's key.
struct TrainingInput: Codable, Sendable {
    var folder: URL
    var key: String
}

/// What every rank process of a data-parallel training reads: the stage's params, its inputs'
/// unpacked folders, and its checkpoint and output folders (on a filesystem every node sees).
struct RankRequest: Codable, Sendable {
    static let fileName = "rank-request.json"

    var stageID: String
    var key: String
    /// The stage's params, defaults filled, as manifest JSON.
    var params: String
    var model: TrainingInput
    var dataset: URL
    var manifestFolder: URL
    var checkpointFolder: URL
    var outputFolder: URL
    /// The `pipe` process that launched the ranks and its host: when it is gone (killed), the ranks on
    /// its host stop. (Under Slurm the job ends every task of a step whose batch script died.)
    var launcher: Int32
    var launcherHost: String
}

/// This machine's host name.
func hostName() -> String {
    var name = [CChar](repeating: 0, count: 256)
    guard gethostname(&name, name.count - 1) == 0 else { return "" }
    return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Why the ranks of a data-parallel training could not run.
public enum RankLaunchError: Error, CustomStringConvertible {
    /// mpirun (or srun) is not on PATH.
    case launcherMissing(String)
    /// The launcher ended with a failure; the last lines of its error output.
    case ranksFailed(launcher: String, status: Int32, log: String)
    /// A rank process could not read its request.
    case badRequest(path: String, reason: String)

    public var description: String {
        switch self {
        case let .launcherMissing(name):
            return "processes > 1 needs Open MPI's \(name) on PATH (Debian: apt-get install openmpi-bin)"
        case let .ranksFailed(launcher, status, log):
            return "the training ranks failed (\(launcher) exited with \(status))" + (log.isEmpty ? "" : ":\n\(log)")
        case let .badRequest(path, reason): return "rank request \(path): \(reason)"
        }
    }
}

extension TrainStage {
    /// Runs `processes` ranks of `pipe train-rank` and waits for them, passing on rank 0's progress.
    static func launchRanks(_ params: Params, model: TrainingInput, dataset: URL, context: StageContext) async throws {
        let values = JSONValue.object(params.values.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
        let request = RankRequest(
            stageID: context.stageID, key: context.key, params: values.canonicalText, model: model, dataset: dataset,
            manifestFolder: context.manifestFolder, checkpointFolder: context.checkpointFolder,
            outputFolder: context.outputFolder, launcher: getpid(), launcherHost: hostName())
        try FileManager.default.createDirectory(at: context.checkpointFolder, withIntermediateDirectories: true)
        let requestFile = context.checkpointFolder.appendingPathComponent(RankRequest.fileName)
        try JSONEncoder().encode(request).write(to: requestFile, options: .atomic)

        let environment = ProcessInfo.processInfo.environment
        let launch = RankLaunch(
            processes: params.processes, executable: RankLaunch.currentExecutable, requestFile: requestFile,
            environment: environment, isRoot: getuid() == 0,
            cores: ProcessInfo.processInfo.activeProcessorCount)
        let command = launch.argv.joined(separator: " ")
        context.say("\(params.processes) ranks x \(launch.threadsPerRank) threads: \(command)")
        try await launch.run { line in
            guard let json = try? JSONParser.parse(line), let event = RankEvent(json) else {
                context.say(line)  // the launcher's own words
                return
            }
            switch event {
            case let .progress(completed, total, unit, note):
                context.progress(completed, of: total, unit: unit, note: note)
            case let .message(text): context.say(text)
            case let .metrics(metrics): context.recordMetrics(metrics)
            }
        }
    }

    /// One rank of a data-parallel training (`pipe train-rank`): trains its share with `reducer`;
    /// rank 0 writes the output and reports on standard output, one JSON object a line.
    public static func runRank(requestFile: URL, reducer: GradientReducer) throws {
        let data: Data
        do { data = try Data(contentsOf: requestFile) } catch {
            throw RankLaunchError.badRequest(path: requestFile.path, reason: error.localizedDescription)
        }
        let request: RankRequest
        let params: Params
        do {
            request = try JSONDecoder().decode(RankRequest.self, from: data)
            params = try Params.decode(try JSONParser.parse(request.params))
        } catch {
            throw RankLaunchError.badRequest(path: requestFile.path, reason: "\(error)")
        }
        let reporter: any ProgressReporter = reducer.rank == 0 ? RankEventWriter() : SilentReporter()
        let context = StageContext(
            stageID: request.stageID, key: request.key, outputFolder: request.outputFolder,
            checkpointFolder: request.checkpointFolder, manifestFolder: request.manifestFolder, reporter: reporter)
        let launcher = request.launcherHost == hostName() ? request.launcher : nil
        try train(params, model: request.model, dataset: request.dataset, context: context, reducer: reducer,
                  shouldStop: { launcher.map { kill($0, 0) != 0 && errno == ESRCH } ?? false })
        if reducer.rank == 0, let metrics = context.metrics { RankEventWriter.write(.metrics(metrics)) }
    }
}

/// What rank 0 tells the launching stage, one JSON object a line on standard output.
enum RankEvent {
    case progress(completed: Int, total: Int, unit: String, note: String)
    case message(String)
    case metrics(JSONValue)

    init?(_ json: JSONValue) {
        if let p = json["progress"], let completed = p["completed"]?.intValue, let total = p["total"]?.intValue {
            self = .progress(completed: completed, total: total, unit: p["unit"]?.stringValue ?? "",
                             note: p["note"]?.stringValue ?? "")
        } else if let text = json["message"]?.stringValue {
            self = .message(text)
        } else if let metrics = json["metrics"] {
            self = .metrics(metrics)
        } else {
            return nil
        }
    }

    var json: JSONValue {
        switch self {
        case let .progress(completed, total, unit, note):
            return ["progress": [
                "completed": .number(Double(completed)), "total": .number(Double(total)),
                "unit": .string(unit), "note": .string(note),
            ]]
        case let .message(text): return ["message": .string(text)]
        case let .metrics(metrics): return ["metrics": metrics]
        }
    }
}

/// Rank 0's reporter: progress and messages as `RankEvent` lines on standard output.
struct RankEventWriter: ProgressReporter {
    static func write(_ event: RankEvent) {
        FileHandle.standardOutput.write(Data((event.json.compactText + "\n").utf8))
    }

    func started(stage: String, kind: String) {}
    func progress(stage: String, completed: Int, total: Int, unit: String, note: String) {
        Self.write(.progress(completed: completed, total: total, unit: unit, note: note))
    }
    func message(stage: String, _ text: String) { Self.write(.message(text)) }
    func finished(_ outcome: StageOutcome) {}
}
