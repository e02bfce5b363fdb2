// Exports a model as a Hugging Face folder that transformers' AutoModelForCausalLM and
// AutoTokenizer load:
//
//   config.json                  LlamaConfig's Hugging Face names, plus hidden_act, mlp_bias, dtype,
//                                use_cache (keys sorted)
//   generation_config.json       see GenerationConfig.swift
//   model.safetensors            float32 weights under transformers' names (adapters merged,
//                                quantized-only layers dequantized); above `maxShardBytes`,
//                                model-0000i-of-0000n.safetensors + model.safetensors.index.json
//                                (see HFExport+Safetensors.swift)
//   tokenizer.json, tokenizer_config.json   see TokenizerJSONWriter.swift
//
// Everything is written into a temporary folder beside `folder`, renamed into place at the end:
// a reader never sees half an export. Same model, same bytes.

import Foundation
import JSON
import Llama
import Tokenizer

/// The Hugging Face (transformers) export of a model.
public enum HFExport {
    /// transformers' "2GB": a checkpoint larger than this is split into shards.
    public static let defaultMaxShardBytes = 2_000_000_000

    /// Writes `model` (adapters merged) and `tokenizer` as a Hugging Face folder at `folder`,
    /// replacing what is there. The chat template is `template`'s Jinja form, else the
    /// tokenizer's own.
    public static func write(_ model: LlamaModel, tokenizer: BPETokenizer, template: ChatTemplate?,
                             to folder: URL, maxShardBytes: Int = defaultMaxShardBytes) throws {
        guard maxShardBytes > 0 else { throw HFExportError.invalidShardSize(maxShardBytes) }
        let weights = HFWeights(model: model)
        try weights.validate()
        try writeFolder(folder) { temporary in
            // The tokenizer first: what it cannot express fails before the weights are written.
            try TokenizerJSONWriter.write(tokenizer, template: template,
                                          modelMaxLength: model.config.maxPositionEmbeddings, to: temporary)
            try writeText(configJSON(model.config).prettyText, to: temporary.appendingPathComponent("config.json"))
            try writeText(GenerationConfig(config: model.config, tokenizer: tokenizer).json.prettyText,
                          to: temporary.appendingPathComponent("generation_config.json"))
            try writeSafetensors(weights, to: temporary, maxShardBytes: maxShardBytes)
        }
    }

    /// config.json: what LlamaConfig encodes, plus the settings transformers would otherwise
    /// default differently or warn about.
    static func configJSON(_ config: LlamaConfig) throws -> JSONValue {
        var members = try JSONValue.encode(config).objectValue ?? []
        let extras: [(key: String, value: JSONValue)] = [
            ("hidden_act", "silu"), ("mlp_bias", false), ("dtype", "float32"), ("use_cache", true),
        ]
        for extra in extras where !members.contains(where: { $0.key == extra.key }) { members.append(extra) }
        return .object(members.sorted { $0.key < $1.key })
    }

    // MARK: Files

    /// Runs `body` on a new temporary folder beside `folder`, then puts it in `folder`'s place.
    static func writeFolder(_ folder: URL, _ body: (URL) throws -> Void) throws {
        let manager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let name = folder.lastPathComponent
        let temporary = parent.appendingPathComponent(".\(name).tmp-\(UUID().uuidString)")
        do {
            try manager.createDirectory(at: parent, withIntermediateDirectories: true)
            try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            throw HFExportError.io(path: temporary.path,
                                   reason: "cannot create the folder: \(error.localizedDescription)")
        }
        do {
            try body(temporary)
            guard manager.fileExists(atPath: folder.path) else { return try move(temporary, to: folder) }
            let old = parent.appendingPathComponent(".\(name).old-\(UUID().uuidString)")
            try move(folder, to: old)
            do { try move(temporary, to: folder) } catch {
                try? move(old, to: folder)
                throw error
            }
            try? manager.removeItem(at: old)
        } catch {
            try? manager.removeItem(at: temporary)
            throw error
        }
    }

    private static func move(_ source: URL, to destination: URL) throws {
        guard rename(source.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw HFExportError.io(path: destination.path,
                                   reason: "cannot move \(source.lastPathComponent) here: \(reason)")
        }
    }

    /// Writes UTF-8 text through a temporary file renamed into place.
    static func writeText(_ text: String, to url: URL) throws {
        do { try Data((text + "\n").utf8).write(to: url, options: .atomic) } catch {
            throw HFExportError.io(path: url.path, reason: error.localizedDescription)
        }
    }
}
