import Foundation
import JSON
import PipeCache
import PipeCore
import Report

/// Builds the `pipe report` page's model from what the cache and the run records hold. Reads
/// artifacts (their summaries and data, never model weights); never runs a stage.
struct ReportGatherer {
    let pipeline: Pipeline
    let store: ArtifactStore
    let plan: Plan
    /// The outcomes of the run that just finished, when `pipe run` writes the report: they tell
    /// ran from cached and carry failures' messages.
    var outcomes: [String: StageOutcome] = [:]

    /// How much of each artifact file the report unpacks: summaries whole; of a dataset, the start
    /// of each split (enough for the first records); token files up to a bound (above it the
    /// histogram is left out); model weights and exported files not at all.
    static func keeping(type: String) -> (String, Int) -> Int? {
        { path, size in
            if path.hasSuffix(".json") || path.hasSuffix(".md") { return size }
            if type == "dataset" && path.hasSuffix(".jsonl") { return min(size, 1 << 20) }
            if type == "tokens" && path.hasSuffix(".safetensors") && size <= 256 << 20 { return size }
            return nil
        }
    }

    func model(comparing other: ReportGatherer? = nil, now: Date = Date()) -> ReportModel {
        let manifestText = (try? String(contentsOf: pipeline.url, encoding: .utf8)) ?? ""
        let description = (try? JSONParser.parse(Data(manifestText.utf8)))?["description"]?.stringValue ?? ""
        var model = ReportModel(
            title: pipeline.name, description: description, manifestText: manifestText,
            generated: ISO8601DateFormatter().string(from: now), stages: stageSummaries())
        for id in pipeline.order {
            guard let stage = pipeline.stage(id) else { continue }
            do {
                switch (stage.kind.kind, stage.outputType.name) {
                case ("train", _):
                    if let section = try training(stage, comparing: other) { model.trainings.append(section) }
                case ("evaluate", _):
                    if let section = try evaluation(stage) { model.evaluations.append(section) }
                case ("export", _):
                    if let section = try export(stage) { model.exports.append(section) }
                case (_, "dataset"):
                    if let section = try dataset(stage) { model.datasets.append(section) }
                case (_, "tokens"):
                    if let section = try tokens(stage) { model.datasets.append(section) }
                default:
                    break
                }
            } catch {
                printError("report: stage \(id): \(error); left out of the page")
            }
        }
        return model
    }

    /// Unpacks the wanted files of a stage's cached artifact into a temporary folder for `body`;
    /// nil when the stage has no cached artifact for its current key.
    func withArtifact<T>(_ id: String, _ body: (URL) throws -> T) throws -> T? {
        guard let key = plan.keys[id], let entry = store.entry(for: key) else { return nil }
        let folder = try store.makeTemporaryFolder("report")
        try? FileManager.default.removeItem(at: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.unpack(key: key, into: folder, keeping: Self.keeping(type: entry.type))
        return try body(folder)
    }

    /// A stage's show.json, when its artifact has one.
    func summaryJSON(_ id: String) throws -> JSONValue? {
        try withArtifact(id) { folder in
            let url = folder.appendingPathComponent(ArtifactSummary.jsonFile)
            return FileManager.default.fileExists(atPath: url.path) ? try JSONParser.parse(Data(contentsOf: url)) : nil
        } ?? nil
    }

    // MARK: Stages

    func stageSummaries() -> [StageSummary] {
        let runRecords = RunRecords(store: store, manifest: pipeline.url)
        let records = runRecords.load()
        let failures = runRecords.failures()
        return pipeline.order.compactMap { id in
            guard let stage = pipeline.stage(id), let key = plan.keys[id] else { return nil }
            let entry = store.entry(for: key)
            var status: StageSummary.Status
            var seconds = records[id].flatMap { $0.key == key && $0.seconds > 0 ? $0.seconds : nil }
            if let outcome = outcomes[id] {
                switch outcome.status {
                case .ran:
                    status = .ran
                    seconds = outcome.seconds
                case .cached: status = .cached
                case .failed: status = .failed(outcome.error ?? "failed")
                case .skipped: status = .skipped(outcome.error ?? "an input did not finish")
                }
            } else if entry != nil {
                status = .cached
            } else if isRunning(key) {
                status = .running
            } else if let failure = failures[id], failure.key == key {
                status = .failed(failure.error)
            } else {
                switch plan.state(of: id, store: store, records: records) {
                case .cached: status = .cached
                case .stale([.neverRun]): status = .neverRun
                case .stale(let reasons): status = .stale(reasons.map(\.rawValue))
                }
            }
            let inputs = stage.inputs.sorted { $0.key < $1.key }.map {
                StageSummary.Input(port: $0.key, source: $0.value)
            }
            return StageSummary(
                id: id, kind: stage.kind.kind, outputType: stage.outputType.name, status: status, inputs: inputs,
                seconds: seconds, bytes: entry?.bytes)
        }
    }

    /// Whether another process computes this key now: it holds the key's lock.
    func isRunning(_ key: String) -> Bool {
        let url = store.lockURL(for: key)
        guard FileManager.default.fileExists(atPath: url.path), let lock = try? FileLock(url: url) else { return false }
        guard lock.tryLock(.shared) else { return true }
        lock.unlock()
        return false
    }
}
