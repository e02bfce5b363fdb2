import JSON

/// What a stage asks of a cluster node when it runs as a Slurm job (a stage's `resources`). Not
/// part of the cache key: where a stage ran does not change what it made.
public struct StageResources: Sendable, Equatable {
    /// CPUs per task (`sbatch --cpus-per-task`).
    public var cpus: Int?
    /// Memory per node in Slurm's syntax (`8G`, `512M`; `sbatch --mem`).
    public var memory: String?
    /// Time limit in Slurm's syntax (`90` minutes, `1:30:00`, `2-00:00:00`; `sbatch --time`).
    public var time: String?
    /// Nodes (`sbatch --nodes`).
    public var nodes: Int?
    /// Tasks, that is processes (`sbatch --ntasks`); a `train` stage with `processes: N` needs N.
    public var tasks: Int = 1

    public init(cpus: Int? = nil, memory: String? = nil, time: String? = nil, nodes: Int? = nil, tasks: Int = 1) {
        self.cpus = cpus
        self.memory = memory
        self.time = time
        self.nodes = nodes
        self.tasks = tasks
    }

    public static let fields: [ParameterSpec] = [
        ParameterSpec("cpus", .integer(min: 1), doc: "CPUs per task (sbatch --cpus-per-task)."),
        ParameterSpec("memory", .string(), doc: "Memory per node: 8G, 512M, or megabytes (sbatch --mem)."),
        ParameterSpec(
            "time", .string(), doc: "Time limit: 90 (minutes), 1:30:00, 2-00:00:00 (sbatch --time)."),
        ParameterSpec("nodes", .integer(min: 1), doc: "Nodes (sbatch --nodes)."),
        ParameterSpec(
            "tasks", .integer(min: 1), default: 1,
            doc: "Tasks, that is processes (sbatch --ntasks); a train stage with processes: N needs at least N."),
    ]

    /// Reads and checks a stage's `resources` object; problems are reported at their JSON paths.
    static func validate(_ value: JSONValue, at path: JSONPath, into issues: inout [ManifestIssue]) -> Self? {
        guard value.objectValue != nil else {
            issues.append(
                ManifestIssue(path, "expected an object of cpus, memory, time, nodes, tasks, got \(shown(value))"))
            return nil
        }
        guard let checked = validateRecord(value, fields: fields, at: path, into: &issues) else { return nil }
        let resources = StageResources(
            cpus: checked["cpus"]?.intValue, memory: checked["memory"]?.stringValue,
            time: checked["time"]?.stringValue, nodes: checked["nodes"]?.intValue,
            tasks: checked["tasks"]?.intValue ?? 1)
        if let memory = resources.memory, !isMemory(memory) {
            issues.append(
                ManifestIssue(
                    path.key("memory"),
                    "expected a size like \"8G\", \"512M\" or \"4000\" (MB), got \(shown(.string(memory)))"))
            return nil
        }
        if let time = resources.time, !isTimeLimit(time) {
            issues.append(
                ManifestIssue(
                    path.key("time"),
                    "expected a Slurm time like \"90\" (minutes), \"1:30:00\" or \"2-00:00:00\", "
                        + "got \(shown(.string(time)))"))
            return nil
        }
        return resources
    }

    /// Digits with an optional K, M, G or T.
    static func isMemory(_ text: String) -> Bool {
        var digits = Substring(text)
        if let last = digits.last, "KMGTkmgt".contains(last) { digits = digits.dropLast() }
        return !digits.isEmpty && digits.allSatisfy(\.isASCIIDigit)
    }

    /// `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S` (all numbers), or `UNLIMITED`.
    static func isTimeLimit(_ text: String) -> Bool {
        if text == "UNLIMITED" || text == "INFINITE" { return true }
        let dayParts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard dayParts.count <= 2 else { return false }
        if dayParts.count == 2, !isNumber(dayParts[0]) { return false }
        let clock = dayParts[dayParts.count - 1].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.allSatisfy(isNumber) else { return false }
        return (1...3).contains(clock.count)
    }

    private static func isNumber(_ text: Substring) -> Bool { !text.isEmpty && text.allSatisfy(\.isASCIIDigit) }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
