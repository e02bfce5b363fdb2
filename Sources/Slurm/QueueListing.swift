import Foundation

/// One line of `squeue -h -t all -o '%i|%T|%r'`: a job's id, state and the reason it is waiting.
public struct QueueEntry: Sendable, Equatable {
    public var jobID: String
    public var state: JobState
    /// Why it waits or ended (`Dependency`, `Resources`, `NonZeroExitCode`); "None" when nothing to say.
    public var reason: String

    public init(jobID: String, state: JobState, reason: String) {
        self.jobID = jobID
        self.state = state
        self.reason = reason
    }
}

/// The squeue format the parser reads.
public let queueFormat = "%i|%T|%r"

/// Parses squeue's lines in `queueFormat`; an unknown state is an error, blank lines are skipped.
public func parseQueue(_ output: String) throws -> [String: QueueEntry] {
    var entries: [String: QueueEntry] = [:]
    for line in output.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
        let fields = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, let state = JobState(slurm: fields[1]) else {
            throw SlurmError.unexpectedOutput(command: "squeue", output: String(line))
        }
        let id = String(fields[0]).trimmingCharacters(in: .whitespaces)
        entries[id] = QueueEntry(jobID: id, state: state, reason: String(fields[2]))
    }
    return entries
}
