// AdamW with PyTorch's semantics (torch.optim.AdamW, single-tensor path):
//
//   p ← p · (1 − lr·wd)                      decoupled weight decay
//   m ← m + (1 − β1)(g − m)                  first moment
//   v ← β2·v + (1 − β2)·g²                   second moment
//   p ← p − lr/(1 − β1ᵗ) · m / (sqrt(v)/sqrt(1 − β2ᵗ) + eps)
//
// One flat loop over params, grads, m, v (llm.c style), cut into pieces that
// the cores share (each element's update is independent, so the result does not
// depend on who runs which piece). Weight decay can be switched off for ranges of
// the flat buffer (norm weights, biases).
//
// Legend: N trainable values.

import Foundation
import Tensor

/// Elements per piece of work that the optimizer and gradient norm hand to a thread.
let optimizerPiece = 1 << 16

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
        // (range, decay factor) pieces covering 0..<count
        var pieces: [(Range<Int>, Float)] = []
        func add(_ range: Range<Int>, _ factor: Float) {
            for lo in stride(from: range.lowerBound, to: range.upperBound, by: optimizerPiece) {
                pieces.append((lo..<min(range.upperBound, lo + optimizerPiece), factor))
            }
        }
        var start = 0
        for r in noDecay + [count..<count] {
            if start < r.lowerBound { add(start..<r.lowerBound, decay) }
            if r.lowerBound < r.upperBound { add(r.lowerBound..<r.upperBound, 1) }
            start = max(start, r.upperBound)
        }
        let work = OptimizerPointers(params: params, grads: grads)
        WorkerPool.shared(threads: defaultMatvecThreads).run(chunks: pieces.count) { i in
            let (range, factor) = pieces[i]
            segment(work.params, work.grads, range.lowerBound, range.upperBound, factor, stepSize, bc2Sqrt)
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

/// The parameters and gradients of one update, shared by the threads that run its pieces.
private struct OptimizerPointers: @unchecked Sendable {
    let params: UnsafeMutablePointer<Float>
    let grads: UnsafePointer<Float>
}

/// The global L2 norm of `grads` (N), summed in double: per piece of `optimizerPiece` values
/// in four interleaved sums, then the pieces in order (the same result on any number of threads).
public func gradientNorm(_ grads: UnsafePointer<Float>, _ N: Int) -> Float {
    let pieces = (N + optimizerPiece - 1) / optimizerPiece
    let partial = UnsafeMutablePointer<Double>.allocate(capacity: max(pieces, 1))
    defer { partial.deallocate() }
    let sums = UnsafeSendablePointer(partial), values = UnsafeSendablePointer(UnsafeMutablePointer(mutating: grads))
    WorkerPool.shared(threads: defaultMatvecThreads).run(chunks: pieces) { p in
        let lo = p * optimizerPiece, hi = min(N, lo + optimizerPiece)
        let g = values.pointer
        var s = (0.0, 0.0, 0.0, 0.0)
        var i = lo
        while i + 4 <= hi {
            s.0 += Double(g[i]) * Double(g[i])
            s.1 += Double(g[i + 1]) * Double(g[i + 1])
            s.2 += Double(g[i + 2]) * Double(g[i + 2])
            s.3 += Double(g[i + 3]) * Double(g[i + 3])
            i += 4
        }
        while i < hi {
            s.0 += Double(g[i]) * Double(g[i])
            i += 1
        }
        sums.pointer[p] = (s.0 + s.1) + (s.2 + s.3)
    }
    var total = 0.0
    for p in 0..<pieces { total += partial[p] }
    return Float(total.squareRoot())
}

/// A pointer the pieces of a job write disjoint elements of.
private struct UnsafeSendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
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
