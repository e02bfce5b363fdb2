// The gradients of a training step: the same layouts as what trains.
//
// Full fine-tuning: a LlamaParameters (one allocation, the same views as the
// weights). LoRA: a LoRAAdapter of the trained adapter's shape (its A and B
// views); the frozen base gets no gradient buffer.

/// Gradient buffers for what trains.
public final class LlamaGradients: @unchecked Sendable {
    /// ∂loss/∂weights for full fine-tuning, nil when the base is frozen.
    public let weights: LlamaParameters?
    /// ∂loss/∂(A, B) of the trained adapter, nil without LoRA.
    public let adapter: LoRAAdapter?

    /// Gradients of every base weight (full fine-tuning).
    public init(fullFineTuningOf config: LlamaConfig) {
        weights = LlamaParameters(config: config)
        adapter = nil
    }

    /// Gradients of the A and B matrices of `adapter` (LoRA; the base is frozen).
    public init(loraOf adapter: LoRAAdapter) throws {
        weights = nil
        self.adapter = try LoRAAdapter(config: adapter.config, rank: adapter.rank, alpha: adapter.alpha,
                                       targets: adapter.targets, useRSLoRA: adapter.useRSLoRA)
    }

    /// All gradient values, as one buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> {
        weights?.buffer ?? adapter?.buffer ?? UnsafeMutableBufferPointer(start: nil, count: 0)
    }

    public func zero() {
        let b = buffer
        if let base = b.baseAddress { base.update(repeating: 0, count: b.count) }
    }
}
