import ArgumentParser
import Foundation
import PipeCache
import PipeCore
import Slurm

extension ExecutorSettings.Kind: ExpressibleByArgument {}

extension RunCommand {
    /// Submits the stale stages as Slurm jobs, then waits for them (or returns, with --detach).
    func runOnSlurm(
        _ pipeline: Pipeline, _ store: ArtifactStore, _ plan: Plan, settings: ExecutorSettings, options: RunOptions,
        reporter: any ProgressReporter
    ) async throws {
        let issues = pipeline.slurmIssues()
        if !issues.isEmpty {
            printError(ManifestError.invalid(path: pipeline.url.path, issues: issues).description)
            throw ExitCodes.usage
        }
        guard SlurmClient.isAvailable else {
            printError("\(SlurmError.commandMissing("sbatch"))")
            throw ExitCodes.failedRun
        }
        let binary = try pipeExecutable()
        let slurm = SlurmExecutor(
            pipeline: pipeline, plan: plan, store: store, settings: settings, reporter: reporter
        ) { job in
            var arguments = [
                binary, "run-stage", "--key", job.key, "--marker", job.marker.path, "--events", job.events.path,
            ]
            if job.force { arguments.append("--force") }
            // After "--", a manifest path or stage id that starts with "-" is still an argument.
            return arguments + ["--", job.manifest.path, job.stage]
        }

        let storeLock = try FileLock(url: store.storeLockURL)
        try await storeLock.lock(.shared) {
            printError("waiting for `pipe cache gc` to finish with \(store.root.path)")
        }
        defer { storeLock.unlock() }

        let known = RunRecords(store: store, manifest: pipeline.url).load()
        let started = Date()
        // Ctrl-C is handled from before the first job is submitted, so no job can be left behind.
        let work = Task { () throws -> (SlurmExecutor.Submission, RunReport?) in
            let submission = try slurm.submit(options, announce: !detach)
            return (submission, detach ? nil : await slurm.wait(for: submission))
        }
        let interrupt = InterruptHandler { work.cancel() }
        let result = await work.result
        interrupt.stop()
        switch result {
        case let .failure(error):
            printError("cannot submit the jobs: \(error)")
            throw ExitCodes.failedRun
        case let .success((submission, nil)):
            try printSubmitted(submission, manifest: pipeline.url)
        case let .success((_, report?)):
            try finish(report, started: started, pipeline: pipeline, store: store, plan: plan, known: known)
        }
    }

    private func printSubmitted(_ submission: SlurmExecutor.Submission, manifest: URL) throws {
        struct Submitted: Encodable { var id: String; var kind: String; var job: String; var log: String }
        if json {
            try printJSON([
                "submitted": submission.jobs.map {
                    Submitted(id: $0.stage, kind: $0.kind, job: $0.jobID, log: $0.log.path)
                }
            ])
            return
        }
        for job in submission.jobs {
            print("submitted \(job.stage) (\(job.kind)) as Slurm job \(job.jobID)")
        }
        print(
            "\(submission.jobs.count) submitted, \(submission.cached.count) cached; "
                + "`pipe status \(manifest.path)` follows them")
    }

    /// This pipe's own binary, by absolute path: the jobs run it (it must be on a path every node sees).
    private func pipeExecutable() throws -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let argument = CommandLine.arguments.first ?? "pipe"
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let url = URL(fileURLWithPath: argument, relativeTo: here)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            printError("cannot find pipe's own binary to run in the jobs (tried \(url.path))")
            throw ExitCodes.failedRun
        }
        return url.standardizedFileURL.path
    }
}
