// Benchmarks, run in release: `swift run -c release pipe-bench <name>`.
import Foundation
import PipeCache

func measure(_ label: String, bytes: Int, repeats: Int = 3, _ body: () throws -> Void) rethrows {
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now()
        try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
    }
    print(String(format: "%@: %.0f MB/s (%.3f s for %.1f MB, best of %d)", label, Double(bytes) / 1e6 / best, best, Double(bytes) / 1e6, repeats))
}

/// zstd artifact write (archive + compress + fsync + rename) and read (decompress + verify + unpack).
func benchmarkStore() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let folder = root.appendingPathComponent("artifact")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var text = ""
    var i = 0
    while text.utf8.count < 100_000_000 {
        text += #"{"instruction": "诊断建议生成", "input": "患者男性,\#(20 + i % 60)岁,持续咳嗽\#(i)天伴血痰", "output": "建议:1.胸部CT平扫 2.支气管镜检查 3.肿瘤标志物检测 #\#(i)"}"# + "\n"
        i += 1
    }
    try Data(text.utf8).write(to: folder.appendingPathComponent("train.jsonl"))
    let size = text.utf8.count
    let store = try ArtifactStore(root: root.appendingPathComponent(".pipe"))
    var entry: ArtifactEntry?
    var n = 0
    try measure("artifact write (zstd level 3, 2 workers)", bytes: size) {
        n += 1
        entry = try store.store(folder: folder, key: "bench\(n)", type: "dataset", kind: "load")
    }
    if let entry { print(String(format: "  ratio %.2fx (%d -> %d bytes)", Double(entry.bytes) / Double(entry.compressedBytes), entry.bytes, entry.compressedBytes)) }
    try measure("artifact read (decompress + SHA-256 verify + unpack)", bytes: size) {
        let out = root.appendingPathComponent("out-\(UUID().uuidString)")
        try store.unpack(key: "bench1", into: out)
        try FileManager.default.removeItem(at: out)
    }
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "store":
    try benchmarkStore()
case "quant":
    try benchmarkQuant(arguments: Array(arguments.dropFirst()))
default:
    print("usage: pipe-bench store | quant [model.gguf] [--short]")
    print("  store   zstd artifact write/read throughput on a 100 MB dataset")
    print("  quant   quantized matrix-vector products of one token of the demo model")
}
