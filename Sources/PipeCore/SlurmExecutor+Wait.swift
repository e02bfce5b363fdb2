import Foundation
import PipeCache
import Slurm

extension SlurmExecutor {
    /// Waits for the submitted jobs and reports them as a local run would: a stage starts when its
    /// job runs, shows the progress its job writes, and ends with the job. When the task is
    /// cancelled (Ctrl-C), cancels the jobs still queued or running (`scancel`).
    public func wait(for submission: Submission, pollEvery interval: Double = 1) async -> RunReport {
        var outcomes = Dictionary(submission.cached.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var waiting = submission.jobs
        var startedAt: [String: Date] = [:]
        let readers = Dictionary(
            submission.jobs.map { ($0.stage, ProgressEventReader(url: $0.events)) }, uniquingKeysWith: { a, _ in a })
        var interrupted = false
        var lastComplaint = Date.distantPast
        while !waiting.isEmpty {
            if Task.isCancelled {
                interrupted = true
                break
            }
            do {
                let states = try client.queue(waiting.map(\.jobID))
                for job in waiting {
                    let entry = states[job.jobID]
                    if let entry, entry.state.hasStarted, startedAt[job.stage] == nil {
                        startedAt[job.stage] = Date()
                        reporter.started(stage: job.stage, kind: job.kind)
                    }
                    readers[job.stage]?.replay(into: reporter)
                    if let outcome = outcome(of: job, entry, startedAt: startedAt[job.stage], outcomes: outcomes) {
                        outcomes[job.stage] = outcome
                        reporter.finished(outcome)
                    }
                }
                waiting.removeAll { outcomes[$0.stage] != nil }
            } catch {
                // A busy controller is not a failed run: say so now and then, and keep asking.
                if Date().timeIntervalSince(lastComplaint) > 30, let first = waiting.first {
                    reporter.message(stage: first.stage, "cannot ask Slurm for the jobs' states (\(error)); retrying")
                    lastComplaint = Date()
                }
            }
            if waiting.isEmpty { break }
            do {
                try await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
            } catch {
                interrupted = true
                break
            }
        }
        if interrupted {
            let own = waiting.filter { !$0.adopted }
            var error =
                "interrupted: its Slurm job was cancelled (checkpoints kept; the next run resubmits and resumes)"
            do {
                try client.cancel(own.map(\.jobID))
            } catch let failure {
                error = "interrupted, but scancel failed (\(failure)): cancel jobs \(own.map(\.jobID)) by hand"
            }
            for job in waiting {
                let said = job.adopted ? "interrupted: no longer following it (submitted by an earlier run)" : error
                let outcome = StageOutcome(
                    id: job.stage, kind: job.kind, status: .failed, key: job.key, error: "\(said); job \(job.jobID)")
                outcomes[job.stage] = outcome
                reporter.finished(outcome)
            }
        }
        return RunReport(stages: pipeline.order.compactMap { outcomes[$0] }, interrupted: interrupted)
    }

    /// The stage's outcome once its job is over, or nil while it is not.
    func outcome(
        of job: Job, _ entry: QueueEntry?, startedAt: Date?, outcomes: [String: StageOutcome]
    ) -> StageOutcome? {
        func make(_ status: StageOutcome.Status, digest: String? = nil, error: String? = nil) -> StageOutcome {
            var outcome = StageOutcome(
                id: job.stage, kind: job.kind, status: status, key: job.key, digest: digest,
                seconds: startedAt.map { Date().timeIntervalSince($0) } ?? 0, error: error)
            if status == .ran, let record = RunRecords(store: store, manifest: pipeline.url).load()[job.stage],
                record.key == job.key
            {
                outcome.seconds = record.seconds
                outcome.metrics = record.metrics
            }
            return outcome
        }
        let failedInput = job.producers.first { ["failed", "skipped"].contains(outcomes[$0]?.status.rawValue) }
        func skippedForInput() -> StageOutcome {
            let reason = failedInput.map {
                "input \"\($0)\" \(outcomes[$0]?.status == .failed ? "failed" : "was skipped")"
            }
            return make(.skipped, error: (reason ?? "a producer's job failed") + "; Slurm cancelled job \(job.jobID)")
        }
        guard let entry else {
            // Forgotten by the controller (MinJobAge passed, or it restarted): the cache knows the result.
            if let stored = store.entry(for: job.key) { return make(.ran, digest: stored.digest.hex) }
            return make(
                .failed,
                error: "Slurm no longer knows job \(job.jobID) and the stage is not cached; log: \(job.log.path)")
        }
        if entry.reason == "DependencyNeverSatisfied" {
            if !entry.state.isFinished { try? client.cancel([job.jobID]) }  // a cluster without kill_invalid_depend
            return skippedForInput()
        }
        guard entry.state.isFinished else { return nil }
        if entry.state == .completed {
            guard let stored = store.entry(for: job.key) else {
                return make(.failed, error: "Slurm job \(job.jobID) completed but the stage's artifact is not in "
                    + "\(store.root.path): do the nodes share it? log: \(job.log.path)")
            }
            return make(.ran, digest: stored.digest.hex)
        }
        return make(.failed, error: failure(of: job, entry))
    }

    /// "Slurm job 12 failed (exit code 1): <the stage's error>; log: <path>".
    func failure(of job: Job, _ entry: QueueEntry) -> String {
        var text = "Slurm job \(job.jobID) \(entry.state.phrase)"
        if let details = try? client.details(job.jobID), let code = details.exitCode {
            text += code.signal != 0 ? " (signal \(code.signal))" : " (exit code \(code.status))"
        }
        switch entry.state {
        case .timeout:
            text += " at its time limit (resources.time); checkpoints are kept and a rerun resumes"
        case .preempted, .nodeFail, .cancelled:
            text += "; checkpoints are kept and a rerun resumes"
        default: break
        }
        if let said = Self.lastError(inLog: job.log, stage: job.stage) { text += ": \(said)" }
        return text + "; log: \(job.log.path)"
    }

    /// The error the job's `pipe` printed last, if any: its line for the failed stage, or its own error.
    static func lastError(inLog log: URL, stage: String) -> String? {
        guard let data = FileManager.default.contents(atPath: log.path) else { return nil }
        let lines = String(decoding: data.suffix(64 << 10), as: UTF8.self).split(whereSeparator: \.isNewline)
        for line in lines.reversed() {
            if line.hasPrefix("FAILED  \(stage) ("), let colon = line.range(of: "): ") {
                return String(line[colon.upperBound...])
            }
            if line.hasPrefix(stageJobErrorPrefix) { return String(line.dropFirst(stageJobErrorPrefix.count)) }
        }
        return nil
    }
}

/// How `pipe run-stage` starts the line of an error that stopped it before the stage ran.
public let stageJobErrorPrefix = "pipe run-stage: "
