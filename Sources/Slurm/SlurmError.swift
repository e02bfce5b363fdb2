/// What went wrong talking to Slurm.
public enum SlurmError: Error, CustomStringConvertible, Equatable {
    /// A Slurm command is not on this machine's PATH.
    case commandMissing(String)
    /// A Slurm command ran and failed; `message` is what it printed on standard error.
    case failed(command: String, status: Int32, message: String)
    /// A Slurm command's output did not have the expected shape.
    case unexpectedOutput(command: String, output: String)

    public var description: String {
        switch self {
        case let .commandMissing(tool):
            return "\(tool) is not on PATH: `--executor slurm` needs the Slurm client commands "
                + "(sbatch, squeue, scontrol, scancel); on Debian `apt-get install slurm-client`, "
                + "or `scripts/slurm-local up` for a one-node cluster on this machine"
        case let .failed(command, status, message):
            let said = message.trimmingCharacters(in: .whitespacesAndNewlines)
            return "\(command) failed (exit status \(status))" + (said.isEmpty ? "" : ": \(said)")
        case let .unexpectedOutput(command, output):
            return "\(command) printed something unexpected: \(output.prefix(200))"
        }
    }
}
