// The linear layers of a GGUF model kept in their 4-bit / 8-bit blocks, for
// decoding one token at a time with `quantizedMatvec` (memory-bound: reading
// blocks instead of float32 weights is what makes generation fast).
// Batched passes (prompts, training) keep using the float32 weights and sgemm.

import Foundation
import GGUF
import Tensor

/// Quantized copies of a model's linear layers and LM head.
public final class QuantizedWeights: @unchecked Sendable {
    /// Per linear layer kind, one matrix per layer (absent kinds were not quantized in the file).
    public private(set) var layers: [LlamaTensor: [QuantizedMatrix]] = [:]
    /// The LM head (the embedding when tied), if quantized in the file.
    public private(set) var output: QuantizedMatrix?

    /// The matrix of `tensor` in `layer`, if kept quantized.
    @inline(__always)
    public func matrix(_ tensor: LlamaTensor, layer: Int) -> QuantizedMatrix? {
        layers[tensor]?[layer]
    }

    /// Keeps every Q4_0 / Q4_1 / Q8_0 linear layer of `gguf` (q/k rows put in
    /// Hugging Face order like the float weights); other types are left to the
    /// float32 path.
    public init(gguf: GGUFFile, config: LlamaConfig, path: String = "GGUF file") throws {
        let permuted = config.modelType == "llama" || config.modelType == "mistral"
        let linear: [LlamaTensor] = [.wq, .wk, .wv, .wo, .wGate, .wUp, .wDown]
        for t in linear {
            var matrices: [QuantizedMatrix] = []
            for l in 0..<config.layerCount {
                guard let info = gguf.tensor(named: t.ggufName(layer: l)),
                      let m = try Self.matrix(gguf, info, shape: t.shape(config), path: path,
                                              heads: permuted && t == .wq ? config.headCount
                                                   : permuted && t == .wk ? config.kvHeadCount : nil)
                else { break }
                matrices.append(m)
            }
            if matrices.count == config.layerCount { layers[t] = matrices }
        }
        let head: LlamaTensor = config.tieWordEmbeddings ? .embed : .lmHead
        if let info = gguf.tensor(named: head.ggufName(layer: 0)) {
            output = try Self.matrix(gguf, info, shape: head.shape(config), path: path, heads: nil)
        }
    }

    /// A repacked copy of a Q4_0 / Q4_1 / Q8_0 tensor, nil for other types.
    /// With `heads`, rows are un-permuted from llama.cpp's RoPE order.
    static func matrix(_ gguf: GGUFFile, _ info: GGUFTensorInfo, shape: [Int], path: String,
                       heads: Int?) throws -> QuantizedMatrix? {
        guard [.q4_0, .q4_1, .q8_0].contains(info.type), shape.count == 2, info.shape == shape,
              shape[1] % 32 == 0 else { return nil }
        let rows = shape[0], columns = shape[1]
        let kind: QuantizedMatrix.Kind = info.type == .q8_0 ? .eightBit : .fourBit
        let m = QuantizedMatrix(kind: kind, rows: rows, columns: columns)
        let nb = m.blocksPerRow
        let blockBytes = info.type.bytesPerBlock
        guard info.byteCount == rows * nb * blockBytes else {
            throw LlamaError.unreadableFile(path: path, reason: "tensor \(info.name): \(info.byteCount) bytes for \(rows)x\(columns) \(info.type)")
        }
        let base = gguf.pointer(of: info)
        let headSize = heads.map { rows / $0 } ?? 0
        withExtendedLifetime(gguf.buffer) {
            for r in 0..<rows {
                // Source row in the file for Hugging Face row r.
                var src = r
                if headSize > 0 {
                    let h = r / headSize, within = r % headSize, half = headSize / 2
                    src = h * headSize + 2 * (within % half) + within / half
                }
                for b in 0..<nb {
                    let block = base + (src * nb + b) * blockBytes
                    let d = halfToFloat(UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
                    let dst = m.blockQuants(row: r, block: b)
                    switch info.type {
                    case .q4_1:
                        m.scales[r * nb + b] = d
                        m.offsets[r * nb + b] = halfToFloat(UInt16(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
                        dst.copyMemory(from: block + 4, byteCount: 16)
                    case .q4_0:
                        m.scales[r * nb + b] = d
                        m.offsets[r * nb + b] = -8 * d
                        dst.copyMemory(from: block + 2, byteCount: 16)
                    default:  // q8_0
                        m.scales[r * nb + b] = d
                        dst.copyMemory(from: block + 2, byteCount: 32)
                    }
                }
            }
        }
        return m
    }
}
