// AdamW with PyTorch's semantics (torch.optim.AdamW, single-tensor path):
//
//   p ← p · (1 − lr·wd)                      decoupled weight decay
//   m ← m + (1 − β1)(g − m)                  first moment
//   v ← β2·v + (1 − β2)·g²                   second moment
//   p ← p − lr/(1 − β1ᵗ) · m / (sqrt(v)/sqrt(1 − β2ᵗ) + eps)
//
// One flat loop over params, grads, m, v (llm.c style). Weight decay can be
// switched off for ranges of the flat buffer (norm weights, biases).
//
// Legend: N trainable values.

import Foundation

/// AdamW hyper-parameters (learning rate comes per step, from the schedule).
public struct AdamWSettings: Codable, Sendable, Equatable {
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }
}

/// The optimizer state of N trainable values: moments and step count.
public final class AdamW: @unchecked Sendable {
    public let settings: AdamWSettings
    public let count: Int
    /// First moments (N).
    public let m: UnsafeMutablePointer<Float>
    /// Second moments (N).
    public let v: UnsafeMutablePointer<Float>
    /// Steps taken so far.
    public var step: Int = 0
    /// Ranges of the flat buffer that get no weight decay.
    public let noDecay: [Range<Int>]

    public init(count: Int, settings: AdamWSettings, noDecay: [Range<Int>] = []) {
        self.count = count
        self.settings = settings
        self.noDecay = noDecay.sorted { $0.lowerBound < $1.lowerBound }
        m = .allocate(capacity: max(count, 1))
        m.initialize(repeating: 0, count: max(count, 1))
        v = .allocate(capacity: max(count, 1))
        v.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        m.deallocate()
        v.deallocate()
    }

    /// One update of `params` (N) with `grads` (N) at learning rate `lr`.
    public func update(_ params: UnsafeMutablePointer<Float>, _ grads: UnsafePointer<Float>, lr: Float) {
        step += 1
        let s = settings
        let t = Double(step)
        let stepSize = Float(Double(lr) / (1 - pow(Double(s.beta1), t)))
        let bc2Sqrt = Float((1 - pow(Double(s.beta2), t)).squareRoot())
        let decay = Float(1 - Double(lr) * Double(s.weightDecay))
        var start = 0
        for r in noDecay + [count..<count] {
            if start < r.lowerBound { segment(params, grads, start, r.lowerBound, decay, stepSize, bc2Sqrt) }
            if r.lowerBound < r.upperBound { segment(params, grads, r.lowerBound, r.upperBound, 1, stepSize, bc2Sqrt) }
            start = max(start, r.upperBound)
        }
    }

    private func segment(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ lo: Int, _ hi: Int,
                         _ decay: Float, _ stepSize: Float, _ bc2Sqrt: Float) {
        let b1 = 1 - settings.beta1, b2 = settings.beta2, ob2 = 1 - settings.beta2, eps = settings.eps
        for i in lo..<hi {
            let gi = g[i]
            let mi = m[i] + b1 * (gi - m[i])
            let vi = v[i] * b2 + ob2 * gi * gi
            m[i] = mi
            v[i] = vi
            let denom = vi.squareRoot() / bc2Sqrt + eps
            p[i] = p[i] * decay - stepSize * (mi / denom)
        }
    }
}

/// The global L2 norm of `grads` (N), summed in double.
public func gradientNorm(_ grads: UnsafePointer<Float>, _ N: Int) -> Float {
    var s = 0.0
    for i in 0..<N { s += Double(grads[i]) * Double(grads[i]) }
    return Float(s.squareRoot())
}

/// Scales `grads` so their global norm is at most `maxNorm` (PyTorch's
/// clip_grad_norm_: factor maxNorm / (norm + 1e-6), only when below 1).
/// Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ grads: UnsafeMutablePointer<Float>, _ N: Int, maxNorm: Float) -> Float {
    let norm = gradientNorm(grads, N)
    guard maxNorm > 0 else { return norm }
    let coef = maxNorm / (norm + 1e-6)
    if coef < 1 { for i in 0..<N { grads[i] *= coef } }
    return norm
}
