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
        let linear: [LlamaTensor] = [.wq, .wk, .wv, .wo, .wGate, .wUp, .wDown]
        for t in linear {
            var matrices: [QuantizedMatrix] = []
            for l in 0..<config.layerCount {
                guard let info = gguf.tensor(named: t.ggufName(layer: l)),
                      let m = try Self.matrix(gguf, info, shape: t.shape(config), path: path,
                                              rowOrder: LlamaCppRowOrder(t, config: config))
                else { break }
                matrices.append(m)
            }
            if matrices.count == config.layerCount { layers[t] = matrices }
        }
        let head: LlamaTensor = config.tieWordEmbeddings ? .embed : .lmHead
        if let info = gguf.tensor(named: head.ggufName(layer: 0)) {
            output = try Self.matrix(gguf, info, shape: head.shape(config), path: path, rowOrder: nil)
        }
    }

    /// A repacked copy of a Q4_0 / Q4_1 / Q8_0 tensor, nil for other types.
    /// With `rowOrder`, rows are put back in Hugging Face's order.
    static func matrix(_ gguf: GGUFFile, _ info: GGUFTensorInfo, shape: [Int], path: String,
                       rowOrder: LlamaCppRowOrder?) throws -> QuantizedMatrix? {
        guard shape.count == 2, info.shape == shape else { return nil }
        let rows = shape[0], columns = shape[1]
        guard let blockBytes = QuantizedWeights.blockBytes(info.type), columns % 32 == 0 else { return nil }
        guard info.byteCount == rows * columns / 32 * blockBytes else {
            throw LlamaError.unreadableFile(
                path: path, reason: "tensor \(info.name): \(info.byteCount) bytes for \(rows)x\(columns) \(info.type)")
        }
        return withExtendedLifetime(gguf.buffer) {
            QuantizedWeights.repack(info.type, bytes: gguf.pointer(of: info), rows: rows, columns: columns) { r in
                rowOrder?.ggufRow(r) ?? r
            }
        }
    }

    /// Bytes per block of 32 for the types `repack` reads, nil for others.
    public static func blockBytes(_ type: GGMLType) -> Int? {
        switch type {
        case .q4_0, .q4_1, .q8_0: return type.bytesPerBlock
        default: return nil
        }
    }

    /// A `QuantizedMatrix` from ggml Q4_0 / Q4_1 / Q8_0 blocks (e.g. the output of
    /// GGUF's `quantizeRow`), nil for other types, a column count not a multiple of 32, or a
    /// Q4_0 scale whose offset -8d overflows half precision.
    ///
    ///     bytes: rows x (columns / 32) blocks, row-major
    ///     sourceRow: which stored row becomes row r (identity by default)
    public static func repack(_ type: GGMLType, bytes: UnsafeRawPointer, rows: Int, columns: Int,
                              sourceRow: (Int) -> Int = { $0 }) -> QuantizedMatrix? {
        guard let blockBytes = blockBytes(type), columns % 32 == 0, columns > 0 else { return nil }
        let m = QuantizedMatrix(kind: type == .q8_0 ? .eightBit : .fourBit, rows: rows, columns: columns)
        let nb = m.blocksPerRow
        for r in 0..<rows {
            let src = sourceRow(r)
            guard (0..<rows).contains(src) else { return nil }
            for b in 0..<nb {
                let block = bytes + (src * nb + b) * blockBytes
                let d = UInt16(littleEndian: block.loadUnaligned(as: UInt16.self))
                let dst = m.blockQuants(row: r, block: b)
                switch type {
                case .q4_1:
                    let offset = UInt16(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
                    m.setBlock(row: r, block: b, scaleBits: d, offsetBits: offset)
                    dst.copyMemory(from: block + 4, byteCount: 16)
                case .q4_0:
                    // m = -8d is exact in half precision unless it overflows (a scale past 8188).
                    let offset = Float16(-8 * halfToFloat(d))
                    guard offset.isFinite else { return nil }
                    m.setBlock(row: r, block: b, scaleBits: d, offsetBits: offset.bitPattern)
                    dst.copyMemory(from: block + 2, byteCount: 16)
                default:  // q8_0
                    m.setBlock(row: r, block: b, scaleBits: d, offsetBits: 0)
                    dst.copyMemory(from: block + 2, byteCount: 32)
                }
            }
        }
        return m
    }
}
