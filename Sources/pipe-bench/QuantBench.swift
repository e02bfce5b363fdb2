// `pipe-bench quant`: the quantized matrix-vector products of one generated token of the demo
// model (every weight matrix once, the tied Q8_0 embedding as the output head), single- and
// multi-threaded, against a plain read of the same bytes (the memory-bandwidth ceiling).
import Dispatch
import Foundation
import GGUF
import Llama
import Tensor

func benchmarkQuant(arguments: [String]) throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let short = arguments.contains("--short") // only the per-token lines (quick, for quiet moments)
    let path = arguments.first { !$0.hasPrefix("--") } ?? root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    let file = try GGUFFile(contentsOf: URL(fileURLWithPath: path))
    let matrices = try file.tensors.filter { $0.dimensions.count == 2 }.map { try GGMLMatrix(file: file, tensor: $0) }
    let bytes = matrices.reduce(0) { $0 + $1.byteCount }
    let flops = matrices.reduce(0) { $0 + 2 * $1.rows * $1.columns }
    let types = Dictionary(grouping: matrices, by: \.type).map { "\($0.value.count) \($0.key)" }.sorted()
    print("\(matrices.count) matrices (\(types.joined(separator: ", "))), \(String(format: "%.1f", Double(bytes) / 1e6)) MB, \(String(format: "%.1f", Double(flops) / 1e6)) MFLOP per token")
    let maxColumns = matrices.map(\.columns).max() ?? 0, maxRows = matrices.map(\.rows).max() ?? 0
    var x = [Float](repeating: 0, count: maxColumns)
    var state: UInt64 = 1
    for i in x.indices {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        x[i] = Float(state >> 40) / Float(1 << 23) - 1
    }
    var y = [Float](repeating: 0, count: maxRows)
    let vector = QuantizedVector(capacity: maxColumns)

    /// Times `token` one call at a time and reports the fastest call (other builds share this
    /// machine: the fastest is the closest to an idle machine) and the median.
    func report(_ label: String, tokens: Int, bytes: Int = bytes, flops: Int = flops, _ token: () -> Void) {
        token() // warm-up: page in the mapping
        var times: [Double] = [], cpu = 0.0
        let startCPU = processCPUSeconds(), start = DispatchTime.now()
        for _ in 0 ..< 3 * tokens {
            let t = DispatchTime.now()
            token()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e9)
        }
        cpu = (processCPUSeconds() - startCPU) / (Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        times.sort()
        let best = times[0], median = times[times.count / 2]
        print(String(format: "%@: %.2f ms/token (median %.2f), %.0f tokens/s, %.1f GB/s, %.1f GFLOP/s (%.1f CPUs busy on average)",
                     label, best * 1e3, median * 1e3, 1 / best, Double(bytes) / best / 1e9, Double(flops) / best / 1e9, cpu))
    }

    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            let x = xp.baseAddress!, y = yp.baseAddress!
            // The memory ceiling: sum every weight byte as 32-byte vectors.
            for threads in [1, 2] {
                report("read the weight bytes, \(threads) thread(s)", tokens: 10) {
                    let sums = UnsafeSendable(UnsafeMutablePointer<SIMD8<UInt32>>.allocate(capacity: threads))
                    defer { sums.value.deallocate() }
                    DispatchQueue.concurrentPerform(iterations: threads) { part in
                        var acc = SIMD8<UInt32>()
                        for m in matrices {
                            let n = m.byteCount / 32
                            for i in n * part / threads ..< n * (part + 1) / threads {
                                acc &+= m.base.loadUnaligned(fromByteOffset: 32 * i, as: SIMD8<UInt32>.self)
                            }
                        }
                        sums.value[part] = acc
                    }
                    if sums.value[0].wrappedSum() == 42 { print("") }
                }
            }
            if !short { report("float-activation reference (old matVec), 1 thread", tokens: 2) {
                for m in matrices { m.multiplyExact(x, into: y) }
            } }
            for threads in [1, 2] {
                report("int8 kernels, worker pool, \(threads) thread(s)", tokens: 20) {
                    for m in matrices {
                        try? vector.quantize(x, count: m.columns)
                        m.multiply(vector, into: y, threads: threads)
                    }
                }
            }
            // As the model calls them: one quantized x and one dispatch for q, k, v and for gate, up.
            var groups: [[GGMLMatrix]] = [], groupOf: [String: Int] = [:]
            for (m, info) in zip(matrices, file.tensors.filter { $0.dimensions.count == 2 }) {
                let key = info.name.replacingOccurrences(of: #"attn_[qkv]\."#, with: "attn_qkv.",
                                                         options: .regularExpression)
                    .replacingOccurrences(of: #"ffn_(gate|up)\."#, with: "ffn_gate_up.", options: .regularExpression)
                if let g = groupOf[key] { groups[g].append(m) } else { groupOf[key] = groups.count; groups.append([m]) }
            }
            let outputs = (0 ..< 3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: maxRows) }
            defer { outputs.forEach { $0.deallocate() } }
            for threads in [1, 2] {
                report("int8 kernels, \(groups.count) grouped dispatches, \(threads) thread(s)", tokens: 20) {
                    for group in groups {
                        try? vector.quantize(x, count: group[0].columns)
                        GGMLMatrix.multiply(group, vector, into: outputs, threads: threads)
                    }
                }
            }
            // Tensor's QuantizedMatrix (blocks repacked at load, float activations), for comparison.
            let repacked = file.tensors.filter { $0.dimensions.count == 2 }.compactMap {
                QuantizedWeights.repack($0.type, bytes: file.pointer(of: $0), rows: $0.rowCount, columns: $0.rowLength)
            }
            if repacked.count == matrices.count {
                for threads in [1, 2] {
                    report("Tensor.quantizedMatvec (float activations), \(threads) thread(s)", tokens: 20) {
                        for m in repacked { quantizedMatvec(y, m, x, threads: threads) }
                    }
                }
            }
            if short { return }
            report("int8 kernels, concurrentPerform, 2 threads", tokens: 20) {
                for m in matrices {
                    try? vector.quantize(x, count: m.columns)
                    let rows = m.rows, out = UnsafeSendable(y)
                    DispatchQueue.concurrentPerform(iterations: 2) { part in
                        m.multiply(vector, rows: rows * part / 2 ..< rows * (part + 1) / 2, into: out.value)
                    }
                }
            }
            // Compute speed without memory traffic: one cache-resident matrix, many times.
            for m in [matrices.first { $0.type == .q4_1 && $0.rows == 576 }, matrices.first { $0.type == .q8_0 }].compactMap({ $0 }) {
                let small = try? GGMLMatrix(type: m.type, rows: min(m.rows, 576), columns: m.columns, bytes: m.base, owner: nil)
                guard let small else { continue }
                try? vector.quantize(x, count: small.columns)
                var best = Double.infinity
                for _ in 0 ..< 5 {
                    let start = DispatchTime.now()
                    for _ in 0 ..< 200 { small.multiply(vector, into: y) }
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 200)
                }
                let blocks = small.rows * small.columns / 32
                print(String(format: "  cache-resident %dx%d %@, 1 thread: %.2f ns per block of 32, %.1f GB/s", small.rows,
                             small.columns, "\(small.type)", best / Double(blocks), Double(small.byteCount) / best))
            }
            // Dispatch overhead: a small cache-resident matrix, one product at a time.
            if let m = matrices.first(where: { $0.rows == 576 && $0.columns == 576 }) {
                try? vector.quantize(x, count: 576)
                var line = "  cache-resident 576x576 \(m.type), one product:"
                for threads in [1, 2] {
                    var best = Double.infinity // best of many short batches: catches quiet moments
                    for _ in 0 ..< 300 {
                        let start = DispatchTime.now()
                        for _ in 0 ..< 10 { m.multiply(vector, into: y, threads: threads) }
                        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 10e3)
                    }
                    line += String(format: " %.1f us with %d thread(s)", best, threads)
                }
                print(line)
            }
            // The other integer kernels on a random cache-resident 576x1536 matrix.
            let random = (0 ..< 576 * 1536).map { (i: Int) -> Float in
                let k = (i &* 2_654_435_761) % 2001
                return Float(k) / 1000 - 1
            }
            for type in [GGMLType.q4_0, .q4_K, .q6_K] {
                guard let bytes = try? quantize(random, as: type) else { continue }
                bytes.withUnsafeBytes { raw in
                    guard let m = try? GGMLMatrix(type: type, rows: 576, columns: 1536, bytes: raw.baseAddress!, owner: nil) else { return }
                    try? vector.quantize(x, count: 1536)
                    var best = Double.infinity
                    for _ in 0 ..< 5 {
                        let start = DispatchTime.now()
                        for _ in 0 ..< 100 { m.multiply(vector, into: y) }
                        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 100)
                    }
                    print(String(format: "  cache-resident 576x1536 %@, 1 thread: %.2f ns per 32 elements, %.1f GB/s",
                                 "\(type)", best / Double(576 * 1536 / 32), Double(m.byteCount) / best))
                }
            }
            let layers = matrices.filter { $0.rows != 49152 }, head = matrices.filter { $0.rows == 49152 }
            for (name, set) in [("layers only", layers), ("output head only", head)] {
                let setBytes = set.reduce(0) { $0 + $1.byteCount }, setFlops = set.reduce(0) { $0 + 2 * $1.rows * $1.columns }
                for threads in [1, 2] {
                    report("  \(name), one dispatch per matrix, \(threads) thread(s)", tokens: 10, bytes: setBytes, flops: setFlops) {
                        for m in set {
                            try? vector.quantize(x, count: m.columns)
                            m.multiply(vector, into: y, threads: threads)
                        }
                    }
                }
            }
        }
    }
}

/// A pointer handed to concurrentPerform's parts (each writes its own elements).
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// User + system CPU time of this process so far (all threads): shows whether the machine gave
/// a multi-threaded run the cores it asked for.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}
