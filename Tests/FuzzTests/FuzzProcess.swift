import Foundation
import TestSupport

/// Runs the built `pipe` binary on one fuzz case and kills it when it outlives a generous limit
/// (a hang, not a slow run: cases are tiny). Locates the binary as the end-to-end tests do.
enum FuzzProcess {
    struct Result {
        var status: Int32
        var signaled: Bool
        var hung: Bool
        var output: String
    }

    /// Seconds before a case counts as hung; `PIPE_FUZZ_HANG_SECONDS` overrides.
    static let hangSeconds = ProcessInfo.processInfo.environment["PIPE_FUZZ_HANG_SECONDS"].flatMap(Double.init) ?? 30

    /// The `pipe` built beside the test bundle.
    static let binary = TestPaths.pipeBinary

    private static let launching = NSLock()

    static func run(_ arguments: [String], in folder: URL) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        // Foundation's Process.run is not safe to call from several threads at once on Linux
        // (it crashed copying the environment): one start at a time.
        try launching.withLock { try process.run() }

        let reading = DispatchGroup()
        nonisolated(unsafe) var stdout = Data(), stderr = Data()
        reading.enter()
        DispatchQueue.global().async { stdout = out.fileHandleForReading.readDataToEndOfFile(); reading.leave() }
        reading.enter()
        DispatchQueue.global().async { stderr = err.fileHandleForReading.readDataToEndOfFile(); reading.leave() }

        var hung = false
        if exited.wait(timeout: .now() + hangSeconds) == .timedOut {
            hung = true
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
        reading.wait()
        let text = String(decoding: stderr, as: UTF8.self) + "\n" + String(decoding: stdout, as: UTF8.self)
        let signaled = !hung && process.terminationReason == .uncaughtSignal
        return Result(status: process.terminationStatus, signaled: signaled,
                      hung: hung, output: text)
    }
}
