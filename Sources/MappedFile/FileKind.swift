// What a path names, found with stat(2) before anything opens it: opening a FIFO blocks until a
// writer appears, and reading a device can block or never end.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The kind of file system object at a path (symbolic links followed).
public enum FileKind: Equatable, Sendable, CustomStringConvertible {
    case regularFile, folder, fifo, characterDevice, blockDevice, socket
    /// Nothing there, or stat failed: the system's reason.
    case unavailable(String)

    /// Stats `path` without opening it.
    public init(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            self = .unavailable(String(cString: strerror(errno)))
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: self = .regularFile
        case S_IFDIR: self = .folder
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        default: self = .socket
        }
    }

    public var description: String {
        switch self {
        case .regularFile: return "a regular file"
        case .folder: return "a folder"
        case .fifo: return "a FIFO (named pipe)"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case let .unavailable(reason): return reason
        }
    }
}
