// The float32 weights an export writes, as the model computes with them: the model's own,
// the linear layers kept only quantized dequantized, and every attached LoRA adapter merged
// in (W + scale · B · A, which is what `x·Wᵀ + scale · (x·Aᵀ)·Bᵀ` computes).

import Foundation
import Llama
import Tensor

/// Reads one (tensor, layer) instance at a time in Hugging Face layout (OUT, IN),
/// so a merged or dequantized copy exists only while it is written.
final class LlamaExportWeights {
    let model: LlamaModel
    var config: LlamaConfig { model.config }

    /// Checks that every weight can be produced.
    init(_ model: LlamaModel) throws {
        self.model = model
        for t in model.parameters.omitted.sorted(by: { $0.rawValue < $1.rawValue }) {
            for l in 0..<model.config.layerCount where model.quantized?.matrix(t, layer: l) == nil {
                throw ONNXError.missingWeights(tensor: t.moduleName ?? "\(t)", layer: l)
            }
        }
        for adapter in model.adapters where adapter.config != model.config {
            throw ONNXError.adapterMismatch(targets: adapter.targets.compactMap(\.moduleName))
        }
    }

    /// The LM head's tensor: the embedding when tied.
    var headTensor: LlamaTensor { config.tieWordEmbeddings ? .embed : .lmHead }

    /// Calls `body` with the values of `t` in `layer`, shaped `t.shape(config)`.
    func withValues<R>(_ t: LlamaTensor, layer l: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        let p = model.parameters
        let n = t.instanceSize(config)
        let adapters = model.adapters.filter { $0.adapts(t) }
        if adapters.isEmpty && !p.omitted.contains(t) {
            return try body(UnsafeBufferPointer(start: p.pointer(t, layer: l), count: n))
        }
        let w = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { w.deallocate() }
        if p.omitted.contains(t) {
            guard let q = model.quantized?.matrix(t, layer: l) else {
                throw ONNXError.missingWeights(tensor: t.moduleName ?? "\(t)", layer: l)
            }
            q.dequantize(into: w)
        } else {
            w.update(from: p.pointer(t, layer: l), count: n)
        }
        for a in adapters { a.addUpdate(of: t, layer: l, into: w) }
        return try body(UnsafeBufferPointer(start: w, count: n))
    }

    /// The initializer of `t` in `layer` under its Hugging Face name, as stored (`transposed`:
    /// (IN, OUT), for MatMul).
    func tensor(_ t: LlamaTensor, layer l: Int, transposed: Bool) -> ONNXTensor {
        let shape = t.shape(config)
        let stored = transposed ? Array(shape.reversed()) : shape
        return ONNXTensor(name: t.huggingFaceName(layer: l), type: .float, shape: stored) { out in
            try self.withValues(t, layer: l) { values in
                if transposed {
                    try appendTransposed(values, rows: shape[0], columns: shape[1], to: out)
                } else {
                    out.append(UnsafeRawBufferPointer(values))
                }
            }
        }
    }
}

/// Appends the float32 bytes (little-endian, as this module's platforms store them) of
/// `values` (rows, columns) transposed to (columns, rows), a band of 32 columns at a time.
func appendTransposed(_ values: UnsafeBufferPointer<Float>, rows: Int, columns: Int, to out: ProtoOutput) throws {
    let band = 32
    var chunk = [Float](repeating: 0, count: band * rows)
    guard let v = values.baseAddress else { return }
    for c0 in stride(from: 0, to: columns, by: band) {
        let n = min(band, columns - c0)
        for r in 0..<rows {
            let row = v + r * columns + c0
            for k in 0..<n { chunk[k * rows + r] = row[k] }
        }
        chunk.withUnsafeBytes { out.append(UnsafeRawBufferPointer(rebasing: $0[0..<(n * rows * 4)])) }
        try out.flushIfFull()
    }
}
