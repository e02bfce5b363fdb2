import Foundation

/// A small tmpfs mounted for one test, to meet a full or read-only disk for real. Needs root in a
/// sandbox that allows mount(2); tests that use it are skipped where it is not.
public final class Tmpfs {
    public let folder: URL

    /// Whether this machine lets the tests mount one.
    public static let isAvailable: Bool = {
        guard getuid() == 0, let probe = try? Tmpfs(kilobytes: 64) else { return false }
        probe.unmount()
        return true
    }()

    public init(kilobytes: Int) throws {
        folder = try makeTemporaryFolder("tmpfs")
        try Self.mount(["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", folder.path])
    }

    /// Makes the file system read-only (what a read-only `.pipe` mount looks like).
    public func remountReadOnly() throws {
        try Self.mount(["-o", "remount,ro", folder.path])
    }

    /// Writes a file that takes every byte left.
    public func fill() {
        let fd = open(folder.appendingPathComponent("filler").path, O_WRONLY | O_CREAT, 0o644)
        defer { close(fd) }
        let page = [UInt8](repeating: 0xA5, count: 4096)
        while page.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    public func unfill() {
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("filler"))
    }

    public func unmount() {
        _ = try? Self.run("/bin/umount", [folder.path])
        try? FileManager.default.removeItem(at: folder)
    }

    private static func mount(_ arguments: [String]) throws {
        try run("/bin/mount", arguments)
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteNoPermission) }
    }
}
