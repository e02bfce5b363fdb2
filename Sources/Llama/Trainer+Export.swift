// What a training run produces: a PEFT adapter folder (LoRA) or a Hugging
// Face model folder (full fine-tuning), both loadable by this module, PEFT
// and transformers.

import Foundation
import Safetensors

extension LoRAAdapter {
    /// Writes `adapter_config.json` and `adapter_model.safetensors` (PEFT names,
    /// float32) into `folder`, creating it. `baseModel` (PEFT's `base_model_name_or_path`) is a
    /// model name or a relative path; an absolute path of this machine is refused, since the
    /// folder is meant to be opened elsewhere.
    public func savePEFT(to folder: URL, dropout: Float = 0, baseModel: String? = nil) throws {
        if let baseModel, Self.isAbsolutePath(baseModel) {
            throw LlamaError.invalidAdapter(path: folder.path,
                reason: "base model \"\(baseModel)\" is an absolute path "
                + "of this machine; give a model name or a path relative to where the adapter will be loaded")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var writer = SafetensorsWriter()
        writer.metadata = ["format": "pt"]
        for t in targets {
            for l in 0..<config.layerCount {
                let (aName, bName) = Self.peftNames(t, layer: l)
                let n = rank * inputSize(t), m = outputSize(t) * rank
                try writer.add(aName, dtype: .f32, shape: [rank, inputSize(t)],
                               data: Data(bytes: a(t, layer: l), count: n * 4))
                try writer.add(bName, dtype: .f32, shape: [outputSize(t), rank],
                               data: Data(bytes: b(t, layer: l), count: m * 4))
            }
        }
        try writer.write(to: folder.appendingPathComponent("adapter_model.safetensors"))
        let config: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank, "lora_alpha": Double(alpha),
            "lora_dropout": Double(dropout), "target_modules": targets.compactMap(\.moduleName),
            "use_rslora": useRSLoRA, "use_dora": false, "bias": "none", "fan_in_fan_out": false,
            "init_lora_weights": true, "inference_mode": true, "rank_pattern": [String: Int](),
            "alpha_pattern": [String: Double](), "modules_to_save": NSNull(),
            "base_model_name_or_path": baseModel.map { $0 as Any } ?? NSNull(),
        ]
        let json = try JSONSerialization.data(withJSONObject: config,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try json.write(to: folder.appendingPathComponent("adapter_config.json"), options: .atomic)
    }

    /// Whether `reference` names a file by an absolute path (`/x`, `~/x`, `file:///x`, `C:\x`, `\\host\x`).
    public static func isAbsolutePath(_ reference: String) -> Bool {
        let s = reference.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("/") || s.hasPrefix("~") || s.hasPrefix("\\") || s.lowercased().hasPrefix("file:") {
            return true
        }
        let u = Array(s.unicodeScalars)  // a Windows drive: C:\ or C:/
        return u.count >= 3 && u[0].isASCII && u[0].properties.isAlphabetic && u[1] == ":"
            && (u[2] == "\\" || u[2] == "/")
    }
}

extension LlamaModel {
    /// Writes `config.json` and `model.safetensors` (Hugging Face names, float32)
    /// into `folder`, creating it.
    public func saveHuggingFace(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var writer = SafetensorsWriter()
        writer.metadata = ["format": "pt"]
        let p = parameters
        for (t, l) in p.instances {
            try writer.add(t.huggingFaceName(layer: l), dtype: .f32, shape: t.shape(config),
                           data: Data(bytes: p.pointer(t, layer: l), count: p.instanceSize(t) * 4))
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(config).write(to: folder.appendingPathComponent("config.json"), options: .atomic)
    }
}

extension Trainer {
    /// Saves what trained: the adapter as a PEFT folder (LoRA) or the whole
    /// model as a Hugging Face folder (full fine-tuning).
    public func save(to folder: URL) throws {
        if let adapter {
            try adapter.savePEFT(to: folder, dropout: hyperparameters.dropout)
        } else {
            try model.saveHuggingFace(to: folder)
        }
    }
}
