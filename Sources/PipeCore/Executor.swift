import Foundation
import JSON
import PipeCache

/// Runs a pipeline's stale stages in dependency order, independent ones concurrently, and stores
/// each output in the cache. The only part of the engine that talks to the cache.
public final class Executor: Sendable {
    public let pipeline: Pipeline
    public let plan: Plan
    public let store: ArtifactStore
    let reporter: any ProgressReporter

    public init(pipeline: Pipeline, plan: Plan, store: ArtifactStore, reporter: any ProgressReporter) {
        self.pipeline = pipeline
        self.plan = plan
        self.store = store
        self.reporter = reporter
    }

    /// What a run with these options would do, without doing it.
    public func dryRun(_ options: RunOptions) -> [PlannedAction] {
        let selected = options.selected(in: pipeline)
        let forced = options.forced(in: pipeline)
        let records = RunRecords(store: store, manifest: pipeline.url).load()
        return pipeline.order.filter(selected.contains).compactMap { id in
            guard let stage = pipeline.stage(id), let key = plan.keys[id] else { return nil }
            if forced.contains(id) {
                return PlannedAction(id: id, kind: stage.kind.kind, key: key, action: "run", reasons: ["forced"])
            }
            switch plan.state(of: id, store: store, records: records) {
            case .cached: return PlannedAction(id: id, kind: stage.kind.kind, key: key, action: "cached", reasons: [])
            case let .stale(reasons):
                return PlannedAction(
                    id: id, kind: stage.kind.kind, key: key, action: "run", reasons: reasons.map(\.rawValue))
            }
        }
    }

    /// Runs the pipeline. Never throws: each stage's fate is in the report. A stage whose input
    /// failed is skipped (and says which input); independent stages still run.
    public func run(_ options: RunOptions) async -> RunReport {
        let selected = options.selected(in: pipeline)
        let forced = options.forced(in: pipeline)
        let runRecords = RunRecords(store: store, manifest: pipeline.url)
        store.sweepTemporaries()
        let runFolder: URL
        do {
            runFolder = try store.makeTemporaryFolder("run")
        } catch {
            let failures = pipeline.order.filter(selected.contains).map { id in
                StageOutcome(
                    id: id, kind: pipeline.stage(id)?.kind.kind ?? "", status: .failed, key: plan.keys[id] ?? "",
                    error: "\(error)")
            }
            return RunReport(stages: failures, interrupted: false)
        }
        defer { try? FileManager.default.removeItem(at: runFolder) }

        var outcomes: [String: StageOutcome] = [:]
        var waiting = pipeline.order.filter(selected.contains)
        let jobs = max(1, options.jobs)

        await withTaskGroup(of: [StageOutcome].self) { group in
            var running = 0
            func schedule() {
                var changed = true
                while changed {
                    changed = false
                    for id in waiting {
                        guard let stage = pipeline.stage(id), let key = plan.keys[id] else { continue }
                        let sources = Array(Set(stage.inputs.values)).sorted()
                        if sources.contains(where: { outcomes[$0] == nil }) { continue }
                        if let bad = sources.first(where: {
                            outcomes[$0]?.status == .failed || outcomes[$0]?.status == .skipped
                        }) {
                            outcomes[id] = StageOutcome(
                                id: id, kind: stage.kind.kind, status: .skipped, key: key,
                                error: "input \"\(bad)\" \(outcomes[bad]?.status == .failed ? "failed" : "was skipped")"
                            )
                            reporter.finished(outcomes[id]!)
                        } else if Task.isCancelled {
                            outcomes[id] = StageOutcome(
                                id: id, kind: stage.kind.kind, status: .skipped, key: key, error: "interrupted")
                        } else if !forced.contains(id), let entry = store.entry(for: key) {
                            restoreExports(of: stage, key: key, runFolder: runFolder)
                            outcomes[id] = StageOutcome(
                                id: id, kind: stage.kind.kind, status: .cached, key: key, digest: entry.digest.hex)
                            reporter.finished(outcomes[id]!)
                        } else if running < jobs {
                            running += 1
                            let force = forced.contains(id)
                            group.addTask { await self.compute(id, forced: force, runFolder: runFolder) }
                        } else {
                            continue
                        }
                        waiting.removeAll { $0 == id }
                        changed = true
                    }
                }
            }
            schedule()
            while let results = await group.next() {
                running -= 1
                for outcome in results {
                    outcomes[outcome.id] = outcome
                    // Recorded as soon as it finishes, so a later crash does not lose it.
                    recordOutcome(outcome, in: runRecords)
                }
                schedule()
            }
        }
        // Cached stages are recorded too, so `pipe status` can explain a later change.
        var cachedRecords: [String: RunRecords.Stage] = [:]
        let known = runRecords.load()
        for (id, outcome) in outcomes where outcome.status == .cached && known[id]?.key != outcome.key {
            if let material = plan.materials[id] {
                cachedRecords[id] = RunRecords.Stage(key: outcome.key, material: material, finished: Date(), seconds: 0)
            }
        }
        try? runRecords.record(cachedRecords)
        let ordered = pipeline.order.compactMap { outcomes[$0] }
        return RunReport(stages: ordered, interrupted: Task.isCancelled)
    }

    /// Remembers what a stage that ran was computed from, for `pipe status`.
    /// Records a stage that ran (what it ran with) or failed (its error, for `pipe report`).
    func recordOutcome(_ outcome: StageOutcome, in runRecords: RunRecords) {
        if outcome.status == .failed {
            try? runRecords.recordFailure(
                outcome.id, RunRecords.Failure(key: outcome.key, error: outcome.error ?? "failed", finished: Date()))
        }
        guard outcome.status == .ran, let material = plan.materials[outcome.id] else { return }
        try? runRecords.record([
            outcome.id: RunRecords.Stage(
                key: outcome.key, material: material, finished: Date(), seconds: outcome.seconds,
                metrics: outcome.metrics, log: outcome.log)
        ])
    }

    // MARK: One stage

    /// Computes one stage under its key's lock. Returns its outcome, plus those of inputs that had
    /// to be recomputed because their cached copy was corrupt or gone.
    func compute(_ id: String, forced: Bool, runFolder: URL) async -> [StageOutcome] {
        guard let stage = pipeline.stage(id), let key = plan.keys[id] else { return [] }
        let kind = stage.kind.kind
        let started = Date()
        var extra: [StageOutcome] = []
        var context: StageContext?
        func outcome(
            _ status: StageOutcome.Status, digest: String? = nil, error: String? = nil, note: String? = nil,
            metrics: JSONValue? = nil
        ) -> [StageOutcome] {
            let log = context?.log ?? []
            let result = StageOutcome(
                id: id, kind: kind, status: status, key: key, digest: digest,
                seconds: Date().timeIntervalSince(started), error: error, note: note, metrics: metrics,
                log: log.isEmpty ? nil : log)
            reporter.finished(result)
            return [result] + extra
        }
        let lock: FileLock
        do {
            lock = try FileLock(url: store.lockURL(for: key))
            try await lock.lock(.exclusive) {
                reporter.message(stage: id, "waiting: another pipe run is computing this stage")
            }
        } catch is CancellationError {
            return outcome(.failed, error: "interrupted")
        } catch {
            return outcome(.failed, error: "\(error)")
        }
        defer { lock.unlock() }
        if !forced, let entry = store.entry(for: key) {
            return outcome(.cached, digest: entry.digest.hex)
        }
        reporter.started(stage: id, kind: kind)
        let work = runFolder.appendingPathComponent("\(id)-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: work) }
        do {
            var artifacts: [String: Artifact] = [:]
            for (port, source) in stage.inputs.sorted(by: { $0.key < $1.key }) {
                let (artifact, recomputed) = try await materialize(
                    source, into: work.appendingPathComponent("inputs/\(port)"), runFolder: runFolder)
                artifacts[port] = artifact
                extra += recomputed
            }
            let output = work.appendingPathComponent("output")
            let checkpoints = store.scratchFolder(for: key)
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
            let stageContext = StageContext(
                stageID: id, key: key, outputFolder: output, checkpointFolder: checkpoints,
                manifestFolder: pipeline.folder, scratchFolder: work.appendingPathComponent("scratch"),
                reporter: reporter)
            context = stageContext
            try await stage.prepared.run(StageInputs(artifacts), stageContext)
            try Task.checkCancellation()
            let entry = try store.store(folder: output, key: key, type: stage.outputType.name, kind: kind)
            try publishExports(of: stage, from: output)
            try? FileManager.default.removeItem(at: checkpoints)
            return outcome(
                .ran, digest: entry.digest.hex, note: forced ? "forced" : nil, metrics: stageContext.metrics)
        } catch is CancellationError {
            return outcome(.failed, error: "interrupted (checkpoints kept; the next run resumes)")
        } catch {
            return outcome(.failed, error: "\(error)")
        }
    }

    /// Unpacks a producer's artifact; if the cached copy is corrupt or gone, recomputes it first.
    private func materialize(
        _ source: String, into folder: URL, runFolder: URL
    ) async throws -> (Artifact, [StageOutcome]) {
        guard let producer = pipeline.stage(source), let key = plan.keys[source] else {
            throw StageError.failed("unknown input stage \(source)")
        }
        var recomputed: [StageOutcome] = []
        let entry: ArtifactEntry
        do {
            entry = try store.unpack(key: key, into: folder)
        } catch let error as CacheError {
            switch error {
            case .corrupt, .missing:
                reporter.message(stage: source, "\(error); recomputing")
                recomputed = await compute(source, forced: true, runFolder: runFolder)
                if let failure = recomputed.first(where: { $0.id == source && $0.status != .ran }) {
                    throw StageError.failed(
                        "input \"\(source)\" had to be recomputed and that failed: \(failure.error ?? "unknown error")")
                }
                recomputed = recomputed.map {
                    var o = $0; if o.id == source { o.note = "recomputed: \(error)" }; return o
                }
                entry = try store.unpack(key: key, into: folder)
            default:
                throw error
            }
        }
        let artifact = Artifact(
            type: ArtifactType(entry.type), folder: folder, key: key, digest: entry.digest, producer: producer.id)
        return (artifact, recomputed)
    }

    // MARK: Exports

    private func publishExports(of stage: Pipeline.Stage, from output: URL) throws {
        for export in stage.prepared.exports {
            let source = output.appendingPathComponent(export.file)
            if export.isFolder {
                try publishFolder(source, to: export.destination, stage: stage.id, declared: export.file)
                continue
            }
            guard let handle = FileHandle(forReadingAtPath: source.path) else {
                throw StageError.failed("stage \(stage.id) declared export \(export.file) but did not write it")
            }
            defer { try? handle.close() }
            try AtomicFile.write(to: export.destination) { out in
                while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
                    try out.write(contentsOf: chunk)
                }
            }
        }
    }

    /// Copies a folder beside its destination, then swaps it in, so readers never see half of it.
    private func publishFolder(_ source: URL, to destination: URL, stage: String, declared: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw StageError.failed("stage \(stage) declared export folder \(declared) but did not write it")
        }
        let parent = destination.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(
            ".\(destination.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: staging)
            // A folder cannot be renamed over a folder: the old one steps aside first, then goes.
            if FileManager.default.fileExists(atPath: destination.path) {
                let old = parent.appendingPathComponent(
                    ".\(destination.lastPathComponent).\(UUID().uuidString.prefix(8)).old")
                try FileManager.default.moveItem(at: destination, to: old)
                try FileManager.default.moveItem(at: staging, to: destination)
                try? FileManager.default.removeItem(at: old)
            } else {
                try FileManager.default.moveItem(at: staging, to: destination)
            }
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw StageError.failed("cannot publish \(destination.path): \(error.localizedDescription)")
        }
    }

    /// A cached stage whose published files were deleted gets them back from the cache.
    func restoreExports(of stage: Pipeline.Stage, key: String, runFolder: URL) {
        let missing = stage.prepared.exports.filter { !FileManager.default.fileExists(atPath: $0.destination.path) }
        guard !missing.isEmpty else { return }
        let folder = runFolder.appendingPathComponent("restore-\(stage.id)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try store.unpack(key: key, into: folder)
            try publishExports(of: stage, from: folder)
            reporter.message(
                stage: stage.id,
                "restored \(missing.map(\.destination.lastPathComponent).joined(separator: ", ")) from the cache")
        } catch {
            reporter.message(stage: stage.id, "could not restore exported files: \(error)")
        }
    }
}
