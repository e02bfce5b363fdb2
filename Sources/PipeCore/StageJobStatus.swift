import Foundation
import PipeCache
import Slurm

/// What Slurm says about the job last submitted for a stage, for `pipe status`.
public struct StageJobStatus: Sendable, Encodable, Equatable {
    public var job: String
    /// pending, running, completed, failed, cancelled, timeout... or "unknown" when Slurm cannot say.
    public var state: String
    /// Why it waits or ended (`Dependency`, `NonZeroExitCode`), when Slurm gives one.
    public var reason: String?
    public var exitCode: Int?
    public var signal: Int?
    public var log: String

    enum CodingKeys: String, CodingKey {
        case job, state, reason, log
        case exitCode = "exit_code"
        case signal
    }

    /// The jobs of `pipeline`'s stages that were submitted for their current keys.
    public static func current(
        pipeline: Pipeline, plan: Plan, store: ArtifactStore, client: SlurmClient = SlurmClient()
    ) -> [String: StageJobStatus] {
        let recorded = SubmittedJobs(store: store, manifest: pipeline.url).load().filter {
            plan.keys[$0.key] == $0.value.key
        }
        guard !recorded.isEmpty else { return [:] }
        let queue: [String: QueueEntry]
        var unknown = "unknown"
        do {
            queue = try client.queue(recorded.values.map(\.id))
        } catch {
            queue = [:]
            unknown = "unknown (\(error))"
        }
        var out: [String: StageJobStatus] = [:]
        for (stage, job) in recorded {
            var status = StageJobStatus(job: job.id, state: unknown, log: job.log)
            if let entry = queue[job.id] {
                status.state = entry.state.phrase
                status.reason = entry.reason == "None" ? nil : entry.reason
                if entry.state.isFinished && entry.state != .completed,
                    let code = (try? client.details(job.id))?.exitCode
                {
                    status.exitCode = code.status
                    status.signal = code.signal
                }
            } else if unknown == "unknown" {
                status.state = "ended (no longer known to Slurm)"
            }
            out[stage] = status
        }
        return out
    }

    /// "job 12 failed, exit code 1, log: /path" and the like.
    public var summary: String {
        if reason == "DependencyNeverSatisfied" { return "job \(job) \(state): a job it depends on failed" }
        var text = "job \(job) \(state)"
        if let reason, state == "pending" || state == "cancelled" { text += " (\(reason))" }
        if let signal, signal != 0 {
            text += ", signal \(signal)"
        } else if let exitCode {
            text += ", exit code \(exitCode)"
        }
        if state != "pending" && state != "running" && state != "completed" { text += ", log: \(log)" }
        return text
    }
}
