import Foundation

/// One `sbatch` submission: a script and its arguments, with the options that place and size it.
/// Everything becomes one argument each (`--opt=value`); the script gets its arguments as `$1...`,
/// so no value is ever read by a shell.
public struct BatchRequest: Sendable, Equatable {
    public var name: String
    /// The batch script; it receives `scriptArguments` as its positional parameters.
    public var script: String
    public var scriptArguments: [String]
    /// Where the job's standard output and error go.
    public var log: String
    public var workingDirectory: String
    /// Job ids that must complete successfully first (`--dependency=afterok:...`).
    public var afterOK: [String] = []
    public var partition: String?
    public var account: String?
    public var tasks: Int = 1
    public var cpusPerTask: Int?
    /// Slurm's memory syntax: `8G`, `512M`, or a number of megabytes.
    public var memory: String?
    /// Slurm's time syntax: `90`, `1:30:00`, `2-00:00:00`.
    public var time: String?
    public var nodes: Int?

    public init(name: String, script: String, scriptArguments: [String], log: String, workingDirectory: String) {
        self.name = name
        self.script = script
        self.scriptArguments = scriptArguments
        self.log = log
        self.workingDirectory = workingDirectory
    }

    /// sbatch's arguments, in order.
    public var arguments: [String] {
        var out = [
            "--parsable", "--job-name=\(name)", "--output=\(Self.filenamePattern(log))",
            "--chdir=\(workingDirectory)", "--ntasks=\(tasks)",
        ]
        if !afterOK.isEmpty { out.append("--dependency=afterok:" + afterOK.joined(separator: ":")) }
        if let partition { out.append("--partition=\(partition)") }
        if let account { out.append("--account=\(account)") }
        if let cpusPerTask { out.append("--cpus-per-task=\(cpusPerTask)") }
        if let memory { out.append("--mem=\(memory)") }
        if let time { out.append("--time=\(time)") }
        if let nodes { out.append("--nodes=\(nodes)") }
        return out + [script] + scriptArguments
    }

    /// sbatch expands `%j`, `%x`... in file names; a literal `%` is written `%%`.
    static func filenamePattern(_ path: String) -> String {
        path.replacingOccurrences(of: "%", with: "%%")
    }

    /// A path sbatch cannot take as a file name: a backslash turns its patterns off and is dropped.
    public static func isUsableFilename(_ path: String) -> Bool { !path.contains("\\") }
}

/// The job id `sbatch --parsable` prints: `123`, or `123;cluster` on a federation.
public func parseSubmittedJobID(_ output: String) throws -> String {
    let line = output.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
    let id = line.split(separator: ";").first.map(String.init) ?? ""
    guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
        throw SlurmError.unexpectedOutput(command: "sbatch --parsable", output: output)
    }
    return id
}
