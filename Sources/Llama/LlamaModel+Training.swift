// The training forward (keeping what the backward needs) and the backward
// pass of a Llama model, mirroring `layerForward` line by line in reverse.
//
// Legend: B batch, T time, R = B*T rows, C hidden, NH query heads, NKV kv
// heads, HS head size, QD = NH*HS, KVD = NKV*HS, FF intermediate, V vocabulary.
//
// Per layer l (x the residual stream, xs[l] its value entering the layer):
//   xn1 = rmsnorm(x);  q, k, v = lin(xn1);  rope(q, k);  attOut = attention(q, k, v)
//   x2 = x + lin_o(attOut);  xn2 = rmsnorm(x2);  h = silu(lin_g(xn2)) · lin_u(xn2)
//   xs[l+1] = x2 + lin_d(h)
// where lin(x) = x·Wᵀ (+b) + scale · B A dropout(x) for adapted layers.
// Loss: mean cross-entropy over kept labels (Hugging Face shift).

import Random
import Tensor

/// LoRA dropout of one training step: the probability and the step's seed
/// (each layer and target derives its own mask from it).
public struct LoRADropout: Sendable, Equatable {
    public var p: Float
    public var seed: UInt64
    public init(p: Float, seed: UInt64) { self.p = p; self.seed = seed }
    public static let none = LoRADropout(p: 0, seed: 0)

    func seed(layer: Int, target: LlamaTensor) -> UInt64 {
        var sm = SplitMix64(seed: seed ^ (UInt64(layer) &* 0x1_0000_0001) ^ (UInt64(target.rawValue) << 48))
        return sm.next()
    }
}

extension LlamaModel {
    /// The adapter that trains (LoRA), if any: training supports at most one.
    var trainedAdapter: LoRAAdapter? { adapters.first }

    /// Forward of a (B, T) batch keeping every activation the backward needs.
    /// Returns the sum of the per-token losses and the number of kept labels;
    /// with `backwardScale`, it also runs the LM head's backward for
    /// `backwardScale · Σ losses` (call `backward` next), adding the head's weight
    /// gradient (full fine-tuning) into `gradients` when given, else in `backward`
    /// (which then computes the logits again).
    ///
    ///     tokens, labels (B, T); mask (B, T) or nil: 0 marks padding
    ///
    /// With `packed`, a row holds several sequences and the mask their segment ids (1, 2, ...;
    /// 0 for padding): positions restart at 0 with each segment and attention stays inside it.
    public func trainingForward(tokens: UnsafePointer<Int32>, labels: UnsafePointer<Int32>, mask: UnsafePointer<Int32>?,
                                B: Int, T: Int, activations a: LlamaTrainingActivations,
                                dropout: LoRADropout = .none, backwardScale: Float? = nil,
                                gradients: LlamaGradients? = nil,
                                packed: Bool = false) throws -> (lossSum: Double, kept: Int) {
        guard a.capacity.holds(B: B, T: T), adapters.count <= 1,
              (trainedAdapter?.rank ?? 0) <= a.loraRank, (trainedAdapter?.targets.count ?? 0) <= a.loraTargets else {
            throw LlamaError.invalidInput(
                "training activations for \(a.capacity) with LoRA rank \(a.loraRank) cannot run (\(B), \(T)) "
                + "with \(adapters.count) adapter(s) of rank \(trainedAdapter?.rank ?? 0)")
        }
        let c = config, R = B * T, C = c.hiddenSize
        if !parameters.omitted.isEmpty && bfloat16 == nil {
            guard a.weightScratch != nil, parameters.omitted.allSatisfy({ quantized?.layers[$0] != nil }) else {
                throw LlamaError.invalidInput(
                    "weights kept only quantized need their QuantizedWeights "
                        + "and training activations made with quantizedBase")
            }
        }
        for i in 0..<R where tokens[i] < 0 || Int(tokens[i]) >= c.vocabSize {
            throw LlamaError.tokenOutOfRange(token: Int(tokens[i]), vocabSize: c.vocabSize)
        }
        a.packed = packed && mask != nil
        for b in 0..<B {
            var start = 0
            for t in 0..<T {
                if a.packed, let mask, t > 0, mask[b * T + t] != 0, mask[b * T + t] != mask[b * T + t - 1] { start = t }
                a.positions[b * T + t] = Int32(t - start)
            }
        }
        try ensureRope(positions: T)
        embedRows(a.x(0, C), tokens, R)
        for l in 0..<c.layerCount {
            trainingLayerForward(l, a, B: B, T: T, mask: mask, dropout: dropout)
        }
        let xL = a.x(c.layerCount, C)
        rmsNormForward(a.xnF, a.rstdF, xL, parameters.pointer(.finalNorm), R, C, eps: c.rmsNormEps)
        // the LM head runs only on the K rows that predict a kept label
        shiftedTargets(a.targets, labels, B, T, c.vocabSize)
        var K = 0
        for n in 0..<R where a.targets[n] >= 0 {
            a.keptRows[K] = Int32(n)
            a.targets[K] = a.targets[n]
            (a.xnK + K * C).update(from: a.xnF + n * C, count: C)
            K += 1
        }
        a.keptCount = K
        // losses (K), and with a backward scale dxnK (K, C) into dx
        let dHead = backwardScale == nil ? nil : gradients?.weights.map { headGradient($0) }
        lmHeadCrossEntropy(a.losses, dx: backwardScale == nil ? nil : a.dx, dW: dHead, a.xnK,
                           parameters.outputWeights, bfloat16: dHead == nil ? bfloat16?.output : nil,
                           a.targets, K, C, c.vocabSize, scale: backwardScale,
                           logits: a.logits, chunkRows: a.logitRows)
        a.pendingHeadGradientScale = gradients == nil ? backwardScale : nil
        var sum = 0.0
        for i in 0..<K { sum += Double(a.losses[i]) }
        return (sum, K)
    }

    /// One block of the training forward: reads xs[l], writes xs[l+1] and the layer's saved values.
    func trainingLayerForward(_ l: Int, _ a: LlamaTrainingActivations, B: Int, T: Int,
                              mask: UnsafePointer<Int32>?, dropout: LoRADropout) {
        let c = config, p = parameters, s = a.saved(l)
        let R = B * T, C = c.hiddenSize, QD = c.qDim, KVD = c.kvDim, FF = c.intermediateSize
        let NH = c.headCount, NKV = c.kvHeadCount, HS = c.headDim
        let x = a.x(l, C), xNext = a.x(l + 1, C)

        rmsNormForward(s.xn1, s.rstd1, x, p.pointer(.attnNorm, layer: l), R, C, eps: c.rmsNormEps)
        trainLinear(s.q, s.xn1, .wq, l, R, s, a, dropout)   // (R, QD)
        trainLinear(s.k, s.xn1, .wk, l, R, s, a, dropout)   // (R, KVD)
        trainLinear(s.v, s.xn1, .wv, l, R, s, a, dropout)   // (R, KVD)
        rope.cos.withUnsafeBufferPointer { cos in
            rope.sin.withUnsafeBufferPointer { sin in
                ropeForward(s.q, a.positions, cos.baseAddress!, sin.baseAddress!, R, NH, HS, stride: QD)
                ropeForward(s.k, a.positions, cos.baseAddress!, sin.baseAddress!, R, NKV, HS, stride: KVD)
            }
        }
        for b in 0..<B {
            flashAttentionForward(s.attOut + b * T * QD, ldo: QD, s.lse + b * NH * T,
                                  s.q + b * T * QD, ldq: QD, s.k + b * T * KVD, s.v + b * T * KVD, ldk: KVD,
                                  keyMask: mask.map { $0 + b * T }, segments: a.packed ? mask.map { $0 + b * T } : nil,
                                  T, NH, NKV, HS, scratch: a.attScratch)
        }
        trainLinear(s.x2, s.attOut, .wo, l, R, s, a, dropout)  // (R, C)
        residualForward(s.x2, x, R * C)

        rmsNormForward(s.xn2, s.rstd2, s.x2, p.pointer(.ffnNorm, layer: l), R, C, eps: c.rmsNormEps)
        trainLinear(s.gate, s.xn2, .wGate, l, R, s, a, dropout)  // (R, FF)
        trainLinear(s.up, s.xn2, .wUp, l, R, s, a, dropout)      // (R, FF)
        swigluForward(s.h, s.gate, s.up, R * FF)
        s.keepMLP()
        trainLinear(xNext, s.h, .wDown, l, R, s, a, dropout)     // (R, C)
        residualForward(xNext, s.x2, R * C)
    }

    /// out (R, OUT) = inp · Wᵀ + b + scale · (dropout(inp) · Aᵀ) · Bᵀ, keeping dropout(inp) · Aᵀ.
    func trainLinear(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ w: LlamaTensor, _ l: Int,
                     _ R: Int, _ s: LayerSaved, _ a: LlamaTrainingActivations, _ dropout: LoRADropout) {
        let shape = w.shape(config), OUT = shape[0], IN = shape[1]
        let bias = biasPointer(w, l).map { UnsafePointer($0) }
        if let b = bfloat16?.matrix(w, layer: l) {
            bf16MatmulForward(out, inp, b, bias, R)
        } else {
            matmulForward(out, inp, weight(w, l, a), bias, R, IN, OUT)
        }
        guard let adapter = trainedAdapter, let ti = adapter.targets.firstIndex(of: w) else { return }
        let r = adapter.rank
        let tmp = s.lora + ti * R * r
        var src = inp
        if dropout.p > 0 {
            dropoutForward(a.drop, inp, p: dropout.p, seed: dropout.seed(layer: l, target: w), R * IN)
            src = UnsafePointer(a.drop)
        }
        matmulForward(tmp, src, adapter.a(w, layer: l), nil, R, IN, r)
        sgemm(transposeA: false, transposeB: true, R, OUT, r, alpha: adapter.scale,
              tmp, lda: r, adapter.b(w, layer: l), ldb: r, beta: 1, out, ldc: OUT)
    }

    /// The gradient of the LM head's weight: the embedding's when tied.
    func headGradient(_ gw: LlamaParameters) -> UnsafeMutablePointer<Float> {
        config.tieWordEmbeddings ? gw.pointer(.embed) : gw.pointer(.lmHead)
    }

    /// The float32 weight of a projection: its view, or (base kept quantized)
    /// the layer dequantized into the activations' scratch.
    func weight(_ w: LlamaTensor, _ l: Int, _ a: LlamaTrainingActivations) -> UnsafeMutablePointer<Float> {
        if parameters.omitted.contains(w), let q = quantized?.matrix(w, layer: l), let scratch = a.weightScratch {
            q.dequantize(into: scratch)
            return scratch
        }
        return parameters.pointer(w, layer: l)
    }

    /// The bias of a projection in layer l, if the configuration has one.
    func biasPointer(_ w: LlamaTensor, _ l: Int) -> UnsafeMutablePointer<Float>? {
        let bias: LlamaTensor? = switch w {
        case .wq: .bq
        case .wk: .bk
        case .wv: .bv
        default: nil
        }
        guard let bias, bias.exists(in: config) else { return nil }
        return parameters.pointer(bias, layer: l)
    }
}
