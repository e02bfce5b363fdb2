import Foundation
import JSON
import Safetensors

/// The `tokens` artifact: token ids and labels per example, per split, ready for training.
///
///     tokens.json            TokenizedInfo: splits with counts, template, max length
///     <split>.safetensors    tokens (I32, total), labels (I32, total), offsets (I64, examples + 1)
///     show.md                what `pipe show` prints
///
/// Labels follow Hugging Face: a label is the token itself where the loss counts it and -100 where
/// it does not (the prompt, with `train_on: completion`); the shift (logits at t predict t+1)
/// happens in the loss.
public struct TokenizedDataset: Sendable, Equatable {
    public struct Example: Sendable, Equatable {
        public var tokens: [Int32]
        public var labels: [Int32]
        public init(tokens: [Int32], labels: [Int32]) {
            self.tokens = tokens
            self.labels = labels
        }
    }

    public static let ignoredLabel: Int32 = -100

    public var info: TokenizedInfo
    public var splits: [String: [Example]]

    public init(info: TokenizedInfo, splits: [String: [Example]]) {
        self.info = info
        self.splits = splits
    }

    public func write(to folder: URL) throws {
        try info.write(to: folder)
        for split in info.splits {
            let examples = splits[split.name] ?? []
            var tokens: [Int32] = [], labels: [Int32] = [], offsets: [Int64] = [0]
            tokens.reserveCapacity(split.tokens)
            labels.reserveCapacity(split.tokens)
            for example in examples {
                tokens += example.tokens
                labels += example.labels
                offsets.append(Int64(tokens.count))
            }
            var writer = SafetensorsWriter()
            try writer.add("tokens", int32s: tokens, shape: [tokens.count])
            try writer.add("labels", int32s: labels, shape: [labels.count])
            try writer.add("offsets", int64s: offsets, shape: [offsets.count])
            try writer.write(to: folder.appendingPathComponent("\(split.name).safetensors"))
        }
    }

    public static func read(from folder: URL) throws -> TokenizedDataset {
        let info = try TokenizedInfo.read(from: folder)
        var splits: [String: [Example]] = [:]
        for split in info.splits {
            let url = folder.appendingPathComponent("\(split.name).safetensors")
            let file: SafetensorsFile
            let tokens: [Int32], labels: [Int32], offsets: [Int64]
            do {
                file = try SafetensorsFile(contentsOf: url)
                tokens = try file.int32s("tokens")
                labels = try file.int32s("labels")
                offsets = try file.int64s("offsets")
            } catch {
                throw DatasetError.io(file: url.path, reason: "\(error)")
            }
            guard tokens.count == labels.count, offsets.first == 0, offsets.last == Int64(tokens.count),
                offsets.count == split.examples + 1,
                zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
            else { throw DatasetError.badInfo(file: url.path, message: "tokens, labels and offsets do not agree") }
            splits[split.name] = zip(offsets, offsets.dropFirst()).map { start, end in
                Example(tokens: Array(tokens[Int(start)..<Int(end)]), labels: Array(labels[Int(start)..<Int(end)]))
            }
        }
        return TokenizedDataset(info: info, splits: splits)
    }
}

/// What `tokens.json` says about a tokenized dataset.
public struct TokenizedInfo: Codable, Sendable, Equatable {
    public struct Split: Codable, Sendable, Equatable {
        public var name: String
        public var examples: Int
        /// All tokens, and those whose label counts in the loss.
        public var tokens: Int
        public var trainedTokens: Int
        public var longest: Int
        /// Examples cut to `maxLength`, and examples dropped (prompt alone too long, or nothing to train on).
        public var truncated: Int
        public var dropped: Int

        public init(
            name: String, examples: Int, tokens: Int, trainedTokens: Int, longest: Int, truncated: Int, dropped: Int
        ) {
            self.name = name
            self.examples = examples
            self.tokens = tokens
            self.trainedTokens = trainedTokens
            self.longest = longest
            self.truncated = truncated
            self.dropped = dropped
        }

        enum CodingKeys: String, CodingKey {
            case name, examples, tokens, longest, truncated, dropped
            case trainedTokens = "trained_tokens"
        }
    }

    public static let fileName = "tokens.json"

    public var splits: [Split]
    public var template: String
    /// The system text rendered before conversations without their own ("" for none): with
    /// `template`, the rendering a model trained on this data expects. nil in artifacts that
    /// predate it.
    public var systemPrompt: String?
    public var maxLength: Int
    public var trainOn: String
    public var vocabularySize: Int
    public var padID: Int32
    /// Whether training packs several examples into each sequence (nil in artifacts that predate it: no).
    public var packing: Bool?

    public init(splits: [Split], template: String, systemPrompt: String? = nil, maxLength: Int, trainOn: String,
                vocabularySize: Int, padID: Int32, packing: Bool = false) {
        self.splits = splits
        self.template = template
        self.systemPrompt = systemPrompt
        self.maxLength = maxLength
        self.trainOn = trainOn
        self.vocabularySize = vocabularySize
        self.padID = padID
        self.packing = packing
    }

    enum CodingKeys: String, CodingKey {
        case splits, template, packing
        case maxLength = "max_length"
        case trainOn = "train_on"
        case vocabularySize = "vocabulary_size"
        case padID = "pad_id"
        case systemPrompt = "system_prompt"
    }

    public func split(named name: String) -> Split? { splits.first { $0.name == name } }

    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(self).write(to: folder.appendingPathComponent(Self.fileName))
    }

    public static func read(from folder: URL) throws -> TokenizedInfo {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DatasetError.io(file: url.path, reason: "no tokens.json: not a tokenized dataset")
        }
        do { return try JSONDecoder().decode(TokenizedInfo.self, from: data) } catch {
            throw DatasetError.io(file: url.path, reason: "\(error)")
        }
    }
}
