import Foundation

/// A job as `scontrol show job -o ID` describes it: one line of `Key=value` fields.
public struct JobDetails: Sendable, Equatable {
    public let fields: [String: String]

    public var jobID: String? { fields["JobId"] }
    public var state: JobState? { fields["JobState"].flatMap { JobState(slurm: Substring($0)) } }
    public var reason: String? { fields["Reason"] }
    public var standardOutput: String? { fields["StdOut"] }

    /// The batch script's exit status and the signal that ended it (`ExitCode=3:0`, `0:15`).
    public var exitCode: (status: Int, signal: Int)? {
        guard let text = fields["ExitCode"] else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let status = Int(parts[0]), let signal = Int(parts[1]) else { return nil }
        return (status, signal)
    }

    /// Parses the one-line form. Values may hold spaces (`JobName=x y`, `Command=... args`): a word
    /// joins the previous value unless it starts with a key, `Name=` with a name of letters, digits,
    /// `_`, `/` or `:` (as in `CPUs/Task=1`, `AllocNode:Sid=...`).
    public init(parsing output: String) throws {
        var fields: [String: String] = [:]
        var current: String?
        let line = output.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            if let equals = word.firstIndex(of: "="), Self.isKey(word[..<equals]),
                fields[String(word[..<equals])] == nil
            {
                let key = String(word[..<equals])
                fields[key] = String(word[word.index(after: equals)...])
                current = key
            } else if let key = current {
                fields[key, default: ""] += " " + word
            }
        }
        guard fields["JobId"] != nil, fields["JobState"] != nil else {
            throw SlurmError.unexpectedOutput(command: "scontrol show job", output: output)
        }
        self.fields = fields.mapValues { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func isKey(_ text: Substring) -> Bool {
        guard let first = text.first, first.isLetter else { return false }
        return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "/" || $0 == ":" }
    }

    public static func == (a: JobDetails, b: JobDetails) -> Bool { a.fields == b.fields }
}
