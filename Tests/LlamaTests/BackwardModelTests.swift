import Foundation
import Testing
import Llama
import Safetensors

/// The tiny reference batch and what PyTorch computed from it.
struct TinyTraining {
    let reference: SafetensorsFile
    let summary: [String: Any]
    let tokens: [Int32]
    let labels: [Int32]
    let B: Int, T: Int

    init() throws {
        reference = try SafetensorsFile(contentsOf: Paths.tiny.appendingPathComponent("reference.safetensors"))
        summary = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Paths.tiny.appendingPathComponent("summary.json"))) as? [String: Any] ?? [:]
        tokens = try reference.int32s("batch.input_ids")
        labels = try reference.int32s("batch.labels")
        let shape = reference.info("batch.input_ids")?.shape ?? [0, 0]
        B = shape[0]; T = shape[1]
    }

    func number(_ path: String...) -> Double {
        var node: Any? = summary
        for key in path { node = (node as? [String: Any])?[key] }
        return (node as? Double) ?? .nan
    }

    func numbers(_ path: String...) -> [Double] {
        var node: Any? = summary
        for key in path { node = (node as? [String: Any])?[key] }
        return (node as? [Double]) ?? []
    }

    /// Loss and gradients (added into `gradients`) of the reference batch. With `headInForward` the
    /// forward adds the LM head's weight gradient (as the trainer runs it), else the backward does.
    func lossAndGradients(_ model: LlamaModel, _ gradients: LlamaGradients, checkpointing: Bool = false,
                          headInForward: Bool = false) throws -> Float {
        let a = LlamaTrainingActivations(config: model.config, B: B, T: T, loraRank: model.adapters.first?.rank ?? 0,
                                         loraTargets: model.adapters.first?.targets.count ?? 0, checkpointing: checkpointing)
        let kept = labels.enumerated().filter { $0.offset % T != 0 && $0.element != -100 }.count
        let (sum, n) = try model.trainingForward(tokens: tokens, labels: labels, mask: nil, B: B, T: T, activations: a,
                                                 backwardScale: 1 / Float(kept),
                                                 gradients: headInForward ? gradients : nil)
        #expect(n == kept)
        model.backward(tokens: tokens, mask: nil, B: B, T: T, activations: a, gradients: gradients)
        return Float(sum / Double(n))
    }
}

/// Expects every value within 1e-4 + 1e-3·|expected|; says where the worst one is.
func expectGradient(_ actual: [Float], _ expected: [Float], _ name: String) {
    #expect(actual.count == expected.count, "\(name): \(actual.count) values, expected \(expected.count)")
    var worst: Float = 0, worstIndex = 0
    for i in 0..<min(actual.count, expected.count) {
        let excess = abs(actual[i] - expected[i]) - (1e-4 + 1e-3 * abs(expected[i]))
        if excess > worst { worst = excess; worstIndex = i }
    }
    #expect(worst <= 0, "\(name): exceeds tolerance by \(worst) at \(worstIndex): \(actual[worstIndex]) vs \(expected[worstIndex]); first \(Array(actual.prefix(3))) vs \(Array(expected.prefix(3)))")
}

@Suite("The backward pass agrees with PyTorch on the tiny Llama")
struct BackwardModelTests {
    @Test("full fine-tuning: the loss, every weight gradient and the gradient norm match PyTorch (checkpointing; LM head gradient added in the forward or the backward)",
          arguments: [(false, true), (true, true), (false, false)])
    func fullGradients(checkpointing: Bool, headInForward: Bool) throws {
        let ref = try TinyTraining()
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let grads = LlamaGradients(fullFineTuningOf: model.config)
        let loss = try ref.lossAndGradients(model, grads, checkpointing: checkpointing, headInForward: headInForward)
        #expect(abs(Double(loss) - ref.number("full_loss")) <= 1e-4, "loss \(loss)")
        let w = grads.weights!
        for (t, l) in w.instances {
            let name = t.huggingFaceName(layer: l)
            let actual = Array(UnsafeBufferPointer(start: w.pointer(t, layer: l), count: w.instanceSize(t)))
            expectGradient(actual, try ref.reference.floats("full.grad." + name), name)
        }
        let norm = grads.buffer.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(norm - ref.number("full_grad_norm")) <= 1e-4 * max(1, norm), "norm \(norm)")
    }

    @Test("LoRA: with the tiny PEFT adapter the loss and every lora_A / lora_B gradient match PEFT", arguments: [false, true])
    func loraGradients(checkpointing: Bool) throws {
        let ref = try TinyTraining()
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let adapter = try LoRAAdapter(peftFolder: Paths.tiny.appendingPathComponent("adapter"), config: model.config)
        model.adapters = [adapter]
        let grads = try LlamaGradients(loraOf: adapter)
        let loss = try ref.lossAndGradients(model, grads, checkpointing: checkpointing)
        #expect(abs(Double(loss) - ref.number("lora", "loss")) <= 1e-4, "loss \(loss)")
        #expect(grads.weights == nil)
        let g = grads.adapter!
        for t in g.targets {
            for l in 0..<model.config.layerCount {
                let (aName, bName) = LoRAAdapter.peftNames(t, layer: l)
                let r = g.rank
                expectGradient(Array(UnsafeBufferPointer(start: g.a(t, layer: l), count: r * g.inputSize(t))),
                               try ref.reference.floats("lora.grad." + aName), aName)
                expectGradient(Array(UnsafeBufferPointer(start: g.b(t, layer: l), count: r * g.outputSize(t))),
                               try ref.reference.floats("lora.grad." + bName), bName)
            }
        }
    }
}

@Suite("Inputs recomputed only for projections that train")
struct RecomputedInputsTests {
    @Test("LoRA on attention only gives the gradients of the same adapter on every target with zero MLP updates",
          arguments: [false, true])
    func attentionOnly(checkpointing: Bool) throws {
        let ref = try TinyTraining()
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let attention: [LlamaTensor] = [.wq, .wk, .wv, .wo], mlp: [LlamaTensor] = [.wGate, .wUp, .wDown]
        let some = try LoRAAdapter(config: model.config, rank: 4, alpha: 8, targets: attention, seed: 3)
        let every = try LoRAAdapter(config: model.config, rank: 4, alpha: 8, targets: attention + mlp, seed: 3)
        for t in attention {
            for l in 0..<model.config.layerCount {
                for (i, value) in [(0, 0.01), (1, -0.02), (5, 0.03)] {  // B not zero
                    some.b(t, layer: l)[i] = Float(value)
                }
                every.a(t, layer: l).update(from: some.a(t, layer: l), count: 4 * some.inputSize(t))
                every.b(t, layer: l).update(from: some.b(t, layer: l), count: 4 * some.outputSize(t))
            }
        }
        var gradients: [LlamaGradients] = []
        var losses: [Float] = []
        for adapter in [some, every] {
            model.adapters = [adapter]
            let grads = try LlamaGradients(loraOf: adapter)
            losses.append(try ref.lossAndGradients(model, grads, checkpointing: checkpointing, headInForward: true))
            gradients.append(grads)
        }
        #expect(losses[0] == losses[1])
        let (a, b) = (gradients[0].adapter!, gradients[1].adapter!)
        for t in attention {
            for l in 0..<model.config.layerCount {
                let name = "\(t) layer \(l)"
                expectGradient(Array(UnsafeBufferPointer(start: a.a(t, layer: l), count: 4 * a.inputSize(t))),
                               Array(UnsafeBufferPointer(start: b.a(t, layer: l), count: 4 * b.inputSize(t))), name)
                expectGradient(Array(UnsafeBufferPointer(start: a.b(t, layer: l), count: 4 * a.outputSize(t))),
                               Array(UnsafeBufferPointer(start: b.b(t, layer: l), count: 4 * b.outputSize(t))), name)
            }
        }
        #expect(gradients[0].buffer.contains { $0 != 0 })
    }
}
