import Foundation

/// How the ranks of a data-parallel training start: `mpirun -n N` on this machine, or
/// `srun --mpi=pmix -n N` inside a Slurm job (`SLURM_JOB_ID` set), each rank running
/// `pipe train-rank REQUEST`. Arguments are an argv, never a shell string.
public struct RankLaunch: Sendable {
    public var processes: Int
    public var executable: URL
    public var requestFile: URL
    public var environment: [String: String]
    public var isRoot: Bool
    /// The cores of this machine.
    public var cores: Int

    public init(
        processes: Int, executable: URL, requestFile: URL, environment: [String: String], isRoot: Bool, cores: Int
    ) {
        self.processes = processes
        self.executable = executable
        self.requestFile = requestFile
        self.environment = environment
        self.isRoot = isRoot
        self.cores = cores
    }

    /// The running `pipe` binary (ranks run the same one; on a cluster its path must exist on every node).
    public static var currentExecutable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }

    public var underSlurm: Bool { environment["SLURM_JOB_ID"] != nil }

    /// Threads of each rank: `PIPE_THREADS` if the user set it, else the rank's share of the cores
    /// (Slurm's cpus per task inside a job).
    public var threadsPerRank: Int {
        if let set = environment["PIPE_THREADS"].flatMap(Int.init), set > 0 { return set }
        if underSlurm, let perTask = environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init), perTask > 0 {
            return perTask
        }
        return max(1, cores / max(1, processes))
    }

    /// The launcher's name, as looked up on PATH.
    public var launcher: String { underSlurm ? "srun" : "mpirun" }

    /// The launcher's command line: the launcher's name, then its arguments.
    public var argv: [String] {
        let rank = [executable.path, "train-rank", requestFile.path]
        if underSlurm {
            // Open MPI under Slurm talks PMIx; a rank that dies ends the step.
            return ["srun", "--mpi=pmix", "-n", String(processes), "--kill-on-bad-exit=1"] + rank
        }
        var args = ["mpirun", "-n", String(processes), "--oversubscribe", "--bind-to", "none"]
        if isRoot { args.append("--allow-run-as-root") }
        for name in ["OPENBLAS_NUM_THREADS", "PIPE_THREADS"] { args += ["-x", name] }
        return args + rank
    }

    /// The ranks' environment: threads set for each (OpenBLAS reads its own variable).
    public var rankEnvironment: [String: String] {
        var env = environment
        env["PIPE_THREADS"] = String(threadsPerRank)
        env["OPENBLAS_NUM_THREADS"] = String(threadsPerRank)
        if isRoot {
            env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        }
        return env
    }

    /// The launcher's path on PATH, or nil.
    func findLauncher() -> URL? {
        let paths = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return paths.map { URL(fileURLWithPath: String($0)).appendingPathComponent(launcher) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Starts the ranks and waits for them, handing every line of their standard output to `line`.
    /// Cancelling the task terminates the launcher, which ends the ranks; their last checkpoint stays.
    func run(line: @escaping @Sendable (String) -> Void) async throws {
        guard let path = findLauncher() else { throw RankLaunchError.launcherMissing(launcher) }
        let process = Process()
        process.executableURL = path
        process.arguments = Array(argv.dropFirst())
        process.environment = rankEnvironment
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let errors = ErrorTail()
        try Self.startWithSignalsUnblocked(process)
        let running = RunningProcess(process)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let group = DispatchGroup()
                group.enter()
                DispatchQueue.global().async {
                    Self.readLines(out.fileHandleForReading, line)
                    group.leave()
                }
                group.enter()
                DispatchQueue.global().async {
                    Self.readLines(err.fileHandleForReading) { errors.append($0) }
                    group.leave()
                }
                DispatchQueue.global().async {
                    group.wait()
                    running.process.waitUntilExit()
                    done.resume()
                }
            }
        } onCancel: {
            running.process.terminate()  // SIGTERM: mpirun and srun pass it on to the ranks
        }
        try Task.checkCancellation()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw RankLaunchError.ranksFailed(launcher: launcher, status: process.terminationStatus, log: errors.text)
        }
    }

    /// Starts `process` from a thread that blocks no signal: a child inherits its parent thread's signal
    /// mask, and the threads of Swift's concurrency pool block SIGTERM, which would leave the launcher
    /// deaf to the termination that cancelling sends it.
    private static func startWithSignalsUnblocked(_ process: Process) throws {
        let started = StartResult()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            started.set(Result { try process.run() })
            done.signal()
        }
        thread.start()
        done.wait()
        try started.get()
    }

    private static func readLines(_ handle: FileHandle, _ line: (String) -> Void) {
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                line(String(decoding: pending[pending.startIndex..<end], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...end)
            }
        }
        if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
    }
}

/// The launcher process, shared with the cancellation handler.
private final class RunningProcess: @unchecked Sendable {
    let process: Process
    init(_ process: Process) { self.process = process }
}

/// The last lines of the ranks' error output, for the failure message.
private final class ErrorTail: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.withLock {
            lines.append(line)
            if lines.count > 40 { lines.removeFirst() }
        }
    }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}

/// What starting the launcher gave, handed from its starting thread.
private final class StartResult: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Void, Error> = .success(())

    func set(_ result: Result<Void, Error>) { lock.withLock { self.result = result } }
    func get() throws { try lock.withLock { result }.get() }
}
