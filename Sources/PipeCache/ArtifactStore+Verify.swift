import Foundation

/// What `verifyAll` found for one file of the key index.
public struct VerifyFinding: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// The entry is well-formed and its object unpacks to the recorded digest and size.
        case intact
        /// The entry or its object is proven wrong (see `reason`); `removed` says whether it was dropped.
        case corrupt
        /// Reading failed (permissions, I/O error), so nothing could be concluded and nothing was removed.
        case unchecked
    }

    /// The key, from the entry's file name.
    public var key: String
    /// The entry, when its file could be read and decoded.
    public var entry: ArtifactEntry?
    public var status: Status
    /// What was wrong, for `corrupt` and `unchecked`.
    public var reason: String?
    /// Whether a corrupt entry (and object) was removed.
    public var removed: Bool
}

extension ArtifactStore {
    /// Checks every file of the key index and every object an entry names, writing nothing but the
    /// removal of what is proven wrong: an entry file that is empty, not an entry, filed under
    /// another key, or that disagrees with its object; an object whose bytes do not unpack to its
    /// digest. Findings are in key order.
    public func verifyAll() -> [VerifyFinding] {
        var findings: [VerifyFinding] = []
        for file in indexFiles() {
            switch file {
            case let .unlistable(path, reason):
                findings.append(
                    VerifyFinding(
                        key: path, status: .unchecked, reason: "cannot list \(path): \(reason)", removed: false))
            case let .entry(url, key):
                findings.append(verifyEntry(at: url, key: key))
            }
        }
        return findings
    }

    private func verifyEntry(at url: URL, key: String) -> VerifyFinding {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            return VerifyFinding(
                key: key, status: .unchecked, reason: "cannot read \(url.path): \(CacheError.reason(error))",
                removed: false)
        }
        func bad(_ reason: String) -> VerifyFinding {
            let removed = removeFile(url)
            return VerifyFinding(key: key, status: .corrupt, reason: "entry \(url.path) \(reason)", removed: removed)
        }
        guard !data.isEmpty else { return bad("is empty") }
        guard let entry = try? Self.decoder.decode(ArtifactEntry.self, from: data) else {
            return bad("is not a cache entry")
        }
        guard url.deletingLastPathComponent().lastPathComponent == String(key.prefix(2)) else {
            return bad("is filed in the wrong folder")
        }
        do {
            try check(entry, storedAs: key, unpackingInto: nil)
            return VerifyFinding(key: key, entry: entry, status: .intact, removed: false)
        } catch let CacheError.corrupt(_, reason, removed) {
            return VerifyFinding(key: key, entry: entry, status: .corrupt, reason: reason, removed: removed)
        } catch {
            return VerifyFinding(key: key, entry: entry, status: .unchecked, reason: "\(error)", removed: false)
        }
    }

    enum IndexFile {
        case entry(URL, key: String)
        case unlistable(String, reason: String)
    }

    /// The `keys/<ab>/<key>.json` files, sorted by key; folders that cannot be listed are reported.
    func indexFiles() -> [IndexFile] {
        let keys = root.appendingPathComponent("keys")
        var out: [IndexFile] = []
        let folders: [String]
        do { folders = try FileManager.default.contentsOfDirectory(atPath: keys.path) } catch {
            return [.unlistable(keys.path, reason: CacheError.reason(error))]
        }
        var entries: [(key: String, url: URL)] = []
        for folder in folders.sorted() where !folder.hasPrefix(".") {
            let url = keys.appendingPathComponent(folder)
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: url.path) } catch {
                out.append(.unlistable(url.path, reason: CacheError.reason(error)))
                continue
            }
            // Hidden names are AtomicFile temporaries of a write in progress.
            for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
                entries.append((String(name.dropLast(5)), url.appendingPathComponent(name)))
            }
        }
        return out + entries.sorted { $0.key < $1.key }.map { .entry($0.url, key: $0.key) }
    }
}
