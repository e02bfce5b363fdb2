import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory `flock` on a file: shared or exclusive, released on `unlock` or process exit
/// (so a `kill -9` never leaves a cache locked).
public final class FileLock: @unchecked Sendable {
    public enum Mode: Sendable { case shared, exclusive }

    private let fd: Int32
    public let url: URL

    public init(url: URL) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CacheError.lock("cannot open \(url.path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Takes the lock if it is free; returns false if someone else holds it.
    public func tryLock(_ mode: Mode) -> Bool {
        flock(fd, (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0
    }

    /// Waits for the lock, polling so that an async caller never blocks a thread; `onWait` is
    /// called once if the lock is busy, so the caller can say what it is waiting for.
    public func lock(_ mode: Mode, onWait: () -> Void = {}) async throws {
        if tryLock(mode) { return }
        onWait()
        while !tryLock(mode) {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// Blocking variant for synchronous callers.
    public func lockBlocking(_ mode: Mode) {
        flock(fd, mode == .shared ? LOCK_SH : LOCK_EX)
    }

    public func unlock() {
        flock(fd, LOCK_UN)
    }
}
