// `pipe-bench quant`: the quantized matrix-vector products of one generated token of the demo
// model (every weight matrix once, the tied Q8_0 embedding as the output head), single- and
// multi-threaded, against a plain read of the same bytes (the memory-bandwidth ceiling); then the
// kernel alone on cache-resident matrices and the cost of one dispatch.
import Dispatch
import Foundation
import GGUF
import Llama
import Tensor

func benchmarkQuant(arguments: [String]) throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let short = arguments.contains("--short")  // only the per-token lines (quick, for quiet moments)
    let path =
        arguments.first { !$0.hasPrefix("--") }
        ?? root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    let file = try GGUFFile(contentsOf: URL(fileURLWithPath: path))
    let infos = file.tensors.filter { $0.dimensions.count == 2 }
    let matrices = infos.compactMap {
        QuantizedWeights.repack($0.type, bytes: file.pointer(of: $0), rows: $0.rowCount, columns: $0.rowLength)
    }
    guard matrices.count == infos.count else {
        print("quant: \(infos.count - matrices.count) matrices are not Q4_0/Q4_1/Q8_0; nothing to measure")
        return
    }
    let bytes = infos.reduce(0) { $0 + $1.byteCount }
    let flops = matrices.reduce(0) { $0 + 2 * $1.rows * $1.columns }
    let types = Dictionary(grouping: infos, by: \.type).map { "\($0.value.count) \($0.key)" }.sorted()
    print(
        "\(matrices.count) matrices (\(types.joined(separator: ", "))), \(String(format: "%.1f", Double(bytes) / 1e6)) "
            + "MB, \(String(format: "%.1f", Double(flops) / 1e6)) MFLOP per token")
    let maxColumns = matrices.map(\.columns).max() ?? 0, maxRows = matrices.map(\.rows).max() ?? 0
    var x = [Float](repeating: 0, count: maxColumns)
    var state: UInt64 = 1
    for i in x.indices {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        x[i] = Float(state >> 40) / Float(1 << 23) - 1
    }
    var y = [Float](repeating: 0, count: maxRows)

    /// Times `token` one call at a time and reports the fastest call (the closest to an idle
    /// machine when something else runs) and the median.
    func report(_ label: String, tokens: Int, bytes: Int = bytes, flops: Int = flops, _ token: () -> Void) {
        token() // warm-up: page in the mapping
        var times: [Double] = []
        let startCPU = processCPUSeconds(), start = DispatchTime.now()
        for _ in 0 ..< 3 * tokens {
            let t = DispatchTime.now()
            token()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e9)
        }
        let cpu =
            (processCPUSeconds() - startCPU)
            / (Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        times.sort()
        let best = times[0], median = times[times.count / 2]
        print(
            String(
                format: "%@: %.2f ms/token (median %.2f), %.0f tokens/s, "
                    + "%.1f GB/s, %.1f GFLOP/s (%.1f CPUs busy on average)",
                label, best * 1e3, median * 1e3, 1 / best, Double(bytes) / best / 1e9, Double(flops) / best / 1e9, cpu))
    }

    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            let x = xp.baseAddress!, y = yp.baseAddress!
            // The memory ceiling: sum every weight byte of the file as 32-byte vectors.
            let base = UnsafeSendable(file.pointer(of: infos[0]) - Int(infos[0].offset))
            for threads in [1, 2] {
                report("read the weight bytes, \(threads) thread(s)", tokens: 10) {
                    let sums = UnsafeSendable(UnsafeMutablePointer<SIMD8<UInt32>>.allocate(capacity: threads))
                    defer { sums.value.deallocate() }
                    DispatchQueue.concurrentPerform(iterations: threads) { part in
                        var acc = SIMD8<UInt32>()
                        for info in infos {
                            let start = base.value + Int(info.offset), n = info.byteCount / 32
                            for i in n * part / threads ..< n * (part + 1) / threads {
                                acc &+= start.loadUnaligned(fromByteOffset: 32 * i, as: SIMD8<UInt32>.self)
                            }
                        }
                        sums.value[part] = acc
                    }
                    if sums.value[0].wrappedSum() == 42 { print("") }
                }
            }
            for threads in [1, 2] {
                report("quantizedMatvec (float activations), \(threads) thread(s)", tokens: 20) {
                    for m in matrices { quantizedMatvec(y, m, x, threads: threads) }
                }
            }
            if short { return }
            // Compute speed without memory traffic: one cache-resident matrix, many times.
            for m in [
                matrices.first { $0.kind == .fourBit && $0.rows == 576 }, matrices.first { $0.kind == .eightBit },
            ].compactMap({ $0 }) {
                let small = QuantizedMatrix(kind: m.kind, rows: min(m.rows, 576), columns: m.columns)
                let blocks = small.rows * small.blocksPerRow
                small.storage.copyMemory(from: m.storage, byteCount: small.rows * small.rowBytes)
                var best = Double.infinity
                for _ in 0 ..< 5 {
                    let start = DispatchTime.now()
                    for _ in 0 ..< 200 { quantizedMatvec(y, small, x, threads: 1) }
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 200)
                }
                print(String(format: "  cache-resident %dx%d %@, 1 thread: %.2f ns per block of 32", small.rows,
                             small.columns, "\(small.kind)", best / Double(blocks)))
            }
            // Dispatch overhead: a small cache-resident matrix, one product at a time.
            if let m = matrices.first(where: { $0.rows == 576 && $0.columns == 576 }) {
                var line = "  cache-resident 576x576 \(m.kind), one product:"
                for threads in [1, 2] {
                    var best = Double.infinity // best of many short batches: catches quiet moments
                    for _ in 0 ..< 300 {
                        let start = DispatchTime.now()
                        for _ in 0 ..< 10 { quantizedMatvec(y, m, x, threads: threads) }
                        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 10e3)
                    }
                    line += String(format: " %.1f us with %d thread(s)", best, threads)
                }
                print(line)
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
