/// What can go wrong in the artifact store.
public enum CacheError: Error, CustomStringConvertible, Equatable {
    /// A file could not be read.
    case unreadable(String, reason: String)
    /// A file could not be written (disk full, permissions).
    case unwritable(String, reason: String)
    /// A stored artifact's bytes do not hash to its recorded digest.
    case corrupt(key: String, reason: String)
    /// No artifact is stored under this key.
    case missing(key: String)
    /// zstd reported an error.
    case compression(String)
    /// The artifact archive format was not as expected.
    case badArchive(String)
    /// The cache lock could not be taken.
    case lock(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .unwritable(path, reason): return "cannot write \(path): \(reason)"
        case let .corrupt(key, reason): return "cached artifact \(key.prefix(12)) is corrupt (\(reason)); it was removed and will be recomputed"
        case let .missing(key): return "no cached artifact for key \(key.prefix(12))"
        case let .compression(message): return "zstd: \(message)"
        case let .badArchive(message): return "artifact archive: \(message)"
        case let .lock(message): return "cache lock: \(message)"
        }
    }
}
