import Foundation
import Llama

/// The `adapter` artifact: a LoRA adapter in PEFT's folder format, the base model it was trained
/// on, and the training log.
///
///     adapter.json                 this struct (with the base model's artifact and cache key)
///     peft/adapter_config.json     PEFT's files, loadable by `peft.PeftModel.from_pretrained`
///     peft/adapter_model.safetensors
///     training_log.json            TrainingLog
///     show.md                      what `pipe show` prints
public struct AdapterArtifact: Codable, Sendable, Equatable {
    public static let fileName = "adapter.json"
    public static let peftFolder = "peft"

    /// The base model, as its `load` stage described it.
    public var base: ModelArtifact
    /// The cache key of the stage that produced the base model.
    public var baseKey: String
    public var method: String
    public var rank: Int
    public var alpha: Double
    public var targets: [String]
    /// How prompts were rendered in training (nil in artifacts that predate it: the base model's template).
    public var chat: TrainedChat?

    public init(base: ModelArtifact, baseKey: String, method: String, rank: Int, alpha: Double, targets: [String],
                chat: TrainedChat? = nil) {
        self.base = base
        self.baseKey = baseKey
        self.method = method
        self.rank = rank
        self.alpha = alpha
        self.targets = targets
        self.chat = chat
    }

    enum CodingKeys: String, CodingKey {
        case base, method, rank, alpha, targets, chat
        case baseKey = "base_key"
    }

    public static func read(from folder: URL) throws -> AdapterArtifact {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelArtifactError.notAModel(folder.path)
        }
        do { return try JSONDecoder().decode(AdapterArtifact.self, from: data) } catch {
            throw ModelArtifactError.unreadable(url.path, reason: "\(error)")
        }
    }

    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: folder.appendingPathComponent(Self.fileName))
    }

    /// The base model with this adapter applied, and the chat rendering it was trained on.
    public func open(from folder: URL, manifestFolder: URL, baseFolder: URL? = nil) throws -> LoadedModel {
        if base.format == .quantized || base.format == .embedded, baseFolder == nil {
            throw ModelArtifactError.invalid("this adapter was trained on a model stored in the cache (stage key "
                + "\(baseKey.prefix(12))); wire that stage into the `base` input as well")
        }
        var loaded = try base.open(in: baseFolder, manifestFolder: manifestFolder)
        if let chat { loaded.trainedChat = try chat.chatTemplate(for: loaded.tokenizer) }
        let adapter: LoRAAdapter
        do {
            adapter = try LoRAAdapter(
                peftFolder: folder.appendingPathComponent(Self.peftFolder), config: loaded.model.config)
        } catch {
            throw ModelArtifactError.unreadable(folder.appendingPathComponent(Self.peftFolder).path, reason: "\(error)")
        }
        loaded.model.adapters.append(adapter)
        return loaded
    }
}

/// What training recorded: one entry per optimizer step, eval losses where they were measured.
public struct TrainingLog: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
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

        enum CodingKeys: String, CodingKey {
            case step, loss, lr
            case gradNorm = "grad_norm"
            case evalLoss = "eval_loss"
        }
    }

    public static let fileName = "training_log.json"

    public var log: [Step]
    public var totalSteps: Int

    public init(log: [Step], totalSteps: Int) {
        self.log = log
        self.totalSteps = totalSteps
    }

    enum CodingKeys: String, CodingKey {
        case log
        case totalSteps = "total_steps"
    }

    public static func read(from folder: URL) -> TrainingLog? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(fileName).path) else {
            return nil
        }
        return try? JSONDecoder().decode(TrainingLog.self, from: data)
    }

    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(self).write(to: folder.appendingPathComponent(Self.fileName))
    }
}

/// Opens whatever model-like artifact a folder holds: a model, or an adapter on its base, for a
/// stage of a manifest in `manifestFolder`. An adapter whose base lives in the cache itself (a
/// quantized or fully trained model) needs that base's artifact folder, `baseFolder`.
public func openModelArtifact(in folder: URL, manifestFolder: URL, baseFolder: URL? = nil) throws -> LoadedModel {
    if FileManager.default.fileExists(atPath: folder.appendingPathComponent(AdapterArtifact.fileName).path) {
        return try AdapterArtifact.read(from: folder)
            .open(from: folder, manifestFolder: manifestFolder, baseFolder: baseFolder)
    }
    return try ModelArtifact.read(from: folder).open(in: folder, manifestFolder: manifestFolder)
}
