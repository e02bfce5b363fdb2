// Exporting a Llama-family model as an ONNX decoder that onnxruntime (and optimum /
// transformers.js, whose input and output names it uses) can run with a KV cache.

import Foundation
import Llama

/// Writes a `LlamaModel` as an ONNX model (see LlamaDecoderGraph.swift for the graph).
public enum ONNXExport {
    /// The operator set the graph is written against.
    public static let opset = 17

    /// Writes `model` to `url` (e.g. `model.onnx`). LoRA adapters attached to the model are
    /// merged into the weights; linear layers kept only quantized are dequantized.
    /// `externalData`: true puts the weights in `<file name>.data` beside the model; nil (the
    /// default) does so only when they would not fit one file (2 GiB).
    public static func write(_ model: LlamaModel, to url: URL, externalData: Bool? = nil) throws {
        let c = model.config
        guard c.headDim > 0, c.headDim % 2 == 0 else {
            throw ONNXError.unsupportedModel(
                reason: "head size \(c.headDim) is not a positive even number, so RoPE cannot pair halves")
        }
        guard c.kvHeadCount > 0, c.headCount % c.kvHeadCount == 0 else {
            throw ONNXError.unsupportedModel(
                reason: "\(c.headCount) query heads are not a multiple of \(c.kvHeadCount) kv heads")
        }
        let frequencies = model.rope.inverseFrequencies
        guard frequencies.count == c.headDim / 2 else {
            throw ONNXError.unsupportedModel(
                reason: "\(frequencies.count) rotary frequencies for head size \(c.headDim)")
        }
        let weights = try LlamaExportWeights(model)
        let graph = LlamaDecoderGraph.build(weights, inverseFrequencies: frequencies)
        try ONNXFile.write(graph, to: url, opset: opset, metadata: [
            ("model_type", c.modelType.rawValue), ("num_hidden_layers", String(c.layerCount)),
            ("num_key_value_heads", String(c.kvHeadCount)), ("head_dim", String(c.headDim)),
        ], externalData: externalData)
    }
}
