import Foundation

/// The cluster jobs `pipe run --executor slurm` submitted for each stage of one manifest, kept beside
/// its run records so `pipe status` can show a job's id, state and log after the submitter is gone.
public struct SubmittedJobs: Sendable {
    public struct Job: Codable, Sendable, Equatable {
        /// The scheduler's job id.
        public var id: String
        /// The stage's cache key when it was submitted: a job for another key is history.
        public var key: String
        /// The job's standard output and error.
        public var log: String
        public var submitted: Date

        public init(id: String, key: String, log: String, submitted: Date) {
            self.id = id
            self.key = key
            self.log = log
            self.submitted = submitted
        }
    }

    let url: URL

    public init(store: ArtifactStore, manifest: URL) {
        let id = Digest.of(manifest.standardizedFileURL.path).short
        url = store.runsFolder.appendingPathComponent(
            "\(manifest.deletingPathExtension().lastPathComponent)-\(id).jobs.json")
    }

    public func load() -> [String: Job] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode([String: Job].self, from: data)) ?? [:]
    }

    /// Submission folders under `store.jobsFolder` that hold no recorded job's log: every stage they
    /// ran for has been submitted again since (or their records are gone). `pipe cache gc` removes them.
    public static func supersededFolders(in store: ArtifactStore) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: store.jobsFolder.path)) ?? []
        let records = (try? FileManager.default.contentsOfDirectory(atPath: store.runsFolder.path)) ?? []
        var referenced = Set<String>()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for record in records where record.hasSuffix(".jobs.json") {
            let url = store.runsFolder.appendingPathComponent(record)
            guard let data = FileManager.default.contents(atPath: url.path),
                let jobs = try? decoder.decode([String: Job].self, from: data)
            else { continue }
            for job in jobs.values {
                referenced.insert(URL(fileURLWithPath: job.log).deletingLastPathComponent().lastPathComponent)
            }
        }
        return names.sorted().filter { !referenced.contains($0) }.map { store.jobsFolder.appendingPathComponent($0) }
    }

    /// Records the latest job of each stage; merges with what is on disk.
    public func record(_ jobs: [String: Job]) throws {
        guard !jobs.isEmpty else { return }
        let lock = try FileLock(url: url.appendingPathExtension("lock"))
        lock.lockBlocking(.exclusive)
        defer { lock.unlock() }
        let merged = load().merging(jobs) { _, new in new }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(merged), to: url)
    }
}
