/// A dataset or tokenized dataset stage: counts per split, token lengths, examples.
public struct DatasetSection: Sendable, Equatable {
    public struct Split: Sendable, Equatable {
        public var name: String
        public var count: Int
        /// Tokenized datasets only: all tokens, trained tokens, examples cut and dropped.
        public var tokens: Int?
        public var trainedTokens: Int?
        public var cut: Int?
        public var dropped: Int?

        public init(
            name: String, count: Int, tokens: Int? = nil, trainedTokens: Int? = nil, cut: Int? = nil,
            dropped: Int? = nil
        ) {
            self.name = name
            self.count = count
            self.tokens = tokens
            self.trainedTokens = trainedTokens
            self.cut = cut
            self.dropped = dropped
        }
    }

    /// One example: text pieces, each either part of the prompt (masked from the loss) or trained.
    public struct Example: Sendable, Equatable {
        public var split: String
        public var pieces: [Piece]
        public init(split: String, pieces: [Piece]) {
            self.split = split
            self.pieces = pieces
        }
    }

    public struct Piece: Sendable, Equatable {
        public enum Role: String, Sendable, Equatable { case prompt, trained }
        public var role: Role
        /// For records: the field's name (one field per line); empty for token pieces (run together).
        public var label: String
        public var text: String
        public init(role: Role, label: String = "", text: String) {
            self.role = role
            self.label = label
            self.text = text
        }
    }

    public var stage: String
    public var kind: String
    public var format: String
    public var splits: [Split]
    /// Token count of every example (tokenized datasets), and the cut-off they were held to.
    public var lengths: [Int]
    public var maxLength: Int?
    public var examples: [Example]
    public var notes: [String]

    public init(
        stage: String, kind: String, format: String, splits: [Split], lengths: [Int] = [], maxLength: Int? = nil,
        examples: [Example] = [], notes: [String] = []
    ) {
        self.stage = stage
        self.kind = kind
        self.format = format
        self.splits = splits
        self.lengths = lengths
        self.maxLength = maxLength
        self.examples = examples
        self.notes = notes
    }
}

/// One file an export stage published, and how to use it.
public struct ExportSection: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var name: String
        public var bytes: Int
        public init(name: String, bytes: Int) {
            self.name = name
            self.bytes = bytes
        }
    }

    public var stage: String
    public var format: String
    public var path: String
    public var files: [File]
    /// A command line or code line that loads it.
    public var usage: String

    public init(stage: String, format: String, path: String, files: [File], usage: String) {
        self.stage = stage
        self.format = format
        self.path = path
        self.files = files
        self.usage = usage
    }
}
