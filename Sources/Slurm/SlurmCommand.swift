import Foundation

/// Runs one Slurm client command (sbatch, squeue, scontrol, scancel) with its arguments as an
/// argument vector: no shell sees them, so no name or path can become a command.
public struct SlurmCommand: Sendable {
    public let tool: String
    public let arguments: [String]

    public init(_ tool: String, _ arguments: [String]) {
        self.tool = tool
        self.arguments = arguments
    }

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs the command and returns what it printed, whatever its exit status.
    public func run() throws -> Output {
        guard let executable = Self.locate(tool) else { throw SlurmError.commandMissing(tool) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SlurmError.failed(command: tool, status: -1, message: error.localizedDescription)
        }
        // Both pipes are drained before waiting, so a chatty command cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the command and returns its standard output; a non-zero exit status throws.
    public func output() throws -> String {
        let result = try run()
        guard result.status == 0 else {
            throw SlurmError.failed(command: tool, status: result.status, message: result.stderr)
        }
        return result.stdout
    }

    /// The tool's path: found on PATH, like a shell would, without starting one.
    static func locate(_ tool: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(tool)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
