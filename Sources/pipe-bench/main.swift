// Benchmarks, run in release: `swift run -c release pipe-bench <name>`.
import Foundation
import JSON
import PipeCache
import Random
import Tensor

func measure(_ label: String, bytes: Int, repeats: Int = 3, _ body: () throws -> Void) rethrows {
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now()
        try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
    }
    print(
        String(
            format: "  %@: %.0f MB/s (%.3f s for %.1f MB, best of %d)", label, Double(bytes) / 1e6 / best, best,
            Double(bytes) / 1e6, repeats))
}

/// zstd artifact write (archive + compress + fsync + rename) and read (decompress + verify + unpack),
/// on text data (a JSONL dataset) and on float weights (an adapter or model).
func benchmarkStore() throws {
    try benchmarkStore(label: "dataset JSONL", makeFile: writeDataset)
    try benchmarkStore(label: "float32 weights", makeFile: writeWeights)
}

func writeDataset(_ url: URL) throws {
    var text = ""
    var i = 0
    var rng = SplitMix64(seed: 1)
    while text.utf8.count < 100_000_000 {
        let a = rng.next() % 90, b = rng.next() % 1000, c = rng.next() % 100_000
        text +=
            #"{"instruction": "诊断建议生成", "#
            + #""input": "患者男性,\#(a)岁,持续咳嗽\#(b)天伴血痰,白细胞\#(c)", "#
            + #""output": "建议:1.胸部CT平扫 2.支气管镜检查 #\#(i)"}"# + "\n"
        i += 1
    }
    try Data(text.utf8).write(to: url)
}

func writeWeights(_ url: URL) throws {
    var rng = SplitMix64(seed: 2)
    var floats = [Float](repeating: 0, count: 25_000_000)
    for i in floats.indices {
        // Roughly normal, scaled like trained weights.
        let u = Float(rng.next() % 1_000_000) / 1_000_000, v = Float(rng.next() % 1_000_000) / 1_000_000
        floats[i] = 0.02 * (u + v - 1)
    }
    try floats.withUnsafeBytes { try Data($0).write(to: url) }
}


func benchmarkStore(label: String, makeFile: (URL) throws -> Void) throws {
    print("\(label):")
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let folder = root.appendingPathComponent("artifact")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent("data")
    try makeFile(file)
    let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
    let store = try ArtifactStore(root: root.appendingPathComponent(".pipe"))
    var entry: ArtifactEntry?
    var n = 0
    try measure("artifact write (zstd level 3, 2 workers)", bytes: size) {
        n += 1
        entry = try store.store(folder: folder, key: "bench\(n)", type: "dataset", kind: "load")
    }
    if let entry {
        print(
            String(
                format: "    ratio %.2fx (%d -> %d bytes)", Double(entry.bytes) / Double(entry.compressedBytes),
                entry.bytes, entry.compressedBytes))
    }
    try measure("artifact read (decompress + SHA-256 verify + unpack)", bytes: size) {
        let out = root.appendingPathComponent("out-\(UUID().uuidString)")
        try store.unpack(key: "bench1", into: out)
        try FileManager.default.removeItem(at: out)
    }
}

/// The host and the kernels this run uses: the first lines of every benchmark's output.
func printHost() {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    print("cpu: \(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores; features: \(KernelSet.hostFeatures)")
    let available = KernelSet.available.map(\.rawValue).joined(separator: ", ")
    print("kernels: \(KernelSet.best.rawValue) (available: \(available)); bf16 products: "
          + (KernelSet.best.hasBFloat16Products ? "avx512_bf16" : "portable (rounded operands through sgemm)"))
    print("blas: \(blasDescription)")
}

let arguments = CommandLine.arguments.dropFirst()
if ["model", "generate", "train", "quant", "sgemm", "bandwidth"].contains(arguments.first ?? "") { printHost() }
switch arguments.first {
case "store":
    try benchmarkStore()
case "model":
    try benchmarkModel(path: arguments.dropFirst().first ?? "models/SmolLM2-135M-Instruct.Q4_1.gguf")
case "generate":
    try benchmarkGeneration(arguments: Array(arguments.dropFirst()))
case "sgemm":
    benchmarkShapes()
    benchmarkAttention()
case "train":
    try benchmarkTrain(Array(arguments.dropFirst()))
case "quant":
    try benchmarkQuant(arguments: Array(arguments.dropFirst()))
case "bandwidth":
    let bandwidth = measureReadBandwidth()
    print(String(format: "read bandwidth (1 GB, best of 5): %.1f GB/s with 1 thread, %.1f GB/s with 2 threads",
                 bandwidth.one, bandwidth.two))
default:
    print(
        "usage: pipe-bench store | model [GGUF] | generate [GGUF] [--runs N] | sgemm | bandwidth | train [lora|full] "
            + "[steps] [--quantized] [--bf16] [--checkpointing] [--model GGUF] [--batch BxT] | quant [GGUF] [--short]")
    print("  store   zstd artifact write/read throughput on 100 MB of data")
    print("  model   forward 4x128, prompt eval 256, generation 128 tokens/s, sgemm peak")
    print("  generate  generation 128 tokens/s alone, N runs (5): best, median, % of read bandwidth")
    print("  sgemm   each sgemm shape of a training step, and attention")
    print("  bandwidth  a plain read of 1 GB with 1 and 2 threads (the memory limit of generation)")
    print("  train   training tokens/s and peak RSS on the demo model, batch 4x128")
    print("  quant   quantized matrix-vector products of one token of the demo model")
}
