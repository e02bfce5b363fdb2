// Exports a model to ONNX and writes pipe's own logits for a few token batches beside it,
// for `check_onnx.py` to compare onnxruntime against (run by `scripts/interop/onnx.sh`).
//
//     onnx-interop <GGUF file or Hugging Face folder> <output folder> [--adapter <PEFT folder>] [--external-data]
//
// Writes <output folder>/model.onnx (with model.onnx.data when external) and expected.json:
//     {"cases": [{"name", "input_ids" (B, T), "attention_mask" (B, T), "logits" (B·T·V floats)}]}

import Foundation
import Llama
import ONNX

struct Case: Encodable {
    let name: String
    let input_ids: [[Int]]
    let attention_mask: [[Int]]
    let logits: [Float]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("onnx-interop: \(message)\n".utf8))
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var adapterPath: String?
var externalData = false
if let i = arguments.firstIndex(of: "--external-data") {
    externalData = true
    arguments.remove(at: i)
}
if let i = arguments.firstIndex(of: "--adapter"), i + 1 < arguments.count {
    adapterPath = arguments[i + 1]
    arguments.removeSubrange(i...(i + 1))
}
guard arguments.count == 2 else {
    fail("usage: onnx-interop <GGUF file or Hugging Face folder> <output folder> [--adapter <PEFT folder>] [--external-data]")
}
let source = URL(fileURLWithPath: arguments[0]), folder = URL(fileURLWithPath: arguments[1])

do {
    var isFolder: ObjCBool = false
    _ = FileManager.default.fileExists(atPath: source.path, isDirectory: &isFolder)
    // Float weights only, so pipe's logits come from the same numbers the export writes.
    let model = isFolder.boolValue ? try LlamaModel(huggingFaceFolder: source) : try LlamaModel(ggufAt: source, keepQuantized: false)
    if let adapterPath {
        model.adapters = [try LoRAAdapter(peftFolder: URL(fileURLWithPath: adapterPath), config: model.config)]
    }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let start = Date()
    try ONNXExport.write(model, to: folder.appendingPathComponent("model.onnx"), externalData: externalData ? true : nil)
    print(String(format: "exported %@ in %.1f s", source.lastPathComponent, Date().timeIntervalSince(start)))

    let V = model.config.vocabSize, T = 10
    let ids = (0..<2).map { b in (0..<T).map { t in (17 + 7919 * t + 104_729 * b * (t + 3)) % V } }
    let full = [[Int]](repeating: [Int](repeating: 1, count: T), count: 2)
    let rightPadded = [full[0], (0..<T).map { $0 < T - 3 ? 1 : 0 }]
    var cases: [Case] = []
    for (name, mask) in [("batch", full), ("right-padded", rightPadded)] {
        cases.append(Case(name: name, input_ids: ids, attention_mask: mask, logits: try model.logits(ids, attentionMask: mask)))
    }
    try JSONEncoder().encode(["cases": cases]).write(to: folder.appendingPathComponent("expected.json"))
} catch {
    fail("\(error)")
}
