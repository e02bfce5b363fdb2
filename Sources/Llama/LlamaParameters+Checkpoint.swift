// Loading a Llama model from a Hugging Face folder: config.json plus
// model.safetensors (or shards listed by model.safetensors.index.json).
// Tensor names are the ones `LlamaTensor.huggingFaceName` declares;
// `sanitize` maps what a checkpoint calls them onto those names first.

import Foundation
import GGUF
import Safetensors

extension LlamaParameters {
    /// The canonical Hugging Face name for a checkpoint tensor name, or nil to
    /// drop the tensor: rotary caches are dropped, a tied model's `lm_head` is
    /// dropped, and names without the `model.` prefix get it.
    public static func sanitize(_ name: String, config: LlamaConfig) -> String? {
        if name.hasSuffix("rotary_emb.inv_freq") { return nil }
        if name == "lm_head.weight" { return config.tieWordEmbeddings ? nil : name }
        if name.hasPrefix("model.") { return name }
        if name.hasPrefix("layers.") || name.hasPrefix("embed_tokens.") || name == "norm.weight" {
            return "model." + name
        }
        return name
    }

    /// Weights from a safetensors folder in Hugging Face layout.
    ///
    /// The names and shapes are checked against config.json before the weights it sizes are
    /// allocated, so a config that claims more layers than the files hold fails at once.
    public convenience init(safetensors: SafetensorsFolder, config: LlamaConfig, path: String = "model folder") throws {
        var byCanonical: [String: String] = [:]
        for name in safetensors.tensorNames {
            if let canonical = Self.sanitize(name, config: config) { byCanonical[canonical] = name }
        }
        // Each tensor config.json implies, present with its shape, in layout order (no list is
        // built: a config can claim millions of layers).
        func checkEveryTensor() throws {
            for t in LlamaTensor.allCases where t.exists(in: config) {
                for l in 0..<(t.isPerLayer ? config.layerCount : 1) {
                    let canonical = t.huggingFaceName(layer: l)
                    guard let name = byCanonical[canonical], let info = safetensors.info(name) else {
                        throw LlamaError.missingTensor(name: canonical, file: path)
                    }
                    let expected = t.shape(config)
                    guard info.shape == expected else {
                        throw LlamaError.shapeMismatch(name: name, expected: expected, elementCount: info.elementCount)
                    }
                }
            }
        }
        if tensorInstanceCount(config) > byCanonical.count { try checkEveryTensor() }  // throws: some are missing
        let expectedNames = Set(tensorInstances(config).map { $0.tensor.huggingFaceName(layer: $0.layer) })
        if let stray = byCanonical.keys.sorted().first(where: { !expectedNames.contains($0) }) {
            // Ignoring it would silently compute another model (e.g. o_proj or MLP biases).
            throw LlamaError.unreadableFile(
                path: path,
                reason: "tensor \(byCanonical[stray] ?? stray) is not part of "
                    + "a \(config.modelType) model with this configuration")
        }
        try checkEveryTensor()
        self.init(config: config)
        for (t, l) in instances {
            let name = byCanonical[t.huggingFaceName(layer: l)]!
            let values: [Float]
            do { values = try safetensors.floats(name) } catch {
                throw LlamaError.unreadableFile(path: path, reason: "tensor \(name): \(error)")
            }
            try set(t, layer: l, from: values, name: name)
        }
    }
}

extension LlamaModel {
    /// A model from a Hugging Face folder (config.json + safetensors weights).
    public convenience init(huggingFaceFolder url: URL) throws {
        let config = try LlamaConfig(contentsOf: url.appendingPathComponent("config.json"))
        let weights: SafetensorsFolder
        do { weights = try SafetensorsFolder(contentsOf: url) } catch {
            throw LlamaError.unreadableFile(path: url.path, reason: "\(error)")
        }
        self.init(parameters: try LlamaParameters(safetensors: weights, config: config, path: url.path))
    }

    /// A model from a GGUF file or a Hugging Face folder, whichever `url` is.
    public static func load(contentsOf url: URL) throws -> LlamaModel {
        switch FileKind(path: url.path) {
        case .folder: return try LlamaModel(huggingFaceFolder: url)
        case .regularFile: return try LlamaModel(ggufAt: url)
        case .unavailable: throw LlamaError.unreadableFile(path: url.path, reason: "no such file or folder")
        case let other:
            throw LlamaError.unreadableFile(path: url.path, reason: "is \(other), not a GGUF file or a model folder")
        }
    }
}
