// The memory a training run needs, computed before anything is allocated.
//
// Legend: R the largest B*T of any batch, V vocabulary, P trainable values
// (the LoRA adapter's A and B, or every weight), L layers, T the longest row,
// HS head size. Every value is float32 (4 bytes).
//
//   weights      the model as held: float32 values and quantized blocks
//   adapter      LoRA A and B (P); full fine-tuning trains the weights in place
//   gradients    P
//   optimizer    AdamW's m and v (2P)
//   activations  `LlamaTrainingActivations` without the logits: the residual stream per layer,
//                each layer's saved values (one layer's with gradient checkpointing), attention's
//                logsumexp (NH per row), the norms' outputs and h once, backward scratch
//   logits       one chunk of the LM head's rows (min(R, 128), V)
//   scratch      batches in flight, RoPE tables (2, T, HS), a checkpoint's copies (3P: its three
//                tensors; SafetensorsWriter streams them to the file), BLAS buffers

/// What a training configuration needs in memory, in bytes, part by part.
public struct TrainingMemoryEstimate: Sendable, Equatable {
    public var weights: Int
    public var adapter: Int
    public var gradients: Int
    public var optimizer: Int
    public var activations: Int
    public var logits: Int
    public var scratch: Int
    /// The largest batch the run produces.
    public var batch: BatchCapacity
    /// The settings that decide the batch (named in messages as the manifest names them).
    public var batchSize: Int
    public var maxLength: Int
    public var gradientCheckpointing: Bool
    public var method: TrainingMethod
    /// Whether a LoRA run's frozen base is held in float32 (neither quantized blocks nor bfloat16).
    public var floatBase: Bool

    /// What the BLAS library and the runtime take besides the buffers counted here (measured: 1-9 MB,
    /// the most when the products are large; the LoRA benchmark grew 436 MB for 435 MB of buffers).
    static let runtimeBytes = 8 << 20

    /// All parts.
    public var total: Int { weights + adapter + gradients + optimizer + activations + logits + scratch }

    /// The non-zero parts, largest first.
    public var parts: [(name: String, bytes: Int)] {
        [("weights", weights), ("adapter", adapter), ("gradients", gradients), ("optimizer", optimizer),
         ("activations", activations), ("logits", logits), ("scratch", scratch)]
            .filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }
    }

    /// The estimate for training `config` as described. `weightBytes`: the model as held;
    /// `trainable`: values that train (and get gradients and moments); `lora`: the adapter's
    /// rank and target count (nil for full fine-tuning).
    public init(config c: LlamaConfig, weightBytes: Int, trainable: Int, lora: (rank: Int, targets: Int)?,
                batch: BatchCapacity, hyperparameters hp: TrainingHyperparameters, quantizedBase: Bool,
                checkpoints: Bool) {
        let float = MemoryLayout<Float>.size
        let sizes = LlamaTrainingActivations.layout(config: c, capacity: batch, loraRank: lora?.rank ?? 0,
                                                    loraTargets: lora?.targets ?? 0,
                                                    checkpointing: hp.gradientCheckpointing,
                                                    quantizedBase: quantizedBase,
                                                    compactMLP: hp.precision == .bf16)
        weights = weightBytes
        adapter = lora == nil ? 0 : trainable * float
        gradients = trainable * float
        optimizer = 2 * trainable * float
        logits = sizes[4] * float
        activations = (sizes.reduce(0, +) - sizes[4]) * float + LlamaTrainingActivations.indexBytes(batch)
        let batches = hp.gradientAccumulation * 3 * batch.rows * MemoryLayout<Int32>.size  // tokens, labels, mask
        let rope = 2 * batch.longest * c.headDim * float
        scratch = batches + rope + (checkpoints ? 3 * trainable * float : 0) + Self.runtimeBytes
        self.batch = batch
        batchSize = hp.batchSize
        maxLength = hp.maxLength
        gradientCheckpointing = hp.gradientCheckpointing
        method = hp.method
        floatBase = hp.method == .lora && !quantizedBase && hp.precision == .float32
    }

    /// "about 2.1 GB for batches of 8 × 128 tokens (batch_size 8, max_length 512): logits 1.3 GB, ..."
    public var description: String {
        "about \(Self.format(total)) for batches of \(batch) (batch_size \(batchSize), max_length \(maxLength)): "
            + parts.map { "\($0.name) \(Self.format($0.bytes))" }.joined(separator: ", ")
    }

    /// What would lower the estimate most, as the params to change.
    public var advice: String {
        var ways = ["lower batch_size or the tokenize stage's max_length"]
        if !gradientCheckpointing && activations > logits / 2 { ways.append("turn on gradient_checkpointing") }
        if method == .full && gradients + optimizer > total / 4 { ways.append("train with method lora") }
        if floatBase && weights > total / 4 {
            ways.append("keep the base in bfloat16 (precision bf16) or in its quantized blocks (method qlora)")
        }
        return ways.joined(separator: ", or ")
    }

    /// Bytes in decimal units: "4.5 TB", "27.7 GB", "512 MB", "3.2 MB", "980 kB".
    public static func format(_ bytes: Int) -> String {
        let b = Double(bytes)
        func one(_ v: Double, _ unit: String) -> String {
            v >= 100 ? "\(Int(v.rounded())) \(unit)" : "\((v * 10).rounded() / 10) \(unit)"
        }
        if b >= 1e12 { return one(b / 1e12, "TB") }
        if b >= 1e9 { return one(b / 1e9, "GB") }
        if b >= 1e6 { return one(b / 1e6, "MB") }
        if b >= 1e3 { return one(b / 1e3, "kB") }
        return "\(bytes) bytes"
    }
}

extension TrainingMemoryEstimate {
    /// Bytes `model` holds in weights: its float32 values and its quantized blocks.
    public static func weightBytes(of model: LlamaModel) -> Int {
        let float = MemoryLayout<Float>.size
        var bytes = model.parameters.count * float
        if let q = model.quantized {
            let matrices = q.layers.values.flatMap { $0 } + (q.output.map { [$0] } ?? [])
            for m in matrices { bytes += m.rows * m.rowBytes }
        }
        return bytes + (model.bfloat16?.byteCount ?? 0)
    }

    /// Values of a LoRA adapter of `rank` on `targets` (A and B of every layer), as `LoRAAdapter` holds them.
    public static func adapterCount(_ c: LlamaConfig, rank: Int, targets: [LlamaTensor]) -> Int {
        Set(targets).reduce(0) { sum, t in
            let shape = t.shape(c)
            return sum + c.layerCount * rank * (shape[0] + shape[1])
        }
    }
}
