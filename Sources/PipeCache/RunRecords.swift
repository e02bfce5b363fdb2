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

        public init(key: String, material: CacheKeyMaterial, finished: Date, seconds: Double, metrics: JSONValue? = nil)
        {
            self.key = key
            self.material = material
            self.finished = finished
            self.seconds = seconds
            self.metrics = metrics
        }
    }

    let url: URL

    public init(store: ArtifactStore, manifest: URL) {
        let id = Digest.of(manifest.standardizedFileURL.path).short
        url = store.runsFolder.appendingPathComponent(
            "\(manifest.deletingPathExtension().lastPathComponent)-\(id).json")
    }

    public func load() -> [String: Stage] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode([String: Stage].self, from: data)) ?? [:]
    }

    /// Records stages that finished; merges with what is on disk. Callers hold the store lock.
    public func record(_ stages: [String: Stage]) throws {
        guard !stages.isEmpty else { return }
        // Cluster jobs of one manifest finish side by side: the read-merge-write is serialized.
        let lock = try FileLock(url: url.appendingPathExtension("lock"))
        lock.lockBlocking(.exclusive)
        defer { lock.unlock() }
        let merged = load().merging(stages) { _, new in new }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(merged), to: url)
    }
}
