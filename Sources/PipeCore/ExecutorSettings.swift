import JSON

/// Where a manifest's stages run: here, or as Slurm jobs (the manifest's top-level `executor`;
/// `pipe run --executor` overrides the kind).
public struct ExecutorSettings: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case local, slurm
    }

    public var kind: Kind = .local
    /// The Slurm partition to submit to (sbatch --partition); the cluster's default when absent.
    public var partition: String?
    /// The Slurm account to charge (sbatch --account).
    public var account: String?

    public init(kind: Kind = .local, partition: String? = nil, account: String? = nil) {
        self.kind = kind
        self.partition = partition
        self.account = account
    }

    public static let fields: [ParameterSpec] = [
        ParameterSpec(
            "kind", .string(choices: Kind.allCases.map(\.rawValue)), default: "local",
            doc: "local: stages run in this process; slurm: each stale stage is a Slurm job."),
        ParameterSpec("partition", .string(), doc: "Slurm partition (sbatch --partition)."),
        ParameterSpec("account", .string(), doc: "Slurm account (sbatch --account)."),
    ]

    static func validate(_ value: JSONValue, at path: JSONPath, into issues: inout [ManifestIssue]) -> Self? {
        guard value.objectValue != nil else {
            issues.append(ManifestIssue(path, "expected an object with \"kind\" (local or slurm), got \(shown(value))"))
            return nil
        }
        guard let checked = validateRecord(value, fields: fields, at: path, into: &issues) else { return nil }
        var settings = ExecutorSettings()
        settings.kind = checked["kind"]?.stringValue.flatMap(Kind.init(rawValue:)) ?? .local
        var ok = true
        for name in ["partition", "account"] {
            guard let text = checked[name]?.stringValue else { continue }
            if text.isEmpty || text.contains(where: \.isWhitespace) {
                issues.append(
                    ManifestIssue(
                        path.key(name), "expected a Slurm \(name) name (no spaces), got \(shown(.string(text)))"))
                ok = false
            }
        }
        settings.partition = checked["partition"]?.stringValue
        settings.account = checked["account"]?.stringValue
        return ok ? settings : nil
    }
}
