/// Everything a report page shows, gathered by the caller from the cache and the run records.
/// Plain values only: this module draws, it never reads a cache or runs a model.
public struct ReportModel: Sendable, Equatable {
    public var title: String
    public var description: String
    /// The manifest's own text, shown as it was written.
    public var manifestText: String
    /// When the page was made, as the caller wants it printed.
    public var generated: String
    public var stages: [StageSummary]
    public var datasets: [DatasetSection]
    public var trainings: [TrainingSection]
    public var evaluations: [EvaluationSection]
    public var exports: [ExportSection]

    public init(
        title: String, description: String = "", manifestText: String, generated: String,
        stages: [StageSummary], datasets: [DatasetSection] = [], trainings: [TrainingSection] = [],
        evaluations: [EvaluationSection] = [], exports: [ExportSection] = []
    ) {
        self.title = title
        self.description = description
        self.manifestText = manifestText
        self.generated = generated
        self.stages = stages
        self.datasets = datasets
        self.trainings = trainings
        self.evaluations = evaluations
        self.exports = exports
    }

    /// True while some stage is still computing: the page says so and what it shows is partial.
    public var inProgress: Bool { stages.contains { $0.status == .running } }
}

/// One stage as a box of the pipeline drawing.
public struct StageSummary: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case cached, ran, running
        case failed(String)
        /// Not computed by the run that wrote the page because an input failed (the reason).
        case skipped(String)
        case stale([String])
        case neverRun

        /// The word the page prints and styles by.
        public var label: String {
            switch self {
            case .cached: return "cached"
            case .ran: return "ran"
            case .running: return "running"
            case .failed: return "failed"
            case .skipped: return "skipped"
            case .stale: return "stale"
            case .neverRun: return "never run"
            }
        }

        /// Why, when there is more to say than the label (stale reasons, the error).
        public var detail: String? {
            switch self {
            case .failed(let error), .skipped(let error): return error
            case .stale(let reasons): return reasons.isEmpty ? nil : reasons.joined(separator: ", ")
            default: return nil
            }
        }
    }

    public var id: String
    public var kind: String
    public var outputType: String
    public var status: Status
    /// Inputs as (port, source stage id).
    public var inputs: [Input]
    /// How long the stage took when it last computed its current output.
    public var seconds: Double?
    /// The artifact's size, when it is cached.
    public var bytes: Int?

    public struct Input: Sendable, Equatable {
        public var port: String
        public var source: String
        public init(port: String, source: String) {
            self.port = port
            self.source = source
        }
    }

    public init(
        id: String, kind: String, outputType: String, status: Status, inputs: [Input] = [], seconds: Double? = nil,
        bytes: Int? = nil
    ) {
        self.id = id
        self.kind = kind
        self.outputType = outputType
        self.status = status
        self.inputs = inputs
        self.seconds = seconds
        self.bytes = bytes
    }
}
