import Foundation
import PipeCache
import Slurm

/// What a cluster job must do: run one stage of a manifest, for a key, after checking it sees the cache.
public struct StageJob: Sendable {
    public var manifest: URL
    public var stage: String
    public var key: String
    public var force: Bool
    /// A file the submitter wrote in the cache: a node that cannot see it does not share the cache.
    public var marker: URL
    /// Where the job appends its `ProgressEvent` lines.
    public var events: URL
}

/// Runs a pipeline's stale stages as Slurm jobs: each stage one `sbatch` job that runs `pipe
/// run-stage`, depending on its producers' jobs (`afterok`), the whole graph submitted at once.
/// Cached stages are not submitted. The cache must be on a filesystem every node sees.
public final class SlurmExecutor: Sendable {
    public let pipeline: Pipeline
    public let plan: Plan
    public let store: ArtifactStore
    public let settings: ExecutorSettings
    let reporter: any ProgressReporter
    let client: SlurmClient
    /// The job's command line (the pipe binary first): the CLI knows its own spelling.
    let command: @Sendable (StageJob) -> [String]

    public init(
        pipeline: Pipeline, plan: Plan, store: ArtifactStore, settings: ExecutorSettings,
        reporter: any ProgressReporter, client: SlurmClient = SlurmClient(),
        command: @escaping @Sendable (StageJob) -> [String]
    ) {
        self.pipeline = pipeline
        self.plan = plan
        self.store = store
        self.settings = settings
        self.reporter = reporter
        self.client = client
        self.command = command
    }

    /// A submitted stage.
    public struct Job: Sendable {
        public var stage: String
        public var kind: String
        public var key: String
        public var jobID: String
        public var log: URL
        public var events: URL
        /// Its producers that were submitted too (their jobs are its dependencies).
        public var producers: [String]
        /// Submitted by an earlier run (still queued or running) and followed, not submitted again.
        public var adopted = false
    }

    /// What one `submit` did: the jobs, and the stages found cached.
    public struct Submission: Sendable {
        public var jobs: [Job]
        public var cached: [StageOutcome]
    }

    /// Submits every stale stage of the run. Either all are submitted or, when sbatch refuses one,
    /// those already submitted are cancelled and the error is thrown. `announce` tells the reporter
    /// each job's id.
    public func submit(_ options: RunOptions, announce: Bool = true) throws -> Submission {
        let selected = options.selected(in: pipeline)
        let forced = options.forced(in: pipeline)
        guard BatchRequest.isUsableFilename(store.root.path) else {
            throw SlurmRunError.unusableCachePath(store.root.path)
        }
        var prepared: (folder: URL, marker: URL, script: URL)?

        var jobs: [Job] = []
        var cached: [StageOutcome] = []
        var jobOf: [String: String] = [:]
        let live = liveJobs()
        let restoreFolder = try store.makeTemporaryFolder("restore")
        defer { try? FileManager.default.removeItem(at: restoreFolder) }
        for (index, id) in pipeline.order.filter(selected.contains).enumerated() {
            guard let stage = pipeline.stage(id), let key = plan.keys[id] else { continue }
            if !forced.contains(id), let entry = store.entry(for: key) {
                restoreExports(of: stage, key: key, runFolder: restoreFolder)
                let outcome = StageOutcome(
                    id: id, kind: stage.kind.kind, status: .cached, key: key, digest: entry.digest.hex)
                cached.append(outcome)
                reporter.finished(outcome)
                continue
            }
            let producers = Array(Set(stage.inputs.values)).sorted().filter { jobOf[$0] != nil }
            if !forced.contains(id), let queued = live[id] {
                let log = URL(fileURLWithPath: queued.log)
                jobs.append(
                    Job(stage: id, kind: stage.kind.kind, key: key, jobID: queued.id, log: log,
                        events: log.deletingPathExtension().appendingPathExtension("events"), producers: producers,
                        adopted: true))
                jobOf[id] = queued.id
                if announce { reporter.message(stage: id, "already queued as Slurm job \(queued.id): following it") }
                continue
            }
            // Made for the first job only: a run with nothing to submit leaves no trace.
            let (folder, marker, script) = try prepared ?? prepareSubmissionFolder()
            prepared = (folder, marker, script)
            let name = String(format: "%02d-", index) + Self.fileSafe(id)
            let log = folder.appendingPathComponent("\(name).log")
            let events = folder.appendingPathComponent("\(name).events")
            let job = StageJob(
                manifest: pipeline.url, stage: id, key: key, force: forced.contains(id), marker: marker, events: events)
            var request = BatchRequest(
                name: id, script: script.path, scriptArguments: command(job), log: log.path,
                workingDirectory: pipeline.folder.path)
            request.afterOK = producers.compactMap { jobOf[$0] }
            request.partition = settings.partition
            request.account = settings.account
            request.tasks = stage.resources.tasks
            request.cpusPerTask = stage.resources.cpus
            request.memory = stage.resources.memory
            request.time = stage.resources.time
            request.nodes = stage.resources.nodes
            let jobID: String
            do {
                jobID = try client.submit(request)
            } catch {
                try? client.cancel(jobs.filter { !$0.adopted }.map(\.jobID))
                throw error
            }
            jobOf[id] = jobID
            jobs.append(
                Job(stage: id, kind: stage.kind.kind, key: key, jobID: jobID, log: log, events: events,
                    producers: producers))
            if announce { reporter.message(stage: id, "submitted as Slurm job \(jobID)") }
        }
        let now = Date()
        try SubmittedJobs(store: store, manifest: pipeline.url).record(
            Dictionary(uniqueKeysWithValues: jobs.filter { !$0.adopted }.map {
                ($0.stage, SubmittedJobs.Job(id: $0.jobID, key: $0.key, log: $0.log.path, submitted: now))
            }))
        return Submission(jobs: jobs, cached: cached)
    }

    /// Jobs an earlier run submitted for the stages' current keys that Slurm still has queued or
    /// running: a rerun follows them instead of submitting the same work twice.
    private func liveJobs() -> [String: SubmittedJobs.Job] {
        let recorded = SubmittedJobs(store: store, manifest: pipeline.url).load().filter {
            plan.keys[$0.key] == $0.value.key
        }
        guard !recorded.isEmpty, let queue = try? client.queue(recorded.values.map(\.id)) else { return [:] }
        return recorded.filter {
            guard let entry = queue[$0.value.id] else { return false }
            return !entry.state.isFinished && entry.reason != "DependencyNeverSatisfied"
        }
    }

    /// The submission's folder with the marker the jobs look for and the job script.
    private func prepareSubmissionFolder() throws -> (folder: URL, marker: URL, script: URL) {
        let folder = try makeSubmissionFolder()
        let marker = folder.appendingPathComponent("submitted")
        let script = folder.appendingPathComponent("run-stage.sh")
        do {
            try Data("pipe run --executor slurm from \(ProcessInfo.processInfo.hostName)\n".utf8).write(to: marker)
            // The job's arguments reach it as "$@": never read by a shell, so nothing in them runs.
            let text = "#!/bin/sh\n# One stage of a pipe manifest, as a Slurm job (see docs/cluster.md).\nexec \"$@\"\n"
            try Data(text.utf8).write(to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        } catch {
            throw CacheError.unwritable(folder.path, reason: error.localizedDescription)
        }
        return (folder, marker, script)
    }

    /// `jobs/<time>-<random>/` in the cache: the marker, the job script, each job's log and events.
    private func makeSubmissionFolder() throws -> URL {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let name = "\(formatter.string(from: Date()))-\(UUID().uuidString.prefix(8).lowercased())"
        let folder = store.jobsFolder.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CacheError.unwritable(folder.path, reason: error.localizedDescription)
        }
        return folder
    }

    /// A stage id as a file name: letters, digits, `.`, `_` and `-` kept, anything else `_`.
    static func fileSafe(_ id: String) -> String {
        String(id.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" }.prefix(60))
    }

    /// Republishes a cached stage's exports when they were deleted (as a local run does).
    private func restoreExports(of stage: Pipeline.Stage, key: String, runFolder: URL) {
        Executor(pipeline: pipeline, plan: plan, store: store, reporter: reporter)
            .restoreExports(of: stage, key: key, runFolder: runFolder)
    }
}
