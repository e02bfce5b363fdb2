// The backward pass of a Llama model: `trainingForward` in reverse.
//
// Legend: B batch, T time, R = B*T rows, C hidden, NH query heads, NKV kv
// heads, HS head size, QD = NH*HS, KVD = NKV*HS, FF intermediate, V vocabulary.
// d<name> is ∂loss/∂<name>; dx carries the residual stream's gradient down
// the layers.

import Tensor

extension LlamaModel {
    /// Adds the gradients of the last `trainingForward` (called with a
    /// `backwardScale`, the same batch and dropout) into `gradients`.
    ///
    ///     tokens (B, T); mask (B, T) or nil
    public func backward(tokens: UnsafePointer<Int32>, mask: UnsafePointer<Int32>?, B: Int, T: Int,
                         activations a: LlamaTrainingActivations, gradients g: LlamaGradients,
                         dropout: LoRADropout = .none) {
        let c = config, R = B * T, C = c.hiddenSize, V = c.vocabSize
        let gw = g.weights
        // the forward left dxnK (K, C) in dx; it goes to its rows of dxn
        let K = a.keptCount
        if let gw, let scale = a.pendingHeadGradientScale {
            lmHeadCrossEntropy(a.losses, dx: nil, dW: headGradient(gw), a.xnK, parameters.outputWeights, a.targets,
                               K, C, V, scale: scale, logits: a.logits, chunkRows: a.logitRows)
        }
        a.dxn.update(repeating: 0, count: R * C)
        for k in 0..<K { (a.dxn + Int(a.keptRows[k]) * C).update(from: a.dx + k * C, count: C) }
        a.dx.update(repeating: 0, count: R * C)
        rmsNormBackward(a.dx, gw?.pointer(.finalNorm), a.dxn, a.x(c.layerCount, C),
                        parameters.pointer(.finalNorm), a.rstdF, R, C)
        for l in stride(from: c.layerCount - 1, through: 0, by: -1) {
            if a.checkpointing {
                // recompute this block's activations from its saved input (xs[l+1] is rewritten with the same values)
                trainingLayerForward(l, a, B: B, T: T, mask: mask, dropout: dropout)
            }
            layerBackward(l, a, B: B, T: T, mask: mask, gradients: g, dropout: dropout)
        }
        if let gw {
            embeddingBackward(gw.pointer(.embed), a.dx, tokens, R, C)
        }
    }

    /// One block backward: dx holds ∂loss/∂xs[l+1] on entry and ∂loss/∂xs[l] on exit.
    func layerBackward(_ l: Int, _ a: LlamaTrainingActivations, B: Int, T: Int, mask: UnsafePointer<Int32>?,
                       gradients g: LlamaGradients, dropout: LoRADropout) {
        let c = config, p = parameters, s = a.saved(l), gw = g.weights
        let R = B * T, C = c.hiddenSize, QD = c.qDim, KVD = c.kvDim, FF = c.intermediateSize
        let NH = c.headCount, NKV = c.kvHeadCount, HS = c.headDim

        // MLP: xs[l+1] = x2 + lin_d(h), h = silu(gate) · up
        // (a projection's input is recomputed only when its weight or adapter gets a gradient)
        s.restoreMLP()
        if trains(.wDown, g) { swigluForward(s.h, s.gate, s.up, R * FF) }
        a.dh.update(repeating: 0, count: R * FF)
        trainLinearBackward(a.dh, a.dx, s.h, .wDown, l, R, s, a, g, dropout)
        swigluBackward(a.dgate, a.dup, a.dh, s.gate, s.up, R * FF, accumulate: false)
        if trains(.wGate, g) || trains(.wUp, g) {
            rmsNormForward(s.xn2, nil, s.x2, p.pointer(.ffnNorm, layer: l), R, C, eps: c.rmsNormEps)
        }
        a.dxn.update(repeating: 0, count: R * C)
        trainLinearBackward(a.dxn, a.dgate, s.xn2, .wGate, l, R, s, a, g, dropout)
        trainLinearBackward(a.dxn, a.dup, s.xn2, .wUp, l, R, s, a, g, dropout)
        rmsNormBackward(
            a.dx, gw?.pointer(.ffnNorm, layer: l), a.dxn, s.x2, p.pointer(.ffnNorm, layer: l), s.rstd2, R, C)

        // attention: x2 = x + lin_o(attOut)
        a.dattOut.update(repeating: 0, count: R * QD)
        trainLinearBackward(a.dattOut, a.dx, s.attOut, .wo, l, R, s, a, g, dropout)
        a.dq.update(repeating: 0, count: R * QD)
        a.dk.update(repeating: 0, count: R * KVD)
        a.dv.update(repeating: 0, count: R * KVD)
        for b in 0..<B {
            flashAttentionBackward(a.dq + b * T * QD, ldq: QD, a.dk + b * T * KVD, a.dv + b * T * KVD, ldk: KVD,
                                   a.dattOut + b * T * QD, s.attOut + b * T * QD, ldo: QD, s.lse + b * NH * T,
                                   s.q + b * T * QD, s.k + b * T * KVD, s.v + b * T * KVD,
                                   keyMask: mask.map { $0 + b * T }, segments: a.packed ? mask.map { $0 + b * T } : nil,
                                   T, NH, NKV, HS, scratch: a.attScratch)
        }
        rope.cos.withUnsafeBufferPointer { cos in
            rope.sin.withUnsafeBufferPointer { sin in
                ropeBackward(a.dq, a.positions, cos.baseAddress!, sin.baseAddress!, R, NH, HS, stride: QD)
                ropeBackward(a.dk, a.positions, cos.baseAddress!, sin.baseAddress!, R, NKV, HS, stride: KVD)
            }
        }
        if trains(.wq, g) || trains(.wk, g) || trains(.wv, g) {
            rmsNormForward(s.xn1, nil, a.x(l, C), p.pointer(.attnNorm, layer: l), R, C, eps: c.rmsNormEps)
        }
        a.dxn.update(repeating: 0, count: R * C)
        trainLinearBackward(a.dxn, a.dq, s.xn1, .wq, l, R, s, a, g, dropout)
        trainLinearBackward(a.dxn, a.dk, s.xn1, .wk, l, R, s, a, g, dropout)
        trainLinearBackward(a.dxn, a.dv, s.xn1, .wv, l, R, s, a, g, dropout)
        rmsNormBackward(a.dx, gw?.pointer(.attnNorm, layer: l), a.dxn, a.x(l, C), p.pointer(.attnNorm, layer: l),
                        s.rstd1, R, C)
    }

    /// Whether projection `w` gets a gradient (then its backward reads its input).
    func trains(_ w: LlamaTensor, _ g: LlamaGradients) -> Bool {
        g.weights != nil || (trainedAdapter?.targets.contains(w) ?? false)
    }

    /// Adds the gradients of `trainLinear`: dinp (R, IN), and dW, db (full) or dA, dB (LoRA).
    func trainLinearBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                             _ inp: UnsafePointer<Float>, _ w: LlamaTensor, _ l: Int, _ R: Int,
                             _ s: LayerSaved, _ a: LlamaTrainingActivations, _ g: LlamaGradients,
                             _ dropout: LoRADropout) {
        let shape = w.shape(config), OUT = shape[0], IN = shape[1]
        let gw = g.weights
        let bias = biasPointer(w, l)
        let dbias: UnsafeMutablePointer<Float>? = bias == nil ? nil : gw.map { $0.memory + (bias! - parameters.memory) }
        if gw == nil, let b = bfloat16?.matrix(w, layer: l) {
            bf16MatmulBackwardInput(dinp, dout, b, R)  // a frozen bfloat16 base
        } else {
            matmulBackward(dinp, gw?.pointer(w, layer: l), dbias, dout, inp, weight(w, l, a), R, IN, OUT)
        }
        guard let adapter = trainedAdapter, let ti = adapter.targets.firstIndex(of: w) else { return }
        let r = adapter.rank
        let ga = g.adapter
        let tmp = s.lora + ti * R * r
        if dropout.p > 0 {
            let seed = dropout.seed(layer: l, target: w)
            dropoutForward(a.drop, inp, p: dropout.p, seed: seed, R * IN)
            a.ddrop.update(repeating: 0, count: R * IN)
            loraBackward(a.ddrop, ga?.a(w, layer: l), ga?.b(w, layer: l), a.dlora, dout, a.drop, tmp,
                         adapter.a(w, layer: l), adapter.b(w, layer: l), scale: adapter.scale, R, IN, OUT, r)
            dropoutBackward(dinp, a.ddrop, p: dropout.p, seed: seed, R * IN)
        } else {
            loraBackward(dinp, ga?.a(w, layer: l), ga?.b(w, layer: l), a.dlora, dout, inp, tmp,
                         adapter.a(w, layer: l), adapter.b(w, layer: l), scale: adapter.scale, R, IN, OUT, r)
        }
    }
}
