// Loading a Llama model from a GGUF file (llama.cpp's layout; q/k rows are put
// back in Hugging Face's order, see LlamaCppRowOrder).

import Foundation
import GGUF
import Tensor

extension LlamaConfig {
    /// The configuration a GGUF file's metadata and tensors describe.
    public init(gguf: GGUFFile) throws {
        guard let arch = gguf.metadata["general.architecture"]?.string else {
            throw LlamaError.invalidConfig(key: "general.architecture", reason: "missing from the GGUF metadata")
        }
        var tokenCount: Int?
        if case let .array(_, tokens)? = gguf.metadata["tokenizer.ggml.tokens"] { tokenCount = tokens.count }
        try self.init(
            ggufArchitecture: arch,
            integer: { gguf.metadata[$0]?.int },
            real: { gguf.metadata[$0]?.double },
            tokenCount: tokenCount,
            hasOutput: gguf.tensor(named: LlamaTensor.lmHead.ggufName(layer: 0)) != nil,
            hasAttentionBias: gguf.tensor(named: LlamaTensor.bq.ggufName(layer: 0)) != nil)
        if let vocab = gguf.tensor(named: LlamaTensor.embed.ggufName(layer: 0))?.shape.first, vocab != vocabSize {
            // The embedding is the authority on the vocabulary size.
            vocabSize = vocab
        }
        try checkTensorTable(of: gguf, architecture: arch)
    }

    /// Checks the metadata against the tensor table before anything sized by the metadata is
    /// allocated: every tensor this configuration implies must be in the file with its shape. The
    /// reader has already checked each tensor's bytes lie inside the file, so a configuration
    /// that passes describes no more weights than the file holds.
    func checkTensorTable(of gguf: GGUFFile, architecture arch: String) throws {
        let needed = tensorInstanceCount(self)
        if needed > gguf.tensors.count,
            let probe = LlamaTensor.allCases.first(where: { $0.isPerLayer && $0.exists(in: self) })
        {
            let present = (0..<layerCount).first { gguf.tensor(named: probe.ggufName(layer: $0)) == nil } ?? layerCount
            throw LlamaError.invalidConfig(
                key: "\(arch).block_count",
                reason: "the metadata claims \(layerCount) blocks (\(needed) tensors), but the file has "
                    + "\(gguf.tensors.count) tensors and blocks only up to \(present) "
                    + "(no \(probe.ggufName(layer: present)))")
        }
        for (t, l) in tensorInstances(self) {
            let name = t.ggufName(layer: l)
            guard let info = gguf.tensor(named: name) else {
                if t.isPerLayer {
                    throw LlamaError.invalidConfig(
                        key: "\(arch).block_count",
                        reason: "the metadata claims \(layerCount) blocks, but the file has no tensor \(name)")
                }
                throw LlamaError.missingTensor(name: name, file: "GGUF file")
            }
            let expected = t.shape(self)
            guard info.shape == expected || (expected.count == 1 && info.elementCount == expected[0]) else {
                throw LlamaError.shapeMismatch(name: name, expected: expected, elementCount: info.elementCount)
            }
        }
    }
}

extension LlamaParameters {
    /// Weights from a GGUF file, dequantized to float32 (except the `omitting` kinds). Tensors are
    /// checked first, then converted on the worker pool in pieces of whole rows (a tensor whose rows
    /// llama.cpp reorders is one piece, put back in order once converted).
    public convenience init(
        gguf: GGUFFile, config: LlamaConfig, path: String = "GGUF file",
        omitting: Set<LlamaTensor> = []
    ) throws {
        self.init(config: config, omitting: omitting, zeroed: false)
        var expectedNames = Set(tensorInstances(config).map { $0.tensor.ggufName(layer: $0.layer) })
        expectedNames.insert("rope_freqs.weight")  // read by LlamaModel
        if let stray = gguf.tensors.first(where: { !expectedNames.contains($0.name) }) {
            throw LlamaError.unreadableFile(
                path: path,
                reason: "tensor \(stray.name) is not part of a \(config.modelType) model with this configuration")
        }
        var pieces: [GGUFLoadPiece] = []
        for (t, l) in instances {
            let name = t.ggufName(layer: l)
            guard let info = gguf.tensor(named: name) else {
                throw LlamaError.missingTensor(name: name, file: path)
            }
            let expected = t.shape(config)
            guard info.shape == expected || (expected.count == 1 && info.elementCount == expected[0]) else {
                throw LlamaError.shapeMismatch(name: name, expected: expected, elementCount: info.elementCount)
            }
            guard canDequantize(info.type) else {
                throw LlamaError.unreadableFile(
                    path: path, reason: "tensor \(name) has type \(info.type), which cannot be dequantized")
            }
            let order = LlamaCppRowOrder(t, config: config)
            let step = order == nil ? max(1, GGUFLoadPiece.elements / max(info.rowLength, 1)) : info.rowCount
            for first in stride(from: 0, to: info.rowCount, by: step) {
                pieces.append(
                    GGUFLoadPiece(
                        info: info, destination: pointer(t, layer: l), rows: first..<min(info.rowCount, first + step),
                        order: order, rowLength: expected.dropFirst().reduce(1, *)))
            }
        }
        let failure = FirstError()
        withExtendedLifetime(gguf.buffer) {
            WorkerPool.shared(threads: defaultMatvecThreads).run(chunks: pieces.count) { i in
                let piece = pieces[i], info = piece.info
                do {
                    try dequantizeRow(
                        info.type, bytes: gguf.pointer(of: info) + piece.rows.lowerBound * info.rowByteCount,
                        into: piece.destination + piece.rows.lowerBound * info.rowLength,
                        count: piece.rows.count * info.rowLength)
                } catch {
                    failure.record(LlamaError.unreadableFile(path: path, reason: "tensor \(info.name): \(error)"))
                }
                piece.order?.toHuggingFace(piece.destination, rowLength: piece.rowLength)
            }
        }
        if let error = failure.error { throw error }
    }
}

/// Rows `rows` of a GGUF tensor, converted into `destination` (the tensor's first float).
struct GGUFLoadPiece: @unchecked Sendable {
    /// Elements per piece (4 MB of floats): small enough to keep both cores busy to the end.
    static let elements = 1 << 20
    let info: GGUFTensorInfo
    let destination: UnsafeMutablePointer<Float>
    let rows: Range<Int>
    /// llama.cpp's row order of the tensor (then `rows` is all of them), undone after converting.
    let order: LlamaCppRowOrder?
    /// Hugging Face row length, for the reordering.
    let rowLength: Int
}


extension LlamaModel {
    /// A model from a GGUF file: weights dequantized to float32, and with
    /// `keepQuantized` the Q4_0/Q4_1/Q8_0 linear layers also kept in their
    /// blocks for fast one-token decoding. With `floatLinearWeights: false`
    /// those layers exist only quantized (a fraction of the memory; batched
    /// passes dequantize them a tile at a time).
    public convenience init(
        gguf: GGUFFile, path: String = "GGUF file", keepQuantized: Bool = true,
        floatLinearWeights: Bool = true
    ) throws {
        let config = try LlamaConfig(gguf: gguf)
        let quantized =
            keepQuantized || !floatLinearWeights
            ? try QuantizedWeights(gguf: gguf, config: config, path: path) : nil
        let omitted = floatLinearWeights ? [] : Set(quantized?.layers.keys.map { $0 } ?? [])
        try self.init(parameters: LlamaParameters(gguf: gguf, config: config, path: path, omitting: omitted))
        self.quantized = quantized
        try readRopeFrequencies(gguf, path: path)
    }

    /// The configuration and rotary frequencies of a GGUF file's model, with no weights: every
    /// tensor is omitted (running the model throws). For tools that read the weights straight from
    /// the mapped file, as `GGUFExport.writeModel(gguf:...)` does.
    public convenience init(weightsLeftIn gguf: GGUFFile, path: String = "GGUF file") throws {
        let config = try LlamaConfig(gguf: gguf)
        self.init(parameters: LlamaParameters(config: config, omitting: Set(LlamaTensor.allCases)))
        try readRopeFrequencies(gguf, path: path)
    }

    /// Llama 3.1 files carry their RoPE scaling as per-frequency divisors (`rope_freqs.weight`).
    private func readRopeFrequencies(_ gguf: GGUFFile, path: String) throws {
        guard let info = gguf.tensor(named: "rope_freqs.weight") else { return }
        let factors: [Float]
        do { factors = try gguf.floats(of: info) } catch {
            throw LlamaError.unreadableFile(path: path, reason: "tensor rope_freqs.weight: \(error)")
        }
        guard factors.count == config.headDim / 2, factors.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw LlamaError.shapeMismatch(
                name: "rope_freqs.weight", expected: [config.headDim / 2], elementCount: factors.count)
        }
        setRopeFrequencies(zip(config.ropeInverseFrequencies(), factors).map { $0 / $1 })
    }

    /// A model from the GGUF file at `url`.
    public convenience init(ggufAt url: URL, keepQuantized: Bool = true, floatLinearWeights: Bool = true) throws {
        let file: GGUFFile
        do { file = try GGUFFile(contentsOf: url) } catch {
            throw LlamaError.unreadableFile(path: url.path, reason: "\(error)")
        }
        try self.init(gguf: file, path: url.path, keepQuantized: keepQuantized, floatLinearWeights: floatLinearWeights)
    }
}
