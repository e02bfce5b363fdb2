import ArgumentParser
import Foundation
import PipeCache
import PipeCore

#if canImport(Glibc)
import Glibc
#endif

/// `pipe run-stage M STAGE`: one stage whose inputs are cached, as a Slurm job runs it.
struct RunStageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-stage",
        abstract: "Run one stage of a manifest whose inputs are already cached (what a Slurm job does).",
        discussion: """
            Refuses, running nothing, when an input is not cached. A cached stage is not recomputed \
            unless --force. Exits 0 when the stage ran or was cached, 1 when it failed or was refused, \
            130 when interrupted (SIGINT or SIGTERM, as Slurm sends at a time limit; checkpoints are kept).
            """
    )

    @Option(name: .long, help: "Refuse unless the stage's cache key is this one (the key it was submitted for).")
    var key: String?

    @Option(name: .long, help: "Refuse unless this file exists (written by the submitter into the shared cache).")
    var marker: String?

    @Option(name: .long, help: "Append the stage's progress to this file as JSON lines, for the submitter.")
    var events: String?

    @Flag(name: .long, help: "Recompute the stage even if it is cached.")
    var force = false

    @OptionGroup var manifest: ManifestOptions

    @Argument(help: "The stage id.")
    var stage: String

    func run() async throws {
        if let marker, !FileManager.default.fileExists(atPath: marker) {
            throw refuse(SlurmRunError.cacheNotShared(marker: marker, host: ProcessInfo.processInfo.hostName))
        }
        let (pipeline, store, plan) = try manifest.plan()
        var reporter: any ProgressReporter = LineReporter()
        if let events { reporter = ProgressEventWriter(url: URL(fileURLWithPath: events), next: reporter) }
        let executor = Executor(pipeline: pipeline, plan: plan, store: store, reporter: reporter)

        let storeLock = try FileLock(url: store.storeLockURL)
        try await storeLock.lock(.shared) {
            printError("waiting for `pipe cache gc` to finish with \(store.root.path)")
        }
        defer { storeLock.unlock() }

        let task = Task { try await executor.runStage(stage, force: force, expectedKey: key) }
        let interrupt = InterruptHandler(signals: [SIGINT, SIGTERM]) { task.cancel() }
        let result = await task.result
        interrupt.stop()
        switch result {
        case let .success(outcome):
            if task.isCancelled { throw ExitCodes.interrupted }
            if outcome.status == .failed || outcome.status == .skipped { throw ExitCodes.failedRun }
        case let .failure(error):
            throw refuse(error)
        }
    }

    /// Prints why the stage could not run, in the form the submitter looks for in the job's log; exit 1.
    private func refuse(_ error: any Error) -> ExitCode {
        printError(stageJobErrorPrefix + "\(error)")
        return ExitCodes.failedRun
    }
}
