// `pipe-bench train [lora|full] [steps] [--model GGUF] [--batch BxT] [--quantized] [--bf16]`:
// training throughput on the demo model (SmolLM2-135M) or another GGUF, batch 4 x 128 random
// tokens by default, LoRA r=8 on q,k,v,o (or full fine-tuning; --quantized: the base in its
// blocks; --bf16: the base in bfloat16, `precision: bf16`), reporting tokens/s, MFU against a
// measured sgemm peak (the bfloat16 kernel's with --bf16), and peak RSS (VmHWM).

import Foundation
import Llama
import Tensor

/// Peak resident set size in MB, from /proc/self/status (0 where unavailable).
func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

/// sgemm GFLOP/s on a training-shaped product (512 x 1536 x 576).
func measureSgemm() -> Double {
    let M = 512, N = 1536, K = 576
    let a = [Float](repeating: 0.5, count: M * K), b = [Float](repeating: 0.25, count: N * K)
    var c = [Float](repeating: 0, count: M * N)
    var best = Double.infinity
    for _ in 0..<10 {
        let start = DispatchTime.now().uptimeNanoseconds
        sgemm(transposeA: false, transposeB: true, M, N, K, a, lda: K, b, ldb: K, &c, ldc: N)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return 2 * Double(M * N * K) / best / 1e9
}

/// The bfloat16 kernel's GFLOP/s on the same product.
func measureBF16Gemm() -> Double {
    let M = 512, N = 1536, K = 576
    let a = [Float](repeating: 0.5, count: M * K), b = [Float](repeating: 0.25, count: N * K)
    let w = BFloat16Matrix(rows: N, columns: K, from: b)
    var c = [Float](repeating: 0, count: M * N)
    var best = Double.infinity
    for _ in 0..<10 {
        let start = DispatchTime.now().uptimeNanoseconds
        bf16MatmulForward(&c, a, w, nil, M)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return 2 * Double(M * N * K) / best / 1e9
}

func benchmarkTrain(_ args: [String]) throws {
    let full = args.contains("full")
    let quantizedBase = args.contains("--quantized")
    let checkpointing = args.contains("--checkpointing")
    let bf16 = args.contains("--bf16")
    func value(after flag: String) -> String? {
        args.firstIndex(of: flag).flatMap { args.index(after: $0) < args.endIndex ? args[args.index(after: $0)] : nil }
    }
    let modelPath = value(after: "--model")
    let batch = (value(after: "--batch") ?? "4x128").split(separator: "x").compactMap { Int($0) }
    guard batch.count == 2, batch.allSatisfy({ $0 > 0 }) else {
        print("train: --batch takes BxT, e.g. 1x512")
        return
    }
    let steps = args.indices.first { i in
        Int(args[i]) != nil && (i == 0 || !["--model", "--batch"].contains(args[i - 1]))
    }.flatMap { Int(args[$0]) } ?? 10
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let modelURL = modelPath.map { URL(fileURLWithPath: $0) }
        ?? root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
    // float32 weights, or (QLoRA) linear layers only in their 4-bit blocks
    let model = try { () throws -> LlamaModel in  // with --bf16 the float32 linear layers are freed
        let loaded = try LlamaModel(ggufAt: modelURL, keepQuantized: quantizedBase,
                                    floatLinearWeights: !quantizedBase)
        return bf16 ? loaded.withLinearWeightsInBFloat16() : loaded
    }()
    let B = batch[0], T = batch[1]
    var rng = Xoshiro256(seed: 1)
    let data = (0..<(B * (steps + 1))).map { _ in
        TrainingExample(tokens: (0..<T).map { _ in Int32(rng.next() % UInt64(model.config.vocabSize)) })
    }
    var hp = TrainingHyperparameters()
    hp.method = full ? .full : .lora
    hp.precision = bf16 ? .bf16 : .float32
    hp.rank = 8
    hp.alpha = 16
    hp.targets = ["q_proj", "k_proj", "v_proj", "o_proj"]
    hp.batchSize = B
    hp.maxLength = T
    hp.maxSteps = steps + 1
    hp.learningRate = full ? 1e-5 : 1e-4
    hp.schedule = .constant
    hp.gradientCheckpointing = checkpointing
    SystemMemory.resetPeakResident()
    let before = SystemMemory.resident() ?? 0
    let trainer = try Trainer(model: model, hyperparameters: hp, trainingSet: data)
    let estimate = trainer.memoryEstimate
    var rates: [Double] = []
    let start = DispatchTime.now().uptimeNanoseconds
    var firstDone: UInt64 = 0
    try trainer.train(progress: { p in
        if case let .step(step, _, loss, _, _, tps) = p {
            print(String(format: "  step %2d loss %.3f %.0f tokens/s", step, loss, tps))
            if step == 1 { firstDone = DispatchTime.now().uptimeNanoseconds } else { rates.append(tps) }
        }
    })
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - firstDone) / 1e9
    let tokensPerSecond = Double(steps * B * T) / seconds
    _ = start
    // model FLOPs per token: forward 2N, input gradients 2N, weight gradients 2N (full only), N = matmul weights
    let c = model.config
    let perLayer = c.hiddenSize * (c.qDim + 2 * c.kvDim) + c.qDim * c.hiddenSize + 3 * c.hiddenSize * c.intermediateSize
    let N = Double(c.layerCount * perLayer + c.vocabSize * c.hiddenSize)
    let attention = Double(c.layerCount * 4 * T * c.qDim) / 2  // causal half of QKᵀ and PV, forward
    let flopsPerToken = (full ? 3 : 2) * (2 * N + 2 * attention)
    let peak = bf16 ? measureBF16Gemm() : measureSgemm()
    let achieved = flopsPerToken * tokensPerSecond / 1e9
    print(
        String(
            format: "train %@%@%@%@ (%@, batch %dx%d, %d steps after a warm-up step): %.0f tokens/s",
            full ? "full" : "LoRA r=8 q,k,v,o", quantizedBase ? ", quantized base" : "", bf16 ? ", bf16 base" : "",
            checkpointing ? ", gradient checkpointing" : "", modelURL.lastPathComponent, B, T, steps,
            tokensPerSecond))
    print(
        String(
            format: "  model %.1f GFLOP/s, %@ peak %.1f GFLOP/s, MFU %.0f%%", achieved, bf16 ? "bf16 gemm" : "sgemm",
            peak, 100 * achieved / peak))
    print(String(format: "  peak RSS %.0f MB", peakRSSMegabytes()))
    print("  memory estimate \(estimate.description); without the weights (loaded before) "
          + "\(TrainingMemoryEstimate.format(estimate.total - estimate.weights)), measured peak growth "
          + "\(TrainingMemoryEstimate.format(SystemMemory.peakResident() - before))")
}

/// GFLOP/s of the sgemm shapes a training step uses, on OpenBLAS and on the AVX-512 set's kernels where the CPU
/// has them (threads: PIPE_THREADS for those, OPENBLAS_NUM_THREADS for OpenBLAS).
func benchmarkShapes() {
    let shapes: [(String, Bool, Bool, Int, Int, Int)] = [
        ("fwd q 512x576x576 NT", false, true, 512, 576, 576),
        ("fwd k 512x192x576 NT", false, true, 512, 192, 576),
        ("fwd gate 512x1536x576 NT", false, true, 512, 1536, 576),
        ("fwd down 512x576x1536 NT", false, true, 512, 576, 1536),
        ("fwd head 128x49152x576 NT", false, true, 128, 49152, 576),
        ("bwd dx q 512x576x576 NN", false, false, 512, 576, 576),
        ("bwd dx k 512x576x192 NN", false, false, 512, 576, 192),
        ("bwd dx gate 512x576x1536 NN", false, false, 512, 576, 1536),
        ("bwd dx down 512x1536x576 NN", false, false, 512, 1536, 576),
        ("bwd dx head 128x576x49152 NN", false, false, 128, 576, 49152),
        ("bwd dW q 576x576x512 TN", true, false, 576, 576, 512),
        ("bwd dW k 192x576x512 TN", true, false, 192, 576, 512),
        ("bwd dW gate 1536x576x512 TN", true, false, 1536, 576, 512),
        ("bwd dW down 576x1536x512 TN", true, false, 576, 1536, 512),
        ("bwd dW head 49152x576x128 TN", true, false, 49152, 576, 128),
        ("lora A 512x8x576 NT", false, true, 512, 8, 576),
        ("lora B 512x576x8 NT", false, true, 512, 576, 8),
        ("att 128x128x64 NT", false, true, 128, 128, 64),
        ("att 128x64x128 NN", false, false, 128, 64, 128),
        ("square 1024x1024x1024 NT", false, true, 1024, 1024, 1024),
    ]
    let sets: [KernelSet] = KernelSet.avx512.isSupported ? [.avx2, .avx512] : [.avx2]
    for (name, ta, tb, M, N, K) in shapes {
        var rng = Xoshiro256(seed: 1)
        var a = [Float](repeating: 0, count: M * K), b = [Float](repeating: 0, count: N * K)
        rng.fillNormal(&a, a.count, std: 1)
        rng.fillNormal(&b, b.count, std: 1)
        var c = [Float](repeating: 0, count: M * N)
        let rates = sets.map { kernels in
            var best = Double.infinity
            for rep in 0..<6 {  // the first call (page faults, threads waking) is not timed
                let start = DispatchTime.now().uptimeNanoseconds
                sgemm(transposeA: ta, transposeB: tb, M, N, K, a, lda: ta ? M : K, b, ldb: tb ? K : N, &c, ldc: N,
                      kernels: kernels)
                if rep == 0 { continue }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return 2 * Double(M * N * K) / best / 1e9
        }
        var line = String(format: "  %@: OpenBLAS %.1f GFLOP/s", name, rates[0])
        if rates.count > 1 {
            line += String(format: ", AVX-512 set %.1f GFLOP/s (%@), %.2fx", rates[1],
                           sgemmBackend(M, N, K, kernels: .avx512).rawValue, rates[1] / rates[0])
        }
        print(line)
    }
}

/// Time of one step's attention (30 layers, B=4, NH=9, NKV=3, T=128, HS=64), forward and backward.
func benchmarkAttention() {
    let B = 4, NH = 9, NKV = 3, T = 128, HS = 64, QD = NH * HS, KVD = NKV * HS
    var rng = Xoshiro256(seed: 1)
    var q = [Float](repeating: 0, count: B * T * QD), k = [Float](repeating: 0, count: B * T * KVD)
    var v = k
    rng.fillNormal(&q, q.count, std: 1); rng.fillNormal(&k, k.count, std: 1); rng.fillNormal(&v, v.count, std: 1)
    var out = q, att = [Float](repeating: 0, count: B * NH * T * T)
    var dq = q, dk = k, dv = k, scratch = [Float](repeating: 0, count: T * T)
    var start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<30 {
        for b in 0..<B {
            attentionForward(
                &out[b * T * QD], ldo: QD, &att[b * NH * T * T],
                q.withUnsafeBufferPointer { $0.baseAddress! + b * T * QD }, ldq: QD,
                k.withUnsafeBufferPointer { $0.baseAddress! + b * T * KVD }, ldk: KVD,
                v.withUnsafeBufferPointer { $0.baseAddress! + b * T * KVD }, ldv: KVD,
                keyMask: nil, T, T, past: 0, NH, NKV, HS)
        }
    }
    let fwd = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<30 {
        for b in 0..<B {
            attentionBackward(&dq[b * T * QD], ldq: QD, &dk[b * T * KVD], &dv[b * T * KVD], ldk: KVD, &scratch,
                              out.withUnsafeBufferPointer { $0.baseAddress! + b * T * QD }, ldo: QD,
                              att.withUnsafeBufferPointer { $0.baseAddress! + b * NH * T * T },
                              q.withUnsafeBufferPointer { $0.baseAddress! + b * T * QD },
                              k.withUnsafeBufferPointer { $0.baseAddress! + b * T * KVD },
                              v.withUnsafeBufferPointer { $0.baseAddress! + b * T * KVD }, T, NH, NKV, HS)
        }
    }
    let bwd = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(String(format: "  attention per step: forward %.3f s, backward %.3f s", fwd, bwd))
}
