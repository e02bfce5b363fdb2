// The precisions a GGUF export can be written in, and which ggml type each tensor gets.
//
// The per-tensor choice follows what llama.cpp's `llama-quantize` does for the same file type, so an
// exported file is laid out like one a llama.cpp user would make (the rules, in words):
// - 1-D tensors (norms, biases) stay F32; so does every tensor of an `f32` export.
// - `f16` / `bf16`: every matrix in that type (no mixing for unquantized types).
// - Quantized types: every matrix gets the type's default (Q4_K for `q4_k_m`), except
//   - the output projection (the token embedding when they are tied) gets Q6_K, or Q8_0 when the
//     row length is not a multiple of the default type's block size or the default is Q8_0;
//   - `q4_k_m` only: `attn_v` and `ffn_down` get Q6_K in the layers that "use more bits": the first
//     eighth, the last eighth, and every third layer in between (layer i with (i - L/8) % 3 == 2).
// - A K-quant needs rows that are whole 256-element blocks; when a row length is not, the tensor falls
//   back to a 32-block type of about the same size: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0 (and to
//   F16 should even 32 not divide it). SmolLM2 (width 576) therefore gets mostly Q5_0 in `q4_k_m`.

import GGUF
import Llama

/// The precision of a GGUF export: `f32`, `f16`, `bf16`, or a llama.cpp quantization.
public enum QuantizationType: String, CaseIterable, Sendable {
    case f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k_m, q6_k

    /// The ggml type most matrices get.
    public var defaultType: GGMLType {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .q8_0: return .q8_0
        case .q4_0: return .q4_0
        case .q4_1: return .q4_1
        case .q5_0: return .q5_0
        case .q5_1: return .q5_1
        case .q4_k_m: return .q4_K
        case .q6_k: return .q6_K
        }
    }

    /// llama.cpp's `general.file_type` number for this precision (`llama_ftype`).
    public var fileType: UInt32 {
        switch self {
        case .f32: return 0
        case .f16: return 1
        case .q4_0: return 2
        case .q4_1: return 3
        case .q8_0: return 7
        case .q5_0: return 8
        case .q5_1: return 9
        case .q4_k_m: return 15
        case .q6_k: return 18
        case .bf16: return 32
        }
    }

    /// The precision a GGUF file declares in `general.file_type`, nil for file types not offered here.
    public init?(fileType: Int) {
        guard let match = Self.allCases.first(where: { Int($0.fileType) == fileType }) else { return nil }
        self = match
    }

    /// The ggml type of `tensor` in `layer` of a model of `config` (see the rules at the top of the file).
    public func ggmlType(for tensor: LlamaTensor, layer: Int, config: LlamaConfig) -> GGMLType {
        let shape = tensor.shape(config)
        guard shape.count == 2 else { return .f32 }
        let base = defaultType
        guard base.isQuantized else { return base }
        let rowLength = shape[1]
        var type = base
        let isOutput = tensor == .lmHead || (tensor == .embed && config.tieWordEmbeddings)
        if isOutput {
            type = rowLength % base.blockSize != 0 || base == .q8_0 ? .q8_0 : .q6_K
        } else if self == .q4_k_m, tensor == .wv || tensor == .wDown,
                  Self.usesMoreBits(layer: layer, of: config.layerCount) {
            type = .q6_K
        }
        return Self.fallback(type, rowLength: rowLength)
    }

    /// Whether `q4_k_m` gives layer `i` of `n` the larger type for `attn_v` and `ffn_down`.
    static func usesMoreBits(layer i: Int, of n: Int) -> Bool {
        i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2
    }

    /// `type`, or a 32-block type of about its size when rows of `rowLength` are not whole blocks of it.
    static func fallback(_ type: GGMLType, rowLength: Int) -> GGMLType {
        guard rowLength % type.blockSize != 0 else { return type }
        let replacement: GGMLType
        switch type {
        case .q4_K: replacement = .q5_0
        case .q5_K: replacement = .q5_1
        case .q6_K: replacement = .q8_0
        default: replacement = type
        }
        return rowLength % replacement.blockSize == 0 ? replacement : .f16
    }
}
