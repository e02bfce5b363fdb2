// The decoder of a Llama-family model as an ONNX graph (opset 17, standard operators only),
// with past keys and values for incremental decoding.
//
// Legend: B batch, S new tokens, P past tokens, T = P + S, C hidden, NH query heads,
// NKV kv heads, G = NH / NKV, HS head size, D = HS / 2, QD = NH * HS, V vocabulary.
//
//     inputs   input_ids (B, S) int64, attention_mask (B, T) int64 (1 real token, 0 padding),
//              past_key_values.{l}.key / .value (B, NKV, P, HS) float (P = 0 on a first pass)
//     outputs  logits (B, S, V), present.{l}.key / .value (B, NKV, T, HS)
//
//     x = embed[input_ids]
//     per layer:  h = rmsnorm(x);  q, k, v = h·Wqᵀ (+bq), h·Wkᵀ (+bk), h·Wvᵀ (+bv)
//                 q, k = rope(q), rope(k);  k, v = [past k; k], [past v; v]   (the presents)
//                 x += (softmax(q·kᵀ / sqrt(HS), over visible keys) · v)·Woᵀ
//                 h = rmsnorm(x);  x += (silu(h·Wgᵀ) * h·Wuᵀ)·Wdᵀ
//     logits = rmsnorm(x)·Wheadᵀ
//
// Positions come from the attention mask: a token's position is the number of real tokens
// before it (cumsum(mask) - 1), so a left-padded row starts at 0 on its first real token, and
// without padding the new tokens sit at P ..< T as in pipe's KV-cache forward. (pipe's batched
// forward numbers columns 0 ..< T whatever the mask: the two agree except under left padding.)
// The query at index P + i sees key j when j <= P + i and mask[j] = 1 (with a sliding window W,
// also j > P + i - W). RoPE rotates halves, (x1, x2) -> (x1·cos - x2·sin, x2·cos + x1·sin), with
// the model's own inverse frequencies (Llama 3.1 scaling included).
//
// Linear weights are stored transposed, (IN, OUT), for MatMul, under their Hugging Face names;
// the embedding and LM head keep (V, C): the head multiplies through Gemm with transB, so a
// tied embedding is stored once.

import Llama

struct LlamaDecoderGraph {
    private let c: LlamaConfig
    private let weights: LlamaExportWeights
    private var g: ONNXGraph
    /// Rotary cos and sin of the new tokens, (B, 1, S, HS).
    private var cos = "", sin = ""
    /// Which keys each query sees, (B, 1, 1, S, T) bool.
    private var visible = ""

    /// The graph of `weights.model`, rotating with `inverseFrequencies` (HS/2 values).
    static func build(_ weights: LlamaExportWeights, inverseFrequencies: [Float]) -> ONNXGraph {
        var b = LlamaDecoderGraph(
            c: weights.config, weights: weights, g: ONNXGraph(name: weights.config.modelType.rawValue))
        b.build(inverseFrequencies)
        return b.g
    }

    private mutating func build(_ inverseFrequencies: [Float]) {
        let batch = ONNXDimension.named("batch_size"), seq = ONNXDimension.named("sequence_length")
        let kvHeads = ONNXDimension.fixed(c.kvHeadCount), headDim = ONNXDimension.fixed(c.headDim)
        let ids = g.input("input_ids", .int64, [batch, seq])
        let mask = g.input("attention_mask", .int64, [batch, .named("total_sequence_length")])
        let pastShape = [batch, kvHeads, .named("past_sequence_length"), headDim]
        let past = (0..<c.layerCount).map { l in
            (key: g.input("past_key_values.\(l).key", .float, pastShape),
             value: g.input("past_key_values.\(l).value", .float, pastShape))
        }
        prepareAttention(ids: ids, mask: mask, inverseFrequencies: inverseFrequencies)

        var x = g.op("Gather", [weight(.embed), ids])  // (B, S, C)
        for l in 0..<c.layerCount {
            g.scope = "layers.\(l)"
            x = layer(l, x, past: past[l])
        }
        g.scope = "head"
        let h = g.op("Reshape", [rmsNorm(x, weight(.finalNorm)), g.ints([-1, c.hiddenSize])])  // (B·S, C)
        let logits = g.op("Gemm", [h, weight(weights.headTensor)], [.int("transB", 1)])  // (B·S, V)
        let shape = g.op("Concat", [g.op("Shape", [ids]), g.ints([c.vocabSize])], [.int("axis", 0)])
        g.op("Reshape", [logits, shape], named: "logits")

        g.output("logits", .float, [batch, seq, .fixed(c.vocabSize)])
        for l in 0..<c.layerCount {
            for kind in ["key", "value"] {
                g.output("present.\(l).\(kind)", .float, [batch, kvHeads, .named("total_sequence_length"), headDim])
            }
        }
    }

    /// Positions, rotary tables and the visibility of keys, shared by every layer.
    private mutating func prepareAttention(ids: String, mask: String, inverseFrequencies: [Float]) {
        g.scope = "positions"
        let S = g.op("Shape", [ids], [.int("start", 1), .int("end", 2)])  // (1)
        let T = g.op("Shape", [mask], [.int("start", 1), .int("end", 2)])
        let P = g.op("Sub", [T, S])
        let positions = g.op("Sub", [g.op("CumSum", [mask, g.scalar(1)]), g.scalar(1)])  // (B, T)
        let newPositions = g.op("Slice", [positions, P, T, g.ints([1])])  // (B, S)
        let invFreq = g.initializer(ONNXTensor(name: "model.rotary_emb.inv_freq", floats: inverseFrequencies))
        let floatPositions = g.op("Cast", [newPositions], [.int("to", ONNXDataType.float.rawValue)])
        let angles = g.op("Mul", [g.op("Unsqueeze", [floatPositions, g.ints([2])]), invFreq])  // (B, S, D)
        let halfCos = g.op("Cos", [angles]), halfSin = g.op("Sin", [angles])
        cos = g.op("Unsqueeze", [g.op("Concat", [halfCos, halfCos], [.int("axis", 2)]), g.ints([1])])  // (B, 1, S, HS)
        sin = g.op("Unsqueeze", [g.op("Concat", [halfSin, halfSin], [.int("axis", 2)]), g.ints([1])])

        g.scope = "mask"
        let total = g.op("Squeeze", [T, g.ints([0])]), pastCount = g.op("Squeeze", [P, g.ints([0])])
        let keys = g.op("Range", [g.scalar(0), total, g.scalar(1)])  // (T)
        let queries = g.op("Unsqueeze", [g.op("Range", [pastCount, total, g.scalar(1)]), g.ints([1])])  // (S, 1)
        var causal = g.op("LessOrEqual", [keys, queries])  // (S, T)
        if let window = c.slidingWindow {
            causal = g.op("And", [causal, g.op("Greater", [keys, g.op("Sub", [queries, g.scalar(window)])])])
        }
        let real = g.op("Unsqueeze", [g.op("Cast", [mask], [.int("to", ONNXDataType.bool.rawValue)]),
                                      g.ints([1, 2, 3])])  // (B, 1, 1, 1, T)
        visible = g.op("And", [causal, real])  // (B, 1, 1, S, T)
    }

    /// One transformer block.
    private mutating func layer(_ l: Int, _ x: String, past: (key: String, value: String)) -> String {
        let NH = c.headCount, NKV = c.kvHeadCount, HS = c.headDim
        var h = rmsNorm(x, weight(.attnNorm, l))
        let q = rope(heads(linear(h, .wq, l, bias: .bq), NH))  // (B, NH, S, HS)
        let k = rope(heads(linear(h, .wk, l, bias: .bk), NKV))  // (B, NKV, S, HS)
        let v = heads(linear(h, .wv, l, bias: .bv), NKV)
        let keys = g.op("Concat", [past.key, k], [.int("axis", 2)], named: "present.\(l).key")  // (B, NKV, T, HS)
        let values = g.op("Concat", [past.value, v], [.int("axis", 2)], named: "present.\(l).value")

        // The G query heads that share a kv head sit together: MatMul broadcasts over the group.
        let q5 = g.op("Reshape", [q, g.ints([0, NKV, NH / NKV, -1, HS])])  // (B, NKV, G, S, HS)
        let k5 = g.op("Unsqueeze", [keys, g.ints([2])])  // (B, NKV, 1, T, HS)
        let v5 = g.op("Unsqueeze", [values, g.ints([2])])
        let kT = g.op("Transpose", [k5], [.ints("perm", [0, 1, 2, 4, 3])])
        let scores = g.op("Mul", [g.op("MatMul", [q5, kT]), g.scalar(1 / Float(HS).squareRoot())])  // (B, NKV, G, S, T)
        // The lowest float, not -inf: a query with no visible key gets a uniform row, not NaN.
        let masked = g.op("Where", [visible, scores, g.scalar(-Float.greatestFiniteMagnitude)])
        let probs = g.op("Softmax", [masked], [.int("axis", -1)])
        let a = g.op("Reshape", [g.op("MatMul", [probs, v5]), g.ints([0, NH, -1, HS])])  // (B, NH, S, HS)
        let merged = g.op("Reshape", [g.op("Transpose", [a], [.ints("perm", [0, 2, 1, 3])]), g.ints([0, 0, c.qDim])])
        let attended = g.op("Add", [x, linear(merged, .wo, l)])

        h = rmsNorm(attended, weight(.ffnNorm, l))
        let gate = linear(h, .wGate, l), up = linear(h, .wUp, l)
        let silu = g.op("Mul", [gate, g.op("Sigmoid", [gate])])
        return g.op("Add", [attended, linear(g.op("Mul", [silu, up]), .wDown, l)])
    }

    /// x / sqrt(mean(x²) + eps) · weight over the last axis.
    private mutating func rmsNorm(_ x: String, _ weight: String) -> String {
        let meanSquare = g.op("ReduceMean", [g.op("Mul", [x, x])], [.ints("axes", [-1]), .int("keepdims", 1)])
        let rstd = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [meanSquare, g.scalar(c.rmsNormEps)])])])
        return g.op("Mul", [g.op("Mul", [x, rstd]), weight])
    }

    /// x·Wᵀ (+ bias when the model has it).
    private mutating func linear(_ x: String, _ w: LlamaTensor, _ l: Int, bias: LlamaTensor? = nil) -> String {
        let y = g.op("MatMul", [x, weight(w, l, transposed: true)])
        guard let bias, bias.exists(in: c) else { return y }
        return g.op("Add", [y, weight(bias, l)])
    }

    /// (B, S, n·HS) -> (B, n, S, HS).
    private mutating func heads(_ x: String, _ n: Int) -> String {
        g.op("Transpose", [g.op("Reshape", [x, g.ints([0, 0, n, c.headDim])])], [.ints("perm", [0, 2, 1, 3])])
    }

    /// Rotates the halves of each head of x (B, heads, S, HS) by the new tokens' angles.
    private mutating func rope(_ x: String) -> String {
        let D = c.headDim / 2, axis = g.ints([3])
        let x1 = g.op("Slice", [x, g.ints([0]), g.ints([D]), axis])
        let x2 = g.op("Slice", [x, g.ints([D]), g.ints([c.headDim]), axis])
        let rotated = g.op("Concat", [g.op("Neg", [x2]), x1], [.int("axis", 3)])
        return g.op("Add", [g.op("Mul", [x, cos]), g.op("Mul", [rotated, sin])])
    }

    /// The initializer of a weight (added on first use).
    private mutating func weight(_ t: LlamaTensor, _ l: Int = 0, transposed: Bool = false) -> String {
        let name = t.huggingFaceName(layer: l)
        if !g.initializers.contains(where: { $0.name == name }) {
            g.initializer(weights.tensor(t, layer: l, transposed: transposed))
        }
        return name
    }
}
