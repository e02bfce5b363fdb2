import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One launch of a program (no shell between), its output read line by line as it comes.
struct ProgramRun: Sendable {
    enum Stream: Sendable { case stdout, stderr }

    /// How the program ended, and the last lines it wrote to standard error.
    struct Ending: Sendable {
        var status: Int32
        var signalled: Bool
        var stderrTail: [String]
    }

    static let stderrTailLines = 20

    let executable: URL
    let arguments: [String]
    let environment: [String: String]
    let directory: URL
    /// Receives standard output instead of `onLine`, when given.
    var stdoutFile: URL? = nil

    /// Runs the program to its end. On cancellation it gets SIGTERM, then SIGKILL five seconds later,
    /// and this throws `CancellationError` once it is gone.
    func run(onLine: @escaping @Sendable (Stream, String) -> Void) async throws -> Ending {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        var outFile: FileHandle?
        if let stdoutFile {
            guard FileManager.default.createFile(atPath: stdoutFile.path, contents: nil),
                let handle = FileHandle(forWritingAtPath: stdoutFile.path)
            else { throw CommandError.badOutput("cannot create \(stdoutFile.path) for the program's standard output") }
            outFile = handle
        }
        defer { try? outFile?.close() }
        process.standardOutput = outFile ?? out
        process.standardError = err
        do { try Self.launchWithNoSignalsBlocked(process) } catch {
            throw CommandError.cannotLaunch(executable.path, reason: error.localizedDescription)
        }
        // The child holds its own copies: ours must close, or the reader never sees the end.
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
        let streams = outFile == nil ? [(out, Stream.stdout), (err, Stream.stderr)] : [(err, Stream.stderr)]
        let tail = LineTail(limit: Self.stderrTailLines)
        let ending: Ending = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    let readers = DispatchGroup()
                    for (pipe, stream) in streams {
                        readers.enter()
                        DispatchQueue.global().async {
                            Self.readLines(pipe.fileHandleForReading) { line in
                                if stream == .stderr { tail.append(line) }
                                onLine(stream, line)
                            }
                            readers.leave()
                        }
                    }
                    readers.wait()
                    process.waitUntilExit()
                    continuation.resume(
                        returning: Ending(
                            status: process.terminationStatus,
                            signalled: process.terminationReason == .uncaughtSignal, stderrTail: tail.lines))
                }
            }
        } onCancel: {
            Self.stop(process)
        }
        try Task.checkCancellation()
        return ending
    }

    /// Starts the process with an empty signal mask. A child inherits its spawning thread's mask, and
    /// the threads Swift concurrency runs on block nearly every signal: without this the program
    /// would ignore Ctrl-C and SIGTERM. The window in which this thread takes signals is the spawn
    /// itself, and pipe's own handlers (SIGINT) work on any thread.
    private static func launchWithNoSignalsBlocked(_ process: Process) throws {
        var none = sigset_t(), previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    /// SIGTERM now, SIGKILL if it is still running five seconds later.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }

    /// Calls `body` with each line (without its newline) until the end of the stream; a line longer
    /// than 64 KB comes in pieces, and bytes that are not UTF-8 are replaced.
    private static func readLines(_ handle: FileHandle, _ body: (String) -> Void) {
        var pending = Data()
        let longest = 64 << 10
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                body(Self.text(pending[pending.startIndex..<newline]))
                pending = Data(pending[pending.index(after: newline)...])
            }
            while pending.count > longest {
                body(Self.text(pending.prefix(longest)))
                pending = Data(pending.dropFirst(longest))
            }
        }
        if !pending.isEmpty { body(Self.text(pending)) }
    }

    private static func text(_ bytes: Data) -> String {
        var line = String(decoding: bytes, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }
}

/// The last lines of a stream, shared between the reading thread and the caller.
final class LineTail: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func append(_ line: String) {
        lock.withLock {
            kept.append(line)
            if kept.count > limit { kept.removeFirst(kept.count - limit) }
        }
    }

    var lines: [String] { lock.withLock { kept } }
}
