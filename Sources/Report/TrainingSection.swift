/// One train stage: its curves on a shared step axis, and what it trained.
public struct TrainingSection: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var step: Int
        public var loss: Double
        public var lr: Double
        public var gradNorm: Double
        public var evalLoss: Double?
        public init(step: Int, loss: Double, lr: Double, gradNorm: Double, evalLoss: Double? = nil) {
            self.step = step
            self.loss = loss
            self.lr = lr
            self.gradNorm = gradNorm
            self.evalLoss = evalLoss
        }
    }

    /// Another manifest's curves for the same stage id (`--compare`), drawn over these.
    public struct Comparison: Sendable, Equatable {
        public var label: String
        public var steps: [Step]
        public init(label: String, steps: [Step]) {
            self.label = label
            self.steps = steps
        }
    }

    public var stage: String
    public var method: String
    public var rank: Int?
    public var alpha: Double?
    public var targets: [String]
    public var trainableParameters: Int?
    public var peakMemoryBytes: Int?
    public var seconds: Double?
    public var totalSteps: Int
    public var steps: [Step]
    /// Throughput per step, as (step, tokens per second); empty when the run record has none.
    public var tokensPerSecond: [Point]
    /// Set while training is unfinished: the curve ends at the last checkpoint.
    public var partial: Bool
    public var comparison: Comparison?

    public init(
        stage: String, method: String, rank: Int? = nil, alpha: Double? = nil, targets: [String] = [],
        trainableParameters: Int? = nil, peakMemoryBytes: Int? = nil, seconds: Double? = nil, totalSteps: Int,
        steps: [Step], tokensPerSecond: [Point] = [], partial: Bool = false, comparison: Comparison? = nil
    ) {
        self.stage = stage
        self.method = method
        self.rank = rank
        self.alpha = alpha
        self.targets = targets
        self.trainableParameters = trainableParameters
        self.peakMemoryBytes = peakMemoryBytes
        self.seconds = seconds
        self.totalSteps = totalSteps
        self.steps = steps
        self.tokensPerSecond = tokensPerSecond
        self.partial = partial
        self.comparison = comparison
    }
}

/// One evaluate stage: metrics per variant (base, tuned) and the answers side by side.
public struct EvaluationSection: Sendable, Equatable {
    public struct Metric: Sendable, Equatable {
        public var name: String
        /// One value per variant, in `variants` order; nil where that variant has none.
        public var values: [Double?]
        /// printf-style format of the values.
        public var format: String
        public init(name: String, values: [Double?], format: String = "%.4f") {
            self.name = name
            self.values = values
            self.format = format
        }
    }

    public struct Answers: Sendable, Equatable {
        public var prompt: String
        public var reference: String?
        /// One answer per variant, in `variants` order.
        public var answers: [String?]
        public init(prompt: String, reference: String? = nil, answers: [String?]) {
            self.prompt = prompt
            self.reference = reference
            self.answers = answers
        }
    }

    public var stage: String
    public var split: String
    public var examples: Int
    public var variants: [String]
    public var metrics: [Metric]
    public var answers: [Answers]
    /// Scored references not shown, to keep the page light.
    public var moreReferences: Int

    public init(
        stage: String, split: String, examples: Int, variants: [String], metrics: [Metric], answers: [Answers],
        moreReferences: Int = 0
    ) {
        self.stage = stage
        self.split = split
        self.examples = examples
        self.variants = variants
        self.metrics = metrics
        self.answers = answers
        self.moreReferences = moreReferences
    }
}
