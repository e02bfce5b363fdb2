import Foundation
import Testing
import Llama

@Suite("AdamW, clipping and schedules reproduce PyTorch")
struct TrainingOptimizerTests {
    /// Five AdamW steps on the reference batch; the loss before each step.
    private func trajectory(_ model: LlamaModel, _ ref: TinyTraining, lora: Bool, weightDecay: Float,
                            clip: Float?) throws -> [Float] {
        let grads = lora ? try LlamaGradients(loraOf: model.adapters[0]) : LlamaGradients(fullFineTuningOf: model.config)
        let params = lora ? model.adapters[0].buffer : model.parameters.buffer
        let opt = AdamW(count: params.count, settings: AdamWSettings(weightDecay: weightDecay))
        var losses: [Float] = []
        for _ in 0..<5 {
            grads.zero()
            losses.append(try ref.lossAndGradients(model, grads))
            if let clip { clipGradientNorm(grads.buffer.baseAddress!, grads.buffer.count, maxNorm: clip) }
            opt.update(params.baseAddress!, grads.buffer.baseAddress!, lr: 0.01)
        }
        return losses
    }

    @Test("full fine-tuning: five AdamW steps with weight decay and clipping follow PyTorch's losses and q_proj")
    func fullTrajectory() throws {
        let ref = try TinyTraining()
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        let losses = try trajectory(model, ref, lora: false, weightDecay: 0.1, clip: 1.0)
        let expected = ref.numbers("full_adamw", "losses_before_each_step")
        #expect(expected.count == 5)
        for (a, e) in zip(losses, expected) { #expect(abs(Double(a) - e) <= 1e-4, "\(losses) vs \(expected)") }
        let q = Array(UnsafeBufferPointer(start: model.parameters.pointer(.wq, layer: 0), count: model.parameters.instanceSize(.wq)))
        expectGradient(q, try ref.reference.floats("full_adamw.after5.model.layers.0.self_attn.q_proj.weight"), "q_proj after 5")
    }

    @Test("LoRA: five AdamW steps follow PEFT's losses")
    func loraTrajectory() throws {
        let ref = try TinyTraining()
        let model = try LlamaModel(huggingFaceFolder: Paths.tiny)
        model.adapters = [try LoRAAdapter(peftFolder: Paths.tiny.appendingPathComponent("adapter"), config: model.config)]
        let losses = try trajectory(model, ref, lora: true, weightDecay: 0, clip: nil)
        let expected = ref.numbers("lora_adamw", "losses_before_each_step")
        #expect(expected.count == 5)
        for (a, e) in zip(losses, expected) { #expect(abs(Double(a) - e) <= 1e-4, "\(losses) vs \(expected)") }
    }

    @Test("schedules warm up linearly, then stay, fall linearly or follow half a cosine to zero")
    func schedules() {
        let c = LRSchedule(kind: .constant, peak: 1, totalSteps: 10, warmupSteps: 2)
        #expect([0, 1, 2, 9].map(c.rate) == [0, 0.5, 1, 1])
        let l = LRSchedule(kind: .linear, peak: 1, totalSteps: 10, warmupRatio: 0.2)
        #expect(l.warmupSteps == 2)
        #expect([1, 2, 6, 10].map(l.rate) == [0.5, 1, 0.5, 0])
        let k = LRSchedule(kind: .cosine, peak: 2, totalSteps: 12, warmupSteps: 2)
        #expect(k.rate(step: 2) == 2 && abs(k.rate(step: 7) - 1) < 1e-6 && abs(k.rate(step: 12)) < 1e-6)
    }

    @Test("clipping scales the gradients to the maximum norm and leaves small ones alone")
    func clipping() {
        var g: [Float] = [3, 4]
        #expect(clipGradientNorm(&g, 2, maxNorm: 1) == 5)
        #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6)
        var small: [Float] = [0.3, 0.4]
        clipGradientNorm(&small, 2, maxNorm: 1)
        #expect(small == [0.3, 0.4])
    }
}
