// What the machine has: memory available to this process, and what it holds.
//
// Linux: MemAvailable from /proc/meminfo (what can be allocated without swapping),
// capped by the cgroup's room (memory.max - memory.current, cgroup v2; v1's
// limit_in_bytes - usage_in_bytes) when one is set. Elsewhere: unknown (nil).

import Foundation

/// Memory of the machine and of this process, in bytes.
public enum SystemMemory {
    /// Bytes that can still be allocated without swapping or hitting the cgroup limit; nil when unknown.
    public static func available() -> Int? {
        let machine = meminfo("MemAvailable")
        let room = cgroupRoom()
        switch (machine, room) {
        case let (m?, r?): return min(m, r)
        case let (m, r): return m ?? r
        }
    }

    /// This process's resident bytes now (nil when unknown).
    public static func resident() -> Int? {
        guard let text = read("/proc/self/statm") else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The most this process has held resident since it started, or since `resetPeakResident`.
    public static func peakResident() -> Int {
        if let text = read("/proc/self/status") {
            for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let parts = line.split(separator: " ")
                if parts.count >= 2, let kilobytes = Int(parts[1]) { return kilobytes * 1024 }
            }
        }
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024  // kilobytes
        #else
        getrusage(RUSAGE_SELF, &usage)
        return usage.ru_maxrss  // bytes
        #endif
    }

    /// Starts `peakResident` over from what is resident now (Linux); false when it cannot.
    @discardableResult
    public static func resetPeakResident() -> Bool {
        guard let file = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? file.close() }
        return (try? file.write(contentsOf: Data("5".utf8))) != nil
    }

    /// A `/proc/meminfo` field ("MemAvailable:   21340000 kB") in bytes.
    static func meminfo(_ field: String) -> Int? {
        guard let text = read("/proc/meminfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let value = Int(parts[1]) else { return nil }
            return parts.count > 2 && parts[2] == "kB" ? value * 1024 : value
        }
        return nil
    }

    /// The cgroup limit minus its usage, when a limit is set.
    static func cgroupRoom() -> Int? {
        let v2 = (limit: "/sys/fs/cgroup/memory.max", usage: "/sys/fs/cgroup/memory.current")
        let v1 = (limit: "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                  usage: "/sys/fs/cgroup/memory/memory.usage_in_bytes")
        for files in [v2, v1] {
            // "max" (v2) or a huge number (v1) means no limit.
            guard let limit = read(files.limit).flatMap({ Int($0) }), limit < 1 << 60 else { continue }
            let usage = read(files.usage).flatMap { Int($0) } ?? 0
            return max(0, limit - usage)
        }
        return nil
    }

    private static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
