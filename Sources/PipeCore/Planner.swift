import Foundation
import JSON
import PipeCache

/// Every stage's cache key, computed in dependency order (Merkle: a key covers its inputs' keys).
public struct Plan: Sendable {
    public let materials: [String: CacheKeyMaterial]
    public let keys: [String: String]

    /// Hashes each stage's kind, version, params, input keys and external file contents. A missing
    /// external file is a manifest problem, reported at the param that names it.
    public init(_ pipeline: Pipeline, digests: FileDigests) throws {
        var materials: [String: CacheKeyMaterial] = [:]
        var keys: [String: String] = [:]
        var issues: [ManifestIssue] = []
        for id in pipeline.order {
            guard let stage = pipeline.stage(id) else { continue }
            var files: [String: String] = [:]
            for file in stage.prepared.externalFiles {
                do {
                    files[file.name] = try digests.digest(of: file.url).hex
                } catch {
                    let path = JSONPath(
                        JSONPath.root.key("stages").key(id).key("params").components + file.param.components)
                    let reason =
                        FileManager.default.fileExists(atPath: file.url.path)
                        ? "\(error)" : "no such file: \(file.url.path)"
                    issues.append(ManifestIssue(path, reason))
                }
            }
            let inputs = stage.inputs.compactMapValues { keys[$0] }
            let material = CacheKeyMaterial(
                kind: stage.kind.kind, version: stage.kind.version, params: stage.params, inputs: inputs, files: files)
            materials[id] = material
            keys[id] = material.key
        }
        digests.save()
        if !issues.isEmpty { throw ManifestError.invalid(path: pipeline.url.path, issues: issues) }
        self.materials = materials
        self.keys = keys
    }
}

/// Why a stage is not cached.
public enum StaleReason: String, Sendable, Codable, CaseIterable {
    case paramsChanged = "params changed"
    case inputChanged = "input changed"
    case fileChanged = "file changed"
    case implementationChanged = "implementation changed"
    case neverRun = "never run"
    case cacheEntryMissing = "cache entry missing"
}

/// A stage's state against the cache.
public enum StageState: Sendable, Equatable {
    case cached
    case stale([StaleReason])

    public var label: String {
        switch self {
        case .cached: return "cached"
        case .stale([.neverRun]): return "never run"
        case .stale: return "stale"
        }
    }
}

extension Plan {
    /// Cached, or stale with the reasons, compared with what the stage last ran with.
    public func state(of id: String, store: ArtifactStore, records: [String: RunRecords.Stage]) -> StageState {
        guard let key = keys[id], let material = materials[id] else { return .stale([.neverRun]) }
        if store.contains(key) { return .cached }
        guard let last = records[id] else { return .stale([.neverRun]) }
        var reasons: [StaleReason] = []
        if last.material.kind != material.kind || last.material.version != material.version {
            reasons.append(.implementationChanged)
        }
        if last.material.params != material.params { reasons.append(.paramsChanged) }
        if last.material.inputs != material.inputs { reasons.append(.inputChanged) }
        if last.material.files != material.files { reasons.append(.fileChanged) }
        return .stale(reasons.isEmpty ? [.cacheEntryMissing] : reasons)
    }
}
