import JSON

/// What happened to one stage in a run; `pipe run --json` prints a list of these.
public struct StageOutcome: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case ran, cached, failed, skipped
    }

    public var id: String
    public var kind: String
    public var status: Status
    /// The stage's cache key (hex).
    public var key: String
    /// The output artifact's content digest (hex), when there is one.
    public var digest: String?
    public var seconds: Double
    public var error: String?
    /// Why it ran (forced, params changed, recomputed after corruption, ...).
    public var note: String?
    /// What the stage measured while it ran (see `StageContext.recordMetrics`).
    public var metrics: JSONValue?
    /// What the stage said while it ran (see `StageContext.log`), when it said anything.
    public var log: [String]?

    public init(id: String, kind: String, status: Status, key: String, digest: String? = nil, seconds: Double = 0,
                error: String? = nil, note: String? = nil, metrics: JSONValue? = nil, log: [String]? = nil) {
        self.id = id
        self.kind = kind
        self.status = status
        self.key = key
        self.digest = digest
        self.seconds = seconds
        self.error = error
        self.note = note
        self.metrics = metrics
        self.log = log
    }
}

/// The result of `pipe run`.
public struct RunReport: Sendable, Codable {
    public var stages: [StageOutcome]
    public var interrupted: Bool

    public var failed: Bool {
        stages.contains { $0.status == .failed || $0.status == .skipped && $0.error != nil } || interrupted
    }
}

/// What a dry run would do with a stage.
public struct PlannedAction: Sendable, Codable, Equatable {
    public var id: String
    public var kind: String
    public var key: String
    /// "cached" or "run".
    public var action: String
    public var reasons: [String]
}

/// Which stages a run touches and which it must recompute.
public struct RunOptions: Sendable {
    public var force: Set<String> = []
    public var from: String?
    public var until: String?
    public var jobs: Int = 2

    public init(force: Set<String> = [], from: String? = nil, until: String? = nil, jobs: Int = 2) {
        self.force = force
        self.from = from
        self.until = until
        self.jobs = jobs
    }

    /// Stages inside the run: `--until S` keeps S and what it needs.
    public func selected(in pipeline: Pipeline) -> Set<String> {
        if let until { return pipeline.graph.ancestors(of: until) }
        return Set(pipeline.stages.map(\.id))
    }

    /// Stages recomputed even if cached: `--force S` and, with `--from S`, S and everything after it.
    public func forced(in pipeline: Pipeline) -> Set<String> {
        var forced = force
        if let from { forced.formUnion(pipeline.graph.descendants(of: from)) }
        return forced
    }
}
