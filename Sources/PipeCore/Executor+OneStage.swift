import Foundation
import PipeCache

/// Why one stage could not be run on its own (`pipe run-stage`, what a cluster job does).
public enum OneStageError: Error, CustomStringConvertible, Equatable {
    /// The manifest has no such stage.
    case unknownStage(String, known: [String])
    /// An input's artifact is not in the cache: its producer has to run first.
    case inputNotCached(stage: String, port: String, producer: String)
    /// The stage's key is not the one the job was submitted for: the manifest or a file it reads changed.
    case keyChanged(stage: String, submitted: String, now: String)

    public var description: String {
        switch self {
        case let .unknownStage(id, known):
            return "no stage \"\(id)\" in the manifest; stages: \(known.joined(separator: ", "))"
        case let .inputNotCached(stage, port, producer):
            return "stage \"\(stage)\" needs input \"\(port)\" from stage \"\(producer)\", which is not cached; "
                + "run that stage first (`pipe run MANIFEST --until \(producer)`)"
        case let .keyChanged(stage, submitted, now):
            return "stage \"\(stage)\" changed since its job was submitted (key \(submitted.prefix(12)) is now "
                + "\(now.prefix(12))): the manifest or a file it reads was edited; run `pipe run` again"
        }
    }
}

extension Executor {
    /// Runs one stage whose inputs are all cached, under its key's lock, and records it; refuses,
    /// running nothing, when an input is missing from the cache. A cached stage is not recomputed
    /// unless `force`.
    public func runStage(_ id: String, force: Bool = false, expectedKey: String? = nil) async throws -> StageOutcome {
        guard let stage = pipeline.stage(id), let key = plan.keys[id] else {
            throw OneStageError.unknownStage(id, known: pipeline.stages.map(\.id))
        }
        if let expectedKey, expectedKey != key {
            throw OneStageError.keyChanged(stage: id, submitted: expectedKey, now: key)
        }
        for (port, producer) in stage.inputs.sorted(by: { $0.key < $1.key }) {
            guard let inputKey = plan.keys[producer], store.contains(inputKey) else {
                throw OneStageError.inputNotCached(stage: id, port: port, producer: producer)
            }
        }
        let runFolder = try store.makeTemporaryFolder("stage")
        defer { try? FileManager.default.removeItem(at: runFolder) }
        if !force, let entry = store.entry(for: key) {
            restoreExports(of: stage, key: key, runFolder: runFolder)
            let outcome = StageOutcome(
                id: id, kind: stage.kind.kind, status: .cached, key: key, digest: entry.digest.hex)
            reporter.finished(outcome)
            return outcome
        }
        let outcomes = await compute(id, forced: force, runFolder: runFolder)
        let runRecords = RunRecords(store: store, manifest: pipeline.url)
        for outcome in outcomes { recordOutcome(outcome, in: runRecords) }
        guard let outcome = outcomes.first(where: { $0.id == id }) else {
            throw OneStageError.unknownStage(id, known: pipeline.stages.map(\.id))
        }
        return outcome
    }
}
