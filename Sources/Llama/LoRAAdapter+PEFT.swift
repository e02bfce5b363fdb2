// Reading a PEFT LoRA adapter folder: adapter_config.json and
// adapter_model.safetensors with names like
// `base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`.

import Foundation
import Safetensors

/// The parts of PEFT's `adapter_config.json` this module reads.
public struct PEFTAdapterConfig: Codable, Sendable, Equatable {
    public var peftType: String?
    public var r: Int
    public var loraAlpha: Float
    public var targetModules: [String]
    public var useRSLoRA: Bool
    public var useDoRA: Bool
    public var bias: String
    public var fanInFanOut: Bool
    public var rankPattern: [String: Int]
    public var alphaPattern: [String: Float]
    public var modulesToSave: [String]?
    public var loraDropout: Float

    enum CodingKeys: String, CodingKey {
        case peftType = "peft_type", r, loraAlpha = "lora_alpha", targetModules = "target_modules"
        case useRSLoRA = "use_rslora", useDoRA = "use_dora", bias, fanInFanOut = "fan_in_fan_out"
        case rankPattern = "rank_pattern", alphaPattern = "alpha_pattern", modulesToSave = "modules_to_save"
        case loraDropout = "lora_dropout"
    }

    public init(r: Int, loraAlpha: Float, targetModules: [String], useRSLoRA: Bool = false, loraDropout: Float = 0) {
        peftType = "LORA"
        self.r = r
        self.loraAlpha = loraAlpha
        self.targetModules = targetModules
        self.useRSLoRA = useRSLoRA
        useDoRA = false
        bias = "none"
        fanInFanOut = false
        rankPattern = [:]
        alphaPattern = [:]
        modulesToSave = nil
        self.loraDropout = loraDropout
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        peftType = try c.decodeIfPresent(String.self, forKey: .peftType)
        r = try c.decodeIfPresent(Int.self, forKey: .r) ?? 8
        loraAlpha = try c.decodeIfPresent(Float.self, forKey: .loraAlpha) ?? 8
        if let list = try? c.decodeIfPresent([String].self, forKey: .targetModules) {
            targetModules = list
        } else if let single = try? c.decodeIfPresent(String.self, forKey: .targetModules) {
            targetModules = [single]  // a regex in PEFT; the tensors decide below
        } else {
            targetModules = []
        }
        useRSLoRA = try c.decodeIfPresent(Bool.self, forKey: .useRSLoRA) ?? false
        useDoRA = try c.decodeIfPresent(Bool.self, forKey: .useDoRA) ?? false
        bias = try c.decodeIfPresent(String.self, forKey: .bias) ?? "none"
        fanInFanOut = try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut) ?? false
        rankPattern = (try? c.decodeIfPresent([String: Int].self, forKey: .rankPattern)) ?? [:]
        alphaPattern = (try? c.decodeIfPresent([String: Float].self, forKey: .alphaPattern)) ?? [:]
        modulesToSave = try? c.decodeIfPresent([String].self, forKey: .modulesToSave)
        loraDropout = try c.decodeIfPresent(Float.self, forKey: .loraDropout) ?? 0
    }
}

extension LoRAAdapter {
    /// Reads a PEFT LoRA adapter folder for a model of `config`.
    public convenience init(peftFolder url: URL, config: LlamaConfig) throws {
        let path = url.path
        let configURL = url.appendingPathComponent("adapter_config.json")
        // Checked before reading: a FIFO or a device would block or never end.
        switch FileKind(path: configURL.path) {
        case .regularFile, .unavailable: break  // a missing file is reported by the read below
        case let other:
            throw LlamaError.invalidAdapter(path: path, reason: "adapter_config.json is \(other), not a regular file")
        }
        let peft: PEFTAdapterConfig
        do {
            peft = try JSONDecoder().decode(PEFTAdapterConfig.self, from: Data(contentsOf: configURL))
        } catch {
            throw LlamaError.invalidAdapter(path: path, reason: "cannot read adapter_config.json: \(error)")
        }
        if let type = peft.peftType, type != "LORA" {
            throw LlamaError.invalidAdapter(path: path, reason: "peft_type \(type) is not LORA")
        }
        if peft.useDoRA { throw LlamaError.invalidAdapter(path: path, reason: "DoRA adapters are not supported") }
        if peft.bias != "none" {
            throw LlamaError.invalidAdapter(path: path, reason: "bias \"\(peft.bias)\" is not supported (only none)")
        }
        if peft.fanInFanOut { throw LlamaError.invalidAdapter(path: path, reason: "fan_in_fan_out is not supported") }
        if !peft.rankPattern.isEmpty || !peft.alphaPattern.isEmpty {
            throw LlamaError.invalidAdapter(
                path: path, reason: "per-module rank_pattern / alpha_pattern are not supported")
        }
        if let save = peft.modulesToSave, !save.isEmpty {
            throw LlamaError.invalidAdapter(path: path, reason: "modules_to_save \(save) is not supported")
        }
        let weightsURL = url.appendingPathComponent("adapter_model.safetensors")
        let file: SafetensorsFile
        do { file = try SafetensorsFile(contentsOf: weightsURL) } catch {
            throw LlamaError.invalidAdapter(path: path, reason: "cannot read adapter_model.safetensors: \(error)")
        }
        // The tensors decide which projections are adapted.
        let names = Set(file.tensorNames.map(Self.canonicalPEFTName))
        let targets = LlamaTensor.allCases.filter { t in
            t.moduleName != nil && (0..<config.layerCount).contains { names.contains(Self.peftNames(t, layer: $0).a) }
        }
        guard !targets.isEmpty else {
            throw LlamaError.invalidAdapter(path: path, reason: "no lora_A / lora_B tensors for any Llama projection")
        }
        try self.init(config: config, rank: peft.r, alpha: peft.loraAlpha, targets: targets, useRSLoRA: peft.useRSLoRA)
        var byCanonical: [String: String] = [:]
        for name in file.tensorNames { byCanonical[Self.canonicalPEFTName(name)] = name }
        // Every tensor must be one this adapter applies; silently dropping one
        // (an adapted lm_head, a DoRA magnitude) would change the model's output.
        let known = Set(targets.flatMap { t in
            (0..<config.layerCount).flatMap { l -> [String] in let n = Self.peftNames(t, layer: l); return [n.a, n.b] }
        })
        if let stray = byCanonical.keys.sorted().first(where: { !known.contains($0) }) {
            throw LlamaError.invalidAdapter(
                path: path, reason: "tensor \(stray) is not a LoRA A/B of a Llama projection this module applies")
        }
        for t in targets {
            for l in 0..<config.layerCount {
                let (aName, bName) = Self.peftNames(t, layer: l)
                guard let aFile = byCanonical[aName], let bFile = byCanonical[bName] else {
                    if byCanonical[aName] == nil && byCanonical[bName] == nil { continue }  // layer not adapted
                    throw LlamaError.invalidAdapter(path: path, reason: "\(aName) and \(bName) must come in pairs")
                }
                try load(file, aFile, into: a(t, layer: l), shape: [rank, inputSize(t)], path: path)
                try load(file, bFile, into: b(t, layer: l), shape: [outputSize(t), rank], path: path)
            }
        }
    }

    private func load(_ file: SafetensorsFile, _ name: String, into dst: UnsafeMutablePointer<Float>,
                      shape: [Int], path: String) throws {
        guard let info = file.info(name), info.shape == shape else {
            throw LlamaError.invalidAdapter(path: path,
                reason: "\(name) has shape \(file.info(name)?.shape ?? []), expected \(shape) (rank \(rank))")
        }
        let values: [Float]
        do { values = try file.floats(name) } catch {
            throw LlamaError.invalidAdapter(path: path, reason: "\(name): \(error)")
        }
        values.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: values.count) }
    }

    /// PEFT may keep the adapter name (`lora_A.default.weight`); drop it.
    static func canonicalPEFTName(_ name: String) -> String {
        name.replacingOccurrences(of: ".lora_A.default.", with: ".lora_A.")
            .replacingOccurrences(of: ".lora_B.default.", with: ".lora_B.")
    }
}
