import Foundation
import Llama
import ONNX
import Testing
import TestSupport

@Suite("Exporting Llama models to ONNX")
struct LlamaExportTests {
    static let tiny = TestPaths.reference.appendingPathComponent("tiny")

    /// Exports `model` into a temporary folder and reads it back.
    static func exported(_ model: LlamaModel, externalData: Bool? = nil,
                         _ check: (ONNXModelInfo, URL) throws -> Void) throws {
        let folder = try makeTemporaryFolder("onnx-export")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.onnx")
        try ONNXExport.write(model, to: url, externalData: externalData)
        try check(try ONNXModelInfo(contentsOf: url), url)
    }

    /// The values of `t` in `layer` as the export stores them: linear layers transposed.
    static func stored(_ values: UnsafePointer<Float>, _ t: LlamaTensor, _ config: LlamaConfig) -> [Float] {
        let shape = t.shape(config)
        guard t.moduleName != nil else { return Array(UnsafeBufferPointer(start: values, count: shape.reduce(1, *))) }
        let rows = shape[0], columns = shape[1]
        return (0..<(rows * columns)).map { i in values[(i % rows) * columns + i / rows] }
    }

    @Test("the graph declares optimum's decoder inputs and outputs, with named dynamic dimensions")
    func inputsAndOutputs() throws {
        let model = try LlamaModel(huggingFaceFolder: Self.tiny)
        try Self.exported(model) { info, _ in
            #expect(info.opsets == ["": 17])
            #expect(info.irVersion == 8)
            #expect(info.metadata["model_type"] == "llama")
            let batch = ONNXDimension.named("batch_size"), seq = ONNXDimension.named("sequence_length")
            let kv: [ONNXDimension] = [.fixed(2)], hs: [ONNXDimension] = [.fixed(16)]
            var inputs: [ONNXModelInfo.Value] = [
                .init(name: "input_ids", type: 7, shape: [batch, seq]),
                .init(name: "attention_mask", type: 7, shape: [batch, .named("total_sequence_length")]),
            ]
            var outputs: [ONNXModelInfo.Value] = [.init(name: "logits", type: 1, shape: [batch, seq, .fixed(300)])]
            for l in 0..<2 {
                for kind in ["key", "value"] {
                    inputs.append(.init(name: "past_key_values.\(l).\(kind)", type: 1,
                                        shape: [batch] + kv + [.named("past_sequence_length")] + hs))
                    outputs.append(.init(name: "present.\(l).\(kind)", type: 1,
                                         shape: [batch] + kv + [.named("total_sequence_length")] + hs))
                }
            }
            #expect(info.inputs == inputs)
            #expect(info.outputs == outputs)
        }
    }

    @Test("nodes use standard operators only, in topological order, and produce every output")
    func standardOperatorsInOrder() throws {
        let model = try LlamaModel(huggingFaceFolder: Self.tiny)
        let standard: Set = ["Gather", "Shape", "Sub", "CumSum", "Slice", "Cast", "Unsqueeze", "Mul", "Cos", "Sin",
                             "Concat", "Squeeze", "Range", "LessOrEqual", "Greater", "And", "ReduceMean", "Add",
                             "Sqrt", "Reciprocal", "MatMul", "Reshape", "Transpose", "Neg", "Where", "Softmax",
                             "Sigmoid", "Gemm"]
        try Self.exported(model) { info, _ in
            var known = Set(info.inputs.map(\.name) + info.initializers.map(\.name))
            for node in info.nodes {
                #expect(node.domain == "" && standard.contains(node.opType),
                        "\(node.opType) in domain \"\(node.domain)\"")
                for input in node.inputs where !known.contains(input) {
                    Issue.record("\(node.opType) reads \(input) before it exists")
                }
                known.formUnion(node.outputs)
            }
            for output in info.outputs { #expect(known.contains(output.name), "\(output.name) is never produced") }
        }
    }

    @Test("initializers hold the weights under Hugging Face names, linear layers transposed for MatMul")
    func weightsRoundTrip() throws {
        let model = try LlamaModel(huggingFaceFolder: Self.tiny)
        let c = model.config
        try Self.exported(model) { info, _ in
            for (t, l) in model.parameters.instances {
                let name = t.huggingFaceName(layer: l)
                let shape = t.shape(c)
                let stored = t.moduleName == nil ? shape : shape.reversed()
                #expect(info.initializer(named: name)?.shape == stored, "\(name)")
                let values = try info.floats(of: name)
                #expect(values == Self.stored(model.parameters.pointer(t, layer: l), t, c), "\(name)")
            }
            let frequencies = try info.floats(of: "model.rotary_emb.inv_freq")
            #expect(frequencies == model.rope.inverseFrequencies)
        }
    }

    @Test("with external data, weights sit page-aligned in model.onnx.data and read back the same")
    func externalData() throws {
        let model = try LlamaModel(huggingFaceFolder: Self.tiny)
        try Self.exported(model, externalData: true) { info, url in
            let dataURL = URL(fileURLWithPath: url.path + ".data")
            #expect(FileManager.default.fileExists(atPath: dataURL.path))
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            #expect((attributes[.size] as? Int ?? .max) < 64 * 1024, "the graph file should hold no weights")
            for (t, l) in model.parameters.instances {
                let name = t.huggingFaceName(layer: l)
                let initializer = try #require(info.initializer(named: name))
                switch initializer.location {
                case let .external(file, offset, length):
                    #expect(file == "model.onnx.data" && offset % 4096 == 0
                            && length == t.instanceSize(model.config) * 4)
                case .inline:
                    #expect(t.instanceSize(model.config) * 4 < 1024, "\(name) is large but inline")
                }
                let values = try info.floats(of: name)
                #expect(values == Self.stored(model.parameters.pointer(t, layer: l), t, model.config), "\(name)")
            }
        }
    }

    @Test("attached LoRA adapters are merged into the exported weights (W + scale·B·A)")
    func loraMerged() throws {
        let model = try LlamaModel(huggingFaceFolder: Self.tiny)
        let adapter = try LoRAAdapter(peftFolder: Self.tiny.appendingPathComponent("adapter"), config: model.config)
        model.adapters = [adapter]
        let c = model.config, r = adapter.rank
        try Self.exported(model) { info, _ in
            for t in adapter.targets {
                let OUT = t.shape(c)[0], IN = t.shape(c)[1]
                var merged = Array(UnsafeBufferPointer(start: model.parameters.pointer(t, layer: 1), count: OUT * IN))
                let a = adapter.a(t, layer: 1), b = adapter.b(t, layer: 1)
                for o in 0..<OUT {
                    for i in 0..<IN {
                        var sum: Float = 0
                        for k in 0..<r { sum += b[o * r + k] * a[k * IN + i] }
                        merged[o * IN + i] += adapter.scale * sum
                    }
                }
                let got = try info.floats(of: t.huggingFaceName(layer: 1))
                let expected = merged.withUnsafeBufferPointer { Self.stored($0.baseAddress!, t, c) }
                let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
                #expect(got.count == expected.count && worst < 1e-5, "\(t): max diff \(worst)")
                #expect(got != Self.stored(model.parameters.pointer(t, layer: 1), t, c),
                        "\(t) unchanged by the adapter")
            }
        }
    }

    @Test("linear layers kept only quantized are exported dequantized", arguments: ["tiny-q8_0.gguf", "tiny-q4_1.gguf"])
    func quantizedOnly(file: String) throws {
        let url = Self.tiny.appendingPathComponent("gguf/\(file)")
        let quantizedOnly = try LlamaModel(ggufAt: url, floatLinearWeights: false)
        let float = try LlamaModel(ggufAt: url, keepQuantized: false)
        #expect(!quantizedOnly.parameters.omitted.isEmpty)
        try Self.exported(quantizedOnly) { info, _ in
            for (t, l) in float.parameters.instances {
                let got = try info.floats(of: t.huggingFaceName(layer: l))
                let expected = Self.stored(float.parameters.pointer(t, layer: l), t, float.config)
                let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
                #expect(got.count == expected.count && worst <= 1e-6,
                        "\(t.huggingFaceName(layer: l)): max diff \(worst)")
            }
        }
    }

    @Test("a model whose quantized-only layers lost their blocks is refused, naming the layer")
    func missingQuantizedBlocks() throws {
        let url = Self.tiny.appendingPathComponent("gguf/tiny-q8_0.gguf")
        let model = try LlamaModel(ggufAt: url, floatLinearWeights: false)
        model.quantized = nil
        let folder = try makeTemporaryFolder("onnx-export")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: ONNXError.missingWeights(tensor: "q_proj", layer: 0)) {
            try ONNXExport.write(model, to: folder.appendingPathComponent("model.onnx"))
        }
    }

    @Test("an adapter made for another configuration is refused")
    func adapterMismatch() throws {
        let model = try LlamaModel(huggingFaceFolder: Self.tiny)
        var other = model.config
        other.layerCount = 1
        model.adapters = [try LoRAAdapter(config: other, rank: 2, alpha: 4, targets: [.wq, .wv])]
        let folder = try makeTemporaryFolder("onnx-export")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: ONNXError.adapterMismatch(targets: ["q_proj", "v_proj"])) {
            try ONNXExport.write(model, to: folder.appendingPathComponent("model.onnx"))
        }
    }

    @Test("an odd head size is refused: RoPE pairs halves of a head")
    func oddHeadSize() throws {
        let model = LlamaModel(config: LlamaConfig(vocabSize: 8, hiddenSize: 6, intermediateSize: 8, layerCount: 1,
                                                   headCount: 2, headDim: 3), seed: 1)
        #expect(throws: ONNXError.self) {
            try ONNXExport.write(model, to: FileManager.default.temporaryDirectory.appendingPathComponent("never.onnx"))
        }
    }

    @Test("writing into a folder that does not exist fails with the path")
    func missingFolder() throws {
        let model = try LlamaModel(huggingFaceFolder: Self.tiny)
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/model.onnx")
        do {
            try ONNXExport.write(model, to: url)
            Issue.record("wrote into a missing folder")
        } catch let ONNXError.cannotWrite(path, _) {
            #expect(path.hasPrefix(url.path))
        }
    }
}
