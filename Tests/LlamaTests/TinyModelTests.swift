import Foundation
import Testing
import GGUF
import Llama
import Safetensors

/// The tiny reference: batch, logits and loss made by transformers and PEFT.
private struct TinyReference {
    let tokens: [[Int]]
    let labels: [[Int]]
    let reference: SafetensorsFile
    let expected: SafetensorsFile
    let fullLoss: Float
    let loraLoss: Float

    init() throws {
        reference = try SafetensorsFile(contentsOf: Paths.tiny.appendingPathComponent("reference.safetensors"))
        expected = try SafetensorsFile(contentsOf: Paths.tiny.appendingPathComponent("gguf/expected.safetensors"))
        let ids = try reference.int32s("batch.input_ids").map(Int.init)
        let labels = try reference.int32s("batch.labels").map(Int.init)
        let T = reference.info("batch.input_ids")?.shape.last ?? 0
        tokens = stride(from: 0, to: ids.count, by: T).map { Array(ids[$0..<($0 + T)]) }
        self.labels = stride(from: 0, to: labels.count, by: T).map { Array(labels[$0..<($0 + T)]) }
        let summary = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Paths.tiny.appendingPathComponent("summary.json"))) as? [String: Any]
        fullLoss = Float((summary?["full_loss"] as? Double) ?? .nan)
        loraLoss = Float(((summary?["lora"] as? [String: Any])?["loss"] as? Double) ?? .nan)
    }
}

@Suite("The tiny Llama agrees with transformers")
struct TinyModelTests {
    @Test("a Hugging Face folder gives transformers' logits within 1e-4 and its loss within 1e-4")
    func huggingFaceLogitsAndLoss() throws {
        let ref = try TinyReference()
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        #expect(model.config.headDim == 16 && model.config.kvHeadCount == 2 && !model.config.tieWordEmbeddings)
        #expect(model.config.ropeTheta == 10000)
        let logits = try model.logits(ref.tokens)
        let diff = maxAbsDiff(logits, try ref.reference.floats("full.logits"))
        #expect(diff <= 1e-4, "max |diff| \(diff)")
        let loss = try model.loss(tokens: ref.tokens, labels: ref.labels)
        #expect(abs(loss - ref.fullLoss) <= 1e-4, "loss \(loss) vs \(ref.fullLoss)")
    }

    @Test("the PEFT adapter applied at inference gives PEFT's logits and loss within 1e-4")
    func loraLogits() throws {
        let ref = try TinyReference()
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let adapter = try LoRAAdapter(peftFolder: Paths.tiny.appendingPathComponent("adapter"), config: model.config)
        #expect(adapter.rank == 4 && adapter.scale == 2 && adapter.targets.count == 7)
        model.adapters = [adapter]
        let logits = try model.logits(ref.tokens)
        let diff = maxAbsDiff(logits, try ref.reference.floats("lora.logits"))
        #expect(diff <= 1e-4, "max |diff| \(diff)")
        let loss = try model.loss(tokens: ref.tokens, labels: ref.labels)
        #expect(abs(loss - ref.loraLoss) <= 1e-4, "loss \(loss) vs \(ref.loraLoss)")
    }

    @Test("each GGUF version of the tiny model gives its expected logits within 1e-4", arguments: ["f32", "q8_0", "q4_1", "q4_0"])
    func ggufLogits(name: String) throws {
        let ref = try TinyReference()
        let model = try LlamaModel(ggufAt: Paths.tiny.appendingPathComponent("gguf/tiny-\(name).gguf"))
        let logits = try model.logits(ref.tokens)
        let diff = maxAbsDiff(logits, try ref.expected.floats("\(name).logits"))
        #expect(diff <= 1e-4, "\(name): max |diff| \(diff)")
    }

    @Test("the f32 GGUF and the safetensors folder give the same weights and the same logits")
    func ggufEqualsSafetensors() throws {
        let ref = try TinyReference()
        let fromGGUF = try LlamaModel(ggufAt: Paths.tiny.appendingPathComponent("gguf/tiny-f32.gguf"))
        let fromFolder = try LlamaModel(huggingFaceFolder: Paths.tiny)
        #expect(fromGGUF.config.hiddenSize == fromFolder.config.hiddenSize)
        #expect(Array(fromGGUF.parameters.buffer) == Array(fromFolder.parameters.buffer))
        #expect(try fromGGUF.logits(ref.tokens) == fromFolder.logits(ref.tokens))
    }
}
