// One tensor of a model as a GGUF export writes it: float32 rows (from the model's weights, or
// dequantized from its blocks when it keeps a layer only quantized, or read from the GGUF file the
// model describes), with its adapters' updates folded in, rows reordered for llama.cpp's RoPE
// (attn_q / attn_k of llama-architecture files), converted to the tensor's ggml type. Rows are
// converted in parallel, straight into the writer's buffer; a float copy of one tensor is made only
// when adapters must be merged into it, or when a file's tensor is not F32 in Hugging Face order.
//
// Legend: OUT rows (GGUF ne1), IN row length (GGUF ne0); a 1-D tensor is OUT rows of one element.

import Foundation
import GGUF
import Llama
import Tensor

/// A model tensor to be written in `type`.
struct GGUFTensorSource: @unchecked Sendable {
    let model: LlamaModel
    /// The GGUF file the weights are read from, nil when they are the model's.
    let file: GGUFFile?
    let tensor: LlamaTensor
    let layer: Int
    let type: GGMLType
    /// Heads of the RoPE row reordering, nil when rows keep their order.
    let ropeHeads: Int?

    var config: LlamaConfig { model.config }
    var name: String { tensor.ggufName(layer: layer) }
    /// GGUF dimensions (ne0 first).
    var dimensions: [Int] { tensor.shape(config).reversed() }
    /// Rows moved as units: a matrix's rows, or a vector's elements.
    var rows: Int { tensor.shape(config)[0] }
    var rowLength: Int { tensor.shape(config).count == 2 ? tensor.shape(config)[1] : 1 }

    /// Writes the tensor's bytes in `type` into `out` (exactly its byte count).
    func produce(into out: UnsafeMutableRawBufferPointer) throws {
        guard let outBase = out.baseAddress else { return }
        let rows = rows, rowLength = rowLength, type = type
        guard let rowBytes = type.rowByteCount(rowLength), canQuantize(type) else {
            throw GGUFExportError.tensor(name: name, reason: "\(type) cannot hold rows of \(rowLength) elements")
        }
        let reader = try floatRows()
        defer { reader.release() }
        let heads = ropeHeads
        let workers = WorkerPool.shared(threads: defaultMatvecThreads)
        let chunkRows = max(1, min(rows, (1 << 16) / max(rowLength, 1)))
        let chunks = (rows + chunkRows - 1) / chunkRows
        let failure = FirstError()
        let base = UnsafeSendablePointer(outBase)
        workers.run(chunks: chunks) { chunk in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rowLength)
            defer { scratch.deallocate() }
            for g in (chunk * chunkRows)..<min(rows, (chunk + 1) * chunkRows) {
                let source = heads.map { ggufRowSource(g, rows: rows, heads: $0) } ?? g
                let floats = reader.row(source, scratch: scratch)
                do {
                    try quantizeRow(type, floats, into: base.value + g * rowBytes, count: rowLength)
                } catch {
                    failure.record(GGUFExportError.tensor(name: name, reason: "\(error)"))
                }
            }
        }
        if let error = failure.error { throw error }
    }

    /// Where the float rows of the tensor come from.
    private func floatRows() throws -> RowReader {
        if let file { return try fileRows(file) }
        let n = rows * rowLength
        let adapters = model.adapters.filter { $0.adapts(tensor) }
        let omitted = model.parameters.omitted.contains(tensor)
        let blocks = omitted ? model.quantized?.matrix(tensor, layer: layer) : nil
        if omitted && blocks == nil { throw GGUFExportError.missingWeights(tensor: name) }
        if adapters.isEmpty {
            if let blocks { return RowReader(blocks: blocks, rowLength: rowLength) }
            return RowReader(floats: model.parameters.pointer(tensor, layer: layer), rowLength: rowLength, owned: false)
        }
        // Merging: one float copy of this tensor, with every adapter's update added.
        let copy = UnsafeMutablePointer<Float>.allocate(capacity: n)
        if let blocks {
            blocks.dequantize(into: copy, threads: defaultMatvecThreads)
        } else {
            copy.update(from: model.parameters.pointer(tensor, layer: layer), count: n)
        }
        for adapter in adapters { adapter.addUpdate(of: tensor, layer: layer, into: copy) }
        return RowReader(floats: copy, rowLength: rowLength, owned: true)
    }
}

extension GGUFTensorSource {
    /// The tensor's float rows from `file`, in Hugging Face order as `LlamaParameters(gguf:)` loads
    /// them: F32 rows in place in the mapped file when their order is kept, else a float copy of this
    /// one tensor (converted, then put back in Hugging Face order).
    func fileRows(_ file: GGUFFile) throws -> RowReader {
        guard let info = file.tensor(named: name) else { throw GGUFExportError.missingWeights(tensor: name) }
        let n = rows * rowLength
        let order = LlamaCppRowOrder(tensor, config: config)
        guard info.elementCount == n else {
            throw GGUFExportError.tensor(name: name, reason: "\(info.elementCount) elements in the file, \(n) expected")
        }
        let bytes = file.pointer(of: info)
        if info.type == .f32, order == nil, Int(bitPattern: bytes) % MemoryLayout<Float>.alignment == 0 {
            return RowReader(floats: UnsafeMutablePointer(mutating: bytes.assumingMemoryBound(to: Float.self)),
                             rowLength: rowLength, owned: false, keeping: file.buffer)
        }
        let copy = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
        do {
            try withExtendedLifetime(file.buffer) { try dequantizeRow(info.type, bytes: bytes, into: copy, count: n) }
        } catch {
            copy.deallocate()
            throw GGUFExportError.tensor(name: name, reason: "\(error)")
        }
        order?.toHuggingFace(copy, rowLength: rowLength)
        return RowReader(floats: copy, rowLength: rowLength, owned: true)
    }
}

/// GGUF row `g` of an attn_q / attn_k tensor holds this Hugging Face row (`LlamaCppRowOrder`, the
/// map the loader undoes).
func ggufRowSource(_ g: Int, rows: Int, heads: Int) -> Int {
    LlamaCppRowOrder(heads: heads, headSize: rows / heads).huggingFaceRow(g)
}

/// Float rows of one tensor: a float32 buffer (the model's own, or a merged copy) or quantized blocks
/// dequantized a row at a time.
final class RowReader: @unchecked Sendable {
    private let floats: UnsafeMutablePointer<Float>?
    private let blocks: QuantizedMatrix?
    private let rowLength: Int
    private let owned: Bool
    /// What keeps borrowed `floats` alive (the mapped file they point into).
    private let keeping: AnyObject?

    init(floats: UnsafeMutablePointer<Float>, rowLength: Int, owned: Bool, keeping: AnyObject? = nil) {
        self.floats = floats
        self.blocks = nil
        self.rowLength = rowLength
        self.owned = owned
        self.keeping = keeping
    }

    init(blocks: QuantizedMatrix, rowLength: Int) {
        self.floats = nil
        self.blocks = blocks
        self.rowLength = rowLength
        self.owned = false
        self.keeping = nil
    }

    /// Row `r`: a pointer into the buffer, or `scratch` (rowLength floats) filled from the blocks.
    func row(_ r: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if let floats { return UnsafePointer(floats + r * rowLength) }
        blocks?.dequantizeRow(r, into: scratch)
        return UnsafePointer(scratch)
    }

    func release() { if owned { floats?.deallocate() } }
}

/// A raw pointer handed to the pieces of a parallel job (each writes its own rows).
struct UnsafeSendablePointer: @unchecked Sendable {
    let value: UnsafeMutableRawPointer
    init(_ value: UnsafeMutableRawPointer) { self.value = value }
}
