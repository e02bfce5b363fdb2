import Foundation
import PipeCore

/// What a program launched by a `command` stage sees besides its arguments: only what the cache
/// key can answer for, plus the few variables programs cannot start without.
enum ProgramEnvironment {
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// pipe's own PATH (not part of the cache key: it decides where programs are, not what they do).
    static var inheritedPath: String { ProcessInfo.processInfo.environment["PATH"] ?? defaultPath }

    /// PATH and HOME from pipe's environment, and TMPDIR pointing at a private empty folder.
    static func base(temporary: URL) -> [String: String] {
        var environment = ["PATH": inheritedPath, "TMPDIR": temporary.path]
        if let home = ProcessInfo.processInfo.environment["HOME"] { environment["HOME"] = home }
        return environment
    }

    /// The executable `run[0]` names: a path (relative to the manifest) when it contains '/', else
    /// the first match on `path`.
    static func executable(_ program: String, path: String, manifestFolder: URL) throws -> URL {
        if program.contains("/") {
            let url = resolvePath(program, in: manifestFolder)
            guard FileManager.default.isExecutableFile(atPath: url.path) else {
                throw CommandError.noProgram(program, searched: "\(url.path) is not an executable file")
            }
            return url
        }
        guard let found = find(program, onPath: path) else {
            throw CommandError.noProgram(program, searched: "not on PATH: \(path)")
        }
        return found
    }

    static func find(_ program: String, onPath path: String) -> URL? {
        guard !program.isEmpty else { return nil }
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(program)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isFolder), !isFolder.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
        }
        return nil
    }

    /// An argument as a POSIX shell would need it quoted, for the line that shows the command.
    static func quoted(_ argument: String) -> String {
        let plain = argument.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "-_./=:,+@%".unicodeScalars.contains($0)
        }
        if plain && !argument.isEmpty { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}

/// Input folders made read-only while the program runs (and writable again for their removal).
enum ReadOnlyFolders {
    static func set(_ folders: [URL], readOnly: Bool) {
        for folder in folders {
            var items = [folder]
            if let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) {
                for case let url as URL in walker { items.append(url) }
            }
            for item in items {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: item.path, isDirectory: &isFolder) else { continue }
                let mode: Int16 = isFolder.boolValue ? (readOnly ? 0o555 : 0o755) : (readOnly ? 0o444 : 0o644)
                try? FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: item.path)
            }
        }
    }
}
