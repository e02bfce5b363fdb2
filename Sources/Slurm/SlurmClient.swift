import Foundation

/// The Slurm commands pipe uses: submit, look, cancel. Each call is one command run without a shell.
public struct SlurmClient: Sendable {
    public init() {}

    /// Whether this machine has the Slurm client commands.
    public static var isAvailable: Bool { SlurmCommand.locate("sbatch") != nil }

    /// Submits a job; returns its id.
    public func submit(_ request: BatchRequest) throws -> String {
        try parseSubmittedJobID(SlurmCommand("sbatch", request.arguments).output())
    }

    /// The state of each job the controller still knows (finished jobs stay for `MinJobAge`).
    /// Jobs it has forgotten are absent from the result.
    public func queue(_ jobIDs: [String]) throws -> [String: QueueEntry] {
        guard !jobIDs.isEmpty else { return [:] }
        let result = try SlurmCommand(
            "squeue",
            ["--noheader", "--states=all", "--jobs=" + jobIDs.joined(separator: ","), "--format=" + queueFormat]
        ).run()
        if result.status != 0 {
            // Asked only for forgotten jobs, squeue fails with "Invalid job id specified".
            if result.stderr.contains("Invalid job id") { return [:] }
            throw SlurmError.failed(command: "squeue", status: result.status, message: result.stderr)
        }
        return try parseQueue(result.stdout)
    }

    /// Everything the controller says about one job, or nil once it has forgotten the job.
    public func details(_ jobID: String) throws -> JobDetails? {
        let result = try SlurmCommand("scontrol", ["show", "job", "--oneliner", jobID]).run()
        if result.status != 0 {
            if result.stderr.contains("Invalid job id") { return nil }
            throw SlurmError.failed(command: "scontrol show job", status: result.status, message: result.stderr)
        }
        return try JobDetails(parsing: result.stdout)
    }

    /// Cancels jobs (those already finished are left as they are).
    public func cancel(_ jobIDs: [String]) throws {
        guard !jobIDs.isEmpty else { return }
        let result = try SlurmCommand("scancel", jobIDs).run()
        if result.status != 0 && !result.stderr.contains("Invalid job id") {
            throw SlurmError.failed(command: "scancel", status: result.status, message: result.stderr)
        }
    }
}
