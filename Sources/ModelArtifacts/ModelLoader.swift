import Foundation
import GGUF
import Llama
import JSON
import PipeCache
import Safetensors
import Tokenizer

/// A model ready to run: weights, tokenizer and chat template.
public struct LoadedModel: @unchecked Sendable {
    public let model: LlamaModel
    public let tokenizer: BPETokenizer
    /// For trained weights or an adapter: the template and system prompt of training.
    public var trainedChat: ChatTemplate?

    public init(model: LlamaModel, tokenizer: BPETokenizer, trainedChat: ChatTemplate? = nil) {
        self.model = model
        self.tokenizer = tokenizer
        self.trainedChat = trainedChat
    }

    /// The template to use for chat prompts: the one of training, else the model's own, else ChatML.
    public var chatTemplate: ChatTemplate {
        trainedChat ?? tokenizer.chatTemplate ?? ChatTemplate(kind: .chatml, eosText: tokenizer.eosText)
    }
}

/// How a model is initialised from a config instead of loaded (training from scratch, tests).
public struct ModelInitSpec: Codable, Sendable, Equatable {
    public var layers: Int
    public var width: Int
    public var heads: Int
    public var kvHeads: Int?
    public var ffn: Int
    public var ropeTheta: Double?
    public var maxPositions: Int?
    public var tieEmbeddings: Bool?

    enum CodingKeys: String, CodingKey {
        case layers, width, heads, ffn
        case kvHeads = "kv_heads"
        case ropeTheta = "rope_theta"
        case maxPositions = "max_positions"
        case tieEmbeddings = "tie_embeddings"
    }

    public init(
        layers: Int, width: Int, heads: Int, kvHeads: Int? = nil, ffn: Int, ropeTheta: Double? = nil,
        maxPositions: Int? = nil, tieEmbeddings: Bool? = nil
    ) {
        self.layers = layers
        self.width = width
        self.heads = heads
        self.kvHeads = kvHeads
        self.ffn = ffn
        self.ropeTheta = ropeTheta
        self.maxPositions = maxPositions
        self.tieEmbeddings = tieEmbeddings
    }
}

public enum ModelLoader {
    /// Describes a GGUF file or Hugging Face folder as a model artifact, hashing its files;
    /// `recordedPath` is how the artifact names it (the manifest's relative path; the URL's path if nil).
    public static func describe(_ url: URL, recordedAs recordedPath: String? = nil) throws -> ModelArtifact {
        let (format, files) = try sourceFiles(url)
        let references = try files.map { name, file in
            FileReference(name: name, bytes: try fileSize(file), sha256: try Digest.ofFile(at: file).hex)
        }
        let tokenizer = try openTokenizer(url)
        let config: LlamaConfig
        var tensorTypes: [String: Int] = [:]
        switch format {
        case .gguf:
            let gguf: GGUFFile
            do { gguf = try GGUFFile(contentsOf: url) } catch {
                throw ModelArtifactError.unreadable(url.path, reason: "\(error)")
            }
            config = try LlamaConfig(gguf: gguf)
            for tensor in gguf.tensors { tensorTypes[tensor.type.name, default: 0] += 1 }
        default:
            config = try LlamaConfig(contentsOf: url.appendingPathComponent("config.json"))
            let weights: SafetensorsFolder
            do { weights = try SafetensorsFolder(contentsOf: url) } catch {
                throw ModelArtifactError.unreadable(url.path, reason: "\(error)")
            }
            for name in weights.tensorNames {
                if let info = weights.info(name) { tensorTypes[info.dtype.rawValue, default: 0] += 1 }
            }
        }
        try config.validate()
        let summary = ModelSummary(
            parameters: parameterSizes(config).reduce(0, +), tensorTypes: tensorTypes, tokenizer: describe(tokenizer))
        return ModelArtifact(
            format: format, path: recordedPath ?? url.path, files: references, config: config, seed: nil,
            summary: summary)
    }

    /// Describes the GGUF file a `quantize` stage wrote at `ModelArtifact.quantizedFile` of `folder`:
    /// format `quantized`, its tensor types and tokenizer; path and chat rendering come from `source`,
    /// the artifact it was made from.
    public static func describe(quantizedIn folder: URL, from source: ModelArtifact) throws -> ModelArtifact {
        var artifact = try describe(ggufIn: folder, recordedAs: source.path)
        artifact.chat = source.chat
        return artifact
    }

    /// Describes a GGUF file stored at `ModelArtifact.quantizedFile` of an artifact folder (a `quantize`
    /// stage's or a `command` stage's output): format `quantized`, its tensor types and tokenizer.
    public static func describe(ggufIn folder: URL, recordedAs path: String) throws -> ModelArtifact {
        let url = folder.appendingPathComponent(ModelArtifact.quantizedFile)
        let gguf: GGUFFile
        do { gguf = try GGUFFile(contentsOf: url) } catch {
            throw ModelArtifactError.unreadable(url.path, reason: "\(error)")
        }
        var tensorTypes: [String: Int] = [:]
        for tensor in gguf.tensors { tensorTypes[tensor.type.name, default: 0] += 1 }
        let config = try LlamaConfig(gguf: gguf)
        let summary = ModelSummary(
            parameters: parameterSizes(config).reduce(0, +), tensorTypes: tensorTypes,
            tokenizer: describe(try openTokenizer(url)))
        return ModelArtifact(format: .quantized, path: path, files: [], config: config, seed: nil, summary: summary)
    }

    /// Describes a model initialised from `spec` with seeded random weights and the tokenizer at `tokenizerURL`.
    public static func describe(
        initializing spec: ModelInitSpec, tokenizer tokenizerURL: URL, recordedAs recordedPath: String? = nil,
        seed: UInt64
    ) throws -> ModelArtifact {
        let tokenizer = try openTokenizer(tokenizerURL)
        let (format, files) = try sourceFiles(tokenizerURL, tokenizerOnly: true)
        _ = format
        let references = try files.map { name, file in
            FileReference(name: name, bytes: try fileSize(file), sha256: try Digest.ofFile(at: file).hex)
        }
        let config = try self.config(for: spec, tokenizer: tokenizer)
        let summary = ModelSummary(
            parameters: parameterSizes(config).reduce(0, +),
            tensorTypes: ["F32": LlamaTensor.allCases.filter { $0.exists(in: config) }.count],
            tokenizer: describe(tokenizer))
        return ModelArtifact(
            format: .initialized, path: recordedPath ?? tokenizerURL.path, files: references, config: config,
            seed: seed, summary: summary)
    }

    static func config(for spec: ModelInitSpec, tokenizer: BPETokenizer) throws -> LlamaConfig {
        guard spec.width % spec.heads == 0 else {
            throw ModelArtifactError.invalid("init: width \(spec.width) is not a multiple of heads \(spec.heads)")
        }
        let kvHeads = spec.kvHeads ?? spec.heads
        guard spec.heads % kvHeads == 0 else {
            throw ModelArtifactError.invalid("init: heads \(spec.heads) is not a multiple of kv_heads \(kvHeads)")
        }
        guard (spec.width / spec.heads) % 2 == 0 else {
            throw ModelArtifactError.invalid("init: the head size \(spec.width / spec.heads) must be even for RoPE")
        }
        let special = tokenizer.specialTokens
        let eos = [special.eot, special.eos].compactMap { $0 }.map(Int.init)
        let config = LlamaConfig(
            vocabSize: tokenizer.vocabularySize, hiddenSize: spec.width, intermediateSize: spec.ffn,
            layerCount: spec.layers, headCount: spec.heads, kvHeadCount: kvHeads,
            ropeTheta: spec.ropeTheta ?? 10000, tieWordEmbeddings: spec.tieEmbeddings ?? true,
            maxPositionEmbeddings: spec.maxPositions ?? 2048,
            bosTokenId: special.bos.map(Int.init), eosTokenIds: Array(Set(eos)).sorted())
        try config.validate()
        return config
    }

    /// Opens a model file or folder directly (no artifact): for `pipe generate --model path`.
    public static func open(_ url: URL) throws -> LoadedModel {
        _ = try sourceFiles(url)
        let model: LlamaModel
        do { model = try LlamaModel.load(contentsOf: url) } catch {
            throw ModelArtifactError.unreadable(url.path, reason: "\(error)")
        }
        return LoadedModel(model: model, tokenizer: try openTokenizer(url))
    }

    /// The tokenizer of a GGUF file, a Hugging Face folder or a tokenizer.json.
    public static func openTokenizer(_ url: URL) throws -> BPETokenizer {
        do { return try BPETokenizer(contentsOf: url) } catch {
            throw ModelArtifactError.unreadable(url.path, reason: "tokenizer: \(error)")
        }
    }

    /// The files a model source is read from: name (relative) and location.
    public static func sourceFiles(
        _ url: URL, tokenizerOnly: Bool = false
    ) throws -> (ModelArtifact.Format, [(String, URL)]) {
        // Checked before anything opens them: a FIFO or a device would block or never end.
        switch FileKind(path: url.path) {
        case .regularFile: return (.gguf, [(url.lastPathComponent, url)])
        case .folder: break
        case .unavailable: throw ModelArtifactError.unreadable(url.path, reason: "no such file or folder")
        case let other: throw ModelArtifactError.unreadable(url.path, reason: "is \(other), not a model file or folder")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() } catch {
            throw ModelArtifactError.unreadable(url.path, reason: "\(error)")
        }
        let wanted = names.filter { name in
            if tokenizerOnly { return name == "tokenizer.json" || name == "tokenizer_config.json" }
            return name == "config.json" || name == "tokenizer.json" || name == "tokenizer_config.json"
                || name.hasSuffix(".safetensors") || name == "model.safetensors.index.json"
                || name == "generation_config.json"
        }
        for name in wanted {
            let kind = FileKind(path: url.appendingPathComponent(name).path)
            guard kind == .regularFile else {
                throw ModelArtifactError.unreadable(
                    url.appendingPathComponent(name).path, reason: "is \(kind), not a regular file")
            }
        }
        return (.huggingFace, wanted.map { ($0, url.appendingPathComponent($0)) })
    }

    static func describe(_ tokenizer: BPETokenizer) -> ModelSummary.TokenizerSummary {
        let template = tokenizer.chatTemplate
        return ModelSummary.TokenizerSummary(
            vocabularySize: tokenizer.vocabularySize, preTokenizer: "\(tokenizer.vocabulary.preTokenizer)",
            bos: tokenizer.specialTokens.bos.map(Int.init), eos: tokenizer.specialTokens.eos.map(Int.init),
            addBOS: tokenizer.vocabulary.addBOS, chatTemplate: template?.kind.rawValue,
            defaultSystemPrompt: template?.defaultSystemPrompt)
    }

    static func fileSize(_ url: URL) throws -> Int {
        do { return (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0 } catch {
            throw ModelArtifactError.unreadable(url.path, reason: "\(error)")
        }
    }
}

extension ModelArtifact {
    /// Opens the model this artifact refers to, after checking its files are still the ones that
    /// were loaded (sizes, then SHA-256). `folder` is the artifact's own folder, needed for
    /// `embedded` weights.
    /// `manifestFolder` is the folder of the manifest whose stage opens it (a relative `path` is
    /// resolved against it). `quantizedOnly` keeps a GGUF's Q4_0/Q4_1/Q8_0 linear layers only in
    /// their blocks (QLoRA-style training and small-memory inference); other formats refuse it.
    public func open(
        verify: Bool = true, in folder: URL? = nil, manifestFolder: URL, quantizedOnly: Bool = false
    ) throws -> LoadedModel {
        var loaded = try openWeights(
            verify: verify, in: folder, root: sourceURL(relativeTo: manifestFolder),
            quantizedOnly: quantizedOnly)
        if let chat { loaded.trainedChat = try chat.chatTemplate(for: loaded.tokenizer) }
        return loaded
    }

    private func openWeights(verify: Bool, in folder: URL?, root: URL, quantizedOnly: Bool) throws -> LoadedModel {
        if verify {
            for file in files {
                let url = isFolder(root) ? root.appendingPathComponent(file.name) : root
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw ModelArtifactError.sourceChanged(path: url.path, reason: "is gone")
                }
                if try ModelLoader.fileSize(url) != file.bytes || FileDigests.process.digest(of: url).hex != file.sha256
                {
                    throw ModelArtifactError.sourceChanged(path: url.path, reason: "changed")
                }
            }
        }
        if quantizedOnly {
            guard format == .gguf || format == .quantized else {
                throw ModelArtifactError.invalid(
                    "keeping the base quantized needs a GGUF base (Q4_0, Q4_1 or Q8_0); \(path) is \(format.rawValue)")
            }
            let root = try format == .quantized ? quantizedURL(in: folder) : root
            let model: LlamaModel
            do { model = try LlamaModel(ggufAt: root, keepQuantized: true, floatLinearWeights: false) } catch {
                throw ModelArtifactError.unreadable(root.path, reason: "\(error)")
            }
            return LoadedModel(model: model, tokenizer: try ModelLoader.openTokenizer(root))
        }
        switch format {
        case .gguf, .huggingFace:
            return try ModelLoader.open(root)
        case .initialized:
            let tokenizer = try ModelLoader.openTokenizer(root)
            return LoadedModel(model: LlamaModel(config: config, seed: seed ?? 0), tokenizer: tokenizer)
        case .quantized:
            return try ModelLoader.open(try quantizedURL(in: folder))
        case .embedded:
            guard let folder else {
                throw ModelArtifactError.invalid("an embedded model opens only from its artifact folder")
            }
            let weights = folder.appendingPathComponent(Self.weightsFolder)
            let model: LlamaModel
            do { model = try LlamaModel(huggingFaceFolder: weights) } catch {
                throw ModelArtifactError.unreadable(weights.path, reason: "\(error)")
            }
            return LoadedModel(model: model, tokenizer: try ModelLoader.openTokenizer(root))
        }
    }

    private func quantizedURL(in folder: URL?) throws -> URL {
        guard let folder else {
            throw ModelArtifactError.invalid("a quantized model opens only from its artifact folder")
        }
        return folder.appendingPathComponent(Self.quantizedFile)
    }

    private func isFolder(_ url: URL) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &folder) && folder.boolValue
    }
}
