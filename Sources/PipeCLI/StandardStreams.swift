import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Standard output and error written with write(2), where a failed write (a full disk, a closed
/// pipe) is remembered instead of trapping, as FileHandle's non-throwing `write` does, or being
/// lost in a stdio buffer. `pipe` exits with EX_IOERR (74) when anything it meant to print was lost.
public enum StandardStreams {
    static let ioError: Int32 = 74
    private static let lock = NSLock()
    nonisolated(unsafe) private static var failure: Int32?

    /// Writes text to standard output.
    static func writeOutput(_ text: String) { write(text, to: STDOUT_FILENO) }

    /// Writes text to standard error.
    public static func writeError(_ text: String) { write(text, to: STDERR_FILENO) }

    private static func write(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        lock.lock()
        defer { lock.unlock() }
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = failure ?? errno
                return
            }
            offset += written
        }
    }

    /// The exit code: EX_IOERR if any output was lost (said on standard error if it still takes it),
    /// else `code`; an interrupted run keeps 130.
    static func finish(_ code: Int32) -> Int32 {
        lock.lock()
        let lost = failure
        lock.unlock()
        guard let lost, code != 130 else { return code }
        writeError("pipe: output lost: \(String(cString: strerror(lost)))\n")
        return ioError
    }
}

/// Every `print` of the command line goes through `StandardStreams`, so a failed write is noticed.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    StandardStreams.writeOutput(items.map { "\($0)" }.joined(separator: separator) + terminator)
}
