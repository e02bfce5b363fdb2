import Foundation

/// What can go wrong in the artifact store.
public enum CacheError: Error, CustomStringConvertible, Equatable {
    /// A file could not be read (permissions, an I/O error); says nothing about its content.
    case unreadable(String, reason: String)
    /// A file could not be written (disk full, read-only, permissions).
    case unwritable(String, reason: String)
    /// A stored artifact's own bytes are wrong (digest mismatch, malformed archive, bad zstd frame),
    /// or its entry does not describe its object. `removed` says whether the store dropped it.
    case corrupt(key: String, reason: String, removed: Bool)
    /// A stored artifact could not be unpacked or checked because reading or writing failed;
    /// nothing was removed.
    indirect case inaccessible(key: String, cause: CacheError)
    /// No artifact is stored under this key.
    case missing(key: String)
    /// zstd could not compress, or could not set up.
    case compression(String)
    /// A zstd frame in a stored object is damaged or cut short.
    case badFrame(String)
    /// The artifact archive format was not as expected.
    case badArchive(String)
    /// The cache lock could not be taken.
    case lock(String)

    /// Whether this error proves stored bytes wrong, as opposed to a failure to read or write them.
    public var provesDamage: Bool {
        switch self {
        case .badArchive, .badFrame: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .unwritable(path, reason): return "cannot write \(path): \(reason)"
        case let .corrupt(key, reason, removed):
            return removed
                ? "cached artifact \(key.prefix(12)) is corrupt (\(reason)); it was removed and will be recomputed"
                : "cached artifact \(key.prefix(12)) is corrupt (\(reason)); "
                    + "removing it failed too, so remove it by hand"
        case let .inaccessible(key, cause):
            return "cannot unpack or check cached artifact \(key.prefix(12)): \(cause); "
                + "nothing was removed (free space or fix permissions, then retry)"
        case let .missing(key): return "no cached artifact for key \(key.prefix(12))"
        case let .compression(message): return "zstd: \(message)"
        case let .badFrame(message): return "damaged zstd data: \(message)"
        case let .badArchive(message): return "artifact archive: \(message)"
        case let .lock(message): return "cache lock: \(message)"
        }
    }

    /// The operating system's reason behind a Foundation file error ("No space left on device"),
    /// rather than Foundation's wrapper text.
    static func reason(_ error: Error) -> String {
        if let cacheError = error as? CacheError { return cacheError.description }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        // Foundation on Linux turns some errno values into Cocoa codes without keeping the errno.
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
            case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
            case .fileWriteNoPermission, .fileReadNoPermission: return String(cString: strerror(EACCES))
            case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
            default: break
            }
        }
        return ns.localizedDescription
    }
}
