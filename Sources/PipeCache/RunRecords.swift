import Foundation
import JSON

/// What each stage of one manifest last ran with, so `pipe status` can say *why* a stage is stale.
/// Keyed by the manifest's absolute path; one small JSON file per manifest.
public struct RunRecords: Sendable {
    public struct Stage: Codable, Sendable, Equatable {
        public var key: String
        public var material: CacheKeyMaterial
        public var finished: Date
        public var seconds: Double
        /// What the stage measured while it ran (timings, throughput), which its artifact leaves out.
        public var metrics: JSONValue?
        /// What the stage said while it ran (a `command` stage: its program's output), latest lines.
        public var log: [String]?

        public init(
            key: String, material: CacheKeyMaterial, finished: Date, seconds: Double, metrics: JSONValue? = nil,
            log: [String]? = nil
        ) {
            self.key = key
            self.material = material
            self.finished = finished
            self.seconds = seconds
            self.metrics = metrics
            self.log = log
        }
    }

    /// A stage's last failure, kept until it next succeeds, so `pipe report` can say it failed and why.
    public struct Failure: Codable, Sendable, Equatable {
        public var key: String
        public var error: String
        public var finished: Date

        public init(key: String, error: String, finished: Date) {
            self.key = key
            self.error = error
            self.finished = finished
        }
    }

    let url: URL
    let failuresURL: URL

    public init(store: ArtifactStore, manifest: URL) {
        let id = Digest.of(manifest.standardizedFileURL.path).short
        let name = "\(manifest.deletingPathExtension().lastPathComponent)-\(id)"
        url = store.runsFolder.appendingPathComponent("\(name).json")
        failuresURL = store.runsFolder.appendingPathComponent("\(name).failures.json")
    }

    public func load() -> [String: Stage] { Self.read(url) }

    /// Stages whose last run failed (and have not succeeded since).
    public func failures() -> [String: Failure] { Self.read(failuresURL) }

    /// Records stages that finished; merges with what is on disk. Callers hold the store lock.
    public func record(_ stages: [String: Stage]) throws {
        guard !stages.isEmpty else { return }
        // Cluster jobs of one manifest finish side by side: the read-merge-write is serialized.
        let lock = try FileLock(url: url.appendingPathExtension("lock"))
        lock.lockBlocking(.exclusive)
        defer { lock.unlock() }
        try Self.write(load().merging(stages) { _, new in new }, to: url)
        let failed = failures()
        if !Set(failed.keys).isDisjoint(with: stages.keys) {
            try Self.write(failed.filter { stages[$0.key] == nil }, to: failuresURL)
        }
    }

    /// Records a stage that failed. Callers hold the store lock.
    public func recordFailure(_ id: String, _ failure: Failure) throws {
        let lock = try FileLock(url: url.appendingPathExtension("lock"))
        lock.lockBlocking(.exclusive)
        defer { lock.unlock() }
        var failed = failures()
        failed[id] = failure
        try Self.write(failed, to: failuresURL)
    }

    private static func read<T: Decodable>(_ url: URL) -> [String: T] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode([String: T].self, from: data)) ?? [:]
    }

    private static func write<T: Encodable>(_ value: [String: T], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(value), to: url)
    }
}
