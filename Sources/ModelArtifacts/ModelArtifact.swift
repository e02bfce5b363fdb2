import Foundation
import Llama
import JSON
import Tokenizer

/// The `model` artifact: which weights, by content digest, and what they are.
///
/// A base model is never copied into the cache: the artifact refers to the source file or folder
/// and records each file's size and SHA-256, which are checked when the model is opened. A model
/// initialised from a config records its seed, so the same weights are made again on open.
///
///     model.json   this struct
public struct ModelArtifact: Codable, Sendable, Equatable {
    public enum Format: String, Codable, Sendable {
        case gguf
        case huggingFace = "huggingface"
        case initialized = "init"
        /// Trained weights stored in the artifact itself (`weights/`, a Hugging Face folder); the
        /// tokenizer comes from `path`.
        case embedded
        /// A GGUF file stored in the artifact itself (`weights/model.gguf`, the `quantize` stage's
        /// output), kept in its blocks and carrying its own tokenizer.
        case quantized
    }

    /// Where `embedded` weights live inside the artifact folder.
    public static let weightsFolder = "weights"
    /// The GGUF file of a `quantized` artifact, inside its folder.
    public static let quantizedFile = "weights/model.gguf"

    public var format: Format
    /// The GGUF file or Hugging Face folder; for `init`, the tokenizer's file or folder. As the
    /// manifest wrote it: relative to the manifest's folder (so the artifact's bytes do not depend on
    /// where the checkout is), or absolute if the manifest said so.
    public var path: String
    /// Every file the model is read from, with its digest.
    public var files: [FileReference]
    public var config: LlamaConfig
    /// For `init`: the seed of the random weights.
    public var seed: UInt64?
    public var summary: ModelSummary
    /// For trained weights: how prompts were rendered in training (nil for base models and in
    /// artifacts that predate it).
    public var chat: TrainedChat?

    public static let fileName = "model.json"

    public init(format: Format, path: String, files: [FileReference], config: LlamaConfig, seed: UInt64?,
                summary: ModelSummary, chat: TrainedChat? = nil) {
        self.format = format
        self.path = path
        self.files = files
        self.config = config
        self.seed = seed
        self.summary = summary
        self.chat = chat
    }

    /// Reads `model.json` from an artifact folder.
    public static func read(from folder: URL) throws -> ModelArtifact {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelArtifactError.notAModel(folder.path)
        }
        do {
            return try JSONDecoder().decode(ModelArtifact.self, from: data)
        } catch {
            throw ModelArtifactError.unreadable(url.path, reason: "\(error)")
        }
    }

    /// Writes `model.json` into an artifact folder (deterministic bytes).
    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: folder.appendingPathComponent(Self.fileName))
    }

    /// Architecture, sizes, tokenizer and chat template, for `pipe show`.
    public var summaryText: String {
        let c = config
        let types = summary.tensorTypes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        var lines = [
            "model: \(format.rawValue) \(path)",
            "architecture: \(c.modelType), \(c.layerCount) layers, width \(c.hiddenSize), \(c.headCount) "
                + "heads / \(c.kvHeadCount) KV heads (head size \(c.headDim)), FFN \(c.intermediateSize)",
            "vocabulary: \(c.vocabSize), RoPE theta \(JSONValue.number(c.ropeTheta).compactText), "
                + "RMS eps \(c.rmsNormEps), \(c.tieWordEmbeddings ? "tied" : "untied") "
                + "embeddings, context \(c.maxPositionEmbeddings)",
            "parameters: \(summary.parameters.formatted()) (\(types.joined(separator: ", ")))",
            "tokenizer: byte-level BPE, \(summary.tokenizer.vocabularySize) tokens, pre-tokenizer "
                + "\(summary.tokenizer.preTokenizer), BOS \(summary.tokenizer.bos.map(String.init) ?? "none") "
                + "(\(summary.tokenizer.addBOS ? "added" : "not added")), "
                + "EOS \(summary.tokenizer.eos.map(String.init) ?? "none")",
            "chat template: \(summary.tokenizer.chatTemplate ?? "none")"
                + (summary.tokenizer.defaultSystemPrompt.map { " (default system prompt: \"\($0)\")" } ?? ""),
        ]
        if let chat {
            let system = chat.systemPrompt.isEmpty ? "none" : "\"\(chat.systemPrompt)\""
            lines.append("trained with: \(chat.template) template, system prompt \(system)")
        }
        if let seed { lines.append("weights: random, seed \(seed)") }
        for file in files { lines.append("file: \(file.name) \(file.bytes) bytes sha256 \(file.sha256.prefix(16))…") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A file a model is read from.
public struct FileReference: Codable, Sendable, Equatable {
    /// Relative to the artifact's `path` (a folder), or the file's own name.
    public var name: String
    public var bytes: Int
    public var sha256: String

    public init(name: String, bytes: Int, sha256: String) {
        self.name = name
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// What `pipe show` says about a model beyond its config.
public struct ModelSummary: Codable, Sendable, Equatable {
    public struct TokenizerSummary: Codable, Sendable, Equatable {
        public var vocabularySize: Int
        public var preTokenizer: String
        public var bos: Int?
        public var eos: Int?
        public var addBOS: Bool
        public var chatTemplate: String?
        public var defaultSystemPrompt: String?
    }

    public var parameters: Int
    /// Tensor type name -> how many tensors of it (GGUF: Q4_1, F32, ...; others: F32/F16/BF16).
    public var tensorTypes: [String: Int]
    public var tokenizer: TokenizerSummary
}

/// Problems with a model artifact or the files it refers to.
public enum ModelArtifactError: Error, CustomStringConvertible, Equatable {
    /// The folder holds no `model.json`.
    case notAModel(String)
    case unreadable(String, reason: String)
    /// A referenced file is gone or changed since the model was loaded.
    case sourceChanged(path: String, reason: String)
    /// The config and the tokenizer disagree, or a param is out of range.
    case invalid(String)

    public var description: String {
        switch self {
        case let .notAModel(path): return "\(path) holds no model artifact (model.json)"
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .sourceChanged(path, reason):
            return "\(path) \(reason) since the model was loaded; "
                + "rerun the load stage (pipe run) so the cache sees the new file"
        case let .invalid(message): return message
        }
    }
}

extension ModelArtifact {
    /// Where the source file or folder is, for a stage of a manifest in `manifestFolder`.
    public func sourceURL(relativeTo manifestFolder: URL) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
        return manifestFolder.appendingPathComponent(path).standardizedFileURL
    }
}

extension ModelArtifact {
    /// The GGUF file the weights are read from, if they are a GGUF file (the loaded source or the
    /// artifact's own quantized copy); `folder` is the artifact's folder.
    public func ggufFile(in folder: URL, manifestFolder: URL) -> URL? {
        switch format {
        case .gguf: return sourceURL(relativeTo: manifestFolder)
        case .quantized: return folder.appendingPathComponent(Self.quantizedFile)
        case .huggingFace, .initialized, .embedded: return nil
        }
    }
}
