/// A Slurm job's state, as `squeue %T` and `scontrol show job` spell it.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case pending = "PENDING"
    case configuring = "CONFIGURING"
    case running = "RUNNING"
    case completing = "COMPLETING"
    case suspended = "SUSPENDED"
    case requeued = "REQUEUED"
    case resizing = "RESIZING"
    case stopped = "STOPPED"
    case completed = "COMPLETED"
    case failed = "FAILED"
    case cancelled = "CANCELLED"
    case timeout = "TIMEOUT"
    case nodeFail = "NODE_FAIL"
    case outOfMemory = "OUT_OF_MEMORY"
    case preempted = "PREEMPTED"
    case bootFail = "BOOT_FAIL"
    case deadline = "DEADLINE"

    /// Parses a state; Slurm may append flags (`CANCELLED by 0`).
    public init?(slurm text: Substring) {
        let word = text.split(separator: " ").first.map(String.init) ?? ""
        self.init(rawValue: word.uppercased())
    }

    /// The job will not run again by itself: it finished, one way or another.
    public var isFinished: Bool {
        switch self {
        case .completed, .failed, .cancelled, .timeout, .nodeFail, .outOfMemory, .preempted, .bootFail, .deadline:
            return true
        case .pending, .configuring, .running, .completing, .suspended, .requeued, .resizing, .stopped:
            return false
        }
    }

    /// Started on a node (so the stage is computing, or about to).
    public var hasStarted: Bool {
        switch self {
        case .running, .completing, .configuring: return true
        default: return isFinished && self != .cancelled
        }
    }

    /// As people say it: "pending", "out of memory".
    public var phrase: String { rawValue.lowercased().replacingOccurrences(of: "_", with: " ") }
}
