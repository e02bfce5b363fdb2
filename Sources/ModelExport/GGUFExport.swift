// Writing a model as one GGUF file llama.cpp runs: a Llama-family model (adapters merged) in a chosen
// precision, with its tokenizer and chat template. The file is laid out as llama.cpp's converter lays
// one out:
//
//   metadata  general.architecture (llama, or qwen2), general.type = model, general.name,
//             general.file_type (llama.cpp's number for the precision), general.quantization_version = 2,
//             <arch>.vocab_size, context_length, embedding_length, block_count, feed_forward_length,
//             attention.head_count, attention.head_count_kv, rope.dimension_count, rope.freq_base,
//             attention.layer_norm_rms_epsilon (and attention.key_length / value_length when the head
//             size is not width / heads), then the tokenizer (GGUFExport+Tokenizer.swift)
//   tensors   rope_freqs.weight (F32 (HS/2), only when the model's rotary frequencies are scaled:
//             llama.cpp divides its plain frequencies by these factors), token_embd.weight, per block
//             attn_norm, attn_q, attn_k, attn_v (+ biases), attn_output, ffn_norm, ffn_gate, ffn_up,
//             ffn_down, then output_norm.weight and output.weight (absent when tied); types per
//             `QuantizationType.ggmlType`; dimensions reversed from Hugging Face's (ne0 = row length);
//             attn_q / attn_k rows of llama files reordered for adjacent-pair RoPE (`ggufRowSource`).
//
// Mistral models are written as `llama` (as llama.cpp's converter does); llama.cpp then ignores a
// sliding window. Tensors are converted while the file is written, one at a time.

import Foundation
import GGUF
import Llama
import Tokenizer

/// GGUF export of models and LoRA adapters for llama.cpp.
public enum GGUFExport {
    /// Writes `model` (its adapters merged into the weights, quantized-only layers dequantized) as a
    /// GGUF file in `type`'s precision with `tokenizer`'s vocabulary and `template` as its Jinja chat
    /// template (the tokenizer's own template when nil). Written to a temporary name, then renamed.
    public static func writeModel(
        _ model: LlamaModel, tokenizer: BPETokenizer, template: ChatTemplate?,
        type: QuantizationType, name: String, to url: URL
    ) throws {
        try writeModel(model, weightsIn: nil, tokenizer: tokenizer, template: template, type: type, name: name, to: url)
    }

    /// Writes the model of the GGUF file `gguf` as `writeModel(LlamaModel(gguf: gguf), ...)` does, byte
    /// for byte, reading each tensor straight from the mapped file while it is written (F32 rows in
    /// place; other types one tensor at a time) instead of loading a float copy of the whole model.
    public static func writeModel(
        gguf: GGUFFile, path: String = "GGUF file", tokenizer: BPETokenizer,
        template: ChatTemplate?, type: QuantizationType, name: String, to url: URL
    ) throws {
        let model = try LlamaModel(weightsLeftIn: gguf, path: path)
        try writeModel(
            model, weightsIn: gguf, tokenizer: tokenizer, template: template, type: type, name: name, to: url)
    }

    /// `model`'s weights, or with `file` the weights of that GGUF file (`model` then only describes it).
    static func writeModel(
        _ model: LlamaModel, weightsIn file: GGUFFile?, tokenizer: BPETokenizer,
        template: ChatTemplate?, type: QuantizationType, name: String, to url: URL
    ) throws {
        let config = model.config
        let architecture = try Self.architecture(config)
        var writer = try GGUFWriter()
        do {
            try writeModelMetadata(&writer, config: config, architecture: architecture, type: type, name: name)
            try writeTokenizer(&writer, tokenizer, template: template, vocabSize: config.vocabSize)
            if let factors = ropeFactors(model) {
                try writer.addTensor(name: "rope_freqs.weight", floats: factors, dimensions: [factors.count])
            }
        } catch let error as GGUFError {
            throw GGUFExportError.tensor(name: "(metadata)", reason: error.description)
        }
        for (t, l) in tensorOrder(config) {
            let source = GGUFTensorSource(
                model: model, file: file, tensor: t, layer: l,
                type: type.ggmlType(for: t, layer: l, config: config),
                ropeHeads: ropeHeads(t, config: config, architecture: architecture))
            try writer.addTensor(name: source.name, type: source.type, dimensions: source.dimensions) { out in
                try source.produce(into: out)
            }
        }
        try write(writer, to: url)
    }

    /// The llama.cpp architecture a model type is written as.
    static func architecture(_ config: LlamaConfig) throws -> String {
        switch config.modelType {
        case .llama, .mistral: return "llama"
        case .qwen2: return "qwen2"
        }
    }

    /// The heads whose rows llama.cpp reorders in `t` (attn_q / attn_k and their biases in llama files), else nil.
    static func ropeHeads(_ t: LlamaTensor, config: LlamaConfig, architecture: String) -> Int? {
        guard architecture == "llama" else { return nil }
        switch t {
        case .wq, .bq: return config.headCount
        case .wk, .bk: return config.kvHeadCount
        default: return nil
        }
    }

    /// Every tensor of the configuration in the order llama.cpp's converter writes them.
    static func tensorOrder(_ config: LlamaConfig) -> [(LlamaTensor, Int)] {
        let block: [LlamaTensor] = [.attnNorm, .wq, .bq, .wk, .bk, .wv, .bv, .wo, .ffnNorm, .wGate, .wUp, .wDown]
        var out: [(LlamaTensor, Int)] = [(.embed, 0)]
        for l in 0..<config.layerCount {
            for t in block where t.exists(in: config) { out.append((t, l)) }
        }
        out.append((.finalNorm, 0))
        if LlamaTensor.lmHead.exists(in: config) { out.append((.lmHead, 0)) }
        return out
    }

    static func writeModelMetadata(
        _ writer: inout GGUFWriter, config c: LlamaConfig, architecture a: String,
        type: QuantizationType, name: String
    ) throws {
        try writer.set("general.architecture", .string(a))
        try writer.set("general.type", .string("model"))
        try writer.set("general.name", .string(name))
        try writer.set("general.file_type", .uint32(type.fileType))
        try writer.set("general.quantization_version", .uint32(2))
        try writer.set("\(a).vocab_size", .uint32(UInt32(c.vocabSize)))
        try writer.set("\(a).context_length", .uint32(UInt32(c.maxPositionEmbeddings)))
        try writer.set("\(a).embedding_length", .uint32(UInt32(c.hiddenSize)))
        try writer.set("\(a).block_count", .uint32(UInt32(c.layerCount)))
        try writer.set("\(a).feed_forward_length", .uint32(UInt32(c.intermediateSize)))
        try writer.set("\(a).attention.head_count", .uint32(UInt32(c.headCount)))
        try writer.set("\(a).attention.head_count_kv", .uint32(UInt32(c.kvHeadCount)))
        try writer.set("\(a).rope.dimension_count", .uint32(UInt32(c.headDim)))
        try writer.set("\(a).rope.freq_base", .float32(Float(c.ropeTheta)))
        try writer.set("\(a).attention.layer_norm_rms_epsilon", .float32(c.rmsNormEps))
        if c.headCount > 0, c.headDim != c.hiddenSize / c.headCount {
            try writer.set("\(a).attention.key_length", .uint32(UInt32(c.headDim)))
            try writer.set("\(a).attention.value_length", .uint32(UInt32(c.headDim)))
        }
    }

    /// llama.cpp's `rope_freqs` factors (plain inverse frequency / the model's), nil when they are all 1.
    static func ropeFactors(_ model: LlamaModel) -> [Float]? {
        var plain = model.config
        plain.ropeScaling = nil
        let base = plain.ropeInverseFrequencies()
        let used = model.rope.inverseFrequencies
        guard used.count == base.count, used != base else { return nil }
        return zip(base, used).map { $0 / $1 }
    }

    /// Writes through the writer's temporary-then-rename path, naming the destination in failures.
    static func write(_ writer: GGUFWriter, to url: URL) throws {
        do { try writer.write(to: url) } catch let error as GGUFError {
            if case let .io(path, reason) = error { throw GGUFExportError.io(path: path, reason: reason) }
            throw GGUFExportError.io(path: url.path, reason: error.description)
        }
    }
}
