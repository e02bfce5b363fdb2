// LoRA adapters (PEFT semantics): a linear layer W becomes
// `W x + scale · B (A x)` with scale = alpha / r (rsLoRA: alpha / sqrt(r)).
//
// Legend: L layers, r rank, IN / OUT the input / output width of the adapted
// linear layer. All A and B matrices live in one allocation, for each target
// in order: A (L, r, IN) then B (L, OUT, r). The optimizer loops over it alone.

import Foundation
import Tensor

/// A LoRA adapter over some of a model's linear layers.
public final class LoRAAdapter: @unchecked Sendable {
    public let config: LlamaConfig
    public let rank: Int
    public let alpha: Float
    public let useRSLoRA: Bool
    /// The adapted linear layers, in `LlamaTensor` order.
    public let targets: [LlamaTensor]
    /// Total element count of all A and B matrices.
    public let count: Int
    /// The single allocation.
    public let memory: UnsafeMutablePointer<Float>
    private let offsets: [LlamaTensor: Int]

    /// The factor applied to B·A.
    public var scale: Float {
        useRSLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank)
    }

    /// A zero-filled adapter (A = 0, B = 0) for `targets`.
    public init(config: LlamaConfig, rank: Int, alpha: Float, targets: [LlamaTensor], useRSLoRA: Bool = false) throws {
        guard rank > 0 else {
            throw LlamaError.invalidConfig(key: "r", reason: "LoRA rank must be positive, got \(rank)")
        }
        var ts: [LlamaTensor] = []
        for t in targets {
            guard t.moduleName != nil else {
                throw LlamaError.invalidConfig(key: "target_modules", reason: "\(t) is not a linear layer")
            }
            if !ts.contains(t) { ts.append(t) }
        }
        ts.sort { $0.rawValue < $1.rawValue }
        self.config = config
        self.rank = rank
        self.alpha = alpha
        self.useRSLoRA = useRSLoRA
        self.targets = ts
        var offsets: [LlamaTensor: Int] = [:]
        var total = 0
        for t in ts {
            offsets[t] = total
            let shape = t.shape(config)
            total += config.layerCount * rank * (shape[0] + shape[1])
        }
        self.offsets = offsets
        count = total
        memory = .allocate(capacity: max(total, 1))
        memory.initialize(repeating: 0, count: max(total, 1))
    }

    /// A fresh adapter as PEFT initializes one: A Kaiming-uniform (a = sqrt(5),
    /// i.e. uniform in ±1/sqrt(IN)), B zero, so the model starts unchanged.
    public convenience init(config: LlamaConfig, rank: Int, alpha: Float, targets: [LlamaTensor],
                            useRSLoRA: Bool = false, seed: UInt64) throws {
        try self.init(config: config, rank: rank, alpha: alpha, targets: targets, useRSLoRA: useRSLoRA)
        var rng = Xoshiro256(seed: seed)
        for t in self.targets {
            let bound = 1 / Float(inputSize(t)).squareRoot()
            for l in 0..<config.layerCount {
                rng.fillUniform(a(t, layer: l), rank * inputSize(t), -bound, bound)
            }
        }
    }

    deinit { memory.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: memory, count: count) }

    public func inputSize(_ t: LlamaTensor) -> Int { t.shape(config)[1] }
    public func outputSize(_ t: LlamaTensor) -> Int { t.shape(config)[0] }

    public func adapts(_ t: LlamaTensor) -> Bool { offsets[t] != nil }

    /// A of `target` in `layer`: (r, IN). The target must be adapted.
    public func a(_ t: LlamaTensor, layer: Int) -> UnsafeMutablePointer<Float> {
        memory + offsets[t, default: 0] + layer * rank * inputSize(t)
    }

    /// B of `target` in `layer`: (OUT, r). The target must be adapted.
    public func b(_ t: LlamaTensor, layer: Int) -> UnsafeMutablePointer<Float> {
        memory + offsets[t, default: 0] + config.layerCount * rank * inputSize(t) + layer * outputSize(t) * rank
    }

    /// PEFT's tensor names for A and B of a target in a layer.
    public static func peftNames(_ t: LlamaTensor, layer: Int) -> (a: String, b: String) {
        let base = "base_model.model." + t.huggingFaceName(layer: layer).dropLast(".weight".count)
        return (base + ".lora_A.weight", base + ".lora_B.weight")
    }
}

/// Adds the LoRA update of one linear layer to its output.
///
///     out (N, OUT) += scale · (inp (N, IN) · Aᵀ (IN, r)) · Bᵀ (r, OUT)
///     tmp (N, r) scratch
public func loraForward(
    _ out: UnsafeMutablePointer<Float>,
    _ tmp: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>,
    _ a: UnsafePointer<Float>,
    _ b: UnsafePointer<Float>,
    scale: Float,
    _ N: Int, _ IN: Int, _ OUT: Int, _ r: Int
) {
    matmulForward(tmp, inp, a, nil, N, IN, r)
    sgemm(transposeA: false, transposeB: true, N, OUT, r, alpha: scale,
          tmp, lda: r, b, ldb: r, beta: 1, out, ldc: OUT)
}
