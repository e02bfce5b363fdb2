import ArgumentParser
import Dispatch
import Foundation
import JSON
import PipeCache
import PipeCore

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: compute what is stale, reuse what is cached.",
        discussion: "Exits 0 when every stage ran or was cached, 1 when a stage failed, 64 on a manifest error."
    )

    @OptionGroup var manifest: ManifestOptions

    @Option(name: .long, help: "Recompute this stage even if it is cached (repeatable).")
    var force: [String] = []

    @Option(name: .long, help: "Recompute this stage and everything downstream of it.")
    var from: String?

    @Option(name: .long, help: "Run only this stage and what it needs.")
    var until: String?

    @Flag(name: .long, help: "Print the plan (what would run and why) and run nothing.")
    var dryRun = false

    @Option(name: .long, help: "How many independent stages may run at once.")
    var jobs: Int = 2

    @Flag(name: .long, help: "Print the result as one JSON object on standard output.")
    var json = false

    @Flag(name: .long, help: "No progress output.")
    var quiet = false

    @Option(
        name: .long,
        help: "Where stages run: local, or slurm (each stale stage a Slurm job; overrides the manifest's executor).")
    var executor: ExecutorSettings.Kind?

    @Option(name: .long, help: "Slurm partition for the jobs (overrides the manifest's executor.partition).")
    var partition: String?

    @Option(name: .long, help: "Slurm account for the jobs (overrides the manifest's executor.account).")
    var account: String?

    @Flag(name: .long, help: "With --executor slurm: return once the jobs are submitted (`pipe status` follows them).")
    var detach = false

    @Flag(name: .long, help: "Do not write the HTML report (`pipe report`) at the end.")
    var noReport = false

    /// `--json`'s output: the run's outcomes and the report's path.
    struct Result: Encodable {
        var stages: [StageOutcome]
        var interrupted: Bool
        var report: String?
    }

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if detach && executor == .local { throw ValidationError("--detach needs --executor slurm") }
    }

    func run() async throws {
        let (pipeline, store, plan) = try manifest.plan()
        for id in force { try checkStage(id, in: pipeline, option: "--force") }
        try checkStage(from, in: pipeline, option: "--from")
        try checkStage(until, in: pipeline, option: "--until")
        let options = RunOptions(force: Set(force), from: from, until: until, jobs: jobs)

        let reporter: any ProgressReporter
        if quiet {
            reporter = SilentReporter()
        } else if isatty(STDERR_FILENO) != 0 && !json {
            reporter = TerminalReporter()
        } else {
            reporter = LineReporter()
        }
        var settings = pipeline.executor
        if let executor { settings.kind = executor }
        if let partition { settings.partition = partition }
        if let account { settings.account = account }
        if settings.kind == .slurm && !dryRun {
            try await runOnSlurm(pipeline, store, plan, settings: settings, options: options, reporter: reporter)
            return
        }
        if detach {
            printError("--detach needs --executor slurm (or the manifest's executor kind slurm)")
            throw ExitCodes.usage
        }
        let executor = Executor(pipeline: pipeline, plan: plan, store: store, reporter: reporter)

        if dryRun {
            let actions = executor.dryRun(options)
            if json {
                try printJSON(["stages": actions])
            } else {
                for action in actions {
                    let why = action.reasons.isEmpty ? "" : " (\(action.reasons.joined(separator: ", ")))"
                    print("\(action.action == "run" ? "would run" : "cached   ") \(action.id) [\(action.kind)]\(why)")
                }
            }
            return
        }

        // Runs share the store; `pipe cache gc` takes it exclusively.
        let storeLock = try FileLock(url: store.storeLockURL)
        try await storeLock.lock(.shared) {
            printError("waiting for `pipe cache gc` to finish with \(store.root.path)")
        }
        defer { storeLock.unlock() }

        let known = RunRecords(store: store, manifest: pipeline.url).load()
        let started = Date()
        // The handler is in place before any stage starts: a Ctrl-C at any moment cancels cleanly.
        let canceller = Canceller()
        let interrupt = InterruptHandler { canceller.cancel() }
        let task = Task { await executor.run(options) }
        canceller.attach(task)
        let report = await task.value
        interrupt.stop()
        try finish(report, started: started, pipeline: pipeline, store: store, plan: plan, known: known)
    }

    /// Prints the run's outcome and the report's path (writing the report when the run changed
    /// something); throws the exit code of a failed or interrupted run.
    func finish(
        _ report: RunReport, started: Date, pipeline: Pipeline, store: ArtifactStore, plan: Plan,
        known: [String: RunRecords.Stage]
    ) throws {
        let written =
            noReport ? nil : writeReport(of: report, pipeline: pipeline, store: store, plan: plan, known: known)
        if json {
            try printJSON(Result(stages: report.stages, interrupted: report.interrupted, report: written?.path))
        } else {
            printSummary(report, seconds: Date().timeIntervalSince(started))
            if let written { print("report: \(written.path)") }
        }
        if report.interrupted { throw ExitCodes.interrupted }
        if report.failed { throw ExitCodes.failedRun }
    }

    private func printSummary(_ report: RunReport, seconds: Double) {
        let ran = report.stages.filter { $0.status == .ran }.count
        let cached = report.stages.filter { $0.status == .cached }.count
        let failed = report.stages.filter { $0.status == .failed }.count
        let skipped = report.stages.filter { $0.status == .skipped }.count
        print("")
        for stage in report.stages {
            let time =
                stage.status == .ran || stage.status == .failed ? String(format: "%8.2fs", stage.seconds) : "         "
            var line =
                "  \(stage.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                + "\(time)  \(stage.id) [\(stage.kind)]"
            if let error = stage.error { line += ": \(error)" }
            print(line)
        }
        var parts = ["\(ran) ran", "\(cached) cached"]
        if failed > 0 { parts.append("\(failed) failed") }
        if skipped > 0 { parts.append("\(skipped) skipped") }
        print(String(format: "%@ in %.2fs", parts.joined(separator: ", "), seconds))
    }
}

/// Cancels a task, also when asked before the task is attached.
final class Canceller: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<RunReport, Never>?
    private var cancelled = false

    func attach(_ task: Task<RunReport, Never>) {
        let cancelNow = lock.withLock {
            self.task = task
            return cancelled
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = lock.withLock {
            cancelled = true
            return self.task
        }
        task?.cancel()
    }
}

/// Turns the first Ctrl-C into a clean cancellation (running stages stop at their next check,
/// nothing half-written becomes visible); a second Ctrl-C exits at once.
/// `signals` beyond SIGINT (a cluster job also stops on SIGTERM) are handled the same way.
final class InterruptHandler: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]
    private let signals: [Int32]
    private let lock = NSLock()
    private var count = 0

    init(signals: [Int32] = [SIGINT], _ onInterrupt: @escaping @Sendable () -> Void) {
        self.signals = signals
        var sources: [DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            sources.append(DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue.global()))
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [unowned self] in
                let count = lock.withLock { self.count += 1; return self.count }
                if count == 1 {
                    printError("\ninterrupted: stopping running stages (Ctrl-C again to quit at once)")
                    onInterrupt()
                } else {
                    exit(130)
                }
            }
            source.resume()
        }
    }

    func stop() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
